// SPDX-License-Identifier: GPL-2.0
/*
 * fcapsule.ko: the Dom0 side of FlexCapsule.  Serves app VMs' requests
 * over a grant-shared ring and exposes /dev/fcapsule to the OS server.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/workqueue.h>
#include <xen/xen.h>

#include "fcback.h"

/* Runs the event channel handlers' threads (one work item per app VM). */
struct workqueue_struct *fcback_wq;

static int __init fcback_init(void)
{
	int err;

	/* Only Dom0 (or a driver domain) can host app VM backends. */
	if (!xen_domain() || !xen_initial_domain())
		return -ENODEV;

	fcback_wq = alloc_workqueue("fcback", WQ_UNBOUND, 0);
	if (!fcback_wq)
		return -ENOMEM;

	err = fcback_chardev_init();
	if (err)
		goto out_destroy_wq;

	err = fcback_xenbus_init();
	if (err)
		goto out_chardev_fini;

	pr_info("loaded\n");
	return 0;

out_chardev_fini:
	fcback_chardev_fini();
out_destroy_wq:
	destroy_workqueue(fcback_wq);
	return err;
}

/*
 * The xenbus core holds a reference on this module for every bound device,
 * so rmmod is refused while any fcapsule device is bound.  To unload with
 * app VMs connected, unbind their devices first
 * (echo fcapsule-<domid>-0 > /sys/bus/xen-backend/drivers/fcapsule/unbind):
 * remove disconnects each cleanly (Closing, unbind, unmap, Closed).  A new
 * insmod re-probes the devices, which go back to InitWait.
 */
static void __exit fcback_exit(void)
{
	fcback_xenbus_fini();
	fcback_chardev_fini();
	destroy_workqueue(fcback_wq);
	pr_info("unloaded\n");
}

module_init(fcback_init);
module_exit(fcback_exit);

MODULE_DESCRIPTION("FlexCapsule app VM backend");
MODULE_LICENSE("GPL");
MODULE_ALIAS("xen-backend:fcapsule");
