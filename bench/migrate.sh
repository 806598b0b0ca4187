#!/bin/bash
# Migration benchmark, Dom0 side, the paper's Figures 5 and 6: run on both
# instances of a pair by scripts/bench-migrate through scripts/fc-instance
# --pair.  Usage: bench/migrate.sh [REPS] [APP_SIZES] [LINUX_SIZES].
#
# a drives, b does what a asks (p_serve).  For each size, one guest is
# started on a and migrated REPS times live and REPS times stopped, back
# and forth (a -> b, b -> a, ...): app VMs (httpd) with `fcapsule
# migrate`, PV Linux guests with xl's own stream (`xl migrate` live; `xl
# save`, the file copied, `xl restore` stopped; bench/migxl.py) over TCP
# between the Dom0s, since `fcapsule migrate` takes app VMs only.  During each migration
# build/bench/migprobe pings the guest every 4 ms from the public client
# (namespace pubc) through a's public address, where one ICMP DNAT rule of
# the benchmark's own leads to the guest, wherever it runs: its longest
# gap between answers is the downtime a client sees.  Writes
# $FC_JOB_OUT/migrate.csv (on a):
# kind,mb,mode,rep,from,total_ms,downtime_ms,gap_at_ms,sent,answered,lost,load
set -u
REPS=${1:-10}
APP_SIZES=${2-4 8 16 32}
LINUX_SIZES=${3-96 128 256}
. tests/integration/lib.sh
. tests/integration/pair.sh
FC=$BUILD/usr/fcapsule
PROBE=$BUILD/bench/migprobe
export FC_IMAGE_DIR=$BUILD/apps
PUB=192.0.2.10
XLPORT=7803
# PV Linux takes a fixed address in a's slice of the segment, above the
# few that the app VMs of this run take from a's allocator.
LINUX_ADDR=198.18.1.250
LINUX_MAC=00:16:3e:fc:01:fa
out=${FC_JOB_OUT:-/tmp}
csv=$out/migrate.csv
img=/run/fcbench

die() {
	echo "bench-migrate: $*" >&2
	[ "$FC_ROLE" = a ] && p_send quit
	exit 1
}

# the receivers' logs go out with the results, on both sides
trap 'cp /tmp/recv.log /tmp/migxl.log "$out/" 2>/dev/null' EXIT
p_mig_setup "$PUB" || die "pair set-up failed"
python3 bench/migxl.py serve $XLPORT >/tmp/migxl.log 2>&1 &
mkdir -p $img
cp build/guest/vmlinux build/guest/initrd.gz $img/
p_sync up || exit 1

if [ "$FC_ROLE" = b ]; then
	p_serve
	exit 0
fi

# The benchmark's own ICMP DNAT: a's public address to the guest.
icmp_to() {
	nft delete table ip fcbench 2>/dev/null
	nft -f - <<NFT
table ip fcbench {
	chain pre {
		type nat hook prerouting priority -110;
		iifname "vpub0" ip daddr $PUB icmp type echo-request dnat to $1
	}
}
NFT
	# a flow made to the previous guest would keep its DNAT
	conntrack -D -p icmp >/dev/null 2>&1 || true
}

