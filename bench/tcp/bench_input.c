/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP input per segment: the stack's real receive path (ft_eth_input_burst(): Ethernet, IPv4,
 * TCP validation with a software checksum, connection lookup, the established-state
 * processing, sendmap/RACK/CC on ACKs, reassembly on data), then the end-of-input work it
 * owes (ft_tcp_batch_flush(): callbacks, output, the ACK) and the TX flush, for one
 * established connection of a real stack (one worker on the main lcore, never launched; its
 * ring port's other end is read by this program, which plays the peer with crafted frames
 * carrying timestamps). Bursts of FT_RX_BURST segments, timed with rdtsc around input, flush
 * and TX flush; building the frames and reading what the stack sent are outside the timing.
 * Cases, each with tcp.ack_batching on and off:
 *  - ack:       pure ACKs, each advancing snd_una by one segment (the stack is the sender,
 *               held by the peer's 2 MB window: each ACK lets one new segment go, and that
 *               output is in);
 *  - data:      in-order 1448-byte segments delivered to the application (which frees them);
 *  - dupack:    duplicate ACKs with a growing SACK block after a hole at snd_una (loss
 *               detection, recovery entry, retransmission and PRR output included); rounds
 *               of at most two bursts (and fewer than the segments in flight) end with an
 *               untimed cumulative ACK; RESULT segs_per_round says how long they were;
 *  - ooo:       out-of-order 1448-byte segments after a hole at rcv_nxt (queued, each
 *               answered at once with a SACK); rounds of 16, the hole filled untimed.
 * RESULT tx_per_seg: segments the stack sent inside the timed bursts per input segment.
 * Usage: bench_input [CASE [on|off]] (default: every case, batching on and off).
 * Not a mock: the only shortcut is that frames enter at ft_eth_input_burst() instead of
 * rte_eth_rx_burst() from the ring.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include <fasttcp/fasttcp.h>

#include "bench.h"
#include "net/eth.h"
#include "port/txq.h"
#include "stack/stack.h"
#include "tcp/seq.h"
#include "tcp/tcp.h"

#define LOCAL_IP 0xc6336401 /* 198.51.100.1: the stack */
#define PEER_IP 0xc6336402  /* 198.51.100.2: this program */
#define LPORT 5001
#define PPORT 40000
#define MSS 1448u           /* 1500 - 20 - 20 - 12 (timestamps) */
#define PAIR "bin"
#define BURST FT_RX_BURST
#define SNDBUF (8u << 20)
#define RWND (2u << 20)     /* the peer's receive window (WS 7) */
#define ITERS 4000          /* measured bursts per case */
#define WARMUP 500

struct peer {
	struct ft_stack *s;
	struct ft_worker *w;
	struct rte_mempool *mp;      /* this program's frames */
	struct rte_ring *from_stack; /* what the stack transmits */
	struct rte_ether_addr smac, pmac;
	struct ft_conn *c;
	uint32_t snd_nxt;            /* peer -> stack: next sequence */
	uint32_t una, max;           /* stack -> peer: highest acked by us, highest sent */
	bool have_max;
	uint32_t ts, ts_ecr;
	uint64_t delivered;
	uint64_t timed_tx;           /* segments the stack sent inside timed bursts */
	uint8_t payload[MSS];
};

static void
die(const char *what)
{
	fprintf(stderr, "bench_input: %s\n", what);
	exit(1);
}

/* ---- frames ------------------------------------------------------------------------------ */

struct seg {
	uint32_t seq, ack;
	uint8_t flags;
	uint32_t len;                /* payload bytes */
	uint32_t sack_l, sack_r;     /* one SACK block when sack_r != 0 */
	bool syn_opts;
};

static uint8_t
put_opts(uint8_t *o, const struct peer *p, const struct seg *sg)
{
	uint8_t n = 0;

	if (sg->syn_opts) {
		o[n++] = 2; o[n++] = 4; o[n++] = 1460 >> 8; o[n++] = 1460 & 0xff;  /* MSS */
		o[n++] = 1; o[n++] = 3; o[n++] = 3; o[n++] = 7;                    /* WS 7 */
		o[n++] = 4; o[n++] = 2;                                            /* SACK ok */
	} else {
		o[n++] = 1; o[n++] = 1;
	}
	o[n++] = 8; o[n++] = 10;                                                   /* TS */
	for (int i = 3; i >= 0; i--)
		o[n++] = (uint8_t)(p->ts >> (8 * i));
	for (int i = 3; i >= 0; i--)
		o[n++] = (uint8_t)(p->ts_ecr >> (8 * i));
	if (sg->sack_r != 0) {
		o[n++] = 1; o[n++] = 1; o[n++] = 5; o[n++] = 10;
		for (int i = 3; i >= 0; i--)
			o[n++] = (uint8_t)(sg->sack_l >> (8 * i));
		for (int i = 3; i >= 0; i--)
			o[n++] = (uint8_t)(sg->sack_r >> (8 * i));
	}
	while (n % 4)
		o[n++] = 1;
	return n;
}

