/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `stack` section of an app config file -> struct ft_stack_conf. The schema is the
 * tables below (allowed keys, integer ranges, per-type port keys); stack defaults come only
 * from ft_stack_conf_init() and port defaults only from port_defaults. Validation is limited
 * to what a file can get wrong on its own: whether a device exists, or a queue count fits
 * the NIC, is checked by ft_stack_create(). Address rules follow RFC 1122 §3.2.1.3 (no
 * 0/8, loopback, broadcast or multicast interface addresses) and RFC 3021 (/31 and /32
 * subnets have no network or broadcast address).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "stack_conf.h"

/* Linux IFNAMSIZ - 1: what net_tap's iface= accepts. */
#define IFNAME_MAX 15

static const char *const stack_keys[] = {
	"mbufs", "idle_backoff", "idle_sleep_us", "gratuitous_arp",
	"arp", "reassembly", "icmp", "tcp", "ports", NULL
};

#define SC(m) APP_CONF_FIELD(struct ft_stack_conf, m)

static const struct app_conf_uint stack_uints[] = {
	{ "mbufs", 1023, 4194303, false, SC(n_mbufs) },
	{ "idle_sleep_us", 1, 100000, false, SC(idle_sleep_us) },
};

static const char *const arp_keys[] = {
	"entries", "timeout_ms", "queue_len", "retry_ms", "retries", NULL
};

static const struct app_conf_uint arp_uints[] = {
	{ "entries", 16, 1048576, true, SC(arp_entries) },
	{ "timeout_ms", 1000, 3600000, false, SC(arp_timeout_ms) },
	{ "queue_len", 1, 256, false, SC(arp_queue_len) },
	{ "retry_ms", 10, 60000, false, SC(arp_retry_ms) },
	{ "retries", 1, 20, false, SC(arp_retries) },
};

static const char *const reass_keys[] = {
	"max_datagrams", "max_fragments", "timeout_ms", NULL
};

static const struct app_conf_uint reass_uints[] = {
	{ "max_datagrams", 1, 65536, false, SC(reass_max) },
	{ "max_fragments", 2, 1024, false, SC(reass_max_frags) },
	{ "timeout_ms", 100, 120000, false, SC(reass_timeout_ms) },
};

static const char *const icmp_keys[] = { "rate", "burst", NULL };

static const struct app_conf_uint icmp_uints[] = {
	{ "rate", 0, 1000000, false, SC(icmp_rate) }, /* 0 = unlimited */
	{ "burst", 1, 100000, false, SC(icmp_burst) },
};

static const char *const tcp_keys[] = {
	"max_conns", "sndbuf", "rcvbuf", "rcvbuf_max", "syn_backlog", "time_wait_ms", "delack_ms",
	"min_rto_ms", "event_log", "event_log_conns", "cc", "max_burst", "rack_rapid_recovery",
	"sendmap_entries", "ack_batching", NULL
};

static const struct app_conf_uint tcp_uints[] = {
	{ "max_conns", 0, 4194304, false, SC(tcp_max_conns) }, /* 0 = TCP off */
	{ "sndbuf", 4096, 1u << 30, false, SC(tcp_sndbuf) },
	{ "rcvbuf", 4096, 1u << 30, false, SC(tcp_rcvbuf) },
	{ "rcvbuf_max", 4096, 1u << 30, false, SC(tcp_rcvbuf_max) },
	{ "syn_backlog", 1, 1048576, false, SC(tcp_syn_backlog) },
	{ "time_wait_ms", 0, 240000, false, SC(tcp_time_wait_ms) },
	{ "delack_ms", 1, 500, false, SC(tcp_delack_ms) }, /* RFC 9293 §3.8.6.3: < 0.5 s */
	{ "min_rto_ms", 1, 60000, false, SC(tcp_min_rto_ms) },
	/* records per logged connection, 0 = off; the stack takes 16..1048576 (tcp/evlog.h) */
	{ "event_log", 0, 1048576, false, SC(tcp_event_log) },
	{ "event_log_conns", 1, 65536, false, SC(tcp_event_log_conns) },
	{ "max_burst", 1, 1024, false, SC(tcp_max_burst) },
	{ "sendmap_entries", 0, 1u << 26, false, SC(tcp_sendmap_entries) }, /* 0 = auto */
};

