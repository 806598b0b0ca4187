/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fcapsule.ko private header: state shared between the subsystems of the
 * Dom0 backend (xenbus driver, character device).
 */
#ifndef FCBACK_H
#define FCBACK_H

#define FCBACK_DRV_NAME "fcapsule"

int fcback_xenbus_init(void);
void fcback_xenbus_fini(void);

int fcback_chardev_init(void);
void fcback_chardev_fini(void);

#endif /* FCBACK_H */
