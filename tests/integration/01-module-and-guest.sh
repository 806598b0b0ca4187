#!/bin/bash
# The foundation: the real fcapsule.ko loads in a real Dom0 and registers
# its xenbus backend and /dev/fcapsule; a PV Linux guest boots next to it;
# the module unloads cleanly.
. tests/integration/lib.sh

t_check "fcapsule.ko is built" test -f "$KO"
t_check "insmod fcapsule.ko" insmod "$KO"
t_check "/dev/fcapsule is a character device" test -c /dev/fcapsule
t_check "/dev/fcapsule is root-only (0600)" \
	test "$(stat -c %a /dev/fcapsule)" = 600
t_check "xenbus backend driver 'fcapsule' is registered" \
	test -d /sys/bus/xen-backend/drivers/fcapsule
t_check "the module says it loaded" sh -c 'dmesg | grep -q "fcapsule: loaded"'

guest=fc-linux-$$
cat >/tmp/$guest.cfg <<CFG
name = "$guest"
type = "pv"
kernel = "$BUILD/guest/vmlinux"
ramdisk = "$BUILD/guest/initrd.gz"
extra = "console=hvc0 quiet"
memory = 128
vcpus = 1
on_crash = "preserve"
CFG
t_check "xl create of a PV Linux guest" xl create -q /tmp/$guest.cfg
t_check "the PV Linux guest boots (console marker)" \
	t_wait_console "$guest" '^FC-BOOT-COMPLETE linux' 240
t_check "the guest is listed by xl" sh -c "xl list | grep -q '^$guest '"
t_check "xl destroy of the guest" xl destroy "$guest"

t_check "rmmod fcapsule" rmmod fcapsule
t_check "/dev/fcapsule is gone after rmmod" test ! -e /dev/fcapsule
t_check "backend driver is gone after rmmod" \
	test ! -e /sys/bus/xen-backend/drivers/fcapsule
t_done
