/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Latency samples for benchmark apps (apps/nopbench, apps/ipcbench):
 * min, median and 99th percentile, and nanoseconds printed as µs.  Pure,
 * host unit-tested (tests/unit/libos_stats.c).
 */
#ifndef FC_STATS_H
#define FC_STATS_H

#include <stdint.h>

struct fc_stats_summary {
	uint64_t min, med, p99; /* units of the samples */
};

/* Sorts @v (@n > 0 samples) in place and summarizes it. */
void fc_stats_summarize(uint64_t *v, int n, struct fc_stats_summary *s);

/* @ns as µs with two decimals ("152.70") in @buf (24 bytes); returns buf. */
const char *fc_stats_us(uint64_t ns, char *buf);

#endif
