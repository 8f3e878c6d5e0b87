/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Gateway counters: per-worker tables summed on read, DPDK telemetry commands, and the
 * summary printed at exit. Dictionary keys use [a-z0-9_] only.
 *
 *   /ovpn_gw/stats           totals: workers, peers (configured, connected, timed out), the
 *                            data channel's counters (ovpn_data_stats), the gateway's own
 *                            (GW_COUNTERS), control-thread events, drops_total
 *   /ovpn_gw/drops           every drop reason of the data channel (ovpn_drop_reason:
 *                            auth_fail, replay, no_peer ...) and of the gateway's stages
 *                            (GW_DROP_REASONS: control_unhandled ...), summed over workers
 *   /ovpn_gw/peers[,ID]      one dict per peer (static, or a connected TLS client),
 *                            "peer<ID>": name, addresses, state, traffic; with ID, that peer
 *                            only and with its drops by reason
 *
 * Telemetry callbacks take no user argument in DPDK 22.11, hence the file-level pointer (one
 * gateway per process). Counters are read with relaxed atomic loads (ovpn_ctr_read) while
 * workers update them: a snapshot a few packets old.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_telemetry.h>

#include "gw.h"

static struct gw *tel_gw;

static const char *const gw_drop_names[] = {
#define GW_X_NAME(e, n, d) n,
	GW_DROP_REASONS(GW_X_NAME)
#undef GW_X_NAME
};

const char *
gw_drop_reason_name(enum gw_drop_reason r)
{
	return (unsigned int)r < GW_DROP_MAX ? gw_drop_names[r] : "?";
}

/* The data-channel counters, as X(field) for summing and printing. */
#define DATA_COUNTERS(X) \
	X(rx_pkts) X(rx_bytes) X(rx_data) X(rx_ping) X(rx_exit) X(rx_float) X(rx_control) \
	X(rx_handoff) X(tx_pkts) X(tx_bytes) X(tx_handoff)

void
gw_stats_sum(const struct gw *gw, struct gw_stats *out, struct ovpn_data_stats *data)
{
	memset(out, 0, sizeof(*out));
	memset(data, 0, sizeof(*data));
	for (unsigned int i = 0; i < gw->n_workers; i++) {
		const struct gw_worker *gwk = gw->workers[i];
		struct ovpn_data_stats d;

		if (gwk == NULL)
			continue;
#define GW_X_SUM(f, desc) out->f += ovpn_ctr_read(&gwk->stats.f);
		GW_COUNTERS(GW_X_SUM)
#undef GW_X_SUM
		for (int r = 0; r < GW_DROP_MAX; r++)
			out->drops[r] += ovpn_ctr_read(&gwk->stats.drops[r]);
		ovpn_data_stats_read(gwk->data, &d);
#define DATA_X_SUM(f) data->f += d.f;
		DATA_COUNTERS(DATA_X_SUM)
#undef DATA_X_SUM
		for (int r = 0; r < OVPN_DROP_MAX; r++)
			data->drops[r] += d.drops[r];
	}
}

static uint64_t
drops_total(const struct gw_stats *st, const struct ovpn_data_stats *d)
{
	uint64_t n = 0;

	for (int r = 0; r < GW_DROP_MAX; r++)
		n += st->drops[r];
	for (int r = 0; r < OVPN_DROP_MAX; r++)
		n += d->drops[r];
	return n;
}

/* Caller holds pinfo_lock. */
static void
peer_counts(const struct gw *gw, uint64_t *live, uint64_t *connected, uint64_t *timed_out)
{
	*live = *connected = *timed_out = 0;
	for (uint32_t i = 0; i < gw_peer_count(gw); i++) {
		if (gw->pinfo[i].peer == NULL)
			continue; /* free slot */
		(*live)++;
		*connected += ovpn_peer_transport(gw->pinfo[i].peer).addr != 0;
		*timed_out += gw->pinfo[i].timed_out;
	}
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct gw *gw = tel_gw;
	struct ovpn_data_stats ds;
	struct gw_stats st;
	uint64_t live, conn, dead;

	if (gw == NULL)
		return -ENODEV;
	gw_stats_sum(gw, &st, &ds);
	pthread_mutex_lock(&gw->pinfo_lock);
	peer_counts(gw, &live, &conn, &dead);
	pthread_mutex_unlock(&gw->pinfo_lock);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "workers", gw->n_workers);
	rte_tel_data_add_dict_u64(d, "peers", live);
	rte_tel_data_add_dict_u64(d, "peers_connected", conn);
	rte_tel_data_add_dict_u64(d, "peers_timed_out", dead);
	rte_tel_data_add_dict_u64(d, "peer_timeouts", ovpn_ctr_read(&gw->peer_timeouts));
	rte_tel_data_add_dict_u64(d, "peer_address_changes", ovpn_ctr_read(&gw->peer_floats));
	rte_tel_data_add_dict_u64(d, "peer_exits", ovpn_ctr_read(&gw->peer_exits));
	rte_tel_data_add_dict_u64(d, "peers_removed", ovpn_ctr_read(&gw->peers_removed));
	rte_tel_data_add_dict_u64(d, "status_writes", ovpn_ctr_read(&gw->status_writes));