static const char *const cc_names[] = { "cubic", "newreno", NULL };

/* The non-integer keys of the tcp group: cc (a choice), rack_rapid_recovery, ack_batching. */
static int
read_tcp_extras(struct app_conf *c, const config_setting_t *grp, struct ft_stack_conf *out)
{
	const config_setting_t *tcp = config_setting_get_member(grp, "tcp");
	unsigned int cc;
	int rc;

	if (tcp == NULL)
		return 0;
	rc = app_conf_get_bool(c, tcp, "rack_rapid_recovery", &out->tcp_rrr);
	if (rc == 0)
		rc = app_conf_get_bool(c, tcp, "ack_batching", &out->tcp_ack_batching);
	if (rc < 0 || config_setting_get_member(tcp, "cc") == NULL)
		return rc;
	rc = app_conf_get_choice(c, tcp, "cc", cc_names, &cc);
	if (rc == 0)
		snprintf(out->tcp_cc, sizeof(out->tcp_cc), "%s", cc_names[cc]);
	return rc;
}

/* Sub-groups of `stack` that hold only integers. */
static const struct section {
	const char *key;
	const char *const *keys;
	const struct app_conf_uint *uints;
	size_t n_uints;
} sections[] = {
	{ "arp", arp_keys, arp_uints, RTE_DIM(arp_uints) },
	{ "reassembly", reass_keys, reass_uints, RTE_DIM(reass_uints) },
	{ "icmp", icmp_keys, icmp_uints, RTE_DIM(icmp_uints) },
	{ "tcp", tcp_keys, tcp_uints, RTE_DIM(tcp_uints) },
};

/* Keys only some port types accept; port_types[] says which. */
#define TYPE_KEYS "iface", "pci", "socket", "role", "path", "pair", "side"

static const char *const port_keys[] = {
	"name", "type", "address", "gateway", "mac", "mtu", "rx_desc", "tx_desc", "impair", "tso",
	TYPE_KEYS, NULL
};

static const char *const type_keys[] = { TYPE_KEYS, NULL };

static const char *const port_required[] = { "name", "type", "address", NULL };

#define PC(m) APP_CONF_FIELD(struct ft_port_conf, m)

static const struct app_conf_uint port_uints[] = {
	{ "mtu", 576, 9000, false, PC(mtu) },
	{ "rx_desc", 64, 16384, true, PC(rx_desc) },
	{ "tx_desc", 64, 16384, true, PC(tx_desc) },
	{ "side", 0, 1, false, PC(ring_side) }, /* ring only, see port_types[] */
};

/*
 * The one place port defaults live: ft_stack.h has no per-port initialiser. Fields not
 * named here default to zero (memif client, ring side 0, no gateway, device MAC).
 */
static const struct ft_port_conf port_defaults = {
	.rx_desc = 1024,
	.tx_desc = 1024,
	.mtu = 1500,
};

static const char *const type_names[] = {
	[FT_PORT_TAP] = "tap",
	[FT_PORT_PCI] = "pci",
	[FT_PORT_MEMIF] = "memif",
	[FT_PORT_VIRTIO_USER] = "virtio_user",
	[FT_PORT_VHOST] = "vhost",
	[FT_PORT_RING] = "ring",
	[FT_PORT_RING + 1] = NULL,
};

enum dev_kind { DEV_IFNAME, DEV_PCI, DEV_PATH, DEV_TOKEN };

