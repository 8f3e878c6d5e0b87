/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Time: stamps are TSC ticks (one rte_rdtsc() per loop iteration, cached in the worker);
 * protocol quantities are milliseconds or microseconds. Conversions live only here.
 */
#ifndef FT_CORE_CLOCK_H
#define FT_CORE_CLOCK_H

#include <stdint.h>

#include <rte_cycles.h>

static inline uint64_t
ft_clock_ms_to_tsc(uint64_t ms)
{
	return ms * (rte_get_tsc_hz() / 1000);
}

static inline uint64_t
ft_clock_us_to_tsc(uint64_t us)
{
	return us * rte_get_tsc_hz() / 1000000;
}

static inline uint64_t
ft_clock_tsc_to_us(uint64_t tsc)
{
	return tsc * 1000000 / rte_get_tsc_hz();
}

#endif /* FT_CORE_CLOCK_H */
