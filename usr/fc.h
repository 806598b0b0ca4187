/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fcapsule (userspace tool) private header: the command table and the
 * entry point of every subcommand, grouped by topic.
 */
#ifndef FC_H
#define FC_H

#define FC_VERSION "0.1.0"

struct fc_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
};

/* Exit codes shared by every subcommand (documented in docs/usage.md). */
enum fc_exit {
	FC_EXIT_OK = 0,
	FC_EXIT_FAIL = 1,  /* the operation failed */
	FC_EXIT_USAGE = 2, /* bad command line */
};

extern const struct fc_cmd fc_cmds[];
const struct fc_cmd *fc_cmd_find(const char *name);
int fc_main(int argc, char **argv);

/* Generic commands (cmd.c). */
int main_help(int argc, char **argv);
int main_version(int argc, char **argv);

/* The OS server (serve.c). */
int main_serve(int argc, char **argv);
int fc_serve_loop(long max_events);

#endif /* FC_H */
