/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Stack and worker lifecycle.
 *
 * A stack owns ports (each with one IPv4 address) and one worker per EAL lcore. Workers share
 * nothing: worker i polls queue i of every port. Call order, all from the main thread:
 * rte_eal_init(), ft_stack_conf_init(), ft_stack_create(), bindings (ft_udp_bind(), ...),
 * ft_stack_run() which blocks until ft_stack_stop(), then ft_stack_destroy().
 */
#ifndef FT_STACK_H
#define FT_STACK_H

#include <stdbool.h>
#include <stdint.h>

#include <fasttcp/ft_stats.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ft_stack;
struct ft_worker;

#define FT_MAX_PORTS 8
#define FT_PORT_NAME_LEN 32
#define FT_PORT_DEV_LEN 256

/** Kind of device behind a port. */
enum ft_port_type {
	FT_PORT_TAP,         /**< net_tap; dev = Linux interface name */
	FT_PORT_PCI,         /**< a NIC probed by EAL; dev = PCI address (0000:03:00.0) */
	FT_PORT_MEMIF,       /**< net_memif; dev = socket path; memif_server picks the role */
	FT_PORT_VIRTIO_USER, /**< virtio_user; dev = vhost-user socket path */
	FT_PORT_VHOST,       /**< net_vhost (the other end of virtio_user); dev = socket path */
	FT_PORT_RING,        /**< in-process pair; dev = pair name, ring_side 0 or 1 */
};

/**
 * Impairment of what a ring port transmits (tests and benchmarks: a lossy, slow or reordering
 * wire between two in-process stacks). All zero (the default) = off. Probabilities are parts
 * per million of packets (10000 = 1 %). Deterministic: the same seed and the same packet
 * sequence give the same decisions; each impairment draws from its own random stream, so
 * enabling one does not change another's pattern. Order per packet: random loss, burst loss,
 * duplication, rate limit, delay + jitter; reordering acts on what leaves the delay line.
 */
struct ft_impair_conf {
	uint32_t loss_ppm;        /**< independent random loss */
	uint32_t burst_p_ppm;     /**< Gilbert-Elliott: P(good -> bad) per packet; 0 = off */
	uint32_t burst_r_ppm;     /**< Gilbert-Elliott: P(bad -> good) per packet */
	uint32_t burst_h_ppm;     /**< Gilbert-Elliott: loss probability in the bad state */
	uint32_t reorder_ppm;     /**< packets held back and sent after later ones */
	uint16_t reorder_gap;     /**< a held packet leaves after this many later ones (0 = 3) */
	uint32_t reorder_max_us;  /**< ... or after this long at most (0 = 1000) */
	uint32_t dup_ppm;         /**< packets sent twice (the copy is a separate mbuf) */
	uint32_t delay_us;        /**< fixed one-way delay */
	uint32_t jitter_us;       /**< uniform +- jitter on the delay; never reorders */
	uint64_t rate_bps;        /**< link rate in bit/s (frame bytes); 0 = unlimited */
	uint32_t rate_queue;      /**< packets waiting for the link before drops (0 = 1000) */
	uint32_t queue_len;       /**< delay-line capacity in packets (0 = 16384); beyond: drop */
	uint64_t seed;            /**< random seed (mixed with the side and queue) */
};

/** Impairment counters of one port (all queues). */
struct ft_impair_stats {
	uint64_t in_pkts;       /**< packets the stack transmitted */
	uint64_t out_pkts;      /**< packets put on the wire (duplicates included) */
	uint64_t impaired_lost; /**< dropped by random loss */
	uint64_t burst_lost;    /**< dropped by burst (Gilbert-Elliott) loss */
	uint64_t reordered;     /**< sent after at least one later packet */
	uint64_t duplicated;    /**< extra copies sent */
	uint64_t delayed;       /**< held in the delay line (delay, jitter or rate) */
	uint64_t rate_dropped;  /**< dropped: rate-limit queue full */
	uint64_t queue_full;    /**< dropped: delay line full */
};

