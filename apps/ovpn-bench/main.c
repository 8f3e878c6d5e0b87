/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ovpn-bench: testpmd-style, one-process benchmark of the OpenVPN data channel
 * (src/ovpn/data.c) as dpdk-ovpn-gw runs it, on 1 or 2 gateway lcores.
 *
 *   main lcore (generator + collector)          gateway lcore g (g = 0, 1)
 *   ------------------------------------        -------------------------------------------
 *   phase n: pre-build `batch` frames per  -->  ring "ob_in<g>" -- drain: outer parse,
 *     gateway (decap: sealed by the clients'     decap / route / L2 (or route / peer / encap /
 *     keys; encap: plaintext LAN frames)         UDP-IP-Ethernet), see gw.c
 *   sleep until every gateway is done      <--  ring "ob_out<g>"
 *   collect: verify 1 in verify_every, free
 *
 * What is measured: each gateway lcore's busy time, from the moment it sees "go" to the moment
 * its input ring is empty, and the packets it forwarded in that time. Generation and
 * verification run while the gateways sleep, so a 2-core machine can host two gateway lcores
 * (the second shares CPU 0 with the sleeping main lcore) and neither side steals the other's
 * CPU. Frames are built on the other core just before the phase, `batch` per gateway (default
 * 1024, an rx ring's worth): they reach the gateway from the other core's caches, or with
 * --flush from DRAM (NIC DMA without DDIO). Not measured: NIC rx/tx, ARP, reassembly.
 * Headline rate per lcore: the median over its phases of forwarded packets per busy cycle
 * (robust to preemption on a shared machine, like raw.c's median burst); the busy-time mean is
 * reported too. "total" is the sum over the lcores of one run; Gbit/s counts inner IPv4
 * packet bytes, as the raw reference counts AEAD payload bytes of the same size.
 *
 * Reference, measured on gateway lcore 0 just before and just after each run (the faster of
 * the two): raw single-core AEAD of the same backend, algorithm and size (raw.c), open for
 * decap and seal for encap; "ratio" is the pipeline's per-lcore rate over it. With two
 * gateway counts (--gateways 1,2) the RESULT of the larger one also carries "scaling", its
 * total over the 1-lcore total.
 *
 * Usage: ovpn-bench [EAL args --] [--dir decap|encap|both] [--cipher AES-256-GCM]
 *        [--backend ipsec-mb] [--sizes 64,512,1400] [--peers 16] [--seconds 3]
 *        [--gateways 1,2] [--burst 32] [--batch 1024] [--verify-every 64] [--flush]
 * Without EAL args it runs --no-huge with lcores 0@0,1@1,2@0 (3 lcores on 2 CPUs).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "ob.h"

#define GW_MAX_STR	32

/* Per (direction, size): the 1-lcore total, for "scaling". */
static double total_g1[2][OB_MAX_SIZES];

static int
parse_list(const char *s, uint32_t *out, uint16_t max, uint16_t *n)
{
	char *end;

	*n = 0;
	while (*s != '\0' && *n < max) {
		unsigned long v = strtoul(s, &end, 10);

		if (end == s)
			return -EINVAL;
		out[(*n)++] = (uint32_t)v;
		s = *end == ',' ? end + 1 : end;
		if (*end != ',' && *end != '\0')
			return -EINVAL;
	}
	return *s == '\0' && *n > 0 ? 0 : -EINVAL;
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL args --] [--dir decap|encap|both] [--cipher NAME]\n"
		"  [--backend openssl|ipsec-mb|ipsec-mb-job|cpu-crypto|cryptodev]\n"
		"  [--sizes 64,512,1400] [--peers N] [--seconds S] [--gateways 1,2]\n"
		"  [--burst N<=64] [--batch N] [--verify-every N] [--flush]\n", prog);
}

static void
opts_default(struct ob_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->dir[OB_DECAP] = o->dir[OB_ENCAP] = true;
	o->alg = FT_AEAD_AES_256_GCM;
	o->backend = "ipsec-mb";
	o->sizes[0] = 64;
	o->sizes[1] = 512;
	o->sizes[2] = 1400;
	o->n_sizes = 3;
	o->peers = 16;
	o->seconds = 3;
	o->gw_counts[0] = 1;
	o->gw_counts[1] = 2;
	o->n_gw_counts = 2;
	o->burst = 32;
	o->verify_every = 64;
}

