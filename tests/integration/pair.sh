# Helpers for a test that runs on two instances (scripts/fc-instance
# --pair): the same script runs in both Dom0s, FC_ROLE says which one
# (a or b), FC_SELF/FC_PEER are the Dom0s' addresses on fclink0, and
# FC_PAIR_DIR is a directory both see, where the two sides leave each
# other messages (files msg-TAG; other names are free for the test).

# p_send TAG [VALUE]: tell the other side TAG (with an optional value).
p_send() {
	printf '%s\n' "${2:-}" >"$FC_PAIR_DIR/.msg-$1.$FC_ROLE" &&
		mv "$FC_PAIR_DIR/.msg-$1.$FC_ROLE" "$FC_PAIR_DIR/msg-$1"
}

# p_recv TAG [TIMEOUT]: wait until the other side sent TAG; print its
# value.  Fails after TIMEOUT seconds (default 300).
p_recv() {
	local i
	for ((i = 0; i < ${2:-300} * 5; i++)); do
		if [ -e "$FC_PAIR_DIR/msg-$1" ]; then
			cat "$FC_PAIR_DIR/msg-$1"
			return 0
		fi
		sleep 0.2
	done
	echo "# no '$1' from the other instance after ${2:-300} s" >&2
	return 1
}

# p_sync TAG: both sides wait for each other here.
p_sync() {
	p_send "$1.$FC_ROLE" && p_recv "$1.$([ "$FC_ROLE" = a ] && echo b || echo a)" "${2:-300}" >/dev/null
}

# p_serve: run the other side's p_remote commands here, one after another,
# until it sends "quit" (for a side that only does what the other asks).
p_serve() {
	local n=1 cmd t0 rc
	for (( ; ; n++)); do
		until [ -e "$FC_PAIR_DIR/msg-run-$n" ] || [ -e "$FC_PAIR_DIR/msg-quit" ]; do
			sleep 0.1
		done
		[ -e "$FC_PAIR_DIR/msg-run-$n" ] || return 0
		cmd=$(cat "$FC_PAIR_DIR/msg-run-$n")
		t0=$(date +%s%N)
		bash -c "$cmd" >"$FC_PAIR_DIR/out-$n" 2>&1
		rc=$?
		p_send "ran-$n" "$rc $((($(date +%s%N) - t0) / 1000000))"
	done
}

# p_remote COMMAND: run COMMAND (bash) on the other side's p_serve; its
# output is printed, its status returned and P_REMOTE_MS set to how long
# it ran there (measured there, without the messages' polling).
P_REMOTE_N=0
p_remote() {
	local r
	P_REMOTE_N=$((P_REMOTE_N + 1))
	p_send "run-$P_REMOTE_N" "$1" || return 1
	r=$(p_recv "ran-$P_REMOTE_N" "${2:-900}") || return 1
	cat "$FC_PAIR_DIR/out-$P_REMOTE_N"
	P_REMOTE_MS=${r#* }
	return "${r%% *}"
}

# p_step DESCRIPTION COMMAND...: t_check's shape outside a test (benchmarks):
# silent when COMMAND succeeds, says which step failed otherwise.
p_step() {
	local desc=$1
	shift
	"$@" || { echo "# failed: $desc (command: $*)" >&2; return 1; }
}

# p_mig_setup PUB [CHECK]: what a migration between the pair needs, on
# both sides: the module, the network with public address PUB and a
# public client (namespace pubc), the overlay to the peer, one shared key
# (made on a) and a receiver (log /tmp/recv.log, pid in P_RECV_PID).
# Each step goes through CHECK (t_check in a test; default p_step).
p_mig_setup() {
	local pub=$1 check=${2:-p_step} fc=${FC:-$BUILD/usr/fcapsule}
	local key=/var/lib/fcapsule/migrate.key
	modprobe -a nf_tables nft_nat nft_chain_nat nft_fib_ipv4 veth 2>/dev/null
	$check "insmod fcapsule.ko" insmod "$KO" || return 1
	$check "net setup ($FC_NET_ADDR, public $pub)" $fc net setup --public "$pub" || return 1
	$check "a client on the public segment (192.0.2.20)" t_public_client "$pub" || return 1
	$check "overlay to $FC_PEER" $fc net overlay add "$FC_PEER" || return 1
	$fc net overlay | sed 's/^/# /'
	mkdir -p /var/lib/fcapsule
	if [ "$FC_ROLE" = a ]; then
		(umask 077 && head -c 32 /dev/urandom >"$key" && cp "$key" "$FC_PAIR_DIR/key")
		p_send key
	else
		p_recv key 300 >/dev/null
		(umask 077 && cat "$FC_PAIR_DIR/key" >"$key")
	fi
	$check "the shared key (32 bytes)" test "$(wc -c <"$key")" = 32 || return 1
	$fc migrate-receive >/tmp/recv.log 2>&1 &
	P_RECV_PID=$!
	$check "migrate-receive listens" \
		sh -c 'for i in $(seq 50); do grep -q listening /tmp/recv.log && exit 0; sleep 0.2; done; exit 1'
}
