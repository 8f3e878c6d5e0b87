/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's control thread (ARCHITECTURE.md "The control thread"; rte_ctrl_thread_create,
 * not an EAL lcore): it applies what the workers report through the event ring, watches the
 * peers' keepalive timeouts, rewrites the status file every status_interval_s, and reclaims
 * objects retired through RCU. With a `server` group it also runs the control channel
 * (session.c: control packets from the workers' ctrl_rx ring, replies through worker 0).
 * Workers never wait for it.
 *
 *   float  an authenticated packet came from a new source address (peer.h float check, done
 *          only after the tag verified, openvpn-protocol.md §9.1/§9.2): a static peer with no
 *          configured remote learns its address this way, and any peer may float. Only this
 *          thread may change a peer's transport address (ovpn_peer_set_transport()).
 *   exit   the peer sent OCC EXIT (§6.5): logged and counted. A TLS client's peer is removed
 *          at once with its session (gw_server_peer_gone(), client_peer.c); a static peer
 *          leaves the status file's client list until it is heard from again.
 *   timeout  nothing authenticated from a peer with a known address for its keepalive timeout
 *          (ping-restart): counted. A TLS client's peer is removed with its session (OpenVPN
 *          ends the client instance); a static peer is logged and marked, not deleted, and the
 *          mark clears when it is heard from again.
 *
 * The loop wakes every millisecond: an address learned from a client's first packet must be
 * in place before the reply to that packet comes back from the LAN, typically a few hundred
 * microseconds later (until then replies are dropped as no_peer).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "gw.h"

#define CTRL_PERIOD_US 1000
#define EVENTS_PER_WAKE 64

static struct gw_peer_info *
info_by_id(struct gw *gw, uint32_t id)
{
	for (uint32_t i = 0; i < gw_peer_count(gw); i++)
		if (gw->pinfo[i].peer != NULL && gw->pinfo[i].peer->id == id)
			return &gw->pinfo[i];
	return NULL;
}

/* A TLS client's peer (not a static one): removed on timeout and exit. */
static bool
is_client(const struct gw *gw, const struct gw_peer_info *pi)
{
	return gw->srv != NULL && pi >= &gw->pinfo[gw->cfg->n_peers];
}

static char *
ep_format(const struct ft_endpoint4 *ep, char *buf, size_t len)
{
	char a[FT_IP4_STRLEN];

	snprintf(buf, len, "%s:%u", ft_ip4_format(ep->addr, a, sizeof(a)), ep->port);
	return buf;
}

static void
apply_float(struct gw *gw, struct gw_peer_info *pi, const struct gw_event *ev)
{
	struct ft_endpoint4 ep = ovpn_endpoint_unpack(ev->ep);
	struct ft_endpoint4 old = ovpn_peer_transport(pi->peer);
	char a[32], b[32];
	int rc;

	if (ovpn_endpoint_pack(&old) == ev->ep)
		return; /* reported again by a second worker or burst: already applied */
	rc = ovpn_peer_set_transport(gw->peers, pi->peer, &ep);
	if (rc < 0) {
		GW_LOG(WARNING, "peer %u (%s): address %s refused: %s", pi->peer->id,
		       pi->conf->name, ep_format(&ep, a, sizeof(a)), ft_strerror(rc));
		return;
	}
	ovpn_ctr_add(&gw->peer_floats, 1);
	if (old.addr == 0) {
		pi->connected_wall = time(NULL);
		GW_LOG(NOTICE, "peer %u (%s): address learned: %s", pi->peer->id, pi->conf->name,
		       ep_format(&ep, a, sizeof(a)));
	} else {
		GW_LOG(NOTICE, "peer %u (%s): address changed: %s -> %s", pi->peer->id,
		       pi->conf->name, ep_format(&old, b, sizeof(b)), ep_format(&ep, a, sizeof(a)));
	}
}

/* A TLS client's OCC EXIT counts only from its current address: a peer-id freed and given to
 * a new client since the worker posted the event must not end that one. */
static bool
exit_applies(const struct gw *gw, const struct gw_peer_info *pi, const struct gw_event *ev)
{
	struct ft_endpoint4 ep = ovpn_peer_transport(pi->peer);

	return !is_client(gw, pi) || ovpn_endpoint_pack(&ep) == ev->ep;
}

