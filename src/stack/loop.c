/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop (ARCHITECTURE.md "The worker"): rx burst per port -> classify and process
 * (eth.c) -> calls handed over by other threads (core/handoff.c) -> application poll hook -> periodic housekeeping (ARP timers, reassembly expiry)
 * -> flush TX buffers once -> RCU quiescent state -> idle back-off.
 * ft_worker_poll() runs the same iteration, without the back-off, from an application's own
 * thread (several stacks' workers polled from one lcore).
 * Back-off: IDLE_PAUSE_US after the last packet the loop pauses, after IDLE_SLEEP_US it sleeps,
 * doubling up to idle_sleep_us; any received packet resets it. Sleeping is the only syscall
 * and only happens when there is no traffic, so a 2-core machine is not starved by idle
 * workers.
 */
#include <errno.h>

#include <rte_cycles.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>

#include "core/clock.h"
#include "core/handoff.h"
#include "net/arp.h"
#include "net/eth.h"
#include "net/ip4_reass.h"
#include "stack/stack.h"
#include "stack/steer.h"
#include "tcp/tcp.h"


#define TICK_MS 10
#define IDLE_PAUSE_US 20    /* busy-poll this long after the last packet, then pause */
#define IDLE_SLEEP_US 1000  /* sleep only after this long without a packet */

static uint16_t
poll_ports(struct ft_worker *w, const struct ft_stack *s)
{
	struct rte_mbuf *pkts[FT_RX_BURST];
	uint16_t total = 0;

	for (uint16_t i = 0; i < s->n_ports; i++) {
		uint16_t n = ft_port_rx(&s->ports[i], (uint16_t)w->idx, pkts, FT_RX_BURST);

		if (n == 0)
			continue;
		total += n;
		if (s->steered_ports & (1u << i))
			n = ft_steer_rx(s->steer, w, i, pkts, n);
		else if (s->steer != NULL)
			ft_steer_arp_copy(s->steer, w, pkts, n);
		if (n != 0)
			ft_eth_input_burst(w, i, pkts, n);
	}
	return total;
}

/* Frames other workers received for flows of this one (steer.h), by runs of one interface. */
static uint16_t
poll_steer(struct ft_worker *w, const struct ft_stack *s)
{
	struct rte_mbuf *pkts[FT_RX_BURST];
	uint16_t ifaces[FT_RX_BURST];
	uint16_t n, start = 0;

	if (s->steer == NULL)
		return 0;
	n = ft_steer_dequeue(s->steer, w, pkts, ifaces, FT_RX_BURST);
	for (uint16_t i = 1; i <= n; i++) {
		if (i < n && ifaces[i] == ifaces[start])
			continue;
		ft_eth_input_burst(w, ifaces[start], pkts + start, (uint16_t)(i - start));
		start = i;
	}
	return n;
}

static void
housekeeping(struct ft_worker *w)
{
	ft_arp_tick(w);
	ft_reass_expire(w->reass, w->now, &w->stats);
	w->next_tick = w->now + ft_clock_ms_to_tsc(TICK_MS);
}

static void
idle_backoff(struct ft_worker *w, const struct ft_stack *s, uint16_t received)
{
	uint64_t idle;
	uint32_t us;

	if (received != 0 || !s->conf.idle_backoff) {
		w->last_busy = w->now;
		w->idle_loops = 0;
		return;
	}
	/* By time, not loop count: a slow flow (a paced sender, a packet every few hundred
	 * microseconds) must not find the worker asleep and get its ACKs late. */
	idle = w->now - w->last_busy;
	if (idle < ft_clock_us_to_tsc(IDLE_PAUSE_US))
		return;
	if (idle < ft_clock_us_to_tsc(IDLE_SLEEP_US)) {
		rte_pause();
		return;
	}
	/* Sleep 1, 2, 4 ... us up to the configured ceiling. Offline in RCU meanwhile: a
	 * sleeping worker holds no table pointers and must not delay reclamation. */
	w->idle_loops++;
	us = 1u << RTE_MIN(w->idle_loops / 64, 16u);
	rte_rcu_qsbr_thread_offline(w->qsbr, w->idx);
	rte_delay_us_sleep(RTE_MIN(us, s->conf.idle_sleep_us));
	rte_rcu_qsbr_thread_online(w->qsbr, w->idx);
	w->stats.idle_sleeps++;
}

static void
flush_all(struct ft_worker *w)
{
	for (uint16_t i = 0; i < w->n_ifaces; i++)
		ft_txq_flush(w->txq[i], &w->stats);
}

static void
loop_enter(struct ft_worker *w, const struct ft_stack *s)
{
	rte_rcu_qsbr_thread_register(w->qsbr, w->idx);
	rte_rcu_qsbr_thread_online(w->qsbr, w->idx);
	w->now = rte_rdtsc();
	if (w->idx == 0 && s->conf.gratuitous_arp)
		for (uint16_t i = 0; i < w->n_ifaces; i++)
			ft_arp_announce(w, i);
}

static void
loop_leave(struct ft_worker *w)
{
	flush_all(w);
	rte_rcu_qsbr_thread_offline(w->qsbr, w->idx);
	rte_rcu_qsbr_thread_unregister(w->qsbr, w->idx);
}

/* One iteration without the idle back-off. @return the frames and calls it took in. */
static uint16_t
iterate(struct ft_worker *w, struct ft_stack *s)
{
	uint16_t n;

	w->now = rte_rdtsc();
	n = poll_ports(w, s);
	n += poll_steer(w, s);
	n += ft_handoff_drain(w->handoff, w, 256);
	if (w->tcp != NULL)
		ft_tcp_batch_flush(w);
	if (s->poll_fn != NULL)
		s->poll_fn(w, s->poll_arg);
	ft_tcp_timers_advance(w);
	if (w->now >= w->next_tick)
		housekeeping(w);
	flush_all(w);
	rte_rcu_qsbr_quiescent(w->qsbr, w->idx);
	return n;
}

int
ft_worker_loop(void *arg)
{
	struct ft_worker *w = arg;
	struct ft_stack *s = w->stack;

	loop_enter(w, s);
	while (!s->stop)
		idle_backoff(w, s, iterate(w, s));
	loop_leave(w);
	return 0;
}

int
ft_worker_poll_begin(struct ft_stack *s, unsigned int worker)
{
	if (s == NULL || worker >= s->n_workers || s->workers[worker] == NULL)
		return -EINVAL;
	s->running = true;
	loop_enter(s->workers[worker], s);
	return 0;
}

unsigned int
ft_worker_poll(struct ft_stack *s, unsigned int worker)
{
	return iterate(s->workers[worker], s);
}

void
ft_worker_poll_end(struct ft_stack *s, unsigned int worker)
{
	loop_leave(s->workers[worker]);
	s->running = false;
}
