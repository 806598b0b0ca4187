#!/bin/bash
# listen() benchmark (the paper's Table 1), Dom0 side: run by
# scripts/bench-listen through scripts/fc-instance, and with a small N by
# tests/integration/43-bench-listen.sh.   Usage: bench/listen.sh [N [PORT]]
# An app VM started with `fcapsule run` (networking on, so that the OS
# server has its address) times listen()/close() over the fcapsule ring
# and over XenStore (bench/xslisten answers), interleaved; then
# bench/linuxlisten times the same in a Dom0 process.  Writes to
# $FC_JOB_OUT: app.txt, linux.txt (FC-LISTENBENCH lines), serve.txt (what
# the OS server answered), xslisten.txt, napt-after.txt, map-after.txt,
# hook-errors.txt, cpu.txt, vcpus.txt, host.txt, tsc.txt, load.txt and
# console.txt.
set -eu
N=${1:-1000}
PORT=${2:-8000}
out=${FC_JOB_OUT:-/tmp}
TOP=$PWD
BUILD=$TOP/build
FC=$BUILD/usr/fcapsule
PUB=192.0.2.10
name=listenbench
log=/var/log/xen/console/guest-$name.log

modprobe -a nf_tables nft_nat nft_chain_nat nft_fib_ipv4 dummy 2>/dev/null || true
lsmod | grep -q '^fcapsule ' || insmod fcapsule.ko
# The public address must be one of the instance's: a dummy interface.
ip link show fcpub0 >/dev/null 2>&1 || {
	ip link add fcpub0 type dummy
	ip addr add $PUB/24 dev fcpub0
	ip link set fcpub0 up
}
$FC net setup --public $PUB >&2
# Images on tmpfs: reading them over 9p is slow.
mkdir -p /run/fcimg
cp $BUILD/apps/listenbench /run/fcimg/
export FC_IMAGE_DIR=/run/fcimg
echo "before: $(cat /proc/loadavg)" >"$out/load.txt"

# On-CPU and run-queue wait time (ms) of one thread so far, from the
# scheduler's own accounting (/proc/PID/task/TID/schedstat, ns): the
# tick-sampled utime/stime miss short bursts like these requests.
sched_ms() {
	awk '{ printf "%d %d\n", $1 / 1e6, $2 / 1e6 }' "$1" 2>/dev/null ||
		echo "0 0"
}
# delta NAME "RUN0 WAIT0" FILE: NAME_run_ms=.. NAME_wait_ms=.. since then
delta() {
	local now
	now=$(sched_ms "$3")
	echo "$1_run_ms=$((${now% *} - ${2% *})) $1_wait_ms=$((${now#* } - ${2#* }))"
}

$FC run listenbench --name $name --memory 8 -- "$N" "$PORT" >&2
domid=$(xl domid $name)
# Intervals are raw TSC readings: keep each side on one physical CPU, so
# that no interval spans two CPUs' TSCs (QEMU's are not in step; Linux in
# Dom0 finds them unsynchronized).  The app measures only once xslisten
# answers, so the pin is in place by then.
pcpu=$(($(xl info | sed -n 's/^nr_cpus *: *//p') - 1))
xl vcpu-pin $name 0 $pcpu
xl vcpu-list >"$out/vcpus.txt"
$BUILD/bench/xslisten "$domid" 2>"$out/xslisten.txt" &
xs=$!
# Who in Dom0 spends how much CPU on the requests (the OS server's event
# loop is its main thread; the reaper is another; xslisten reports its
# own when it ends).
spid=$(cat /run/fcapsule/serve.pid 2>/dev/null || echo 0)
xspid=$(pgrep -x xenstored | head -n 1 || echo 0)
serve0=$(sched_ms /proc/$spid/task/$spid/schedstat)
xsd0=$(sched_ms /proc/$xspid/task/$xspid/schedstat)
# About 0.1 s per repetition of both paths when the host is busy.
deadline=$((SECONDS + 300 + N))
while ((SECONDS < deadline)); do
	grep -qaE '^FC-LISTENBENCH-(DONE|FAIL)|^FC-EXIT' "$log" 2>/dev/null && break
	sleep 1
done
sleep 1
echo "$(delta serve "$serve0" /proc/$spid/task/$spid/schedstat)" \
	"$(delta xenstored "$xsd0" /proc/$xspid/task/$xspid/schedstat)" \
	>"$out/cpu.txt"
cp "$log" "$out/console.txt"
grep -aE '^FC-LISTENBENCH' "$log" | tee "$out/app.txt"
grep -a 'net: listen hook' "$log" >"$out/hook-errors.txt" || true
grep -aE "^(un)?listen dom$domid port $PORT -> " /run/fcapsule/serve.log |
	sort | uniq -c >"$out/serve.txt" || true
$FC kill -s KILL $name >/dev/null 2>&1 || true
# xslisten ends when the domain is gone; it prints its counts then.
for ((i = 0; i < 20; i++)); do
	kill -0 $xs 2>/dev/null || break
	sleep 0.5
done
kill $xs 2>/dev/null || true
wait $xs 2>/dev/null || true

# linuxlisten pins itself to Dom0's vCPU 0; that vCPU to physical CPU 0.
xl vcpu-pin 0 0 0
$BUILD/bench/linuxlisten "$N" "$PORT" | tee "$out/linux.txt" || true
xl vcpu-pin 0 0 all
echo "after: $(cat /proc/loadavg)" >>"$out/load.txt"
$FC napt >"$out/napt-after.txt" 2>&1 || true
nft list map ip fcapsule ports >"$out/map-after.txt" 2>&1 || true
xl info | grep -E '^(xen_version|nr_cpus|cpu_mhz)' >"$out/host.txt"
uname -r >>"$out/host.txt"
# How guests read the TSC (native or emulated by Xen) matters for the
# app VM's timer: keep Xen's word on it.
xl debug-keys s 2>/dev/null || true
xl dmesg | grep -iE 'tsc' >"$out/tsc.txt" 2>&1 || true
grep -q '^FC-LISTENBENCH-DONE' "$out/app.txt" &&
	grep -q '^FC-LISTENBENCH-DONE' "$out/linux.txt"
