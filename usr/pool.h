/* SPDX-License-Identifier: GPL-2.0 */
/* The warm pool of domain shells (pool.c). */
#ifndef FC_POOL_H
#define FC_POOL_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "cmd.h"
#include "fc.h"
#include "xl.h"

#define FC_POOL_PREFIX "fcpool-"
/* A shell's kernel command line: "read mine from XenStore" (docs/libos.md) */
#define FC_POOL_CMDLINE	  "fc.pool"
#define FC_POOL_MAX	  FC_POOL_COUNT_MAX /* shells of one kind */
#define FC_POOL_KINDS_MAX 16

/* One kind of shell, and how many of it to keep. */
struct fc_pool_spec {
	char kernel[FC_PATH_MAX]; /* resolved image path */
	unsigned long memory_mb;
	unsigned long vcpus;
	int net;
	unsigned int count;
};

struct fc_pool_shell {
	uint32_t domid;
	char name[FC_VMNAME_MAX];
	struct fc_pool_spec spec; /* count unused */
	uint32_t addr;		  /* network order; 0: no vif */
	time_t made;
};

int fc_pool_is_shell_name(const char *name);
int fc_pool_spec_match(const struct fc_pool_spec *a,
		       const struct fc_pool_spec *b);
int fc_pool_conf_parse_line(const char *line, struct fc_pool_spec *s);
int fc_pool_conf_read(struct fc_pool_spec *specs, int max);
int fc_pool_conf_set(const struct fc_pool_spec *s);
int fc_pool_shells(struct fc_pool_shell **out);
int fc_pool_claim(struct fc_xl *x, const struct fc_pool_spec *want,
		  const char *name, struct fc_pool_shell *got);
int fc_pool_console_follow(const char *name, const char *shell_name);
int fc_pool_fill(struct fc_xl *x);
int fc_pool_needs_fill(void);
void fc_pool_tick(int force);
int fc_pool_print(FILE *f, int json);

#endif
