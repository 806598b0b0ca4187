// SPDX-License-Identifier: GPL-2.0
/*
 * The xenbus backend driver for device type "fcapsule": one device per
 * app VM, probed when the toolstack writes backend/fcapsule/<domid>/0.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <xen/xenbus.h>

#include "fcback.h"

static int fcback_probe(struct xenbus_device *dev,
			const struct xenbus_device_id *id)
{
	int err;

	err = xenbus_switch_state(dev, XenbusStateInitWait);
	if (err) {
		xenbus_dev_fatal(dev, err, "switching to InitWait");
		return err;
	}
	return 0;
}

static void fcback_remove(struct xenbus_device *dev)
{
}

static void fcback_frontend_changed(struct xenbus_device *dev,
				    enum xenbus_state frontend_state)
{
	switch (frontend_state) {
	case XenbusStateClosing:
		xenbus_switch_state(dev, XenbusStateClosing);
		break;
	case XenbusStateClosed:
		xenbus_switch_state(dev, XenbusStateClosed);
		if (xenbus_dev_is_online(dev))
			break;
		device_unregister(&dev->dev);
		break;
	default:
		break;
	}
}

static const struct xenbus_device_id fcback_ids[] = {
	{ FCBACK_DRV_NAME },
	{ "" }
};

static struct xenbus_driver fcback_driver = {
	.ids = fcback_ids,
	.probe = fcback_probe,
	.remove = fcback_remove,
	.otherend_changed = fcback_frontend_changed,
};

int fcback_xenbus_init(void)
{
	return xenbus_register_backend(&fcback_driver);
}

void fcback_xenbus_fini(void)
{
	xenbus_unregister_driver(&fcback_driver);
}
