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
 * 1024, an rx ring's worth), then placed as a NIC's DMA would leave them (--placement, enum
 * ob_place in ob.h): by default in the shared L3 and in no core's L1/L2 (DDIO), or left in the
 * other core's caches, or in DRAM. Frames start at the mbuf headroom, as a NIC writes them. The
 * gateway takes them `burst` (32) at a time, as from a PMD's rx burst, looking one burst ahead
 * (gw.c drain(); --rx-lookahead 0: none). Not measured: NIC rx/tx, ARP, reassembly.
 * Headline rate per lcore: the median over its phases of forwarded packets per busy cycle
 * (robust to preemption on a shared machine, like raw.c's median burst); the busy-time mean is
 * reported too. "total" is the sum over the lcores of one run; Gbit/s counts inner IPv4
 * packet bytes, as the raw reference counts AEAD payload bytes of the same size.
 *
 * References, both raw single-core AEAD of the same backend, algorithm and size (raw.c), open
 * for decap and seal for encap, as the median cycles per op of one AEAD burst call:
 *   raw_l1       the same 32 packets over and over, hot in L1/L2;
 *   raw_matched  frames placed exactly like the gateway's (same batch, same placement, written
 *                by the other CPU), one AEAD call per dequeued burst.
 * They are measured on gateway lcore 0 in phases interleaved with the pipeline's (PIPE,
 * RAW_MATCHED, PIPE, RAW_L1, ...: enum ob_mode), so that all three see the same machine; a
 * shared VM's core speed drifts by tens of percent within seconds, which before/after
 * measurements cannot follow. "ratio_l1" and "ratio_matched" are the pipeline's per-lcore rate
 * over each ("ratio" is ratio_l1, its name before raw_matched existed). With two gateway
 * counts (--gateways 1,2) the RESULT of the larger one also carries "scaling", its total over
 * the 1-lcore total.
 *
 * Usage: ovpn-bench [EAL args --] [--dir decap|encap|both] [--cipher AES-256-GCM]
 *        [--backend ipsec-mb] [--sizes 64,512,1400] [--peers 16] [--seconds 3]
 *        [--gateways 1,2] [--burst 32] [--batch 1024] [--verify-every 64]
 *        [--placement llc|cache|dram] [--flush (= dram)] [--rx-lookahead 1]
 * Without EAL args it runs with lcores 0@0,1@1,2@0 (3 lcores on 2 CPUs), on hugepages when
 * enough are free (--in-memory), else --no-huge (eal_init()).
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
#include <rte_mbuf.h>
#include <rte_ring.h>

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
		"  [--burst N<=64] [--batch N] [--verify-every N] [--placement llc|cache|dram]\n"
		"  [--flush] [--rx-lookahead 0|1]\n", prog);
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
	o->place = OB_PLACE_LLC;
	o->lookahead = true;
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
		o->place = OB_PLACE_DRAM;
		return 0;
	case 'L':
		o->lookahead = strtoul(arg, NULL, 10) != 0;
		return 0;
	case 'P':
		for (int p = OB_PLACE_LLC; p <= OB_PLACE_DRAM; p++)
			if (strcmp(arg, ob_place_name((enum ob_place)p)) == 0 ||
			    (p == OB_PLACE_CACHE && strcmp(arg, "cache") == 0)) {
				o->place = (uint8_t)p;
				return 0;
			}
		return -EINVAL;
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
		{ "placement", required_argument, NULL, 'P' },
		{ "rx-lookahead", required_argument, NULL, 'L' },
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

/* Free hugepage memory in MiB (/proc/meminfo), 0 if none or unknown. */
static long
hugepages_free_mb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	long pages = 0, page_kb = 0;
	char line[128];

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "HugePages_Free: %ld", &pages);
		sscanf(line, "Hugepagesize: %ld kB", &page_kb);
	}
	fclose(f);
	return pages * page_kb / 1024;
}

static bool
has_dashdash(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return true;
	return false;
}

