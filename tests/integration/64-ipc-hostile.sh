#!/bin/bash
# timeout: 900
# A hostile sender: bad lengths, flags and names are refused by the
# module (-EMSGSIZE -90, -EINVAL -22) and counted; malformed fragments
# (relayed as opaque data) are refused by the receiver's reassembly,
# which still gets both good messages intact.  Dom0 stays clean.
. tests/integration/lib.sh
. tests/integration/fcdev.sh
FC=$BUILD/usr/fcapsule

t_check "insmod fcapsule.ko" insmod "$KO"
$FC ipc allow rx evil
t_check "start the receiver" fc_start rx ipctest "recv 2 300"
t_check "receiver connected" t_wait_console rx '^FC-IPC-READY' 120
t_check "start the hostile sender" fc_start evil ipctest "hostile rx"
t_check "it finishes" t_wait_console evil '^FC-IPC-HOSTILE-DONE good rc=0$' 300
if ! grep -qa '^FC-IPC-HOSTILE-DONE' $CONSOLE_DIR/guest-evil.log; then
	echo "# diagnostics: fcapsule states, module's view"
	for n in rx evil; do
		d=$(fc_domid $n)
		echo "# $n: domid $d be $(fc_be_state "$d") fe $(fc_fe_state "$d")"
	done
	$FCCTL list | sed 's/^/# /'
fi
grep -ah '^FC-IPC-HOSTILE' $CONSOLE_DIR/guest-evil.log | sed 's/^/# /'
L=$CONSOLE_DIR/guest-evil.log
t_check "length 200 refused (-90)" grep -qa '^FC-IPC-HOSTILE len200 rc=-90$' $L
t_check "length 2^32-1 refused (-90)" grep -qa '^FC-IPC-HOSTILE lenmax rc=-90$' $L
t_check "unknown flag refused (-22)" grep -qa '^FC-IPC-HOSTILE badflags rc=-22$' $L
t_check "name without NUL refused (-22)" grep -qa '^FC-IPC-HOSTILE nonul rc=-22$' $L
t_check "the receiver got the 2 good messages intact" \
	t_wait_console rx '^FC-IPC-RECV-OK n=2 errors=0' 60
t_check "the receiver refused the bad fragments" \
	sh -c "grep -a '^FC-IPC-STATS recv' $CONSOLE_DIR/guest-rx.log | grep -Eq 'bad=([5-9]|[1-9][0-9])'"
grep -ah '^FC-IPC-STATS' $CONSOLE_DIR/guest-rx.log | sed 's/^/# /'
t_check "area body beyond the out-area refused (-22)" grep -qa '^FC-IPC-HOSTILE areaoff rc=-22$' $L
t_check "area body over 16 KiB refused (-90)" grep -qa '^FC-IPC-HOSTILE arealen rc=-90$' $L
t_check "area body past the area's end refused (-22)" grep -qa '^FC-IPC-HOSTILE areaend rc=-22$' $L
t_check "area reference with a reserved field set refused (-22)" grep -qa '^FC-IPC-HOSTILE areares rc=-22$' $L
# (evil has exited by now: the module-wide totals keep its counts)
t_check "the module counted 8 failed sends" \
	sh -c "$FC ipc stat --json | python3 -c 'import json,sys; t=json.load(sys.stdin)[\"totals\"]; assert t[\"failed\"]==8, t'"
for d in rx evil; do xl destroy $d 2>/dev/null; done
sleep 2
t_check "rmmod" rmmod fcapsule
t_done
