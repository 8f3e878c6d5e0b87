/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Error convention of libfasttcp.
 *
 * - int functions return 0 (or a count) on success and a negative errno on failure
 *   (-EINVAL for API misuse, -ENOMEM, -ENOSPC, -EEXIST, -ENOENT, -EAGAIN, ...).
 * - constructors return a pointer, or NULL with rte_errno set to a positive errno.
 */
#ifndef FT_ERR_H
#define FT_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Describe an error value returned by a libfasttcp function.
 *
 * @param err  negative (or positive) errno value.
 * @return a static string; never NULL. Any thread.
 */
const char *ft_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* FT_ERR_H */
