/* SPDX-License-Identifier: GPL-2.0 */
/* Xen public headers, with the barriers io/ring.h expects. */
#ifndef FCOS_XEN_H
#define FCOS_XEN_H

#include <stdint.h>
#include <xen/xen.h>

#define xen_mb()  __asm__ __volatile__("mfence" ::: "memory")
#define xen_rmb() __asm__ __volatile__("" ::: "memory")
#define xen_wmb() __asm__ __volatile__("" ::: "memory")

#endif
