#!/bin/bash
# Boot-time benchmark, Dom0 side (run by scripts/bench-boot through
# scripts/fc-instance).  Usage: bench/boot.sh [N] [REPS]
# For each kind of guest -- bootmark (the minimal library-OS kernel), app
# (a library-OS app VM, sleeper) and linux (Debian's PV Linux) -- it boots
# one guest REPS times, then N guests launched 3, 5 and 7 ms apart, and
# writes every guest's Ts, Te and dT to $FC_JOB_OUT/boot.csv.
set -eu
N=${1:-8}
REPS=${2:-5}
out=${FC_JOB_OUT:-/tmp}
img=/run/fcbench
bb=build/bench/bootbench

# Images on tmpfs, as a cloud host keeps them; reading them over the 9p
# share would add the emulator's file-system cost to Ts..Te.
mkdir -p $img
cp build/apps/bootmark build/apps/sleeper build/guest/vmlinux \
	build/guest/initrd.gz $img/

cat >$img/bootmark.cfg <<CFG
name = "@NAME@"
kernel = "$img/bootmark"
memory = 4
CFG
cat >$img/app.cfg <<CFG
name = "@NAME@"
kernel = "$img/sleeper"
memory = 4
CFG
cat >$img/linux.cfg <<CFG
name = "@NAME@"
kernel = "$img/vmlinux"
ramdisk = "$img/initrd.gz"
extra = "console=hvc0 quiet"
memory = 128
CFG

marker() {
	case $1 in
	linux) echo "FC-BOOT-COMPLETE linux" ;;
	*) echo "FC-BOOT-COMPLETE" ;;
	esac
}

csv=$out/boot.csv
echo "kind,count,interval_ms,index,name,ts_ms,te_ms,delta_ms,status" >"$csv"
# One discarded boot of each kind first: the first domain creation of a
# fresh Dom0 pays for cold caches.  Kinds are interleaved so that a slow
# spell of the emulator does not land on one kind only.
for kind in bootmark app linux; do
	$bb --kind "$kind" --config $img/$kind.cfg --marker "$(marker $kind)" \
		--count 1 --timeout 240 >/dev/null || true
done
for ((r = 0; r < REPS; r++)); do
	for kind in bootmark app linux; do
		echo "# $kind: single boot $((r + 1))/$REPS" >&2
		$bb --kind "$kind" --config $img/$kind.cfg \
			--marker "$(marker $kind)" --count 1 \
			--timeout 240 >>"$csv" || true
	done
done
for iv in 3 5 7; do
	for kind in bootmark app linux; do
		echo "# $kind: $N guests, $iv ms apart" >&2
		$bb --kind "$kind" --config $img/$kind.cfg \
			--marker "$(marker $kind)" --count "$N" \
			--interval-ms "$iv" --timeout 400 >>"$csv" || true
	done
done
grep -c ',ok$' "$csv" | sed 's/^/# guests booted: /' >&2
xl info | grep -E '^(xen_version|nr_cpus|total_memory)' >"$out/host.txt"
