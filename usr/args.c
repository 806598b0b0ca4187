// SPDX-License-Identifier: GPL-2.0
/*
 * The subcommands' argument parsers: each fills its options or says in
 * err why the command line is refused.  No Xen calls here, so that every
 * bad input and its reason is unit-tested on the host
 * (tests/unit/usr_args.c).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

int fc_arg_error(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, FC_ERR_MAX, fmt, ap);
	va_end(ap);
	return FC_EXIT_USAGE;
}

#define FC_GETOPT_MAX 32

int fc_getopt(int argc, char **argv, const char *shortopts,
	      const struct option *longopts, char *err)
{
	/* rebuilt on every call from the same arguments: getopt keeps no
	 * pointer into them between calls */
	static struct option lo[FC_GETOPT_MAX + 2];
	char so[64];
	const char *word;
	int n = 0, c;

	if (optind == 0)
		opterr = 0;
	/* '+' (stop at the first word) must lead; ':' reports a missing
	 * value apart from an unknown option */
	snprintf(so, sizeof(so), "%s:h%s", shortopts[0] == '+' ? "+" : "",
		 shortopts + (shortopts[0] == '+'));
	while (longopts && longopts[n].name && n < FC_GETOPT_MAX) {
		lo[n] = longopts[n];
		n++;
	}
	lo[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
	c = getopt_long(argc, argv, so, lo, NULL);
	if (c != ':' && c != '?')
		return c;
	word = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	if (c == ':' && !strncmp(word, "--", 2))
		fc_arg_error(err, "option '%s' needs a value", word);
	else if (c == ':')
		fc_arg_error(err, "option '-%c' needs a value", optopt);
	else if (optopt && !strncmp(word, "--", 2))
		fc_arg_error(err, "option '%.*s' takes no value",
			     (int)strcspn(word, "="), word);
	else if (optopt)
		fc_arg_error(err, "unknown option '-%c'", optopt);
	else
		fc_arg_error(err, "unknown option '%s'", word);
	return '?';
}

enum {
	OPT_IMAGE_DIR = 0x100,
	OPT_RAMDISK,
	OPT_EXTRA,
	OPT_CAP,
	OPT_NO_NET,
	OPT_LOG_DIR,
	OPT_COUNT,
	OPT_JSON,
	OPT_STATUS,
	OPT_COLD,
	OPT_POOL,
};

static const struct option fc_run_longopts[] = {
	{ "name", required_argument, NULL, 'n' },
	{ "memory", required_argument, NULL, 'm' },
	{ "vcpus", required_argument, NULL, 'c' },
	{ "cap", required_argument, NULL, OPT_CAP },
	{ "wait", no_argument, NULL, 'w' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "image-dir", required_argument, NULL, OPT_IMAGE_DIR },
	{ "ramdisk", required_argument, NULL, OPT_RAMDISK },
	{ "extra", required_argument, NULL, OPT_EXTRA },
	{ "no-net", no_argument, NULL, OPT_NO_NET },
	{ "file", required_argument, NULL, 'f' },
	{ "publish", required_argument, NULL, 'p' },
	{ "cold", no_argument, NULL, OPT_COLD },
	{ NULL, 0, NULL, 0 },
};

/* --memory MB and --vcpus N of run and pool set: 0 or FC_EXIT_USAGE. */
static int fc_parse_memory_opt(const char *s, unsigned long *mb, char *why)
{
	if (fc_parse_ulong(s, 1, FC_MEMORY_MB_MAX, mb))
		return fc_arg_error(why, "bad --memory '%s' (MB, 1..%lu)", s,
				    FC_MEMORY_MB_MAX);
	return 0;
}

static int fc_parse_vcpus_opt(const char *s, unsigned long *n, char *why)
{
	if (fc_parse_ulong(s, 1, FC_VCPUS_MAX, n))
		return fc_arg_error(why, "bad --vcpus '%s' (1..%lu)", s,
				    FC_VCPUS_MAX);
	return 0;
}

