#!/bin/sh
# x86bench's loop kernel: the JVM translator (whole loop image, warm runs) and the native backend
# (the image's workload_loop compiled to x86-64 by internal.x64.NativeRegionCompiler) in one JVM,
# then QEMU TCG on the same image and on the empty image, ROUNDS times alternating.
# Usage: benchmarks/native/run.sh [ITERATIONS=100000000] [RUNS_PER_JVM=4] [ROUNDS=2]
# Needs: the CPU bundle's test classes built (mvn -o test-compile -pl bundles/org.oxen.x86.cpu),
# gcc -m32, GNU ld, nasm (x86bench's Makefile), qemu-system-i386.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ITERS=${1:-100000000}
RUNS=${2:-4}
ROUNDS=${3:-2}
OUT=/tmp/oxen-native-bench
mkdir -p "$OUT"
cp -r "$ROOT/benchmarks/x86bench/." "$OUT/"
(cd "$OUT" && make -s LOOP_ITERS="$ITERS" MIX_ROUNDS=0 PAGING=1 >/dev/null 2>&1 \
    && make -s LOOP_ITERS=0 MIX_ROUNDS=0 PAGING=1 >/dev/null 2>&1)
LOOP="$OUT/out/bench_L${ITERS}_M0_P1.elf"
EMPTY="$OUT/out/bench_L0_M0_P1.elf"
CPU="$ROOT/bundles/org.oxen.x86.cpu"
(cd "$ROOT" && mvn -B -q -o dependency:build-classpath -pl bundles/org.oxen.x86.cpu \
    -Dmdep.outputFile="$OUT/cp.txt" -Dmdep.includeScope=test >/dev/null)
CP="$CPU/target/test-classes:$CPU/target/classes:$(cat "$OUT/cp.txt")"
echo "date=$(date -u +%FT%TZ) load=$(cut -d' ' -f1-3 /proc/loadavg) iterations=$ITERS"
for round in $(seq 1 "$ROUNDS"); do
    echo "--- round $round"
    java -cp "$CP" org.oxen.x86.cpu.internal.x64.NativeLoopBench "$LOOP" "$ITERS" "$RUNS"
    for img in "$LOOP" "$EMPTY"; do
        /usr/bin/time -f "qemu $(basename "$img"): cpu_s=%U+%S wall_s=%e" qemu-system-i386 -accel tcg -m 64 \
            -nic none -kernel "$img" -display none -monitor none -serial none -no-reboot \
            -debugcon file:/dev/stdout -device isa-debug-exit,iobase=0xf4,iosize=0x04 2>&1 | grep -E '^loop|qemu '
    done
    echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
done
