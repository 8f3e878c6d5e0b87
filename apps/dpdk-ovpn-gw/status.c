/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OpenVPN status file, in the format of `--status FILE --status-version 2` as OpenVPN
 * 2.6 writes it (multi.c multi_print_status()), so that existing parsers and monitoring read
 * it unchanged:
 *
 *   TITLE,<title>
 *   TIME,<YYYY-MM-DD HH:MM:SS>,<time_t>
 *   HEADER,CLIENT_LIST,Common Name,Real Address,Virtual Address,Virtual IPv6 Address,
 *          Bytes Received,Bytes Sent,Connected Since,Connected Since (time_t),Username,
 *          Client ID,Peer ID,Data Channel Cipher                     (one line in the file)
 *   CLIENT_LIST,<name>,<ip:port>,<vpn ip>,,<rx bytes>,<tx bytes>,<since>,<since t>,UNDEF,
 *          <client id>,<peer id>,<cipher>
 *   HEADER,ROUTING_TABLE,Virtual Address,Common Name,Real Address,Last Ref,Last Ref (time_t)
 *   ROUTING_TABLE,<vpn ip or network/len>,<name>,<ip:port>,<last ref>,<last ref t>
 *   GLOBAL_STATS,Max bcast/mcast queue length,0
 *   GLOBAL_STATS,dco_enabled,1
 *   END
 *
 * A client is listed while its address is known and it has neither timed out nor exited
 * (what OpenVPN lists as connected instances). Bytes are link bytes (UDP payload), as
 * OpenVPN's link_read_bytes/link_write_bytes; Username is UNDEF (no user/pass: static keys);
 * Client ID is the management client id, here the peer-id; Last Ref is the last authenticated
 * packet. "dco_enabled" is 1: the data channel runs outside the control process, as with DCO.
 * The file is written to FILE.tmp and renamed over FILE, so readers never see half a file.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "gw.h"

static const char *
time_str(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "?");
	return buf;
}

static bool
listed(const struct gw_peer_info *pi)
{
	return pi->peer != NULL && ovpn_peer_transport(pi->peer).addr != 0 && !pi->timed_out &&
	       !pi->exited;
}

static void
client_line(FILE *f, const struct gw_peer_info *pi, const char *real)
{
	const struct gw_peer_conf *pc = pi->conf;
	struct ovpn_peer_stats st;
	char vpn[FT_IP4_STRLEN], since[32];

	ovpn_peer_stats_read(pi->peer, &st);
	fprintf(f, "CLIENT_LIST,%s,%s,%s,,%" PRIu64 ",%" PRIu64 ",%s,%u,UNDEF,%u,%u,%s\n",
		pc->name, real, ft_ip4_format(pc->vpn_ip4, vpn, sizeof(vpn)), st.rx_bytes,
		st.tx_bytes, time_str(pi->connected_wall, since, sizeof(since)),
		(unsigned int)pi->connected_wall, pc->id, pc->id, ft_aead_alg_name(pc->alg));
}

static void
route_lines(FILE *f, const struct gw_peer_info *pi, const char *real, uint64_t now_s,
	    time_t now_wall)
{
	const struct gw_peer_conf *pc = pi->conf;
	uint64_t rx_s = ovpn_ctr_read(&pi->peer->last_rx_s);
	time_t ref = now_wall - (time_t)(now_s > rx_s ? now_s - rx_s : 0);
	char a[FT_IP4_STRLEN], t[32];

	time_str(ref, t, sizeof(t));
	fprintf(f, "ROUTING_TABLE,%s,%s,%s,%s,%u\n", ft_ip4_format(pc->vpn_ip4, a, sizeof(a)),
		pc->name, real, t, (unsigned int)ref);
	for (uint8_t k = 0; k < pc->n_iroutes; k++)
		fprintf(f, "ROUTING_TABLE,%s/%u,%s,%s,%s,%u\n",
			ft_ip4_format(pc->iroutes[k].addr, a, sizeof(a)), pc->iroutes[k].len,
			pc->name, real, t, (unsigned int)ref);
}

static void
real_address(const struct gw_peer_info *pi, char *buf, size_t len)
{
	struct ft_endpoint4 ep = ovpn_peer_transport(pi->peer);
	char a[FT_IP4_STRLEN];

	snprintf(buf, len, "%s:%u", ft_ip4_format(ep.addr, a, sizeof(a)), ep.port);
}

static void
write_body(FILE *f, const struct gw *gw)
{
	uint64_t now_s = gw_now_s(gw, rte_rdtsc());
	time_t now = time(NULL);
	char t[32], real[32];
	uint32_t n = gw_peer_count(gw);

	fprintf(f, "TITLE,dpdk-ovpn-gw\n");
	fprintf(f, "TIME,%s,%u\n", time_str(now, t, sizeof(t)), (unsigned int)now);
	fprintf(f, "HEADER,CLIENT_LIST,Common Name,Real Address,Virtual Address,"
		"Virtual IPv6 Address,Bytes Received,Bytes Sent,Connected Since,"
		"Connected Since (time_t),Username,Client ID,Peer ID,Data Channel Cipher\n");
	for (uint32_t i = 0; i < n; i++)
		if (listed(&gw->pinfo[i])) {
			real_address(&gw->pinfo[i], real, sizeof(real));
			client_line(f, &gw->pinfo[i], real);
		}
	fprintf(f, "HEADER,ROUTING_TABLE,Virtual Address,Common Name,Real Address,Last Ref,"
		"Last Ref (time_t)\n");
	for (uint32_t i = 0; i < n; i++)
		if (listed(&gw->pinfo[i])) {
			real_address(&gw->pinfo[i], real, sizeof(real));
			route_lines(f, &gw->pinfo[i], real, now_s, now);
		}
	fprintf(f, "GLOBAL_STATS,Max bcast/mcast queue length,0\n");
	fprintf(f, "GLOBAL_STATS,dco_enabled,1\n");
	fprintf(f, "END\n");
}

int
gw_status_write(struct gw *gw, const char *path)
{
	char tmp[GW_PATH_LEN + 8];
	FILE *f;
	int rc;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL)
		return -errno;
	write_body(f, gw);
	rc = ferror(f) ? -EIO : 0;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		errno = -rc;
		return rc;
	}
	ovpn_ctr_add(&gw->status_writes, 1);
	return 0;
}
