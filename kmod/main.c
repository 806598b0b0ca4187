// SPDX-License-Identifier: GPL-2.0
/*
 * fcapsule.ko: the Dom0 side of FlexCapsule.  Serves app VMs' requests
 * over a grant-shared ring and exposes /dev/fcapsule to the OS server.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <xen/xen.h>

#include "fcback.h"

static int __init fcback_init(void)
{
	int err;

	/* Only Dom0 (or a driver domain) can host app VM backends. */
	if (!xen_domain() || !xen_initial_domain())
		return -ENODEV;

	err = fcback_chardev_init();
	if (err)
		return err;

	err = fcback_xenbus_init();
	if (err)
		goto out_chardev;

	pr_info("loaded\n");
	return 0;

out_chardev:
	fcback_chardev_fini();
	return err;
}

static void __exit fcback_exit(void)
{
	fcback_xenbus_fini();
	fcback_chardev_fini();
	pr_info("unloaded\n");
}

module_init(fcback_init);
module_exit(fcback_exit);

MODULE_DESCRIPTION("FlexCapsule app VM backend");
MODULE_LICENSE("GPL");
MODULE_ALIAS("xen-backend:fcapsule");
