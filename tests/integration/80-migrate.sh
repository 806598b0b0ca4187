#!/bin/bash
# fc-instance: --pair
# timeout: 600
# Migration between two instances (docs/migrate.md), run on both: an
# httpd app VM started on a is migrated a -> b -> a while clients on a
# keep requesting its private address (which the VXLAN overlay between
# the bridges keeps reachable) and a's public address, new connections
# and one kept-alive connection: no request fails, the kept connection is
# the same one throughout, the app's request counter goes on, ps shows it
# where it runs.  While web is on b, a forwards its public port over the
# overlay (napt ls shows it, @relayed holds the address), b's own public
# address reaches it too; back on a, web's own entry replaces the
# forwarded one.  A sender with the wrong key is refused; a receiver
# killed mid-migration leaves the app running on its source and nothing
# on the destination.  Migrated to b once more and killed there, web is
# unmapped on a too (b tells a).
. tests/integration/lib.sh
. tests/integration/pair.sh
FC=$BUILD/usr/fcapsule
export FC_IMAGE_DIR=$BUILD/apps
OTHER=$([ "$FC_ROLE" = a ] && echo b || echo a)
PUB=192.0.2.10
p_mig_setup $PUB t_check
recv=$P_RECV_PID
p_sync up

# on_app: the app VM web is here, its OS-server state with it.
on_app() {
	$FC ps | grep -qE ' web ' && xl list web >/dev/null 2>&1
}
gone() {
	! $FC ps | grep -qE ' web ' && ! xl list web >/dev/null 2>&1
}
in_relayed() {
	nft list set ip fcapsule relayed | grep -qF "$1"
}
# more_kept N: wait until the kept connection has more than N answers.
more_kept() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ "$(grep -c '^KEPT' /tmp/kept.out)" -gt "$1" ] && return 0
		sleep 0.2
	done
	return 1
}

if [ "$FC_ROLE" = a ]; then
	t_check "run httpd (4 MB) as web" $FC run --name web httpd
	t_check "httpd listens" t_wait_console web '^FC-HTTPD-READY' 180
	addr=$(grep -ao 'FC-NET-UP [0-9.]*' $CONSOLE_DIR/guest-web.log | head -1 | cut -d' ' -f2)
	t_check "its address $addr is in a's slice" sh -c "echo $addr | grep -q '^198\.18\.1\.'"
	p_send addr "$addr"
	p_recv seen 120 >/dev/null

	# The client: one request after another until told to stop (or 300).
	: >/tmp/client.out
	(
		for ((i = 0; i < 300; i++)); do
			[ -e /tmp/client.stop ] && break
			if out=$(curl -sf -m 120 "http://$addr/"); then
				echo "$out" | grep -ao 'request #[0-9]*' | head -1
			else
				echo "FAILED $(date +%s.%N)"
			fi
			sleep 0.2
		done
	) >/tmp/client.out 2>&1 &
	client=$!
	# The same through a's public address, from the public segment.
	(
		for ((i = 0; i < 300; i++)); do
			[ -e /tmp/client.stop ] && break
			if out=$(ip netns exec pubc curl -sf -m 120 "http://$PUB/"); then
				echo "$out" | grep -ao 'request #[0-9]*' | head -1
			else
				echo "FAILED $(date +%s.%N)"
			fi
			sleep 0.2
		done
	) >/tmp/pub.out 2>&1 &
	pubclient=$!
	# One connection kept alive through a's public address: its local
	# port says it is the same one at every answer.
	cat >/tmp/kept.py <<'PY'
import http.client, os, re, sys, time
c = http.client.HTTPConnection(sys.argv[1], 80, timeout=120)
for i in range(600):
    if os.path.exists('/tmp/client.stop'):
        break
    try:
        c.request('GET', '/', headers={'Connection': 'keep-alive'})
        r = c.getresponse()
        body = r.read().decode()
        m = re.search(r'request #(\d+)', body)
        port = c.sock.getsockname()[1] if c.sock else None
        print('KEPT', port, m.group(1) if m else '?', flush=True)
        if r.will_close:
            print('CLOSED by the server', flush=True)
    except Exception as e:
        print('FAILED %.1f %r' % (time.time(), e), flush=True)
        c.close()
    time.sleep(0.5)
