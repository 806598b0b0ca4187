#!/bin/bash
# What starting a process costs in the emulated Dom0: /bin/true against
# the fcapsule tool and xl (each 5 times; every figure includes one `date`
# process).  Run: scripts/fc-instance script bench/exec-cost.sh
. tests/integration/lib.sh
mkdir -p /run/fcexec
cp "$BUILD/usr/fcapsule" /run/fcexec/
t() {
	local t0 t1 i s=0
	for i in 1 2 3 4 5; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		s=$((s + (t1 - t0) / 1000))
	done
	echo "$*: mean $((s / 5)) us"
}
t /bin/true
t /run/fcexec/fcapsule --version
LD_BIND_NOW=1 t /run/fcexec/fcapsule --version
t /usr/bin/xenstore-read /local/domain/0/name
t /usr/sbin/xl info
echo "libraries of fcapsule: $(ldd /run/fcexec/fcapsule | wc -l)"
