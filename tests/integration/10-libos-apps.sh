#!/bin/bash
# timeout: 900
# Library-OS app VMs on real Xen: hello's output and exit code as Dom0 sees
# them, sleeper runs until xl destroy, a crash is reported, and 20 app VMs
# boot at once in 4 MB each.
. tests/integration/lib.sh

# app_cfg NAME IMAGE CMDLINE [MEMORY]: an xl config for a library-OS app.
app_cfg() {
	cat >/tmp/$1.cfg <<CFG
name = "$1"
type = "pv"
kernel = "$BUILD/apps/$2"
cmdline = "$3"
memory = ${4:-4}
on_poweroff = "preserve"
on_crash = "preserve"
CFG
}

for app in hello sleeper bootmark; do
	t_check "$app image is built" test -s "$BUILD/apps/$app"
done

app_cfg hello-1 hello "3 foo bar"
t_check "xl create hello (4 MB)" xl create -q /tmp/hello-1.cfg
t_check "hello prints its greeting" t_wait_console hello-1 'Hello from FlexCapsule OS' 60
t_check "hello sees its arguments" t_wait_console hello-1 'foo' 10
t_check "hello's exit code 3 reaches Dom0's console log" \
	t_wait_console hello-1 '^FC-EXIT 3' 30
state=
for _ in $(seq 50); do
	state=$(xl list hello-1 2>/dev/null | awk 'NR == 2 {print $5}')
	case "$state" in *s*) break ;; esac
	sleep 0.2
done
t_check "hello's domain has shut down (state '$state')" \
	sh -c "case '$state' in *s*) exit 0;; *) exit 1;; esac"
t_check "hello powered off rather than crashed (no 'c' in '$state')" \
	sh -c "case '$state' in *c*) exit 1;; *) exit 0;; esac"
xl destroy hello-1

app_cfg hello-0 hello ""
xl create -q /tmp/hello-0.cfg
t_check "hello without arguments exits 0" t_wait_console hello-0 '^FC-EXIT 0' 60
xl destroy hello-0

app_cfg sleeper-1 sleeper ""
t_check "xl create sleeper" xl create -q /tmp/sleeper-1.cfg
t_check "sleeper is ready" t_wait_console sleeper-1 'FC-SLEEPER-READY' 60
sleep 3
t_check "sleeper is still running after 3 s" \
	sh -c "xl list sleeper-1 | awk 'NR == 2 {exit (\$5 ~ /s/)}'"
t_check "sleeper does not spin (blocked, not running)" \
	sh -c "xl list sleeper-1 | awk 'NR == 2 {exit (\$5 !~ /b/)}'"
t_check "xl destroy sleeper" xl destroy sleeper-1
t_check "sleeper is gone" sh -c "! xl list sleeper-1 >/dev/null 2>&1"

app_cfg tiny hello "" 3
t_check "3 MB is refused by the domain builder (4 MB is the floor)" \
	sh -c "! xl create -q /tmp/tiny.cfg 2>/dev/null"
xl destroy tiny 2>/dev/null

# Twenty at once, all 4 MB.
for i in $(seq 1 20); do
	app_cfg many-$i sleeper "" 4
	xl create -q /tmp/many-$i.cfg &
done
wait
booted=0
for i in $(seq 1 20); do
	t_wait_console many-$i 'FC-SLEEPER-READY' 180 >/dev/null && booted=$((booted + 1))
done
t_check "20 app VMs booted at once ($booted/20)" test "$booted" = 20
t_check "20 app VMs are listed by xl" \
	test "$(xl list | grep -c '^many-')" = 20
for i in $(seq 1 20); do xl destroy many-$i; done
t_check "no app VM left" test "$(xl list | grep -c '^many-')" = 0
t_done
