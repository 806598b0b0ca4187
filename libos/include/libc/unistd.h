/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FCOS_LIBC_UNISTD_H
#define FCOS_LIBC_UNISTD_H

/* Blocking sleeps: the calling thread blocks, the vCPU idles in Xen. */
unsigned int sleep(unsigned int seconds);
int usleep(unsigned long usec);

#endif
