#!/bin/sh
# Peak resident memory and CPU time, whole process, of oxen beside QEMU TCG for the same guest.
# usage (from the repository root, after ./oxen build):
#   benchmarks/memory/rss.sh [OXEN_JAR ...]        default: runtime/target/oxen.jar
# Builds x86bench (empty image and mix 2000, paging on) into /tmp/oxen-rss, then for each jar:
#   machine boot -m 64 -w of each image (no demo domains), and the runtime with the demo domains
#   (runtime/domains: hello, cpubench) at its prompt for 8 s; then qemu-system-i386 -m 64 on
#   each image. Prints one line per run: what, wall, user, sys, peak RSS (KiB) from /usr/bin/time.
# Needs /usr/bin/time, gcc -m32, nasm, qemu-system-i386 (guests/setup-host.sh installs QEMU).
set -e
OUT=/tmp/oxen-rss
mkdir -p "$OUT"
cp -r "$(dirname "$0")/../x86bench/." "$OUT/"
(cd "$OUT" && make -s LOOP_ITERS=0 MIX_ROUNDS=0 PAGING=1 >/dev/null && make -s LOOP_ITERS=0 MIX_ROUNDS=2000 PAGING=1 >/dev/null)
[ $# -eq 0 ] && set -- runtime/target/oxen.jar
for jar in "$@"; do
    for img in L0_M0_P1 L0_M2000_P1; do
        /usr/bin/time -f "oxen $jar machine boot -m 64 $img: wall=%e user=%U sys=%S maxrss_kb=%M" \
            java -Doxen.domains.dir=none \
            -Dgosh.args="--nointeractive -c 'machine boot $OUT/out/bench_$img.elf -m 64 -w; stop 0'" \
            -jar "$jar" 2>&1 | tail -1
    done
    (sleep 8; echo "xl list"; sleep 1; echo "stop 0") | /usr/bin/time \
        -f "oxen $jar runtime with demo domains, 9 s: wall=%e user=%U sys=%S maxrss_kb=%M" \
        java -jar "$jar" 2>&1 | tail -1
done
for img in L0_M0_P1 L0_M2000_P1; do
    /usr/bin/time -f "qemu -m 64 $img: wall=%e user=%U sys=%S maxrss_kb=%M" qemu-system-i386 -accel tcg -m 64 \
        -nic none -kernel "$OUT/out/bench_$img.elf" -display none -monitor none -serial none -no-reboot \
        -debugcon file:/dev/null -device isa-debug-exit,iobase=0xf4,iosize=0x04 2>&1 | tail -1
done
