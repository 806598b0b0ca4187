#!/bin/bash
# timeout: 600
# A hostile frontend (apps/rogue) writes malformed requests (answered with
# errors) and then a request producer far past the ring: the backend
# stops serving it (Closing, error node, listed broken), Dom0 logs no oops
# or warning, and other app VMs keep working.  A second rogue moves
# req_prod behind req_cons while a request of it is pending (so that
# req_prod - rsp_prod_pvt is 0): cut off too, and its destroy and rmmod
# still work.
. tests/integration/lib.sh
. tests/integration/fcdev.sh

t_check "insmod fcapsule.ko" insmod "$KO"
t_check "start a well-behaved app VM" fc_start good fcping "50 hold"
t_check "it connects" t_wait_console good '^FC-NOP-OK 50 session=1' 120
t_check "start the rogue app VM" fc_start rogue rogue
t_check "start the rogue that goes behind req_cons" fc_start behind rogue behind
t_check "the rogue connects and writes its garbage" \
	t_wait_console rogue '^FC-ROGUE-DONE' 120
dr=$(fc_domid rogue)
grep -a '^FC-ROGUE rsp' /var/log/xen/console/guest-rogue.log | sed 's/^/# /'
t_check "the unknown opcode is answered -ENOSYS" \
	grep -qa '^FC-ROGUE rsp id=1001 status=-38' /var/log/xen/console/guest-rogue.log
t_check "the NOP with undefined flags is answered -EINVAL" \
	grep -qa '^FC-ROGUE rsp id=1002 status=-22' /var/log/xen/console/guest-rogue.log
t_check "the huge IPC length is refused" \
	grep -qaE '^FC-ROGUE rsp id=1004 status=-(90|22)' /var/log/xen/console/guest-rogue.log
t_check "the backend of the rogue goes Closing (5)" fc_wait_be_state "$dr" 5 30
t_check "the xenbus error node is written" \
	xenstore-read /local/domain/0/error/backend/fcapsule/$dr/0/error
xenstore-read /local/domain/0/error/backend/fcapsule/$dr/0/error | sed 's/^/# error: /'
t_check "the rogue is listed broken" test "$(fcctl state "$dr")" = broken
t_check "the rogue VM itself still runs (only its device is cut)" xl list rogue
t_check "the good app VM is still connected" test "$(fcctl state "$(fc_domid good)")" = connected
t_check "a new app VM connects next to the rogue" fc_start good2 fcping "100"
t_check "its NOPs are answered" t_wait_console good2 '^FC-NOP-OK 100' 120
t_check "the second rogue left a LISTEN pending, then went behind" \
	t_wait_console behind '^FC-ROGUE-BEHIND-DONE' 120
grep -a '^FC-ROGUE behind' $CONSOLE_DIR/guest-behind.log | sed 's/^/# /'
db=$(fc_domid behind)
t_check "its backend goes Closing (5)" fc_wait_be_state "$db" 5 30
xenstore-read /local/domain/0/error/backend/fcapsule/$db/0/error | sed 's/^/# error: /'
t_check "the error node says why" sh -c \
	"xenstore-read /local/domain/0/error/backend/fcapsule/$db/0/error | grep -q 'impossible number of requests'"
t_check "it is listed broken" test "$(fcctl state "$db")" = broken
t_check "xl destroy the second rogue" timeout 60 xl destroy behind
t_check "its device is cleaned up" sh -c \
	"for i in \$(seq 50); do [ \"\$($FCCTL state $db)\" = none ] && exit 0; sleep 0.2; done; exit 1"
t_check "xl destroy the rogue" xl destroy rogue
sleep 2
t_check "the rogue's device is cleaned up" sh -c "[ \"\$($FCCTL state $dr)\" = none ]"
xl destroy good
xl destroy good2 2>/dev/null
sleep 1
t_check "rmmod" rmmod fcapsule
t_done
