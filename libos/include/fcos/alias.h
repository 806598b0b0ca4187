/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FCOS_ALIAS(std, impl): in the guest, the standard libc name @std is an
 * ELF alias of the fcos_ implementation.  On the host (FCOS_HOSTED, unit
 * tests) it expands to nothing, leaving glibc's names alone.
 */
#ifndef FCOS_ALIAS_H
#define FCOS_ALIAS_H

#ifdef FCOS_HOSTED
#define FCOS_ALIAS(std, impl) struct fcos_alias_unused_##std
#else
#define FCOS_ALIAS(std, impl) __typeof__(impl) std __attribute__((alias(#impl)))
#endif

#endif
