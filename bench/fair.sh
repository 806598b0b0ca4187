#!/bin/bash
# fc-instance: --icount 0
# Fairness benchmark, Dom0 side (run by scripts/bench-fair through
# scripts/fc-instance).  Usage: bench/fair.sh [N [pinned]]
# pinned (on an instance of 4 CPUs or more): Dom0 on CPUs 0-1, the
# measured app VM alone on CPU 2, every neighbour on CPU 3, so the
# measured app VM shares no CPU with a neighbour and what is left of a
# neighbour's effect goes through Dom0 (the module) or the hypervisor.
# NOP round trips (N, default 2000) of a well-behaved app VM (fuzzfront
# lat) alone, then next to a NOP flooder (fuzzfront steady), an IPC
# flooder at a receiver of its own (fuzzfront ipcflood rx -> ipctest
# recv), a CPU-bound neighbour (cpuloop, the control for the next) and a
# notification storm (fuzzfront storm).  One line per case
# in $FC_JOB_OUT/fair.txt: "CASE n p50 p99 min tsc_min spanned dom0_cpu_s"
# (over the samples Xen did not update the guest's time info during;
# "spanned" counts the others), plus what Xen says of TSCs in tsc.txt.
set -u
N=${1:-2000}
PINNED=${2:-}
out=${FC_JOB_OUT:-/tmp}
TOP=$PWD
BUILD=$TOP/build
CONSOLE_DIR=/var/log/xen/console
. tests/integration/fcdev.sh

insmod fcapsule.ko || exit 1
if [ -n "$PINNED" ]; then
	[ "$(xl info | awk '$1 == "nr_cpus" { print $3 }')" -ge 4 ] || { echo "fair.sh: pinned needs 4 CPUs" >&2; exit 1; }
	xl vcpu-pin 0 all 0-1 || exit 1
fi
# start NAME APP ARGS: the measured one (lat) on CPU 2, the others on 3.
start() {
	fc_create "$@" || return 1
	if [ -n "$PINNED" ]; then
		xl vcpu-pin "$1" all "$([ "$1" = lat ] && echo 2 || echo 3)" ||
			return 1
	fi
	xl unpause "$1"
}
: >"$out/fair.txt"

wait_line() { # NAME PATTERN SECONDS
	local i
	for ((i = 0; i < $3 * 5; i++)); do
		grep -qaE "$2" $CONSOLE_DIR/guest-$1.log 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}
dom0_cpu() {
	xl list 0 | awk 'NR == 2 { print $6 }'
}
field() { # LINE NAME
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

run_case() { # CASE
	local c0 c1 line
	c0=$(dom0_cpu)
	start lat fuzzfront "lat $N" || return 1
	wait_line lat '^FC-FUZZ-LAT' 600 || echo "# $1: no result" >&2
	c1=$(dom0_cpu)
	line=$(grep -a '^FC-FUZZ-LAT' $CONSOLE_DIR/guest-lat.log | tail -n 1)
	echo "# $1: $line" >&2
	echo "$1 $line" >>"$out/lat-lines.txt"
	printf '%s %s %s %s %s %s %s %s\n' "$1" "$(field "$line" n)" \
		"$(field "$line" p50)" "$(field "$line" p99)" \
		"$(field "$line" min)" "$(field "$line" tsc_min)" \
		"$(field "$line" spanned)" \
		"$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.1f", b - a }')" \
		>>"$out/fair.txt"
	xl destroy lat 2>/dev/null
	sleep 1
	rm -f $CONSOLE_DIR/guest-lat.log
}

run_case alone
xl debug-keys s
xl dmesg | grep -aiE 'tsc|vtsc' | tail -n 20 >"$out/tsc.txt"

start nopflood fuzzfront steady && wait_line nopflood '^FC-FUZZ-STEADY' 120
run_case nop-flooder
xl destroy nopflood

$BUILD/usr/fcapsule ipc allow rx ipcflood >/dev/null
start rx ipctest "recv 1000000000 3600" && wait_line rx '^FC-IPC-READY' 120
start ipcflood fuzzfront "ipcflood rx" && wait_line ipcflood '^FC-FUZZ-IPCFLOOD' 120
run_case ipc-flooder
xl destroy ipcflood
xl destroy rx

# Control for the storm: a neighbour that only burns its CPU (no events).
start cpuhog cpuloop 2000000000 && sleep 3
run_case cpu-hog
xl destroy cpuhog

start storm fuzzfront storm && wait_line storm '^FC-FUZZ-STORM' 120
run_case notify-storm
xl destroy storm

# The same two capped at 10 % of a CPU: in the emulator, vCPUs take turns
# on one host thread, so an uncapped busy vCPU delays every other one
# whatever CPU it is pinned to; capped, what is left of the storm beyond
# the hog is the cost of its notifications.
start cpuhog cpuloop 2000000000 && xl sched-credit -d cpuhog -c 10 && sleep 3
run_case cpu-hog-cap10
xl destroy cpuhog

start storm fuzzfront storm && xl sched-credit -d storm -c 10 &&
	wait_line storm '^FC-FUZZ-STORM' 120
run_case notify-storm-cap10
xl destroy storm
sleep 1
rmmod fcapsule
cat "$out/fair.txt"
