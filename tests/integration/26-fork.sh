#!/bin/bash
# timeout: 1500
# fork of app VMs on real Xen: fork() returns the child's domid in the
# parent and 0 in the child, both go on from one memory image and then
# have their own (a value written after fork differs); a fork of a fork;
# `fcapsule fork` from the command line; the child's own name, address,
# MAC, device and PPID; a fork of an app holding a listening socket;
# 20 forks in a row, all killed with kill --tree and nothing left; killing
# a parent orphans its children; a fork that cannot complete (name taken,
# not enough memory) fails with nothing half-created.
. tests/integration/lib.sh
. tests/integration/fcdev.sh
FC=$BUILD/usr/fcapsule
export FC_IMAGE_DIR=$BUILD/apps
modprobe -a nf_tables nft_nat nft_chain_nat nft_fib_ipv4 2>/dev/null

t_check "insmod fcapsule.ko" insmod "$KO"
t_check "net setup" $FC net setup --public 192.0.2.10

log() {
	cat "$CONSOLE_DIR/guest-$1.log" 2>/dev/null
}
log_has() {
	log "$1" | grep -aqE -- "$2"
}
nvms() {
	xl list | tail -n +2 | grep -vc '^Domain-0 '
}

# --- fork() from the app ---
p=$($FC run --no-net --name fk forker fork)
t_check "run forker fork ($p)" test -n "$p"
t_check "the parent's fork() returned the child's id" \
	t_wait_console fk '^FC-FORK-PARENT [0-9]+ ' 180
c=$(log fk | grep -aoE '^FC-FORK-PARENT [0-9]+' | head -1 | cut -d' ' -f2)
t_check "the child is fk.1, dom$c" test "$(fc_domid fk.1)" = "$c"
t_check "the child's fork() returned 0, it knows its name and parent" \
	t_wait_console fk.1 "^FC-FORK-CHILD 0 dom=$c name=fk.1 parent=$p " 120
t_check "the child set its own copy of the value (100)" \
	log_has fk.1 '^FC-FORK-CHILD 0 .* value=100$'
t_check "the parent's value is still 1" t_wait_console fk '^FC-TICK [0-9]+ nop=0 value=1$' 30
t_check "the child ticks with its value and its own ring session" \
	t_wait_console fk.1 '^FC-TICK [0-9]+ nop=0 value=100$' 60
t_check "the parent's checkpoint was cancelled" log_has fk '^FC-RESUMED cancelled'
t_check "the child's resume is a new domain" log_has fk.1 '^FC-RESUMED new-domain'
t_check "ps shows the child with PPID $p" \
	sh -c "$FC ps | grep -Eq '^ +$c +$p +fk\.1 '"
t_check "the OS server did the fork" \
	sh -c "grep -q 'fork dom$p -> dom$c' /run/fcapsule/serve.log"

# --- a fork of a fork ---
$FC run --no-net --name ch forker chain >/dev/null
t_check "chain: the child forks again" t_wait_console ch.1 '^FC-FORK-PARENT [0-9]+ ' 240
g=$(fc_domid ch.1.1)
t_check "the grandchild ch.1.1 (dom$g) has parent ch.1" \
	t_wait_console ch.1.1 "^FC-FORK-CHILD 0 dom=$g name=ch.1.1 parent=$(fc_domid ch.1) .* value=101" 120

# --- from the command line ---
t_check "fcapsule fork fk --name fk-copy" sh -c "$FC fork --timing fk --name fk-copy >/tmp/fork.out 2>/tmp/fork.err"
sed 's/^/# /' /tmp/fork.err
t_check "it printed the child's id" test "$(cat /tmp/fork.out)" = "$(fc_domid fk-copy)"
t_check "the copy keeps counting from the parent's count" \
	t_wait_console fk-copy '^FC-RESUMED new-domain' 60
t_check "fork to a name in use: exit 4" sh -c "$FC fork fk --name fk-copy; test \$? = 4"
t_check "fork of an unknown app VM: exit 8" sh -c "$FC fork nosuch; test \$? = 8"
before=$(nvms)
free=$(xl info free_memory)
big=$((free * 6 / 10))
t_check "run an app VM of ${big} MB (60% of free memory)" \
	$FC run --no-net --name big --memory $big forker tick
