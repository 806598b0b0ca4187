#!/bin/bash
# timeout: 600
# The listen() benchmark (bench/listen.sh, scripts/bench-listen) with a
# small N: every path produces N samples, every listen() of the app VM
# returns 0 and really went through its path (the OS server's and
# xslisten's answers), and no map element is left.  The counts also check
# SO_FCOS_NOHOOK: a hooked XenStore-path socket would double the OS
# server's LISTENs and make xslisten's adds fail (port taken).  No timing
# checks: the figures are docs/napt.md's business.
. tests/integration/lib.sh

N=20
W=10 # warm-up repetitions per path (listenbench, linuxlisten)
PORT=8000
out=/tmp/bench-listen
mkdir -p $out
FC_JOB_OUT=$out bench/listen.sh $N $PORT >$out/stdout 2>$out/stderr
rc=$?
sed 's/^/# /' $out/stdout
t_check "bench/listen.sh $N ran to the end (status $rc)" test $rc = 0

# key FILE PATH KEY: KEY= of the FC-LISTENBENCH line for PATH
# (PATH "DONE": the summary line).
key() {
	local re="^FC-LISTENBENCH path=$2 "
	[ "$2" = DONE ] && re='^FC-LISTENBENCH-DONE '
	grep -aE "$re" "$out/$1" | tail -n 1 | sed -nE "s/.* $3=([^ ]*).*/\1/p"
}
for p in ring_listen ring_close xs_listen xs_close lwip_listen; do
	t_check "app VM path $p: $N samples" test "$(key app.txt $p n)" = $N
done
for p in linux_listen linux_close; do
	t_check "Dom0 path $p: $N samples" test "$(key linux.txt $p n)" = $N
done
t_check "ring path: listen() returned 0 all $((N + W)) times" \
	test "$(key app.txt DONE ring_ok)/$(key app.txt DONE ring_fail)" = "$((N + W))/0"
t_check "XenStore path: listen() and its answer 0 all $((N + W)) times" \
	test "$(key app.txt DONE xs_ok)/$(key app.txt DONE xs_fail)" = "$((N + W))/0"
t_check "Linux path: every cycle succeeded" \
	test "$(key linux.txt DONE linux_ok)/$(key linux.txt DONE linux_fail)" = "$((N + W))/0"
# listen() returns 0 even when its hook failed (it logs it): the OS
# server's own record shows that each one was mapped and unmapped.
t_check "no listen hook error on the app VM's console" test ! -s $out/hook-errors.txt
sed 's/^/# serve: /' $out/serve.txt
t_check "the OS server mapped the port $((N + W)) times" \
	grep -Eq "^ *$((N + W)) listen dom[0-9]+ port $PORT -> ok$" $out/serve.txt
t_check "the OS server unmapped it $((N + W)) times" \
	grep -Eq "^ *$((N + W)) unlisten dom[0-9]+ port $PORT -> ok$" $out/serve.txt
t_check "the OS server refused nothing" \
	sh -c "! grep -v -- '-> ok\$' $out/serve.txt | grep -q ."
sed 's/^/# /' $out/xslisten.txt
t_check "xslisten: $((N + W)) listens, $((N + W)) unlistens, none failed" \
	grep -q "listen $((N + W)), unlisten $((N + W)), failed 0" $out/xslisten.txt
sed 's/^/# map after: /' $out/map-after.txt
t_check "the NAPT map is empty afterwards" \
	sh -c "nft list map ip fcapsule ports | grep -q 'type inet_service' &&
		! nft list map ip fcapsule ports | grep -q elements"
t_check "fcapsule napt lists no mapping" \
	sh -c "! $BUILD/usr/fcapsule napt | grep -q ':$PORT '"
t_check "the app VM is gone" sh -c "! xl list | grep -q '^listenbench '"
t_done
