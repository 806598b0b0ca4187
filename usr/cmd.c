// SPDX-License-Identifier: GPL-2.0
/*
 * The command table and dispatcher of the fcapsule tool: an xl-style table
 * of subcommands; each one is a main_<cmd>() grouped by topic.  The table
 * is the only source of usage text: help, -h/--help of every subcommand,
 * the reason line of a refused command line and the man page
 * (help --man) are all printed from it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

/*
 * usage: one line per form of the command (printed after "fcapsule NAME",
 * wrapped at 80 columns); help: one sentence.
 */
const struct fc_cmd fc_cmds[] = {
	{ "help", main_help, "[COMMAND]\n--man\n--commands",
	  "show the commands, or one's usage (--man: the manual page)" },
	{ "version", main_version, "", "print the tool's version" },
	{ "run", main_run,
	  "IMAGE|-f FILE [--name N] [--memory MB] [--vcpus N] [--cap PCT] "
	  "[--wait] "
	  "[-q] [--image-dir DIR] [--ramdisk FILE] [--extra STR] [--no-net] "
	  "[-p|--publish [PUBLIC:]PORT]... [--cold] [-- ARGS...]",
	  "start an app VM from IMAGE (a name in the image dir, or a path) or "
	  "a manifest; prints its id.  -p maps a public port before it boots: "
	  "new connections wait until it listens.  A shell of the warm pool "
	  "is used when one fits (--cold: never)" },
	{ "fork", main_fork, "ID|NAME [--name N] [--timing] [--ring]",
	  "clone a running app VM (NAME.1, NAME.2, ...); prints the child's "
	  "id" },
	{ "migrate", main_migrate, "ID|NAME HOST[:PORT] [--live|--stop]",
	  "move an app VM to another instance (live unless --stop)" },
	{ "migrate-receive", main_migrate_receive,
	  "[--port N] [--count N] [--key FILE]",
	  "take app VMs migrated in from other instances (TCP, shared key)" },
	{ "ps", main_ps, "[-a] [-q] [--json] [ID|NAME...]\n--pool [--json]",
	  "list app VMs (-a: also exited ones, with exit codes; -q: ids "
	  "only; --pool: the warm pool's shells and the memory they hold)" },
	{ "pool", main_pool,
	  "[ls] [--json]\nset IMAGE COUNT [--memory MB] [--vcpus N] "
	  "[--no-net] [--image-dir DIR]\nfill",
	  "the warm pool: keep COUNT paused domain shells of IMAGE for `run` "
	  "(0: none); fill is the OS server's refill" },
	{ "inspect", main_inspect, "[--json] ID|NAME",
	  "everything known about one app VM, running or exited" },
	{ "rm", main_rm, "ID|NAME...",
	  "forget the exit records of ended app VMs (all of a name's)" },
	{ "prune", main_prune, "",
	  "forget every exit record; prints how many" },
	{ "kill", main_kill, "[-s TERM|KILL] [--grace SEC] [--tree] ID|NAME...",
	  "stop app VMs: TERM asks them to exit, KILL destroys at once" },
	{ "logs", main_logs, "[-f] [-n N] [--log-dir DIR] ID|NAME",
	  "print an app VM's console (-n: the last N lines; -f: follow until "
	  "it is gone)" },
	{ "cap", main_cap, "ID|NAME PCT",
	  "set an app VM's CPU cap (credit scheduler, % of one CPU; 0: none)" },
	{ "bench", main_bench,
	  "[--image IMG] [--image-dir DIR] [--iterations N] [--reps N] cap",
	  "benchmark: a CPU-bound app VM's runtime per cap, 60..100 %" },
	{ "serve", main_serve, "[--count N]\n--status [--json]",
	  "run the OS server: answer the module's events on /dev/fcapsule "
	  "(--status: its state and the module's event queue)" },
	{ "napt", main_napt,
	  "[ls] [--json]\nadd PORT ADDR:PORT [--dom ID [--name N]]\ndel PORT | "
	  "--dom ID",
	  "list, add or remove public port mappings (NAPT to app VMs)" },
	{ "net", main_net,
	  "setup [--public ADDR] [--addr ADDR/PREFIX] [--bridge "
	  "NAME]\nteardown\nalloc "
	  "NAME [DOMID]\nbind ADDR DOMID\nrelease ADDR | --dom DOMID\nshow "
	  "ADDR | --dom DOMID\noverlay [ls]\noverlay add PEER\noverlay del",
	  "Dom0's bridge for app VMs, their address allocator, and the "
	  "overlay to another instance" },
	{ "ipc", main_ipc,
	  "allow|deny|unset ID|NAME ID|NAME\nls [--json]\nstat [--json]",
	  "IPC between app VMs: allow or deny pairs, list rules, counters" },
	{ NULL, NULL, NULL, NULL },
};

