#!/bin/bash
# timeout: 600
# One sender cannot keep a receiver's queue to itself: a flooder sends to
# a receiver that never reads (sleeper) until the module refuses it
# (-EAGAIN, counted as refused); it then holds only its share of the
# receiver's queue, and another sender's message is still taken at once.
. tests/integration/lib.sh

FC=$BUILD/usr/fcapsule
export FC_IMAGE_DIR=$BUILD/apps

# stat NAME FIELD: one app VM's counter from `ipc stat --json`
stat() {
	$FC ipc stat --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print([e for e in d["app_vms"] if e["name"] == sys.argv[1]][0][sys.argv[2]])' "$1" "$2" 2>/dev/null
}
refused_soon() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ "$(stat fl refused)" -gt 0 ] 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

t_check "insmod fcapsule.ko" insmod "$KO"
t_check "run a receiver that never reads" sh -c "$FC run sleeper --no-net --name rx >/dev/null"
t_check "it is up" t_wait_console rx '^FC-SLEEPER-READY' 120
t_check "ipc allow rx fl" $FC ipc allow rx fl
t_check "ipc allow rx one" $FC ipc allow rx one
t_check "run the flooder" sh -c "$FC run fuzzfront --no-net --name fl -- ipcflood rx >/dev/null"
t_check "it floods" t_wait_console fl '^FC-FUZZ-IPCFLOOD started' 120
t_check "the module refuses it once its share is used" refused_soon
q=$(stat rx queued)
$FC ipc stat | sed 's/^/# /'
t_check "rx's queue holds the flooder's share only ($q of 128)" \
	test "${q:-0}" -gt 0 -a "${q:-0}" -le 32
t_check "another sender" sh -c "$FC run ipctest --no-net --name one -- once rx >/dev/null"
t_check "its message is taken at once (rc 0)" t_wait_console one '^FC-IPC-ONCE rc=0' 120
# one has exited since (and left ipc stat); its message waits in rx's queue
t_check "it waits in rx's queue beside the flooder's ($(stat rx queued))" \
	test "$(stat rx queued)" = $((q + 1))
t_check "the flooder goes on being refused, never failed" \
	test "$(stat fl failed)" = 0
$FC kill -s KILL rx fl one >/dev/null
kill "$(cat /run/fcapsule/serve.pid)" 2>/dev/null
for ((i = 0; i < 50; i++)); do rmmod fcapsule 2>/dev/null && break; sleep 0.2; done
t_check "rmmod after the OS server stopped" sh -c "! lsmod | grep -q '^fcapsule '"
t_check "Dom0 kernel log has no warning, oops or BUG" t_dmesg_clean
t_done
