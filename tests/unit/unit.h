/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal host unit-test harness.  Each test program prints one line per
 * check ("ok"/"not ok", TAP style) and a final "N passed, N failed" line;
 * tests/run-unit aggregates the programs.
 */
#ifndef FC_TESTS_UNIT_H
#define FC_TESTS_UNIT_H

#include <stdio.h>
#include <stdlib.h>

static int unit_passed, unit_failed;

#define CHECK(cond)                                                      \
	do {                                                             \
		if (cond) {                                              \
			unit_passed++;                                   \
		} else {                                                 \
			unit_failed++;                                   \
			printf("not ok %s:%d: %s\n", __FILE__, __LINE__, \
			       #cond);                                   \
		}                                                        \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                    \
	do {                                                                  \
		long long unit_a_ = (a), unit_b_ = (b);                       \
		if (unit_a_ == unit_b_) {                                     \
			unit_passed++;                                        \
		} else {                                                      \
			unit_failed++;                                        \
			printf("not ok %s:%d: %s == %s (%lld != %lld)\n",     \
			       __FILE__, __LINE__, #a, #b, unit_a_, unit_b_); \
		}                                                             \
	} while (0)

#define CHECK_EQ_STR(a, b)                                                    \
	do {                                                                  \
		const char *unit_a_ = (a), *unit_b_ = (b);                    \
		if (unit_a_ && unit_b_ && strcmp(unit_a_, unit_b_) == 0) {    \
			unit_passed++;                                        \
		} else {                                                      \
			unit_failed++;                                        \
			printf("not ok %s:%d: %s == %s (\"%s\" != \"%s\")\n", \
			       __FILE__, __LINE__, #a, #b,                    \
			       unit_a_ ? unit_a_ : "(null)",                  \
			       unit_b_ ? unit_b_ : "(null)");                 \
		}                                                             \
	} while (0)

static inline int unit_report(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#endif
