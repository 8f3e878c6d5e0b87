/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fasttcp-echo client mode: sends ICMP echo requests and/or UDP echo datagrams to a peer,
 * checks every reply byte for byte, retransmits what a lossy start (ARP resolution) lost,
 * then stops the stack and reports a RESULT line. Used by the loopback tests between two
 * stack instances (memif, virtio_user <-> vhost, ring).
 */
#ifndef FT_APPS_ECHO_CLIENT_H
#define FT_APPS_ECHO_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct ft_stack;

struct echo_client_opts {
	uint32_t ping_dst;   /* 0 = no ping phase */
	uint32_t udp_dst;    /* 0 = no UDP phase */
	uint16_t udp_port;
	uint16_t src_port;   /* local UDP port for replies */
	uint32_t count;      /* requests per phase */
	uint16_t size;       /* payload bytes, >= 4 */
	uint32_t window;     /* requests in flight */
	uint32_t timeout_ms; /* whole run */
};

struct echo_client;

/* Allocate the client, bind its UDP port and hooks on @p s. Main thread, before run. */
struct echo_client *echo_client_create(struct ft_stack *s, const struct echo_client_opts *o);

/* Print "RESULT {json}" to @p f. @return true when every request got a correct reply. */
bool echo_client_report(const struct echo_client *c, FILE *f);

void echo_client_destroy(struct echo_client *c);

#endif /* FT_APPS_ECHO_CLIENT_H */