/* "PORT" or "PUBLIC:PORT", each 1..65535.  0 or FC_EXIT_USAGE. */
int fc_parse_run_port(const char *s, struct fc_run_port *p, char *err)
{
	char pub[8] = "";
	const char *colon = strchr(s, ':');
	unsigned long a, b;

	if (colon && (size_t)(colon - s) < sizeof(pub))
		memcpy(pub, s, colon - s);
	if (colon ? fc_parse_ulong(pub, 1, 65535, &a) ||
			    fc_parse_ulong(colon + 1, 1, 65535, &b)
		  : fc_parse_ulong(s, 1, 65535, &a))
		return fc_arg_error(err,
				    "bad port '%s' (PORT or PUBLIC:PORT, "
				    "1..65535)",
				    s);
	p->port = a;
	p->aport = colon ? b : a;
	return 0;
}

/* Append @p unless its public port is there already or the list is full. */
int fc_run_port_add(struct fc_run_port *ports, int *n,
		    const struct fc_run_port *p, char *err)
{
	for (int i = 0; i < *n; i++)
		if (ports[i].port == p->port)
			return fc_arg_error(err, "public port %u given twice",
					    p->port);
	if (*n >= FC_RUN_PORTS_MAX)
		return fc_arg_error(err, "more than %d published ports",
				    FC_RUN_PORTS_MAX);
	ports[(*n)++] = *p;
	return 0;
}

static int fc_bad_name(char *err, const char *name)
{
	return fc_arg_error(err,
			    "bad name '%s' (letters, digits, '-', '_', '.'; "
			    "not all digits; at most %d)",
			    name, FC_VMNAME_MAX - 1);
}

/*
 * fcapsule run IMAGE [options] [-- ARGS...]: options may come before or
 * after IMAGE; everything after "--" (or after a second positional word)
 * is the app's arguments.  Returns 0, FC_PARSE_HELP, or FC_EXIT_USAGE
 * with the reason in err.
 */