static int
opt_one(struct ob_opts *o, int c, const char *arg)
{
	uint32_t v[OB_MAX_GW];
	uint16_t n;

	switch (c) {
	case 'd':
		o->dir[OB_DECAP] = strcmp(arg, "encap") != 0;
		o->dir[OB_ENCAP] = strcmp(arg, "decap") != 0;
		return strcmp(arg, "decap") == 0 || strcmp(arg, "encap") == 0 ||
		       strcmp(arg, "both") == 0 ? 0 : -EINVAL;
	case 'c':
		return ft_aead_alg_parse(arg, &o->alg);
	case 'b':
		o->backend = arg;
		return 0;
	case 's':
		return parse_list(arg, o->sizes, OB_MAX_SIZES, &o->n_sizes);
	case 'p':
		o->peers = (uint32_t)strtoul(arg, NULL, 10);
		return o->peers >= 1 && o->peers <= OB_MAX_PEERS ? 0 : -EINVAL;
	case 't':
		o->seconds = strtod(arg, NULL);
		return o->seconds > 0 ? 0 : -EINVAL;
	case 'g':
		if (parse_list(arg, v, OB_MAX_GW, &n) != 0)
			return -EINVAL;
		o->n_gw_counts = n;
		for (uint16_t i = 0; i < n; i++) {
			if (v[i] < 1 || v[i] > OB_MAX_GW)
				return -EINVAL;
			o->gw_counts[i] = (uint16_t)v[i];
		}
		return 0;
	case 'B':
		o->burst = (uint16_t)strtoul(arg, NULL, 10);
		return o->burst >= 1 && o->burst <= OB_MAX_BURST ? 0 : -EINVAL;
	case 'n':
		o->batch = (uint32_t)strtoul(arg, NULL, 10);
		return o->batch <= 65536 ? 0 : -EINVAL;
	case 'v':
		o->verify_every = (uint32_t)strtoul(arg, NULL, 10);
		return o->verify_every >= 1 ? 0 : -EINVAL;
	case 'f':
		o->flush = true;
		return 0;
	default:
		return -EINVAL;
	}
}

static int
opts_parse(struct ob_opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "cipher", required_argument, NULL, 'c' },
		{ "backend", required_argument, NULL, 'b' },
		{ "sizes", required_argument, NULL, 's' },
		{ "peers", required_argument, NULL, 'p' },
		{ "seconds", required_argument, NULL, 't' },
		{ "gateways", required_argument, NULL, 'g' },
		{ "lcores", required_argument, NULL, 'g' },
		{ "burst", required_argument, NULL, 'B' },
		{ "batch", required_argument, NULL, 'n' },
		{ "verify-every", required_argument, NULL, 'v' },
		{ "flush", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opts_default(o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (opt_one(o, c, optarg) != 0)
			return -EINVAL;
	}
	for (uint16_t i = 0; i < o->n_sizes; i++)
		if (o->sizes[i] < 64 || o->sizes[i] > 1500)
			return -EINVAL;
	return optind == argc ? 0 : -EINVAL;
}

/*
 * EAL: with a "--" on the command line, everything before it is EAL arguments (testpmd
 * style); without, our defaults. Returns how many arguments to skip before the bench options
 * (argv[skip] then plays argv[0]), or < 0.
 */
static int
eal_init(int argc, char **argv)
{
	static char lcores[GW_MAX_STR];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char *def[] = { argv[0], "--no-huge", "-m", "512", "--no-pci", "--no-shconf",
			"--lcores", lcores, "--log-level", "*:error", NULL };
	int rc;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return rte_eal_init(argc, argv);
	/* Main on CPU 0, gateway 0 on CPU 1, gateway 1 on CPU 2 or back on CPU 0. */
	snprintf(lcores, sizeof(lcores), "0@0,1@%ld,2@%ld", 1 % ncpu, 2 % ncpu);
	rc = rte_eal_init((int)RTE_DIM(def) - 1, def);
	return rc < 0 ? rc : 0;
}

/* Packets per gateway per phase. */
static uint32_t
batch_for(const struct ob_opts *o, uint32_t size)
{
	RTE_SET_USED(size);
	return o->batch != 0 ? o->batch : OB_BATCH_DEFAULT;
}

/* rte_eal_wait_lcore() without its busy wait: the lcore may share this CPU. */
static void
wait_lcore(unsigned int lcore)
{
	while (rte_eal_get_lcore_state(lcore) == RUNNING)
		rte_delay_us_sleep(200);
	rte_eal_wait_lcore(lcore);
}