static void
drain_events(struct gw *gw)
{
	struct gw_event ev[EVENTS_PER_WAKE];
	unsigned int n = rte_ring_sc_dequeue_burst_elem(gw->events, ev, sizeof(ev[0]),
							 EVENTS_PER_WAKE, NULL);

	for (unsigned int i = 0; i < n; i++) {
		struct gw_peer_info *pi = info_by_id(gw, ev[i].peer_id);

		if (pi == NULL)
			continue; /* unknown, or removed since the worker posted it */
		if (ev[i].type == GW_EV_FLOAT) {
			apply_float(gw, pi, &ev[i]);
		} else if (ev[i].type == GW_EV_EXIT && !pi->exited &&
			   exit_applies(gw, pi, &ev[i])) {
			pi->exited = true;
			pi->exit_rx_s = ovpn_ctr_read(&pi->peer->last_rx_s);
			ovpn_ctr_add(&gw->peer_exits, 1);
			GW_LOG(NOTICE, "peer %u (%s): explicit exit (OCC EXIT)", pi->peer->id,
			       pi->conf->name);
			if (is_client(gw, pi))
				gw_server_peer_gone(gw->srv, pi, "explicit exit (OCC EXIT)");
		}
	}
}

static void
check_timeouts(struct gw *gw, uint64_t now_s)
{
	for (uint32_t i = 0; i < gw_peer_count(gw); i++) {
		struct gw_peer_info *pi = &gw->pinfo[i];
		bool dead;

		if (pi->peer == NULL || ovpn_peer_transport(pi->peer).addr == 0)
			continue; /* free slot, or never connected: nothing to time out */
		if (pi->exited && ovpn_ctr_read(&pi->peer->last_rx_s) > pi->exit_rx_s) {
			pi->exited = false;
			GW_LOG(NOTICE, "peer %u (%s): back after its exit", pi->peer->id,
			       pi->conf->name);
		}
		dead = ovpn_peer_timed_out(pi->peer, now_s);
		if (dead && is_client(gw, pi)) {
			ovpn_ctr_add(&gw->peer_timeouts, 1);
			gw_server_peer_gone(gw->srv, pi, "ping-restart: nothing received in time");
		} else if (dead && !pi->timed_out) {
			pi->timed_out = true;
			ovpn_ctr_add(&gw->peer_timeouts, 1);
			GW_LOG(WARNING, "peer %u (%s): timed out, nothing received for %u s",
			       pi->peer->id, pi->conf->name, gw->cfg->keepalive_timeout_s);
		} else if (!dead && pi->timed_out) {
			pi->timed_out = false;
			pi->exited = false;
			GW_LOG(NOTICE, "peer %u (%s): heard from again", pi->peer->id,
			       pi->conf->name);
		}
	}
}

static void *
ctrl_main(void *arg)
{
	struct gw *gw = arg;
	const char *status = gw->cfg->status_file;
	uint64_t next_sec = 0, next_status = 0;

	while (!gw->ctrl_stop) {
		uint64_t now_s = gw_now_s(gw, rte_rdtsc());

		drain_events(gw);
		gw_server_poll(gw); /* control packets, when a `server` group exists */
		if (now_s >= next_sec) {
			check_timeouts(gw, now_s);
			ovpn_rcu_reclaim(&gw->rcu);
			next_sec = now_s + 1;
		}
		if (status[0] != '\0' && now_s >= next_status) {
			if (gw_status_write(gw, status) < 0)
				GW_LOG(WARNING, "status file %s: %s", status, strerror(errno));
			next_status = now_s + gw->cfg->status_interval_s;
		}
		rte_delay_us_sleep(CTRL_PERIOD_US);
	}
	return NULL;
}

int
gw_ctrl_start(struct gw *gw)
{
	int rc;

	gw->ctrl_stop = false;
	rc = rte_ctrl_thread_create(&gw->ctrl, "ovpngw-ctrl", NULL, ctrl_main, gw);
	if (rc != 0) {
		GW_LOG(ERR, "cannot start the control thread: %s", strerror(rc));
		return -rc;
	}
	gw->ctrl_running = true;
	return 0;
}

void
gw_ctrl_stop(struct gw *gw)
{
	if (!gw->ctrl_running)
		return;
	gw->ctrl_stop = true;
	pthread_join(gw->ctrl, NULL);
	gw->ctrl_running = false;
	drain_events(gw);
	if (gw->cfg->status_file[0] != '\0' && gw_status_write(gw, gw->cfg->status_file) < 0)
		GW_LOG(WARNING, "status file %s: %s", gw->cfg->status_file, strerror(errno));
}
