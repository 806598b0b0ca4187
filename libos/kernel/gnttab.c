// SPDX-License-Identifier: GPL-2.0
/*
 * Grant table v1.  GNTTABOP_setup_table gives the table's frames; they are
 * mapped over pages of our .bss.  Entries are shared with Xen and the
 * peer: frame/domid are written before flags, and flags change by cmpxchg.
 */
#include <errno.h>
#include <fcos/arch.h>
#include <fcos/gnttab.h>
#include <fcos/hypercall.h>

#define NR_FRAMES	  4
#define ENTRIES_PER_FRAME (FCOS_PAGE_SIZE / sizeof(grant_entry_v1_t))
#define NR_ENTRIES	  (NR_FRAMES * ENTRIES_PER_FRAME)
/* The toolstack uses refs below this (console, xenstore). */
#define FIRST_REF GNTTAB_NR_RESERVED_ENTRIES

static char table_pages[NR_FRAMES][FCOS_PAGE_SIZE]
	__attribute__((aligned(4096), section(".bss.page_aligned")));
static grant_entry_v1_t *table;
static unsigned int nr_entries;
/* Free list threaded through an array: next free ref, 0 = end. */
static grant_ref_t free_next[NR_ENTRIES];
static grant_ref_t free_head;

static int setup_table(void)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	xen_pfn_t frames[NR_FRAMES];
	struct gnttab_setup_table st = { .dom = DOMID_SELF };
	unsigned int n = NR_FRAMES, i;
	int rc;

	rc = (int)fcos_hyp_grant_table_op(GNTTABOP_query_size, &q, 1);
	if (!rc && q.status == GNTST_okay && q.max_nr_frames < n)
		n = q.max_nr_frames;
	st.nr_frames = n;
	set_xen_guest_handle(st.frame_list, frames);
	rc = (int)fcos_hyp_grant_table_op(GNTTABOP_setup_table, &st, 1);
	if (rc)
		return rc;
	if (st.status != GNTST_okay)
		return -EIO;
	for (i = 0; i < n; i++) {
		rc = fcos_arch_map_mfn((unsigned long)table_pages[i], frames[i],
				       1);
		if (rc)
			return rc;
	}
	table = (grant_entry_v1_t *)table_pages;
	nr_entries = n * ENTRIES_PER_FRAME;
	return 0;
}

static void free_all(void)
{
	unsigned int i;

	free_head = 0;
	for (i = nr_entries - 1; i >= FIRST_REF; i--) {
		free_next[i] = free_head;
		free_head = i;
	}
}

int fcos_gnttab_init(void)
{
	int rc = setup_table();

	if (!rc)
		free_all();
	return rc;
}

int fcos_gnttab_grant_access(domid_t domid, unsigned long mfn, int readonly,
			     grant_ref_t *ref)
{
	unsigned long flags = fcos_irq_save();
	grant_ref_t r = free_head;

	if (!r) {
		fcos_irq_restore(flags);
		return -ENOSPC;
	}
	free_head = free_next[r];
	fcos_irq_restore(flags);

	table[r].frame = (uint32_t)mfn;
	table[r].domid = domid;
	/* frame and domid must be visible before the entry goes live */
	fcos_wmb();
	table[r].flags = GTF_permit_access | (readonly ? GTF_readonly : 0);
	*ref = r;
	return 0;
}

int fcos_gnttab_grant_page(domid_t domid, const void *va, int readonly,
			   grant_ref_t *ref)
{
	return fcos_gnttab_grant_access(domid, fcos_virt_to_mfn(va), readonly,
					ref);
}

int fcos_gnttab_end_access(grant_ref_t ref)
{
	uint16_t f;
	unsigned long flags;

	if (ref < FIRST_REF || ref >= nr_entries)
		return -EINVAL;
	/* Clear flags only if the peer is not mapping it right now. */
	f = __atomic_load_n(&table[ref].flags, __ATOMIC_SEQ_CST);
	do {
		if (f & (GTF_reading | GTF_writing))
			return -EBUSY;
	} while (!__atomic_compare_exchange_n(&table[ref].flags, &f, 0, 0,
					      __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
	flags = fcos_irq_save();
	free_next[ref] = free_head;
	free_head = ref;
	fcos_irq_restore(flags);
	return 0;
}

void fcos_gnttab_fini(void)
{
}

/*
 * The table frames are Xen's: they are unmapped before a save (a page
 * table entry for them cannot be saved) and mapped again after it.  A
 * cancelled suspend finds its grants as they were; a new domain has an
 * empty table, so every ref is free again and the owners grant afresh
 * (their old refs must not be ended: they may be someone else's now).
 */
int fcos_gnttab_suspend(void)
{
	unsigned int i;

	for (i = 0; i < NR_FRAMES; i++)
		fcos_hyp_update_va_mapping((unsigned long)table_pages[i], 0,
					   UVMF_INVLPG);
	return 0;
}

int fcos_gnttab_resume(int new_domain)
{
	int rc = setup_table();

	if (!rc && new_domain)
		free_all();
	return rc;
}
