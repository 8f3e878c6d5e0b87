/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fasttcp-bench command line (getopt_long): the workload, its size, TCP settings and the
 * impairment of the wire. Every error names the option and says what was expected. Sizes take
 * binary suffixes (K = 1024), rates decimal ones (k = 1000), as iperf does.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "reqresp.h"

static const struct bench_workload *const workloads[] = {
	&bench_bulk, &bench_rr, &bench_crr, &bench_idle, NULL,
};

enum {
	OPT_WORKLOAD = 256, OPT_STREAMS, OPT_BYTES, OPT_DURATION, OPT_MTU, OPT_MSS, OPT_SNDBUF,
	OPT_RCVBUF, OPT_MBUFS, OPT_TIMEOUT, OPT_VERIFY, OPT_LOSS, OPT_BURST, OPT_REORDER,
	OPT_DUP, OPT_DELAY, OPT_JITTER, OPT_RATE, OPT_RATE_QUEUE, OPT_QUEUE_LEN, OPT_SEED,
	OPT_DIR, OPT_CC, OPT_EVLOG, OPT_MIN_RTO, OPT_CONNS, OPT_REQ_SIZE, OPT_RESP_SIZE,
	OPT_TIME_WAIT, OPT_TSO, OPT_BATCHING, OPT_NO_BATCHING, OPT_LCORES_PER_SIDE, OPT_RSS,
	OPT_KERNEL, OPT_KERNEL_NO_OFFLOAD, OPT_KERNEL_BUSY_POLL, OPT_HELP,
};

static const struct option longopts[] = {
	{ "workload", required_argument, NULL, OPT_WORKLOAD },
	{ "streams", required_argument, NULL, OPT_STREAMS },
	{ "bytes", required_argument, NULL, OPT_BYTES },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "mtu", required_argument, NULL, OPT_MTU },
	{ "mss", required_argument, NULL, OPT_MSS },
	{ "sndbuf", required_argument, NULL, OPT_SNDBUF },
	{ "rcvbuf", required_argument, NULL, OPT_RCVBUF },
	{ "mbufs", required_argument, NULL, OPT_MBUFS },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "verify", required_argument, NULL, OPT_VERIFY },
	{ "loss", required_argument, NULL, OPT_LOSS },
	{ "burst-loss", required_argument, NULL, OPT_BURST },
	{ "reorder", required_argument, NULL, OPT_REORDER },
	{ "dup", required_argument, NULL, OPT_DUP },
	{ "delay-us", required_argument, NULL, OPT_DELAY },
	{ "jitter-us", required_argument, NULL, OPT_JITTER },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "rate-queue", required_argument, NULL, OPT_RATE_QUEUE },
	{ "queue-len", required_argument, NULL, OPT_QUEUE_LEN },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "impair-dir", required_argument, NULL, OPT_DIR },
	{ "cc", required_argument, NULL, OPT_CC },
	{ "evlog", required_argument, NULL, OPT_EVLOG },
	{ "min-rto-ms", required_argument, NULL, OPT_MIN_RTO },
	{ "conns", required_argument, NULL, OPT_CONNS },
	{ "req-size", required_argument, NULL, OPT_REQ_SIZE },
	{ "resp-size", required_argument, NULL, OPT_RESP_SIZE },
	{ "time-wait-ms", required_argument, NULL, OPT_TIME_WAIT },
	{ "tso", required_argument, NULL, OPT_TSO },
	{ "batching", required_argument, NULL, OPT_BATCHING },
	{ "no-batching", no_argument, NULL, OPT_NO_BATCHING },
	{ "lcores-per-side", required_argument, NULL, OPT_LCORES_PER_SIDE },
	{ "rss", required_argument, NULL, OPT_RSS },
	{ "kernel", no_argument, NULL, OPT_KERNEL },
	{ "kernel-no-offload", no_argument, NULL, OPT_KERNEL_NO_OFFLOAD },
	{ "kernel-busy-poll", no_argument, NULL, OPT_KERNEL_BUSY_POLL },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
