#!/usr/bin/env bash
# The job of `./oxen machine boot -m MiB -w IMAGE` without OSGi, to size what Felix, SCR and Gogo
# cost a machine job (issue 16, cold start; docs/PERFORMANCE.md, "Start-up sized and cut"):
#   benchmarks/startup/flat.sh [java options] MiB IMAGE
# runs FlatBoot (beside this script: a plain main that builds the board as the x86.machine tests
# do) on a flat class path of the jars the lean launch installs (runtime/target/bundles/jar/, as
# runtime/target/launch/machine.properties names them), with the lean launch's JVM flags (C1 with
# its region and Semantics commands, read from runtime/launch.sh; the serial collector from a
# 16 MiB heap) and a dynamic AppCDS archive of its own, made by a first untimed run of the same
# image whenever FlatBoot or a jar changed. Compiled into runtime/target/flat/ (OXEN_RUNTIME
# chooses another built runtime). A benchmark, not a way to run oxen.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
LAUNCH_SH=$HERE/../../runtime/launch.sh
RT=$(cd "${OXEN_RUNTIME:-$HERE/../../runtime/target}" && pwd)
OUT=$RT/flat
PROPS=$RT/launch/machine.properties
[ -f "$PROPS" ] || { echo "flat.sh: no $PROPS: run ./oxen build first" >&2; exit 2; }
[ $# -ge 2 ] || { echo "usage: benchmarks/startup/flat.sh [java options] MiB IMAGE" >&2; exit 2; }

# the lean launch's JIT flags, from launch.sh itself (its REGIONS, C1 scaling and C1_CPU definitions)
LAUNCH=machine
eval "$(sed -n -e '/^REGIONS=/p' -e '/^case \$LAUNCH in machine) C1_SCALING=/p' -e '/^C1_CPU=(/,/)$/p' "$LAUNCH_SH")"
[ -n "${C1_SCALING:-}" ] || { echo "flat.sh: launch.sh's machine C1 scaling changed" >&2; exit 2; }
grep -q -- '-XX:+UseSerialGC -Xms16m' "$LAUNCH_SH" || { echo "flat.sh: launch.sh's machine heap flags changed" >&2; exit 2; }
JVM=(-XX:TieredStopAtLevel=1 "${C1_CPU[@]}" -XX:+UseSerialGC -Xms16m)

CP=$(sed -n 's/^launch\.bundles=//p' "$PROPS" | tr ',' '\n' | sed "s#^jar/#$RT/bundles/jar/#" | paste -sd:)
mkdir -p "$OUT"
JAR=$OUT/flatboot.jar
if [ ! -f "$JAR" ] || [ -n "$(find "$HERE/FlatBoot.java" "$RT/bundles/jar" -newer "$JAR" -print -quit)" ]; then
    rm -rf "$OUT/classes" "$OUT/flat.jsa"
    # -nowarn: the DS annotations' enums are not on this class path (class-retention only)
    javac -nowarn -d "$OUT/classes" -cp "$CP" "$HERE/FlatBoot.java" 2>/dev/null ||
        javac -d "$OUT/classes" -cp "$CP" "$HERE/FlatBoot.java"
    jar cf "$JAR" -C "$OUT/classes" .
fi
CP=$CP:$JAR
ARCHIVE=$OUT/flat.jsa
OPTS=("${@:1:$#-2}") ARGS=("${@:$#-1:2}")
if [ ! -f "$ARCHIVE" ]; then
    java -XX:ArchiveClassesAtExit="$ARCHIVE" "${JVM[@]}" -cp "$CP" FlatBoot "${ARGS[@]}" >"$OUT/training.log" 2>&1 ||
        { echo "flat.sh: the archive's training run failed (see $OUT/training.log)" >&2; rm -f "$ARCHIVE"; }
fi
CDS=(); [ -f "$ARCHIVE" ] && CDS=(-XX:SharedArchiveFile="$ARCHIVE")
exec java "${CDS[@]}" "${JVM[@]}" -Dfile.encoding=UTF-8 "${OPTS[@]}" -cp "$CP" FlatBoot "${ARGS[@]}"
