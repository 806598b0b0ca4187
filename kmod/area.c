// SPDX-License-Identifier: GPL-2.0
/*
 * IPC data areas (docs/protocol.md, "IPC data areas"): each frontend may
 * grant Dom0 an out-area, where it puts the bodies of the messages it
 * sends, and an in-area, where Dom0 puts the bodies of the messages it
 * receives.  Both stay mapped while the app VM is connected, so a message
 * of up to FC_IPC_AREA_MSG_MAX bytes crosses Dom0 in one request and one
 * memcpy instead of 56-byte fragments, and still no app VM maps another's
 * memory.
 *
 * The in-area is a byte ring owned by the backend: a body never wraps
 * (if it does not fit before the end, the tail is skipped), and the space
 * of each inbound slot is given back when the frontend acknowledges that
 * slot.  Only the backend's own bookkeeping decides where bodies go; the
 * frontend can only acknowledge early, which harms nobody but itself.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <xen/page.h>
#include <xen/xenbus.h>

#include "fcback.h"

/* Map one area the frontend offers; none (0) if it offers none. */
static int fcback_area_map(struct xenbus_device *dev, const char *pages_key,
			   const char *ref_prefix, struct fcback_area *area)
{
	grant_ref_t refs[FC_IPC_AREA_PAGES_MAX];
	unsigned int pages, i;
	char key[32];
	int err;

	area->addr = NULL;
	area->size = 0;
	pages = xenbus_read_unsigned(dev->otherend, pages_key, 0);
	if (!pages)
		return 0;
	if (pages > FC_IPC_AREA_PAGES_MAX) {
		xenbus_dev_fatal(dev, -EINVAL, "%s/%s is %u, at most %u",
				 dev->otherend, pages_key, pages,
				 FC_IPC_AREA_PAGES_MAX);
		return -EINVAL;
	}
	for (i = 0; i < pages; i++) {
		snprintf(key, sizeof(key), "%s%u", ref_prefix, i);
		err = xenbus_scanf(XBT_NIL, dev->otherend, key, "%u",
				   &refs[i]);
		if (err != 1) {
			err = err < 0 ? err : -EINVAL;
			xenbus_dev_fatal(dev, err, "reading %s/%s",
					 dev->otherend, key);
			return err;
		}
	}
	/* Reports its own failures with xenbus_dev_fatal(). */
	err = xenbus_map_ring_valloc(dev, refs, pages, &area->addr);
	if (err) {
		area->addr = NULL;
		return err;
	}
	area->size = pages * XEN_PAGE_SIZE;
	return 0;
}

static void fcback_area_unmap(struct xenbus_device *dev,
			      struct fcback_area *area)
{
	if (area->addr)
		xenbus_unmap_ring_vfree(dev, area->addr);
	area->addr = NULL;
	area->size = 0;
}

/* Before the event channel is bound: nothing uses the areas yet. */
int fcback_area_connect(struct fcback_capsule *cap)
{
	int err;

	cap->in_area_head = 0;
	cap->in_area_used = 0;
	memset(cap->in_slot_charge, 0, sizeof(cap->in_slot_charge));
	err = fcback_area_map(cap->dev, FC_XS_IPC_OUT_PAGES, FC_XS_IPC_OUT_REF,
			      &cap->out_area);
	if (err)
		return err;
	err = fcback_area_map(cap->dev, FC_XS_IPC_IN_PAGES, FC_XS_IPC_IN_REF,
			      &cap->in_area);
	if (err)
		goto out_unmap_out_area;
	return 0;

out_unmap_out_area:
	fcback_area_unmap(cap->dev, &cap->out_area);
	return err;
}

/* After the event channel is unbound and the worker stopped. */
void fcback_area_disconnect(struct fcback_capsule *cap)
{
	fcback_area_unmap(cap->dev, &cap->in_area);
	fcback_area_unmap(cap->dev, &cap->out_area);
}

/*
 * Room for a body of @len bytes in cap's in-area: its offset in *@off and
 * the bytes it takes (a skipped tail included) in *@charge, to give back
 * when its slot is acknowledged.  in_lock held.
 */
bool fcback_area_alloc(struct fcback_capsule *cap, u32 len, u32 *off,
		       u32 *charge)
{
	u32 size = cap->in_area.size, pos, pad = 0;

	lockdep_assert_held(&cap->in_lock);
	if (!cap->in_area.addr || len > size)
		return false;
	if (!cap->in_area_used)
		cap->in_area_head = 0;	/* empty: start at the beginning */
	pos = cap->in_area_head;
	if (len > size - pos) {		/* never wrap a body */
		pad = size - pos;
		pos = 0;
	}
	if (pad + len > size - cap->in_area_used)
		return false;
	*off = pos;
	*charge = pad + len;
	cap->in_area_head = pos + len;
	cap->in_area_used += pad + len;
	return true;
}

/* The frontend acknowledged inbound slot @slot: its area bytes are free. */
void fcback_area_release(struct fcback_capsule *cap, RING_IDX slot)
{
	u32 *charge = &cap->in_slot_charge[slot % FC_RING_SLOTS];

	lockdep_assert_held(&cap->in_lock);
	cap->in_area_used -= min(*charge, cap->in_area_used);
	*charge = 0;
}
