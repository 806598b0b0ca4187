#!/bin/bash
# timeout: 900
# 50 library-OS app VMs (4 MB each) started with fcapsule run, listed by
# fcapsule ps, stopped by one fcapsule kill (TERM for ten, in parallel,
# KILL for the rest): no domain and no xenstore node left behind.
. tests/integration/lib.sh

FC=$BUILD/usr/fcapsule
export FC_IMAGE_DIR=$BUILD/apps
BE=/local/domain/0/backend/fcapsule
N=50

t_check "insmod fcapsule.ko" insmod "$KO"
start=$SECONDS
ok=0
for i in $(seq $N); do
	$FC run sleeper --no-net --name s$i >/dev/null && ok=$((ok + 1))
done
echo "# $ok app VMs created in $((SECONDS - start)) s"
t_check "$N app VMs started" test "$ok" = $N
t_check "the last one boots" t_wait_console s$N FC-SLEEPER-READY 120
t_check "ps lists $N app VMs" \
	test "$($FC ps | grep -cE ' s[0-9]+ +(running|blocked|paused) ')" = $N
t_check "ps --json has $N entries" \
	sh -c "$FC ps --json | python3 -c 'import json,sys; assert len(json.load(sys.stdin)) == $N'"
t_check "$N backend device directories" \
	test "$(xenstore-list $BE | wc -l)" = $N
$FC ps | head -5 | sed 's/^/# /'

start=$SECONDS
$FC kill --grace 3 $(seq -f 's%g' 1 10)
t_check "kill (TERM, grace 3 s) of ten app VMs at once took < 30 s ($((SECONDS - start)) s)" \
	test $((SECONDS - start)) -lt 30
$FC kill -s KILL $(seq -f 's%g' 11 $N)
t_check "kill -s KILL of the other $((N - 10))" test $? = 0
t_check "ps lists none" test "$($FC ps | wc -l)" = 1
t_check "ps -a lists $N exited" test "$($FC ps -a | grep -c 'exited(')" = $N
t_check "no fcapsule backend node left" \
	sh -c "test -z \"\$(xenstore-ls $BE 2>/dev/null)\""
t_check "no domain directory left but Dom0's" \
	test "$(xenstore-list /local/domain | tr '\n' ' ')" = "0 "
t_check "only Dom0 left" test "$(xl list | wc -l)" = 2
t_done
