#!/bin/bash
# timeout: 1800
# needs: deb/fcapsule-dkms_*_all.deb
# The Debian packages built from the tree (make deb, build/deb/) on a Xen
# host: apt-get installs them in Dom0, DKMS builds the module for the
# running Dom0 kernel, modprobe loads it, the installed tool runs an app
# VM from a manifest with its installed image and vif script, and the
# packages remove cleanly.  Dom0 here is not booted with systemd, so the
# unit's part (Type=notify, restart, journal) is not proved: the tool
# falls back to starting the OS server itself, as without the unit.
. tests/integration/lib.sh

DEB=$BUILD/deb
KVER=$(uname -r)
FC=/usr/sbin/fcapsule

pkg=$(ls "$DEB"/fcapsule_*_amd64.deb 2>/dev/null | head -n 1)
dkms_pkg=$(ls "$DEB"/fcapsule-dkms_*_all.deb 2>/dev/null | head -n 1)
if [ -z "$pkg" ] || [ -z "$dkms_pkg" ]; then
	# make test does not build them (a DKMS build under emulation is
	# slow): say so instead of failing
	t_pass "# SKIP no packages in $DEB (make deb first)"
	t_done
	exit 0
fi
cp "$pkg" "$dkms_pkg" /tmp/ # apt's _apt user reads them from there

# --- install: everything they need is already installed (there is no
# network).  Not --no-download: with it apt 2.6 takes a local .deb for an
# archive entry ("Pathname to install is not absolute").
start=$SECONDS
if DEBIAN_FRONTEND=noninteractive apt-get install -y \
	/tmp/"${dkms_pkg##*/}" /tmp/"${pkg##*/}" >/tmp/apt.log 2>&1; then
	t_pass "apt-get install ./fcapsule*.deb ($((SECONDS - start)) s)"
else
	t_fail "apt-get install ./fcapsule*.deb"
	sed 's/^/#   /' /tmp/apt.log | tail -n 40
	t_done
	exit 1
fi
t_check "DKMS built and installed the module for $KVER" \
	sh -c "dkms status fcapsule | grep -q '$KVER.*installed'"
t_check "it is in updates/dkms of $KVER" \
	test -e /lib/modules/$KVER/updates/dkms/fcapsule.ko
t_check "its alias is xen-backend:fcapsule" \
	sh -c "modinfo -F alias fcapsule | grep -qx xen-backend:fcapsule"
t_check "modprobe fcapsule" modprobe fcapsule
t_check "/dev/fcapsule exists" test -c /dev/fcapsule
t_check "the tool is /usr/sbin/fcapsule" test -x $FC
t_check "fcapsule --version" sh -c "$FC --version | grep -q '^fcapsule '"
t_check "man page installed" test -e /usr/share/man/man8/fcapsule.8.gz
t_check "bash completion installed" \
	test -e /usr/share/bash-completion/completions/fcapsule
t_check "the unit is installed" test -e /lib/systemd/system/fcapsule.service
t_check "the vif script is in /etc/xen/scripts" \
	test -x /etc/xen/scripts/vif-fcapsule
t_check "images in /usr/lib/fcapsule/images" \
	test -e /usr/lib/fcapsule/images/httpd

# --- run -f: the installed image and vif script, nothing of the tree
unset FC_IMAGE_DIR FC_VIF_SCRIPT
cat >/tmp/hello.cfg <<'EOF'
image = "hello"
name = "pkg-hello"
network = "on"
args = [ "5", "hello, world" ]
EOF
(cd / && $FC run -f /tmp/hello.cfg --wait >/tmp/run.out 2>&1)
rc=$?
sed 's/^/#   /' /tmp/run.out
t_check "run -f hello.cfg --wait exits with hello's code 5 (got $rc)" test $rc = 5
t_check "the argument with a space arrived whole" \
	t_wait_console pkg-hello 'argv\[2\] = "hello, world"' 5
t_check "the exit record is under /var/lib/fcapsule" \
	sh -c "grep -lx name=pkg-hello /var/lib/fcapsule/exited/* >/dev/null"
t_check "ps -a lists it exited(5)" \
	sh -c "$FC ps -a | grep -q 'pkg-hello.*exited(5)'"
t_check "rm forgets it" sh -c "$FC rm pkg-hello && ! $FC ps -a | grep -q pkg-hello"

id=$(cd / && $FC run -f /usr/share/doc/fcapsule/examples/sleeper.cfg \
	--name pkg-sl --memory 6 2>&1)
t_check "the example sleeper.cfg runs, named by the flag ($id)" \
	sh -c "$FC ps -q pkg-sl | grep -qx '$id'"
t_check "the flag's memory won (6 MB)" \
	sh -c "$FC inspect --json pkg-sl | grep -Eq '\"memory_kb\": (6144|7168)'"
$FC kill -s KILL pkg-sl
t_check "no app VM left" test "$($FC ps -q | wc -l)" = 0
kill "$(cat /run/fcapsule/serve.pid 2>/dev/null)" 2>/dev/null
sleep 0.5

# --- remove: nothing left behind
t_check "rmmod fcapsule" rmmod fcapsule
start=$SECONDS
if DEBIAN_FRONTEND=noninteractive apt-get purge -y fcapsule fcapsule-dkms \
	>/tmp/apt-rm.log 2>&1; then
	t_pass "apt-get purge fcapsule fcapsule-dkms ($((SECONDS - start)) s)"
else
	t_fail "apt-get purge"
	sed 's/^/#   /' /tmp/apt-rm.log | tail -n 20
fi
t_check "the module is gone from $KVER" \
	test ! -e /lib/modules/$KVER/updates/dkms/fcapsule.ko
t_check "the tool, script and images are gone" sh -c \
	"test ! -e $FC && test ! -e /etc/xen/scripts/vif-fcapsule && test ! -e /usr/lib/fcapsule"
t_check "no DKMS source left" sh -c "! ls -d /usr/src/fcapsule-* 2>/dev/null"
t_done