#define DATA_X_TEL(f) rte_tel_data_add_dict_u64(d, #f, ds.f);
	DATA_COUNTERS(DATA_X_TEL)
#undef DATA_X_TEL
#define GW_X_TEL(f, desc) rte_tel_data_add_dict_u64(d, #f, st.f);
	GW_COUNTERS(GW_X_TEL)
#undef GW_X_TEL
	rte_tel_data_add_dict_u64(d, "drops_total", drops_total(&st, &ds));
	return 0;
}

static int
tel_drops(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct ovpn_data_stats ds;
	struct gw_stats st;

	if (tel_gw == NULL)
		return -ENODEV;
	gw_stats_sum(tel_gw, &st, &ds);
	rte_tel_data_start_dict(d);
	for (int r = 0; r < OVPN_DROP_MAX; r++)
		rte_tel_data_add_dict_u64(d, ovpn_drop_reason_name(r), ds.drops[r]);
	for (int r = 0; r < GW_DROP_MAX; r++)
		rte_tel_data_add_dict_u64(d, gw_drop_reason_name(r), st.drops[r]);
	gw_server_tel(tel_gw, d); /* the control channel's, with a `server` group */
	return 0;
}

static struct rte_tel_data *
peer_dict(const struct gw_peer_info *pi, uint64_t now_s, bool detail)
{
	struct rte_tel_data *d = rte_tel_data_alloc();
	struct ft_endpoint4 ep = ovpn_peer_transport(pi->peer);
	char a[FT_IP4_STRLEN], r[32];
	struct ovpn_peer_stats st;
	uint64_t drops = 0, rx_s;

	if (d == NULL)
		return NULL;
	ovpn_peer_stats_read(pi->peer, &st);
	for (int k = 0; k < OVPN_DROP_MAX; k++)
		drops += st.drops[k];
	rx_s = ovpn_ctr_read(&pi->peer->last_rx_s);
	snprintf(r, sizeof(r), "%s:%u", ft_ip4_format(ep.addr, a, sizeof(a)), ep.port);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", pi->conf->name);
	rte_tel_data_add_dict_u64(d, "peer_id", pi->peer->id);
	rte_tel_data_add_dict_string(d, "vpn_address",
				     ft_ip4_format(pi->conf->vpn_ip4, a, sizeof(a)));
	rte_tel_data_add_dict_string(d, "remote", ep.addr != 0 ? r : "");
	rte_tel_data_add_dict_string(d, "cipher", ft_aead_alg_name(pi->conf->alg));
	rte_tel_data_add_dict_u64(d, "owner", pi->peer->owner);
	rte_tel_data_add_dict_u64(d, "timed_out", pi->timed_out);
	rte_tel_data_add_dict_u64(d, "exited", pi->exited);
	rte_tel_data_add_dict_u64(d, "rekeys", ovpn_ctr_read(&pi->rekeys));
	rte_tel_data_add_dict_u64(d, "idle_s", now_s > rx_s ? now_s - rx_s : 0);
	rte_tel_data_add_dict_u64(d, "rx_pkts", st.rx_pkts);
	rte_tel_data_add_dict_u64(d, "rx_bytes", st.rx_bytes);
	rte_tel_data_add_dict_u64(d, "tx_pkts", st.tx_pkts);
	rte_tel_data_add_dict_u64(d, "tx_bytes", st.tx_bytes);
	rte_tel_data_add_dict_u64(d, "drops", drops);
	for (int k = 0; detail && k < OVPN_DROP_MAX; k++)
		rte_tel_data_add_dict_u64(d, ovpn_drop_reason_name(k), st.drops[k]);
	return d;
}

