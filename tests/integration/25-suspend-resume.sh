#!/bin/bash
# timeout: 1200
# Library-OS suspend/resume with Xen's own tools: `xl save -c` (a
# checkpoint: the suspend is cancelled and the app VM goes on in place)
# and `xl save` + `xl restore` (a new domain: grants, event channels, the
# fcapsule session and the vif are set up again).  For an idle app that
# counts in its memory and does NOPs over the ring, an httpd with a
# listening socket (a client before and after), and a receiver in the
# middle of an IPC stream (none lost, duplicated or reordered).
. tests/integration/lib.sh
. tests/integration/fcdev.sh
FC=$BUILD/usr/fcapsule
export FC_IMAGE_DIR=$BUILD/apps
modprobe -a nf_tables nft_nat nft_chain_nat nft_fib_ipv4 2>/dev/null

t_check "insmod fcapsule.ko" insmod "$KO"

# tick_after NAME N: the log shows tick N or later, with a working NOP.
last_tick() {
	grep -aoE '^FC-TICK [0-9]+ nop=0' "$CONSOLE_DIR/guest-$1.log" |
		tail -n 1 | cut -d' ' -f2
}
ticks_go_on() {
	local name=$1 from=$2 i t
	for ((i = 0; i < 60; i++)); do
		t=$(last_tick "$name")
		[ -n "$t" ] && [ "$t" -ge $((from + 2)) ] && return 0
		sleep 1
	done
	echo "# $name: last tick ${t:-none}, wanted > $((from + 1))"
	tail -n 8 "$CONSOLE_DIR/guest-$name.log" | sed 's/^/#   /'
	return 1
}

# --- an idle app: checkpoint, then save and restore ---
t_check "run forker tick" $FC run --no-net --name tk forker tick
t_check "it ticks" t_wait_console tk '^FC-TICK 2 nop=0' 120
domid=$(fc_domid tk)
t_check "xl save -c (checkpoint)" xl save -c tk /tmp/tk.chk
t_check "the suspend was cancelled: the same domain goes on" \
	t_wait_console tk '^FC-RESUMED cancelled' 30
t_check "still dom$domid" test "$(fc_domid tk)" = "$domid"
t0=$(last_tick tk)
t_check "the counter goes on from $t0, NOPs answered" ticks_go_on tk "$t0"
t_check "the checkpoint file is a real save image" test -s /tmp/tk.chk

t_check "xl save (the domain goes)" xl save tk /tmp/tk.sav
t_check "tk is gone" sh -c "! xl list tk >/dev/null 2>&1"
t1=$(last_tick tk)
t_check "xl restore -p" xl restore -p /tmp/tk.sav
nd=$(fc_domid tk)
t_check "restored as a new domain ($nd, was $domid)" test -n "$nd" -a "$nd" != "$domid"
t_check "its fcapsule device" fc_attach_dev "$nd"
t_check "unpause" xl unpause tk
t_check "the library OS resumed as a new domain" \
	t_wait_console tk '^FC-RESUMED new-domain' 60
t_check "the counter goes on from $t1 (memory kept), NOPs answered on the new ring" \
	ticks_go_on tk "$t1"
t_check "the module connected the new domain" \
	sh -c "dmesg | grep -q 'connected: domid $nd name tk'"
xl destroy tk
rm -f /tmp/tk.chk /tmp/tk.sav

# --- httpd with a listening socket ---
t_check "net setup" $FC net setup --public 192.0.2.10
t_check "run httpd" $FC run --name web httpd
t_check "httpd listens" t_wait_console web '^FC-HTTPD-READY' 180
addr=$(grep -ao 'FC-NET-UP [0-9.]*' $CONSOLE_DIR/guest-web.log | head -1 | cut -d' ' -f2)
get() {
	curl -sf -m 20 "http://$addr/"
}
page_has() {
	get | grep -q "$1"
}
t_check "a client gets the page at $addr" page_has 'httpd on web: request #1'
t_check "xl save -c of httpd" xl save -c web /tmp/web.chk
t_check "httpd's suspend was cancelled" t_wait_console web '^FC-RESUMED cancelled' 30
t_check "the client is served after the checkpoint" page_has 'httpd on web: request #2'
t_check "the public port is still mapped" sh -c "$FC napt | grep -Eq ':80 +$addr:80'"
t_check "xl save of httpd" xl save web /tmp/web.sav
t_check "xl restore -p of httpd" xl restore -p /tmp/web.sav
nd=$(fc_domid web)
t_check "its fcapsule device" fc_attach_dev "$nd"
t_check "unpause" xl unpause web
t_check "httpd resumed as a new domain" t_wait_console web '^FC-RESUMED new-domain' 60
t_check "its vif came up again with the same address" \
	t_wait_console web "FC-NET-UP $addr/" 180
for ((i = 0; i < 30; i++)); do page=$(get) && break; sleep 1; done
echo "# $page"
t_check "the restored httpd serves the client, its counter kept (#3)" \
	sh -c "echo '$page' | grep -q 'httpd on web: request #3'"
xl destroy web
rm -f /tmp/web.chk /tmp/web.sav

# --- a receiver in the middle of an IPC stream: checkpoint ---
N=20000
t_check "start the receiver" fc_start rx ipctest "recv $N 300"
t_check "receiver connected" t_wait_console rx '^FC-IPC-READY' 120
t_check "start the sender" fc_start tx ipctest "send rx $N 40"
t_check "ipc allow rx tx" $FC ipc allow rx tx
for ((i = 0; i < 120; i++)); do
	got=$($FC ipc stat --json 2>/dev/null | python3 -c '
import json,sys
print(json.load(sys.stdin)["totals"]["delivered"])' 2>/dev/null)
	[ "${got:-0}" -ge 100 ] && break
	sleep 0.2
done
t_check "the stream is flowing ($got delivered) when the receiver is checkpointed" \
	test "${got:-0}" -ge 100 -a "${got:-0}" -lt $N
t_check "xl save -c rx mid-stream" xl save -c rx /tmp/rx.chk
t_check "rx's suspend was cancelled" t_wait_console rx '^FC-RESUMED cancelled' 30
t_check "the sender finished" t_wait_console tx '^FC-IPC-SEND-OK' 600
t_check "the receiver got all $N in order, intact" \
	t_wait_console rx "^FC-IPC-RECV-OK n=$N errors=0 sources=1" 300
xl destroy tx 2>/dev/null
xl destroy rx 2>/dev/null
rm -f /tmp/rx.chk
t_done