static struct rte_mbuf *
build(struct peer *p, const struct seg *sg)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(p->mp);
	uint8_t opts[40];
	uint8_t olen = put_opts(opts, p, sg);
	uint16_t l4 = (uint16_t)(sizeof(struct rte_tcp_hdr) + olen + sg->len);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ih;
	struct rte_tcp_hdr *th;

	if (m == NULL)
		die("frame pool empty");
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eh) + sizeof(*ih) + l4);
	eh->dst_addr = p->smac;
	eh->src_addr = p->pmac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ih = (struct rte_ipv4_hdr *)(eh + 1);
	memset(ih, 0, sizeof(*ih));
	ih->version_ihl = 0x45;
	ih->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ih) + l4));
	ih->time_to_live = 64;
	ih->next_proto_id = IPPROTO_TCP;
	ih->src_addr = rte_cpu_to_be_32(PEER_IP);
	ih->dst_addr = rte_cpu_to_be_32(LOCAL_IP);
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	th = (struct rte_tcp_hdr *)(ih + 1);
	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(PPORT);
	th->dst_port = rte_cpu_to_be_16(LPORT);
	th->sent_seq = rte_cpu_to_be_32(sg->seq);
	th->recv_ack = rte_cpu_to_be_32(sg->ack);
	th->data_off = (uint8_t)(((sizeof(*th) + olen) / 4) << 4);
	th->tcp_flags = sg->flags;
	/* SYN: 65535 unscaled; then 16384 << 7 = 2 MB, below SNDBUF: the sender is window
	 * limited, so each ACK that moves snd_una by a segment lets exactly one more go, in both
	 * batching modes (cwnd would otherwise outgrow the send buffer in one mode only). */
	th->rx_win = rte_cpu_to_be_16(sg->syn_opts ? 65535 : RWND >> 7);
	memcpy(th + 1, opts, olen);
	memcpy((uint8_t *)(th + 1) + olen, p->payload, sg->len);
	th->cksum = rte_ipv4_udptcp_cksum(ih, th);
	p->ts++;
	return m;
}

/* Read what the stack sent: highest sequence end (a SYN counts one), its latest timestamp. */
static void
drain(struct peer *p)
{
	struct rte_mbuf *pkts[64];
	unsigned int n;

	while ((n = rte_ring_dequeue_burst(p->from_stack, (void **)pkts, 64, NULL)) != 0) {
		for (unsigned int i = 0; i < n; i++) {
			const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(pkts[i],
							const struct rte_ether_hdr *);
			const struct rte_ipv4_hdr *ih = (const void *)(eh + 1);
			const struct rte_tcp_hdr *th = (const void *)(ih + 1);
			const uint8_t *o = (const uint8_t *)(th + 1);
			uint32_t hl, len, seq;

			if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
			    ih->next_proto_id != IPPROTO_TCP)
				continue;
			hl = (uint32_t)(th->data_off >> 4) * 4;
			seq = rte_be_to_cpu_32(th->sent_seq);
			len = rte_be_to_cpu_16(ih->total_length) - (uint32_t)sizeof(*ih) - hl;
			if (th->tcp_flags & RTE_TCP_SYN_FLAG)
				len = 1;
			if (!p->have_max || ft_seq_gt(seq + len, p->max))
				p->max = seq + len;
			p->have_max = true;
			for (uint32_t k = 0; k + 10 <= hl - sizeof(*th);) {
				if (o[k] == 8) {
					p->ts_ecr = (uint32_t)o[k + 2] << 24 |
						    (uint32_t)o[k + 3] << 16 |
						    (uint32_t)o[k + 4] << 8 | o[k + 5];
					break;
				}
				k += o[k] <= 1 ? 1u : o[k + 1];
			}
		}
		rte_pktmbuf_free_bulk(pkts, n);
	}
}

/* ---- the stack side ---------------------------------------------------------------------- */

