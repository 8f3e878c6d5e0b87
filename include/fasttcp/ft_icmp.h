/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ICMP echo from the application side (a ping client). Echo requests to the stack are
 * answered inside the stack; this API is for sending requests and seeing replies.
 */
#ifndef FT_ICMP_H
#define FT_ICMP_H

#include <stdint.h>

#include <fasttcp/ft_stack.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;

/**
 * Echo-reply callback, on the receiving worker.
 * @param m  the reply; data offset at the echo payload (after id/seq). CONSUMED.
 */
typedef void ft_icmp_echo_fn(struct ft_worker *w, struct rte_mbuf *m, uint32_t src_ip,
			     uint16_t id, uint16_t seq, void *arg);

/** Install the echo-reply callback. Main thread, before ft_stack_run(). @return 0/-EINVAL. */
int ft_icmp_set_echo_handler(struct ft_stack *s, ft_icmp_echo_fn *fn, void *arg);

/**
 * Send an echo request with @p len bytes of @p data to @p dst_ip. Owning worker.
 * @return 0, -ENOBUFS, -ENETUNREACH, -EINVAL, -EMSGSIZE.
 */
int ft_icmp_echo_send(struct ft_worker *w, uint32_t dst_ip, uint16_t id, uint16_t seq,
		      const void *data, uint16_t len);

#ifdef __cplusplus
}
#endif

#endif /* FT_ICMP_H */
