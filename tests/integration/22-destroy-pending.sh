#!/bin/bash
# timeout: 600
# An app VM destroyed while a request is pending in the OS server (a
# LISTEN nobody completes): the module cleans up without an oops, and a
# late FC_IOC_COMPLETE for it is refused with ESRCH.
. tests/integration/lib.sh
. tests/integration/fcdev.sh

t_check "insmod fcapsule.ko" insmod "$KO"
t_check "start fcping that sends a LISTEN" fc_start lis fcping "10 listen"
t_check "the LISTEN is sent" t_wait_console lis '^FC-LISTEN-SENT' 120
ev=$(fcctl next-request 60)
echo "# event: $ev"
d=$(fc_domid lis)
t_check "the LISTEN (opcode 3) is queued for the OS server" \
	sh -c "echo '$ev' | grep -qE '^$d [0-9]+ [0-9]+ 3$'"
t_check "the module counts one pending user request" \
	sh -c "$FCCTL list | grep -q '^$d lis .* pending=1$'"
t_check "xl destroy with the request pending" xl destroy lis
sleep 2
t_check "the module forgot the app VM" sh -c "! $FCCTL list | grep -q ' lis '"
read -r edom eapp ereq eop <<<"$ev"
fcctl complete "$edom" "$eapp" "$ereq" 0
rc=$?
t_check "a late COMPLETE gets ESRCH (3)" test "$rc" = 3
t_check "the backend device is gone" \
	sh -c "! test -e /sys/bus/xen-backend/devices/fcapsule-$d-0"
t_check "a new app VM still connects" fc_start after fcping "20"
t_check "its NOPs are answered" t_wait_console after '^FC-NOP-OK 20' 120
xl destroy after 2>/dev/null
sleep 1
t_check "rmmod" rmmod fcapsule
t_done