"usage: %s [EAL options] -- [options]\n"
"Two libfasttcp stacks in one process (client and server, each on its own lcore) joined by\n"
"an in-process ring port pair with a deterministic impairment stage.\n"
"Without EAL options: --no-huge -m 1024 --no-pci --no-shconf --lcores 0@(0,1),1@0,2@1\n"
"(rr, crr, idle: more, by --conns).\n"
"EAL needs 3 lcores: main, server worker, client worker.\n"
"\n"
"Workload:\n"
"  --workload NAME     bulk (default): each stream sends --bytes of a pattern, the server\n"
"                      checks every byte and both ends compare SHA-256\n"
"                      rr: --conns connections (default 1000) in a closed request/response\n"
"                      loop for --duration (default 10 s): transactions/s, latency p50/p99/\n"
"                      p99.9; every response's tag (and bytes) checked\n"
"                      crr: --conns slots (default 64) each connect, send a request, read\n"
"                      the response, close, repeat for --duration (default 10 s):\n"
"                      connections/s, failures, TIME-WAIT, connection blocks left at the end\n"
"                      idle: open --conns idle connections (default 100000), hold them\n"
"                      --duration (default 1 s): heap bytes per connection of each stack\n"
"  --conns N           connections (rr, idle) or concurrent slots (crr), 1..%d\n"
"  --req-size N[K]     rr/crr request bytes, %u..%u (default 64)\n"
"  --resp-size N[K]    rr/crr response bytes, %u..%u (default 64)\n"
"  --streams N         parallel connections, 1..%d (default 1)\n"
"  --bytes N[K|M|G]    bytes per stream (default 1G; K = 1024)\n"
"  --duration S        send for S seconds instead of a byte count\n"
"  --verify full|none  full (default): byte check + SHA-256; none: throughput only\n"
"  --timeout S         give up after S seconds (default 600); exit status 3\n"
"TCP and stack:\n"
"  --mtu N             IP MTU of both ports, 576..9000 (default 1500)\n"
"  --mss N             the same, given as MSS (MTU - 40)\n"
"  --sndbuf N[K|M|G]   send buffer per connection (stack default 256K)\n"
"  --rcvbuf N[K|M|G]   receive buffer per connection, fixed (default: autotuned to 4M)\n"
"  --mbufs N           mbufs per stack (default 65535)\n"
"  --cc NAME           congestion control of both stacks (cubic, newreno; stack default)\n"
"  --min-rto-ms N      lower bound of the RTO of both stacks (stack default 200)\n"
"  --time-wait-ms N    TIME-WAIT of both stacks (default 1000; Linux: 60000)\n"
"  --tso on|off        TSO on the ring pair (default on; the wire hands 64 KB super-segments\n"
"                      to the peer whole, as veth does; never with impairment)\n"
"  --batching on|off   tcp.ack_batching of both stacks: input finished (callbacks, output,\n"
"                      ACK) once per connection per rx burst (default on); --no-batching\n"
"  --lcores-per-side N rr, crr: both stacks get N workers on the first N worker lcores,\n"
"                      and lcore i polls client worker i and server worker i in turn (the\n"
"                      whole system on N lcores; --conns split into N shards); N 1..%d\n"
"  --rss MODE          with --lcores-per-side > 1, how the ring pair's wire picks the\n"
"                      receiving queue: toeplitz (default; a NIC with symmetric RSS), queue\n"
"                      (queue q to q) or single (all to queue 0); the last two make the\n"
"                      stacks steer in software (RESULT copoll.rx_steered)\n"
"  --evlog FILE        keep a TCP event log and write the first client connection's to FILE\n"
"                      (plot: scripts/tcp-evlog-plot.py FILE out.svg)\n"
"Impairment (applied where the stack transmits, both directions unless --impair-dir):\n"
"  --loss PCT          random loss, percent (decimals allowed: 0.25)\n"
"  --burst-loss P,R[,H] Gilbert-Elliott: P(good->bad), P(bad->good), loss in bad state,\n"
"                      all percent per packet (H default 100)\n"
"  --reorder PCT[,GAP[,MAX_US]] hold PCT %% of packets back until GAP later ones went\n"
"                      (default 3) or MAX_US passed (default 1000)\n"
"  --dup PCT           duplicate packets (separate copies)\n"
"  --delay-us N        one-way delay per direction\n"
"  --jitter-us N       uniform +-N on the delay (never reorders)\n"
"  --rate BPS[k|M|G]   link rate, bit/s of Ethernet frames (k = 1000)\n"
"  --rate-queue N      packets queued for the link before drops (default 1000)\n"
"  --queue-len N       delay-line size in packets (default 16384)\n"
"  --seed N            random seed (default 1)\n"
"  --impair-dir D      both (default), data (client->server), ack (server->client)\n"
"Reference (root): after the run, the same workload over Linux kernel sockets: a client and\n"
"a server thread (epoll) pinned like the lcores, in private network namespaces joined by a\n"
"veth pair; RESULT gets \"kernel\":{...} and \"ratio\" (libfasttcp / kernel)\n"
"  --kernel            bulk, rr, crr; veth offloads as the kernel sets them\n"
"  --kernel-no-offload the same with TSO, GSO and GRO off on the veth pair\n"
"  --kernel-busy-poll  the same with both threads spinning on epoll_wait(0) (as the lcores\n"
"                      poll) instead of sleeping in it: no cross-CPU wakeups\n"
"Output: one line per second, then RESULT {json}. Exit 0 only if every stream completed\n"
"intact; 1 if one failed, 2 for bad options, 3 on timeout.\n",
		prog, BENCH_MAX_CONNS, BENCH_MSG_MIN, BENCH_MSG_MAX, BENCH_MSG_MIN, BENCH_MSG_MAX,
		BENCH_MAX_STREAMS, BENCH_MAX_LCORES_PER_SIDE);
}