int fc_parse_run_args(int argc, char **argv, struct fc_run_opts *o, char *err,
		      size_t errlen)
{
	char why[FC_ERR_MAX];
	unsigned long v;
	int c, i, ret = FC_EXIT_USAGE;

	memset(o, 0, sizeof(*o));
	o->memory_mb = 4;
	o->vcpus = 1;
	o->cap = -1;
	o->net = 1;
	why[0] = '\0';
	optind = 0; /* full re-initialisation (glibc): parse again in tests */
	/* "+": stop at the first non-option so app args are never eaten */
	while (1) {
		c = fc_getopt(argc, argv, "+n:m:c:wqf:p:", fc_run_longopts,
			      why);
		if (c == -1) {
			if (optind < argc && strcmp(argv[optind - 1], "--") &&
			    !o->image) {
				o->image = argv[optind++];
				continue; /* options may follow IMAGE */
			}
			break;
		}
		switch (c) {
		case 'h':
			ret = FC_PARSE_HELP;
			goto out;
		case 'n':
			if (!fc_name_valid(optarg)) {
				fc_bad_name(why, optarg);
				goto out;
			}
			o->name = optarg;
			o->set |= FC_RUN_SET_NAME;
			break;
		case 'm':
			if (fc_parse_memory_opt(optarg, &o->memory_mb, why))
				goto out;
			o->set |= FC_RUN_SET_MEMORY;
			break;
		case 'c':
			if (fc_parse_vcpus_opt(optarg, &o->vcpus, why))
				goto out;
			o->set |= FC_RUN_SET_VCPUS;
			break;
		case OPT_CAP:
			if (fc_parse_ulong(optarg, 0, 12800, &v)) {
				fc_arg_error(why,
					     "bad --cap '%s' (percent of one "
					     "CPU, 0..12800)",
					     optarg);
				goto out;
			}
			o->cap = v;
			o->set |= FC_RUN_SET_CAP;
			break;
		case 'w':
			o->wait = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case OPT_IMAGE_DIR:
			o->image_dir = optarg;
			break;
		case OPT_RAMDISK:
			o->ramdisk = optarg;
			o->set |= FC_RUN_SET_RAMDISK;
			break;
		case OPT_EXTRA:
			o->extra = optarg;
			o->set |= FC_RUN_SET_EXTRA;
			break;
		case OPT_NO_NET:
			o->net = 0;
			o->set |= FC_RUN_SET_NET;
			break;
		case OPT_COLD:
			o->cold = 1;
			break;
		case 'f':
			if (!optarg[0]) {
				fc_arg_error(why, "empty -f");
				goto out;
			}
			o->manifest = optarg;
			break;
		case 'p': {
			struct fc_run_port p;

			if (fc_parse_run_port(optarg, &p, why) ||
			    fc_run_port_add(o->ports, &o->nports, &p, why))
				goto out;
			o->set |= FC_RUN_SET_PORTS;
			break;
		}
		default:
			goto out; /* why is set */
		}
	}
	if (o->image)
		o->set |= FC_RUN_SET_IMAGE;
	if (!o->image && !o->manifest) {
		fc_arg_error(why, "missing IMAGE (or -f FILE)");
		goto out;
	}
	if (o->cap > 0 && (unsigned long)o->cap > 100 * o->vcpus) {
		fc_arg_error(why,
			     "--cap %ld is over 100%% per vcpu (%lu vcpus)",
			     o->cap, o->vcpus);
		goto out;
	}
	if (o->nports && !o->net) {
		fc_arg_error(why, "--publish needs a network (not --no-net)");
		goto out;
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	if (o->nargs || (optind > 0 && !strcmp(argv[optind - 1], "--")))
		o->set |= FC_RUN_SET_ARGS;
	for (i = 0; i < o->nargs; i++) {
		if (!o->args[i][0] || strchr(o->args[i], '"')) {
			/* spaces are quoted on the PV command line */
			fc_arg_error(why,
				     "argument '%s' is empty or has a double "
				     "quote",
				     o->args[i]);
			goto out;
		}
	}
	ret = 0;
out:
	snprintf(err, errlen, "%s", why);
	return ret;
}

static const struct option fc_kill_longopts[] = {
	{ "signal", required_argument, NULL, 's' },
	{ "grace", required_argument, NULL, 'g' },
	{ "tree", no_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 },
};

/* fcapsule kill [-s TERM|KILL] [--grace SEC] [--tree] ID|NAME... */
int fc_parse_kill_args(int argc, char **argv, struct fc_kill_opts *o, char *err)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->sig = SIGTERM;
	o->grace = 10;
	optind = 0;
	while ((c = fc_getopt(argc, argv, "+s:g:", fc_kill_longopts, err)) !=
	       -1) {
		switch (c) {
		case 'h':
			return FC_PARSE_HELP;
		case 's':
			o->sig = fc_parse_signal(optarg);
			if (o->sig < 0)
				return fc_arg_error(err,
						    "unknown signal '%s' (TERM "
						    "or KILL)",
						    optarg);
			break;
		case 'g':
			if (fc_parse_ulong(optarg, 0, 3600, &o->grace))
				return fc_arg_error(
					err,
					"bad --grace '%s' (seconds, "
					"0..3600)",
					optarg);
			break;
		case 't':
			o->tree = 1;
			break;
		default:
			return FC_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return fc_arg_error(err, "missing ID|NAME");
	o->targets = argv + optind;
	o->ntargets = argc - optind;
	return 0;
}

/* What is left after the options must be exactly one ID|NAME. */
static int fc_one_target(int argc, char **argv, char *err)
{
	if (optind >= argc)
		return fc_arg_error(err, "missing ID|NAME");
	if (optind + 1 < argc)
		return fc_arg_error(err, "one app VM at a time ('%s' is more)",
				    argv[optind + 1]);
	return 0;
}

static const struct option fc_ps_longopts[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "pool", no_argument, NULL, OPT_POOL },
	{ NULL, 0, NULL, 0 },
};

/* fcapsule ps [-a] [-q] [--json] [--pool] [ID|NAME...] */
int fc_parse_ps_args(int argc, char **argv, struct fc_ps_opts *o, char *err)
{
	int c;

	memset(o, 0, sizeof(*o));
	optind = 0;
	while ((c = fc_getopt(argc, argv, "aq", fc_ps_longopts, err)) != -1) {
		switch (c) {
		case 'h':
			return FC_PARSE_HELP;
		case 'a':
			o->all = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case OPT_JSON:
			o->json = 1;
			break;
		case OPT_POOL:
			o->pool = 1;
			break;
		default:
			return FC_EXIT_USAGE;
		}
	}
	if (o->quiet && o->json)
		return fc_arg_error(err, "-q and --json exclude each other");
	if (o->pool && (o->all || o->quiet || optind < argc))
		return fc_arg_error(err, "--pool takes only --json");
	o->filter = argv + optind;
	o->nfilter = argc - optind;
	return 0;
}

/* fcapsule inspect [--json] ID|NAME */
int fc_parse_inspect_args(int argc, char **argv, struct fc_ps_opts *o,
			  char *err)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->all = 1;
	optind = 0;
	while ((c = fc_getopt(argc, argv, "", lopts, err)) != -1) {
		switch (c) {
		case 'h':
			return FC_PARSE_HELP;
		case OPT_JSON:
			o->json = 1;
			break;
		default:
			return FC_EXIT_USAGE;
		}
	}
	if (fc_one_target(argc, argv, err))
		return FC_EXIT_USAGE;
	o->filter = argv + optind;
	o->nfilter = 1;
	return 0;
}