/* Per type: the required key that becomes ft_port_conf.dev, and an optional extra key. */
static const struct port_type {
	const char *dev_key;
	enum dev_kind dev_kind;
	const char *opt_key;
} port_types[] = {
	[FT_PORT_TAP] = { "iface", DEV_IFNAME, NULL },
	[FT_PORT_PCI] = { "pci", DEV_PCI, NULL },
	[FT_PORT_MEMIF] = { "socket", DEV_PATH, "role" },
	[FT_PORT_VIRTIO_USER] = { "path", DEV_PATH, NULL },
	[FT_PORT_VHOST] = { "path", DEV_PATH, NULL },
	[FT_PORT_RING] = { "pair", DEV_TOKEN, "side" },
};

static const char *const memif_roles[] = { "client", "server", NULL };

/* The `impair` group of a ring port (struct ft_impair_conf): percentages and integers. */
static const char *const impair_keys[] = {
	"loss", "burst_p", "burst_r", "burst_h", "reorder", "reorder_gap", "reorder_max_us",
	"dup", "delay_us", "jitter_us", "rate_kbps", "rate_queue", "queue_len", "seed", NULL
};

#define IC(m) offsetof(struct ft_impair_conf, m)

static const struct {
	const char *key;
	size_t offset; /* of a uint32_t in parts per million */
} impair_pcts[] = {
	{ "loss", IC(loss_ppm) }, { "burst_p", IC(burst_p_ppm) }, { "burst_r", IC(burst_r_ppm) },
	{ "burst_h", IC(burst_h_ppm) }, { "reorder", IC(reorder_ppm) }, { "dup", IC(dup_ppm) },
};

#define ICF(m) APP_CONF_FIELD(struct ft_impair_conf, m)

static const struct app_conf_uint impair_uints[] = {
	{ "reorder_gap", 1, 1000, false, ICF(reorder_gap) },
	{ "reorder_max_us", 1, 10000000, false, ICF(reorder_max_us) },
	{ "delay_us", 0, 10000000, false, ICF(delay_us) },
	{ "jitter_us", 0, 10000000, false, ICF(jitter_us) },
	{ "rate_queue", 1, 1048576, false, ICF(rate_queue) },
	{ "queue_len", 1, 4194304, false, ICF(queue_len) },
};

/* The string value of @p p's member @p key, which the caller has already type-checked. */
static const char *
str_of(const config_setting_t *p, const char *key)
{
	return config_setting_get_string(config_setting_get_member(p, key));
}

/* 1..31 characters of [A-Za-z0-9_-]: safe in logs, telemetry and DPDK object names. */
static bool
is_token(const char *s)
{
	if (*s == '\0' || strlen(s) >= FT_PORT_NAME_LEN)
		return false;
	for (; *s != '\0'; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && *s != '_' && *s != '-')
			return false;
	return true;
}