struct raw_job {
	struct ob_world *w;
	uint32_t size;
	struct ob_raw r;
	int rc;
};

static int
raw_lcore(void *arg)
{
	struct raw_job *j = arg;

	j->rc = ob_raw_aead(j->w, j->w->gw[0].aead, j->size, j->w->o.burst, &j->r);
	return 0;
}

/*
 * Raw AEAD of @p size on gateway lcore 0's CPU, just before and just after a run: the faster
 * of the two (the one another process disturbed less) is the reference for that run.
 */
static int
measure_raw(struct ob_world *w, uint32_t size, struct ob_raw *best)
{
	double hz = (double)rte_get_tsc_hz();
	struct raw_job j = { .w = w, .size = size };

	if (rte_eal_remote_launch(raw_lcore, &j, w->gw[0].lcore) != 0)
		return -EBUSY;
	wait_lcore(w->gw[0].lcore);
	if (j.rc != 0)
		return j.rc;
	if (best->open_cyc == 0 || j.r.open_cyc < best->open_cyc)
		best->open_cyc = j.r.open_cyc;
	if (best->seal_cyc == 0 || j.r.seal_cyc < best->seal_cyc)
		best->seal_cyc = j.r.seal_cyc;
	printf("raw %s %s %uB: open %.0f cyc/op %.3f Mpps %.2f Gbit/s, "
	       "seal %.0f cyc/op %.3f Mpps %.2f Gbit/s\n", w->o.backend,
	       ft_aead_alg_name(w->o.alg), size, j.r.open_cyc, hz / j.r.open_cyc / 1e6,
	       hz / j.r.open_cyc * size * 8 / 1e9, j.r.seal_cyc, hz / j.r.seal_cyc / 1e6,
	       hz / j.r.seal_cyc * size * 8 / 1e9);
	return 0;
}

struct run_result {
	double mpps_lcore, gbps_lcore;	/* mean over the run's lcores */
	double mpps_total, gbps_total;	/* sum over them */
	double cyc_per_pkt;
	uint64_t pkts, drops;
	uint32_t batch;
	double mean_mpps_lcore;		/* busy-time mean, preemption included */
};

struct snap {
	uint64_t busy[OB_MAX_GW], pkts[OB_MAX_GW], bytes[OB_MAX_GW];
};

static void
snap_take(const struct ob_world *w, struct snap *s)
{
	for (uint16_t g = 0; g < w->n_gw; g++) {
		s->busy[g] = w->gw[g].busy_cyc;
		s->pkts[g] = w->gw[g].pkts_out;
		s->bytes[g] = w->gw[g].bytes_out;
	}
}

/* Rates of each lcore between @p a and @p b, into the result sums; prints if @p line. */
static void
rates(const struct ob_world *w, const struct snap *a, const struct snap *b,
      struct run_result *r, bool line)
{
	double hz = (double)rte_get_tsc_hz();