static void
app_established(struct ft_conn *c, void *arg)
{
	struct peer *p = arg;

	p->c = c;
	ft_conn_set_nodelay(c, 1);
}

static void
app_readable(struct ft_conn *c, void *arg)
{
	struct peer *p = arg;
	struct rte_mbuf *m;

	while ((m = ft_conn_recv(c, SIZE_MAX)) != NULL) {
		p->delivered += m->pkt_len;
		rte_pktmbuf_free(m);
	}
}

static const struct ft_conn_ops app_ops = {
	.established = app_established,
	.readable = app_readable,
};

/* Input, end-of-input work and TX flush of one burst. @return cycles. */
static uint64_t
feed(struct peer *p, struct rte_mbuf **pkts, uint16_t n)
{
	struct ft_worker *w = p->w;
	uint64_t t = bench_start();

	w->now = rte_rdtsc();
	ft_eth_input_burst(w, 0, pkts, n);
	ft_tcp_batch_flush(w);
	ft_txq_flush(w->txq[0], &w->stats);
	return bench_stop(t);
}

/* The measured unit: feed(), counting what the stack sent meanwhile. */
static uint64_t
feed_timed(struct peer *p, struct rte_mbuf **pkts, uint16_t n)
{
	uint64_t tx = p->w->stats.tcp_segs_tx, t = feed(p, pkts, n);

	p->timed_tx += p->w->stats.tcp_segs_tx - tx;
	return t;
}

static void
feed_untimed(struct peer *p, const struct seg *sg)
{
	struct rte_mbuf *m = build(p, sg);

	feed(p, &m, 1);
	drain(p);
}

static void
arp_request(struct peer *p)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(p->mp);
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *ah;

	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eh) + sizeof(*ah));
	memset(&eh->dst_addr, 0xff, sizeof(eh->dst_addr));
	eh->src_addr = p->pmac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	ah = (struct rte_arp_hdr *)(eh + 1);
	ah->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = 4;
	ah->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	ah->arp_data.arp_sha = p->pmac;
	ah->arp_data.arp_sip = rte_cpu_to_be_32(PEER_IP);
	memset(&ah->arp_data.arp_tha, 0, sizeof(ah->arp_data.arp_tha));
	ah->arp_data.arp_tip = rte_cpu_to_be_32(LOCAL_IP);
	feed(p, &m, 1);
	drain(p);
}

/* A stack on the main lcore, ARP resolved, one connection established from the peer. */
static void
setup(struct peer *p, bool batching)
{
	static unsigned int gen;
	struct ft_stack_conf c;
	char name[RTE_RING_NAMESIZE];

	memset(p, 0, sizeof(*p));
	ft_stack_conf_init(&c);
	c.lcore_mask = 1ull << rte_lcore_id();
	c.n_mbufs = 65535;
	c.tcp_max_conns = 64;
	c.tcp_sndbuf = SNDBUF;
	c.tcp_rcvbuf = 1u << 20;
	c.tcp_ack_batching = batching;
	c.gratuitous_arp = false;
	c.n_ports = 1;
	snprintf(c.ports[0].name, sizeof(c.ports[0].name), "bin");
	snprintf(c.ports[0].dev, sizeof(c.ports[0].dev), PAIR "%u", gen);
	c.ports[0].type = FT_PORT_RING;
	c.ports[0].rx_desc = c.ports[0].tx_desc = 1024;
	c.ports[0].mtu = 1500;
	c.ports[0].ip4 = LOCAL_IP;
	c.ports[0].prefix_len = 24;
	c.ports[0].no_tso = true; /* one frame per segment: what a NIC without TSO sees */
	p->s = ft_stack_create(&c);
	if (p->s == NULL)
		die("ft_stack_create failed");
	p->w = p->s->workers[0];
	snprintf(name, sizeof(name), PAIR "%u.0.0to1", gen++);
	p->from_stack = rte_ring_lookup(name);
	if (p->from_stack == NULL)
		die("ring port: TX ring not found");
	p->mp = rte_pktmbuf_pool_create("bin_peer", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					(int)rte_socket_id());
	if (p->mp == NULL && (p->mp = rte_mempool_lookup("bin_peer")) == NULL)
		die("peer pool");
	p->smac = p->s->ifaces[0].mac;
	p->pmac = (struct rte_ether_addr){ { 0x02, 0, 0, 0, 0, 0x02 } };
	memset(p->payload, 0x5a, sizeof(p->payload));
	if (ft_tcp_listen(p->s, LPORT, &app_ops, p) < 0)
		die("listen");
	p->s->running = true; /* as ft_worker_poll_begin(): no more configuration */
	p->ts = 1000;
	arp_request(p);
	p->snd_nxt = 77777;
	feed_untimed(p, &(struct seg){ .seq = p->snd_nxt, .flags = RTE_TCP_SYN_FLAG,
				       .syn_opts = true });
	p->snd_nxt++;
	p->una = p->max; /* the SYN-ACK's ISN + 1 (drain() counts the SYN as one) */
	feed_untimed(p, &(struct seg){ .seq = p->snd_nxt, .ack = p->una,
				       .flags = RTE_TCP_ACK_FLAG });
	if (p->c == NULL)
		die("handshake did not complete");
}

