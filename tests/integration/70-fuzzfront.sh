#!/bin/bash
# timeout: 900
# A hostile app VM (apps/fuzzfront) fuzzes the ring, the event channel and
# the handshake, >= 10^5 operations from a seed printed for replay
# (FUZZ_SEED=...), next to a well-behaved app VM doing NOPs.  Expected:
# every response the backend writes is within what was pushed and carries
# 0 or an errno; every adversarial index and every hostile handshake ends
# the session (Closing), none connects; the fuzzer's queued LISTENs do not
# keep another app VM's LISTEN from the OS server; the neighbour is served
# throughout without an error; Dom0 logs no warning and little at all;
# destroy and rmmod work.  Then an area send, empty or not, to a receiver
# without an in-area gets -EMSGSIZE.  Before the fuzzer, an app VM writes
# HELLO, NOPs and a LISTEN into its ring and notifies before it goes
# Initialised: at connect each is answered within the new session (HELLO
# with the app id the module lists, the LISTEN's completion accepted),
# the session stays Connected, and 32 LISTENs then fit at once (no pending
# slot was lost).
. tests/integration/lib.sh
. tests/integration/fcdev.sh

SEED=${FUZZ_SEED:-$(((RANDOM << 15 | RANDOM) + 1))}
echo "# seed $SEED (replay: FUZZ_SEED=$SEED)"
L=$CONSOLE_DIR/guest-fuzz.log
S=$CONSOLE_DIR/guest-steady.log

# done_field NAME: the value of NAME= on the fuzzer's FC-FUZZ-DONE line.
done_field() {
	grep -a '^FC-FUZZ-DONE' $L | tail -n 1 | tr ' ' '\n' | sed -n "s/^$1=//p"
}
steady_n() {
	grep -a '^FC-FUZZ-STEADY n=' $S | tail -n 1 | sed -E 's/.* n=([0-9]+) .*/\1/'
}

t_check "insmod fcapsule.ko" insmod "$KO"
t_check "start the well-behaved app VM" fc_start steady fuzzfront steady
t_check "it is served" t_wait_console steady '^FC-FUZZ-STEADY n=500 errors=0' 120
t_check "start an app VM that fills its ring before it connects" \
	fc_start pre fuzzfront prefill
P=$CONSOLE_DIR/guest-pre.log
dp=$(fc_domid pre)
ev=$(fcctl answer 120 "$dp" 0)
echo "# $ev" | head -n 1
t_check "its prefilled LISTEN (id 6) reaches the OS server's queue, completed" \
	sh -c "echo '$ev' | grep -q '^$dp [1-9][0-9]* 6 3\$' && echo '$ev' | grep -q '^complete: ok\$'"
t_check "the session is Connected" t_wait_console pre '^FC-PREFILL-CONNECT state=4$' 5
t_check "the LISTEN's call returns 0" t_wait_console pre '^FC-PREFILL-LISTEN status=0$' 30
grep -a '^FC-PREFILL' $P | sed 's/^/# /'
app=$(fcctl list | awk -v d="$dp" '$1 == d && $2 == "pre" { print $3 }')
t_check "the prefilled HELLO got the app id FC_IOC_LIST shows ($app), as the LISTEN's event" \
	sh -c "test -n '$app' && grep -qa '^FC-PREFILL-HELLO status=0 domid=$dp app_id=$app\$' $P && echo '$ev' | grep -q '^$dp $app '"
t_check "the 4 prefilled NOPs echoed their payloads" grep -qa '^FC-PREFILL-NOPS ok=4$' $P
t_check "then 32 LISTENs at once" t_wait_console pre '^FC-PREFILL-32-SENT' 30
n=0
for _ in $(seq 32); do
	fcctl answer 30 "$dp" 0 >/dev/null || break
	n=$((n + 1))
done
t_check "all 32 reach the queue and complete ($n)" test "$n" = 32
t_check "none refused, the backend still Connected" \
	t_wait_console pre '^FC-PREFILL-32 ok=32 busy=0 other=0 state=4$' 30
t_check "the module holds nothing pending for it" \
	sh -c "$FCCTL list | grep -q '^$dp pre $app connected .* pending=0\$'"
t_check "start the fuzzer" fc_start fuzz fuzzfront "$SEED 100000"
t_check "the fuzzer finishes" t_wait_console fuzz '^FC-FUZZ-DONE' 480
grep -a '^FC-FUZZ' $L | sed 's/^/# /'
t_check "it printed its seed" grep -qa "^FC-FUZZ seed=$SEED " $L
t_check "at least 10^5 operations" test "$(done_field ops)" -ge 100000
t_check "no response beyond what was pushed" test "$(done_field backend_bad)" = 0
t_check "every status 0 or a negative errno" test "$(done_field bad_status)" = 0
t_check "every adversarial request index cut the session" \
	test "$(done_field fatal_cut)" = "$(done_field fatal_tried)"
t_check "every ack beyond the messages sent cut the session" \
	test "$(done_field in_cut)" = "$(done_field in_tried)"
t_check "some indexes and handshakes were tried" \
	test "$(done_field fatal_tried)" -gt 0 -a "$(done_field sessions)" -gt 40
t_check "no hostile handshake connected" sh -c \
	"! grep -a '^FC-FUZZ-HS .* fatal=1 ' $L | grep -qv ' connected=0 '"
t_check "every hostile handshake kind was tried" sh -c \
	"! grep -a '^FC-FUZZ-HS ' $L | grep -q ' tries=0 '"
t_check "a clean session after all that: 100 NOPs echoed" \
	test "$(done_field final_nops)" = 100
t_check "area sends to a receiver without an in-area: -EMSGSIZE (-90), empty ones too" \
	grep -qa '^FC-FUZZ-AREA len0=-90 len8=-90$' $L
t_check "the neighbour never got an error" sh -c \
	"! grep -a '^FC-FUZZ-STEADY' $S | grep -qv 'errors=0$'"
n0=$(steady_n)
t_check "the neighbour is still being served" sh -c \
	"for i in \$(seq 300); do n=\$(grep -a '^FC-FUZZ-STEADY n=' $S | tail -n 1 | sed -E 's/.* n=([0-9]+) .*/\\1/'); [ \"\$n\" -gt $n0 ] && exit 0; sleep 0.2; done; exit 1"
t_check "another app VM's LISTEN reaches the OS server" fc_start lis fcping "10 listen"
t_check "it is sent" t_wait_console lis '^FC-LISTEN-SENT' 120
t_check "and completed" fcctl answer 60 "$(fc_domid lis)" 0
t_check "its call returns 0" t_wait_console lis '^FC-LISTEN-DONE 0' 60
nlog=$(dmesg | grep -c fcapsule)
echo "# Dom0 kernel log: $nlog lines about fcapsule"
t_check "Dom0's log about it stays short (rate-limited)" test "$nlog" -lt 400
df=$(fc_domid fuzz)
for d in fuzz steady lis pre; do xl destroy $d; done
t_check "the fuzzer's device is cleaned up" sh -c \
	"for i in \$(seq 50); do [ \"\$($FCCTL state $df)\" = none ] && exit 0; sleep 0.2; done; exit 1"
sleep 1
t_check "rmmod" rmmod fcapsule
t_done