/* The tool's exit codes (enum fc_exit), for help --man. */
static const char *const fc_exit_texts[] = {
	[FC_EXIT_OK] = "success",
	[FC_EXIT_FAIL] = "the operation failed",
	[FC_EXIT_USAGE] = "bad command line (the reason is on stderr)",
	[FC_EXIT_NO_IMAGE] = "unknown image (no such file)",
	[FC_EXIT_NAME_USED] = "an app VM or domain has that name",
	[FC_EXIT_NO_MEMORY] = "not enough free memory in Xen",
	[FC_EXIT_NO_MODULE] = "the fcapsule module is not loaded "
			      "(modprobe fcapsule)",
	[FC_EXIT_NOT_ROOT] = "must run as root",
	[FC_EXIT_NO_APP] = "unknown app VM (no app VM with that id or name)",
	[FC_EXIT_XEN] = "Xen toolstack (libxl, XenStore) unavailable",
};

int fc_verbose;

void fc_debug(const char *fmt, ...)
{
	va_list ap;

	if (!fc_verbose)
		return;
	fprintf(stderr, "fcapsule: debug: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const struct fc_cmd *fc_cmd_find(const char *name)
{
	const struct fc_cmd *cmd;

	for (cmd = fc_cmds; cmd->name; cmd++)
		if (strcmp(cmd->name, name) == 0)
			return cmd;
	return NULL;
}

/* A word of a usage form: a bracketed group is one, spaces and all. */
static size_t fc_usage_word(const char *s, size_t len)
{
	size_t i;
	int depth = 0;

	for (i = 0; i < len && (depth || s[i] != ' '); i++) {
		if (s[i] == '[')
			depth++;
		else if (s[i] == ']' && depth)
			depth--;
	}
	return i;
}

/* One form, wrapped at word boundaries, continuation lines under it. */
static void fc_usage_form(FILE *f, const char *lead, const char *name,
			  const char *form, size_t len)
{
	size_t col, indent, i = 0;

	col = fprintf(f, "%sfcapsule %s", lead, name);
	indent = col + 1;
	while (i < len) {
		size_t w = fc_usage_word(form + i, len - i);

		if (col + 1 + w > 79 && col > indent) {
			col = fprintf(f, "\n%*s", (int)indent - 1, "") - 1;
		}
		col += fprintf(f, " %.*s", (int)w, form + i);
		i += w;
		while (i < len && form[i] == ' ')
			i++;
	}
	fputc('\n', f);
}

void fc_usage_print(FILE *f, const struct fc_cmd *cmd)
{
	const char *form = cmd->usage;
	const char *lead = "usage: ";

	do {
		size_t len = strcspn(form, "\n");

		fc_usage_form(f, lead, cmd->name, form, len);
		lead = "       ";
		form += len + (form[len] == '\n');
	} while (*form);
	fprintf(f, "\n%s\n", cmd->help);
}

int fc_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fcapsule %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'fcapsule %s --help')\n", cmd);
	return FC_EXIT_USAGE;
}

int fc_parse_exit(const char *cmd, int ret, const char *err)
{
	const struct fc_cmd *c = fc_cmd_find(cmd);

	if (ret == FC_PARSE_HELP) {
		if (c)
			fc_usage_print(stdout, c);
		return FC_EXIT_OK;
	}
	if (ret == FC_EXIT_USAGE)
		return fc_usage_error(cmd, "%s",
				      err[0] ? err : "bad arguments");
	return ret;
}

static void fc_usage_all(FILE *f)
{
	const struct fc_cmd *cmd;

	fprintf(f, "usage: fcapsule [-v] COMMAND [ARGS...]\n"
		   "       fcapsule --version\n\nCommands:\n");
	for (cmd = fc_cmds; cmd->name; cmd++)
		fprintf(f, "  %-10s %s\n", cmd->name, cmd->help);
	fprintf(f, "\n'fcapsule COMMAND --help' shows a command's usage; -v "
		   "prints debug output.\n");
}

/* roff text: a backslash or a hyphen would be read as markup */
static void fc_man_text(FILE *f, const char *s, size_t len)
{
	size_t i;

	if (len && (s[0] == '.' || s[0] == '\''))
		fputs("\\&", f);
	for (i = 0; i < len && s[i]; i++) {
		if (s[i] == '\\')
			fputs("\\e", f);
		else if (s[i] == '-')
			fputs("\\-", f);
		else
			fputc(s[i], f);
	}
}

