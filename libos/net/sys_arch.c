// SPDX-License-Identifier: GPL-2.0
/* lwIP's NO_SYS platform hooks: a millisecond clock and random numbers. */
#include <stdint.h>
#include <fcos/time.h>
#include "lwip/sys.h"

u32_t sys_now(void)
{
	return (u32_t)(fcos_monotonic_ns() / FCOS_NSEC_PER_MSEC);
}

/*
 * xorshift64 seeded from the TSC on first use: initial sequence numbers
 * and ephemeral ports only need to differ between boots and clones.
 */
uint32_t fcos_net_rand(void)
{
	static uint64_t s;
	uint32_t lo, hi;

	if (!s) {
		__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
		s = ((uint64_t)hi << 32 | lo) ^ 0x9e3779b97f4a7c15ULL;
		if (!s)
			s = 1;
	}
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (uint32_t)(s >> 32);
}
