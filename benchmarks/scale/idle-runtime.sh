#!/bin/bash
# The scale run on the real runtime (issues 13, 22): N idle kit domains (sleeper blocked on a
# 10-minute timer, 4 MiB each) created by the runtime's main job from N xl.cfg files, then
# `xl list` timed while they idle, the process's resident set and CPU, and `xl destroy` of all.
# usage (from the repository root, after ./oxen build):
#   benchmarks/scale/idle-runtime.sh [N] [OXEN_JAR]      defaults: 1000 runtime/target/oxen.jar
#   (OXEN_JAVA_OPTS: more JVM options, e.g. "-XX:MaxHeapFreeRatio=20 -XX:MinHeapFreeRatio=10")
# Prints one line per phase with wall-clock seconds since start; figures go to docs/PERFORMANCE.md.
set -euo pipefail
N=${1:-1000}
JAR=${2:-runtime/target/oxen.jar}
W=/tmp/oxen-scale
rm -rf "$W"; mkdir -p "$W/domains"
for i in $(seq 1 "$N"); do
    printf 'name = "idle%d"\nkernel = "guest:sleeper"\nmemory = 4\nextra = "count=1 period_us=600000000"\non_poweroff = "destroy"\n' \
        "$i" > "$W/domains/idle$i.cfg"
done
MEM=$((N * 5 + 256))                       # MiB of machine memory: 4 MiB + Xen's frames a domain, and room
XMX=$((MEM + MEM / 32 + 384))              # the pool and its frame table fit the heap (oxen.memory.mib's check)
mkfifo "$W/in"
T0=$(date +%s.%N)
# one process stamps every line (a fork per line would cost more than the lines' own pace)
stamp() { python3 -u -c 'import sys, time
t0 = float(sys.argv[1])
for l in sys.stdin:
    sys.stdout.write("%.3f %s" % (time.time() - t0, l))' "$T0"; }
java ${OXEN_JAVA_OPTS:-} -Xmx${XMX}m -Doxen.memory.mib=$MEM -Doxen.domains.dir="$W/domains" -jar "$JAR" < "$W/in" 2>&1 | stamp > "$W/out" &
exec 3> "$W/in"
sleep 2
PID=$(pgrep -n -f "oxen.domains.dir=$W/domains" || true)
cpu() { awk '{print $14 + $15}' /proc/$PID/stat; }          # utime + stime, clock ticks
rss() { awk '/VmRSS/ {print $2}' /proc/$PID/status; }        # KiB
HZ=$(getconf CLK_TCK)
# wait until every domain is listed blocked
k=0
while :; do
    k=$((k + 1))
    echo "echo LIST-BEGIN-$k; xl list; echo LIST-END-$k" >&3
    for _ in $(seq 1 600); do grep -q "LIST-END-$k\$" "$W/out" && break; sleep 0.5; done
    b=$(sed -n "/LIST-BEGIN-$k\$/,/LIST-END-$k\$/p" "$W/out" | grep -c ' idle[0-9]* .* -b----' || true)
    [ "$b" -ge "$N" ] && break
    sleep 3
done
BLOCKED=$(grep "LIST-END-$k\$" "$W/out" | cut -d' ' -f1)
echo "all $N blocked at ${BLOCKED} s after start (xl list polls: $k)"
sleep 5
c0=$(cpu); t0=$(date +%s.%N); sleep 10; c1=$(cpu); t1=$(date +%s.%N)
jcmd $PID GC.class_histogram > "$W/histogram.txt" 2>&1 || true     # (forces a full GC)
echo "heap after GC: $(jcmd $PID GC.heap_info 2>/dev/null | awk '/used/ {print; exit}')"
echo "idle: RSS $(( $(rss) / 1024 )) MiB; host CPU $(echo "scale=2; 100 * ($c1 - $c0) / $HZ / ($t1 - $t0)" | bc)% of one core over 10 s"
for j in 1 2 3 4 5; do
    m=$((k + j))
    echo "echo LIST-BEGIN-$m; xl list; echo LIST-END-$m" >&3
    for _ in $(seq 1 600); do grep -q "LIST-END-$m\$" "$W/out" && break; sleep 0.2; done
    a=$(grep "LIST-BEGIN-$m\$" "$W/out" | cut -d' ' -f1); e=$(grep "LIST-END-$m\$" "$W/out" | cut -d' ' -f1)
    echo "xl list of $((N + 1)) domains: $(echo "($e - $a) * 1000" | bc) ms (BEGIN to END line of the output)"
done
echo "echo DESTROY-BEGIN" >&3
for i in $(seq 1 "$N"); do echo "xl destroy idle$i" >&3; done
echo "echo DESTROY-END; xl list; echo LIST-AFTER" >&3
for _ in $(seq 1 1200); do grep -q "LIST-AFTER\$" "$W/out" && break; sleep 0.5; done
a=$(grep "DESTROY-BEGIN\$" "$W/out" | cut -d' ' -f1); e=$(grep "DESTROY-END\$" "$W/out" | cut -d' ' -f1)
echo "destroyed $N in $(echo "$e - $a" | bc) s; RSS after $(( $(rss) / 1024 )) MiB"
sed -n '/DESTROY-END$/,/LIST-AFTER$/p' "$W/out" | sed 's/\(g! \)\{2,\}//' | head -5
echo "stop 0" >&3
exec 3>&-
wait || true
grep -iE "error|exception" "$W/out" | head -5 || true
