#!/bin/bash
# timeout: 600
# fcapsule run, ps, logs, cap and kill on real Xen with library-OS app VMs
# (hello, sleeper): device nodes with their permissions, exit codes
# through the OS server's reaper, and every error with its own exit code.
. tests/integration/lib.sh

FC=$BUILD/usr/fcapsule
export FC_IMAGE_DIR=$BUILD/apps
BE=/local/domain/0/backend/fcapsule

t_check "insmod fcapsule.ko" insmod "$KO"

# --- run, and what it wrote to xenstore
id=$($FC run sleeper --name sl1)
rc=$?
t_check "run sleeper prints a domid (rc $rc)" test "$rc" = 0 -a -n "$id"
t_check "the app VM boots (console)" t_wait_console sl1 FC-SLEEPER-READY 60
t_check "backend node frontend-id" \
	test "$(xenstore-read $BE/$id/0/frontend-id)" = "$id"
t_check "backend node online=1" test "$(xenstore-read $BE/$id/0/online)" = 1
t_check "frontend node backend-id=0" \
	test "$(xenstore-read /local/domain/$id/device/fcapsule/0/backend-id)" = 0
t_check "frontend node points at the backend" \
	test "$(xenstore-read /local/domain/$id/device/fcapsule/0/backend)" = "$BE/$id/0"
t_check "frontend owned by the domU, readable by Dom0" \
	test "$(xenstore-ls -p /local/domain/$id/device/fcapsule | head -1 | grep -o '(n[0-9]*,r0)')" = "(n$id,r0)"
t_check "backend owned by Dom0, readable by the domU" \
	sh -c "xenstore-ls -p $BE/$id | grep '^0 = ' | grep -q '(n0,r$id)'"
t_check "the OS server was started (pid file)" \
	sh -c 'kill -0 $(cat /run/fcapsule/serve.pid)'
t_check "the OS server is started only once" \
	test "$(pgrep -c -f 'fcapsule serve')" = 1

# --- ps
ps_out=$($FC ps)
echo "$ps_out" | sed 's/^/# /'
t_check "ps has the header" sh -c "echo '$ps_out' | head -1 | grep -q '^ *ID  *PPID NAME .*STATE.*MEM.*TIME.*%CPU.*CAP.*PORTS.*UPTIME'"
t_check "ps lists sl1 as running or blocked" \
	sh -c "echo '$ps_out' | grep -Eq '^ *$id +0 +sl1 +(running|blocked) '"
t_check "ps does not list Dom0" sh -c "! echo '$ps_out' | grep -q Domain-0"
t_check "ps --json" sh -c "$FC ps --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0][\"name\"]==\"sl1\" and d[0][\"id\"]==$id and d[0][\"mem_kb\"]>0, d'"

# --- one CLI: help from the table, one app VM by name, ids only, inspect
t_check "run --help prints its usage, exit 0" \
	sh -c "$FC run --help | grep -q '^usage: fcapsule run IMAGE'"
t_check "ps NAME lists only it" test "$($FC ps sl1 | tail -n +2 | wc -l)" = 1
t_check "ps -q NAME prints its id" test "$($FC ps -q sl1)" = "$id"
t_check "ps of an unknown app VM: exit 8" sh -c "$FC ps nope 2>/dev/null; test \$? = 8"
t_check "inspect --json: name, address, kernel" sh -c "$FC inspect --json sl1 | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"name\"]==\"sl1\" and d[\"address\"].startswith(\"198.18.\") and d[\"kernel\"].endswith(\"sleeper\"), d'"
t_check "inspect of an unknown app VM: exit 8" sh -c "$FC inspect nope 2>/dev/null; test \$? = 8"
t_check "napt as non-root: exit 7" \
	sh -c "setpriv --reuid=65534 --regid=65534 --clear-groups $FC napt 2>/dev/null; test \$? = 7"

# a plain xl guest is not an app VM
printf 'name="plain"\nkernel="%s"\nmemory=4\non_poweroff="preserve"\n' \
	"$BUILD/apps/sleeper" >/tmp/plain.cfg
xl create -q /tmp/plain.cfg
t_check "ps does not list a plain xl guest" sh -c "! $FC ps | grep -q plain"
t_check "kill refuses a plain xl guest" sh -c "$FC kill -s KILL plain; test \$? = 8"
xl destroy plain