/* Linux dev_valid_name() (not "." or "..", no '/', ':' or space), and ASCII only. */
static bool
is_ifname(const char *s)
{
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; *s != '\0'; s++)
		if (*s == '/' || *s == ':' || *s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

/* Exactly @p n hex digits at *s, at most @p max; advances *s. */
static bool
hex_field(const char **s, int n, unsigned int max)
{
	unsigned int v = 0;
	unsigned int d;

	for (int i = 0; i < n; i++, (*s)++) {
		char ch = (char)(**s | 0x20);

		if (**s >= '0' && **s <= '9')
			d = (unsigned int)(**s - '0');
		else if (ch >= 'a' && ch <= 'f')
			d = (unsigned int)(ch - 'a' + 10);
		else
			return false;
		v = v << 4 | d;
	}
	return v <= max;
}

/* "DDDD:BB:DD.F" or "BB:DD.F", as EAL prints them (device <= 0x1f, function <= 7). */
static bool
is_pci_addr(const char *s)
{
	if (strlen(s) == 12 && (!hex_field(&s, 4, 0xffff) || *s++ != ':'))
		return false;
	return hex_field(&s, 2, 0xff) && *s++ == ':' && hex_field(&s, 2, 0x1f) &&
	       *s++ == '.' && hex_field(&s, 1, 7) && *s == '\0';
}

/* tcp.event_log is 0 (off) or at least 16 records (FT_EVLOG_MIN_RECS): a range cannot say so. */
static int
check_event_log(struct app_conf *c, const config_setting_t *grp, const struct ft_stack_conf *sc)
{
	if (sc->tcp_event_log == 0 || sc->tcp_event_log >= 16)
		return 0;
	return app_conf_error(c, config_setting_get_member(grp, "tcp"), "event_log",
			      "%u records is too few (0 = off, or 16..1048576)", sc->tcp_event_log);
}

static int
read_section(struct app_conf *c, const config_setting_t *grp, const struct section *sec,
	     struct ft_stack_conf *out)
{
	const config_setting_t *sub = NULL;
	int rc;

	rc = app_conf_get_group(c, grp, sec->key, &sub);
	if (rc < 0 || sub == NULL)
		return rc;
	rc = app_conf_check_keys(c, sub, sec->keys);
	if (rc < 0)
		return rc;
	return app_conf_get_uints(c, sub, sec->uints, sec->n_uints, out);
}

static int
read_name(struct app_conf *c, const config_setting_t *p, struct ft_port_conf *out)
{
	int rc = app_conf_get_string(c, p, "name", out->name, sizeof(out->name));

	if (rc == 0 && !is_token(out->name))
		rc = app_conf_error(c, p, "name", "\"%s\" has characters other than [A-Za-z0-9_-]",
				    out->name);
	return rc;
}

/* Type-only keys must belong to this port's type. */
static int
check_type_keys(struct app_conf *c, const config_setting_t *p, enum ft_port_type type)
{
	const struct port_type *pt = &port_types[type];

	for (const char *const *k = type_keys; *k != NULL; k++) {
		if (!app_conf_has(p, *k) || strcmp(*k, pt->dev_key) == 0 ||
		    (pt->opt_key != NULL && strcmp(*k, pt->opt_key) == 0))
			continue;
		return app_conf_error(c, p, *k, "not valid for type %s", type_names[type]);
	}
	return 0;
}

static int
read_dev(struct app_conf *c, const config_setting_t *p, struct ft_port_conf *out)
{
	const struct port_type *pt = &port_types[out->type];
	unsigned int role = 0;
	size_t size = sizeof(out->dev);
	int rc;

	if (pt->dev_kind == DEV_IFNAME)
		size = IFNAME_MAX + 1;
	else if (pt->dev_kind == DEV_TOKEN)
		size = FT_PORT_NAME_LEN;
	rc = check_type_keys(c, p, out->type);
	if (rc == 0)
		rc = app_conf_require(c, p, pt->dev_key);
	if (rc == 0)
		rc = app_conf_get_string(c, p, pt->dev_key, out->dev, size);
	if (rc < 0)
		return rc;
	if ((pt->dev_kind == DEV_IFNAME && !is_ifname(out->dev)) ||
	    (pt->dev_kind == DEV_TOKEN && !is_token(out->dev)))
		return app_conf_error(c, p, pt->dev_key, "\"%s\" is not a valid name", out->dev);
	if (pt->dev_kind == DEV_PCI && !is_pci_addr(out->dev))
		return app_conf_error(c, p, pt->dev_key,
				      "\"%s\" is not a PCI address (expected DDDD:BB:DD.F)",
				      out->dev);
	if (out->type == FT_PORT_MEMIF) {
		rc = app_conf_get_choice(c, p, "role", memif_roles, &role);
		out->memif_server = role == 1;
	}
	return rc;
}

static int
check_address(struct app_conf *c, const config_setting_t *p, const struct ft_ip4_prefix *a)
{
	uint32_t host = a->addr & ~ft_ip4_mask(a->len);
	const char *why = NULL;

	if (a->len == 0)
		why = "has prefix length 0 (allowed 1..32)";
	else if (a->addr >> 24 == 0)
		why = "is in 0.0.0.0/8 (this network)";
	else if (a->addr >> 24 == 127)
		why = "is a loopback address";
	else if (a->addr >> 28 == 0xe)
		why = "is a multicast address";
	else if (a->addr == UINT32_MAX)
		why = "is the broadcast address";
	else if (a->len <= 30 && host == 0)
		why = "is the subnet's network address";
	else if (a->len <= 30 && host == ~ft_ip4_mask(a->len))
		why = "is the subnet's broadcast address";
	if (why == NULL)
		return 0;
	return app_conf_error(c, p, "address", "\"%s\" %s", str_of(p, "address"), why);
}

/* The gateway must be a usable host of the port's subnet other than the port itself. */
static int
check_gateway(struct app_conf *c, const config_setting_t *p, const struct ft_port_conf *pc)
{
	uint32_t mask = ft_ip4_mask(pc->prefix_len);
	uint32_t host = pc->gateway & ~mask;
	const char *gw = str_of(p, "gateway");
	char net[FT_IP4_STRLEN];

	if ((pc->gateway & mask) != (pc->ip4 & mask))
		return app_conf_error(c, p, "gateway",
				      "\"%s\" is not inside the port's subnet %s/%u", gw,
				      ft_ip4_format(pc->ip4 & mask, net, sizeof(net)),
				      pc->prefix_len);
	if (pc->gateway == pc->ip4)
		return app_conf_error(c, p, "gateway", "\"%s\" is the port's own address", gw);
	if (pc->prefix_len <= 30 && (host == 0 || host == ~mask))
		return app_conf_error(c, p, "gateway",
				      "\"%s\" is the subnet's network or broadcast address", gw);
	return 0;
}

static int
read_ip(struct app_conf *c, const config_setting_t *p, struct ft_port_conf *out)
{
	struct ft_ip4_prefix a;
	int rc;

	rc = app_conf_get_ip4_prefix(c, p, "address", &a);
	if (rc == 0)
		rc = check_address(c, p, &a);
	if (rc < 0)
		return rc;
	out->ip4 = a.addr;
	out->prefix_len = a.len;
	rc = app_conf_get_ip4(c, p, "gateway", &out->gateway);
	if (rc == 0 && app_conf_has(p, "gateway"))
		rc = check_gateway(c, p, out);
	return rc;
}

static int
read_mac(struct app_conf *c, const config_setting_t *p, struct ft_port_conf *out)
{
	static const uint8_t zero[6];
	int rc;

	if (!app_conf_has(p, "mac"))
		return 0;
	rc = app_conf_get_mac(c, p, "mac", out->mac);
	if (rc < 0)
		return rc;
	if (out->mac[0] & 1)
		return app_conf_error(c, p, "mac",
				      "\"%s\" is a multicast address "
				      "(low bit of the first octet must be clear)",
				      str_of(p, "mac"));
	if (memcmp(out->mac, zero, sizeof(zero)) == 0)
		return app_conf_error(c, p, "mac", "\"%s\" is all zeros", str_of(p, "mac"));
	out->mac_set = true;
	return 0;
}

/* A percentage 0..100 (integer or decimal, e.g. 0.25) -> parts per million. */
static int
read_pct(struct app_conf *c, const config_setting_t *grp, const char *key, uint32_t *ppm)
{
	const config_setting_t *s = config_setting_get_member(grp, key);
	double v;
	int type = s != NULL ? config_setting_type(s) : CONFIG_TYPE_NONE;

	if (s == NULL)
		return 0;
	if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64)
		v = (double)config_setting_get_int64(s);
	else if (type == CONFIG_TYPE_FLOAT)
		v = config_setting_get_float(s);
	else
		return app_conf_error(c, grp, key, "expected a percentage (a number 0..100)");
	if (!(v >= 0 && v <= 100))
		return app_conf_error(c, grp, key, "%g out of range (0..100 percent)", v);
	*ppm = (uint32_t)(v * 10000 + 0.5);
	return 0;
}

