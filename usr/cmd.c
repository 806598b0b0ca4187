// SPDX-License-Identifier: GPL-2.0
/*
 * The command table and dispatcher of the fcapsule tool: an xl-style table
 * of subcommands; each one is a main_<cmd>() grouped by topic.
 */
#include <stdio.h>
#include <string.h>

#include "fc.h"

const struct fc_cmd fc_cmds[] = {
	{ "help", main_help, "[COMMAND]", "show the commands, or one's usage" },
	{ "version", main_version, "", "print the tool's version" },
	{ "run", main_run,
	  "IMAGE [--name N] [--memory MB] [--vcpus N] [--cap PCT] [--wait]\n"
	  "          [--image-dir DIR] [--ramdisk FILE] [--extra STR] "
	  "[--no-net]\n          [-- ARGS...]",
	  "start an app VM from IMAGE (a name in the image dir, or a path)" },
	{ "fork", main_fork, "ID|NAME [--name N] [--timing] [--ring]",
	  "clone a running app VM (NAME.1, NAME.2, ...); prints the child's "
	  "id" },
	{ "migrate", main_migrate, "ID|NAME HOST[:PORT] [--live|--stop]",
	  "move an app VM to another instance (live unless --stop)" },
	{ "migrate-receive", main_migrate_receive,
	  "[--port N] [--count N] [--key FILE]",
	  "take app VMs migrated in from other instances (TCP, shared key)" },
	{ "ps", main_ps, "[-a] [--json]",
	  "list app VMs (-a: also exited ones, with exit codes)" },
	{ "kill", main_kill, "[-s TERM|KILL] [--grace SEC] [--tree] ID|NAME...",
	  "stop app VMs: TERM asks them to exit, KILL destroys at once" },
	{ "logs", main_logs, "[-f] [--log-dir DIR] ID|NAME",
	  "print an app VM's console (-f: follow until it is gone)" },
	{ "cap", main_cap, "ID|NAME PCT",
	  "set an app VM's CPU cap (credit scheduler, % of one CPU; 0: none)" },
	{ "bench", main_bench, "[--image IMG] [--iterations N] [--reps N] cap",
	  "benchmark: a CPU-bound app VM's runtime per cap, 60..100 %" },
	{ "serve", main_serve, "[--count N]",
	  "run the OS server: answer the module's events on /dev/fcapsule" },
	{ "napt", main_napt, "[--json] | add PORT ADDR:PORT | del PORT",
	  "list, add or remove public port mappings (NAPT to app VMs)" },
	{ "net", main_net,
	  "setup [--public ADDR] | alloc NAME | show | release\n"
	  "          | overlay [ls] | overlay add PEER | overlay del",
	  "Dom0's bridge for app VMs, their address allocator, and the "
	  "overlay to another instance" },
	/* issue 7: IPC policy and counters (cmd_ipc.c) */
	{ "ipc", main_ipc,
	  "allow|deny|unset ID|NAME ID|NAME | ls [--json] | stat [--json]",
	  "IPC between app VMs: allow or deny pairs, list rules, counters" },
	{ NULL, NULL, NULL, NULL },
};

const struct fc_cmd *fc_cmd_find(const char *name)
{
	const struct fc_cmd *cmd;

	for (cmd = fc_cmds; cmd->name; cmd++)
		if (strcmp(cmd->name, name) == 0)
			return cmd;
	return NULL;
}

static void fc_usage_all(FILE *f)
{
	const struct fc_cmd *cmd;

	fprintf(f, "usage: fcapsule COMMAND [ARGS...]\n\nCommands:\n");
	for (cmd = fc_cmds; cmd->name; cmd++)
		fprintf(f, "  %-10s %s\n", cmd->name, cmd->help);
	fprintf(f, "\n'fcapsule help COMMAND' shows a command's usage.\n");
}

int main_help(int argc, char **argv)
{
	const struct fc_cmd *cmd;

	if (argc < 2) {
		fc_usage_all(stdout);
		return FC_EXIT_OK;
	}
	cmd = fc_cmd_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "fcapsule: unknown command '%s'\n", argv[1]);
		return FC_EXIT_USAGE;
	}
	printf("usage: fcapsule %s %s\n\n%s\n", cmd->name, cmd->usage,
	       cmd->help);
	return FC_EXIT_OK;
}

int main_version(int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "usage: fcapsule version\n");
		return FC_EXIT_USAGE;
	}
	printf("fcapsule %s\n", FC_VERSION);
	return FC_EXIT_OK;
}

int fc_main(int argc, char **argv)
{
	const struct fc_cmd *cmd;

	if (argc < 2) {
		fc_usage_all(stderr);
		return FC_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return main_help(1, argv);
	cmd = fc_cmd_find(argv[1]);
	if (!cmd) {
		fprintf(stderr,
			"fcapsule: unknown command '%s' (try 'fcapsule "
			"help')\n",
			argv[1]);
		return FC_EXIT_USAGE;
	}
	return cmd->fn(argc - 1, argv + 1);
}