static int
bad(const char *opt, const char *arg, const char *want)
{
	fprintf(stderr, "fasttcp-bench: --%s '%s': expected %s (see --help)\n", opt, arg, want);
	return -1;
}

/* Unsigned integer, with an optional K/M/G/T suffix worth @p base^k unless @p base is 1. */
static int
parse_scaled(const char *s, uint64_t base, uint64_t *out)
{
	static const char sfx[] = "KMGT";
	char *end;
	unsigned long long v;
	const char *p;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end != '\0') {
		if (base == 1)
			return -1;
		p = strchr(sfx, *end & ~0x20);
		if (p == NULL || end[1] != '\0')
			return -1;
		for (long k = 0; k <= p - sfx; k++) {
			if (v > UINT64_MAX / base)
				return -1;
			v *= base;
		}
	}
	*out = v;
	return 0;
}

static int
parse_uint(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t base,
	   uint64_t *out)
{
	char want[96];

	if (parse_scaled(s, base, out) == 0 && *out >= min && *out <= max)
		return 0;
	snprintf(want, sizeof(want), "an integer %llu..%llu%s", (unsigned long long)min,
		 (unsigned long long)max, base == 1024 ? " (K/M/G suffix allowed)" :
		 base == 1000 ? " (k/M/G suffix allowed)" : "");
	return bad(opt, s, want);
}

/* A percentage 0..100 ending at *end (',' or '\0') -> ppm. */
static int
parse_pct(const char *s, char **end, uint32_t *ppm)
{
	double v;

	if (!((*s >= '0' && *s <= '9') || *s == '.'))
		return -1;
	v = strtod(s, end);
	if (*end == s || !(v >= 0 && v <= 100) || (**end != '\0' && **end != ','))
		return -1;
	*ppm = (uint32_t)(v * 10000 + 0.5);
	return 0;
}

