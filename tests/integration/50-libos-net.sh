#!/bin/bash
# timeout: 900
# Library-OS networking on real Xen: netfront + lwIP + sockets.  httpd and
# echod app VMs on a Dom0 bridge (198.18.0.1/24) with the fast vif script;
# Dom0 fetches pages (counter increments), pings, and echoes through them.
. tests/integration/lib.sh

BR=fcbr0
VIFSCRIPT=$TOP/scripts/vif-fcapsule

# net_cfg NAME IMAGE CMDLINE IP MAC: xl config of an app VM with one vif.
net_cfg() {
	cat >/tmp/$1.cfg <<CFG
name = "$1"
type = "pv"
kernel = "$BUILD/apps/$2"
cmdline = "$3"
memory = 4
on_poweroff = "preserve"
on_crash = "preserve"
vif = ['bridge=$BR,ip=$4,mac=$5,script=$VIFSCRIPT']
CFG
}

for app in httpd echod; do
	t_check "$app image is built" test -s "$BUILD/apps/$app"
done

ip link add $BR type bridge 2>/dev/null
ip addr add 198.18.0.1/24 dev $BR 2>/dev/null
ip link set $BR up
t_check "bridge $BR is up with 198.18.0.1" \
	sh -c "ip -4 addr show $BR | grep -q 198.18.0.1/24"

net_cfg web-1 httpd "" 198.18.0.10 00:16:3e:fc:00:0a
start=$(date +%s.%N)
t_check "xl create httpd with a vif (fast hotplug script)" \
	xl create -q /tmp/web-1.cfg
end=$(date +%s.%N)
echo "# xl create with one vif took $(echo "$end - $start" | bc) s"
t_check "httpd's network is up with the vif's ip" \
	t_wait_console web-1 'FC-NET-UP 198.18.0.10/24' 60
t_check "httpd listens" t_wait_console web-1 'FC-HTTPD-READY web-1 port 80' 30
t_check "the vif is on the bridge" \
	sh -c "ip -o link show master $BR | grep -q vif"
t_check "hotplug-status is connected" sh -c \
	"xenstore-read /local/domain/0/backend/vif/\$(xl domid web-1)/0/hotplug-status | grep -qx connected"

t_check "ping 198.18.0.10 (ICMP echo by lwIP)" busybox ping -c 3 -W 5 198.18.0.10

