#!/bin/bash
# timeout: 900
# The warm pool on real Xen: `pool set` makes the OS server keep paused
# domain shells; `run` takes one (start: warm) and the app gets its own
# name, arguments, console log, address, NAPT and IPC; an exhausted pool falls
# back to a cold start and is refilled in the background; `run --cold`
# never uses it; a killed server and filler leave no orphan shells once
# the server runs again; a count of 0 destroys them all.
. tests/integration/lib.sh

FC=$BUILD/usr/fcapsule
PUB=192.0.2.10
export FC_IMAGE_DIR=$BUILD/apps

t_napt_setup $PUB

# shells NAME-PATTERN: how many shells `ps --pool` lists whose image matches
shells() {
	$FC ps --pool | grep -v '^#' | awk 'NR > 1' | grep -c "$1\$"
}
# wait_shells PATTERN N SECONDS
wait_shells() {
	local i
	for ((i = 0; i < $3; i++)); do
		[ "$(shells "$1")" = "$2" ] && return 0
		sleep 1
	done
	$FC ps --pool | sed 's/^/# /'
	return 1
}
start_of() {
	$FC inspect "$1" | sed -n 's/^start: //p'
}
# how_run ARGS...: run -v ARGS, print "warm" or "cold" (from its debug line)
how_run() {
	$FC -v run "$@" 2>&1 >/dev/null | sed -n 's/.* unpaused (\(warm\|cold\) start)$/\1/p'
}

t_check "pool set hello 2 --no-net" $FC pool set hello 2 --no-net
t_check "pool set httpd 1" $FC pool set httpd 1
t_check "the OS server makes two hello shells" wait_shells '/hello' 2 180
t_check "and one httpd shell" wait_shells '/httpd' 1 180
$FC ps --pool | sed 's/^/# /'
t_check "ps --pool counts their memory (3 shells, 12288 KB)" \
	sh -c "$FC ps --pool | grep -q '^# 3 shell(s), 12288 KB of memory held'"
t_check "ps --pool --json has the same total" \
	sh -c "$FC ps --pool --json | grep -q '\"mem_kb\": 12288}'"
t_check "xl list shows the shells, paused" \
	test "$(xl list | awk '/^fcpool-/ && $5 ~ /p/' | wc -l)" = 3
t_check "ps does not list them" sh -c "! $FC ps | grep -q fcpool-"

# --- a warm start: name, arguments with a space, console, exit code
$FC -v run --name h1 --wait --no-net hello -- 7 "two words" >/tmp/h1.out 2>/tmp/h1.err
rc=$?
grep 'debug: run:' /tmp/h1.err | sed 's/^/# /'
t_check "run --wait of a warm hello returns its exit code 7 (got $rc)" test "$rc" = 7
t_check "its console log is guest-h1.log, with the arguments" \
	grep -qa 'argv\[2\] = "two words"' $CONSOLE_DIR/guest-h1.log
t_check "ps -a shows h1 exited with 7" \
	sh -c "$FC ps -a | grep -E ' h1 ' | grep -q 'exited'"
t_check "run -v says it took a pool shell" \
	grep -q 'warm start in pool shell dom[0-9]* fcpool-' /tmp/h1.err

id=$($FC run --name h2 sleeper --no-net 2>/dev/null)
t_check "a sleeper fits no shell (another image)" test -n "$id"
t_check "... and starts cold" test "$(start_of h2)" = cold
$FC kill -s KILL h2 >/dev/null

t_check "the pool is full again" wait_shells '/hello' 2 180
# three runs at once for two shells: the claim has one winner per shell
for h in h3 h4 h5; do
	how_run --name $h --no-net hello -- 0 >/tmp/$h.how &
done
wait
hows=$(cat /tmp/h3.how /tmp/h4.how /tmp/h5.how | sort | tr '\n' ' ')
t_check "three runs at once: two warm, and a cold one when the pool is exhausted ($hows)" \
	test "$hows" = "cold warm warm "
t_check "all three ran: their logs have their output" \
	sh -c "t() { grep -qa 'Hello from FlexCapsule OS' $CONSOLE_DIR/guest-\$1.log; }; \
		for i in \$(seq 50); do t h3 && t h4 && t h5 && exit 0; sleep 0.2; done; exit 1"
t_check "the server refills the pool in the background" wait_shells '/hello' 2 180

# --- a warm httpd: its own address, NAPT through the public address
id=$($FC run httpd --name web -- 80)
t_check "run httpd takes the httpd shell ($id)" test -n "$id"
t_check "inspect web: start warm" test "$(start_of web)" = warm
t_check "libxl's stored configuration has the new name (what fork and migrate use)" \
	sh -c "xl list -l web | grep -q '\"name\": \"web\"'"
t_check "its command line is in the backend directory, Dom0's, read-only for it" \
	sh -c "xenstore-ls -p /local/domain/0/backend/fcapsule/$id/0 | grep -E '^cmdline = \"80\"' | grep -q '(n0,r$id)'"