/* Seed and rate: 32-bit in the file, wider in the struct. */
static int
read_impair_wide(struct app_conf *c, const config_setting_t *g, struct ft_impair_conf *ic)
{
	static const struct app_conf_uint seed = { "seed", 0, UINT32_MAX, false, 0, 0 };
	static const struct app_conf_uint rate = { "rate_kbps", 1, UINT32_MAX, false, 0, 0 };
	uint32_t v;
	int rc;

	if (app_conf_has(g, "seed")) {
		rc = app_conf_get_uint(c, g, &seed, &v);
		if (rc < 0)
			return rc;
		ic->seed = v;
	}
	if (app_conf_has(g, "rate_kbps")) {
		rc = app_conf_get_uint(c, g, &rate, &v);
		if (rc < 0)
			return rc;
		ic->rate_bps = (uint64_t)v * 1000;
	}
	return 0;
}

/* Ring ports only: `impair = { loss = 1.0; delay_us = 20000; ... }`. */
static int
read_impair(struct app_conf *c, const config_setting_t *p, struct ft_port_conf *out)
{
	struct ft_impair_conf *ic = &out->impair;
	const config_setting_t *g = NULL;
	int rc;

	if (!app_conf_has(p, "impair"))
		return 0;
	if (out->type != FT_PORT_RING)
		return app_conf_error(c, p, "impair", "not valid for type %s",
				      type_names[out->type]);
	rc = app_conf_get_group(c, p, "impair", &g);
	if (rc == 0)
		rc = app_conf_check_keys(c, g, impair_keys);
	for (size_t i = 0; rc == 0 && i < RTE_DIM(impair_pcts); i++)
		rc = read_pct(c, g, impair_pcts[i].key,
			      (uint32_t *)((uint8_t *)ic + impair_pcts[i].offset));
	if (rc == 0)
		rc = app_conf_get_uints(c, g, impair_uints, RTE_DIM(impair_uints), ic);
	if (rc == 0)
		rc = read_impair_wide(c, g, ic);
	if (rc < 0)
		return rc;
	if (ic->burst_p_ppm == 0 && (app_conf_has(g, "burst_r") || app_conf_has(g, "burst_h")))
		return app_conf_error(c, g, app_conf_has(g, "burst_r") ? "burst_r" : "burst_h",
				      "burst loss needs burst_p (P(good -> bad)) above 0");
	if (ic->burst_p_ppm != 0 && !app_conf_has(g, "burst_h"))
		ic->burst_h_ppm = 1000000; /* every packet lost in the bad state */
	return 0;
}

