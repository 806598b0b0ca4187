#!/bin/bash
# Fork benchmark, Dom0 side (run by scripts/bench-fork through
# scripts/fc-instance), the paper's Figure 9.  Usage: bench/fork.sh [REPS]
# [SIZES]. For app VMs of each size (MB): REPS x `fcapsule fork` (the
# call's wall time, and how long the parent was stopped: from the
# checkpoint's suspend request until it runs again), REPS x `xl save` +
# `xl restore` through a file on tmpfs, and REPS x fork()+_exit() of a
# Dom0 process touching the same memory.  Writes $FC_JOB_OUT/fork.csv:
# kind,mb,rep,total_ms,stopped_ms
set -eu
REPS=${1:-20}
SIZES=${2:-4 8 16 32}
out=${FC_JOB_OUT:-/tmp}
csv=$out/fork.csv
img=/run/fcbench
FC=build/usr/fcapsule
KO=$PWD/fcapsule.ko

mkdir -p $img
cp build/apps/forker $img/
export FC_IMAGE_DIR=$img
insmod "$KO"
echo "kind,mb,rep,total_ms,stopped_ms" >"$csv"

ms_since() {
	echo $((($(date +%s%N) - $1) / 1000000))
}

wait_console() {
	local i
	for ((i = 0; i < 600; i++)); do
		grep -qaE "$2" /var/log/xen/console/guest-$1.log 2>/dev/null && return 0
		sleep 0.2
	done
	echo "bench-fork: no '$2' from $1" >&2
	return 1
}

for mb in $SIZES; do
	name=fb$mb
	$FC run --no-net --name $name --memory "$mb" forker tick >/dev/null
	wait_console $name '^FC-TICK 1 '
	for ((r = 1; r <= REPS; r++)); do
		t0=$(date +%s%N)
		$FC fork --timing $name --name $name-c 2>$img/t >/dev/null
		total=$(ms_since "$t0")
		stopped=$(sed -nE 's/.*until the parent runs: ([0-9.]+) ms.*/\1/p' $img/t)
		echo "fork,$mb,$r,$total,$stopped" >>"$csv"
		$FC kill -s KILL $name-c >/dev/null
	done
	$FC kill -s KILL $name >/dev/null

	# The baseline: the same image through a file on tmpfs, with xl.
	sed -e "s|@NAME@|$name|" >$img/$name.cfg <<CFG
name = "@NAME@"
kernel = "$img/forker"
cmdline = "tick"
memory = $mb
CFG
	xl create -q $img/$name.cfg
	sleep 2
	for ((r = 1; r <= REPS; r++)); do
		t0=$(date +%s%N)
		xl save $name $img/$name.save >/dev/null 2>&1
		xl restore $img/$name.save >/dev/null 2>&1
		total=$(ms_since "$t0")
		echo "saverestore,$mb,$r,$total,$total" >>"$csv"
		rm -f $img/$name.save
	done
	xl destroy $name

	build/bench/forkbench "$mb" "$REPS" |
		awk -v r=0 '{ r++; printf "dom0fork,%s,%d,%.3f,%.3f\n", $1, r, $2 * 1000, $2 * 1000 }' >>"$csv"
done
echo "bench-fork: $(($(wc -l <"$csv") - 1)) measurements in $csv"
