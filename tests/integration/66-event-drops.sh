#!/bin/bash
# timeout: 600
# The module's event queue drops CONNECT/DISCONNECT events, and the OS
# server resyncs.  An httpd app VM listens (its NAPT mapping is up); the
# server is stopped (SIGSTOP) and another app VM restarts its fcapsule
# session 8 times, so that the module must drop events: more than 2
# CONNECTs of one domid are never queued.  `fcapsule serve --status` shows
# the count grow.  A mapping of a domain that does not exist (what a lost
# DISCONNECT leaves) is in the map; the server, while it sees every
# event, leaves it.  On SIGCONT the server says it resyncs, the stale
# mapping goes, the httpd's stays and still answers through the NAPT, and
# a new app VM's listen is served.
. tests/integration/lib.sh

FC=$BUILD/usr/fcapsule
PUB=192.0.2.10
export FC_IMAGE_DIR=$BUILD/apps
LOG=/run/fcapsule/serve.log
modprobe -a nf_tables nft_nat nft_chain_nat nft_fib_ipv4 veth 2>/dev/null

# status KEY: a field of `fcapsule serve --status --json` (module.KEY,
# or server.KEY for running and pid)
status() {
	$FC serve --status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
k = sys.argv[1]
v = s["server"][k] if k in s["server"] else s["module"][k]
print(str(v).lower())' "$1"
}
# mapped PORT: the public port is in `fcapsule napt`
mapped() {
	$FC napt | grep -Eq "^tcp +$PUB:$1 "
}
wait_unmapped() {
	for _ in $(seq 50); do
		mapped "$1" || return 0
		sleep 0.2
	done
	return 1
}
# t_wait_log ERE: up to 10 s for the server's log to hold it
t_wait_log() {
	for _ in $(seq 50); do
		grep -qE -- "$1" $LOG && return 0
		sleep 0.2
	done
	echo "# no '$1' in the server's log"
	return 1
}
# answers PORT NAME: a public client gets NAME's page through the NAPT
answers() {
	ip netns exec pubc curl -sf -m 10 "http://$PUB:$1/" | grep -q "httpd on $2:"
}

t_check "insmod fcapsule.ko" insmod "$KO"
t_check "net setup --public $PUB" $FC net setup --public $PUB
t_check "a client on the public segment (192.0.2.20)" t_public_client $PUB

$FC run httpd --name web -- 8081 >/dev/null
t_check "web listens" t_wait_console web '^FC-HTTPD-READY' 180
t_check "8081 is mapped and answers web" answers 8081 web
srv=$(cat /run/fcapsule/serve.pid)
$FC serve --status | sed 's/^/# /'
t_check "serve --status: the server ($srv) runs, no event dropped" \
	test "$(status running)/$(status pid)/$(status events_dropped)" = "true/$srv/0"

nft add element ip fcapsule ports \
	'{ 9099 comment "dom=4001 app=77 name=ghost" : 198.18.0.97 . 80 }'
t_check "a stale mapping of domain 4001, which does not exist" \
	sh -c "$FC napt | grep -Eq '^tcp +$PUB:9099 +198\.18\.0\.97:80 +4001 +ghost'"
sleep 3
t_check "the server, seeing every event, leaves it" mapped 9099

kill -STOP "$srv"
t_check "the OS server is stopped" \
	sh -c "grep -q '^State:.*stopped' /proc/$srv/status"
$FC run fcping --name cyc --no-net -- 10 cycle=8 hold >/dev/null
t_check "an app VM restarts its session 8 times, served by the module" \
	t_wait_console cyc '^FC-CYCLE-OK 10 cycles=8$' 120
dropped=$(status events_dropped)
queued=$(status events_queued)
$FC serve --status | sed 's/^/# /'
# 9 sessions of one domid: 2 CONNECTs and their DISCONNECTs (reserved)
# are queued, and 2 DISCONNECTs more; CONNECTs 3..9 and DISCONNECTs 5..8
# are dropped.
t_check "the module dropped its events: 11 dropped ($dropped), 6 queued ($queued)" \
	test "$dropped/$queued" = 11/6
t_check "nothing was lost for web: its mapping is up" mapped 8081

kill -CONT "$srv"
t_check "the server says it resyncs after the drops" \
	t_wait_log "the module dropped $dropped event\(s\): resync"
t_check "the stale mapping of domain 4001 is gone" wait_unmapped 9099
t_check "the server says it removed it" \
	t_wait_log 'sync: removed 1 NAPT mapping\(s\)'
t_check "web's mapping stays" mapped 8081
t_check "8081 still answers web" answers 8081 web
grep -E 'dropped|sync|cyc' $LOG | sed 's/^/# serve: /' | tail -n 20

$FC run httpd --name web2 -- 8082 >/dev/null
t_check "a new app VM listens" t_wait_console web2 '^FC-HTTPD-READY' 180
t_check "its port is mapped and answers web2" answers 8082 web2
t_check "the same server serves it" \
	test "$(status running)/$(status pid)" = "true/$srv"
t_check "napt lists exactly 8081 and 8082" \
	test "$($FC napt | awk 'NR > 1 { sub(/.*:/, "", $2); print $2 }' | sort | tr '\n' ' ')" = "8081 8082 "

$FC kill -s KILL web web2 cyc >/dev/null
t_check "no app VM mapping left" wait_unmapped 8081
ip netns del pubc
t_done