static int
opt_pct(const char *opt, const char *s, uint32_t *ppm)
{
	char *end;

	if (parse_pct(s, &end, ppm) < 0 || *end != '\0')
		return bad(opt, s, "a percentage 0..100");
	return 0;
}

static int
opt_burst(const char *s, struct ft_impair_conf *ic)
{
	const char *want = "P,R[,H]: percentages, P > 0";
	char *end;

	if (parse_pct(s, &end, &ic->burst_p_ppm) < 0 || *end != ',' || ic->burst_p_ppm == 0 ||
	    parse_pct(end + 1, &end, &ic->burst_r_ppm) < 0)
		return bad("burst-loss", s, want);
	ic->burst_h_ppm = 1000000;
	if (*end == ',' && (parse_pct(end + 1, &end, &ic->burst_h_ppm) < 0 || *end != '\0'))
		return bad("burst-loss", s, want);
	return 0;
}

static int
opt_reorder(const char *s, struct ft_impair_conf *ic)
{
	const char *want = "PCT[,GAP[,MAX_US]]: a percentage, GAP 1..1000, MAX_US 1..10000000";
	unsigned long gap, max_us;
	char *end;

	if (parse_pct(s, &end, &ic->reorder_ppm) < 0)
		return bad("reorder", s, want);
	if (*end == '\0')
		return 0;
	gap = strtoul(end + 1, &end, 10);
	if (gap < 1 || gap > 1000 || (*end != '\0' && *end != ','))
		return bad("reorder", s, want);
	ic->reorder_gap = (uint16_t)gap;
	if (*end == '\0')
		return 0;
	max_us = strtoul(end + 1, &end, 10);
	if (max_us < 1 || max_us > 10000000 || *end != '\0')
		return bad("reorder", s, want);
	ic->reorder_max_us = (uint32_t)max_us;
	return 0;
}

static int
opt_seconds(const char *opt, const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	if (end == s || *end != '\0' || !(*out > 0 && *out <= 86400))
		return bad(opt, s, "seconds, above 0 and at most 86400");
	return 0;
}

static int
opt_choice(const char *opt, const char *s, const char *const *names, int *out)
{
	char want[128] = "one of:";

	for (int i = 0; names[i] != NULL; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
		strncat(want, " ", sizeof(want) - strlen(want) - 1);
		strncat(want, names[i], sizeof(want) - strlen(want) - 1);
	}
	return bad(opt, s, want);
}

static void
defaults(struct bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->workload = "bulk";
	o->streams = 1;
	o->bytes = 1ull << 30;
	o->mtu = 1500;
	o->mbufs = 65535;
	o->timeout_s = 600;
	o->verify = true;
	o->impair.seed = 1;
	o->req_size = 64;
	o->resp_size = 64;
	o->time_wait_ms = 1000;
	o->ack_batching = true;
	o->ring_rss = FT_RING_TOEPLITZ;
	o->tso = true;
}

/* Options of the rr / crr / idle workloads; 1 when @p opt is not one of them. */
static int
opt_workload(int opt, const char *arg, struct bench_opts *o)
{
	uint64_t v;
	int rc;

	switch (opt) {
	case OPT_CONNS:
		rc = parse_uint("conns", arg, 1, BENCH_MAX_CONNS, 1, &v);
		o->conns = (uint32_t)v;
		break;
	case OPT_REQ_SIZE:
		rc = parse_uint("req-size", arg, BENCH_MSG_MIN, BENCH_MSG_MAX, 1024, &v);
		o->req_size = (uint32_t)v;
		break;
	case OPT_RESP_SIZE:
		rc = parse_uint("resp-size", arg, BENCH_MSG_MIN, BENCH_MSG_MAX, 1024, &v);
		o->resp_size = (uint32_t)v;
		break;
	case OPT_TIME_WAIT:
		rc = parse_uint("time-wait-ms", arg, 1, 600000, 1, &v);
		o->time_wait_ms = (uint32_t)v;
		break;
	default:
		return 1;
	}
	return rc;
}

