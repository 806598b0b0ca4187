#!/bin/bash
# timeout: 900
# Twenty app VMs in a ring passing a token for 10 rounds (200 hops, then a
# 20-hop lap for the stop token).  They are one family (r1..r19 have
# parent-domid = r0), so no rule is needed.
. tests/integration/lib.sh
. tests/integration/fcdev.sh
FC=$BUILD/usr/fcapsule
N=20
ROUNDS=10

# start_child NAME APP CMDLINE PARENT: fc_start with parent-domid.
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
t_check "start r0 (the family's root)" fc_start r0 ipctest "ring 0 r1 $ROUNDS"
root=$(fc_domid r0)
t_check "r0 connected" t_wait_console r0 '^FC-IPC-READY' 120
root_app=$($FCCTL list | awk -v d="$root" '$1 == d { print $3 }')
started=1
for ((i = 1; i < N; i++)); do
	start_child r$i ipctest "ring $i r$(((i + 1) % N)) $ROUNDS" "$root" &&
		started=$((started + 1))
done
t_check "$N app VMs started" test $started = $N
# r0 counts every hop: ROUNDS laps, then one more lap for the stop token.
if ! t_check "the token went round $ROUNDS times, then the stop token" \
	t_wait_console r0 "^FC-IPC-RING-OK rounds=$ROUNDS hops=$((N * (ROUNDS + 1)))" 600; then
	for ((i = 0; i < N; i++)); do
		echo "# --- r$i: $(tail -n 3 $CONSOLE_DIR/guest-r$i.log | tr '\n' '|')"
	done
	$FC ipc stat | sed 's/^/# /'
fi
done_n=0
for ((i = 1; i < N; i++)); do
	t_wait_console r$i '^FC-IPC-RING-DONE' 60 >/dev/null && done_n=$((done_n + 1))
done
t_check "all $((N - 1)) others saw the stop token" test $done_n = $((N - 1))
$FC ipc stat | sed 's/^/# /'
t_check "one family (family = r0's app id for all)" \
	sh -c "$FC ipc stat --json | python3 -c 'import json,sys; d=json.load(sys.stdin); f={e[\"family\"] for e in d[\"app_vms\"]}; assert f=={$root_app} or not d[\"app_vms\"], f'"
t_check "no rule was needed" sh -c "$FC ipc ls | wc -l | grep -qx 1"
for ((i = 0; i < N; i++)); do xl destroy r$i 2>/dev/null; done
sleep 3
t_check "rmmod" rmmod fcapsule
t_done
