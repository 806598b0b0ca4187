#!/bin/bash
# timeout: 1200
# A forked process pool on one public port: `httpd --workers 3` listens,
# then forks two workers; each worker's listen() joins the port's pool
# (no rule per app VM: the slots of one port in the pools map), and new
# connections from a real HTTP client (ab, concurrency 8) are spread
# over the three.  A worker killed leaves the pool while the others go on
# serving; down to one member, the port is a plain element again; the
# last one gone, the port is unmapped.  An unrelated app VM cannot join.
# Then a receiver forked in the middle of an IPC stream: the parent gets
# every message once, the child none.
. tests/integration/lib.sh

FC=$BUILD/usr/fcapsule
PUB=192.0.2.10
export FC_IMAGE_DIR=$BUILD/apps

t_napt_setup $PUB
get() {
	ip netns exec pubc curl -sf -m 20 "$1"
}
serves_as() {
	get http://$PUB/ | grep -q "httpd on $1:"
}
# members NAME...: the pool's members for port 80, as `napt` lists them
members() {
	$FC napt | awk '$2 ~ /:80$/ { print $5 }' | sort | tr '\n' ' '
}
wait_members() {
	local want=$1 i
	for ((i = 0; i < 120; i++)); do
		[ "$(members)" = "$want" ] && return 0
		sleep 1
	done
	echo "# members: '$(members)', want '$want'"
	return 1
}
# served N: the distinct app VM names of N sequential pages
served() {
	local i
	for ((i = 0; i < $1; i++)); do
		get http://$PUB/ | grep -ao 'httpd on [^:]*' | cut -d' ' -f3
	done | sort -u | tr '\n' ' '
}
ab_ok() {
	t_ab "$1" 8 http://$PUB/
}

t_check "run httpd --workers 3" sh -c "$FC run --name web httpd -- --workers 3 >/dev/null"
t_check "web listens" t_wait_console web '^FC-HTTPD-READY web ' 180
t_check "the first worker listens" t_wait_console web.1 '^FC-HTTPD-READY web\.1 ' 300
t_check "the second worker listens" t_wait_console web.2 '^FC-HTTPD-READY web\.2 ' 300
t_check "ps shows both workers as web's children" \
	test "$($FC ps | awk -v p="$(xl domid web)" '$2 == p' | wc -l)" = 2
t_check "napt lists the three as port 80's pool" wait_members "web web.1 web.2 "
$FC napt | sed 's/^/# /'
# elems MAP PORT: how many elements of MAP are for public port PORT
elems() {
	nft -j list map ip fcapsule "$1" | python3 -c '
import json, sys
m = [o["map"] for o in json.load(sys.stdin)["nftables"] if "map" in o][0]
def port(k):
    if isinstance(k, dict) and "elem" in k:
        k = k["elem"]["val"]  # with a comment
    if isinstance(k, dict) and "concat" in k:
        k = k["concat"][0]  # tcp dport . slot
    return k
print(sum(1 for e in m.get("elem", []) if port(e[0]) == int(sys.argv[1])))' "$2"
}
t_check "port 80 has its 60 slots in the pools map ($(elems pools 80))" \
	test "$(elems pools 80)" = 60
t_check "and no element in the ports map" test "$(elems ports 80)" = 0
t_check "still six rules: the pool added elements only" \
	test "$(nft -a list table ip fcapsule | grep -cE '(dnat|masquerade).*# handle')" = 6
t_check "napt --json marks them as a pool" \
	sh -c "$FC napt --json | grep -c '\"pool\": true' | grep -qx 3"
s=$(served 12)
echo "# served by: $s"
t_check "12 sequential requests reach all three ($s)" test "$s" = "web web.1 web.2 "
t_check "ab: 300 requests at concurrency 8, none failed" ab_ok 300

# An app VM of another family on the same port: refused, pool unchanged.
t_check "run an unrelated httpd" sh -c "$FC run --name other httpd >/dev/null"
t_check "its listen on 80 is refused with EADDRINUSE (98)" \
	t_wait_console other 'cannot listen on port 80: errno 98' 180
t_check "the pool is unchanged" test "$(members)" = "web web.1 web.2 "
$FC kill -s KILL other >/dev/null

# A worker killed leaves the pool; the others keep serving everyone.
t_check "kill web.2" $FC kill -s KILL web.2
t_check "the pool is web and web.1" wait_members "web web.1 "
s=$(served 8)
t_check "requests reach the two left ($s)" test "$s" = "web web.1 "
t_check "ab: 200 requests after the kill, none failed" ab_ok 200

# The parent killed (its worker is orphaned, not killed): one member left,
# a plain ports element again.
t_check "kill web (not --tree)" $FC kill -s KILL web
t_check "web.1 is alone on port 80" wait_members "web.1 "
t_check "port 80 is a ports element again, no pool slot left" \
	test "$(elems ports 80) $(elems pools 80)" = "1 0"
t_check "web.1 still serves" serves_as 'web\.1'

t_check "kill web.1" $FC kill -s KILL web.1
t_check "port 80 is unmapped" wait_members ""
t_check "port 80 no longer answers" sh -c "! ip netns exec pubc curl -sf -m 5 http://$PUB/ >/dev/null"
t_check "no app VM left" sh -c "! xl list | grep -Eq '^(web|other)'"

# --- a fork while IPC messages are queued for the parent ---
N=2000
delivered() {
	$FC ipc stat --json 2>/dev/null | python3 -c '
import json,sys
print(json.load(sys.stdin)["totals"]["delivered"])' 2>/dev/null
}
t_check "run the receiver" sh -c "$FC run ipctest --no-net --name rx -- recv $N 600 >/dev/null"
t_check "receiver connected" t_wait_console rx '^FC-IPC-READY' 120
t_check "run the sender" sh -c "$FC run ipctest --no-net --name tx -- send rx $N 40 20000 >/dev/null"
t_check "ipc allow rx tx" $FC ipc allow rx tx
for ((i = 0; i < 300; i++)); do
	got=$(delivered)
	[ "${got:-0}" -ge 100 ] && break
	sleep 0.2
done
# 20 ms between messages: the stream lasts 40 s, the fork starts within seconds.
t_check "the stream is flowing ($got delivered) when the receiver forks" \
	test "${got:-0}" -ge 100 -a "${got:-0}" -lt $N
t_check "the receiver still runs" xl domid rx
t_check "fcapsule fork rx mid-stream" sh -c "$FC fork rx >/dev/null"
t_check "the child is a new domain" t_wait_console rx.1 '^FC-RESUMED new-domain' 120
t_check "the sender finished" t_wait_console tx '^FC-IPC-SEND-OK' 600
t_check "the parent got all $N in order, intact, none twice" \
	t_wait_console rx "^FC-IPC-RECV-OK n=$N errors=0 sources=1" 300
t_check "the module delivered exactly $N: none to the child, none twice" \
	test "$(delivered)" = $N
$FC kill -s KILL rx rx.1 tx >/dev/null
ip netns del pubc
# The module goes once the OS server that holds /dev/fcapsule is stopped.
kill "$(cat /run/fcapsule/serve.pid)" 2>/dev/null
for ((i = 0; i < 50; i++)); do rmmod fcapsule 2>/dev/null && break; sleep 0.2; done
t_check "rmmod after the OS server stopped" sh -c "! lsmod | grep -q '^fcapsule '"
t_check "Dom0 kernel log has no warning, oops or BUG" t_dmesg_clean
t_done
