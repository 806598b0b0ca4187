#!/bin/bash
# timeout: 900
# fcapsule bench cap: apps/cpuloop (a fixed integer workload) to completion
# under credit caps 60..100 %; a lower cap must take longer.  The table is
# what docs/usage.md quotes.
. tests/integration/lib.sh

FC=$BUILD/usr/fcapsule
export FC_IMAGE_DIR=$BUILD/apps
ITER=${FC_BENCH_ITER:-20000000}

t_check "insmod fcapsule.ko" insmod "$KO"
t_check "cpuloop is built" test -f "$BUILD/apps/cpuloop"
# one run alone first: the workload finishes and says so
$FC run cpuloop --no-net --name cpuloop-check --wait -- 1000 >/dev/null
t_check "cpuloop exits 0" test $? = 0
t_check "cpuloop prints FC-CPULOOP-DONE" \
	t_wait_console cpuloop-check 'FC-CPULOOP-DONE 1000 ' 5
$FC bench --iterations "$ITER" cap | tee /tmp/bench.out
t_check "bench cap ran 5 caps" test "$(grep -cE '^ +(60|70|80|90|100) ' /tmp/bench.out)" = 5
t_check "runtime at cap 60 > at cap 100" \
	awk '$1 == 60 {a = $2} $1 == 100 {b = $2} END {exit !(a > b)}' /tmp/bench.out
t_check "no app VM left" test "$(xl list | wc -l)" = 2
t_done
