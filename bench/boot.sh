#!/bin/bash
# Boot-time benchmark, Dom0 side (run by scripts/bench-boot through
# scripts/fc-instance).
# Usage: bench/boot.sh [N] [REPS] [PHASE_REPS] [INTERVALS] [GROUP_KINDS]
# (INTERVALS default "3 5 7", GROUP_KINDS "bootmark app run-app warm-app
# linux").
# Kinds, all in the same run (docs/bench.md):
#   floor    bench/bootmark: the minimal library-OS kernel built and
#            unpaused with libxenctrl/libxenguest alone, console ring read
#            by bootmark itself (no libxl, XenStore nodes, xenconsoled)
#   bootmark `xl create` of the same minimal kernel
#   run-min  `fcapsule run --no-net` of the same minimal kernel
#   app      `xl create` of a full library-OS app VM (sleeper)
#   run-app  `fcapsule run --cold --no-net sleeper` (with the fcapsule
#            device)
#   warm-app the same from the warm pool (`pool set sleeper COUNT
#            --no-net` first, the shells made before Ts)
#   run-net  `fcapsule run --cold httpd` (vif, address, NAPT);
#            Te = FC-NET-UP
#   warm-net the same from the warm pool
#   run-netp the same with FC_VIF_INPROC=1: the vif put on the bridge
#            in-process (usr/xl.c), no hotplug script
#   linux    `xl create` of Debian's PV Linux
# For each it boots one guest REPS times (kinds interleaved), then (but
# floor and run-net) N guests launched 3, 5 and 7 ms apart, and writes
# every guest's Ts, Te and dT to $FC_JOB_OUT/boot.csv.  Then PHASE_REPS
# timed starts (FC_TIMING=1) of `fcapsule run httpd`, without and with
# FC_VIF_INPROC=1 and from the warm pool, and of bootmark --phases, to
# $FC_JOB_OUT/phases-run-*.txt, phases-runp-*.txt, phases-warm-*.txt
# (libxl's timed logs in libxl-run*-*.log) and phases-floor.txt.
set -eu
N=${1:-8}
REPS=${2:-5}
PHASE_REPS=${3:-3}
INTERVALS=${4:-3 5 7}
GROUP_KINDS=${5:-bootmark app run-app warm-app linux}
out=${FC_JOB_OUT:-/tmp}
img=/run/fcbench
bb=$img/bootbench
bm=$img/bootmark-floor
FC=$img/fcapsule

# Images and tools on tmpfs, as a cloud host keeps them: reading them over
# the 9p share would add the emulator's file-system cost to Ts..Te, and a
# rebuild on the host during the run would change them.
mkdir -p $img
cp build/apps/bootmark build/apps/sleeper build/apps/httpd \
	build/guest/vmlinux build/guest/initrd.gz build/usr/fcapsule \
	build/bench/bootbench $img/
cp build/bench/bootmark $img/bootmark-floor
cp scripts/vif-fcapsule $img/vif-fcapsule
export FC_IMAGE_DIR=$img FC_VIF_SCRIPT=$img/vif-fcapsule

modprobe -a nf_tables nft_nat nft_chain_nat nft_fib_ipv4 2>/dev/null || true
lsmod | grep -q '^fcapsule ' || insmod fcapsule.ko
$FC net setup --public 192.0.2.10 >&2

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

# pool_keep IMAGE COUNT [--no-net]: keep COUNT shells of IMAGE and wait
# until they are all made (0: until none is left).
pool_keep() {
	local image=$1 n=$2 i
	shift 2
	$FC pool set "$image" "$n" "$@" >&2
	for ((i = 0; i < 1200; i++)); do
		[ "$($FC ps --pool | grep -c "/$image\$")" = "$n" ] && return 0
		sleep 0.5
	done
	echo "# the pool of $image did not reach $n shells" >&2
	return 1
}
# Each warm guest is checked to have had a shell, then killed: a cold
# fallback would make the row meaningless, so it is counted in warm-misses.
cat >$img/warm-kill <<KILL
#!/bin/sh
$FC inspect "\$1" | grep -qx "start: warm" || echo "\$1" >>$out/warm-misses
exec $FC kill -s KILL "\$1"
KILL
chmod +x $img/warm-kill
warm_kill="$img/warm-kill @NAME@"