	memset(r, 0, sizeof(*r));
	for (uint16_t g = 0; g < w->n_gw; g++) {
		double s = (double)(b->busy[g] - a->busy[g]) / hz;
		double pk = (double)(b->pkts[g] - a->pkts[g]);
		double mpps = s > 0 ? pk / s / 1e6 : 0;
		double gbps = s > 0 ? (double)(b->bytes[g] - a->bytes[g]) * 8 / s / 1e9 : 0;

		r->mpps_total += mpps;
		r->gbps_total += gbps;
		r->pkts += b->pkts[g] - a->pkts[g];
		r->cyc_per_pkt += pk > 0 ? (double)(b->busy[g] - a->busy[g]) / pk / w->n_gw : 0;
		if (line)
			printf("  lcore%u %.3f Mpps %.2f Gbit/s", g, mpps, gbps);
	}
	r->mpps_lcore = r->mpps_total / w->n_gw;
	r->gbps_lcore = r->gbps_total / w->n_gw;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * The headline figures: per lcore, the median over its phases of packets per busy cycle, the
 * way raw.c keeps the median burst, so that a phase in which another process preempted the
 * lcore (a shared machine) does not count. Every phase forwards the same number of packets of
 * the same size.
 */
static void
medians(const struct ob_world *w, uint32_t size, struct run_result *r)
{
	static double rate[OB_MAX_PHASES];
	double hz = (double)rte_get_tsc_hz();

	r->mean_mpps_lcore = r->mpps_lcore;
	r->mpps_total = r->gbps_total = r->cyc_per_pkt = 0;
	for (uint16_t g = 0; g < w->n_gw; g++) {
		const struct ob_gw *gw = &w->gw[g];
		uint32_t n = 0;
		double med;

		for (uint32_t p = 0; p < gw->n_phases; p++)
			if (gw->phase_pkts[p] > 0)
				rate[n++] = (double)gw->phase_pkts[p] / (double)gw->phase_cyc[p];
		if (n == 0)
			continue;
		qsort(rate, n, sizeof(rate[0]), cmp_double);
		med = rate[n / 2];
		r->mpps_total += med * hz / 1e6;
		r->cyc_per_pkt += 1 / med / w->n_gw;
	}
	r->gbps_total = r->mpps_total * size * 8 / 1e3;
	r->mpps_lcore = r->mpps_total / w->n_gw;
	r->gbps_lcore = r->gbps_total / w->n_gw;
}

/*
 * One phase: build every gateway's frames on the other CPU (main for gateway 0, gateway lcore
 * 0 for gateway 1, at the same time), let the gateways drain, collect. 0 or -errno.
 */
static int
phase(struct ob_world *w, enum ob_dir dir, uint32_t size, uint32_t batch, uint32_t n)
{
	struct ob_gw *g0 = &w->gw[0];
	int rc;

	if (w->n_gw > 1) {
		g0->gen_size = size;
		g0->gen_batch = batch;
		__atomic_store_n(&g0->gen_go, n, __ATOMIC_RELEASE);
	}
	rc = ob_generate(w, 0, dir, size, batch);
	if (w->n_gw > 1) {
		while (__atomic_load_n(&g0->gen_done, __ATOMIC_ACQUIRE) != n)
			rte_delay_us_sleep(20);
		rc = rc != 0 ? rc : g0->gen_rc;
	}
	if (rc != 0)
		return rc;
	for (uint16_t g = 0; g < w->n_gw; g++)
		__atomic_store_n(&w->gw[g].go, n, __ATOMIC_RELEASE);
	for (uint16_t g = 0; g < w->n_gw; g++)
		while (__atomic_load_n(&w->gw[g].done, __ATOMIC_ACQUIRE) != n)
			rte_delay_us_sleep(50);	/* sleep: gateway 1 may share this CPU */
	ob_collect(w, dir, size);
	return 0;
}

static uint64_t
data_drops(const struct ob_world *w)
{
	struct ovpn_data_stats st;
	uint64_t d = 0;

	for (uint16_t g = 0; g < w->n_gw; g++) {
		ovpn_data_stats_read(w->gw[g].ctx, &st);
		for (unsigned int r = 0; r < OVPN_DROP_MAX; r++)
			d += st.drops[r];
		d += w->gw[g].bench_drops;
	}
	return d;
}

static int
run_one(struct ob_world *w, enum ob_dir dir, uint32_t size, uint16_t n_gw,
	struct run_result *rr)
{
	uint64_t hz = rte_get_tsc_hz(), t0, next;
	struct snap s0, prev, cur;
	uint32_t batch = batch_for(&w->o, size), n = 0;
	struct run_result live;
	int rc = ob_run_setup(w, n_gw);