PY
	ip netns exec pubc python3 /tmp/kept.py $PUB >/tmp/kept.out 2>&1 &
	kept=$!
	# New connections, one every 0.5 s, each on its own, so that some
	# come while web is paused or resuming: they wait in a's hold queue.
	: >/tmp/new.out
	(
		while [ ! -e /tmp/client.stop ]; do
			(if out=$(ip netns exec pubc curl -sf -m 120 "http://$PUB/"); then
				echo "$out" | grep -ao 'request #[0-9]*' | head -1
			else
				echo "FAILED $(date +%s.%N)"
			fi) >>/tmp/new.out &
			sleep 0.5
		done
		wait
	) &
	newc=$!
	sleep 2
	t_check "the kept connection is answered through $PUB" more_kept 0

	# IPC rules: those naming web go with it, by name; one whose other
	# end is a domid (meaningless on b) and one not about web stay here.
	t_check "ipc allow web peer-x" $FC ipc allow web peer-x
	t_check "ipc deny 4321 web" $FC ipc deny 4321 web
	t_check "ipc allow other-1 other-2" $FC ipc allow other-1 other-2
	t0=$SECONDS
	t_check "migrate web to b" sh -c "$FC migrate web $FC_PEER >/tmp/mig1.out 2>/tmp/mig1.err"
	echo "# a->b in $((SECONDS - t0)) s: $(cat /tmp/mig1.err)"
	t_check "web is gone from a (ps, xl)" gone
	t_check "its address is free on a" sh -c "! $FC net show $addr >/dev/null 2>&1"
	$FC napt ls | sed 's/^/# /'
	t_check "a forwards its public port 80 to web on b" \
		sh -c "$FC napt ls | grep -Eq '^tcp +$PUB:80 +$addr:80 +fwd web -> $FC_PEER\$'"
	t_check "napt ls --json says where web runs" \
		sh -c "$FC napt ls --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [(e[\"public_port\"],e[\"addr\"],e[\"id\"],e[\"forwarded_to\"]) for e in d]==[(80,\"$addr\",0,\"$FC_PEER\")], d'"
	t_check "web's address is in a's @relayed" in_relayed "$addr"
	t_check "a new connection to $PUB reaches web on b" \
		sh -c "ip netns exec pubc curl -sf -m 30 http://$PUB/ | grep -q 'httpd on web'"
	t_check "the kept connection answers after a -> b" more_kept "$(grep -c '^KEPT' /tmp/kept.out)"
	p_send moved1
	p_recv back 300 >/dev/null
	t_check "web is back on a" on_app
	t_check "web's own entry replaces the forwarded one" \
		sh -c "for i in \$(seq 100); do $FC napt ls | grep -Eq '^tcp +$PUB:80 +$addr:80 +[0-9]+ +web\$' && exit 0; sleep 0.2; done; $FC napt ls; exit 1"
	t_check "nothing is forwarded, @relayed is empty" sh -c "! $FC napt ls | grep -q fwd && ! nft list set ip fcapsule relayed | grep -qF '$addr'"
	t_check "the kept connection answers after b -> a" more_kept "$(grep -c '^KEPT' /tmp/kept.out)"
	sleep 2
	touch /tmp/client.stop
	wait $client $pubclient $kept $newc
	nn=$(grep -c 'request #' /tmp/new.out)
	echo "# new connections: $nn answered, $(grep -c FAILED /tmp/new.out) failed"
	t_check "every new connection during the moves was answered ($nn)" \
		sh -c "test $nn -ge 10 && ! grep -q FAILED /tmp/new.out"
	grep -h '^hold:' /run/fcapsule/serve.log | sed 's/^/# /' | tail -n 8
	t_check "a's hold rule queued new connections to web" \
		sh -c "nft list chain ip fcapsule hold_prerouting | grep -Eq 'packets [1-9]'"
	t_check "the OS server let them go once web answered" \
		grep -q '^hold: .* released after .* (it answers)' /run/fcapsule/serve.log
	n=$(grep -c 'request #' /tmp/client.out)
	echo "# client: $n answers, $(grep -c FAILED /tmp/client.out) failures; $(head -1 /tmp/client.out) .. $(tail -1 /tmp/client.out)"
	t_check "the client was served during both moves ($n answers)" test "$n" -ge 10
	t_check "no request failed" sh -c "! grep -q FAILED /tmp/client.out"
	# the public clients take numbers too: increasing, never restarting
	t_check "the counter went on without a restart" \
		awk -F'#' '{ if (NR > 1 && $2 <= prev) exit 1; prev = $2 }' /tmp/client.out
	np=$(grep -c 'request #' /tmp/pub.out)
	echo "# public client: $np answers, $(grep -c FAILED /tmp/pub.out) failures"
	t_check "the public client was served during both moves ($np answers)" test "$np" -ge 10
	t_check "no public request failed" sh -c "! grep -q FAILED /tmp/pub.out"
	nk=$(grep -c '^KEPT' /tmp/kept.out)
	echo "# kept connection: $nk answers on local port(s) $(awk '$1 == "KEPT" { print $2 }' /tmp/kept.out | sort -u | tr '\n' ' ')"
	grep -v '^KEPT' /tmp/kept.out | head -5 | sed 's/^/# /'
	t_check "one kept connection answered throughout ($nk answers)" \
		sh -c "test $nk -ge 10 && ! grep -vq '^KEPT' /tmp/kept.out && test \$(awk '\$1 == \"KEPT\" { print \$2 }' /tmp/kept.out | sort -u | wc -l) = 1"

	# A sender without the key.
	head -c 32 /dev/urandom >/tmp/bad.key
	chmod 600 /tmp/bad.key
	t_check "a sender with the wrong key is refused" \
		sh -c "! $FC migrate web $FC_PEER --key /tmp/bad.key 2>/tmp/bad.err"
	sed 's/^/# /' /tmp/bad.err
	t_check "web runs on a still" on_app
	p_send badkey
	p_recv badkey-seen 60 >/dev/null

	# The destination dies mid-migration.
	p_recv ready-to-kill 60 >/dev/null
	t_check "a migration whose receiver is killed fails" \
		sh -c "! $FC migrate web $FC_PEER 2>/tmp/kill.err"
	sed 's/^/# /' /tmp/kill.err
	t_check "web runs on a still" on_app
	last=$({ grep -aoh 'request #[0-9]*' /tmp/client.out /tmp/pub.out /tmp/new.out | sed 's/.*#//'; awk '$1 == "KEPT" { print $3 }' /tmp/kept.out; } | sort -n | tail -1)
	t_check "and answers, its counter on" \
		sh -c "curl -sf -m 30 http://$addr/ | grep -q 'request #$((last + 1))'"
	p_send killed
	p_recv done 120 >/dev/null

	# web ends away from home: b tells a, whose forward goes.
	t_check "migrate web to b once more" sh -c "$FC migrate web $FC_PEER >/tmp/mig3.out 2>/tmp/mig3.err"
	t_check "a forwards port 80 to b again" sh -c "$FC napt ls | grep -q 'fwd web -> $FC_PEER'"
	p_send moved3
	p_recv web-ended 300 >/dev/null
	t_check "web ended on b: a's forwarded entry and @relayed element are gone" \
		sh -c "for i in \$(seq 100); do ! $FC napt ls | grep -q ':80 ' && ! nft list set ip fcapsule relayed | grep -qF $addr && exit 0; sleep 0.2; done; $FC napt ls; exit 1"
	t_check "the receiver logged it" grep -q 'web ended there: 1 forwarded' /tmp/recv.log