/* `tso = false` keeps TCP from sending super-segments even when the port offers TSO. */
static int
read_tso(struct app_conf *c, const config_setting_t *p, struct ft_port_conf *out)
{
	bool tso = true;
	int rc = app_conf_has(p, "tso") ? app_conf_get_bool(c, p, "tso", &tso) : 0;

	out->no_tso = !tso;
	return rc;
}

static int
read_port(struct app_conf *c, const config_setting_t *p, struct ft_port_conf *out)
{
	unsigned int type = 0;
	int rc;

	*out = port_defaults;
	rc = app_conf_check_keys(c, p, port_keys);
	for (const char *const *k = port_required; rc == 0 && *k != NULL; k++)
		rc = app_conf_require(c, p, *k);
	if (rc == 0)
		rc = read_name(c, p, out);
	if (rc == 0)
		rc = app_conf_get_choice(c, p, "type", type_names, &type);
	out->type = (enum ft_port_type)type;
	if (rc == 0)
		rc = read_dev(c, p, out);
	if (rc == 0)
		rc = read_ip(c, p, out);
	if (rc == 0)
		rc = read_mac(c, p, out);
	if (rc == 0)
		rc = app_conf_get_uints(c, p, port_uints, RTE_DIM(port_uints), out);
	if (rc == 0)
		rc = read_impair(c, p, out);
	if (rc == 0)
		rc = read_tso(c, p, out);
	return rc;
}

