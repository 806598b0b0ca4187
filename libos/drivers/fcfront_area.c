// SPDX-License-Identifier: GPL-2.0
/*
 * fcfront's IPC data areas (docs/protocol.md, "IPC data areas"): pages
 * granted to the backend for message bodies, one area each way.  They are
 * optional: without them messages go in 56-byte fragments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcos/arch.h>
#include <fcos/lib.h>
#include <fcos/mm.h>
#include "fcfront_priv.h"

/* Grant @pages pages at @va to the backend; 0 or the first error (what
 * was granted stays granted: the caller gives up the whole area). */
static int grant_area(void *va, int pages, grant_ref_t *refs)
{
	for (int i = 0; i < pages; i++) {
		int rc = fcos_gnttab_grant_page(fcfront_dev.backend_id,
						(char *)va + i * FCOS_PAGE_SIZE,
						0, &refs[i]);

		if (rc)
			return rc;
	}
	return 0;
}

static int grant_both(void)
{
	struct fcfront_dev *d = &fcfront_dev;

	return grant_area(d->out_area, OUT_AREA_PAGES, d->out_refs)
		       ?: grant_area(d->in_area, IN_AREA_PAGES, d->in_refs);
}

/* The IPC data areas: optional, so a failure only costs large messages
 * their speed (they then go in 56-byte fragments). */
void fcfront_areas_setup(void)
{
	struct fcfront_dev *d = &fcfront_dev;

	d->out_area = fcos_alloc_pages(OUT_AREA_PAGES);
	d->in_area = fcos_alloc_pages(IN_AREA_PAGES);
	if (!d->out_area || !d->in_area || grant_both()) {
		printf("fcfront: no IPC data areas\n");
		/* Leaked on purpose: a granted page must not be reused. */
		d->out_area = NULL;
		d->in_area = NULL;
		return;
	}
	memset(d->out_area, 0, OUT_AREA_PAGES * FCOS_PAGE_SIZE);
	memset(d->in_area, 0, IN_AREA_PAGES * FCOS_PAGE_SIZE);
}

/* A new domain's grant table is empty: grant the same pages again. */
int fcfront_areas_regrant(void)
{
	struct fcfront_dev *d = &fcfront_dev;

	if (!d->out_area || !grant_both())
		return 0;
	printf("fcfront: no IPC data areas\n");
	d->out_area = NULL; /* leaked: granted pages stay granted */
	d->in_area = NULL;
	return 0;
}

static void release_area(void *va, int pages, const grant_ref_t *refs)
{
	int still_mapped = 0;

	if (!va)
		return;
	for (int i = 0; i < pages; i++)
		still_mapped |= fcos_gnttab_end_access(refs[i]);
	if (!still_mapped)
		fcos_free_pages(va, pages);
}

/* End both areas' grants; a page Dom0 still maps is leaked, not reused. */
void fcfront_areas_release(void)
{
	struct fcfront_dev *d = &fcfront_dev;

	release_area(d->out_area, OUT_AREA_PAGES, d->out_refs);
	release_area(d->in_area, IN_AREA_PAGES, d->in_refs);
	d->out_area = NULL;
	d->in_area = NULL;
}

/* The areas' keys, in the session's transaction. */
int fcfront_areas_publish(fcos_xs_transaction_t t)
{
	struct fcfront_dev *d = &fcfront_dev;
	char key[48];
	int rc = 0;

	if (!d->out_area || !d->in_area)
		return 0; /* optional: messages then go inline only */
	rc = fcos_xs_printf(t, FE_DIR "/" FC_XS_IPC_OUT_PAGES, "%d",
			    OUT_AREA_PAGES);
	for (int i = 0; !rc && i < OUT_AREA_PAGES; i++) {
		snprintf(key, sizeof(key), FE_DIR "/" FC_XS_IPC_OUT_REF "%d",
			 i);
		rc = fcos_xs_printf(t, key, "%u", d->out_refs[i]);
	}
	rc = rc
		     ?: fcos_xs_printf(t, FE_DIR "/" FC_XS_IPC_IN_PAGES, "%d",
				       IN_AREA_PAGES);
	for (int i = 0; !rc && i < IN_AREA_PAGES; i++) {
		snprintf(key, sizeof(key), FE_DIR "/" FC_XS_IPC_IN_REF "%d", i);
		rc = fcos_xs_printf(t, key, "%u", d->in_refs[i]);
	}
	return rc;
}
