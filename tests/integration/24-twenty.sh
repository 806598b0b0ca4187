#!/bin/bash
# timeout: 600
# Twenty app VMs connected at once, every one's NOPs answered.
. tests/integration/lib.sh
. tests/integration/fcdev.sh
N=20

t_check "insmod fcapsule.ko" insmod "$KO"
started=0
for ((i = 1; i <= N; i++)); do
	fc_start m$i fcping "100 hold" && started=$((started + 1))
done
t_check "$N app VMs created" test "$started" = $N
ok=0
for ((i = 1; i <= N; i++)); do
	t_wait_console m$i '^FC-NOP-OK 100 session=1' 300 >/dev/null && ok=$((ok + 1))
done
echo "# $ok of $N app VMs printed FC-NOP-OK"
t_check "all $N app VMs got their NOPs answered" test "$ok" = $N
t_check "FC_IOC_LIST shows $N connected" \
	sh -c "$FCCTL list | tail -n 1 | grep -qx 'total $N' && [ \$($FCCTL list | grep -c ' connected ') = $N ]"
for ((i = 1; i <= N; i++)); do
	xl destroy m$i
done
sleep 3
t_check "all devices gone after destroy" sh -c "$FCCTL list | tail -n 1 | grep -qx 'total 0'"
t_check "rmmod" rmmod fcapsule
t_done
