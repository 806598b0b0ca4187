#!/bin/bash
# timeout: 1200
# 100 httpd app VMs started with fcapsule run, each with its own vif and
# private address, each listening on its own port (8001 ... 8100): 100
# map elements under the one DNAT rule, every port reachable from a
# public client and answered by the right app VM; all listed by ps; ten
# stopped by one kill -s TERM, the rest by kill -s KILL: no mapping, no
# address, no domain, no vif and no xenstore node left behind.
. tests/integration/lib.sh

FC=$BUILD/usr/fcapsule
BE=/local/domain/0/backend/fcapsule
PUB=192.0.2.10
N=100
PAR=4 # `fcapsule run`s at a time
export FC_IMAGE_DIR=/run/fcimg
modprobe -a nf_tables nft_nat nft_chain_nat nft_fib_ipv4 veth 2>/dev/null
mkdir -p $FC_IMAGE_DIR
cp $BUILD/apps/httpd $FC_IMAGE_DIR/ # tmpfs: 9p reads are slow

t_check "insmod fcapsule.ko" insmod "$KO"
t_check "net setup --public $PUB" $FC net setup --public $PUB
t_check "a client on the public segment (192.0.2.20)" t_public_client $PUB

start=$SECONDS
for i in $(seq $N); do
	$FC run httpd --name w$i -- $((8000 + i)) >/dev/null 2>/tmp/run-w$i.err &
	[ $((i % PAR)) = 0 ] && wait
done
wait
echo "# $N app VMs created in $((SECONDS - start)) s"
cat /tmp/run-w*.err 2>/dev/null | sort | uniq -c | sed 's/^/# run: /'
t_check "$N app VMs run" \
	test "$($FC ps | grep -cE ' w[0-9]+ +(running|blocked) ')" = $N
t_check "ps --json has $N entries" \
	sh -c "$FC ps --json | python3 -c 'import json,sys; assert len(json.load(sys.stdin)) == $N'"
t_check "$N backend device directories" \
	test "$(xenstore-list $BE | wc -l)" = $N

listening() {
	grep -laE '^FC-HTTPD-READY' $CONSOLE_DIR/guest-w*.log 2>/dev/null | wc -l
}
for _ in $(seq 300); do
	[ "$(listening)" = $N ] && break
	sleep 1
done
echo "# all listening after $((SECONDS - start)) s"
t_check "all $N httpds listen" test "$(listening)" = $N
t_check "$N mappings" test "$($FC napt | grep -c '^tcp ')" = $N
t_check "still the two DNAT rules (pools, ports)" \
	test "$(nft list chain ip fcapsule prerouting | grep -c 'dnat ip to')" = 2
t_check "no two app VMs share an address" \
	test "$($FC napt | awk 'NR > 1 { sub(/:.*/, "", $3); print $3 }' | sort -u | wc -l)" = $N
t_check "every mapping names its own app VM" \
	test "$($FC napt | awk 'NR > 1 { sub(/.*:/, "", $2); if ("w" ($2 - 8000) == $5) n++ } END { print n }')" = $N
$FC napt | head -4 | sed 's/^/# /'
$FC ps | head -4 | sed 's/^/# /'

# One curl for all pages, 10 at a time (a process per page costs more
# than the page under emulation).
start=$SECONDS
rm -rf /tmp/pages
mkdir /tmp/pages
for i in $(seq $N); do
	printf 'url = "http://%s:%d/"\noutput = "/tmp/pages/%d"\n' \
		$PUB $((8000 + i)) $i
done >/tmp/pages.cfg
ip netns exec pubc curl -s -m 30 --parallel --parallel-max 10 -K /tmp/pages.cfg
ok=0
bad=""
for i in $(seq $N); do
	if grep -q "httpd on w$i:" /tmp/pages/$i 2>/dev/null; then
		ok=$((ok + 1))
	else
		bad="$bad $i"
	fi
done
echo "# $N pages fetched in $((SECONDS - start)) s"
t_check "all $N ports reach their own app VM through $PUB (failed:${bad:- none})" \
	test "$ok" = $N

# (That the app itself answers TERM is test 30's; here, with a hundred
# app VMs on two emulated CPUs, one may be slower than the grace period.)
start=$SECONDS
t_bounded 300 $FC kill --grace 30 $(seq -f 'w%g' 1 10)
t_check "kill (TERM) of ten at once" test $? = 0
t_check "the ten are exited(143)" \
	test "$($FC ps -a | grep -cE ' w([1-9]|10) +exited\(143\)')" = 10 ||
	{
		$FC ps -a | grep exited
		for f in /run/fcapsule/exited/*; do
			echo "$(tr '\n' ' ' <"$f")"
		done
	} | sed 's/^/# /'
t_bounded 300 $FC kill -s KILL $(seq -f 'w%g' 11 $N)
t_check "kill -s KILL of the other $((N - 10))" test $? = 0
echo "# $N app VMs killed in $((SECONDS - start)) s"
t_check "ps lists none" test "$($FC ps | wc -l)" = 1
t_check "ps -a lists $N exited" test "$($FC ps -a | grep -c 'exited(')" = $N
t_check "no mapping left" test "$($FC napt | grep -c '^tcp ')" = 0
t_check "no address left" test -z "$(ls /run/fcapsule/net/addr/)"
t_check "only Dom0 left" test "$(xl list | wc -l)" = 2
t_check "no vif left" sh -c "! ip -o link | grep -q ' vif'"
t_check "no fcapsule backend node left" \
	sh -c "test -z \"\$(xenstore-ls $BE 2>/dev/null)\""
t_check "no domain directory left but Dom0's" \
	test "$(xenstore-list /local/domain | tr '\n' ' ')" = "0 "
ip netns del pubc
t_done