/*
 * EAL: with a "--" on the command line, everything before it is EAL arguments (testpmd
 * style); without, our defaults: hugepages (--in-memory: no files, no other process touched)
 * when enough are free, as a DPDK gateway runs, else --no-huge, whose 4 KiB pages add TLB
 * misses no production gateway has (RESULT "hugepages"). Memory: the FIB's LPM (64 MiB), the
 * rings and the mbuf pool, sized by @p o. Returns how many arguments to skip before the bench
 * options (argv[skip] then plays argv[0]), or < 0.
 */
static int
eal_init(int argc, char **argv, const struct ob_opts *o)
{
	static char lcores[GW_MAX_STR], mem[GW_MAX_STR];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	uint32_t batch = o->batch != 0 ? o->batch : OB_BATCH_DEFAULT;
	long nmbufs = (long)OB_MAX_GW * (batch + OB_MAX_BURST) + 2048;	/* ob_world_init() */
	long need = 192 + nmbufs * 5 / 2048;	/* MiB: 2.5 KiB per mbuf */
	bool huge = hugepages_free_mb() >= need;
	char *def[] = { argv[0], huge ? "--in-memory" : "--no-huge", "-m", mem, "--no-pci",
			"--no-shconf", "--lcores", lcores, "--log-level", "*:error", NULL };
	int rc;

	if (has_dashdash(argc, argv))
		return rte_eal_init(argc, argv);
	/* Main on CPU 0, gateway 0 on CPU 1, gateway 1 on CPU 2 or back on CPU 0. */
	snprintf(lcores, sizeof(lcores), "0@0,1@%ld,2@%ld", 1 % ncpu, 2 % ncpu);
	snprintf(mem, sizeof(mem), "%ld", huge ? need : RTE_MAX(need, 512L));
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

/* The references of one run (raw.c), measured in its interleaved raw phases. */
struct refs {
	struct ob_raw l1;
	double matched;			/* open for decap, seal for encap */
	uint64_t errors;		/* failed calls and verify errors of the raw phases */
};

/* Phase n's mode: PIPE, RAW_MATCHED, PIPE, RAW_L1, ... (n from 1). */
static enum ob_mode
phase_mode(uint32_t n)
{
	static const enum ob_mode cycle[4] = {
		OB_MODE_RAW_L1, OB_MODE_PIPE, OB_MODE_RAW_MATCHED, OB_MODE_PIPE,
	};

	return cycle[n % 4];
}

/* A reference's JSON number (@p fmt), or null where it was not measured (0). */
static const char *
num(char *buf, size_t len, const char *fmt, double v)
{
	if (v > 0)
		snprintf(buf, len, fmt, v);
	else
		snprintf(buf, len, "null");
	return buf;
}

static void
print_refs(const struct ob_world *w, enum ob_dir dir, uint32_t size, const struct refs *ref)
{
	double hz = (double)rte_get_tsc_hz();
	double l1 = dir == OB_DECAP ? ref->l1.open_cyc : ref->l1.seal_cyc;
	double imb = dir == OB_DECAP ? ref->l1.imb_open_cyc : ref->l1.imb_seal_cyc;

	printf("raw_l1 %s %s %uB %s: %.0f cyc/op %.3f Mpps %.2f Gbit/s", w->o.backend,
	       ft_aead_alg_name(w->o.alg), size, dir == OB_DECAP ? "open" : "seal", l1,
	       hz / l1 / 1e6, hz / l1 * size * 8 / 1e9);
	if (imb > 0)
		printf(" | raw_imb_l1: %.0f cyc/op", imb);
	printf(" | raw_matched (%s): %.0f cyc/op %.3f Mpps %.2f Gbit/s\n",
	       ob_place_name(w->o.place), ref->matched, hz / ref->matched / 1e6,
	       hz / ref->matched * size * 8 / 1e9);
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
 * One phase of mode phase_mode(n). PIPE: build every gateway's frames on the other CPU (main
 * for gateway 0, gateway lcore 0 for gateway 1, at the same time), let the gateways drain,
 * collect. RAW_MATCHED: the same for gateway 0 alone with raw.c's frames; RAW_L1: gateway 0
 * alone, no frames. 0 or -errno.
 */
static int
phase(struct ob_world *w, enum ob_dir dir, uint32_t size, uint32_t batch, uint32_t n)
{
	enum ob_mode mode = phase_mode(n);
	uint16_t n_go = mode == OB_MODE_PIPE ? w->n_gw : 1;
	bool gen1 = mode == OB_MODE_PIPE && w->n_gw > 1;
	struct ob_gw *g0 = &w->gw[0];
	int rc = 0;

	g0->mode = (uint8_t)mode;
	if (gen1) {
		g0->gen_size = size;
		g0->gen_batch = batch;
		__atomic_store_n(&g0->gen_go, n, __ATOMIC_RELEASE);
	}
	if (mode == OB_MODE_PIPE)
		rc = ob_generate(w, 0, dir, size, batch);
	else if (mode == OB_MODE_RAW_MATCHED)
		rc = ob_raw_generate(w, dir, size, batch);
	if (gen1) {
		while (__atomic_load_n(&g0->gen_done, __ATOMIC_ACQUIRE) != n)
			rte_delay_us_sleep(20);
		rc = rc != 0 ? rc : g0->gen_rc;
	}
	if (rc != 0)
		return rc;
	for (uint16_t g = 0; g < n_go; g++)
		__atomic_store_n(&w->gw[g].go, n, __ATOMIC_RELEASE);
	for (uint16_t g = 0; g < n_go; g++)
		while (__atomic_load_n(&w->gw[g].done, __ATOMIC_ACQUIRE) != n)
			rte_delay_us_sleep(50);	/* sleep: gateway 1 may share this CPU */
	if (mode == OB_MODE_PIPE)
		ob_collect(w, dir, size);
	else if (mode == OB_MODE_RAW_MATCHED)
		ob_raw_collect(w, dir, size);
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
	struct run_result *rr, struct refs *ref)
{
	uint64_t hz = rte_get_tsc_hz(), t0, next;
	struct snap s0, prev, cur;
	uint32_t batch = batch_for(&w->o, size), n = 0;
	struct run_result live;
	int rc = ob_run_setup(w, n_gw);

	if (rc == 0)
		rc = ob_raw_begin(w, size);
	/* An L1 phase takes about as long as a PIPE one: batch / burst calls (seal + open). */
	w->gw[0].l1_iters = RTE_MAX(batch / w->o.burst / 2, 4u) + 2;
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
	ref->errors = w->raw.l1_errors + w->raw.m_errors + (w->raw.verified == 0);
	ob_raw_end(w, &ref->l1, &ref->matched);
	ob_run_teardown(w);
	if (rc == 0 && (ref->matched == 0 || ref->l1.open_cyc == 0))
		rc = -EIO;	/* too short a run for every kind of phase */
	return rc;
}

static void
print_result(const struct ob_world *w, enum ob_dir dir, uint16_t si, uint16_t n_gw,
	     const struct run_result *r, const struct refs *ref)
{
	const struct ob_opts *o = &w->o;
	double hz = (double)rte_get_tsc_hz();
	double l1_cyc = dir == OB_DECAP ? ref->l1.open_cyc : ref->l1.seal_cyc;
	double m_cyc = ref->matched;
	double imb_cyc = dir == OB_DECAP ? ref->l1.imb_open_cyc : ref->l1.imb_seal_cyc;
	double l1_mpps = hz / l1_cyc / 1e6, m_mpps = hz / m_cyc / 1e6;
	double bits = o->sizes[si] * 8 / 1e3;
	char scaling[32] = "null", imb[32], imb_ratio[32];

	if (n_gw == 1)
		total_g1[dir][si] = r->mpps_total;
	else if (total_g1[dir][si] > 0)
		snprintf(scaling, sizeof(scaling), "%.3f", r->mpps_total / total_g1[dir][si]);
	printf("RESULT {\"bench\":\"ovpn-bench\",\"dir\":\"%s\",\"cipher\":\"%s\","
	       "\"backend\":\"%s\",\"size\":%u,\"gateways\":%u,\"peers\":%u,\"burst\":%u,"
	       "\"batch\":%u,\"placement\":\"%s\",\"rx_lookahead\":%s,\"seconds\":%.1f,"
	       "\"pkts\":%" PRIu64 ","
	       "\"mpps_per_lcore\":%.3f,\"gbps_per_lcore\":%.3f,\"mpps_total\":%.3f,"
	       "\"gbps_total\":%.3f,\"cycles_per_pkt\":%.0f,"
	       "\"raw_l1_cyc\":%.0f,\"raw_l1_mpps\":%.3f,\"raw_l1_gbps\":%.3f,\"ratio_l1\":%.3f,"
	       "\"raw_matched_cyc\":%.0f,\"raw_matched_mpps\":%.3f,\"raw_matched_gbps\":%.3f,"
	       "\"ratio_matched\":%.3f,\"raw_imb_l1_cyc\":%s,\"ratio_imb_l1\":%s,"
	       "\"ratio\":%.3f,\"scaling\":%s,\"mean_mpps_per_lcore\":%.3f,\"hugepages\":%s,"
	       "\"verified\":%" PRIu64 ",\"verify_errors\":%" PRIu64 ",\"raw_errors\":%" PRIu64
	       ",\"drops\":%" PRIu64 "}\n",
	       dir == OB_DECAP ? "decap" : "encap", ft_aead_alg_name(o->alg), o->backend,
	       o->sizes[si], n_gw, o->peers, o->burst, r->batch, ob_place_name(o->place),
	       o->lookahead ? "true" : "false", o->seconds, r->pkts, r->mpps_lcore, r->gbps_lcore,
	       r->mpps_total, r->gbps_total, r->cyc_per_pkt, l1_cyc, l1_mpps, l1_mpps * bits,
	       r->mpps_lcore / l1_mpps, m_cyc, m_mpps, m_mpps * bits, r->mpps_lcore / m_mpps,
	       num(imb, sizeof(imb), "%.0f", imb_cyc),
	       num(imb_ratio, sizeof(imb_ratio), "%.3f", r->mpps_lcore * imb_cyc * 1e6 / hz),
	       r->mpps_lcore / l1_mpps, scaling, r->mean_mpps_lcore,
	       rte_eal_has_hugepages() ? "true" : "false", w->verified, w->verify_errors,
	       ref->errors, r->drops);
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
				struct refs ref;
				struct run_result r;
				int rc;

				memset(&ref, 0, sizeof(ref));
				rc = run_one(w, dir, o->sizes[si], o->gw_counts[gi], &r, &ref);
				if (rc != 0) {
					fprintf(stderr, "run failed: %s\n", strerror(-rc));
					return -1;
				}
				print_refs(w, dir, o->sizes[si], &ref);
				print_result(w, dir, si, o->gw_counts[gi], &r, &ref);
				bad |= w->verify_errors != 0 || r.drops != 0 || w->verified == 0 ||
				       ref.errors != 0;
			}
		}
	}
	return bad ? -1 : 0;
}

int
main(int argc, char **argv)
{
	static struct ob_world w;
	bool own_eal = !has_dashdash(argc, argv);
	int skip, rc;

	/* Without EAL arguments the options come first: they size the EAL memory. */
	if (own_eal && opts_parse(&w.o, argc, argv) != 0) {
		usage(argv[0]);
		return 2;
	}
	skip = eal_init(argc, argv, &w.o);
	if (skip < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	if (!own_eal && opts_parse(&w.o, argc - skip, argv + skip) != 0) {
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
