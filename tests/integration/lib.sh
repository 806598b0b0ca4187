#!/bin/bash
# Helpers for integration tests.  A test is a bash script that runs as
# root in the Dom0 of an emulated instance (scripts/fc-instance), with the
# repository as its working directory and the build in build/.  It reports
# one "ok"/"not ok" line per check and ends with t_done, which adds the
# Dom0 kernel-log check and prints the "N passed, N failed" summary.

T_PASSED=0
T_FAILED=0
TOP=$PWD
BUILD=$TOP/build
KO=$TOP/fcapsule.ko
CONSOLE_DIR=/var/log/xen/console

t_pass() {
	T_PASSED=$((T_PASSED + 1))
	echo "ok - $*"
}

t_fail() {
	T_FAILED=$((T_FAILED + 1))
	echo "not ok - $*"
}

# t_check DESCRIPTION COMMAND...: passes when COMMAND exits 0.
t_check() {
	local desc=$1
	shift
	if "$@"; then
		t_pass "$desc"
	else
		t_fail "$desc (command: $*)"
		return 1
	fi
}

# t_wait_console NAME PATTERN TIMEOUT: wait until guest NAME's console
# log holds PATTERN (an extended regex).
t_wait_console() {
	local log=$CONSOLE_DIR/guest-$1.log i
	for ((i = 0; i < $3 * 5; i++)); do
		grep -qaE -- "$2" "$log" 2>/dev/null && return 0
		sleep 0.2
	done
	echo "# console of $1 (no '$2' after $3 s):"
	sed 's/^/#   /' "$log" 2>/dev/null | tail -n 20
	return 1
}

# t_public_client ADDR: the instance's public segment, 192.0.2.0/24: ADDR
# (the public address) on vpub0 in Dom0, and a client in network
# namespace "pubc" at 192.0.2.20 on its peer (ip netns exec pubc ...).
t_public_client() {
	ip link add vpub0 type veth peer name vpub1 &&
		ip netns add pubc &&
		ip link set vpub1 netns pubc &&
		ip addr add "$1"/24 dev vpub0 &&
		ip link set vpub0 up &&
		ip -n pubc addr add 192.0.2.20/24 dev vpub1 &&
		ip -n pubc link set vpub1 up &&
		ip -n pubc link set lo up
}

# t_napt_setup PUB: the NAPT modules, fcapsule.ko, Dom0's network with the
# public address PUB, and a client on the public segment (t_public_client),
# each a check.  Needs $FC.
t_napt_setup() {
	modprobe -a nf_tables nft_nat nft_chain_nat nft_fib_ipv4 veth 2>/dev/null
	t_check "insmod fcapsule.ko" insmod "$KO"
	t_check "net setup --public $1" $FC net setup --public "$1"
	t_check "a client on the public segment (192.0.2.20)" t_public_client "$1"
}

# t_ab N CONCURRENCY URL: ApacheBench from the public client's namespace
# completes N requests with none failed or non-2xx; prints its summary.
t_ab() {
	local out
	out=$(ip netns exec pubc ab -q -l -n "$1" -c "$2" -s 30 "$3" 2>&1)
	echo "$out" | grep -E 'Complete requests|Failed requests|Non-2xx|Requests per second|Longest|^apr_|^ab:' | sed 's/^/# /'
	echo "$out" | grep -Eq "^Complete requests: +$1\$" &&
		echo "$out" | grep -Eq '^Failed requests: +0$' &&
		! echo "$out" | grep -q 'Non-2xx'
}

# t_bounded SECONDS COMMAND...: COMMAND, ended after SECONDS; a command
# that hangs shows where the fcapsule processes wait, then fails the check.
t_bounded() {
	local limit=$1 rc p
	shift
	timeout -k 5 "$limit" "$@"
	rc=$?
	[ $rc != 124 ] && return $rc
	echo "# $* still running after $limit s; fcapsule processes:"
	for p in $(pgrep fcapsule); do
		echo "#   $(ps -o pid=,ppid=,stat=,wchan:24=,etime=,args= -p "$p")"
		sed 's/^/#     /' /proc/"$p"/task/*/stack 2>/dev/null | head -n 12
	done
	tail -n 20 /run/fcapsule/serve.log 2>/dev/null | sed 's/^/#   serve.log: /'
	return $rc
}

# Kernel messages that mean Dom0 itself went wrong.
t_dmesg_clean() {
	local bad
	bad=$(dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace|UBSAN|KASAN|refcount_t' || true)
	if [ -n "$bad" ]; then
		echo "# Dom0 kernel log:"
		echo "$bad" | sed 's/^/#   /' | head -n 40
		return 1
	fi
	return 0
}

t_done() {
	t_check "Dom0 kernel log has no warning, oops or BUG" t_dmesg_clean
	echo "$T_PASSED passed, $T_FAILED failed"
	[ "$T_FAILED" = 0 ]
}
