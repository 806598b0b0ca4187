#!/bin/bash
# timeout: 900
# IPC between two app VMs through fcapsule.ko: 10^5 messages (mixed
# sizes, every 1000th one 4 KiB, every 10000th 64 KiB), none lost, duplicated or
# reordered (the receiver checks sequence numbers and payloads); two
# independent app VMs need an explicit allow; counters in `ipc stat`.
. tests/integration/lib.sh
. tests/integration/fcdev.sh
FC=$BUILD/usr/fcapsule
N=${IPC_N:-100000}

t_check "insmod fcapsule.ko" insmod "$KO"
t_check "start the receiver" fc_start rx ipctest "recv $N 300"
t_check "receiver connected" t_wait_console rx '^FC-IPC-READY' 120
t_check "start the sender (by name)" fc_start tx ipctest "send rx $N"
t_check "ipc allow rx tx (by name)" $FC ipc allow rx tx
t_check "ipc ls lists the rule" sh -c "$FC ipc ls | grep -Eq '^allow +rx +tx$'"
t_check "ipc ls --json" sh -c "$FC ipc ls --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d==[{\"verdict\":\"allow\",\"a\":\"rx\",\"b\":\"tx\"}], d'"
t_check "the sender sent $N messages" t_wait_console tx '^FC-IPC-SEND-OK' 2000
t_check "the receiver got all $N in order, intact" \
	t_wait_console rx "^FC-IPC-RECV-OK n=$N errors=0 sources=1" 300
grep -ahE '^FC-IPC-(SEND|RECV|STATS)' $CONSOLE_DIR/guest-tx.log \
	$CONSOLE_DIR/guest-rx.log | sed 's/^/# /'
$FC ipc stat | sed 's/^/# /'
# The apps exit when done (their per-VM counters go with them): check the
# module-wide totals.  Fragments: one per message (up to 56 bytes inline,
# 4 KiB in one data-area body), five per 64 KiB message.
frags=$((N + (N / 10000) * 4))
js=$($FC ipc stat --json)
t_check "ipc stat: $frags fragments sent, all delivered, none dropped or failed" \
	python3 -c "
import json,sys
t=json.loads(sys.argv[1])['totals']
assert t['sent']==$frags and t['delivered']==$frags, t
assert t['dropped']==0 and t['failed']==0, t
" "$js"
xl destroy tx 2>/dev/null
xl destroy rx 2>/dev/null
sleep 2
t_check "rmmod" rmmod fcapsule
t_done
