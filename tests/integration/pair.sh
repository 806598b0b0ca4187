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
