// SPDX-License-Identifier: GPL-2.0
// unit-sources: usr/psfmt.c
// unit-cflags: -Iusr
/*
 * fcapsule ps output: durations, CPU time, memory, the text table and the
 * JSON form (escaping, exit codes, empty list).
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "fc.h"

static char *capture(void (*fn)(FILE *, const struct fc_ps_row *, int),
		     const struct fc_ps_row *rows, int n)
{
	static char buf[4096];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	fn(f, rows, n);
	fclose(f);
	return buf;
}

static void test_fmt(void)
{
	char b[32];

	fc_fmt_duration(59, b, sizeof(b));
	CHECK_EQ_STR(b, "59s");
	fc_fmt_duration(243, b, sizeof(b));
	CHECK_EQ_STR(b, "4m03s");
	fc_fmt_duration(7500, b, sizeof(b));
	CHECK_EQ_STR(b, "2h05m");
	fc_fmt_duration(86400 * 3 + 3600 * 4, b, sizeof(b));
	CHECK_EQ_STR(b, "3d04h");
	fc_fmt_duration(-1, b, sizeof(b));
	CHECK_EQ_STR(b, "-");
	fc_fmt_cputime(1234560000ULL, b, sizeof(b));
	CHECK_EQ_STR(b, "0:01.23");
	fc_fmt_cputime(125ULL * 1000000000ULL, b, sizeof(b));
	CHECK_EQ_STR(b, "2:05.00");
	fc_fmt_mem(4096, b, sizeof(b));
	CHECK_EQ_STR(b, "4096K");
	fc_fmt_mem(131072, b, sizeof(b));
	CHECK_EQ_STR(b, "128M");
	fc_fmt_mem(4ULL * 1024 * 1024 * 10, b, sizeof(b));
	CHECK_EQ_STR(b, "40G");
}

static void rows_init(struct fc_ps_row *r)
{
	memset(r, 0, 2 * sizeof(*r));
	r[0].domid = 5;
	snprintf(r[0].name, sizeof(r[0].name), "hello");
	snprintf(r[0].state, sizeof(r[0].state), "running");
	r[0].exit_code = -1;
	r[0].mem_kb = 4096;
	r[0].cpu_ns = 2500000000ULL;
	r[0].cpu_pct = 12.5;
	r[0].cap = 60;
	r[0].uptime_s = 20;
	r[0].connected = 1;
	r[1].domid = 3;
	r[1].ppid = 5;
	snprintf(r[1].name, sizeof(r[1].name), "we\"ird\\");
	snprintf(r[1].state, sizeof(r[1].state), "exited");
	r[1].exit_code = 7;
	r[1].uptime_s = -1;
}

static void test_text(void)
{
	struct fc_ps_row r[2];
	char *out;

	rows_init(r);
	out = capture(fc_ps_print, r, 2);
	CHECK(strncmp(out, "   ID  PPID NAME", 16) == 0);
	CHECK(strstr(out, "UPTIME\n") != NULL);
	CHECK(strstr(out, "    5     0 hello                running") != NULL);
	CHECK(strstr(out, "4096K") != NULL);
	CHECK(strstr(out, "0:02.50") != NULL);
	CHECK(strstr(out, " 12.5 ") != NULL);
	CHECK(strstr(out, "  60 ") != NULL);
	CHECK(strstr(out, " 20s\n") != NULL);
	CHECK(strstr(out, "exited(7)") != NULL);
	out = capture(fc_ps_print, r, 0);
	CHECK(strchr(out, '\n') == out + strlen(out) - 1); /* header only */

	qsort(r, 2, sizeof(r[0]), fc_ps_cmp);
	CHECK_EQ_INT(r[0].domid, 3);
	CHECK_EQ_INT(r[1].domid, 5);
}

static void test_json(void)
{
	struct fc_ps_row r[2];
	char *out;

	rows_init(r);
	out = capture(fc_ps_print_json, r, 2);
	CHECK(out[0] == '[');
	CHECK(strstr(out, "{\"id\": 5, \"ppid\": 0, \"name\": \"hello\", "
			  "\"state\": \"running\", \"exit_code\": null, "
			  "\"mem_kb\": 4096, \"cpu_ns\": 2500000000, "
			  "\"cpu_pct\": 12.5, \"cap\": 60, \"ports\": \"\", "
			  "\"uptime_s\": 20, \"connected\": true}") != NULL);
	CHECK(strstr(out, "\"name\": \"we\\\"ird\\\\\"") != NULL);
	CHECK(strstr(out, "\"exit_code\": 7") != NULL);
	CHECK(strstr(out, "},\n") != NULL);
	CHECK(strcmp(out + strlen(out) - 3, "}\n]") == 0 ||
	      strcmp(out + strlen(out) - 2, "]\n") == 0);
	out = capture(fc_ps_print_json, r, 0);
	CHECK_EQ_STR(out, "[]\n");
}

int main(void)
{
	test_fmt();
	test_text();
	test_json();
	return unit_report("usr_psfmt");
}