/* Names and interface addresses must be unique; the later port is the one reported. */
static int
check_unique(struct app_conf *c, const config_setting_t *list, const struct ft_stack_conf *sc)
{
	char path[64];

	for (unsigned int j = 1; j < sc->n_ports; j++) {
		const struct ft_port_conf *b = &sc->ports[j];
		const config_setting_t *pb = config_setting_get_elem(list, j);

		for (unsigned int i = 0; i < j; i++) {
			const struct ft_port_conf *a = &sc->ports[i];

			app_conf_path(config_setting_get_elem(list, i), path, sizeof(path));
			if (strcmp(a->name, b->name) == 0)
				return app_conf_error(c, pb, "name", "\"%s\" already used by %s",
						      b->name, path);
			if (a->ip4 == b->ip4)
				return app_conf_error(c, pb, "address",
						      "\"%s\" reuses the address of %s",
						      str_of(pb, "address"), path);
		}
	}
	return 0;
}

static int
read_ports(struct app_conf *c, const config_setting_t *grp, struct ft_stack_conf *out)
{
	const config_setting_t *list = NULL;
	int n, rc;

	rc = app_conf_require(c, grp, "ports");
	if (rc == 0)
		rc = app_conf_get_group_list(c, grp, "ports", &list);
	if (rc < 0)
		return rc;
	n = config_setting_length(list);
	if (n < 1 || n > FT_MAX_PORTS)
		return app_conf_error(c, grp, "ports", "%d entries (allowed 1..%d)", n,
				      FT_MAX_PORTS);
	for (int i = 0; i < n; i++) {
		rc = read_port(c, config_setting_get_elem(list, (unsigned int)i), &out->ports[i]);
		if (rc < 0)
			return rc;
	}
	out->n_ports = (uint16_t)n;
	return check_unique(c, list, out);
}

int
app_stack_conf_read(struct app_conf *c, const config_setting_t *grp,
		    struct ft_stack_conf *out)
{
	int rc;

	ft_stack_conf_init(out);
	rc = app_conf_check_keys(c, grp, stack_keys);
	if (rc == 0)
		rc = app_conf_get_uints(c, grp, stack_uints, RTE_DIM(stack_uints), out);
	if (rc == 0)
		rc = app_conf_get_bool(c, grp, "idle_backoff", &out->idle_backoff);
	if (rc == 0)
		rc = app_conf_get_bool(c, grp, "gratuitous_arp", &out->gratuitous_arp);
	for (size_t i = 0; rc == 0 && i < RTE_DIM(sections); i++)
		rc = read_section(c, grp, &sections[i], out);
	if (rc == 0)
		rc = read_tcp_extras(c, grp, out);
	if (rc == 0)
		rc = check_event_log(c, grp, out);
	if (rc == 0)
		rc = read_ports(c, grp, out);
	return rc;
}

int
app_conf_load_stack(struct app_conf *c, const char *path, const char *const *top_keys,
		    struct ft_stack_conf *stack, char *err, size_t errlen)
{
	const config_setting_t *root, *grp = NULL;
	int rc = app_conf_load(c, path, err, errlen);

	if (rc < 0)
		return rc;
	root = app_conf_root(c);
	rc = app_conf_check_keys(c, root, top_keys);
	if (rc == 0)
		rc = app_conf_require(c, root, "stack");
	if (rc == 0)
		rc = app_conf_get_group(c, root, "stack", &grp);
	return rc == 0 ? app_stack_conf_read(c, grp, stack) : rc;
}
