// SPDX-License-Identifier: GPL-2.0
/*
 * fcapsule ps output: the text table (like ps) and the JSON form, from
 * rows already gathered by cmd_ps.c.  Pure, unit-tested on the host.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fc.h"

/* 59s, 4m03s, 2h05m, 3d04h: short and sortable by eye, like ps ETIME. */
void fc_fmt_duration(long s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "-");
	else if (s < 60)
		snprintf(buf, len, "%lds", s);
	else if (s < 3600)
		snprintf(buf, len, "%ldm%02lds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%ldh%02ldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%ldd%02ldh", s / 86400, s % 86400 / 3600);
}

/* CPU time as ps's TIME: M:SS.cc */
void fc_fmt_cputime(uint64_t ns, char *buf, size_t len)
{
	uint64_t cs = ns / 10000000ULL;

	snprintf(buf, len, "%" PRIu64 ":%02" PRIu64 ".%02" PRIu64, cs / 6000,
		 cs / 100 % 60, cs % 100);
}

void fc_fmt_mem(uint64_t kb, char *buf, size_t len)
{
	if (kb < 10240)
		snprintf(buf, len, "%" PRIu64 "K", kb);
	else if (kb < 10240ULL * 1024)
		snprintf(buf, len, "%" PRIu64 "M", (kb + 512) / 1024);
	else
		snprintf(buf, len, "%" PRIu64 "G", (kb + 524288) / 1048576);
}

static void fc_fmt_state(const struct fc_ps_row *r, char *buf, size_t len)
{
	if (r->exit_code >= 0 && !strcmp(r->state, "exited"))
		snprintf(buf, len, "exited(%d)", r->exit_code);
	else
		snprintf(buf, len, "%s", r->state);
}

void fc_ps_print(FILE *f, const struct fc_ps_row *rows, int n)
{
	int i;

	fprintf(f, "%5s %5s %-20s %-10s %6s %10s %5s %4s %-12s %s\n", "ID",
		"PPID", "NAME", "STATE", "MEM", "TIME", "%CPU", "CAP", "PORTS",
		"UPTIME");
	for (i = 0; i < n; i++) {
		const struct fc_ps_row *r = &rows[i];
		char state[24], mem[16], cpu[24], cap[24], up[16];

		fc_fmt_state(r, state, sizeof(state));
		fc_fmt_mem(r->mem_kb, mem, sizeof(mem));
		fc_fmt_cputime(r->cpu_ns, cpu, sizeof(cpu));
		if (r->cap > 0)
			snprintf(cap, sizeof(cap), "%ld", r->cap);
		else
			snprintf(cap, sizeof(cap), "-");
		fc_fmt_duration(r->uptime_s, up, sizeof(up));
		fprintf(f,
			"%5" PRIu32 " %5" PRIu32
			" %-20s %-10s %6s %10s %5.1f %4s %-12s %s\n",
			r->domid, r->ppid, r->name, state, mem, cpu, r->cpu_pct,
			cap, r->ports[0] ? r->ports : "-", up);
	}
}

/* A JSON string literal: quotes, backslashes and control bytes escaped. */
void fc_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* A row's JSON members, without the braces (inspect adds its own). */
void fc_ps_row_json(FILE *f, const struct fc_ps_row *r)
{
	fprintf(f, "\"id\": %" PRIu32 ", \"ppid\": %" PRIu32 ", \"name\": ",
		r->domid, r->ppid);
	fc_json_string(f, r->name);
	fprintf(f, ", \"state\": ");
	fc_json_string(f, r->state);
	if (r->exit_code >= 0)
		fprintf(f, ", \"exit_code\": %d", r->exit_code);
	else
		fprintf(f, ", \"exit_code\": null");
	fprintf(f,
		", \"mem_kb\": %" PRIu64 ", \"cpu_ns\": %" PRIu64
		", \"cpu_pct\": %.1f, \"cap\": %ld, \"ports\": ",
		r->mem_kb, r->cpu_ns, r->cpu_pct, r->cap > 0 ? r->cap : 0);
	fc_json_string(f, r->ports);
	fprintf(f, ", \"uptime_s\": %ld, \"connected\": %s", r->uptime_s,
		r->connected ? "true" : "false");
}

void fc_ps_print_json(FILE *f, const struct fc_ps_row *rows, int n)
{
	int i;

	fputc('[', f);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s\n  {", i ? "," : "");
		fc_ps_row_json(f, &rows[i]);
		fputc('}', f);
	}
	fprintf(f, "%s]\n", n ? "\n" : "");
}

int fc_ps_cmp(const void *a, const void *b)
{
	const struct fc_ps_row *x = a, *y = b;

	return x->domid < y->domid ? -1 : x->domid > y->domid;
}
