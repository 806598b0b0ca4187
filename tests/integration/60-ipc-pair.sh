#!/bin/bash
# timeout: 2400
# IPC between two app VMs through fcapsule.ko: 10^5 messages (mixed
# sizes, every 1000th one 4 KiB = 74 fragments), none lost, duplicated or
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
tx=$(fc_domid tx)
js=$($FC ipc stat --json)
t_check "ipc stat: tx sent = rx received, nothing dropped or failed" \
	python3 -c "
import json,sys
d=json.loads(sys.argv[1]); v={e['name']:e for e in d['app_vms']}
t,r=v['tx'],v['rx']
assert t['sent']>=$N and t['sent']==r['received'], (t,r)
assert t['dropped']==0 and t['failed']==0 and d['totals']['dropped']==0, d
assert t['bytes_sent']==r['bytes_received']>0, (t,r)
assert t['id']==$tx and t['family']==$tx, t
" "$js"
xl destroy tx
xl destroy rx
sleep 2
t_check "rmmod" rmmod fcapsule
t_done
