// SPDX-License-Identifier: GPL-2.0
/* Benchmark sample summaries (<fc/stats.h>). */
#include <stdio.h>
#include <fc/stats.h>

/* Shell sort: the library OS has no qsort, and n is small. */
static void sort(uint64_t *v, int n)
{
	for (int gap = n / 2; gap > 0; gap /= 2)
		for (int i = gap; i < n; i++) {
			uint64_t x = v[i];
			int j;

			for (j = i; j >= gap && v[j - gap] > x; j -= gap)
				v[j] = v[j - gap];
			v[j] = x;
		}
}

void fc_stats_summarize(uint64_t *v, int n, struct fc_stats_summary *s)
{
	long long i99 = n * 99LL / 100;

	sort(v, n);
	s->min = v[0];
	s->med = v[n / 2];
	s->p99 = v[i99 < n ? i99 : n - 1];
}

const char *fc_stats_us(uint64_t ns, char *buf)
{
	snprintf(buf, 24, "%llu.%02llu", (unsigned long long)(ns / 1000),
		 (unsigned long long)(ns % 1000 / 10));
	return buf;
}
