#!/usr/bin/env bash
# Whole-process A/B of two built oxen trees beside QEMU TCG, as a user runs each:
#   benchmarks/startup/ab.sh ROUNDS TREE_A TREE_B
# Per round and image, each tree's `./oxen machine boot IMAGE -m 64 -w` (order alternating by
# round), then qemu-system-i386 TCG on the same image. Prints CPU s (user + sys), wall s, peak
# RSS MiB per run and the guest's checksum line. Images (IMAGES=..., default empty, loop 1e8 and
# mix 2000) are the x86bench builds that cold.sh makes in /tmp/oxen-cold/out; each tree's
# start-up cache is built by two untimed runs first.
set -euo pipefail
ROUNDS=$1 A=$(cd "$2" && pwd) B=$(cd "$3" && pwd)
OUT=${OUT:-/tmp/oxen-cold}
IMAGES=${IMAGES:-"L0_M0_P1 L100000000_M0_P1 L0_M2000_P1"}
if [ ! -f "$OUT/out/bench_L0_M0_P1.elf" ]; then
    mkdir -p "$OUT" && cp -r "$(dirname "$0")/../x86bench/." "$OUT/"
    (cd "$OUT" && for img in $IMAGES; do
        l=${img#L}; l=${l%%_*}; m=${img#*_M}; m=${m%%_*}
        make -s LOOP_ITERS=$l MIX_ROUNDS=$m PAGING=1 >/dev/null 2>&1; done)
fi
one() { # LABEL command...
    local label=$1; shift
    local t; t=$(mktemp)
    local sum
    sum=$( { /usr/bin/time -f '%U %S %e %M' -o "$t" "$@" 2>&1 || true; } | grep -aoE 'result=[0-9a-f]{8}' | tr '\n' ' ' || true)
    read -r u s e m < <(tail -n 1 "$t"); rm -f "$t" # time writes "Command exited with non-zero status N" first for QEMU's isa-debug-exit
    printf '%-6s %-18s cpu %.2f wall %.2f rss %d MiB %s\n' "$label" "$img" "$(echo "$u + $s" | bc)" "$e" $((m / 1024)) "$sum"
}
for tree in "$A" "$B"; do for img in L0_M0_P1 L0_M0_P1; do (cd "$tree" && ./oxen machine boot "$OUT/out/bench_$img.elf" -m 64 -w >/dev/null 2>&1 || true); done; done
for r in $(seq 1 "$ROUNDS"); do
    echo "# round $r $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)"
    if [ $((r % 2)) -eq 1 ]; then order="A B"; else order="B A"; fi
    for img in $IMAGES; do
        for w in $order; do
            if [ "$w" = A ]; then tree=$A; else tree=$B; fi
            (cd "$tree" && one "$w" ./oxen machine boot "$OUT/out/bench_$img.elf" -m 64 -w)
        done
        one QEMU qemu-system-i386 -accel tcg -m 64 -nic none -kernel "$OUT/out/bench_$img.elf" -display none \
            -monitor none -serial stdio -no-reboot -debugcon file:/dev/null -device isa-debug-exit,iobase=0xf4,iosize=0x04
    done
done
