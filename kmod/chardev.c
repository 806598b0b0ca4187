// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/fcapsule: the OS server's view of the module (ioctls and a
 * readable event queue).  Root only: it controls every app VM.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "fcback.h"

static int fcback_dev_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return 0;
}

static long fcback_dev_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	return -ENOTTY;
}

static const struct file_operations fcback_dev_fops = {
	.owner = THIS_MODULE,
	.open = fcback_dev_open,
	.unlocked_ioctl = fcback_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice fcback_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = FCBACK_DRV_NAME,
	.fops = &fcback_dev_fops,
	.mode = 0600,
};

int fcback_chardev_init(void)
{
	return misc_register(&fcback_miscdev);
}

void fcback_chardev_fini(void)
{
	misc_deregister(&fcback_miscdev);
}
