// SPDX-License-Identifier: GPL-2.0
/* Compiled once per app by libos/Makefile with -DFCOS_APP_NAME="<name>". */
#include <fcos/app.h>

#ifndef FCOS_APP_NAME
#define FCOS_APP_NAME "app"
#endif

const char fcos_app_name[] = FCOS_APP_NAME;
