#!/usr/bin/env bash
# Resident memory of runtimes whose domains and machines end: peak and final RSS, per tree, alternating.
# usage (from anywhere, after a full build of each tree):
#   benchmarks/memory/release.sh ROUNDS TREE...
# Per round and tree:
#   domains:  the runtime (runtime/launch.sh, no demo domains) creates 50 PV domains of the guest
#             kit's hello, 16 MiB each (xl create; each runs to its poweroff and is destroyed), then
#             `xl destroy`s whatever is left;
#   machines: the lean machine launch (runtime/launch.sh --machine) boots 50 machines one after
#             the other, each `machine boot -w -m 64 memtouch.elf` (memtouch.S here: the guest
#             writes 32 MiB of its RAM, nothing lands in the Java heap), and `machine remove`s each;
# and for both, one `machine boot -m 64 -w` of memtouch beside qemu-system-i386 -m 64 on the
# same image (whole-process peak RSS, as benchmarks/memory/rss.sh). Needs gcc -m32, ld, qemu.
# Prints per run: CPU s (user+sys), peak RSS (/usr/bin/time %M) and final RSS (VmRSS of the JVM
# read from /proc after the last command's output, before `stop 0`), KiB.
set -uo pipefail
rounds=$1; shift
W=$(mktemp -d /tmp/oxen-release.XXXXXX)
gcc -m32 -c "$(dirname "$0")/memtouch.S" -o "$W/memtouch.o" && ld -m elf_i386 -Ttext 0x100000 -e _start "$W/memtouch.o" -o "$W/memtouch.elf"
MIX=$W/memtouch.elf
: > "$W/domains.gosh"; : > "$W/machines.gosh"
for i in $(seq 50); do
    printf 'name = "d%d"\nkernel = "guest:hello"\nmemory = 16\n' "$i" > "$W/d$i.cfg"
    echo "xl create -q $W/d$i.cfg" >> "$W/domains.gosh"
    echo "machine boot -w -m 64 $MIX" >> "$W/machines.gosh"
    echo "machine remove $i" >> "$W/machines.gosh"
done
for i in $(seq 50); do echo "xl destroy d$i" >> "$W/domains.gosh"; done

run() { # TREE KIND
    local t=$1 kind=$2 tok=rr$RANDOM$RANDOM in=$W/in out=$W/out
    rm -f "$in"; mkfifo "$in"
    local opts=(-Dorg.osgi.service.http.port=0 -Doxen.domains.dir=none -Drelease.token=$tok)
    [ "$kind" = machines ] && opts=(--machine "${opts[@]}")
    (cd "$t" && /usr/bin/time -o "$W/time" -f "%U %S %M" runtime/launch.sh "${opts[@]}" < "$in" > "$out" 2>&1) &
    local bg=$!
    exec 3>"$in"
    cat "$W/$kind.gosh" >&3
    echo "echo RELEASE-MARK" >&3
    for _ in $(seq 1200); do grep -q 'RELEASE-MARK' "$out" && break; sleep 0.5; done
    sleep 2
    local pid final
    pid=$(pgrep -f "^[^ ]*java .*release.token=$tok" | head -1)
    final=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    echo "stop 0" >&3; exec 3>&-
    wait $bg || true
    read -r u s m < <(tail -1 "$W/time") # (a first line says a non-zero exit status)
    echo "$(basename "$t") $kind: cpu_s=$(echo "$u + $s" | bc) peak_kib=$m final_kib=$final errors=$(grep -c -i 'error\|exception' "$out" || true)"
}
mix() { # TREE
    (cd "$1" && /usr/bin/time -f "$(basename "$1") machine boot -m 64 memtouch: cpu_s=%U+%S peak_kib=%M" \
        runtime/launch.sh --machine -Doxen.domains.dir=none -Dorg.osgi.service.http.port=0 \
        -Dgosh.args="--nointeractive -c 'machine boot $MIX -m 64 -w; stop 0'" 2>&1 | grep -E 'cpu_s' )
}
for r in $(seq "$rounds"); do
    echo "== round $r $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    for kind in domains machines; do for t in "$@"; do run "$t" $kind; done; done
    if [ -f "$MIX" ]; then
        for t in "$@"; do mix "$t"; done
        /usr/bin/time -f "qemu -m 64 memtouch: cpu_s=%U+%S peak_kib=%M" qemu-system-i386 -accel tcg -m 64 -nic none \
            -kernel "$MIX" -display none -monitor none -serial none -no-reboot -debugcon file:/dev/null \
            -device isa-debug-exit,iobase=0xf4,iosize=0x04 2>&1 | grep cpu_s
    fi
done
rm -rf "$W"