# --- cap
t_check "cap sl1 50" $FC cap sl1 50
t_check "ps shows cap 50" sh -c "$FC ps --json | grep -q '\"cap\": 50'"
t_check "xl agrees (credit cap 50)" sh -c "xl sched-credit -d sl1 | tail -1 | awk '{exit \$4 != 50}'"
t_check "cap 0 removes it" $FC cap "$id" 0
t_check "cap over 100% per vcpu is a usage error" sh -c "$FC cap sl1 150; test \$? = 2"

# --- logs
t_check "logs prints the console" sh -c "$FC logs sl1 | grep -q FC-SLEEPER-READY"
t_check "logs by id" sh -c "$FC logs $id | grep -q FC-SLEEPER-READY"
t_check "logs -n 1 prints one line" test "$($FC logs -n 1 sl1 | wc -l)" = 1

# --- run --wait: exit code from the app (FC-EXIT / EXIT request)
$FC run hello --name h7 --wait -- 7 >/tmp/h7.out
rc=$?
t_check "run --wait returns hello's exit code 7 (got $rc)" test "$rc" = 7
hid=$(head -1 /tmp/h7.out)
t_check "hello got its argv" t_wait_console h7 'argv\[1\] = "7"' 5
t_check "the exited app VM is gone from Xen" sh -c "! xl list $hid 2>/dev/null"
t_check "its device nodes are gone" sh -c "! xenstore-exists $BE/$hid"
t_check "ps -a shows it exited(7)" sh -c "$FC ps -a | grep -Eq '^ *$hid +0 +h7 +exited\\(7\\)'"
t_check "ps without -a does not" sh -c "! $FC ps | grep -q ' h7 '"
t_check "logs of an exited app VM" sh -c "$FC logs h7 | grep -q 'FC-EXIT 7'"
t_check "inspect of an exited app VM has its exit" \
	sh -c "$FC inspect h7 | grep -q '^exit: code 7 reason '"

# exit without --wait: the OS server reaps it
hid=$($FC run hello --name h3 -- 3)
for i in $(seq 50); do [ -e /run/fcapsule/exited/$hid ] && break; sleep 0.2; done
t_check "the OS server reaped h3 and recorded code 3" \
	grep -qx code=3 /run/fcapsule/exited/$hid
# The record is written first, then the domain destroyed (with its vif).
for i in $(seq 50); do xl list $hid >/dev/null 2>&1 || break; sleep 0.2; done
t_check "h3's domain is gone" sh -c "! xl list $hid 2>/dev/null"
$FC run hello --name h0 --wait >/dev/null
t_check "exit code 0" test $? = 0

# --- default names
a=$($FC run sleeper)
b=$($FC run sleeper)
t_check "default name is the image's" test "$(xl domname "$a")" = sleeper
t_check "second default name is sleeper-2" test "$(xl domname "$b")" = sleeper-2

# --- errors: one line, distinct exit codes, nothing left behind
n_before=$(xl list | wc -l)
err=$($FC run no-such-image 2>&1); rc=$?
t_check "unknown image: exit 3, one line ($err)" sh -c "test $rc = 3 && test \$(echo '$err' | wc -l) = 1"
$FC run sleeper --name sl1 2>/dev/null
t_check "name in use: exit 4" test $? = 4
$FC run sleeper --name big --memory 100000 2>/dev/null
t_check "not enough memory: exit 5" test $? = 5
t_check "no domain 'big' left" sh -c "! xl list big 2>/dev/null"
$FC kill no-such-vm 2>/dev/null
t_check "kill unknown app VM: exit 8" test $? = 8
$FC kill 4000 2>/dev/null
t_check "kill unknown id: exit 8" test $? = 8
$FC logs no-such-vm 2>/dev/null
t_check "logs unknown app VM: exit 8" test $? = 8
$FC cap no-such-vm 50 2>/dev/null
t_check "cap unknown app VM: exit 8" test $? = 8
setpriv --reuid=65534 --regid=65534 --clear-groups $FC ps 2>/dev/null
t_check "not root: exit 7" test $? = 7
$FC run --bogus sleeper 2>/dev/null
t_check "bad option: exit 2" test $? = 2
t_check "errors left no domain" test "$(xl list | wc -l)" = "$n_before"