t_check "it runs" t_wait_console big '^FC-TICK 1 ' 120
t_check "forking it: not enough memory, exit 5" sh -c "$FC fork big; test \$? = 5"
t_check "nothing half-created: the same domains, big still runs" \
	sh -c "test $(($before + 1)) = \$(xl list | tail -n +2 | grep -vc '^Domain-0 ') && ! xl list big.1 2>/dev/null"
$FC kill -s KILL big >/dev/null

# --- a fork while listening ---
t_check "run httpd" $FC run --name web httpd
t_check "httpd listens" t_wait_console web '^FC-HTTPD-READY' 180
t_check "fcapsule fork web" sh -c "$FC fork web >/dev/null"
t_check "the child's vif is up with its own address" \
	t_wait_console web.1 '^FC-NET-UP 198\.18\.0\.' 180
pa=$(grep -ao 'FC-NET-UP [0-9.]*' $CONSOLE_DIR/guest-web.log | head -1 | cut -d' ' -f2)
ca=$(grep -ao 'FC-NET-UP [0-9.]*' $CONSOLE_DIR/guest-web.1.log | tail -1 | cut -d' ' -f2)
pm=$(xenstore-read /local/domain/$(fc_domid web)/device/vif/0/mac)
cm=$(xenstore-read /local/domain/$(fc_domid web.1)/device/vif/0/mac)
t_check "parent and child have different addresses ($pa, $ca) and MACs ($pm, $cm)" \
	test "$pa" != "$ca" -a "$pm" != "$cm"
t_check "the child listened again on port 80" t_wait_console web.1 '^net: port 80 listened again' 60
# httpd read its name at start: the clone's pages say "web" too, with the
# request count it had when it was cloned.
t_check "both serve on their own address" \
	sh -c "curl -sf -m 20 http://$pa/ | grep -q 'on web: request #' && curl -sf -m 20 http://$ca/ | grep -q 'on web: request #'"
$FC kill -s KILL --tree web >/dev/null

# --- 20 forks in a row, then kill --tree ---
t_check "run forker fork 20" $FC run --no-net --name many forker -- fork 20
for ((i = 0; i < 900; i++)); do
	n=$(log many | grep -ac '^FC-FORK-PARENT')
	[ "$n" -ge 20 ] && break
	log many | grep -aq '^FC-FORK-FAIL' && break
	sleep 1
done
t_check "20 forks returned in the parent ($n)" test "$n" = 20
kids=$($FC ps | awk -v p="$(fc_domid many)" '$2 == p' | wc -l)
t_check "ps shows 20 children of many ($kids)" test "$kids" = 20
all_children_know() {
	local i
	for i in $(seq 1 20); do
		t_wait_console many.$i "^FC-FORK-CHILD 0 .* name=many\.$i " 120 || return 1
	done
}
t_check "every child's fork() returned 0 under its own name" all_children_know

# --- orphans, then the tree ---
t_check "kill the parent fk only" $FC kill -s KILL fk
t_check "its child fk.1 goes on (an orphan)" \
	sh -c "$FC ps | grep -Eq ' fk\.1 '"
t_check "kill --tree many" $FC kill -s KILL --tree many
t_check "kill the rest" $FC kill -s KILL fk.1 fk-copy ch ch.1 ch.1.1
sleep 1
t_check "no app VM left" test "$(nvms)" = 0
t_check "no address left" sh -c "! ls /run/fcapsule/net/addr/ 2>/dev/null | grep -q ."
t_check "no fcapsule device node left" \
	sh -c "! xenstore-ls /local/domain/0/backend/fcapsule 2>/dev/null | grep -q ."
t_check "no fork mark left" sh -c "! ls /run/fcapsule/forked 2>/dev/null | grep -q ."
# The module goes once the OS server that holds /dev/fcapsule is stopped.
kill "$(cat /run/fcapsule/serve.pid)" 2>/dev/null
for ((i = 0; i < 50; i++)); do rmmod fcapsule 2>/dev/null && break; sleep 0.2; done
t_check "rmmod after the OS server stopped" sh -c "! lsmod | grep -q '^fcapsule '"
t_done