t_check "inspect web shows the real command line, not the shell's" \
	sh -c "$FC inspect web | grep -qx 'cmdline: 80'"
t_check "httpd listens" t_wait_console web '^FC-HTTPD-READY web ' 120
t_check "napt maps port 80 to web" sh -c "$FC napt | grep -Eq ':80 .* web\$'"
t_check "a public client gets web's page" \
	sh -c "ip netns exec pubc curl -sf -m 10 http://$PUB/ | grep -q 'httpd on web:'"
child=$($FC fork web 2>/tmp/fork.err)
t_check "fork of a warm-started app VM ($child)" test -n "$child"
cat /tmp/fork.err | sed 's/^/# /'
t_check "ps shows web.1 as web's child" \
	sh -c "$FC ps | grep -Eq '^ *$child +$id +web\.1 +(running|blocked) '"
t_check "kill --tree web" $FC kill -s KILL --tree web
t_check "web.1 is gone with it" sh -c "! xl list | grep -q '^web\.1 '"
t_check "the mapping is gone after kill" \
	sh -c "for i in \$(seq 25); do $FC napt | grep -q ':80 ' || exit 0; sleep 0.2; done; exit 1"
# the name again: inspect shows the live one, not the exited record
id=$($FC run --cold httpd --name web)
t_check "run --cold httpd starts cold though a shell may be ready" \
	test "$(start_of web)" = cold
t_check "the new web listens" t_wait_console web '^FC-HTTPD-READY web ' 180
$FC kill -s KILL web >/dev/null
t_check "the httpd shell is made again" wait_shells '/httpd' 1 180

# --- IPC between two warm-started app VMs, through the module
t_check "pool set ipctest 2 --no-net" $FC pool set ipctest 2 --no-net
t_check "two ipctest shells" wait_shells '/ipctest' 2 180
how=$(how_run --name rx --no-net ipctest -- recv 5 300)
t_check "the receiver starts warm ($how)" test "$how" = warm
t_check "it connected" t_wait_console rx '^FC-IPC-READY' 120
t_check "ipc allow rx tx" $FC ipc allow rx tx
how=$(how_run --name tx --no-net ipctest -- send rx 5)
t_check "the sender starts warm ($how)" test "$how" = warm
t_check "the receiver got all 5 in order, intact" \
	t_wait_console rx '^FC-IPC-RECV-OK n=5 errors=0 sources=1' 300
t_check "pool set ipctest 0 --no-net" $FC pool set ipctest 0 --no-net
$FC kill -s KILL rx tx >/dev/null 2>&1

# --- the server and its filler killed mid-fill: no orphans after restart
t_check "pool set hello 4 --no-net" $FC pool set hello 4 --no-net
sleep 1
pkill -9 -f 'fcapsule serve'
pkill -9 -f 'fcapsule pool fill'
sleep 1
echo "# after the kill: $(xl list | grep -c '^fcpool-') shell domain(s), $(ls /run/fcapsule/pool | grep -c '^[0-9]*$') shell file(s)"
# a filler killed between libxl's create and the shell file leaves this:
half=$(xl list | awk '/^fcpool-/ {print $2}' | head -1)
rm -f /run/fcapsule/pool/$half
t_check "pool set hello 2 --no-net restarts the server" $FC pool set hello 2 --no-net
t_check "two hello shells again" wait_shells '/hello' 2 180
# orphans: shell domains without a shell file
orphans() {
	local id n=0
	for id in $(xl list | awk '/^fcpool-/ {print $2}'); do
		[ -f /run/fcapsule/pool/$id ] || n=$((n + 1))
	done
	echo $n
}
sleep 2
t_check "no shell domain without its file ($(orphans))" test "$(orphans)" = 0
t_check "the half-made shell dom$half was destroyed" \
	sh -c "! xl list | awk '{print \$2}' | grep -qx '$half'"
t_check "the server log says so" \
	grep -q "pool: dom$half fcpool-.* was left half-made: destroyed" /run/fcapsule/serve.log
t_check "xl list has exactly the 3 shells asked for" \
	test "$(xl list | grep -c '^fcpool-')" = 3

# --- count 0: all destroyed, addresses released
t_check "pool set hello 0 --no-net" $FC pool set hello 0 --no-net
t_check "pool set httpd 0" $FC pool set httpd 0
t_check "the server destroys every shell" wait_shells '.' 0 60
t_check "no fcpool- domain is left" \
	sh -c "for i in \$(seq 60); do xl list | grep -q '^fcpool-' || exit 0; sleep 1; done; exit 1"
t_check "no address is held by a shell" \
	sh -c "! grep -rqs fcpool- /run/fcapsule/net/addr/"
t_check "ps --pool is empty" \
	sh -c "$FC ps --pool | grep -q '^# 0 shell(s), 0 KB'"

t_check "Dom0 kernel log has no warning, oops or BUG" t_dmesg_clean
t_done