/* Options of the TCP/stack group; 1 when @p opt is not one of them. */
static int
opt_stack(int opt, const char *arg, struct bench_opts *o)
{
	static const char *const on_off[] = { "on", "off", NULL };
	static const char *const rss_modes[] = { "queue", "toeplitz", "single", NULL };
	uint64_t v;
	int rc = 0, d;

	switch (opt) {
	case OPT_STREAMS:
		rc = parse_uint("streams", arg, 1, BENCH_MAX_STREAMS, 1, &v);
		o->streams = (uint32_t)v;
		break;
	case OPT_BYTES:
		rc = parse_uint("bytes", arg, 1, 1ull << 50, 1024, &o->bytes);
		break;
	case OPT_DURATION:
		rc = opt_seconds("duration", arg, &o->duration_s);
		break;
	case OPT_MTU:
		rc = parse_uint("mtu", arg, 576, 9000, 1, &v);
		o->mtu = (uint16_t)v;
		break;
	case OPT_MSS:
		rc = parse_uint("mss", arg, 536, 8960, 1, &v);
		o->mtu = (uint16_t)(v + 40);
		break;
	case OPT_SNDBUF:
		rc = parse_uint("sndbuf", arg, 4096, 1u << 30, 1024, &v);
		o->sndbuf = (uint32_t)v;
		break;
	case OPT_RCVBUF:
		rc = parse_uint("rcvbuf", arg, 4096, 1u << 30, 1024, &v);
		o->rcvbuf = (uint32_t)v;
		break;
	case OPT_MBUFS:
		rc = parse_uint("mbufs", arg, 8191, 4194303, 1, &v);
		o->mbufs = (uint32_t)v;
		break;
	case OPT_TIMEOUT:
		rc = opt_seconds("timeout", arg, &o->timeout_s);
		break;
	case OPT_EVLOG:
		o->evlog = arg;
		break;
	case OPT_MIN_RTO:
		rc = parse_uint("min-rto-ms", arg, 1, 60000, 1, &v);
		o->min_rto_ms = (uint32_t)v;
		break;
	case OPT_TSO:
		rc = opt_choice("tso", arg, on_off, &d);
		o->tso = d == 0;
		break;
	case OPT_BATCHING:
		rc = opt_choice("batching", arg, on_off, &d);
		o->ack_batching = d == 0;
		break;
	case OPT_NO_BATCHING:
		o->ack_batching = false;
		break;
	case OPT_LCORES_PER_SIDE:
		rc = parse_uint("lcores-per-side", arg, 1, BENCH_MAX_LCORES_PER_SIDE, 1, &v);
		o->lcores_per_side = (uint32_t)v;
		break;
	case OPT_RSS:
		rc = opt_choice("rss", arg, rss_modes, &d);
		o->ring_rss = (uint8_t)d;
		break;
	case OPT_CC:
		o->cc = arg;
		if (*arg == '\0' || strlen(arg) >= sizeof(((struct ft_stack_conf *)0)->tcp_cc))
			rc = bad("cc", arg, "a congestion control name (cubic, newreno)");
		break;
	default:
		return 1;
	}
	return rc;
}

