/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Grant table (v1): share our frames with another domain (the fcapsule
 * backend in Dom0 maps the ring page it is granted).
 */
#ifndef FCOS_GNTTAB_H
#define FCOS_GNTTAB_H

#include <fcos/xen.h>
#include <xen/grant_table.h>

int fcos_gnttab_init(void);
void fcos_gnttab_fini(void);
int fcos_gnttab_suspend(void);
int fcos_gnttab_resume(int new_domain);

/* Grant @domid access to machine frame @mfn; *@ref gets the reference.
 * Returns 0, or -ENOSPC when no reference is free. */
int fcos_gnttab_grant_access(domid_t domid, unsigned long mfn, int readonly,
			     grant_ref_t *ref);
/* Same for the page holding @va (a page of our own memory). */
int fcos_gnttab_grant_page(domid_t domid, const void *va, int readonly,
			   grant_ref_t *ref);
/* Revoke and free @ref.  Returns 0, or -EBUSY while the peer still has
 * it mapped (the reference then stays allocated: retry later). */
int fcos_gnttab_end_access(grant_ref_t ref);

#endif