else
	addr=$(p_recv addr 300)
	t_check "b reaches web ($addr) through the overlay" \
		sh -c "curl -sf -m 30 http://$addr/ | grep -q 'httpd on web'"
	p_send seen
	p_recv moved1 300 >/dev/null
	t_check "web runs on b (ps, xl)" on_app
	t_check "it resumed in a new domain" t_wait_console web '^FC-RESUMED new-domain' 60
	t_check "b holds its address $addr" sh -c "$FC net show $addr >/dev/null"
	$FC ipc ls | sed 's/^/# /'
	t_check "web's IPC rule by name came with it" \
		sh -c "$FC ipc ls | grep -Eq '^allow +web +peer-x\$'"
	t_check "the rule with a domid and the one not about web did not" \
		sh -c "test \$($FC ipc ls | grep -c .) = 2"
	t_check "the receiver logged it" grep -q 'web brought 1 IPC rule(s)' /tmp/recv.log
	t_check "its listening port is mapped on b" \
		sh -c "for i in \$(seq 50); do $FC napt | grep -Eq ':80 +$addr:80' && exit 0; sleep 0.2; done; exit 1"
	t_check "web keeps its home gateway (a's bridge)" \
		t_wait_console web '^FC-NET-UP .* gw 198\.18\.1\.1 ' 30
	t_check "b masquerades what its NAPT sends to the guest (@relayed)" in_relayed "$addr"
	nft list set ip fcapsule relayed | grep -F "$addr" | sed 's/^/# /'
	t_check "b's public address reaches web too" \
		sh -c "ip netns exec pubc curl -sf -m 30 http://$PUB/ | grep -q 'httpd on web'"
	sleep 2
	t0=$SECONDS
	t_check "migrate web back to a" sh -c "$FC migrate web $FC_PEER >/tmp/mig2.out 2>/tmp/mig2.err"
	echo "# b->a in $((SECONDS - t0)) s: $(cat /tmp/mig2.err)"
	t_check "web is gone from b" gone
	t_check "b forwards nothing (a is web's home) and its @relayed is empty" \
		sh -c "! $FC napt ls | grep -q fwd && ! nft list set ip fcapsule relayed | grep -qF '$addr'"
	p_send back

	p_recv badkey 300 >/dev/null
	t_check "the receiver logged the refusal" grep -q 'refused' /tmp/recv.log
	t_check "nothing was created on b" gone
	p_send badkey-seen

	# Kill the receiving process once its restore has made the domain:
	# in the middle of the stream.
	(
		for ((i = 0; i < 3000; i++)); do
			if xl list web >/dev/null 2>&1; then
				pkill -KILL -P $recv
				exit 0
			fi
			sleep 0.02
		done
	) &
	killer=$!
	p_send ready-to-kill
	wait $killer
	p_recv killed 300 >/dev/null
	t_check "the receiver saw its child killed and undid it" \
		sh -c "for i in \$(seq 50); do grep -q 'undoing the incoming web' /tmp/recv.log && exit 0; sleep 0.2; done; exit 1"
	t_check "nothing half-created is left on b" \
		sh -c "for i in \$(seq 100); do ! xl list web >/dev/null 2>&1 && ! $FC ps | grep -q ' web ' && exit 0; sleep 0.2; done; xl list; exit 1"
	t_check "the address is free on b" sh -c "! $FC net show $addr >/dev/null 2>&1"
	p_send done

	p_recv moved3 300 >/dev/null
	t_check "web runs on b again" on_app
	t_check "kill web on b" $FC kill web
	t_check "b's @relayed element for it is gone" sh -c "! nft list set ip fcapsule relayed | grep -qF $addr"
	p_send web-ended
fi
cp /tmp/recv.log /tmp/mig*.err /tmp/client.out /tmp/pub.out /tmp/kept.out "$FC_JOB_OUT/" 2>/dev/null
echo "# receiver log:"
sed 's/^/#   /' /tmp/recv.log
kill $recv 2>/dev/null
t_done
