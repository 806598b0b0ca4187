#!/bin/bash
# NAPT benchmark, Dom0 side (run by scripts/bench-napt through
# scripts/fc-instance): one map element add vs one rule add at N existing
# mappings.  Usage: bench/napt.sh [COUNTS] [REPS]
# Writes $FC_JOB_OUT/napt.csv (every add) and napt.txt (the table).
set -eu
out=${FC_JOB_OUT:-/tmp}
modprobe -a nf_tables nft_nat nft_chain_nat
uname -r
build/bench/napt --counts "${1:-10,100,1000}" --reps "${2:-30}" \
	--csv "$out/napt.csv" | tee "$out/napt.txt"
