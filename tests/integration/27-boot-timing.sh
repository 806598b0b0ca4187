#!/bin/bash
# timeout: 400
# Where a start's time goes, on real Xen: bench/bootmark builds, unpauses
# and watches a domain with libxenctrl/libxenguest alone (the floor), and
# FC_TIMING=1 `fcapsule run` prints every phase of one start.  Times are
# only printed (benchmarks judge them, not tests).
. tests/integration/lib.sh

FC=$BUILD/usr/fcapsule
export FC_IMAGE_DIR=$BUILD/apps
modprobe -a nf_tables nft_nat nft_chain_nat nft_fib_ipv4 veth 2>/dev/null

# --- the floor: no libxl, no XenStore nodes, no xenconsoled
ndom=$(xl list | wc -l)
out=$($BUILD/bench/bootmark --kernel $BUILD/apps/bootmark --reps 2 \
	--phases 2>/tmp/bm.err)
rc=$?
echo "$out" | sed 's/^/# /'
sed 's/^/# /' /tmp/bm.err
t_check "bootmark boots the minimal image twice (rc $rc)" \
	test "$rc" = 0 -a "$(echo "$out" | grep -c ',ok$')" = 2
for p in create build console unpause main off; do
	t_check "bootmark times phase $p" \
		test "$(grep -cE "^FC-T $p [0-9]+\.[0-9]+$" /tmp/bm.err)" = 2
done
t_check "bootmark leaves no domain behind" \
	sh -c "sleep 1; test \$(xl list | wc -l) = $ndom"
t_check "bootmark refuses a missing image" \
	sh -c "! $BUILD/bench/bootmark --kernel /nonexistent 2>/dev/null"

# --- one timed start of a networked app VM
t_check "insmod fcapsule.ko" insmod "$KO"
t_check "net setup" $FC net setup --public 192.0.2.10
id=$(FC_TIMING=1 FC_TIMING_LOG=/tmp/libxl.log $FC run httpd --name tm \
	2>/tmp/t.err)
rc=$?
sed 's/^/# /' /tmp/t.err
t_check "a timed run starts httpd (rc $rc, id $id)" test "$rc" = 0 -a -n "$id"
for p in run.begin libxl.create-call libxl.build-begin libxl.build-end \
	libxl.create-returned run.devnodes-written run.unpaused \
	xs.domain-dir xs.vif-backend xs.vif-hotplug-connected \
	xs.fcapsule-nodes guest.fcfront-ring guest.netfront-ring \
	guest.fcfront-connected \
	fcapsule.backend-connected guest.netfront-connected \
	console.boot-marker console.net-up; do
	t_check "the breakdown has phase $p" \
		grep -qE "^FC-T $p [0-9]+\.[0-9]+$" /tmp/t.err
done
grep -E 'xc_dom|hotplug|complete|introduce|console|ao ' /tmp/libxl.log |
	head -n 60 | sed 's/^/# log: /'
t_check "the timed app VM serves (console)" t_wait_console tm FC-HTTPD-READY 60
# --- an app that ends at once: the timed run stops waiting when it ends
s0=$SECONDS
FC_TIMING=1 $FC run --no-net bootmark --name tmin >/dev/null 2>/tmp/tmin.err
rc=$?
t_check "a timed run of the minimal kernel returns (rc $rc, $((SECONDS - s0)) s)" \
	test "$rc" = 0 -a $((SECONDS - s0)) -lt 50
t_check "its breakdown has the boot marker" \
	grep -qE '^FC-T console.boot-marker [0-9]+\.[0-9]+$' /tmp/tmin.err

# --- FC_VIF_INPROC=1: the vif bridged in-process, no hotplug script
id2=$(FC_VIF_INPROC=1 FC_TIMING=1 $FC run echod --name tp 2>/tmp/tp.err)
rc=$?
grep -E 'hotplug|vif|net-up' /tmp/tp.err | sed 's/^/# /'
t_check "FC_VIF_INPROC=1 run (rc $rc, id $id2)" test "$rc" = 0 -a -n "$id2"
t_check "its vif was put on the bridge in-process" \
	grep -qE '^FC-T run.vif-online [0-9]+\.[0-9]+$' /tmp/tp.err
t_check "its network came up" t_wait_console tp '^FC-NET-UP' 60
t_check "its vif is on the bridge and up" \
	sh -c "ip -o link show vif$id2.0 | grep -q 'master fcbr0' && ip -o link show vif$id2.0 | grep -q ',UP'"
t_check "an untimed run prints no FC-T line" \
	sh -c "$FC run --no-net sleeper --name un 2>&1 >/dev/null | grep -c FC-T | grep -qx 0"
t_check "kill all three" $FC kill tm un tp
t_done
