/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers around an app's main(): argument split, signals, final counters (app_run.h). */
#include <getopt.h>
#include <signal.h>
#include <string.h>

#include <fasttcp/ft_stack.h>
#include <fasttcp/ft_stats.h>

#include "app_run.h"

static struct ft_stack *signal_stack;

void
app_split_args(int argc, char **argv, int *eal_argc, int *app_argc, char **app_argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		;
	*eal_argc = i;
	app_argv[0] = argv[0];
	*app_argc = 1;
	for (i = i + 1; i < argc; i++)
		app_argv[(*app_argc)++] = argv[i];
}

static void
on_signal(int sig)
{
	(void)sig;
	ft_stack_stop(signal_stack); /* async-signal-safe: stores a flag */
}

void
app_stop_on_signals(struct ft_stack *s)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	signal_stack = s;
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void
app_print_stats(FILE *f, const struct ft_stack *s)
{
	struct ft_stats st;

	ft_stack_stats_get(s, &st);
	fprintf(f, "final counters:\n");
#define FT_X_PRINT(field, desc) \
	if (st.field != 0) \
		fprintf(f, "  %-20s %llu\n", #field, (unsigned long long)st.field);
	FT_EVENT_COUNTERS(FT_X_PRINT)
#undef FT_X_PRINT
	for (int i = 0; i < FT_DROP_MAX; i++)
		if (st.drops[i] != 0)
			fprintf(f, "  drop %-15s %llu\n", ft_drop_reason_name(i),
				(unsigned long long)st.drops[i]);
}

int
app_parse_config_args(int argc, char **argv, const char **conf, bool *check)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' }, { "check", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		if (opt == 'c')
			*conf = optarg;
		else if (opt == 'k')
			*check = true;
		else if (opt == 'h')
			return 1;
		else
			return -1;
	}
	return optind == argc && *conf != NULL ? 0 : -1;
}
