#!/bin/bash
# timeout: 600
# The libos frontend on real Xen: an app VM connects to fcapsule.ko
# (xenbus handshake, both rings), HELLO and NOPs are answered (also from
# four threads at once), the module lists it Connected, sessions can be
# ended and restarted (fcfront_suspend/resume), EXIT reaches the OS
# server's queue with the exit code, and an app VM without the device
# still boots.
. tests/integration/lib.sh
. tests/integration/fcdev.sh

t_check "insmod fcapsule.ko" insmod "$KO"
t_check "start fcping with an fcapsule device" fc_start ping1 fcping "200 hold"
t_check "fcping connects and its NOPs are answered" \
	t_wait_console ping1 '^FC-NOP-OK 200 session=1' 120
t_check "HELLO reports the app VM's name and 32 slots" \
	t_wait_console ping1 '^FC-HELLO version=1 domid=[0-9]+ app_id=[0-9]+ parent=0 slots=32 ipc_max=64 name=ping1$' 5
d1=$(fc_domid ping1)
t_check "frontend and backend are Connected (4)" \
	test "$(fc_fe_state $d1)/$(fc_be_state $d1)" = 4/4
t_check "FC_IOC_LIST shows it connected" \
	sh -c "$FCCTL list | grep -q '^$d1 ping1 [0-9]* connected req=2[0-9][0-9] '"
fcctl list | sed 's/^/# /'

# A session ends and a new one starts (fcfront_suspend/resume, no real
# suspend): NOPs answered again, under a new app id.  Eight at once: the
# frontend once raced the backend here (it closed its own Initialised
# session when a late watch event showed the backend still Closed; 10 of
# 16 passed before the fix, 24 of 24 after).
for i in 1 2 3 4 5 6 7 8; do
	fc_start cyc$i fcping "50 cycle" &
done
wait
cycled=0
for i in 1 2 3 4 5 6 7 8; do
	t_wait_console cyc$i '^FC-CYCLE-(OK|FAIL)' 120 >/dev/null
	if grep -aq '^FC-CYCLE-OK 50' $CONSOLE_DIR/guest-cyc$i.log &&
		[ "$(grep -a '^FC-HELLO' $CONSOLE_DIR/guest-cyc$i.log |
			awk '{print $4}' | sort -u | wc -l)" = 2 ]; then
		cycled=$((cycled + 1))
	else
		grep -a 'FC-CYCLE\|fcfront' $CONSOLE_DIR/guest-cyc$i.log |
			sed "s/^/# cyc$i: /"
	fi
done
t_check "8 sessions ended and restarted: NOPs answered, new app ids ($cycled)" \
	test "$cycled" = 8
for i in 1 2 3 4 5 6 7 8; do xl destroy cyc$i 2>/dev/null; done

# EXIT: read the OS server's queue while fcping exits, complete it.  The
# reader is up before the app VM runs: an exiting app waits only 500 ms
# for the OS server before it goes anyway.
t_check "create a short fcping" fc_create ex1 fcping "10"
d3=$(fc_domid ex1)
fcctl answer 120 "$d3" 0 >/tmp/ex1.ev &
answer=$!
sleep 1
xl unpause ex1
wait $answer
ev=$(cat /tmp/ex1.ev)
echo "# event: $ev"
t_check "EXIT (opcode 6) of the exiting app VM reaches /dev/fcapsule" \
	sh -c "echo '$ev' | head -n 1 | grep -qE '^$d3 [0-9]+ [0-9]+ 6$'"
t_check "the OS server completes the EXIT" \
	sh -c "echo '$ev' | grep -qx 'complete: ok'"
t_check "the app VM then exits with FC-EXIT 0" t_wait_console ex1 '^FC-EXIT 0' 30
t_check "without waiting out the EXIT timeout" \
	sh -c "! grep -qa 'EXIT: -110' /var/log/xen/console/guest-ex1.log"

cp "$BUILD/apps/hello" /run/fcimg/hello
cat >/tmp/nodev.cfg <<CFG
name = "nodev"
kernel = "/run/fcimg/hello"
cmdline = "7"
memory = 4
CFG
xl create -q /tmp/nodev.cfg
t_check "an app VM without the device still boots and exits" \
	t_wait_console nodev '^FC-EXIT 7' 60
t_check "ping1 is still answered (NOP count grows only on use)" \
	test "$(fc_be_state $d1)" = 4
xl destroy ping1
xl destroy cyc 2>/dev/null
t_check "device gone after destroy" sh -c "sleep 2; ! $FCCTL list | grep -q ' ping1 '"
t_check "rmmod once no app VM is bound" rmmod fcapsule
t_done
