/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fasttcp-bench --kernel: the same workload over Linux kernel sockets, as a reference measured
 * in the same invocation (kernel.c). main.c calls bench_kernel_run() once the libfasttcp
 * workers have stopped, so the two runs never overlap, and bench_kernel_report() while it
 * prints the RESULT line.
 */
#ifndef FT_APPS_BENCH_KERNEL_H
#define FT_APPS_BENCH_KERNEL_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

struct bench;
struct bench_progress;

/* One kernel reference run and its figures; created by bench_kernel_run(). */
struct bench_kernel;

/*
 * Run b->wl's workload with b->o over kernel TCP sockets: a server thread and a client
 * thread, one epoll loop each, pinned to the CPUs of the server and client lcores, each in
 * its own anonymous network namespace joined by a veth pair. Prints a line per second.
 * Stops early when *@p stop becomes non-zero (SIGINT/SIGTERM) or after --timeout.
 * Main thread, libfasttcp workers stopped. Must run as root (CAP_NET_ADMIN, CAP_SYS_ADMIN).
 * The result (or the reason there is none) is kept in b->kernel for bench_kernel_report().
 * @return 0 when the run took place, -errno when it could not be set up.
 */
int bench_kernel_run(struct bench *b, const volatile sig_atomic_t *stop);

/*
 * Print the JSON members ",\"kernel\":{...},\"fasttcp_cpu\":{...},\"ratio\":X,..." to
 * @p json. @p p and @p secs are the libfasttcp run's final progress and measured seconds:
 * ratio = libfasttcp figure / kernel figure (goodput for bulk, transactions/s for rr,
 * connections/s for crr). Main thread.
 * @return true if the kernel run completed intact.
 */
bool bench_kernel_report(const struct bench *b, FILE *json, const struct bench_progress *p,
			 double secs);

/* Free b->kernel (NULL is fine). */
void bench_kernel_destroy(struct bench *b);

#endif /* FT_APPS_BENCH_KERNEL_H */
