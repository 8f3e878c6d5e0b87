/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IPv4 address value types. Addresses and ports in the public API are in HOST byte order;
 * only wire headers are in network order.
 */
#ifndef FT_ADDR_H
#define FT_ADDR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Length of a buffer large enough for "255.255.255.255/32" and a NUL. */
#define FT_IP4_STRLEN 19

/** An IPv4 prefix: address (host order) and length 0..32. */
struct ft_ip4_prefix {
	uint32_t addr;
	uint8_t len;
};

/** An IPv4 transport endpoint, host order. */
struct ft_endpoint4 {
	uint32_t addr;
	uint16_t port;
};

/**
 * Parse dotted-quad "A.B.C.D" (exactly four decimal fields, each 0..255).
 * @return 0, or -EINVAL if @p s is not a valid address. Any thread.
 */
int ft_ip4_parse(const char *s, uint32_t *addr);

/**
 * Parse "A.B.C.D/len". The host bits may be set (an interface address with its subnet).
 * @return 0, or -EINVAL. Any thread.
 */
int ft_ip4_prefix_parse(const char *s, struct ft_ip4_prefix *p);

/**
 * Format @p addr (host order) as dotted quad into @p buf of @p len bytes.
 * @return @p buf. Any thread.
 */
char *ft_ip4_format(uint32_t addr, char *buf, size_t len);

/** Netmask (host order) of a prefix length 0..32. */
static inline uint32_t
ft_ip4_mask(uint8_t len)
{
	return len == 0 ? 0 : (uint32_t)(0xffffffffu << (32 - len));
}

#ifdef __cplusplus
}
#endif

#endif /* FT_ADDR_H */