/**
 * Impairment counters of DPDK port @p port_id (ft_stack_port_id()). Any thread (a snapshot
 * that may be a few packets old). @return 0, or -ENOENT (not a ring port with impairment).
 */
int ft_impair_stats_get(uint16_t port_id, struct ft_impair_stats *out);

/** Ring pair with several queues: which queue of the receiving side a frame lands on. */
enum ft_ring_rss {
	FT_RING_QUEUE_TO_QUEUE, /**< queue q to queue q (default); the stack cannot predict it
				 *   and steers in software (counter rx_steered) */
	FT_RING_TOEPLITZ,       /**< symmetric Toeplitz hash of the IPv4 addresses and TCP/UDP
				 *   ports, like a NIC with RSS (ARP and the rest to queue 0) */
	FT_RING_SINGLE,         /**< every frame to queue 0, like a one-queue device: steered */
};

/** One port: device, queue sizes and its IPv4 interface. Plain data; fill, then create. */
struct ft_port_conf {
	char name[FT_PORT_NAME_LEN]; /**< logical name, used in logs and telemetry */
	enum ft_port_type type;
	char dev[FT_PORT_DEV_LEN];   /**< see enum ft_port_type */
	bool memif_server;           /**< memif: true = server (creates the socket) */
	uint8_t ring_side;           /**< ring: which end of the pair, 0 or 1 */
	uint8_t ring_rss;            /**< ring with several queues: how the "wire" picks the
				      *   receiving queue (enum ft_ring_rss); both sides alike */
	uint16_t rx_desc;            /**< RX descriptors per queue (default 1024) */
	uint16_t tx_desc;            /**< TX descriptors per queue (default 1024) */
	uint16_t mtu;                /**< IP MTU (default 1500) */
	uint32_t ip4;                /**< interface address, host order (required) */
	uint8_t prefix_len;          /**< on-link subnet length, 1..32 */
	uint32_t gateway;            /**< default gateway, host order; 0 = none */
	uint8_t mac[6];              /**< MAC to use when mac_set; else the device's */
	bool mac_set;
	struct ft_impair_conf impair; /**< ring only: impairment of this side's transmissions */
	bool no_tso;                 /**< never send TSO super-segments, even when the device
				      *   offers TCP segmentation (default false: used when
				      *   offered; a ring port offers it unless impaired) */
};

