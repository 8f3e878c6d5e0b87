/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fasttcp-bench: a testpmd-style TCP benchmark of libfasttcp against itself. One process,
 * EAL with three lcores: the main thread prints a line per second and decides when the run
 * is over; the server stack runs on the first worker lcore, the client stack on the second.
 * The stacks' ports are the two sides of one in-process ring pair (198.51.100.1 server,
 * .2 client); the impairment options configure the ring ports' impairment stage (src/port/
 * impair.c) on the client side (data direction), the server side (ACK direction) or both.
 *   fasttcp-bench [EAL options] -- [--workload bulk] [--streams N] [--bytes N] ...
 * Ends with one line "RESULT {json}". Exit 0 only if the workload completed intact.
 * Not here: the workloads (bulk.c, one ops table each) and the command line (opts.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "app_run.h"
#include "bench.h"
#include "kernel.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_TIMEOUT 3
#define PAIR "ftbench"

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* Figures sampled once per second (and at the end). */
struct sample {
	uint64_t tsc;
	struct bench_progress p;
	struct ft_stats cl, sv;
	struct ft_impair_stats data, ack; /* client port = data direction, server port = ACKs */
};

static char *default_eal[] = {
	NULL, "--no-huge", "-m", "1024", "--no-pci", "--no-shconf",
	"--lcores", "0@(0,1),1@0,2@1", "--log-level", "*:error", NULL,
};

static void
port_conf(struct ft_port_conf *pc, const struct bench_opts *o, uint8_t side, uint32_t ip,
	  bool impaired)
{
	memset(pc, 0, sizeof(*pc));
	snprintf(pc->name, sizeof(pc->name), side == 0 ? "server" : "client");
	snprintf(pc->dev, sizeof(pc->dev), PAIR);
	pc->type = FT_PORT_RING;
	pc->ring_side = side;
	pc->rx_desc = 1024;
	pc->tx_desc = 1024;
	pc->mtu = o->mtu;
	pc->ip4 = ip;
	pc->prefix_len = 24;
	if (impaired)
		pc->impair = o->impair;
	pc->no_tso = !o->tso;
	pc->ring_rss = o->ring_rss;
}

/* The EAL worker lcores below 64, in order, into @p lc (at most @p max). @return how many. */
static unsigned int
worker_lcores(unsigned int *lc, unsigned int max)
{
	unsigned int n = 0, lcore;

	RTE_LCORE_FOREACH_WORKER(lcore)
		if (lcore < 64 && n < max)
			lc[n++] = lcore;
	return n;
}

/* --lcores-per-side N: both stacks on the first N worker lcores (copoll.c). */
static uint64_t
lcore_mask(const struct bench *b, unsigned int lcore)
{
	unsigned int lc[BENCH_MAX_LCORES_PER_SIDE], n;
	uint64_t mask = 0;

	if (b->o.lcores_per_side == 0)
		return 1ull << lcore;
	n = worker_lcores(lc, b->o.lcores_per_side);
	for (unsigned int i = 0; i < n; i++)
		mask |= 1ull << lc[i];
	return mask;
}

static struct ft_stack *
make_stack(const struct bench *b, unsigned int lcore, uint8_t side, bool impaired)
{
	const struct bench_opts *o = &b->o;
	struct ft_stack_conf c;

	ft_stack_conf_init(&c);
	c.lcore_mask = lcore_mask(b, lcore);
	c.n_mbufs = o->mbufs;
	c.tcp_max_conns = 2 * o->streams + 64;
	if (o->sndbuf != 0)
		c.tcp_sndbuf = o->sndbuf;
	if (o->rcvbuf != 0) {
		c.tcp_rcvbuf = o->rcvbuf;
		c.tcp_rcvbuf_max = o->rcvbuf;
	}
	c.tcp_time_wait_ms = o->time_wait_ms;
	c.tcp_ack_batching = o->ack_batching;
	if (o->cc != NULL)
		snprintf(c.tcp_cc, sizeof(c.tcp_cc), "%s", o->cc);
	if (o->min_rto_ms != 0)
		c.tcp_min_rto_ms = o->min_rto_ms;
	if (o->evlog != NULL && side == 1) { /* the client: the sender of the bulk workload */
		c.tcp_event_log = 1u << 18;
		c.tcp_event_log_conns = 1;
	}
	c.n_ports = 1;
	port_conf(&c.ports[0], o, side, side == 0 ? BENCH_SERVER_IP : BENCH_CLIENT_IP, impaired);
	if (b->wl->stack_conf != NULL)
		b->wl->stack_conf(b, side == 0, &c);
	return ft_stack_create(&c);
}

/* Bytes allocated from the rte_malloc heaps of every socket (memzones, so mempools too). */
static uint64_t
heap_in_use(void)
{
	struct rte_malloc_socket_stats st;
	uint64_t sum = 0;

	for (unsigned int i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
			sum += st.heap_allocsz_bytes;
	return sum;
}

/* Server on the first worker lcore, client on the second. */
static int
create_stacks(struct bench *b)
{
	enum bench_impair_dir d = b->o.impair_dir;
	unsigned int lc[BENCH_MAX_LCORES_PER_SIDE], n, need = RTE_MAX(2u, b->o.lcores_per_side);
	uint64_t heap;

	n = worker_lcores(lc, RTE_DIM(lc));
	if (n < need) {
		fprintf(stderr, "fasttcp-bench: EAL gave %u worker lcore(s) below 64; need %u "
			"(e.g. --lcores 0@(0,1),1@0,2@1 or -l 0-2)\n", n, need);
		return -EINVAL;
	}
	heap = heap_in_use();
	b->server = make_stack(b, lc[0], 0, d == BENCH_DIR_BOTH || d == BENCH_DIR_ACK);
	b->heap_server_bytes = heap_in_use() - heap;
	heap = heap_in_use();
	if (b->server != NULL)
		b->client = make_stack(b, lc[1], 1, d == BENCH_DIR_BOTH || d == BENCH_DIR_DATA);
	b->heap_client_bytes = heap_in_use() - heap;
	if (b->server == NULL || b->client == NULL) {
		fprintf(stderr, "fasttcp-bench: cannot create the stacks: %s\n",
			ft_strerror(-rte_errno));
		return -rte_errno;
	}
	return b->o.lcores_per_side ? bench_copoll_prepare(b, lc) : 0;
}

static void
take_sample(const struct bench *b, struct sample *s)
{
	s->tsc = rte_rdtsc();
	b->wl->progress(b, &s->p);
	ft_stack_stats_get(b->client, &s->cl);
	ft_stack_stats_get(b->server, &s->sv);
	ft_impair_stats_get((uint16_t)ft_stack_port_id(b->client, 0), &s->data);
	ft_impair_stats_get((uint16_t)ft_stack_port_id(b->server, 0), &s->ack);
}

static uint64_t
impair_drops(const struct ft_impair_stats *i)
{
	return i->impaired_lost + i->burst_lost + i->rate_dropped + i->queue_full;
}

/*
 * A counter of struct ft_stats by name, or -1 when this build of the stack has no such
 * counter: lets the bench use counters that newer stacks add (tcp_rexmt_segs) and still
 * build against older ones. Main thread, once per line.
 */
static int64_t
stat_by_name(const struct ft_stats *st, const char *name)
{
#define FT_X_LOOKUP(f, d) \
	if (strcmp(#f, name) == 0) \
		return (int64_t)st->f;
	FT_EVENT_COUNTERS(FT_X_LOOKUP)
#undef FT_X_LOOKUP
	return -1;
}

/* Retransmitted segments: the stack's count when it keeps one, else retransmitted bytes over
 * the mean payload per segment. @p prev may be NULL (totals). */
static uint64_t
rexmt_segs(const struct ft_stats *st, const struct ft_stats *prev)
{
	int64_t segs = stat_by_name(st, "tcp_rexmt_segs");
	uint64_t bytes = st->tcp_rexmt_bytes - (prev ? prev->tcp_rexmt_bytes : 0);
	double per_seg;

	if (segs >= 0)
		return (uint64_t)(segs - (prev ? stat_by_name(prev, "tcp_rexmt_segs") : 0));
	per_seg = st->tcp_segs_tx ? (double)st->tcp_bytes_tx / (double)st->tcp_segs_tx : 0;
	return per_seg > 0 ? (uint64_t)((double)bytes / per_seg + 0.5) : 0;
}

/* Every non-zero TCP counter of @p st as a JSON object member. */
static void
json_tcp_counters(FILE *f, const char *name, const struct ft_stats *st)
{
	const char *sep = "";

	fprintf(f, ",\"%s\":{", name);
#define FT_X_JSON(fld, d) \
	if (strncmp(#fld, "tcp_", 4) == 0 && st->fld != 0) { \
		fprintf(f, "%s\"%s\":%" PRIu64, sep, #fld + 4, st->fld); \
		sep = ","; \
	}
	FT_EVENT_COUNTERS(FT_X_JSON)
#undef FT_X_JSON
	fprintf(f, "}");
}

static void
print_line(const struct bench *b, const struct sample *prev, const struct sample *cur)
{
	double dt = (double)(cur->tsc - prev->tsc) / (double)b->hz;
	double good = (double)(cur->p.bytes - prev->p.bytes) * 8 / dt / 1e9;
	double wire = (double)(cur->cl.tx_bytes - prev->cl.tx_bytes) * 8 / dt / 1e9;

	printf("[%7.2f s] goodput %7.3f Gbit/s  wire %7.3f Gbit/s  rexmt %6" PRIu64
	       " segs  rto %3" PRIu64 "  impair: drop %" PRIu64 "/%" PRIu64 " dup %" PRIu64
	       " reord %" PRIu64 "  streams %u/%u\n",
	       (double)(cur->tsc - b->t_start) / (double)b->hz, good, wire,
	       rexmt_segs(&cur->cl, &prev->cl), cur->cl.tcp_rto - prev->cl.tcp_rto,
	       impair_drops(&cur->data) - impair_drops(&prev->data),
	       impair_drops(&cur->ack) - impair_drops(&prev->ack),
	       cur->data.duplicated + cur->ack.duplicated - prev->data.duplicated -
	       prev->ack.duplicated,
	       cur->data.reordered + cur->ack.reordered - prev->data.reordered -
	       prev->ack.reordered, cur->p.done + cur->p.failed, b->o.streams);
	fflush(stdout);
}

/* Poll until the workload finishes, the timeout passes or a signal comes. @return 0, or
 * EXIT_TIMEOUT / EXIT_FAILED (interrupted). */
static int
monitor(struct bench *b, struct sample *last)
{
	uint64_t timeout = (uint64_t)(b->o.timeout_s * (double)b->hz);
	struct sample prev, cur;

	take_sample(b, &prev);
	prev.tsc = b->t_start;
	for (;;) {
		usleep(20000);
		take_sample(b, &cur);
		if (cur.p.finished || interrupted || cur.tsc - b->t_start > timeout)
			break;
		if (cur.tsc - prev.tsc >= b->hz) {
			if (b->wl->line != NULL)
				b->wl->line(b, (double)(cur.tsc - b->t_start) / (double)b->hz);
			else
				print_line(b, &prev, &cur);
			prev = cur;
		}
	}
	*last = cur;
	if (interrupted) {
		fprintf(stderr, "fasttcp-bench: interrupted\n");
		return EXIT_FAILED;
	}
	if (!cur.p.finished) {
		fprintf(stderr, "fasttcp-bench: timeout after %.0f s: %u of %u streams finished, "
			"%" PRIu64 " bytes delivered\n", b->o.timeout_s, cur.p.done + cur.p.failed,
			b->o.streams, cur.p.bytes);
		return EXIT_TIMEOUT;
	}
	return 0;
}

static void
json_impair_counters(FILE *f, const char *name, const struct ft_impair_stats *i)
{
	fprintf(f, "\"%s\":{\"in\":%" PRIu64 ",\"out\":%" PRIu64 ",\"lost\":%" PRIu64
		",\"burst_lost\":%" PRIu64 ",\"reordered\":%" PRIu64 ",\"duplicated\":%" PRIu64
		",\"delayed\":%" PRIu64 ",\"rate_dropped\":%" PRIu64 ",\"queue_full\":%" PRIu64 "}",
		name, i->in_pkts, i->out_pkts, i->impaired_lost, i->burst_lost, i->reordered,
		i->duplicated, i->delayed, i->rate_dropped, i->queue_full);
}

static void
json_impair(FILE *f, const struct bench_opts *o, const struct sample *s)
{
	static const char *const dirs[] = { "both", "data", "ack" };
	const struct ft_impair_conf *c = &o->impair;

	fprintf(f, ",\"impair\":{\"dir\":\"%s\",\"loss_pct\":%g,\"burst_pct\":[%g,%g,%g],"
		"\"reorder_pct\":%g,\"dup_pct\":%g,\"delay_us\":%u,\"jitter_us\":%u,"
		"\"rate_bps\":%" PRIu64 ",\"seed\":%" PRIu64 ",", dirs[o->impair_dir],
		c->loss_ppm / 1e4, c->burst_p_ppm / 1e4, c->burst_r_ppm / 1e4,
		c->burst_h_ppm / 1e4, c->reorder_ppm / 1e4, c->dup_ppm / 1e4, c->delay_us,
		c->jitter_us, c->rate_bps, c->seed);
	json_impair_counters(f, "data", &s->data);
	fprintf(f, ",");
	json_impair_counters(f, "ack", &s->ack);
	fprintf(f, "}");
}

/* TSO on one ring port: --tso on and no impairment stage there (port.c turns it off). */
static bool
port_tso(const struct bench *b, const struct ft_stack *st)
{
	struct ft_impair_stats tmp;

	return b->o.tso && ft_impair_stats_get((uint16_t)ft_stack_port_id(st, 0), &tmp) == -ENOENT;
}

/* The offloads libfasttcp used (the kernel's are under "kernel"): TSO per side with the
 * super-segments sent, the segment size (MSS with timestamps) and the largest super-segment
 * (whole segments within 64 KB, output.c); UDP/TCP checksums are left to the ring's wire,
 * as veth leaves them (port.h csum_wire), IPv4 header checksums computed in software. */
static void
json_offloads(FILE *f, const struct bench *b, const struct sample *s)
{
	uint32_t segsz = b->o.mtu - 40u - 12u;

	fprintf(f, ",\"offloads\":{\"client\":{\"tso\":%s,\"tso_sends\":%" PRId64 "},"
		"\"server\":{\"tso\":%s,\"tso_sends\":%" PRId64 "},\"tso_segsz\":%u,"
		"\"tso_max_bytes\":%u,\"rx_whole_super_segments\":true,\"l4_csum\":\"wire\"}",
		port_tso(b, b->client) ? "true" : "false", stat_by_name(&s->cl, "tcp_tso_tx"),
		port_tso(b, b->server) ? "true" : "false", stat_by_name(&s->sv, "tcp_tso_tx"),
		segsz, (65535u - 20u - 60u) / segsz * segsz);
}

/* The RESULT line; @return the exit status. */
static int
report(struct bench *b, const struct sample *s, int status)
{
	uint64_t t0 = s->p.t_first ? s->p.t_first : b->t_start;
	uint64_t t1 = status == 0 && s->p.t_last > t0 ? s->p.t_last : s->tsc;
	double secs = (double)(t1 - t0) / (double)b->hz;
	uint64_t rsegs = rexmt_segs(&s->cl, NULL);
	bool verified = false, ok;

	printf("RESULT {\"workload\":\"%s\",\"lcores\":%u,\"streams\":%u,\"bytes\":%" PRIu64
	       ",\"seconds\":%.3f,\"gbps\":%.3f,\"goodput_gbps\":%.3f,\"retrans_bytes\":%" PRIu64
	       ",\"retrans_segs\":%" PRIu64 ",\"data_segs\":%" PRIu64 ",\"retrans_ratio\":%.5f,"
	       "\"rto\":%" PRIu64 ",\"fast_rexmt\":%" PRIu64 ",\"mtu\":%u,\"cc\":\"%s\","
	       "\"no_mbuf\":%" PRIu64 ",\"ack_batching\":%s",
	       b->wl->name, b->o.lcores_per_side ? b->o.lcores_per_side : 2, b->o.streams,
	       s->p.bytes, secs,
	       secs > 0 ? (double)s->cl.tx_bytes * 8 / secs / 1e9 : 0.0,
	       secs > 0 ? (double)s->p.bytes * 8 / secs / 1e9 : 0.0, s->cl.tcp_rexmt_bytes,
	       rsegs, s->cl.tcp_segs_tx,
	       s->cl.tcp_segs_tx ? (double)rsegs / (double)s->cl.tcp_segs_tx : 0.0,
	       s->cl.tcp_rto, s->cl.tcp_fast_rexmt, b->o.mtu, b->o.cc ? b->o.cc : "default",
	       s->cl.drops[FT_DROP_NO_MBUF] + s->sv.drops[FT_DROP_NO_MBUF],
	       b->o.ack_batching ? "true" : "false");
	json_offloads(stdout, b, s);
	json_impair(stdout, &b->o, s);
	json_tcp_counters(stdout, "client_tcp", &s->cl);
	json_tcp_counters(stdout, "server_tcp", &s->sv);
	ok = b->wl->report(b, stdout, &verified) && status == 0;
	if (verified)
		printf(",\"sha256_ok\":%s", ok ? "true" : "false");
	else
		printf(",\"sha256_ok\":null");
	if (b->o.kernel)
		ok = bench_kernel_report(b, stdout, &s->p, secs) && ok;
	printf(",\"ok\":%s}\n", ok ? "true" : "false");
	fflush(stdout);
	if (!ok) {
		fprintf(stderr, "client stack ");
		app_print_stats(stderr, b->client);
		fprintf(stderr, "server stack ");
		app_print_stats(stderr, b->server);
	}
	return status != 0 ? status : ok ? 0 : EXIT_FAILED;
}

static int
run(struct bench *b)
{
	struct sample last;
	int rc;

	rc = b->wl->setup(b);
	if (rc < 0) {
		fprintf(stderr, "fasttcp-bench: workload setup failed: %s\n", ft_strerror(rc));
		return EXIT_FAILED;
	}
	if ((b->wl->client_poll && ft_stack_set_poll(b->client, b->wl->client_poll, b) < 0) ||
	    (b->wl->server_poll && ft_stack_set_poll(b->server, b->wl->server_poll, b) < 0))
		return EXIT_FAILED;
	b->t_start = rte_rdtsc();
	if (b->copoll != NULL) {
		if (bench_copoll_start(b) < 0)
			return EXIT_FAILED;
		rc = monitor(b, &last);
		bench_copoll_stop(b);
		take_sample(b, &last);
		return report(b, &last, rc);
	}
	if (ft_stack_start(b->server) < 0 || ft_stack_start(b->client) < 0) {
		fprintf(stderr, "fasttcp-bench: cannot start the workers (is the main lcore "
			"one of them?)\n");
		ft_stack_stop(b->server);
		ft_stack_wait(b->server);
		return EXIT_FAILED;
	}
	rc = monitor(b, &last);
	ft_stack_stop(b->client);
	ft_stack_stop(b->server);
	ft_stack_wait(b->client);
	ft_stack_wait(b->server);
	take_sample(b, &last);
	if (b->o.kernel && !interrupted) /* after the workers stopped: the runs never overlap */
		bench_kernel_run(b, &interrupted);
	return report(b, &last, rc);
}

int
main(int argc, char **argv)
{
	char **app_argv = calloc((size_t)argc + 1, sizeof(char *));
	struct bench b = { 0 };
	int eal_argc, app_argc, rc;
	char **eal_argv = argv;
	char mem_mb[16];

	if (app_argv == NULL)
		return EXIT_FAILED;
	app_split_args(argc, argv, &eal_argc, &app_argc, app_argv);
	rc = bench_opts_parse(app_argc, app_argv, &b.o);
	if (rc != 0)
		return rc > 0 ? 0 : EXIT_USAGE;
	b.wl = bench_workload_find(b.o.workload);
	if (eal_argc == 1) {
		if (b.wl->eal_mem_mb != NULL) {
			snprintf(mem_mb, sizeof(mem_mb), "%u", b.wl->eal_mem_mb(&b.o));
			default_eal[3] = mem_mb;
		}
		default_eal[0] = argv[0];
		eal_argv = default_eal;
		eal_argc = (int)RTE_DIM(default_eal) - 1;
	}
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "fasttcp-bench: EAL init failed: %s\n", rte_strerror(rte_errno));
		return EXIT_FAILED;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	b.hz = rte_get_tsc_hz();
	b.port_base = BENCH_PORT;
	rc = create_stacks(&b) < 0 ? EXIT_FAILED : run(&b);
	ft_stack_destroy(b.client);
	ft_stack_destroy(b.server);
	if (b.wl->teardown != NULL)
		b.wl->teardown(&b);
	bench_kernel_destroy(&b);
	rte_eal_cleanup();
	free(app_argv);
	return rc;
}