static void
teardown(struct peer *p)
{
	p->s->running = false;
	ft_stack_destroy(p->s);
	drain(p);
}

/* Keep the send buffer full (untimed): the ACK cases measure the stack, not the copy. */
static void
refill(struct peer *p)
{
	static uint8_t buf[65536];

	while (ft_conn_send_space(p->c) >= sizeof(buf))
		if (ft_conn_write(p->c, buf, sizeof(buf)) <= 0)
			break;
	ft_txq_flush(p->w->txq[0], &p->w->stats); /* what the writes sent */
	drain(p);
}

static void
ack_to(struct peer *p, uint32_t ack)
{
	feed_untimed(p, &(struct seg){ .seq = p->snd_nxt, .ack = ack,
				       .flags = RTE_TCP_ACK_FLAG });
	p->una = ack;
}

/* ---- cases ------------------------------------------------------------------------------- */

struct result {
	uint64_t cycles, segs;
	uint64_t rounds;             /* dupack, ooo: rounds (one recovery / one hole each) */
};

static void
case_ack(struct peer *p, uint32_t iters, struct result *r)
{
	struct rte_mbuf *pkts[BURST];

	for (uint32_t it = 0; it < iters; it++) {
		uint16_t n = 0;

		refill(p);
		while (n < BURST && ft_seq_geq(p->max - MSS, p->una + (uint32_t)n * MSS) &&
		       ft_seq_gt(p->max, p->una + (uint32_t)(n + 1) * MSS - 1)) {
			uint32_t ack = p->una + (uint32_t)(n + 1) * MSS;

			pkts[n] = build(p, &(struct seg){ .seq = p->snd_nxt, .ack = ack,
							  .flags = RTE_TCP_ACK_FLAG });
			n++;
		}
		if (n == 0)
			die("ack: nothing in flight");
		r->cycles += feed_timed(p, pkts, n);
		r->segs += n;
		p->una += (uint32_t)n * MSS;
		drain(p);
	}
}

static void
case_data(struct peer *p, uint32_t iters, struct result *r)
{
	struct rte_mbuf *pkts[BURST];

	for (uint32_t it = 0; it < iters; it++) {
		for (uint16_t i = 0; i < BURST; i++) {
			pkts[i] = build(p, &(struct seg){ .seq = p->snd_nxt, .ack = p->una,
				.flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, .len = MSS });
			p->snd_nxt += MSS;
		}
		r->cycles += feed_timed(p, pkts, BURST);
		r->segs += BURST;
		drain(p);
	}
}

/* Dup ACKs SACKing [una + MSS, una + (k + 1) MSS), k = 1.., in bursts; then a cumulative ACK
 * of everything (untimed) ends the recovery. */
static void
case_dupack(struct peer *p, uint32_t iters, struct result *r)
{
	struct rte_mbuf *pkts[BURST];
	uint32_t done = 0;

	while (done < iters) {
		uint32_t k = 1, flight;

		refill(p);
		flight = (p->max - p->una) / MSS;
		if (flight < 40) { /* cwnd shrank after the recoveries: let it grow (untimed) */
			ack_to(p, p->max);
			continue;
		}
		for (int b = 0; b < 2 && k + 1 < flight && done < iters; b++, done++) {
			uint16_t n = 0;

			while (n < BURST && k + 1 < flight) {
				pkts[n++] = build(p, &(struct seg){ .seq = p->snd_nxt,
					.ack = p->una, .flags = RTE_TCP_ACK_FLAG,
					.sack_l = p->una + MSS, .sack_r = p->una + (k + 1) * MSS });
				k++;
			}
			r->cycles += feed_timed(p, pkts, n);
			r->segs += n;
			drain(p);
		}
		r->rounds++;
		ack_to(p, p->max);
	}
}