# probe_wait: the probe has seen its first answer.
probe_up() {
	local i
	for ((i = 0; i < 600; i++)); do
		grep -q '^up' /tmp/probe.err 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# measure KIND MB MODE REP FROM COMMAND: one migration from FROM (a or b,
# the instance that runs COMMAND), timed there, with the probe running.
measure() {
	local kind=$1 mb=$2 mode=$3 rep=$4 from=$5 cmd=$6 total rc pid p
	# first in line for Dom0's CPUs: a starved probe would see gaps of its own
	chrt -f 50 ip netns exec pubc "$PROBE" $PUB 4 120 >/tmp/probe.out 2>/tmp/probe.err &
	pid=$!
	probe_up || { kill $pid; die "$kind $mb MB: no answer to the probe"; }
	sleep 1
	if [ "$from" = a ]; then
		t0=$(date +%s%N)
		bash -c "$cmd" >/tmp/mig.out 2>&1
		rc=$?
		total=$((($(date +%s%N) - t0) / 1000000))
	else
		p_remote "$cmd" >/tmp/mig.out 2>&1
		rc=$?
		total=$P_REMOTE_MS
	fi
	sed 's/^/# /' /tmp/mig.out
	if [ "$rc" != 0 ]; then
		kill -KILL $pid
		wait $pid
		echo "bench-migrate: $kind $mb MB $mode from $from failed (exit $rc)" >&2
		return 1
	fi
	kill -TERM $pid
	wait $pid
	p=$(cat /tmp/probe.out)
	echo "# $kind $mb MB $mode from $from: $total ms; $p"
	eval "${p// /; }"
	# shellcheck disable=SC2154 # set by the eval of the probe's line
	echo "$kind,$mb,$mode,$rep,$from,$total,$gap_ms,$gap_at_ms,$sent,$answered,$lost,$(cut -d' ' -f1 /proc/loadavg)" >>"$csv"
}

# modes REP: live first in odd repetitions, stopped first in even ones,
# so that with the moves alternating a -> b, b -> a each mode goes both
# ways (the first move to b also starts b's OS server).
modes() { (($1 % 2)) && echo live stop || echo stop live; }

# other FROM: the other instance; peer_of FROM: its peer's address.
other() { [ "$1" = a ] && echo b || echo a; }
peer_of() { [ "$1" = a ] && echo "$FC_PEER" || echo "$FC_SELF"; }

echo "kind,mb,mode,rep,from,total_ms,downtime_ms,gap_at_ms,sent,answered,lost,load" >"$csv"

for mb in $APP_SIZES; do
	name=mv$mb
	$FC run --name $name --memory "$mb" httpd >/dev/null || die "run $name"
	t_wait_console $name '^FC-HTTPD-READY' 300 >/dev/null || die "$name not ready"
	addr=$(grep -ao 'FC-NET-UP [0-9.]*' $CONSOLE_DIR/guest-$name.log | head -1 | cut -d' ' -f2)
	icmp_to "$addr"
	at=a
	for ((r = 1; r <= REPS; r++)); do
		for mode in $(modes $r); do
			measure app "$mb" $mode $r $at "$FC migrate --$mode $name $(peer_of $at)" ||
				break 2
			at=$(other $at)
		done
	done
	# after a failure it may be on either side, or neither
	$FC kill -s KILL $name >/dev/null 2>&1
	p_remote "$FC kill -s KILL $name" >/dev/null
done

for mb in $LINUX_SIZES; do
	name=pv$mb
	cat >$img/$name.cfg <<CFG
name = "$name"
kernel = "$img/vmlinux"
ramdisk = "$img/initrd.gz"
extra = "console=hvc0 quiet fc.ip=$LINUX_ADDR/16 fc.gw=198.18.1.1"
memory = $mb
vif = ['bridge=fcbr0,mac=$LINUX_MAC,script=$TOP/scripts/vif-fcapsule']
CFG
	xl create -q $img/$name.cfg || die "xl create $name"
	t_wait_console $name '^FC-NET-UP linux' 300 >/dev/null || die "$name: no network"
	icmp_to $LINUX_ADDR
	at=a
	for ((r = 1; r <= REPS; r++)); do
		for mode in $(modes $r); do
			peer=$(peer_of $at)
			if [ $mode = live ]; then
				cmd="xl migrate -s '' $name 'python3 $TOP/bench/migxl.py relay $peer $XLPORT'"
			else
				cmd="python3 $TOP/bench/migxl.py save $name $peer $XLPORT"
			fi
			measure linux "$mb" $mode $r $at "$cmd" || break 2
			at=$(other $at)
		done
	done
	xl destroy $name 2>/dev/null
	p_remote "xl destroy $name" >/dev/null
done
nft delete table ip fcbench
p_send quit
echo "bench-migrate: $(($(wc -l <"$csv") - 1)) migrations in $csv"