void fc_man_print(FILE *f)
{
	const struct fc_cmd *cmd;
	size_t i;

	fprintf(f, ".TH FCAPSULE 8 \"\" \"fcapsule %s\" \"FlexCapsule\"\n",
		FC_VERSION);
	fprintf(f, ".SH NAME\nfcapsule \\- manage FlexCapsule app VMs like "
		   "processes\n");
	fprintf(f, ".SH SYNOPSIS\n.B fcapsule\n[\\fB\\-v\\fR] \\fICOMMAND\\fR "
		   "[\\fIARGS\\fR...]\n.br\n.B fcapsule \\-\\-version\n");
	fprintf(f,
		".SH DESCRIPTION\n"
		"Each app VM is one Xen PV domain running one application on "
		"the FlexCapsule library OS.\n"
		".B fcapsule\n"
		"runs them like processes, in Dom0, as root, with the "
		"fcapsule module loaded (\\fBmodprobe fcapsule\\fR).\n"
		"Every command takes \\fB\\-h\\fR or \\fB\\-\\-help\\fR; "
		"\\fB\\-v\\fR before the command prints debug output.\n");
	fprintf(f, ".SH COMMANDS\n");
	for (cmd = fc_cmds; cmd->name; cmd++) {
		const char *form = cmd->usage;

		fprintf(f, ".TP\n");
		do {
			size_t len = strcspn(form, "\n");

			/* the first form is the tag, the others lead the
			 * paragraph, a line each */
			fprintf(f, "\\fBfcapsule %s\\fR ", cmd->name);
			fc_man_text(f, form, len);
			fprintf(f, form != cmd->usage ? "\n.br\n" : "\n");
			form += len + (form[len] == '\n');
		} while (*form);
		fc_man_text(f, cmd->help, strlen(cmd->help));
		fputc('\n', f);
	}
	fprintf(f, ".SH EXIT STATUS\n");
	for (i = 0; i < sizeof(fc_exit_texts) / sizeof(fc_exit_texts[0]); i++) {
		fprintf(f, ".TP\n.B %zu\n", i);
		fc_man_text(f, fc_exit_texts[i], strlen(fc_exit_texts[i]));
		fputc('\n', f);
	}
	fprintf(f, ".PP\nWith \\fBrun \\-\\-wait\\fR, a run that started exits "
		   "with the app's own exit code.\n");
	fprintf(f,
		".SH ENVIRONMENT\n"
		".TP\n.B FC_IMAGE_DIR\nwhere IMAGE names are looked up "
		"(default %s)\n"
		".TP\n.B FC_LOG_DIR\nxenconsoled's log directory (default "
		"%s)\n"
		".TP\n.B FC_RUN_DIR\nruntime state (default %s)\n"
		".TP\n.B FC_DEBUG\nset: libxl's own log on stderr\n",
		FC_IMAGE_DIR_DEFAULT, FC_LOG_DIR_DEFAULT, FC_RUN_DIR_DEFAULT);
	fprintf(f, ".SH SEE ALSO\n.BR xl (1),\n.BR modprobe (8)\n");
}

int main_help(int argc, char **argv)
{
	const struct fc_cmd *cmd;

	if (argc > 2)
		return fc_usage_error("help", "unexpected argument '%s'",
				      argv[2]);
	if (argc < 2) {
		fc_usage_all(stdout);
		return FC_EXIT_OK;
	}
	if (!strcmp(argv[1], "--man")) {
		fc_man_print(stdout);
		return FC_EXIT_OK;
	}
	if (!strcmp(argv[1], "--commands")) {
		for (cmd = fc_cmds; cmd->name; cmd++)
			printf("%s\n", cmd->name);
		return FC_EXIT_OK;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fc_usage_print(stdout, fc_cmd_find("help"));
		return FC_EXIT_OK;
	}
	cmd = fc_cmd_find(argv[1]);
	if (!cmd)
		return fc_usage_error("help", "unknown command '%s'", argv[1]);
	fc_usage_print(stdout, cmd);
	return FC_EXIT_OK;
}

int main_version(int argc, char **argv)
{
	if (argc > 1)
		return fc_usage_error("version", "unexpected argument '%s'",
				      argv[1]);
	printf("fcapsule %s\n", FC_VERSION);
	return FC_EXIT_OK;
}

/*
 * -h/--help anywhere before "--" asks for the command's usage; run's
 * words after IMAGE are the app's own, so its parser finds it instead.
 */
static int fc_wants_help(const struct fc_cmd *cmd, int argc, char **argv)
{
	int i;

	if (!strcmp(cmd->name, "run") || !strcmp(cmd->name, "help"))
		return 0;
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	return 0;
}

int fc_main(int argc, char **argv)
{
	const struct fc_cmd *cmd;
	int i;

	fc_verbose = 0;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			fc_verbose = 1;
			setenv("FC_DEBUG", "1", 1); /* libxl's log too */
		} else if (!strcmp(argv[i], "-V") ||
			   !strcmp(argv[i], "--version")) {
			return main_version(1, argv);
		} else if (!strcmp(argv[i], "-h") ||
			   !strcmp(argv[i], "--help")) {
			fc_usage_all(stdout);
			return FC_EXIT_OK;
		} else {
			fprintf(stderr,
				"fcapsule: unknown option '%s' (see 'fcapsule "
				"--help')\n",
				argv[i]);
			return FC_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		fc_usage_all(stderr);
		return FC_EXIT_USAGE;
	}
	cmd = fc_cmd_find(argv[i]);
	if (!cmd) {
		fprintf(stderr,
			"fcapsule: unknown command '%s' (see 'fcapsule "
			"help')\n",
			argv[i]);
		return FC_EXIT_USAGE;
	}
	if (fc_wants_help(cmd, argc - i, argv + i)) {
		fc_usage_print(stdout, cmd);
		return FC_EXIT_OK;
	}
	fc_debug("command %s, %d arguments", cmd->name, argc - i - 1);
	return cmd->fn(argc - i, argv + i);
}
