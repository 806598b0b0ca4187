#!/bin/bash
# timeout: 900
# NAPT stays consistent with the running app VMs across a restart of the
# OS server, and close() of a listening socket unmaps its port:
#   - three httpd app VMs, each on its own public port, all reachable;
#   - one closes its listener (httpd PORT MAX): its mapping goes, the app
#     VM keeps running;
#   - the server is killed (SIGKILL); meanwhile one app VM is destroyed
#     behind its back (xl destroy), one closes its listener (its UNLISTEN
#     waits in the module for a server), and a stale mapping of a domain
#     that does not exist is left in the map;
#   - a new app VM's `fcapsule run` restarts the server: the waiting
#     UNLISTEN is served, the dead app VM's mapping and address and the
#     stale mapping are gone, an operator's mapping stays, the survivors
#     are still reachable, and the new app VM's port is mapped.
. tests/integration/lib.sh

FC=$BUILD/usr/fcapsule
PUB=192.0.2.10
export FC_IMAGE_DIR=$BUILD/apps

t_napt_setup $PUB
get() {
	ip netns exec pubc curl -sf -m 10 "http://$PUB:$1/"
}
# mapped PORT: the public port is in `fcapsule napt`
mapped() {
	$FC napt | grep -Eq "^tcp +$PUB:$1 "
}
# wait_unmapped PORT: up to 20 s
wait_unmapped() {
	for _ in $(seq 100); do
		mapped "$1" || return 0
		sleep 0.2
	done
	return 1
}

# web1 and web2 serve for good; web3 closes after 1 request, web4 after 2.
$FC run httpd --name web1 -- 8081 >/dev/null
$FC run httpd --name web2 -- 8082 >/dev/null
$FC run httpd --name web3 -- 8083 1 >/dev/null
$FC run httpd --name web4 -- 8084 2 >/dev/null
for i in 1 2 3 4; do
	t_check "web$i listens" t_wait_console web$i '^FC-HTTPD-READY' 180
done
$FC napt | sed 's/^/# /'
for i in 1 2 3 4; do
	t_check "808$i is mapped and answers web$i" \
		sh -c "ip netns exec pubc curl -sf -m 10 http://$PUB:808$i/ | grep -q 'httpd on web$i:'"
done
web2_id=$(xl domid web2)
web2_addr=$($FC net show --dom "$web2_id" | cut -d' ' -f1)
t_check "web2 has an address ($web2_addr)" test -n "$web2_addr"

# --- close() unmaps, the app VM lives on
t_check "web3 closed its listener after one request" \
	t_wait_console web3 '^FC-HTTPD-CLOSED web3 port 8083 after 1 ' 60
t_check "close() removed 8083's mapping" wait_unmapped 8083
t_check "web3 still runs" sh -c "$FC ps | grep -Eq ' web3 +(running|blocked) '"
t_check "ps shows no port for web3" \
	sh -c "! $FC ps | grep ' web3 ' | grep -q 8083"

# --- the server goes down; things happen meanwhile
$FC napt add 9090 198.18.0.99:80 >/dev/null
t_check "an operator's mapping (no app VM)" mapped 9090
old=$(cat /run/fcapsule/serve.pid)
kill -KILL "$old"
for _ in $(seq 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
t_check "the OS server is gone" sh -c "! kill -0 $old 2>/dev/null"
xl destroy web2
t_check "web2 destroyed behind our back" sh -c "! xl list web2 >/dev/null 2>&1"
$FC napt add 9091 198.18.0.98:80 --dom 4000 --name ghost >/dev/null
t_check "a stale mapping of domain 4000, which does not exist" mapped 9091
get 8084 >/dev/null
get 8084 >/dev/null
t_check "web4 closes its listener while no server runs" \
	t_wait_console web4 '^FC-HTTPD-CLOSED web4 port 8084 after 2 ' 60
sleep 2
t_check "no server: 8084 is still mapped (its UNLISTEN waits)" mapped 8084

# --- a new run restarts the server
$FC run httpd --name web5 -- 8085 >/dev/null
t_check "run restarted the OS server" \
	sh -c "test \$(cat /run/fcapsule/serve.pid) != $old && kill -0 \$(cat /run/fcapsule/serve.pid)"
t_check "web5 listens" t_wait_console web5 '^FC-HTTPD-READY' 180
t_check "the waiting UNLISTEN was served: 8084 unmapped" wait_unmapped 8084
t_check "destroyed web2's mapping is gone" wait_unmapped 8082
t_check "the stale mapping of domain 4000 is gone" wait_unmapped 9091
t_check "web2's address is free again" \
	sh -c "! ls /run/fcapsule/net/addr/ | grep -qx '$web2_addr'"
t_check "the operator's mapping stays" mapped 9090
$FC napt | sed 's/^/# /'
for i in 1 5; do
	t_check "808$i still answers web$i" \
		sh -c "ip netns exec pubc curl -sf -m 10 http://$PUB:808$i/ | grep -q 'httpd on web$i:'"
done
t_check "napt lists exactly 8081, 8085 and 9090" \
	test "$($FC napt | awk 'NR > 1 { sub(/.*:/, "", $2); print $2 }' | sort | tr '\n' ' ')" = "8081 8085 9090 "
t_check "ps shows the ports of the survivors" \
	sh -c "$FC ps | grep ' web1 ' | grep -q 8081 && $FC ps | grep ' web5 ' | grep -q 8085"
grep -E 'sync|unlisten|disconnect' /run/fcapsule/serve.log | sed 's/^/# serve: /'

$FC kill -s KILL web1 web3 web4 web5 >/dev/null
$FC napt del 9090 >/dev/null
t_check "no app VM mapping left" sh -c "test \$($FC napt | wc -l) = 1"
ip netns del pubc
t_done
