#!/bin/bash
# timeout: 400
# tests/tools/fcfuzzioc fuzzes /dev/fcapsule from Dom0: >= 10^5 calls with
# every command number, wrong sizes, non-zero reserved fields, bad and
# half-mapped pointers, huge capacities, out-of-range statuses, and
# completions for requests that do not exist, of a live app VM and of one
# that is gone.  Every call gets 0 or a documented errno, no array is
# written past its count; the live app VM's pending LISTEN survives and
# is then completed normally; Dom0 stays clean and rmmod works.
. tests/integration/lib.sh
. tests/integration/fcdev.sh

SEED=${FUZZ_SEED:-$(((RANDOM << 15 | RANDOM) + 1))}
echo "# seed $SEED (replay: FUZZ_SEED=$SEED)"
FUZZ=$BUILD/tests/tools/fcfuzzioc

# app_id DOMID: from the module's list
app_id() {
	fcctl list | awk -v d="$1" '$1 == d { print $3 }'
}

t_check "insmod fcapsule.ko" insmod "$KO"
t_check "start an app VM that will be gone" fc_start gone fcping "5 hold"
t_check "it connects" t_wait_console gone '^FC-NOP-OK 5' 120
dg=$(fc_domid gone)
ag=$(app_id "$dg")
t_check "it is known to the module" test -n "$ag"
xl destroy gone
t_check "start an app VM with a LISTEN left pending" fc_start live fcping "5 listen"
t_check "its LISTEN is sent" t_wait_console live '^FC-LISTEN-SENT' 120
dl=$(fc_domid live)
al=$(app_id "$dl")
echo "# gone: $dg:$ag live: $dl:$al"
t_check "the fuzzer runs clean" sh -c "$FUZZ -s $SEED -n 100000 -l $dl:$al -g $dg:$ag > /tmp/fcfuzzioc.out 2>&1"
sed 's/^/# /' /tmp/fcfuzzioc.out
t_check "10^5 calls were made" grep -qE 'calls=(1[0-9]{5}|[2-9][0-9]{5})' /tmp/fcfuzzioc.out
t_check "the live app VM is still connected, its LISTEN pending" \
	sh -c "fcctl() { $FCCTL \"\$@\"; }; $FCCTL list | awk -v d=$dl '\$1 == d' | grep -q 'connected.*pending=1'"
t_check "the LISTEN is then completed normally" fcctl answer 60 "$dl" 0
t_check "its call returns 0" t_wait_console live '^FC-LISTEN-DONE 0' 60
xl destroy live 2>/dev/null # (it may have exited already)
t_check "no app VM left in the module" sh -c \
	"for i in \$(seq 50); do $FCCTL list | grep -qx 'total 0' && exit 0; sleep 0.2; done; exit 1"
t_check "rmmod" rmmod fcapsule
t_done
