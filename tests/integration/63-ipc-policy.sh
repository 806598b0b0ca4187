#!/bin/bash
# timeout: 600
# Policy: two app VMs started independently (parent 0) are not a family:
# a send is denied (-EPERM = -1 in the app) and counted; a child (parent-
# domid set) may talk to its parent by default; a deny rule by name
# forbids a pair inside a family; unset restores the default.
. tests/integration/lib.sh
. tests/integration/fcdev.sh
FC=$BUILD/usr/fcapsule

start_child() {
	local img=/run/fcimg domid
	mkdir -p $img
	[ -f $img/$2 ] || cp "$BUILD/apps/$2" $img/$2 || return 1
	printf 'name="%s"\nkernel="%s"\ncmdline="%s"\nmemory=4\non_crash="preserve"\n' \
		"$1" "$img/$2" "$3" >/tmp/$1.cfg
	xl create -q -p /tmp/$1.cfg || return 1
	domid=$(fc_domid "$1") || return 1
	fc_attach_dev "$domid" &&
		xenstore-write /local/domain/0/backend/fcapsule/$domid/0/parent-domid "$4" &&
		xl unpause "$1"
}

t_check "insmod fcapsule.ko" insmod "$KO"
t_check "start b (stays receiving)" fc_start b ipctest "recv 1000 600"
t_check "b connected" t_wait_console b '^FC-IPC-READY' 120
bd=$(fc_domid b)
t_check "start a (independent) sending once to b" fc_start a ipctest "once b 600"
t_check "a's send is denied with -EPERM" t_wait_console a '^FC-IPC-ONCE rc=-1$' 120
t_check "ipc stat counts a's denial" \
	sh -c "$FC ipc stat --json | python3 -c 'import json,sys; d=json.load(sys.stdin); a=[e for e in d[\"app_vms\"] if e[\"name\"]==\"a\"][0]; assert a[\"denied\"]==1 and a[\"sent\"]==0 and d[\"totals\"][\"denied\"]==1, d'"
t_check "ipc stat (text) shows a DENIED column" sh -c "$FC ipc stat | head -1 | grep -q DENIED"
t_check "deny kid2 b (by name, before kid2 exists)" $FC ipc deny kid2 b
t_check "start kid (child of b) sending once to b" start_child kid ipctest "once $bd" "$bd"
t_check "kid's send to its parent is allowed" t_wait_console kid '^FC-IPC-ONCE rc=0$' 120
t_check "b received it (ipc stat)" \
	sh -c "$FC ipc stat --json | python3 -c 'import json,sys; d=json.load(sys.stdin); b=[e for e in d[\"app_vms\"] if e[\"name\"]==\"b\"][0]; assert b[\"received\"]==1, b'"
t_check "start kid2 (child of b, denied by rule)" start_child kid2 ipctest "once b" "$bd"
t_check "kid2's send is denied" t_wait_console kid2 '^FC-IPC-ONCE rc=-1$' 120
t_check "ipc ls shows the deny" sh -c "$FC ipc ls | grep -Eq '^deny +kid2 +b$'"
t_check "ipc unset kid2 b" $FC ipc unset kid2 b
t_check "unset of a missing rule fails" sh -c "! $FC ipc unset kid2 b 2>/dev/null"
t_check "bad end is a usage error (2)" sh -c "$FC ipc allow 0 b 2>/dev/null; test \$? = 2"
t_check "the rule table is empty" sh -c "$FC ipc ls | wc -l | grep -qx 1"
$FC ipc stat | sed 's/^/# /'
for d in a b kid kid2; do xl destroy $d 2>/dev/null; done
sleep 2
t_check "rmmod" rmmod fcapsule
t_done
