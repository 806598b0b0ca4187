#!/bin/bash
# fc-instance: --icount 0
# Fairness benchmark, Dom0 side (run by scripts/bench-fair through
# scripts/fc-instance).  Usage: bench/fair.sh [N]
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
out=${FC_JOB_OUT:-/tmp}
TOP=$PWD
BUILD=$TOP/build
CONSOLE_DIR=/var/log/xen/console
. tests/integration/fcdev.sh

insmod fcapsule.ko || exit 1
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
	fc_start lat fuzzfront "lat $N" || return 1
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

fc_start nopflood fuzzfront steady && wait_line nopflood '^FC-FUZZ-STEADY' 120
run_case nop-flooder
xl destroy nopflood

$BUILD/usr/fcapsule ipc allow rx ipcflood >/dev/null
fc_start rx ipctest "recv 1000000000 3600" && wait_line rx '^FC-IPC-READY' 120
fc_start ipcflood fuzzfront "ipcflood rx" && wait_line ipcflood '^FC-FUZZ-IPCFLOOD' 120
run_case ipc-flooder
xl destroy ipcflood
xl destroy rx

# Control for the storm: a neighbour that only burns its CPU (no events).
fc_start cpuhog cpuloop 2000000000 && sleep 3
run_case cpu-hog
xl destroy cpuhog

fc_start storm fuzzfront storm && wait_line storm '^FC-FUZZ-STORM' 120
run_case notify-storm
xl destroy storm
sleep 1
rmmod fcapsule
cat "$out/fair.txt"