/* Options of the impairment group; 1 when @p opt is not one of them. */
static int
opt_impair(int opt, const char *arg, struct bench_opts *o)
{
	static const char *const dirs[] = { "both", "data", "ack", NULL };
	struct ft_impair_conf *ic = &o->impair;
	uint64_t v;
	int rc, d;

	switch (opt) {
	case OPT_LOSS:
		return opt_pct("loss", arg, &ic->loss_ppm);
	case OPT_BURST:
		return opt_burst(arg, ic);
	case OPT_REORDER:
		return opt_reorder(arg, ic);
	case OPT_DUP:
		return opt_pct("dup", arg, &ic->dup_ppm);
	case OPT_DELAY:
		rc = parse_uint("delay-us", arg, 0, 10000000, 1, &v);
		ic->delay_us = (uint32_t)v;
		return rc;
	case OPT_JITTER:
		rc = parse_uint("jitter-us", arg, 0, 10000000, 1, &v);
		ic->jitter_us = (uint32_t)v;
		return rc;
	case OPT_RATE:
		return parse_uint("rate", arg, 1000, 1ull << 50, 1000, &ic->rate_bps);
	case OPT_RATE_QUEUE:
		rc = parse_uint("rate-queue", arg, 1, 1048576, 1, &v);
		ic->rate_queue = (uint32_t)v;
		return rc;
	case OPT_QUEUE_LEN:
		rc = parse_uint("queue-len", arg, 1, 4194304, 1, &v);
		ic->queue_len = (uint32_t)v;
		return rc;
	case OPT_SEED:
		return parse_uint("seed", arg, 0, UINT64_MAX, 1, &ic->seed);
	case OPT_DIR:
		rc = opt_choice("impair-dir", arg, dirs, &d);
		o->impair_dir = (enum bench_impair_dir)d;
		return rc;
	default:
		return 1;
	}
}

/* The workload's defaults for what the command line left open. */
static int
resolve_defaults(struct bench_opts *o, bool bytes_set)
{
	const struct bench_workload *wl = bench_workload_find(o->workload);

	if (bytes_set && wl->default_duration_s > 0) {
		fprintf(stderr, "fasttcp-bench: --bytes is for bulk; %s runs for --duration\n",
			wl->name);
		return -1;
	}
	if (o->conns == 0)
		o->conns = wl->default_conns;
	if (o->duration_s == 0 && !bytes_set)
		o->duration_s = wl->default_duration_s;
	if (o->duration_s > 0)
		o->bytes = 0;
	return 0;
}

const struct bench_workload *
bench_workload_find(const char *name)
{
	for (int i = 0; workloads[i] != NULL; i++)
		if (strcmp(workloads[i]->name, name) == 0)
			return workloads[i];
	return NULL;
}

int
bench_opts_parse(int argc, char **argv, struct bench_opts *o)
{
	static const char *const verify[] = { "none", "full", NULL };
	bool bytes_set = false;
	int opt, rc, v;

	defaults(o);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h' || opt == OPT_HELP) {
			usage(stdout, argv[0]);
			return 1;
		}
		if (opt == '?') {
			fprintf(stderr, "fasttcp-bench: bad option (see --help)\n");
			return -1;
		}
		bytes_set |= opt == OPT_BYTES;
		if (opt == OPT_WORKLOAD) {
			o->workload = optarg;
			rc = bench_workload_find(optarg) != NULL ? 0 :
			     bad("workload", optarg, "one of: bulk rr crr idle");
		} else if (opt == OPT_VERIFY) {
			rc = opt_choice("verify", optarg, verify, &v);
			o->verify = v == 1;
		} else if (opt == OPT_KERNEL || opt == OPT_KERNEL_NO_OFFLOAD ||
			   opt == OPT_KERNEL_BUSY_POLL) {
			o->kernel = true;
			o->kernel_no_offload |= opt == OPT_KERNEL_NO_OFFLOAD;
			o->kernel_busy_poll |= opt == OPT_KERNEL_BUSY_POLL;
			rc = 0;
		} else if ((rc = opt_stack(opt, optarg, o)) == 1 &&
			   (rc = opt_workload(opt, optarg, o)) == 1) {
			rc = opt_impair(opt, optarg, o);
		}
		if (rc != 0)
			return -1;
	}
	if (optind != argc) {
		fprintf(stderr, "fasttcp-bench: unexpected argument '%s' (see --help)\n",
			argv[optind]);
		return -1;
	}
	if (bytes_set && o->duration_s > 0) {
		fprintf(stderr, "fasttcp-bench: --bytes and --duration exclude each other\n");
		return -1;
	}
	return resolve_defaults(o, bytes_set);
}
