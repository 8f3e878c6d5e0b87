/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FIB lookup rate (src/route/route.c): ft_route_lookup() one destination at a time and
 * ft_route_lookup_burst() 32 at a time (rte_lpm_lookup_bulk inside), with 1k, 100k and 1M
 * random routes and uniformly random destinations, one core. Also the control plane: time to
 * build each table (rte_lpm's rule scan makes an add O(routes of that length)), and to
 * replace the next hop of / delete 1000 of its routes.
 *
 * Routes: random prefixes, lengths uniform in /8../24 (so short lengths saturate: there are
 * only 256 /8s) plus 3% in /25../32 (VPN host routes, small subnets: these use tbl8 groups),
 * next hops drawn from 255 (LAN routers on 2 ports, peers), and a default route (nh[0]).
 * Destinations: 1M uniformly random addresses streamed in order, so the cost measured is the
 * FIB's random access into its 64 MiB first-level table: with --no-huge (the default) that
 * includes TLB misses on 4 KiB pages; pass EAL arguments with hugepages to compare.
 *
 * Single and burst runs alternate, REPEATS of each, one live line per run, so that both see
 * the same neighbours on a shared machine. The figures are the best run (the uncontended
 * cost) and the median. One "RESULT {json}" line per table size. Any arguments replace the
 * default EAL arguments.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "bench.h"
#include "route/route.h"

#define BURST 32
#define N_DST (1u << 20)           /* destinations, streamed */
#define OPS (8ull * N_DST)         /* lookups per measured run */
#define WARMUP_OPS N_DST
#define REPEATS 5
#define N_NH 256
#define N_CHURN 1000u              /* routes replaced, then deleted */
#define READER_ID 0

static const uint32_t sizes[] = { 1000, 100000, 1000000 };

struct route_rec {
	uint32_t prefix;
	uint8_t len;
};

struct ctx {
	struct ft_route_table *r;
	uint32_t *dst;
	struct route_rec *routes;   /* what was added, for the churn phase */
	uint32_t n_routes;
	struct ft_nexthop nh[N_NH];
	uintptr_t sink;             /* keeps results live */
};

static struct ft_nexthop
nh_make(unsigned int i)
{
	if (i < 16)
		return (struct ft_nexthop){ .kind = FT_NH_LAN, .port = (uint16_t)(i % 2),
					    .gw = 0xc0a80001u + i };
	return (struct ft_nexthop){ .kind = FT_NH_PEER, .port = 0, .peer_id = i };
}

static uint8_t
pick_len(struct bench_rng *g)
{
	if (bench_rand(g) % 100 < 3)
		return (uint8_t)(25 + bench_rand(g) % 8);
	return (uint8_t)(8 + bench_rand(g) % 17);
}

static uint32_t
mask_of(uint8_t len)
{
	return len == 0 ? 0 : UINT32_MAX << (32 - len);
}

/* Add random routes until @p n distinct ones are in (a repeated prefix is a replace). */
static double
build(struct ctx *c, uint32_t n, struct bench_rng *g)
{
	uint64_t t0 = bench_mono_ns(), last = t0, tries = 0;

	if (ft_route_add(c->r, 0, 0, &c->nh[0]) != 0)
		return -1;
	c->n_routes = 0;
	while (ft_route_count(c->r) < n) {
		uint8_t len = pick_len(g);
		uint32_t prefix = (uint32_t)bench_rand(g) & mask_of(len);
		uint32_t before = ft_route_count(c->r);
		int rc = ft_route_add(c->r, prefix, len, &c->nh[1 + bench_rand(g) % (N_NH - 1)]);

		if (rc != 0) {
			fprintf(stderr, "bench_lookup: add: %s\n", strerror(-rc));
			return -1;
		}
		if (ft_route_count(c->r) > before)
			c->routes[c->n_routes++] = (struct route_rec){ prefix, len };
		if (++tries % 4096 == 0 && bench_mono_ns() - last > 1000000000u) {
			last = bench_mono_ns();
			printf("  build: %u routes, %.0f adds/s\n", ft_route_count(c->r),
			       (double)tries * 1e9 / (double)(last - t0));
			fflush(stdout);
		}
	}
	return (double)(bench_mono_ns() - t0) / 1e9;
}

static void
run_single(void *arg, uint64_t ops)
{
	struct ctx *c = arg;
	uintptr_t acc = 0;

	for (uint64_t i = 0; i < ops; i++)
		acc += (uintptr_t)ft_route_lookup(c->r, c->dst[i & (N_DST - 1)]);
	c->sink += acc;
}

static void
run_burst(void *arg, uint64_t ops)
{
	struct ctx *c = arg;
	const struct ft_nexthop *out[BURST];
	uintptr_t acc = 0;

	for (uint64_t i = 0; i < ops; i += BURST) {
		acc += ft_route_lookup_burst(c->r, &c->dst[i & (N_DST - 1)], BURST, out);
		for (unsigned int j = 0; j < BURST; j++)
			acc += (uintptr_t)out[j];
	}
	c->sink += acc;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct figures {
	double best, median; /* cycles per lookup */
};

static struct figures
figures_of(uint64_t *cyc)
{
	qsort(cyc, REPEATS, sizeof(cyc[0]), cmp_u64);
	return (struct figures){ (double)cyc[0] / (double)OPS,
				 (double)cyc[REPEATS / 2] / (double)OPS };
}

/* Alternate single and burst runs, REPEATS each, one live line per run. */
static void
measure(struct ctx *c, struct figures *single, struct figures *burst)
{
	uint64_t cs[REPEATS], cb[REPEATS];

	run_single(c, WARMUP_OPS);
	run_burst(c, WARMUP_OPS);
	for (unsigned int i = 0; i < REPEATS; i++) {
		cs[i] = bench_run(run_single, c, 0, OPS);
		bench_report("  lookup single", cs[i], OPS);
		cb[i] = bench_run(run_burst, c, 0, OPS);
		bench_report("  lookup burst 32", cb[i], OPS);
	}
	*single = figures_of(cs);
	*burst = figures_of(cb);
}

/* Fraction of destinations matched by a route other than the default. */
static double
routed_fraction(struct ctx *c)
{
	uint32_t routed = 0;

	for (uint32_t i = 0; i < N_DST; i++) {
		const struct ft_nexthop *nh = ft_route_lookup(c->r, c->dst[i]);

		routed += nh != NULL && memcmp(nh, &c->nh[0], sizeof(*nh)) != 0;
	}
	return (double)routed / N_DST;
}

/* Replace then delete N_CHURN routes; rates in operations per second. */
static void
churn(struct ctx *c, struct bench_rng *g, double *replace_s, double *del_s)
{
	uint32_t n = RTE_MIN(N_CHURN, c->n_routes);
	uint64_t t;

	t = bench_mono_ns();
	for (uint32_t i = 0; i < n; i++)
		(void)ft_route_add(c->r, c->routes[i].prefix, c->routes[i].len,
				   &c->nh[1 + bench_rand(g) % (N_NH - 1)]);
	*replace_s = (double)n * 1e9 / (double)(bench_mono_ns() - t);
	t = bench_mono_ns();
	for (uint32_t i = 0; i < n; i++)
		(void)ft_route_del(c->r, c->routes[i].prefix, c->routes[i].len);
	*del_s = (double)n * 1e9 / (double)(bench_mono_ns() - t);
}

struct result {
	uint32_t routes;
	double build_s, routed, replace_per_s, del_per_s;
	struct figures single, burst;
};

static void
report(const struct result *x)
{
	double ghz = (double)bench_tsc_hz() / 1e9;

	bench_result("\"bench\":\"route_lookup\",\"routes\":%u,\"nexthops\":%u,\"hugepages\":%s,"
		     "\"routed_frac\":%.3f,\"build_s\":%.2f,\"adds_per_s\":%.0f,"
		     "\"single_cycles\":%.1f,\"single_mlps\":%.1f,\"single_cycles_median\":%.1f,"
		     "\"burst\":%d,\"burst_cycles\":%.1f,\"burst_mlps\":%.1f,"
		     "\"burst_cycles_median\":%.1f,\"burst_speedup\":%.2f,"
		     "\"replace_per_s\":%.0f,\"del_per_s\":%.0f",
		     x->routes, N_NH, rte_eal_has_hugepages() ? "true" : "false", x->routed,
		     x->build_s, (double)x->routes / x->build_s, x->single.best,
		     ghz * 1e3 / x->single.best, x->single.median, BURST, x->burst.best,
		     ghz * 1e3 / x->burst.best, x->burst.median, x->single.best / x->burst.best,
		     x->replace_per_s, x->del_per_s);
}

static int
bench_size(struct ctx *c, struct rte_rcu_qsbr *v, uint32_t n)
{
	struct result x = { .routes = n };
	struct ft_route_conf conf;
	struct bench_rng g;

	ft_route_conf_init(&conf);
	conf.max_routes = n + 1;
	conf.max_nexthops = N_NH;
	conf.max_tbl8s = n / 10 + 256; /* >/24 routes: 3% of tries, more of the routes */
	conf.qsbr = v;
	c->r = ft_route_create(&conf);
	if (c->r == NULL) {
		fprintf(stderr, "bench_lookup: create: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	bench_rng_init(&g, BENCH_SEED + n);
	printf("%u routes:\n", n);
	x.build_s = build(c, n, &g);
	if (x.build_s < 0) {
		ft_route_destroy(c->r);
		return -1;
	}
	x.routed = routed_fraction(c);
	/* This thread is the reader now: online while it looks up (no writer meanwhile). */
	rte_rcu_qsbr_thread_online(v, READER_ID);
	measure(c, &x.single, &x.burst);
	rte_rcu_qsbr_thread_offline(v, READER_ID);
	churn(c, &g, &x.replace_per_s, &x.del_per_s);
	report(&x);
	ft_route_destroy(c->r);
	return 0;
}

int
main(int argc, char **argv)
{
	static char *def_argv[] = {
		"bench_lookup", "--no-huge", "--no-pci", "-m", "1024", "--no-shconf", "-l", "0",
		"--log-level=*:error",
	};
	static struct ctx c;
	struct rte_rcu_qsbr *v;
	struct bench_rng g;
	int rc = 0;

	if (argc <= 1) {
		argc = (int)RTE_DIM(def_argv);
		argv = def_argv;
	}
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "bench_lookup: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	v = rte_zmalloc("bench_qsbr", rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
	c.dst = bench_alloc_huge(N_DST * sizeof(*c.dst));
	c.routes = calloc(sizes[RTE_DIM(sizes) - 1], sizeof(*c.routes));
	if (v == NULL || rte_rcu_qsbr_init(v, 1) != 0 || c.dst == NULL || c.routes == NULL) {
		fprintf(stderr, "bench_lookup: out of memory\n");
		return 1;
	}
	rte_rcu_qsbr_thread_register(v, READER_ID);
	for (unsigned int i = 0; i < N_NH; i++)
		c.nh[i] = nh_make(i);
	bench_rng_init(&g, BENCH_SEED);
	for (uint32_t i = 0; i < N_DST; i++)
		c.dst[i] = (uint32_t)bench_rand(&g);
	printf("FIB lookups, 1 core, TSC %.2f GHz, hugepages %s\n",
	       (double)bench_tsc_hz() / 1e9, rte_eal_has_hugepages() ? "yes" : "no");
	for (unsigned int i = 0; i < RTE_DIM(sizes) && rc == 0; i++)
		rc = bench_size(&c, v, sizes[i]);
	rte_rcu_qsbr_thread_unregister(v, READER_ID);
	free(c.routes);
	free(c.dst);
	rte_free(v);
	rte_eal_cleanup();
	return rc == 0 ? 0 : 1;
}