	for (uint16_t g = 0; g < n_gw && rc == 0; g++) {
		w->gw[g].dir = (uint8_t)dir;
		rc = rte_eal_remote_launch(ob_gw_main, &w->gw[g], w->gw[g].lcore);
	}
	snap_take(w, &s0);
	prev = s0;
	t0 = rte_rdtsc();
	next = t0 + hz;
	while (rc == 0 && rte_rdtsc() - t0 < (uint64_t)(w->o.seconds * (double)hz)) {
		rc = phase(w, dir, size, batch, ++n);
		if (rc == 0 && rte_rdtsc() >= next) {
			printf("%s %uB x%u t=%.0fs:", dir == OB_DECAP ? "decap" : "encap", size,
			       n_gw, (double)(rte_rdtsc() - t0) / (double)hz);
			snap_take(w, &cur);
			rates(w, &prev, &cur, &live, true);
			printf(" | total %.3f Mpps %.2f Gbit/s | verified %" PRIu64 " errors %"
			       PRIu64 "\n", live.mpps_total, live.gbps_total, w->verified,
			       w->verify_errors);
			fflush(stdout);
			prev = cur;
			next += hz;
		}
	}
	for (uint16_t g = 0; g < n_gw; g++) {
		__atomic_store_n(&w->gw[g].stop, true, __ATOMIC_RELEASE);
		wait_lcore(w->gw[g].lcore);
	}
	snap_take(w, &cur);
	rates(w, &s0, &cur, rr, false);
	medians(w, size, rr);
	rr->drops = data_drops(w);
	rr->batch = batch;
	ob_run_teardown(w);
	return rc;
}

static void
print_result(const struct ob_world *w, enum ob_dir dir, uint16_t si, uint16_t n_gw,
	     const struct run_result *r, const struct ob_raw *raw)
{
	const struct ob_opts *o = &w->o;
	double hz = (double)rte_get_tsc_hz();
	double raw_cyc = dir == OB_DECAP ? raw->open_cyc : raw->seal_cyc;
	double raw_mpps = hz / raw_cyc / 1e6;
	char scaling[32] = "null";

	if (n_gw == 1)
		total_g1[dir][si] = r->mpps_total;
	else if (total_g1[dir][si] > 0)
		snprintf(scaling, sizeof(scaling), "%.3f", r->mpps_total / total_g1[dir][si]);
	printf("RESULT {\"bench\":\"ovpn-bench\",\"dir\":\"%s\",\"cipher\":\"%s\","
	       "\"backend\":\"%s\",\"size\":%u,\"gateways\":%u,\"peers\":%u,\"burst\":%u,"
	       "\"batch\":%u,\"seconds\":%.1f,\"pkts\":%" PRIu64 ",\"mpps_per_lcore\":%.3f,"
	       "\"gbps_per_lcore\":%.3f,\"mpps_total\":%.3f,\"gbps_total\":%.3f,"
	       "\"cycles_per_pkt\":%.0f,\"raw_mpps\":%.3f,\"raw_gbps\":%.3f,\"ratio\":%.3f,"
	       "\"scaling\":%s,\"mean_mpps_per_lcore\":%.3f,\"placement\":\"%s\","
	       "\"verified\":%" PRIu64 ",\"verify_errors\":%" PRIu64 ",\"drops\":%" PRIu64
	       "}\n",
	       dir == OB_DECAP ? "decap" : "encap", ft_aead_alg_name(o->alg), o->backend,
	       o->sizes[si], n_gw, o->peers, o->burst, r->batch, o->seconds, r->pkts,
	       r->mpps_lcore, r->gbps_lcore, r->mpps_total, r->gbps_total, r->cyc_per_pkt,
	       raw_mpps, raw_mpps * o->sizes[si] * 8 / 1e3, r->mpps_lcore / raw_mpps, scaling,
	       r->mean_mpps_lcore, o->flush ? "dram" : "other-core-cache", w->verified,
	       w->verify_errors, r->drops);
	fflush(stdout);
}

static int
run_all(struct ob_world *w)
{
	const struct ob_opts *o = &w->o;
	int bad = 0;

	for (int dir = OB_DECAP; dir <= OB_ENCAP; dir++) {
		for (uint16_t si = 0; si < o->n_sizes && o->dir[dir]; si++) {
			for (uint16_t gi = 0; gi < o->n_gw_counts; gi++) {
				struct ob_raw raw = { 0, 0 };
				struct run_result r;
				int rc = measure_raw(w, o->sizes[si], &raw);

				if (rc == 0)
					rc = run_one(w, dir, o->sizes[si], o->gw_counts[gi], &r);
				if (rc == 0)
					rc = measure_raw(w, o->sizes[si], &raw);
				if (rc != 0) {
					fprintf(stderr, "run failed: %s\n", strerror(-rc));
					return -1;
				}
				print_result(w, dir, si, o->gw_counts[gi], &r, &raw);
				bad |= w->verify_errors != 0 || r.drops != 0 || w->verified == 0;
			}
		}
	}
	return bad ? -1 : 0;
}

int
main(int argc, char **argv)
{
	static struct ob_world w;
	int skip = eal_init(argc, argv), rc;

	if (skip < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	if (opts_parse(&w.o, argc - skip, argv + skip) != 0) {
		usage(argv[0]);
		rte_eal_cleanup();
		return 2;
	}
	if (rte_lcore_count() < 1 + OB_MAX_GW) {
		fprintf(stderr, "need %u lcores (main + %u gateways)\n", 1 + OB_MAX_GW, OB_MAX_GW);
		rte_eal_cleanup();
		return 2;
	}
	rc = ob_world_init(&w);
	if (rc == 0)
		rc = run_all(&w);
	else
		fprintf(stderr, "setup failed: %s\n", strerror(-rc));
	ob_world_fini(&w);
	rte_eal_cleanup();
	return rc == 0 ? 0 : 1;
}
