#!/bin/sh
# Builds x86bench (benchmarks/x86bench) into a private copy (idempotent: make rebuilds only what changed).
# usage: build-x86bench.sh SRC_DIR OUT_DIR LOOP_ITERS MIX_ROUNDS [PAGING]
# Needs gcc with -m32 (gcc-multilib), GNU ld and nasm (apt-get install -y nasm gcc-multilib).
set -e
SRC=$1; OUT=$2; LOOP=$3; MIX=$4; PAGING=${5:-1}
mkdir -p "$OUT"
for f in Makefile entry.S kmain.c link.ld native.c rom.asm workload.c; do
  cmp -s "$SRC/$f" "$OUT/$f" || cp "$SRC/$f" "$OUT/$f"
done
cd "$OUT"
make -s "out/bench_L${LOOP}_M${MIX}_P${PAGING}.elf" LOOP_ITERS="$LOOP" MIX_ROUNDS="$MIX" PAGING="$PAGING" >/dev/null
echo "$OUT/out/bench_L${LOOP}_M${MIX}_P${PAGING}.elf"
