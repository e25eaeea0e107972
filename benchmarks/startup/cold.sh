#!/bin/bash
# Whole-process cost of oxen from the command line beside QEMU TCG, in one run (issue 16, cold start).
# usage (from the repository root, after ./oxen build):  benchmarks/startup/cold.sh [ROUNDS]
#
# Builds x86bench (paging on: empty, loop 1e8, mix 2000) into /tmp/oxen-cold, then per round:
#   for each way of starting oxen (below), `machine boot -m 64 -w` of each image (no demo
#   domains) and the runtime with its demo domains (runtime/domains) to the Gogo prompt, kept
#   there 8 s; then qemu-system-i386 -m 64 (TCG) on each image.
# Ways of starting oxen (WAYS="..." chooses some; default: all):
#   jar          java -jar runtime/target/oxen.jar with the PATH's java (17): what ./oxen run ran before
#   launch       runtime/launch.sh as ./oxen run/start use it (the PATH's java, 17: its AppCDS
#                archive, the launcher's default JIT: C1 only since session 10)
#   launch-c1    the same with OXEN_JIT=c1 (C1 only)
#   launch-late  the same with OXEN_JIT=late (tiered, C2 late: the runtime's default before)
#   launch25     runtime/launch.sh with OXEN_JAVA=$JDK25 (Temurin 25: its AOT cache, C1 only)
#   launch25-c2  the same with OXEN_JIT=full (tiered C2, the JVM's thresholds)
#   machine      runtime/launch.sh --machine as ./oxen machine boot uses it (the lean launch: no
#                hypervisor; its own AppCDS archive; the launcher's default JIT for it: C1 only,
#                serial GC), as a job (-Doxen.job=...: no Gogo shell); no prompt run
#   machine-gogo the same launch running the command from a Gogo script (-Dgosh.args=...: Gogo
#                started, as ./oxen machine did before session 16)
#   machine25    the same with OXEN_JAVA=$JDK25 (Temurin 25: its AOT cache, C1 only)
#   machine-late the same with OXEN_JIT=late (tiered, C2 late)
#   machine-full the same with OXEN_JIT=full (tiered C2, the JVM's thresholds)
#   flat         the same job without OSGi: benchmarks/startup/flat.sh (FlatBoot's plain main on a
#                flat class path of the lean launch's jars, its JVM flags, an archive of its own);
#                a benchmark of the start-up's floor, not a way to run oxen; not in the default
# IMAGES="..." chooses the x86bench images (L<loop>_M<mix>_P1, built here; default: empty,
# loop 1e8, mix 2000), e.g. IMAGES="L0_M20000_P1" for a long run.
# Prints one line per run: CPU s (user+sys), wall s, peak RSS MiB (/usr/bin/time), and for the
# prompt runs the time and CPU from exec to the first "g! " (read from /proc at that moment).
# The start-up caches are built before the first round (not timed).
set -e
ROUNDS=${1:-1}
OUT=/tmp/oxen-cold
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
cp -r "$(dirname "$0")/../x86bench/." "$OUT/"
IMAGES=${IMAGES:-"L0_M0_P1 L100000000_M0_P1 L0_M2000_P1"}
WAYS=${WAYS:-"jar launch launch-c1 launch25 launch25-c2 machine machine25 machine-late machine-full"}
(cd "$OUT" && for img in $IMAGES; do
    l=${img#L}; l=${l%%_*}; m=${img#*_M}; m=${m%%_*}
    make -s LOOP_ITERS=$l MIX_ROUNDS=$m PAGING=1 >/dev/null 2>&1; done)

oxen() { # WAY java-options...
    local way=$1; shift
    case $way in
        jar) exec java -Dfile.encoding=UTF-8 "$@" -jar runtime/target/oxen.jar ;;
        launch) exec runtime/launch.sh "$@" ;;
        launch-c1) OXEN_JIT=c1 exec runtime/launch.sh "$@" ;;
        launch-late) OXEN_JIT=late exec runtime/launch.sh "$@" ;;
        launch25) OXEN_JAVA=$JDK25 OXEN_JIT=c1 exec runtime/launch.sh "$@" ;;
        launch25-c2) OXEN_JAVA=$JDK25 OXEN_JIT=full exec runtime/launch.sh "$@" ;;
        machine) exec runtime/launch.sh --machine "$@" ;;
        machine-gogo) exec runtime/launch.sh --machine "$@" ;;
        machine25) OXEN_JAVA=$JDK25 exec runtime/launch.sh --machine "$@" ;;
        machine-late) OXEN_JIT=late exec runtime/launch.sh --machine "$@" ;;
        machine-full) OXEN_JIT=full exec runtime/launch.sh --machine "$@" ;;
    esac
}
export -f oxen
export JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}

