#!/bin/bash
# Helpers for tests and benchmarks that start library-OS app VMs with an
# fcapsule device, until `fcapsule run` writes the device nodes itself.
# Source after tests/integration/lib.sh (or on its own: TOP/BUILD below).

: "${TOP:=$PWD}"
: "${BUILD:=$TOP/build}"

# fc_attach_dev DOMID: the toolstack's part of the handshake -- the
# frontend and backend directories of device fcapsule/0, with xenbus's
# usual owners (frontend: the domU, Dom0 reads; backend: Dom0, the domU
# reads).  Call while the domain is paused.
fc_attach_dev() {
	local domid=$1
	local fe=/local/domain/$domid/device/fcapsule/0
	local be=/local/domain/0/backend/fcapsule/$domid/0
	xenstore-write "$fe/backend" "$be" "$fe/backend-id" 0 "$fe/state" 1 &&
		xenstore-chmod -r "$fe" "n$domid" r0 &&
		xenstore-write "$be/frontend" "$fe" "$be/frontend-id" "$domid" \
			"$be/state" 1 "$be/online" 1 &&
		xenstore-chmod -r "$be" n0 "r$domid"
}

# fc_domid NAME
fc_domid() {
	xl domid "$1" 2>/dev/null
}

# fc_create NAME APP [CMDLINE]: create app VM NAME running build/apps/APP
# paused, with its fcapsule device attached.  Images are copied to tmpfs
# once (reading them over 9p is slow).
fc_create() {
	local name=$1 app=$2 cmdline=${3:-} img=/run/fcimg domid
	mkdir -p $img
	[ -f $img/$app ] || cp "$BUILD/apps/$app" $img/$app || return 1
	cat >/tmp/$name.cfg <<CFG
name = "$name"
kernel = "$img/$app"
cmdline = "$cmdline"
memory = 4
on_crash = "preserve"
CFG
	xl create -q -p /tmp/$name.cfg || return 1
	domid=$(fc_domid "$name") || return 1
	fc_attach_dev "$domid"
}

# fc_start NAME APP [CMDLINE]: fc_create, then unpause.
fc_start() {
	fc_create "$@" && xl unpause "$1"
}

# fc_be_state DOMID: the backend's xenbus state (number), or "none".
fc_be_state() {
	xenstore-read /local/domain/0/backend/fcapsule/$1/0/state 2>/dev/null ||
		echo none
}

# fc_fe_state DOMID
fc_fe_state() {
	xenstore-read /local/domain/$1/device/fcapsule/0/state 2>/dev/null ||
		echo none
}

# fc_wait_be_state DOMID STATE SECONDS
fc_wait_be_state() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		[ "$(fc_be_state "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	echo "# backend of $1 is in state $(fc_be_state "$1"), not $2"
	return 1
}

# fcctl: the ioctl test tool (tests/tools/fcctl.c), built on the host
# into build/tests/tools, or here into /tmp if that was not done.
FCCTL=$BUILD/tests/tools/fcctl
if [ ! -x "$FCCTL" ]; then
	FCCTL=/tmp/fcctl
	[ -x $FCCTL ] || gcc -O2 -std=gnu11 -I"$TOP/include" -o $FCCTL \
		"$TOP/tests/tools/fcctl.c"
fi
fcctl() {
	"$FCCTL" "$@"
}