/** Stack configuration. Fill with ft_stack_conf_init(), then override. */
struct ft_stack_conf {
	struct ft_port_conf ports[FT_MAX_PORTS];
	uint16_t n_ports;
	uint32_t n_mbufs;          /**< mbufs in the pool (default 65535) */
	uint32_t arp_entries;      /**< ARP cache slots per worker, power of two (default 1024) */
	uint32_t arp_timeout_ms;   /**< a resolved entry is re-resolved after this (default 60000) */
	uint16_t arp_queue_len;    /**< packets held per unresolved next hop (default 8) */
	uint32_t arp_retry_ms;     /**< ARP request retry interval (default 1000) */
	uint16_t arp_retries;      /**< requests before giving up (default 3) */
	uint32_t reass_max;        /**< datagrams under reassembly per worker (default 256) */
	uint16_t reass_max_frags;  /**< fragments per datagram (default 64) */
	uint32_t reass_timeout_ms; /**< reassembly timeout (default 30000, as Linux) */
	uint32_t icmp_rate;        /**< ICMP errors per second per worker (default 1000) */
	uint32_t icmp_burst;       /**< ICMP error burst (default 50) */
	bool idle_backoff;         /**< sleep when idle (default true) */
	uint32_t idle_sleep_us;    /**< longest idle sleep (default 200) */
	bool gratuitous_arp;       /**< announce each address at start (default true) */
	uint32_t tcp_max_conns;    /**< TCP connection blocks per worker; 0 disables TCP
				    *   (default 16384) */
	uint32_t tcp_sndbuf;       /**< send buffer per connection, bytes (default 262144) */
	uint32_t tcp_rcvbuf;       /**< initial receive buffer per connection, bytes
				    *   (default 262144); autotuning grows it */
	uint32_t tcp_rcvbuf_max;   /**< autotuning ceiling, bytes (default 4194304) */
	uint32_t tcp_syn_backlog;  /**< half-open connections per worker (default 1024) */
	uint32_t tcp_time_wait_ms; /**< TIME-WAIT duration (default 60000, as Linux) */
	uint32_t tcp_delack_ms;    /**< delayed-ACK timeout (default 40) */
	uint32_t tcp_min_rto_ms;   /**< lower bound of the RTO (default 200, as Linux) */
	uint32_t tcp_event_log;    /**< TCP event log: records kept per logged connection
				    *   (48 bytes each, newest kept); 0 = off (default).
				    *   See ft_conn_evlog_dump() and /fasttcp/tcp_log */
	char tcp_cc[16];           /**< congestion control: "cubic" (default, RFC 9438 with
				    *   HyStart++) or "newreno" (RFC 5681/6582) */
	uint32_t tcp_max_burst;    /**< segments sent per send opportunity; the rest is paced
				    *   from the timer wheel (default 64) */
	bool tcp_ack_batching;     /**< finish TCP input (callbacks, output, ACK) once per
				    *   connection per rx burst (default true) */
	bool tcp_rrr;              /**< RACK rapid recovery: one lost segment per ms beyond PRR
				    *   credit (default true, as FreeBSD RACK) */
	uint32_t tcp_sendmap_entries; /**< sendmap entries per worker (64 bytes each); 0 = auto:
				       *   8 per connection + 65536, at most 2^24 */
	uint32_t tcp_event_log_conns; /**< event log rings per worker: connections logged at
				       *   once (default 64); rings of closed connections are
				       *   reused least recently closed first */
	uint64_t lcore_mask;       /**< EAL lcores (bit n = lcore n, n < 64) that run this
				    *   stack's workers; 0 = every EAL lcore (default). Two stacks
				    *   in one process (an in-process port pair) use disjoint
				    *   masks. */
};

/** Fill @p conf with defaults and no ports. Any thread. */
void ft_stack_conf_init(struct ft_stack_conf *conf);

/**
 * Validate @p conf, open and start every port, create one worker per lcore of
 * conf->lcore_mask (every EAL lcore by default). Telemetry reports the first stack created.
 * Main thread, after rte_eal_init().
 * @return the stack, or NULL with rte_errno set (EINVAL: bad conf, see the log; ENODEV: a
 *         device could not be created or configured; ENOMEM).
 */
struct ft_stack *ft_stack_create(const struct ft_stack_conf *conf);

/**
 * Run the workers: the calling (main) lcore runs worker 0, other lcores the rest.
 * Blocks until ft_stack_stop(). Main thread.
 * @return 0, or -EINVAL if already running.
 */
int ft_stack_run(struct ft_stack *s);

/**
 * Start the workers without taking the calling thread: for a stack whose lcores do not
 * include the caller's (e.g. the second stack of an in-process pair). Main thread.
 * @return 0, or -EINVAL (already running, or the calling lcore is in the stack's set: use
 *         ft_stack_run()).
 */
int ft_stack_start(struct ft_stack *s);

/** Wait until the workers started by ft_stack_start() returned (after ft_stack_stop()). */
void ft_stack_wait(struct ft_stack *s);

/** Ask all workers to return from ft_stack_run(). Async-signal-safe; any thread. */
void ft_stack_stop(struct ft_stack *s);

/** Stop ports and free everything. Main thread, after ft_stack_run() returned. */
void ft_stack_destroy(struct ft_stack *s);

