#!/bin/sh
# x86bench's loop and mix images three ways in one JVM per image (NativeBench: the JVM translator,
# the whole image through native regions with the interpreter for the rest, and for the loop
# image its workload_loop function alone natively), then QEMU TCG on the same images and on the
# empty image; ROUNDS rounds, alternating.
# Usage: benchmarks/native/run.sh [LOOP_ITERATIONS=100000000] [MIX_ROUNDS=2000] [RUNS_PER_JVM=3] [ROUNDS=2]
# With BASE_JAR=<an org.oxen.x86.cpu jar> each round also runs NativeBench on that jar's main
# classes (the same test classes: an older compiler beside this tree's), base and this tree
# alternating which goes first from round to round.
# Needs: the CPU bundle's test classes built (mvn -o test-compile -pl bundles/org.oxen.x86.cpu),
# gcc -m32, GNU ld, nasm (x86bench's Makefile), qemu-system-i386.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ITERS=${1:-100000000}
MIX=${2:-2000}
RUNS=${3:-3}
ROUNDS=${4:-2}
OUT=/tmp/oxen-native-bench
mkdir -p "$OUT"
cp -r "$ROOT/benchmarks/x86bench/." "$OUT/"
(cd "$OUT" && for lm in "$ITERS 0" "0 $MIX" "0 0"; do set -- $lm
    make -s LOOP_ITERS="$1" MIX_ROUNDS="$2" PAGING=1 >/dev/null 2>&1; done)
LOOP="$OUT/out/bench_L${ITERS}_M0_P1.elf"
MIXIMG="$OUT/out/bench_L0_M${MIX}_P1.elf"
EMPTY="$OUT/out/bench_L0_M0_P1.elf"
CPU="$ROOT/bundles/org.oxen.x86.cpu"
(cd "$ROOT" && mvn -B -q -o dependency:build-classpath -pl bundles/org.oxen.x86.cpu \
    -Dmdep.outputFile="$OUT/cp.txt" -Dmdep.includeScope=test >/dev/null)
CP="$CPU/target/test-classes:$CPU/target/classes:$(cat "$OUT/cp.txt")"
echo "date=$(date -u +%FT%TZ) load=$(cut -d' ' -f1-3 /proc/loadavg) loop=$ITERS mix=$MIX"
for round in $(seq 1 "$ROUNDS"); do
    echo "--- round $round"
    if [ -n "$BASE_JAR" ]; then
        BCP="$CPU/target/test-classes:$BASE_JAR:$(cat "$OUT/cp.txt")"
        if [ $((round % 2)) -eq 1 ]; then ORDER="base tree"; else ORDER="tree base"; fi
        for way in $ORDER; do
            if [ "$way" = base ]; then C="$BCP"; else C="$CP"; fi
            echo "[$way]"
            java -cp "$C" org.oxen.x86.cpu.internal.x64.NativeBench "$LOOP" "$RUNS" "$ITERS"
            java -cp "$C" org.oxen.x86.cpu.internal.x64.NativeBench "$MIXIMG" "$RUNS"
        done
    else
        java -cp "$CP" org.oxen.x86.cpu.internal.x64.NativeBench "$LOOP" "$RUNS" "$ITERS"
        java -cp "$CP" org.oxen.x86.cpu.internal.x64.NativeBench "$MIXIMG" "$RUNS"
    fi
    for img in "$LOOP" "$MIXIMG" "$EMPTY"; do
        /usr/bin/time -f "qemu $(basename "$img"): cpu_s=%U+%S wall_s=%e" qemu-system-i386 -accel tcg -m 64 \
            -nic none -kernel "$img" -display none -monitor none -serial none -no-reboot \
            -debugcon file:/dev/stdout -device isa-debug-exit,iobase=0xf4,iosize=0x04 2>&1 | grep -E '^(loop|mix)|qemu '
    done
    echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
done
