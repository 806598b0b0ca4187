/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command line of the fcapsule tool: the table's usage text, option
 * parsing with -h/--help and a reason for every refusal, and the parsed
 * form of each subcommand's arguments (pure: unit-tested on the host).
 */
#ifndef FC_CMD_H
#define FC_CMD_H

#include <getopt.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>

#include "fc.h"

/* A parser's "print the usage on stdout and exit 0" (not an exit code). */
#define FC_PARSE_HELP 256
#define FC_ERR_MAX    256

/* fcapsule -v: debug lines on stderr (and libxl's log, FC_DEBUG). */
extern int fc_verbose;
void fc_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void fc_usage_print(FILE *f, const struct fc_cmd *cmd);
void fc_man_print(FILE *f);
/* "fcapsule CMD: REASON (see ...)" on stderr; returns FC_EXIT_USAGE. */
int fc_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* What a parser's result means: usage on stdout (0) or the reason (2). */
int fc_parse_exit(const char *cmd, int ret, const char *err);
/* Sets err (FC_ERR_MAX) and returns FC_EXIT_USAGE. */
int fc_arg_error(char *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * getopt_long with -h/--help added ('h') and a reason in err for every
 * unknown option or missing value ('?').  Starts a new parse when
 * optind is 0.
 */
int fc_getopt(int argc, char **argv, const char *shortopts,
	      const struct option *longopts, char *err);

/* Dom0 side of the app VM's network: bridge, address, MAC, script. */
struct fc_run_net {
	uint32_t addr; /* network order; 0: none allocated */
	char ip[INET_ADDRSTRLEN];
	char mac[24];
	char bridge[16];
	char script[FC_PATH_MAX];
};
int fc_run_net_prepare(const char *cmd, const char *name, struct fc_run_net *n);

/* -f FILE of run (manifest.c): the manifest's keys under the flags. */
int fc_run_manifest(struct fc_run_opts *o, char *err);
void fc_run_opts_free(struct fc_run_opts *o);

/* fcapsule kill */
struct fc_kill_opts {
	int sig;
	unsigned long grace;
	int tree;
	char **targets;
	int ntargets;
};
int fc_parse_kill_args(int argc, char **argv, struct fc_kill_opts *o,
		       char *err);

/* fcapsule ps, inspect */
struct fc_ps_opts {
	int all;
	int quiet; /* ids only */
	int json;
	int pool;      /* --pool: the warm pool's shells instead */
	char **filter; /* ID|NAME...: only these */
	int nfilter;
};
int fc_parse_ps_args(int argc, char **argv, struct fc_ps_opts *o, char *err);
int fc_parse_inspect_args(int argc, char **argv, struct fc_ps_opts *o,
			  char *err);

/* fcapsule pool */
#define FC_POOL_COUNT_MAX 128
struct fc_pool_opts {
	const char *action; /* ls, set, fill */
	const char *image;
	const char *image_dir;
	unsigned long memory_mb;
	unsigned long vcpus;
	unsigned int count;
	int net;
	int json;
	int set_opts; /* an option only set takes */
};
int fc_parse_pool_args(int argc, char **argv, struct fc_pool_opts *o,
		       char *err);

/* fcapsule logs */
struct fc_logs_opts {
	int follow;
	long lines; /* -n N: the last N lines; -1: all */
	const char *log_dir;
	const char *target;
};
int fc_parse_logs_args(int argc, char **argv, struct fc_logs_opts *o,
		       char *err);
/* Offset of the last @lines lines of @text (all of it if fewer). */
size_t fc_tail_offset(const char *text, size_t len, long lines);

/* fcapsule cap */
int fc_parse_cap_args(int argc, char **argv, const char **target,
		      unsigned long *pct, char *err);

/* fcapsule serve */
struct fc_serve_args {
	long max_events; /* > 0: stop after that many events (tests) */
	int status;	 /* --status: print the module's and server's state */
	int json;
};
int fc_parse_serve_args(int argc, char **argv, struct fc_serve_args *a,
			char *err);
/* Whether an OS server holds serve.lock (reap.c). */
int fc_server_running(void);

/* The acting halves of run and kill (cmd_vm.c), for the OS server too. */
struct fc_xl;
int fc_run_app(struct fc_xl *x, const struct fc_run_opts *o, uint32_t *domid);
int fc_kill_apps(struct fc_xl *x, const struct fc_kill_opts *o);

int main_inspect(int argc, char **argv);
int main_rm(int argc, char **argv);
int main_prune(int argc, char **argv);

#endif /* FC_CMD_H */