# --- kill
$FC kill -s KILL "$a"
t_check "kill -s KILL destroys at once" sh -c "! xl list $a 2>/dev/null"
t_check "killed app VM is exited(137)" grep -qx code=137 /run/fcapsule/exited/$a
# TERM reaches the app as a shutdown request; by default it exits 143.
start=$SECONDS
$FC kill --grace 60 sleeper-2
t_check "kill (TERM): the app VM is gone" sh -c "! xl list $b 2>/dev/null"
t_check "kill returned when the app exited, not after the grace period ($((SECONDS - start)) s)" \
	test $((SECONDS - start)) -lt 60
t_check "the app saw the shutdown request" \
	grep -qa '^FC-SHUTDOWN-REQUEST poweroff' /var/log/xen/console/guest-sleeper-2.log
t_check "TERM is exited(143)" grep -qx code=143 /run/fcapsule/exited/$b
t_check "the code came from the app itself (ring or console)" \
	sh -c "grep -Eqx 'source=(ring|console)' /run/fcapsule/exited/$b"
# An app that ignores the request is destroyed when the grace period ends.
c=$($FC run sleeper --name stubborn -- ignore-term)
t_check "start an app VM that ignores TERM" t_wait_console stubborn FC-SLEEPER-READY 60
start=$SECONDS
$FC kill --grace 3 stubborn
t_check "kill (TERM, ignored): gone after the grace period ($((SECONDS - start)) s)" \
	sh -c "! xl list $c 2>/dev/null && test $((SECONDS - start)) -ge 3"
t_check "the app logged the request it ignored" \
	grep -qa "^sleeper: ignoring shutdown request 'poweroff'" /var/log/xen/console/guest-stubborn.log
t_check "TERM then destroy is exited(143), reason terminated" \
	sh -c "grep -qx code=143 /run/fcapsule/exited/$c && grep -qx source=reason /run/fcapsule/exited/$c"
$FC kill -s KILL sl1
t_check "no app VM left" sh -c "test -z \"\$(xenstore-ls $BE 2>/dev/null)\""
t_check "only Dom0 left in xl list" test "$(xl list | wc -l)" = 2

# --- the OS server survives a restart: state is in Xen and /run/fcapsule
keep=$($FC run sleeper --name keep)
t_wait_console keep FC-SLEEPER-READY 60 >/dev/null
old=$(cat /run/fcapsule/serve.pid)
kill "$old"
sleep 0.5
hid=$($FC run hello --name after -- 4)
for i in $(seq 50); do [ -e /run/fcapsule/exited/$hid ] && break; sleep 0.2; done
t_check "run restarted the OS server" \
	sh -c "test \$(cat /run/fcapsule/serve.pid) != $old && kill -0 \$(cat /run/fcapsule/serve.pid)"
t_check "the new server reaped an app VM (code 4)" \
	grep -qx code=4 /run/fcapsule/exited/$hid
t_check "earlier app VMs still listed after the restart" \
	sh -c "$FC ps | grep -Eq '^ *$keep +0 +keep '"
t_check "earlier exit records still listed" sh -c "$FC ps -a | grep -q 'exited(7)'"
$FC kill -s KILL keep

# --- module not loaded
for d in /sys/bus/xen-backend/drivers/fcapsule/fcapsule-*; do
	[ -e "$d" ] && echo "${d##*/}" >/sys/bus/xen-backend/drivers/fcapsule/unbind
done
kill "$(cat /run/fcapsule/serve.pid)"
# the backend devices go away asynchronously (xenwatch)
for i in $(seq 50); do
	ls /sys/bus/xen-backend/devices/ 2>/dev/null | grep -q fcapsule || break
	sleep 0.2
done
for i in 1 2 3 4 5; do rmmod fcapsule 2>/dev/null && break; sleep 1; done
t_check "rmmod after the OS server stopped" test ! -e /dev/fcapsule
[ -e /dev/fcapsule ] && { lsmod | grep fcapsule; ls /sys/bus/xen-backend/devices; ps ax | grep fcapsul[e]; } | sed 's/^/# /'
$FC run sleeper 2>/dev/null
t_check "module not loaded: exit 6" test $? = 6
t_done