/* fcapsule logs [-f] [-n N] [--log-dir DIR] ID|NAME */
int fc_parse_logs_args(int argc, char **argv, struct fc_logs_opts *o, char *err)
{
	static const struct option lopts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "lines", required_argument, NULL, 'n' },
		{ "log-dir", required_argument, NULL, OPT_LOG_DIR },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->lines = -1;
	optind = 0;
	while ((c = fc_getopt(argc, argv, "fn:", lopts, err)) != -1) {
		switch (c) {
		case 'h':
			return FC_PARSE_HELP;
		case 'f':
			o->follow = 1;
			break;
		case 'n':
			if (fc_parse_ulong(optarg, 0, 1000000000, &v))
				return fc_arg_error(err,
						    "bad -n '%s' (a number of "
						    "lines)",
						    optarg);
			o->lines = v;
			break;
		case OPT_LOG_DIR:
			if (!optarg[0])
				return fc_arg_error(err, "empty --log-dir");
			o->log_dir = optarg;
			break;
		default:
			return FC_EXIT_USAGE;
		}
	}
	if (fc_one_target(argc, argv, err))
		return FC_EXIT_USAGE;
	o->target = argv[optind];
	return 0;
}

size_t fc_tail_offset(const char *text, size_t len, long lines)
{
	size_t i = len;

	if (lines < 0)
		return 0;
	if (lines == 0)
		return len;
	/* a last line without its newline counts as a line */
	if (i > 0 && text[i - 1] == '\n')
		i--;
	while (i > 0) {
		if (text[i - 1] == '\n' && --lines == 0)
			return i;
		i--;
	}
	return 0;
}

/* fcapsule cap ID|NAME PCT */
int fc_parse_cap_args(int argc, char **argv, const char **target,
		      unsigned long *pct, char *err)
{
	int c;

	optind = 0;
	while ((c = fc_getopt(argc, argv, "+", NULL, err)) != -1)
		return c == 'h' ? FC_PARSE_HELP : FC_EXIT_USAGE;
	if (optind >= argc)
		return fc_arg_error(err, "missing ID|NAME");
	if (optind + 1 >= argc)
		return fc_arg_error(err, "missing PCT");
	if (optind + 2 < argc)
		return fc_arg_error(err, "unexpected argument '%s'",
				    argv[optind + 2]);
	if (fc_parse_ulong(argv[optind + 1], 0, 12800, pct))
		return fc_arg_error(err,
				    "bad PCT '%s' (percent of one CPU, "
				    "0..12800; 0: no cap)",
				    argv[optind + 1]);
	*target = argv[optind];
	return 0;
}

