// SPDX-License-Identifier: GPL-2.0
/*
 * x86_64 PV suspend: what a toolstack needs from the guest to save it
 * (xc_domain_save) and what the guest must redo after a restore.
 *
 * Save walks the guest's P2M through the frame list list in shared info;
 * restore rewrites the P2M itself, the page tables and start_info (new
 * mfns for the store and console pages, new shared info), and expects the
 * store and console frames in start_info as pfns at suspend time.  Pfns
 * are kept across a restore, so every pfn-based address stays valid.
 */
#include <fcos/arch.h>
#include <fcos/hypercall.h>
#include <fcos/lib.h>

#define P2M_PER_PAGE (FCOS_PAGE_SIZE / sizeof(unsigned long))

/* Frames of the P2M pages, and the frame of that list: up to 1 GiB. */
static unsigned long p2m_frame_list[P2M_PER_PAGE]
	__attribute__((aligned(4096), section(".bss.page_aligned")));
static unsigned long p2m_frame_list_list[P2M_PER_PAGE]
	__attribute__((aligned(4096), section(".bss.page_aligned")));

extern char fcos_shared_info_page[FCOS_PAGE_SIZE];

void fcos_arch_p2m_publish(void)
{
	unsigned long nr = fcos_start_info->nr_pages, i, pages;

	if (nr > P2M_PER_PAGE * P2M_PER_PAGE)
		nr = P2M_PER_PAGE * P2M_PER_PAGE; /* more is not savable */
	pages = (nr + P2M_PER_PAGE - 1) / P2M_PER_PAGE;
	for (i = 0; i < pages; i++)
		p2m_frame_list[i] =
			fcos_virt_to_mfn(fcos_p2m + i * P2M_PER_PAGE);
	p2m_frame_list_list[0] = fcos_virt_to_mfn(p2m_frame_list);
	fcos_shared_info->arch.max_pfn = nr;
	/* The lists are complete before the toolstack may follow them. */
	fcos_wmb();
	fcos_shared_info->arch.pfn_to_mfn_frame_list_list =
		fcos_virt_to_mfn(p2m_frame_list_list);
}

/*
 * Events are masked.  The shared info frame is Xen's, not ours: a page
 * table entry for it cannot be saved, so the page it covers gets its own
 * frame back, with the event mask set for the irq helpers that read it
 * until post_suspend.
 */
void fcos_arch_pre_suspend(void)
{
	struct start_info *si = fcos_start_info;
	unsigned long va = (unsigned long)fcos_shared_info_page;

	si->store_mfn = fcos_mfn_to_pfn(si->store_mfn);
	si->console.domU.mfn = fcos_mfn_to_pfn(si->console.domU.mfn);
	fcos_arch_map_mfn(va, fcos_virt_to_mfn(fcos_shared_info_page), 1);
	fcos_memset(fcos_shared_info_page, 0, FCOS_PAGE_SIZE);
	fcos_shared_info->vcpu_info[0].evtchn_upcall_mask = 1;
}

int fcos_arch_suspend(void)
{
	struct sched_shutdown sd = { .reason = SHUTDOWN_suspend };

	/* The third argument names start_info for the toolstack; the
	 * result is 1 when the suspend was cancelled (same domain). */
	return (int)_fcos_hypercall3(__HYPERVISOR_sched_op, SCHEDOP_shutdown,
				     &sd, fcos_virt_to_mfn(fcos_start_info));
}

void fcos_arch_post_suspend(int cancelled)
{
	struct start_info *si = fcos_start_info;

	fcos_arch_map_mfn((unsigned long)fcos_shared_info_page,
			  si->shared_info >> FCOS_PAGE_SHIFT, 1);
	if (cancelled) {
		si->store_mfn = fcos_pfn_to_mfn(si->store_mfn);
		si->console.domU.mfn = fcos_pfn_to_mfn(si->console.domU.mfn);
		return;
	}
	/* A new domain: its P2M pages are other frames. */
	fcos_arch_p2m_publish();
}
