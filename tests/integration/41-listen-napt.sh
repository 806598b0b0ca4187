#!/bin/bash
# timeout: 600
# listen() -> NAPT on real Xen: a library-OS app VM (fcping ... listen)
# sends LISTEN tcp/8080 on its ring; the OS server (fcapsule serve,
# started by fcapsule run) maps public port 8080 to the address allocated
# to that app VM, in one map element owned by it; a second app VM asking
# for the same port gets -EADDRINUSE (-98); one without an address gets
# -EADDRNOTAVAIL (-99); killing the owner removes its mapping.
. tests/integration/lib.sh

FC=$BUILD/usr/fcapsule
export FC_IMAGE_DIR=$BUILD/apps
PUB=192.0.2.10

modprobe -a nf_tables nft_nat nft_chain_nat nft_fib_ipv4 bridge 2>/dev/null
t_check "insmod fcapsule.ko" insmod "$KO"
t_check "net setup --public $PUB" $FC net setup --public $PUB

set -- $($FC net alloc fp1)
ADDR1=$1
t_check "fp1 gets an address before it exists" test "$ADDR1" = 198.18.0.10
id1=$($FC run fcping --no-net --name fp1 -- 10 hold listen)
t_check "run fcping fp1 (listen) prints a domid" test -n "$id1"
t_check "fp1's LISTEN 8080 succeeds" t_wait_console fp1 "FC-LISTEN-DONE 0" 90
out=$($FC napt)
echo "$out" | sed 's/^/# /'
t_check "napt: $PUB:8080 -> $ADDR1:8080 owned by fp1" \
	sh -c "echo '$out' | grep -Eq '^tcp +$PUB:8080 +$ADDR1:8080 +$id1 fp1$'"
nft list map ip fcapsule ports | sed 's/^/# /'
t_check "nft: the element names its app VM" \
	sh -c "nft list map ip fcapsule ports | grep -q '8080 comment \"dom=$id1 app=[0-9]* name=fp1\" : $ADDR1 . 8080'"
t_check "the name-allocated address is now bound to fp1's domid" \
	sh -c "$FC net show --dom $id1 | grep -q '^$ADDR1 $id1 fp1$'"

set -- $($FC net alloc fp2)
ADDR2=$1
id2=$(timeout 120 $FC run fcping --no-net --name fp2 -- 10 hold listen)
t_check "run fcping fp2 prints a domid" test -n "$id2"
t_check "fp2's LISTEN on the taken port 8080: -EADDRINUSE" \
	t_wait_console fp2 "FC-LISTEN-DONE -98" 90
t_check "8080 still maps to fp1" \
	test "$($FC napt | grep -c "^tcp .*:8080 .*$ADDR1:8080 .* fp1$")" = 1

timeout 120 $FC run fcping --no-net --name fp3 -- 10 hold listen >/dev/null
t_check "fp3 without an address: -EADDRNOTAVAIL" \
	t_wait_console fp3 "FC-LISTEN-DONE -99" 90

t_check "kill fp1" timeout 60 $FC kill -s KILL fp1
gone=1
for _ in $(seq 1 100); do
	$FC napt | grep -q ':8080 ' || { gone=0; break; }
	sleep 0.2
done
t_check "fp1's mapping is removed when it goes away" test "$gone" = 0
t_check "map is empty" sh -c "! nft list map ip fcapsule ports | grep -q elements"
xl list | sed 's/^/# /'
tail -n 30 /run/fcapsule/serve.log 2>/dev/null | sed 's/^/# serve: /'

timeout 60 $FC kill -s KILL fp2 fp3 >/dev/null 2>&1
$FC net release "$ADDR1"
$FC net release "$ADDR2"
t_done
