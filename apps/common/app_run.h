/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every fasttcp app's main() does around the stack: split "app [EAL options] -- [app
 * options]", stop the stack on SIGINT/SIGTERM, print the final counters.
 */
#ifndef FT_APPS_COMMON_APP_RUN_H
#define FT_APPS_COMMON_APP_RUN_H

#include <stdbool.h>
#include <stdio.h>

struct ft_stack;

/*
 * Find "--" in argv. On return *eal_argc counts argv[0] and the EAL options; the app options
 * are argv[*eal_argc + 1 ...] (*app_argc of them, with argv[0] repeated first so getopt works).
 * @p app_argv must have room for argc pointers.
 */
void app_split_args(int argc, char **argv, int *eal_argc, int *app_argc, char **app_argv);

/*
 * Options of an app whose only options are "-c FILE" (--config) and "--check" (validate and
 * exit): sets *conf and *check. @return 0 to run, 1 for -h/--help, -1 on a usage error.
 */
int app_parse_config_args(int argc, char **argv, const char **conf, bool *check);

/* SIGINT and SIGTERM call ft_stack_stop(@p s). */
void app_stop_on_signals(struct ft_stack *s);

/* Print every non-zero counter and drop reason of @p s to @p f, one per line. */
void app_print_stats(FILE *f, const struct ft_stack *s);

#endif /* FT_APPS_COMMON_APP_RUN_H */