# boot KIND COUNT INTERVAL_MS TIMEOUT_S: CSV rows on stdout
boot() {
	local kind=$1 count=$2 iv=$3 to=$4 kill="$FC kill -s KILL @NAME@"
	case $kind in
	floor)
		$bm --kernel $img/bootmark --memory 4 --timeout "$to"
		return
		;;
	bootmark | app)
		$bb --kind "$kind" --config $img/$kind.cfg \
			--marker FC-BOOT-COMPLETE --count "$count" \
			--interval-ms "$iv" --timeout "$to"
		;;
	linux)
		$bb --kind linux --config $img/linux.cfg \
			--marker "FC-BOOT-COMPLETE linux" --count "$count" \
			--interval-ms "$iv" --timeout "$to"
		;;
	run-min)
		$bb --kind run-min --run "$FC run --cold --no-net --name @NAME@ bootmark" \
			--kill "$kill" --marker FC-BOOT-COMPLETE --count "$count" \
			--interval-ms "$iv" --timeout "$to"
		;;
	run-app)
		$bb --kind run-app --run "$FC run --cold --no-net --name @NAME@ sleeper" \
			--kill "$kill" --marker FC-BOOT-COMPLETE --count "$count" \
			--interval-ms "$iv" --timeout "$to"
		;;
	warm-app)
		pool_keep sleeper "$count" --no-net
		$bb --kind warm-app --run "$FC run --no-net --name @NAME@ sleeper" \
			--kill "$warm_kill" --marker FC-BOOT-COMPLETE --count "$count" \
			--interval-ms "$iv" --timeout "$to"
		pool_keep sleeper 0 --no-net
		;;
	run-net)
		$bb --kind run-net --run "$FC run --cold --name @NAME@ httpd" \
			--kill "$kill" --marker FC-NET-UP --count "$count" \
			--interval-ms "$iv" --timeout "$to"
		;;
	warm-net)
		pool_keep httpd "$count"
		$bb --kind warm-net --run "$FC run --name @NAME@ httpd" \
			--kill "$warm_kill" --marker FC-NET-UP --count "$count" \
			--interval-ms "$iv" --timeout "$to"
		pool_keep httpd 0
		;;
	run-netp)
		FC_VIF_INPROC=1 \
			$bb --kind run-netp --run "$FC run --cold --name @NAME@ httpd" \
			--kill "$kill" --marker FC-NET-UP --count "$count" \
			--interval-ms "$iv" --timeout "$to"
		;;
	esac
}

kinds="floor bootmark run-min app run-app warm-app run-net warm-net run-netp linux"
csv=$out/boot.csv
echo "kind,count,interval_ms,index,name,ts_ms,te_ms,delta_ms,status" >"$csv"
# One discarded boot of each kind first: the first domain creation of a
# fresh Dom0 pays for cold caches.  Kinds are interleaved so that a slow
# spell of the emulator does not land on one kind only.
for kind in $kinds; do
	boot "$kind" 1 0 240 >/dev/null || true
done
for ((r = 0; r < REPS; r++)); do
	for kind in $kinds; do
		echo "# $kind: single boot $((r + 1))/$REPS" >&2
		boot "$kind" 1 0 240 >>"$csv" || true
	done
done

# Where the time of one start goes: FC-T lines (usr/xl.c, bench/bootmark.c).
for ((r = 1; r <= PHASE_REPS; r++)); do
	echo "# timed start $r/$PHASE_REPS" >&2
	FC_TIMING=1 FC_TIMING_LOG=$out/libxl-run-$r.log \
		$FC run --cold --name tb$r httpd >/dev/null \
		2>"$out/phases-run-$r.txt" || true
	$FC kill -s KILL tb$r >/dev/null 2>&1 || true
	FC_TIMING=1 FC_TIMING_LOG=$out/libxl-runp-$r.log FC_VIF_INPROC=1 \
		$FC run --cold --name tp$r httpd >/dev/null \
		2>"$out/phases-runp-$r.txt" || true
	$FC kill -s KILL tp$r >/dev/null 2>&1 || true
	pool_keep httpd 1 || true
	FC_TIMING=1 FC_TIMING_LOG=$out/libxl-runw-$r.log \
		$FC run --name tw$r httpd >/dev/null \
		2>"$out/phases-warm-$r.txt" || true
	$FC kill -s KILL tw$r >/dev/null 2>&1 || true
	pool_keep httpd 0 || true
done
[ "$PHASE_REPS" -gt 0 ] &&
	$bm --kernel $img/bootmark --memory 4 --reps "$PHASE_REPS" --phases \
		2>"$out/phases-floor.txt" >/dev/null || true

for iv in $INTERVALS; do
	for kind in $GROUP_KINDS; do
		echo "# $kind: $N guests, $iv ms apart" >&2
		boot "$kind" "$N" "$iv" 400 >>"$csv" || true
	done
done
grep -c ',ok$' "$csv" | sed 's/^/# guests booted: /' >&2
{
	xl info | grep -E '^(xen_version|nr_cpus|total_memory)'
	echo "load average (emulated Dom0): $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/host.txt"
