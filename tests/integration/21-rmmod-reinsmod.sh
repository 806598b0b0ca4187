#!/bin/bash
# timeout: 600
# Unloading with app VMs running: rmmod is refused while devices are
# bound; unbinding disconnects each cleanly; rmmod then succeeds; the app
# VMs keep running; a new insmod reconnects them and their NOPs work.
. tests/integration/lib.sh
. tests/integration/fcdev.sh

t_check "insmod fcapsule.ko" insmod "$KO"
t_check "start app VM a" fc_start a fcping "100 hold"
t_check "start app VM b" fc_start b fcping "100 hold"
t_check "a connected" t_wait_console a '^FC-NOP-OK 100 session=1' 120
t_check "b connected" t_wait_console b '^FC-NOP-OK 100 session=1' 120
da=$(fc_domid a)
db=$(fc_domid b)
t_check "rmmod is refused while app VMs are bound" sh -c '! rmmod fcapsule 2>/dev/null'
t_check "the module is still loaded" test -d /sys/module/fcapsule
for d in $da $db; do
	t_check "unbind fcapsule-$d-0" \
		sh -c "echo fcapsule-$d-0 >/sys/bus/xen-backend/drivers/fcapsule/unbind"
done
t_check "backend of a went Closed (6)" fc_wait_be_state $da 6 20
t_check "frontend of a followed the backend (not Connected)" \
	sh -c "s=\$(xenstore-read /local/domain/$da/device/fcapsule/0/state); [ \"\$s\" != 4 ]"
t_check "rmmod succeeds after unbinding" rmmod fcapsule
sleep 2
t_check "app VMs keep running without the module" \
	sh -c "xl list a >/dev/null && xl list b >/dev/null && ! grep -qa 'FC-EXIT\|FC-CRASH' /var/log/xen/console/guest-a.log /var/log/xen/console/guest-b.log"
t_check "insmod again" insmod "$KO"
t_check "a reconnects, new session answered" \
	t_wait_console a '^FC-NOP-OK 100 session=2' 120
t_check "b reconnects, new session answered" \
	t_wait_console b '^FC-NOP-OK 100 session=2' 120
t_check "both listed connected" \
	sh -c "[ \$($FCCTL list | grep -c ' connected ') = 2 ]"
xl destroy a
xl destroy b
sleep 2
t_check "rmmod after the app VMs are gone" rmmod fcapsule
t_done
