// SPDX-License-Identifier: GPL-2.0
/*
 * cpuloop: a fixed CPU-bound integer workload in the spirit of Dhrystone
 * (record copies, string compares, integer arithmetic and branches), for
 * `fcapsule bench cap`.  argv[1]: iterations (default 2000000).
 *
 * It prints "FC-CPULOOP-DONE <iterations> <checksum> <ns>", <ns> being
 * the loop's runtime in Xen system time: time it spent parked by a cap
 * counts, domain creation and teardown in Dom0 do not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcos/time.h>

struct rec {
	struct rec *next;
	int discr, enum_comp, int_comp;
	char str[32];
};

static struct rec glob_a, glob_b;
static int arr1[50], arr2[50][50];

/* noinline: keep the calls Dhrystone makes, the compiler must not fold */
static __attribute__((noinline)) int proc_int(int a, int b)
{
	int c = a + 2;

	if (c > b)
		return c - b;
	return b * 3 - a;
}

static __attribute__((noinline)) void proc_rec(struct rec *p, int i)
{
	*p->next = glob_a;
	p->int_comp = 5 + (i & 7);
	p->next->int_comp = p->int_comp;
	p->next->discr = (p->discr + i) & 3;
	p->enum_comp = p->next->discr == 0 ? 1 : p->enum_comp ^ i;
}

static __attribute__((noinline)) void proc_arr(int i, int v)
{
	int loc = (i & 31) + 5;

	arr1[loc] = v;
	arr1[loc + 1] = arr1[loc];
	arr2[loc][loc] = arr2[loc][loc] + 1 + v;
	arr2[loc + 10][loc] = arr1[loc];
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000000;
	unsigned long i;
	unsigned int check = 0;
	char s1[32], s2[32];
	uint64_t t0 = fcos_monotonic_ns();

	glob_b.next = &glob_a;
	strcpy(glob_b.str, "DHRYSTONE PROGRAM, SOME STRING");
	strcpy(s1, "DHRYSTONE PROGRAM, 1'ST STRING");
	for (i = 0; i < n; i++) {
		int a = (int)(i & 0xff), b = 3;

		strcpy(s2, "DHRYSTONE PROGRAM, 2'ND STRING");
		if (strcmp(s1, s2) > 0)
			b = proc_int(a, b);
		proc_rec(&glob_b, (int)i);
		proc_arr((int)i, b);
		check += (unsigned int)(b * a) ^ glob_b.int_comp ^
			 arr1[(i & 31) + 5];
	}
	printf("FC-CPULOOP-DONE %lu %u %llu\n", n, check,
	       (unsigned long long)(fcos_monotonic_ns() - t0));
	return 0;
}
