/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drop-reason names and counter summing. The reason table is the X-macro in ft_stats.h, so a
 * reason added there appears in telemetry without touching this file.
 */
#include <stddef.h>

#include "core/stats.h"

static const char *const reason_names[FT_DROP_MAX] = {
#define FT_X_NAME(e, n, d) [FT_DROP_##e] = n,
	FT_DROP_REASONS(FT_X_NAME)
#undef FT_X_NAME
};

static const char *const reason_descs[FT_DROP_MAX] = {
#define FT_X_DESC(e, n, d) [FT_DROP_##e] = d,
	FT_DROP_REASONS(FT_X_DESC)
#undef FT_X_DESC
};

const char *
ft_drop_reason_name(enum ft_drop_reason r)
{
	return (unsigned int)r < FT_DROP_MAX ? reason_names[r] : "unknown";
}

const char *
ft_drop_reason_desc(enum ft_drop_reason r)
{
	return (unsigned int)r < FT_DROP_MAX ? reason_descs[r] : "unknown";
}

void
ft_stats_add(struct ft_stats *dst, const struct ft_stats *src)
{
	const uint64_t *s = (const uint64_t *)src;
	uint64_t *d = (uint64_t *)dst;

	/* struct ft_stats is only uint64_t counters (asserted below). */
	for (size_t i = 0; i < sizeof(*dst) / sizeof(uint64_t); i++)
		d[i] += s[i];
}

_Static_assert(sizeof(struct ft_stats) % sizeof(uint64_t) == 0, "ft_stats holds only u64");