/* Parameter: a peer-id, or nothing for every peer (the first 64: output size limit). The
 * slots are read under pinfo_lock: a TLS client's peer cannot be removed meanwhile. */
static int
tel_peers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct gw *gw = tel_gw;
	uint64_t now_s;
	bool one = params != NULL && params[0] != '\0';
	unsigned long id = one ? strtoul(params, NULL, 10) : 0;
	unsigned int shown = 0;
	char key[24];
	int rc = 0;

	if (gw == NULL)
		return -ENODEV;
	now_s = gw_now_s(gw, rte_rdtsc());
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&gw->pinfo_lock);
	for (uint32_t i = 0; rc == 0 && i < gw_peer_count(gw) && shown < 64; i++) {
		const struct gw_peer_info *pi = &gw->pinfo[i];
		struct rte_tel_data *pd;

		if (pi->peer == NULL || (one && pi->peer->id != id))
			continue;
		pd = peer_dict(pi, now_s, one);
		if (pd == NULL) {
			rc = -ENOMEM;
			break;
		}
		snprintf(key, sizeof(key), "peer%u", pi->peer->id);
		rte_tel_data_add_dict_container(d, key, pd, 0);
		shown++;
	}
	pthread_mutex_unlock(&gw->pinfo_lock);
	return rc;
}

int
gw_telemetry_register(struct gw *gw)
{
	int rc;

	tel_gw = gw;
	rc = rte_telemetry_register_cmd("/ovpn_gw/stats", tel_stats,
					"dpdk-ovpn-gw totals: peers, data channel, gateway stages");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/ovpn_gw/drops", tel_drops,
						"dpdk-ovpn-gw drops by reason (data channel and "
						"gateway)");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/ovpn_gw/peers", tel_peers,
						"Peers: state and traffic. Parameters: "
						"[peer-id] (with drops by reason)");
	if (rc < 0)
		GW_LOG(WARNING, "telemetry registration failed: %d", rc);
	return 0; /* telemetry is optional (EAL may run with --no-telemetry) */
}

void
gw_telemetry_unregister(void)
{
	tel_gw = NULL;
}

void
gw_print_summary(const struct gw *gw, FILE *f)
{
	struct ovpn_data_stats ds;
	struct gw_stats st;

	gw_stats_sum(gw, &st, &ds);
	fprintf(f, "gateway counters:\n");
#define DATA_X_PRINT(x) \
	if (ds.x != 0) \
		fprintf(f, "  %-20s %" PRIu64 "\n", #x, ds.x);
	DATA_COUNTERS(DATA_X_PRINT)
#undef DATA_X_PRINT
#define GW_X_PRINT(x, desc) \
	if (st.x != 0) \
		fprintf(f, "  %-20s %" PRIu64 "\n", #x, st.x);
	GW_COUNTERS(GW_X_PRINT)
#undef GW_X_PRINT
	fprintf(f, "  %-20s %" PRIu64 "\n", "peer_timeouts", ovpn_ctr_read(&gw->peer_timeouts));
	fprintf(f, "  %-20s %" PRIu64 "\n", "peers_removed", ovpn_ctr_read(&gw->peers_removed));
	for (int r = 0; r < OVPN_DROP_MAX; r++)
		if (ds.drops[r] != 0)
			fprintf(f, "  drop %-15s %" PRIu64 "\n", ovpn_drop_reason_name(r),
				ds.drops[r]);
	for (int r = 0; r < GW_DROP_MAX; r++)
		if (st.drops[r] != 0)
			fprintf(f, "  drop %-15s %" PRIu64 "\n", gw_drop_reason_name(r),
				st.drops[r]);
	for (uint32_t i = 0; i < gw_peer_count(gw); i++) {
		struct ovpn_peer_stats ps;

		if (gw->pinfo[i].peer == NULL)
			continue; /* free slot */
		ovpn_peer_stats_read(gw->pinfo[i].peer, &ps);
		fprintf(f, "  peer %u (%s): rx %" PRIu64 " pkts %" PRIu64 " bytes, tx %" PRIu64
			" pkts %" PRIu64 " bytes\n", gw->pinfo[i].peer->id, gw->pinfo[i].conf->name,
			ps.rx_pkts, ps.rx_bytes, ps.tx_pkts, ps.tx_bytes);
	}
}