page1=$(curl -s --max-time 20 http://198.18.0.10/)
echo "# page: $page1"
t_check "curl gets the page with request #1" \
	sh -c "echo '$page1' | grep -q 'FlexCapsule httpd on web-1: request #1'"
page2=$(curl -s --max-time 20 http://198.18.0.10/)
t_check "the counter increments (request #2)" \
	sh -c "echo '$page2' | grep -q 'request #2'"
# GNU wget (HTTP/1.1, keep-alive asked); busybox 1.35's wget segfaults
# here with -q or -T, whatever the server.
page3=$(wget -q -O - -T 20 http://198.18.0.10/)
t_check "wget gets request #3" \
	sh -c "echo '$page3' | grep -q 'request #3'"
hdr=$(curl -sI --max-time 20 http://198.18.0.10/)
t_check "HEAD gets 200 OK with Content-Length" \
	sh -c "echo '$hdr' | grep -q '^HTTP/1.0 200 OK' && echo '$hdr' | grep -qi '^Content-Length: '"

# Ten requests in a row and their time.
start=$(date +%s%N)
ok=0
for i in $(seq 1 10); do
	curl -s --max-time 20 http://198.18.0.10/ | grep -q "request #$((4 + i))" &&
		ok=$((ok + 1))
done
end=$(date +%s%N)
echo "# 10 sequential requests: $(((end - start) / 1000000)) ms"
t_check "10 sequential requests answered in order ($ok/10)" test "$ok" = 10

# echod: round trips, several clients, a bigger transfer.
net_cfg echo-1 echod "7777" 198.18.0.11 00:16:3e:fc:00:0b
t_check "xl create echod" xl create -q /tmp/echo-1.cfg
t_check "echod is ready" t_wait_console echo-1 'FC-ECHOD-READY port 7777' 60
t_check "echod's network is up" t_wait_console echo-1 'FC-NET-UP 198.18.0.11/24' 10
# echo_client FILE OUT: send FILE, half-close, read until echod closes.
echo_client() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import socket, sys, threading
data = open(sys.argv[1], 'rb').read()
s = socket.create_connection(('198.18.0.11', 7777), timeout=30)
def writer():
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
threading.Thread(target=writer).start()
out = b''
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
open(sys.argv[2], 'wb').write(out)
PY
}
echo "hello flexcapsule" >/tmp/e0
echo_client /tmp/e0 /tmp/e0.back
t_check "echo round trip" cmp /tmp/e0 /tmp/e0.back
echo one >/tmp/e1
echo two >/tmp/e2
echo_client /tmp/e1 /tmp/e1.back &
echo_client /tmp/e2 /tmp/e2.back &
wait
t_check "two clients at once" sh -c "cmp /tmp/e1 /tmp/e1.back && cmp /tmp/e2 /tmp/e2.back"
head -c 200000 /dev/urandom >/tmp/blob
start=$(date +%s%N)
echo_client /tmp/blob /tmp/blob.back
end=$(date +%s%N)
echo "# 200000 bytes echoed in $(((end - start) / 1000000)) ms"
t_check "200 KB echoed back intact" cmp /tmp/blob /tmp/blob.back
t_check "httpd still answers after echod's traffic" \
	sh -c "curl -s --max-time 20 http://198.18.0.10/ | grep -q 'request #15'"

# connect() from an app VM: echod in client mode against an echo server
# in Dom0 on 198.18.0.1:9000 (port 9001 is closed: refused).
/usr/bin/python3 - <<'PY' &
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('198.18.0.1', 9000))
s.listen(1)
s.settimeout(120)
c, _ = s.accept()
data = b''
while True:
    b = c.recv(4096)
    if not b:
        break
    data += b
c.sendall(data)
c.close()
PY
srv=$!
net_cfg cli-1 echod "connect 198.18.0.1 9000 hello-from-an-app-VM" \
	198.18.0.14 00:16:3e:fc:00:0e
t_check "xl create echod in client mode" xl create -q /tmp/cli-1.cfg
t_check "connect/send/shutdown/recv round trip to Dom0" \
	t_wait_console cli-1 '^FC-ECHO-REPLY hello-from-an-app-VM$' 90
t_check "non-blocking connect to a closed port: poll, SO_ERROR = ECONNREFUSED" \
	t_wait_console cli-1 '^FC-ECHO-REFUSED 111$' 30
t_check "client mode exits 0" t_wait_console cli-1 '^FC-EXIT 0' 30
xl destroy cli-1
kill $srv 2>/dev/null
wait $srv 2>/dev/null

# Eight clients at once (the listen backlog is 8).
for i in $(seq 1 8); do
	curl -s --max-time 30 -o /tmp/par-$i http://198.18.0.10/ &
done
wait
ok=0
for i in $(seq 1 8); do grep -q 'request #' /tmp/par-$i && ok=$((ok + 1)); done
t_check "8 parallel requests all answered ($ok/8)" test "$ok" = 8

# Request latency without process start-up: one Python client, 20 requests.
/usr/bin/python3 - <<'PY'
import socket, time
t = []
for i in range(20):
    a = time.monotonic()
    s = socket.create_connection(('198.18.0.10', 80), timeout=20)
    s.sendall(b'GET / HTTP/1.0\r\n\r\n')
    while s.recv(4096):
        pass
    s.close()
    t.append(time.monotonic() - a)
t.sort()
print('# 20 HTTP requests from one client: median %.1f ms, max %.1f ms'
      % (t[10] * 1000, t[-1] * 1000))
PY

# The address from data/fc-net (what the OS server writes) wins over the
# vif's ip key; a gateway comes with it.
net_cfg web-2 httpd "8080" 198.18.0.99 00:16:3e:fc:00:0c
start=$(date +%s.%N)
t_check "xl create -p httpd (paused)" xl create -q -p /tmp/web-2.cfg
end=$(date +%s.%N)
echo "# xl create -p with one vif and vif-fcapsule took $(echo "$end - $start" | bc) s"
id=$(xl domid web-2)
xenstore-write /local/domain/$id/data/fc-net "198.18.0.12/24 198.18.0.1"
xl unpause web-2
t_check "data/fc-net gives 198.18.0.12 with gateway 198.18.0.1" \
	t_wait_console web-2 'FC-NET-UP 198.18.0.12/24 gw 198.18.0.1 ' 60
t_check "httpd on port 8080 at 198.18.0.12 (cmdline port)" sh -c \
	"curl -s --max-time 20 http://198.18.0.12:8080/ | grep -q 'FlexCapsule httpd on web-2: request #1'"
t_check "xl destroy web-2" xl destroy web-2

# For docs/net.md: the same create with Debian's vif-bridge script.
sed -e 's/^name = .*/name = "web-3"/' -e "s|,script=$VIFSCRIPT||" \
	-e 's/ip=198.18.0.99/ip=198.18.0.13/' -e 's/00:0c/00:0d/' \
	/tmp/web-2.cfg >/tmp/web-3.cfg
start=$(date +%s.%N)
if xl create -q -p /tmp/web-3.cfg; then
	end=$(date +%s.%N)
	echo "# xl create -p with one vif and Debian's vif-bridge took $(echo "$end - $start" | bc) s"
fi
xl destroy web-3 2>/dev/null

grep -a '^net:' $CONSOLE_DIR/guest-web-1.log | sed 's/^/# web-1: /'

t_check "no crash in httpd" sh -c "! grep -q FC-CRASH $CONSOLE_DIR/guest-web-1.log"
t_check "no crash in echod" sh -c "! grep -q FC-CRASH $CONSOLE_DIR/guest-echo-1.log"

t_check "xl destroy httpd" xl destroy web-1
t_check "xl destroy echod" xl destroy echo-1
sleep 1
t_check "no vif left on the bridge" \
	sh -c "! ip -o link show master $BR | grep -q vif"
t_done
