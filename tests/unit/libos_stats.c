// SPDX-License-Identifier: GPL-2.0
// unit-sources: libos/lib/stats.c
// unit-cflags: -DFCOS_HOSTED -Ilibos/include
/* Benchmark summaries (libos/lib/stats.c): order, percentiles, format. */
#include <string.h>
#include "unit.h"
#include <fc/stats.h>

int main(void)
{
	uint64_t one[] = { 7 };
	uint64_t v[200];
	struct fc_stats_summary s;
	char b[24];

	fc_stats_summarize(one, 1, &s);
	CHECK(s.min == 7 && s.med == 7 && s.p99 == 7);
	/* 200 samples 1..200, reversed: median v[100] = 101, p99 v[198]. */
	for (int i = 0; i < 200; i++)
		v[i] = 200 - i;
	fc_stats_summarize(v, 200, &s);
	CHECK(s.min == 1);
	CHECK(s.med == 101);
	CHECK(s.p99 == 199);
	for (int i = 1; i < 200; i++)
		CHECK(v[i - 1] <= v[i]);
	CHECK_EQ_STR(fc_stats_us(152700, b), "152.70");
	CHECK_EQ_STR(fc_stats_us(999, b), "0.99");
	CHECK_EQ_STR(fc_stats_us(17479000, b), "17479.00");
	return unit_report("libos_stats");
}
