/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shutdown requests for apps: `fcapsule kill -s TERM` (or `xl shutdown`)
 * writes control/shutdown; the library OS acknowledges it and hands it to
 * the app like SIGTERM to a process.  Without a handler the app exits
 * with 143 (128 + SIGTERM), as a process would.
 */
#ifndef FC_SHUTDOWN_H
#define FC_SHUTDOWN_H

/*
 * @fn runs in the library OS's shutdown thread with the request
 * ("poweroff", "halt", "reboot", ...); it typically tells the app's
 * threads to finish and returns, or calls exit() itself.  The OS server
 * destroys the app VM when its grace period (kill --grace) runs out.
 */
void fc_on_shutdown(void (*fn)(const char *reason));

#endif
