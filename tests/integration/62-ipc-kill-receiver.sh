#!/bin/bash
# timeout: 600
# The receiver is destroyed mid-stream: the sender gets an error (ESRCH)
# instead of hanging, what the module still held for the receiver is
# counted as dropped, Dom0 stays clean and a new pair still talks.
. tests/integration/lib.sh
. tests/integration/fcdev.sh
FC=$BUILD/usr/fcapsule

t_check "insmod fcapsule.ko" insmod "$KO"
$FC ipc allow rx tx
$FC ipc allow rx2 tx2
t_check "start the receiver" fc_start rx ipctest "recv 100000000 300"
t_check "receiver connected" t_wait_console rx '^FC-IPC-READY' 120
t_check "start the sender" fc_start tx ipctest "send rx 100000000"
t_check "messages flow" t_wait_console rx 'ipctest: 10000 received' 600
t_check "xl destroy the receiver mid-stream" xl destroy rx
t_check "the sender gets ESRCH (-3)" \
	t_wait_console tx '^FC-IPC-SEND-ERR rc=-3 ' 120
grep -ahE '^FC-IPC-(SEND|STATS)' $CONSOLE_DIR/guest-tx.log | sed 's/^/# /'
$FC ipc stat | sed 's/^/# /'
# (tx exits after its error: the module-wide totals keep the counts)
t_check "ipc stat: the failed send and every accepted-but-undelivered message counted" \
	sh -c "$FC ipc stat --json | python3 -c 'import json,sys; t=json.load(sys.stdin)[\"totals\"]; assert t[\"failed\"]>=1 and t[\"sent\"]>=10000 and t[\"sent\"]==t[\"delivered\"]+t[\"dropped\"], t'"
t_check "a new pair still talks" fc_start rx2 ipctest "recv 1000 120"
fc_start tx2 ipctest "send rx2 1000"
t_check "... 1000 messages arrive" \
	t_wait_console rx2 '^FC-IPC-RECV-OK n=1000 errors=0' 600
for d in tx rx2 tx2; do xl destroy $d 2>/dev/null; done
sleep 2
t_check "rmmod" rmmod fcapsule
t_done