# the caches, once (each way's own: the JDK and the JIT flags are part of a cache's key)
for way in $WAYS; do
    [ "$way" = jar ] && continue
    [ "$way" = flat ] && { for img in $IMAGES; do "$HERE/flat.sh" 64 "$OUT/out/bench_$img.elf" >/dev/null 2>&1; done; continue; }
    (oxen $way -Doxen.domains.dir=none -Dorg.osgi.service.http.port=0 \
        -Dgosh.args="--nointeractive -c 'stop 0'" >/dev/null 2>&1)
done

prompt() { # WAY: exec to the first "g! " with the demo domains; then 8 s at the prompt
    python3 - "$1" <<'EOF'
import os, subprocess, sys, time
way = sys.argv[1]
t0 = time.monotonic()
p = subprocess.Popen(["bash", "-c", 'oxen "$0" -Dorg.osgi.service.http.port=0', way],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
tick = os.sysconf("SC_CLK_TCK")
def cpu(pid):  # the java process: bash execs launch.sh, which execs java
    with open(f"/proc/{pid}/stat") as f:
        st = f.read().rsplit(")", 1)[1].split()
    return (int(st[11]) + int(st[12])) / tick
buf = b""
while b"g! " not in buf:
    c = p.stdout.read1(4096) if hasattr(p.stdout, "read1") else p.stdout.read(1)
    if not c:
        break
    buf += c
t1 = time.monotonic()
c1 = cpu(p.pid)
time.sleep(8)
p.stdin.write(b"xl list\n"); p.stdin.flush(); time.sleep(1)
p.stdin.write(b"stop 0\n"); p.stdin.flush()
p.wait()
import resource
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"oxen {way} start to prompt (demo domains): prompt_s={t1 - t0:.2f} prompt_cpu_s={c1:.2f} "
      f"then 9 s at the prompt: cpu_s={r.ru_utime + r.ru_stime:.2f} maxrss_mib={r.ru_maxrss // 1024}")
EOF
}

for round in $(seq "$ROUNDS"); do
    echo "== round $round ($(date -u +%H:%M) UTC, load $(cut -d' ' -f1-3 /proc/loadavg))"
    for way in $WAYS; do
        for img in $IMAGES; do
            if [ "$way" = flat ]; then
                /usr/bin/time -f "oxen flat (no OSGi) -m 64 $img: cpu_s=%U+%S wall_s=%e maxrss_kib=%M" \
                    "$HERE/flat.sh" 64 "$OUT/out/bench_$img.elf" 2>&1 | grep -E "^(loop|mix) |cpu_s=" | tr '\n' ' '
                echo
                continue
            fi
            case $way in
            machine | machine25 | machine-late | machine-full) # a job, as ./oxen machine boot runs it (no Gogo)
                /usr/bin/time -f "oxen $way machine boot -m 64 $img: cpu_s=%U+%S wall_s=%e maxrss_kib=%M" \
                    bash -c 'oxen "$0" "-Doxen.job=machine${2}boot${2}$1${2}-m${2}64${2}-w"' \
                    "$way" "$OUT/out/bench_$img.elf" $'\x1f' 2>&1 | grep -E "^(loop|mix) |cpu_s=" | tr '\n' ' ' ;;
            *)
                /usr/bin/time -f "oxen $way machine boot -m 64 $img: cpu_s=%U+%S wall_s=%e maxrss_kib=%M" \
                    bash -c 'oxen "$0" -Doxen.domains.dir=none -Dorg.osgi.service.http.port=0 \
                        -Dgosh.args="--nointeractive -c '"'"'machine boot $1 -m 64 -w; stop 0'"'"'"' \
                        "$way" "$OUT/out/bench_$img.elf" 2>&1 | grep -E "^(loop|mix) |cpu_s=" | tr '\n' ' ' ;;
            esac
            echo
        done
        case $way in machine* | flat) ;; *) prompt $way ;; esac
    done
    for img in $IMAGES; do
        /usr/bin/time -f "qemu -m 64 $img: cpu_s=%U+%S wall_s=%e maxrss_kib=%M" qemu-system-i386 -accel tcg -m 64 \
            -nic none -kernel "$OUT/out/bench_$img.elf" -display none -monitor none -serial none -no-reboot \
            -debugcon file:/dev/null -device isa-debug-exit,iobase=0xf4,iosize=0x04 2>&1 | tail -1
    done
done