/* Segments 1..16 after a hole at rcv_nxt; then the hole (untimed) delivers them all. */
static void
case_ooo(struct peer *p, uint32_t iters, struct result *r)
{
	enum { ROUND = 16 };
	struct rte_mbuf *pkts[ROUND];

	for (uint32_t it = 0; it < iters; it++) {
		uint32_t hole = p->snd_nxt;

		for (uint16_t i = 0; i < ROUND; i++)
			pkts[i] = build(p, &(struct seg){ .seq = hole + (uint32_t)(i + 1) * MSS,
				.ack = p->una, .flags = RTE_TCP_ACK_FLAG, .len = MSS });
		r->cycles += feed_timed(p, pkts, ROUND);
		r->segs += ROUND;
		r->rounds++;
		drain(p);
		feed_untimed(p, &(struct seg){ .seq = hole, .ack = p->una,
					       .flags = RTE_TCP_ACK_FLAG, .len = MSS });
		p->snd_nxt = hole + (ROUND + 1) * MSS;
	}
}

typedef void case_fn(struct peer *p, uint32_t iters, struct result *r);

/* One unreported run first: with --no-huge the first stack's pool and tables fault their
 * pages in on first touch, which the first measured case would otherwise pay. */
static void
warm_heap(void)
{
	struct peer *p = calloc(1, sizeof(*p));
	struct result r = { 0 };

	if (p == NULL)
		die("out of memory");
	setup(p, true);
	case_ack(p, 4 * WARMUP, &r);
	case_data(p, 4 * WARMUP, &r);
	teardown(p);
	free(p);
}

static void
run_case(const char *name, case_fn *fn, bool batching)
{
	struct result warm = { 0 }, r = { 0 };
	struct peer *p = calloc(1, sizeof(*p));
	char label[64];
	struct ft_stats st;
	uint64_t drops = 0;
	double ns;

	if (p == NULL)
		die("out of memory");
	setup(p, batching);
	fn(p, WARMUP, &warm);
	p->timed_tx = 0;
	fn(p, ITERS, &r);
	ft_stack_stats_get(p->s, &st);
	for (int i = 0; i < FT_DROP_MAX; i++)
		drops += st.drops[i];
	snprintf(label, sizeof(label), "%s batching=%s", name, batching ? "on" : "off");
	ns = bench_report(label, r.cycles, r.segs);
	bench_result("\"bench\":\"tcp_input\",\"case\":\"%s\",\"ack_batching\":%s,"
		     "\"segs\":%" PRIu64 ",\"burst\":%u,\"cycles_per_seg\":%.1f,"
		     "\"ns_per_seg\":%.2f,\"mpps\":%.3f,\"segs_tx\":%" PRIu64
		     ",\"tcp_batched\":%" PRIu64 ",\"drops\":%" PRIu64
		     ",\"segs_per_round\":%.1f,\"tx_per_seg\":%.2f", name,
		     batching ? "true" : "false", r.segs, (unsigned int)BURST,
		     (double)r.cycles / (double)r.segs, ns, ns > 0 ? 1e3 / ns : 0.0,
		     st.tcp_segs_tx, st.tcp_batched, drops,
		     r.rounds ? (double)r.segs / (double)r.rounds : 0.0,
		     (double)p->timed_tx / (double)r.segs);
	teardown(p);
	free(p);
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "512", "--no-pci", "--no-shconf", "-l",
			"0", "--log-level", "*:error", NULL };
	static const struct {
		const char *name;
		case_fn *fn;
	} cases[] = {
		{ "ack", case_ack }, { "data", case_data },
		{ "dupack_sack", case_dupack }, { "ooo_data", case_ooo },
	};

	const char *only = argc > 1 ? argv[1] : NULL;       /* a case name */
	const char *batching = argc > 2 ? argv[2] : NULL;   /* "on" or "off" */

	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0)
		die("EAL init failed");
	printf("TCP input per segment, bursts of %u, MSS %u, software checksums\n", BURST, MSS);
	warm_heap();
	for (size_t i = 0; i < RTE_DIM(cases); i++)
		for (int b = 1; b >= 0; b--)
			if ((only == NULL || strcmp(only, cases[i].name) == 0) &&
			    (batching == NULL || strcmp(batching, b ? "on" : "off") == 0))
				run_case(cases[i].name, cases[i].fn, b);
	rte_eal_cleanup();
	return 0;
}
