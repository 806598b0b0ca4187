#!/bin/bash
# timeout: 600
# NAPT through libnftnl in Dom0, without app VMs: fcapsule net setup
# (bridge fcbr0, forwarding, table ip fcapsule), napt add/del/list agreeing
# with `nft list`, the same two DNAT rules (pools, then ports) whatever the
# number of mappings, a taken
# port refused, and DNAT end to end: a client in a network namespace on
# the "public" segment 192.0.2.0/24 reaches, through 192.0.2.10:PORT, an
# httpd in another namespace behind the bridge at 198.18.0.x.
. tests/integration/lib.sh

FC=$BUILD/usr/fcapsule
PUB=192.0.2.10
W=/tmp/napt40
export FC_RUN_DIR=$W/run

rm -rf "$W"
mkdir -p "$W/www/cgi-bin" "$W/pubwww/cgi-bin"
modprobe -a nf_tables nft_nat nft_chain_nat nft_fib_ipv4 bridge veth 2>/dev/null

# --- setup
t_check "net setup --public $PUB" $FC net setup --public $PUB
t_check "bridge fcbr0 is up with 198.18.0.1/24" \
	sh -c "ip -4 addr show fcbr0 | grep -q 'inet 198.18.0.1/24' && ip link show fcbr0 | grep -q ',UP'"
t_check "ip_forward is on" test "$(cat /proc/sys/net/ipv4/ip_forward)" = 1
nft list table ip fcapsule | sed 's/^/# /'
t_check "map ports: inet_service : ipv4_addr . inet_service" \
	sh -c "nft list map ip fcapsule ports | grep -q 'type inet_service : ipv4_addr . inet_service'"
t_check "prerouting holds the DNAT map rule" \
	sh -c "nft list chain ip fcapsule prerouting | grep -q 'dnat ip to tcp dport map @ports'"
t_check "output holds the DNAT map rule" \
	sh -c "nft list chain ip fcapsule output | grep -q 'dnat ip to tcp dport map @ports'"
t_check "map pools: inet_service . mark : ipv4_addr . inet_service" \
	sh -c "nft list map ip fcapsule pools | grep -q 'type inet_service . mark : ipv4_addr . inet_service'"
t_check "prerouting picks a pool's slot by numgen, ahead of the ports rule" \
	sh -c "nft list chain ip fcapsule prerouting | grep -E 'dnat ip to|numgen' | head -1 | grep -q 'dnat ip to tcp dport . numgen inc mod 60 map @pools'"
t_check "output does the same" \
	sh -c "nft list chain ip fcapsule output | grep -q 'dnat ip to tcp dport . numgen inc mod 60 map @pools'"
t_check "postrouting masquerades the private range" \
	sh -c "nft list chain ip fcapsule postrouting | grep -q 'ip saddr 198.18.0.0/24 oifname != \"fcbr0\" masquerade'"
t_check "postrouting masquerades NAPT flows to the addresses in @relayed" \
	sh -c "nft list chain ip fcapsule postrouting | grep -q 'oifname \"fcbr0\" ip daddr @relayed ct status dnat masquerade'"
t_check "set relayed: ipv4_addr, empty" \
	sh -c "nft list set ip fcapsule relayed | grep -q 'type ipv4_addr' && ! nft list set ip fcapsule relayed | grep -q elements"
t_check "napt lists nothing yet" test "$($FC napt | wc -l)" = 1

# --- namespaces: public client (192.0.2.20), app behind the bridge
t_check "a client on the public segment (192.0.2.20)" t_public_client $PUB

set -- $($FC net alloc app1)
APP1=$1 MAC1=$2
t_check "net alloc gives .10 and a Xen MAC" test "$APP1 $MAC1" = "198.18.0.10 00:16:3e:12:00:0a"
set -- $($FC net alloc app2)
APP2=$1
t_check "the next app VM gets .11" test "$APP2" = 198.18.0.11
ip netns add app1
ip link add vapp0 type veth peer name vapp1
ip link set vapp1 netns app1
ip link set vapp0 master fcbr0
ip link set vapp0 up
ip -n app1 addr add "$APP1/24" dev vapp1
ip -n app1 link set vapp1 up
ip -n app1 link set lo up
ip -n app1 route add default via 198.18.0.1

# CGI scripts print who connected (REMOTE_ADDR)
for d in www pubwww; do
	printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "%s $REMOTE_ADDR"\n' "$d" >"$W/$d/cgi-bin/who"
	chmod +x "$W/$d/cgi-bin/who"
done
echo app1-index >"$W/www/index.html"
ip netns exec app1 busybox httpd -f -p 0.0.0.0:80 -h "$W/www" &
httpd1=$!
ip netns exec pubc busybox httpd -f -p 0.0.0.0:80 -h "$W/pubwww" &
httpd2=$!
sleep 0.5

get() { # get NETNS URL
	if [ "$1" = - ]; then
		curl -sf -m 5 "$2"
	else
		ip netns exec "$1" curl -sf -m 5 "$2"
	fi
}

unreachable() { ! get "$@" >/dev/null; }

t_check "no mapping: public:8080 is not reachable" unreachable pubc http://$PUB:8080/