/**
 * Per-iteration hook, called on each worker once per loop after receive processing.
 * Runs on the worker; must not block. @p w is valid only during the call.
 */
typedef void ft_poll_fn(struct ft_worker *w, void *arg);

/** Install the poll hook. Main thread, before ft_stack_run(). @return 0 or -EINVAL. */
int ft_stack_set_poll(struct ft_stack *s, ft_poll_fn *fn, void *arg);

/** A function run on a worker on behalf of another thread (ft_worker_call()). */
typedef void ft_worker_fn(struct ft_worker *w, void *arg);

/**
 * Run @p fn(w, @p arg) on worker @p worker at its next loop iteration: the thread-safe way for
 * a non-worker thread (control, management, another worker) to act on connections, which are
 * owned by one worker and may only be touched there. Any thread; lock-free (a multi-producer
 * ring per worker); @p arg is owned by the caller until @p fn runs.
 * @return 0; -EINVAL (bad worker index or fn), -ENOBUFS (the worker's queue is full: retry).
 *         Calls queued before ft_stack_run() run when it starts.
 */
int ft_worker_call(struct ft_stack *s, unsigned int worker, ft_worker_fn *fn, void *arg);

/**
 * Drive worker @p worker from a thread the application owns, instead of ft_stack_start() or
 * ft_stack_run(): for polling several stacks' workers from one lcore (a client and a server
 * stack of one process sharing lcores). ft_worker_poll_begin() once on the polling thread
 * (RCU online; worker 0 announces its addresses), then ft_worker_poll() once per loop
 * iteration: receive (and software steering), hand-offs, TCP batch flush, the poll hook,
 * timers, housekeeping, TX flush, RCU quiescent state. It has no idle back-off: the caller's
 * loop decides how to idle. ft_worker_poll_end() on the same thread when done (flushes TX,
 * RCU offline). One thread drives a worker at a time; the stack counts as running (no
 * listen, no ft_stack_start()) from begin until an end. The stack's lcore_mask still sizes
 * the workers (and their NUMA placement), but nothing is launched on those lcores.
 * @return begin: 0 or -EINVAL (bad worker); poll: frames and calls taken in this iteration.
 */
int ft_worker_poll_begin(struct ft_stack *s, unsigned int worker);
unsigned int ft_worker_poll(struct ft_stack *s, unsigned int worker);
void ft_worker_poll_end(struct ft_stack *s, unsigned int worker);

/** Sum of all workers' counters. Any thread (counters may be mid-update). */
void ft_stack_stats_get(const struct ft_stack *s, struct ft_stats *out);

/** Number of workers. Any thread. */
unsigned int ft_stack_worker_count(const struct ft_stack *s);

/** Index of a worker, 0..ft_stack_worker_count()-1. Owning worker. */
unsigned int ft_worker_index(const struct ft_worker *w);

/** The stack of a worker. */
struct ft_stack *ft_worker_stack(const struct ft_worker *w);

/** Cached TSC of the current loop iteration. Owning worker. */
uint64_t ft_worker_now(const struct ft_worker *w);

/** Port ids (DPDK) of the stack's ports, index by configured order. -ENOENT if out of range. */
int ft_stack_port_id(const struct ft_stack *s, unsigned int idx);

struct rte_rcu_qsbr;

/**
 * The RCU variable the stack's workers report a quiescent state on once per loop iteration
 * (and are offline in while they sleep). An application whose worker callbacks read tables
 * that another thread updates (a FIB, a peer table) frees retired entries after a grace
 * period of this variable (rte_rcu_qsbr_dq_*, rte_rcu_qsbr_synchronize(); never from a
 * worker). Any thread; valid until ft_stack_destroy().
 */
struct rte_rcu_qsbr *ft_stack_qsbr(const struct ft_stack *s);

#ifdef __cplusplus
}
#endif

#endif /* FT_STACK_H */
