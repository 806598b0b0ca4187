#!/bin/bash
# IPC benchmark, Dom0 side (run by scripts/bench-ipc through
# scripts/fc-instance).
#   bench/ipc.sh [LAT_N N4K N64K XS_LAT_N XS_N4K XS_N64K PIPE_LAT_N]
# Two ipcbench app VMs (server, client) talk through fcapsule.ko's relay,
# then through bench/xsrelay (XenStore relay, the paper's path); then
# bench/pipebench measures a pipe between two Dom0 processes.  Writes
# $FC_JOB_OUT/{ipc.txt,pipe.txt,host.txt}.
set -eu
LAT_N=${1:-2000}
N4K=${2:-200}
N64K=${3:-20}
XS_LAT_N=${4:-200}
XS_N4K=${5:-20}
XS_N64K=${6:-3}
PIPE_LAT_N=${7:-10000}
out=${FC_JOB_OUT:-/tmp}
TOP=$PWD
BUILD=$TOP/build
. tests/integration/fcdev.sh

insmod fcapsule.ko
mkdir -p /run/fcimg
cp $BUILD/apps/ipcbench /run/fcimg/
start() { # NAME CMDLINE
	cat >/tmp/$1.cfg <<CFG
name = "$1"
kernel = "/run/fcimg/ipcbench"
cmdline = "$2"
memory = 8
CFG
	xl create -q -p /tmp/$1.cfg
	fc_attach_dev "$(fc_domid $1)"
}
start ipcsrv server
srv=$(fc_domid ipcsrv)
start ipccli "client $srv $LAT_N $N4K $N64K $XS_LAT_N $XS_N4K $XS_N64K"
cli=$(fc_domid ipccli)
build/usr/fcapsule ipc allow ipcsrv ipccli
$BUILD/bench/xsrelay "$srv" "$cli" &
relay=$!
xl unpause ipcsrv
xl unpause ipccli
log=/var/log/xen/console/guest-ipccli.log
for ((i = 0; i < 2400; i++)); do
	grep -qaE '^FC-IPCBENCH |^FC-EXIT' "$log" 2>/dev/null && break
	sleep 0.5
done
sleep 1
cat "$log" >&2
grep -a '^FC-IPCBENCH ' "$log" | tail -n 1 | tee "$out/ipc.txt"
build/usr/fcapsule ipc stat >&2 || true
kill $relay 2>/dev/null || true
xl destroy ipccli 2>/dev/null || true
xl destroy ipcsrv 2>/dev/null || true
$BUILD/bench/pipebench "$PIPE_LAT_N" "$((N4K * 10))" "$((N64K * 10))" |
	tee "$out/pipe.txt"
xl info | grep -E '^(xen_version|nr_cpus)' >"$out/host.txt"
grep -q 'lat_med=' "$out/ipc.txt"