# --- add, list, nft agrees
t_check "napt add 8080 $APP1:80" $FC napt add 8080 "$APP1:80"
t_check "napt add 8081 $APP1:80 --dom 5 --name app1" $FC napt add 8081 "$APP1:80" --dom 5 --name app1
out=$($FC napt)
echo "$out" | sed 's/^/# /'
t_check "napt lists 8080 -> $APP1:80" sh -c "echo '$out' | grep -Eq '^tcp +$PUB:8080 +$APP1:80 '"
t_check "napt lists 8081 with its app VM" sh -c "echo '$out' | grep -Eq '^tcp +$PUB:8081 +$APP1:80 +5 app1$'"
t_check "napt --json" sh -c "$FC napt --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [(e[\"public_port\"],e[\"addr\"],e[\"port\"],e[\"id\"]) for e in d]==[(8080,\"$APP1\",80,0),(8081,\"$APP1\",80,5)], d'"
nft list map ip fcapsule ports | sed 's/^/# /'
t_check "nft list map shows 8080" sh -c "nft list map ip fcapsule ports | grep -q '8080 : $APP1 . 80'"
t_check "nft list map shows 8081 with its owner" sh -c "nft list map ip fcapsule ports | grep -q '8081 comment \"dom=5 app=0 name=app1\" : $APP1 . 80'"

# --- DNAT end to end
t_check "public client reaches the app through $PUB:8080" test "$(get pubc http://$PUB:8080/)" = app1-index
t_check "the app sees the client's own address" test "$(get pubc http://$PUB:8081/cgi-bin/who)" = "www 192.0.2.20"
t_check "Dom0 itself reaches $PUB:8080 (output chain)" test "$(get - http://$PUB:8080/)" = app1-index
t_check "outbound from the app is masqueraded to $PUB" test "$(get app1 http://192.0.2.20/cgi-bin/who)" = "pubwww $PUB"

# --- conflicts and errors
err=$($FC napt add 8080 "$APP2:80" 2>&1)
rc=$?
t_check "a taken port is refused (rc $rc: $err)" sh -c "test $rc = 1 && echo '$err' | grep -q 'already mapped'"
t_check "the refused add changed nothing" sh -c "nft list map ip fcapsule ports | grep -q '8080 : $APP1 . 80'"
t_check "del of an unmapped port fails" sh -c "$FC napt del 9999 2>/dev/null; test \$? = 1"
t_check "bad target is a usage error" sh -c "$FC napt add 80 nowhere 2>/dev/null; test \$? = 2"
t_check "port 0 is a usage error" sh -c "$FC napt add 0 $APP1:80 2>/dev/null; test \$? = 2"

# --- setup again: idempotent, mappings kept
t_check "net setup again" $FC net setup --public $PUB
t_check "still the same six rules" test "$(nft -a list table ip fcapsule | grep -cE '(dnat|masquerade).*# handle')" = 6
t_check "mappings kept across setup" test "$($FC napt | wc -l)" = 3
t_check "DNAT still works" test "$(get pubc http://$PUB:8080/)" = app1-index

# --- del
t_check "napt del 8080" $FC napt del 8080
t_check "8080 gone from nft" sh -c "! nft list map ip fcapsule ports | grep -q '8080 :'"
t_check "8080 no longer reachable" unreachable pubc http://$PUB:8080/
t_check "8081 still reachable" test "$(get pubc http://$PUB:8081/)" = app1-index
t_check "napt del --dom 5 removes app1's mappings" test "$($FC napt del --dom 5)" = 1
t_check "no mapping left" test "$($FC napt | wc -l)" = 1

# --- 100 mappings, one rule
for p in $(seq 20000 20099); do
	$FC napt add "$p" "$APP1:80" || echo "# add $p failed"
done
t_check "100 mappings listed" test "$($FC napt | grep -c '^tcp')" = 100
t_check "nft agrees: 100 elements" test "$(nft -j list map ip fcapsule ports | python3 -c 'import json,sys; m=[o["map"] for o in json.load(sys.stdin)["nftables"] if "map" in o][0]; print(len(m.get("elem",[])))')" = 100
t_check "still exactly two DNAT rules in prerouting" test "$(nft list chain ip fcapsule prerouting | grep -c dnat)" = 2
t_check "still six rules in the table" test "$(nft -a list table ip fcapsule | grep -cE '(dnat|masquerade).*# handle')" = 6
t_check "mapping #100 works end to end" test "$(get pubc http://$PUB:20099/)" = app1-index
for p in $(seq 20000 20099); do
	$FC napt del "$p" || echo "# del $p failed"
done
t_check "all 100 removed" test "$($FC napt | wc -l)" = 1
t_check "nft agrees: map empty" sh -c "! nft list map ip fcapsule ports | grep -q elements"

# --- the address allocator
t_check "net show app1's address" sh -c "$FC net show $APP1 | grep -q '^$APP1 0 app1$'"
t_check "net bind" $FC net bind "$APP1" 7
t_check "net show --dom 7" sh -c "$FC net show --dom 7 | grep -q '^$APP1 7 app1$'"
t_check "net release --dom 7" $FC net release --dom 7
set -- $($FC net alloc app3)
again=$1
t_check "a released address is given again" test "$again" = "$APP1"

# --- cleanup
kill "$httpd1" "$httpd2"
wait "$httpd1" "$httpd2" 2>/dev/null
ip netns del app1
ip netns del pubc
ip link del vpub0 2>/dev/null
nft delete table ip fcapsule
ip link del fcbr0
t_done
