#!/bin/bash
# fc-instance: --icount 0
# NOP benchmark, Dom0 side (run by scripts/bench-nop through
# scripts/fc-instance).  Usage: bench/nop.sh [RING_N [XS_N]]
# Loads fcapsule.ko, starts bench/xsnop (the XenStore responder, the
# paper's OS-server path) for a nopbench app VM, and writes its
# FC-NOPBENCH line to $FC_JOB_OUT/nop.txt.
set -eu
RING_N=${1:-10000}
XS_N=${2:-1000}
out=${FC_JOB_OUT:-/tmp}
TOP=$PWD
BUILD=$TOP/build
. tests/integration/fcdev.sh

insmod fcapsule.ko
name=nopbench
mkdir -p /run/fcimg
cp $BUILD/apps/nopbench /run/fcimg/
cat >/tmp/$name.cfg <<CFG
name = "$name"
kernel = "/run/fcimg/nopbench"
cmdline = "$RING_N $XS_N"
memory = 8
CFG
xl create -q -p /tmp/$name.cfg
domid=$(fc_domid $name)
fc_attach_dev "$domid"
$BUILD/bench/xsnop "$domid" &
xsnop=$!
xl unpause $name
log=/var/log/xen/console/guest-$name.log
for ((i = 0; i < 1200; i++)); do
	grep -qaE '^FC-NOPBENCH|^FC-EXIT' "$log" 2>/dev/null && break
	sleep 0.5
done
sleep 1
cat "$log" >&2
grep -a '^FC-NOPBENCH' "$log" | tail -n 1 | tee "$out/nop.txt"
xl info | grep -E '^(xen_version|nr_cpus)' >"$out/host.txt"
kill $xsnop 2>/dev/null || true
xl destroy $name 2>/dev/null || true
grep -q 'ring_med=' "$out/nop.txt"
