#!/bin/bash
# timeout: 900
# The listen flow end to end, as a user runs it: `fcapsule run httpd`
# gives the app VM a vif and a private address; its listen() sends LISTEN
# over the fcapsule ring; the OS server adds one map element; a client on
# the public segment reaches the page through the instance's public
# address.  A second app VM's listen on the same port gets EADDRINUSE; kill
# removes the mapping and frees the address.
. tests/integration/lib.sh

FC=$BUILD/usr/fcapsule
PUB=192.0.2.10
export FC_IMAGE_DIR=$BUILD/apps

t_napt_setup $PUB
get() {
	ip netns exec pubc curl -sf -m 10 "$1"
}

id=$($FC run httpd --name web)
t_check "run httpd (with a network) prints its id ($id)" test -n "$id"
t_check "the app VM's network is up" t_wait_console web '^FC-NET-UP 198\.18\.0\.' 180
t_check "httpd listens" t_wait_console web '^FC-HTTPD-READY' 120
addr=$(grep -ao 'FC-NET-UP [0-9.]*' $CONSOLE_DIR/guest-web.log | head -1 | cut -d' ' -f2)
napt=$($FC napt)
echo "$napt" | sed 's/^/# /'
t_check "napt maps public port 80 to web's address $addr:80" \
	sh -c "echo '$napt' | grep -Eq ':80 +$addr:80 +$id +web'"
t_check "ps shows web's public port" \
	sh -c "$FC ps | grep -E ' web ' | grep -Eq '(^| |,)80( |,|$)'"
page1=$(get http://$PUB/)
page2=$(get http://$PUB/)
echo "# $page1"
t_check "a public client gets web's page through $PUB:80" \
	sh -c "echo '$page1' | grep -q 'FlexCapsule httpd on web'"
t_check "the request counter moves" test "$page1" != "$page2"
t_check "ab: 2000 requests at concurrency 32, none failed" \
	t_ab 2000 32 http://$PUB/
t_check "ab: 500 requests at concurrency 100, none failed" \
	t_ab 500 100 http://$PUB/

id2=$($FC run httpd --name web2)
t_check "run a second httpd ($id2)" test -n "$id2"
t_check "the second httpd's listen on 80 is refused with EADDRINUSE (98)" \
	t_wait_console web2 'cannot listen on port 80: errno 98' 180
t_check "port 80 still reaches the first app VM" \
	sh -c "ip netns exec pubc curl -sf -m 10 http://$PUB/ | grep -q 'httpd on web:'"

t_check "net teardown is refused while web's vif is on the bridge" \
	sh -c "! $FC net teardown 2>/tmp/td.err && grep -q 'vif.* is still on the bridge' /tmp/td.err"
t_check "... and leaves the bridge and the mapping" \
	sh -c "ip link show fcbr0 >/dev/null && $FC napt | grep -q ':80 '"
t_check "kill web" $FC kill -s KILL web
sleep 1
t_check "the mapping is gone after kill" sh -c "! $FC napt | grep -q ':80 '"
t_check "web's address is free again" \
	sh -c "! ls /run/fcapsule/net/addr/ 2>/dev/null | grep -qx '$addr'"
t_check "port 80 no longer answers" sh -c "! ip netns exec pubc curl -sf -m 5 http://$PUB/ >/dev/null"
$FC kill -s KILL web2 >/dev/null 2>&1
t_check "no app VM left" sh -c "! xl list | grep -Eq '^web2? '"

# A published port (run -p): mapped before the app VM boots; a connection
# made before its listen() (httpd --delay) waits in the OS server's hold
# queue, then is answered.
id3=$($FC run httpd --name pub -p 8090:8080 -- --delay 8 8080)
t_check "run -p 8090:8080 prints its id ($id3)" test -n "$id3"
napt=$($FC napt)
echo "$napt" | sed 's/^/# /'
t_check "napt maps 8090 to pub's port 8080 at once" \
	sh -c "echo '$napt' | grep -Eq ':8090 +198\.18\.0\.[0-9]+:8080 +$id3 +pub'"
t_check "... with no app id until pub listens" \
	sh -c "$FC napt --json | python3 -c 'import json,sys; assert [e[\"app_id\"] for e in json.load(sys.stdin) if e[\"public_port\"] == 8090] == [0]'"
t_check "ps shows pub's published port" \
	sh -c "$FC ps | grep -E ' pub ' | grep -Eq '(^| |,)8090( |,|$)'"
t_check "pub's address is held" \
	sh -c "nft list set ip fcapsule held | grep -q '198\.18\.0\.'"
t_check "pub does not listen yet" \
	sh -c "! grep -aq FC-HTTPD-READY $CONSOLE_DIR/guest-pub.log"
page=$(ip netns exec pubc curl -s -m 60 -w ' (%{time_total} s)' http://$PUB:8090/)
echo "# $page"
t_check "a connection made before pub listened gets pub's page" \
	sh -c "echo '$page' | grep -q 'httpd on pub:'"
t_check "... once pub listened" grep -aq FC-HTTPD-READY $CONSOLE_DIR/guest-pub.log
grep -h '^hold:' /run/fcapsule/serve.log | sed 's/^/# /'
t_check "the OS server held it seconds, until pub answered" \
	grep -Eq '^hold: [0-9]+ SYN\(s\) of new connections to 198\.18\.0\.[0-9]+:8080 released after [0-9]{4,} ms \(it answers\)' /run/fcapsule/serve.log
t_check "pub's listen took the published element" \
	grep -q "^dom$id3 listens on its published port 8090" /run/fcapsule/serve.log
t_check "... which names pub's app id now" \
	sh -c "$FC napt --json | python3 -c 'import json,sys; assert [e[\"app_id\"] > 0 for e in json.load(sys.stdin) if e[\"public_port\"] == 8090] == [True]'"
t_check "pub's address is held no longer" \
	sh -c "! nft list set ip fcapsule held | grep -q '198\.18\.0\.'"
t_check "run -p of a port that is mapped is refused" \
	sh -c "! $FC run httpd --name pub2 -p 8090 2>/tmp/pub2.err && grep -q 'public port 8090 is mapped already' /tmp/pub2.err"
t_check "... and leaves no app VM" sh -c "! xl list | grep -q '^pub2 '"
t_check "kill pub" $FC kill -s KILL pub
t_check "kill removes the published mapping" sh -c "! $FC napt | grep -q ':8090 '"
t_check "net teardown" $FC net teardown
t_check "no bridge, no NAPT table, no settings left" \
	sh -c "! ip link show fcbr0 2>/dev/null && ! nft list table ip fcapsule 2>/dev/null && test ! -e /run/fcapsule/net/conf"
t_check "net teardown again: nothing to do, no error" $FC net teardown
t_check "net setup after teardown" $FC net setup --public $PUB
t_check "... builds the bridge and both DNAT rules again" \
	sh -c "ip link show fcbr0 >/dev/null && test \$(nft list chain ip fcapsule prerouting | grep -c 'dnat ip to') = 2"
ip netns del pubc
t_done