/* fcapsule serve [--count N] | --status [--json] */
int fc_parse_serve_args(int argc, char **argv, struct fc_serve_args *a,
			char *err)
{
	static const struct option lopts[] = {
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "status", no_argument, NULL, OPT_STATUS },
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c;

	memset(a, 0, sizeof(*a));
	optind = 0;
	while ((c = fc_getopt(argc, argv, "", lopts, err)) != -1) {
		switch (c) {
		case 'h':
			return FC_PARSE_HELP;
		case OPT_COUNT:
			if (fc_parse_ulong(optarg, 1, 1UL << 40, &v))
				return fc_arg_error(
					err,
					"bad --count '%s' (a number "
					"of events, at least 1)",
					optarg);
			a->max_events = (long)v;
			break;
		case OPT_STATUS:
			a->status = 1;
			break;
		case OPT_JSON:
			a->json = 1;
			break;
		default:
			return FC_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return fc_arg_error(err, "unexpected argument '%s'",
				    argv[optind]);
	if (a->json && !a->status)
		return fc_arg_error(err, "--json goes with --status");
	if (a->status && a->max_events)
		return fc_arg_error(err, "--count does not go with --status");
	return 0;
}

/*
 * fcapsule pool [ls] [--json]
 * fcapsule pool set IMAGE COUNT [--memory MB] [--vcpus N] [--no-net]
 *                   [--image-dir DIR]
 * fcapsule pool fill
 */
int fc_parse_pool_args(int argc, char **argv, struct fc_pool_opts *o, char *err)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "memory", required_argument, NULL, 'm' },
		{ "vcpus", required_argument, NULL, 'c' },
		{ "no-net", no_argument, NULL, OPT_NO_NET },
		{ "image-dir", required_argument, NULL, OPT_IMAGE_DIR },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c, npos;

	memset(o, 0, sizeof(*o));
	o->memory_mb = 4;
	o->vcpus = 1;
	o->net = 1;
	o->action = "ls";
	optind = 0;
	while ((c = fc_getopt(argc, argv, "m:c:", lopts, err)) != -1) {
		switch (c) {
		case 'h':
			return FC_PARSE_HELP;
		case OPT_JSON:
			o->json = 1;
			break;
		case 'm':
			if (fc_parse_memory_opt(optarg, &o->memory_mb, err))
				return FC_EXIT_USAGE;
			o->set_opts = 1;
			break;
		case 'c':
			if (fc_parse_vcpus_opt(optarg, &o->vcpus, err))
				return FC_EXIT_USAGE;
			o->set_opts = 1;
			break;
		case OPT_NO_NET:
			o->net = 0;
			o->set_opts = 1;
			break;
		case OPT_IMAGE_DIR:
			o->image_dir = optarg;
			o->set_opts = 1;
			break;
		default:
			return FC_EXIT_USAGE;
		}
	}
	npos = argc - optind;
	if (npos > 0)
		o->action = argv[optind];
	if (!strcmp(o->action, "ls") || !strcmp(o->action, "fill")) {
		if (npos > 1)
			return fc_arg_error(err, "unexpected '%s'",
					    argv[optind + 1]);
		if (o->set_opts)
			return fc_arg_error(err, "%s takes only --json",
					    o->action);
		if (o->json && strcmp(o->action, "ls"))
			return fc_arg_error(err, "fill takes no option");
		return 0;
	}
	if (strcmp(o->action, "set"))
		return fc_arg_error(err, "unknown action '%s'", o->action);
	if (npos != 3)
		return fc_arg_error(err, "set needs IMAGE and COUNT");
	if (o->json)
		return fc_arg_error(err, "set takes no --json");
	o->image = argv[optind + 1];
	if (fc_parse_ulong(argv[optind + 2], 0, FC_POOL_COUNT_MAX, &v))
		return fc_arg_error(err, "bad COUNT '%s' (0..%d)",
				    argv[optind + 2], FC_POOL_COUNT_MAX);
	o->count = (unsigned int)v;
	return 0;
}
