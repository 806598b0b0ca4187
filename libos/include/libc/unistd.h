/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FCOS_LIBC_UNISTD_H
#define FCOS_LIBC_UNISTD_H

/* Blocking sleeps: the calling thread blocks, the vCPU idles in Xen. */
unsigned int sleep(unsigned int seconds);
int usleep(unsigned long usec);

/*
 * Clone this app VM (drivers/fcfork.c): the child's domid in the parent,
 * 0 in the child, -1 with errno set when no child was made.
 */
int fork(void);

#endif
