#!/usr/bin/env bash
# runtime/launch.sh [--machine] [java options] — start the built runtime (runtime/target) at its
# Gogo prompt, as `java [java options] -jar runtime/target/oxen.jar` does, with a cheaper start:
#
#  - what is launched: the whole runtime (oxen.bndrun), or with --machine the lean launch of a
#    machine job (machine.bndrun: the shell, the board, its devices, the CPU and the `machine`
#    command, no hypervisor; `./oxen machine ...` uses it), each with its own cache; a
#    -Doxen.job=... option makes the machine launch run that one command as a job, without Gogo
#    (below, "A job");
#  - the launcher: bnd's for the runtime; for the machine launch oxen's Connect launcher
#    (runtime/launcher), every bundle's classes from the application class loader (below);
#  - the JDK: $OXEN_JAVA if set; else for the machine launch the newest JDK 25 or later under
#    $OXEN_JDKS (default /usr/lib/jvm), whose AOT cache holds the Connect launch's classes linked
#    (docs/PERFORMANCE.md, "Start-up cut IV"); else `java` on the PATH (17 or later), which the
#    runtime always uses (JDK 25 under bnd's launcher was measured no cheaper than 17 and holds
#    more memory: "Cold start", "Start-up cut II");
#  - a class-data cache of the runtime's classes (JDK 25+: an AOT cache, JEP 483/514/515, with
#    the classes loaded and linked; JDK 17-24: a dynamic AppCDS archive), built by one short
#    training run the first time and again whenever the JDK, the launcher or a bundle changed
#    (a key of their paths, sizes and times, beside the cache), or the cache file itself was
#    changed since it was built (its CRC); a cache that cannot be built or used is said on stderr and the
#    runtime starts without it;
#  - Felix's framework storage (the installed bundles, SCR's parsed component descriptors) kept
#    beside the cache between starts, each start from the state the training left (below, "the
#    kept framework storage");
#  - the JIT flags (OXEN_JIT), chosen by the run's expected length (docs/PERFORMANCE.md, "Cold
#    start"): C1 only (c1; the translator's regions compiled early and waited for, the CPU's
#    Semantics inlined into them whatever its size: below) costs
#    least for runs of a few seconds to ~20 s of CPU (x86bench mix 8000, 1.2e10 guest
#    instructions, session 10), long runs more (C1's code is ~1.5x slower warm); tiered with C2
#    kept for the hottest code (late: C2's thresholds raised 3-30x) pays C2's compiles of the
#    regions (up to 6 KB of bytecode each) first: ~2.3x C1's CPU on mix 2000, 1.2x on mix 8000;
#    the JVM's own thresholds (full) cost more still. Default: c1 (the runtime too: with the
#    demo domains 2.4 s of CPU to the prompt against 3.3 s with late, mix 2000 6.2 s against 14.1);
#
# bnd's launcher runs from runtime/target/launch/ (extracted by the build) with the bundles named
# by path (launch.embedded=false), not from oxen.jar: the JVM refuses a class-data cache when a
# non-empty directory (oxen.jar's Class-Path: bundles/) is on the class path. Bundles are
# installed by reference from runtime/target/bundles/jar/ as with oxen.jar.
#
# Environment: OXEN_JAVA (a java binary), OXEN_JDKS (where the machine launch looks for a JDK 25+), OXEN_JIT=c1|late|full, OXEN_STARTUP_CACHE=off (no cache),
# OXEN_RUNTIME (the built runtime directory; default runtime/target beside this script),
# OXEN_CACHE_DIR (where the cache lives; default $OXEN_RUNTIME/cache).
set -euo pipefail

LAUNCH=oxen
[ "${1:-}" = --machine ] && { LAUNCH=machine; shift; }
# (a start runs few programs besides java: each costs a fork and an exec, ~1-2 ms of CPU, so
# paths and files are handled with bash's own expansions and reads where they can be)
HERE=.; [[ $0 == */* ]] && HERE=${0%/*}
RT=${OXEN_RUNTIME:-$HERE/target}
RT=$(cd "$RT" && pwd)
CACHE=${OXEN_CACHE_DIR:-$RT/cache}
say() { printf 'oxen: %s\n' "$*" >&2; }
# FILE's whole text into the variable named VAR (a builtin read: no cat)
slurp() { IFS= read -r -d '' "$1" < "$2" || true; }
# TEXT into FILE unless FILE holds it already (through a temporary file and mv, so a start
# beside this one never reads half of it)
put_file() { # FILE TEXT
    local old=
    [ -f "$1" ] && slurp old "$1"
    [ "$old" == "$2" ] && return 0
    printf '%s' "$2" > "$1.$$" && mv -f "$1.$$" "$1"
}

[ -f "$RT/oxen.jar" ] && [ -d "$RT/launch" ] && [ -d "$RT/bundles/jar" ] || {
    say "no built runtime in $RT (oxen.jar, launch/, bundles/jar/): run ./oxen build first"
    exit 2
}

# --- the JDK ----------------------------------------------------------------------------------
# the JDK home of a java binary (HOME/bin/java: java_home of its real path) and its major
# version: from the JDK's release file, else from -version
java_home() { local d=${1%/*}; echo "${d%/*}"; }
java_major() { # JAVA
    local real rel line v=
    real=$(readlink -f "$1")
    rel=$(java_home "$real")/release
    if [ -f "$rel" ]; then
        while IFS= read -r line; do
            [[ $line =~ ^JAVA_VERSION=\"([0-9]+) ]] && v=${BASH_REMATCH[1]}
        done < "$rel"
    else
        v=$("$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
    fi
    echo "${v:-0}"
}

# The JDK: $OXEN_JAVA; else, for the machine launch, the newest JDK 25 or later installed under
# $OXEN_JDKS (default /usr/lib/jvm), whose AOT cache holds the Connect launch's classes loaded
# and linked (below, "the launcher"; docs/PERFORMANCE.md, "Start-up cut IV": ~0.25 s less CPU per
# job than JDK 17's AppCDS archive under bnd's launcher); else java on the PATH (17 or later).
# (read from each JDK's release file, no program run per JDK)
AOT_MIN=25
newest_jdk() { # sets NEWEST to the newest $OXEN_JDKS/*/bin/java of Java $1 or later, or ''
    local j line v best=0
    NEWEST=
    for j in "${OXEN_JDKS:-/usr/lib/jvm}"/*/bin/java; do
        [ -x "$j" ] && [ -f "${j%/bin/java}/release" ] || continue
        v=0
        while IFS= read -r line; do
            [[ $line =~ ^JAVA_VERSION=\"([0-9]+) ]] && v=${BASH_REMATCH[1]}
        done < "${j%/bin/java}/release"
        [ "$v" -ge "$1" ] && [ "$v" -gt "$best" ] && { best=$v; NEWEST=$j; }
    done
}
JAVA=${OXEN_JAVA:-}
if [ -z "$JAVA" ] && [ "$LAUNCH" = machine ]; then
    newest_jdk "$AOT_MIN"; JAVA=$NEWEST
fi
[ -n "$JAVA" ] || JAVA=$(command -v java || true)
[ -n "$JAVA" ] && [ -x "$JAVA" ] || { say "no java found (install a JDK 17 or later, or set OXEN_JAVA)"; exit 2; }
JAVA_REAL=$(readlink -f "$JAVA")
MAJOR=$(java_major "$JAVA")
[ "$MAJOR" -ge 17 ] || { say "$JAVA is Java $MAJOR; oxen needs 17 or later"; exit 2; }

# --- the launcher -----------------------------------------------------------------------------
# The runtime: bnd's launcher (the exported oxen.jar's) with Felix on the class path, the bundles
# each with its own class loader. The machine launch: oxen's Connect launcher
# (runtime/launcher: the same launcher properties, Felix through OSGi Connect) with every bundle
# jar on the class path, their classes loaded by the application class loader, so the class-data
# cache below holds them, and on JDK 25 their linked classes, lambdas and string concatenations,
# as it holds the JDK's (docs/PERFORMANCE.md, "Start-up cut IV").
LAUNCHER=("$RT"/launch/biz.aQute.launcher-*.jar); LAUNCHER=${LAUNCHER[0]}
FRAMEWORK=("$RT"/launch/org.apache.felix.framework-*.jar); FRAMEWORK=${FRAMEWORK[0]}
if [ "$LAUNCH" = machine ]; then
    LAUNCHER=$RT/launch/oxen-connect-launcher.jar MAIN=org.oxen.launcher.ConnectLauncher
    [ -f "$LAUNCHER" ] || { say "no $LAUNCHER in the built runtime: run ./oxen build first"; exit 2; }
else
    MAIN=aQute.launcher.Launcher
fi
CP=$LAUNCHER:$FRAMEWORK
[ -d "$CACHE" ] || mkdir -p "$CACHE"
# the exported launcher properties (oxen.jar's, or machine.jar's for --machine) with the bundles
# named by path (jar/x.jar -> $RT/bundles/jar/x.jar)
if [ "$LAUNCH" = machine ]; then
    SRC_PROPS=$RT/launch/machine.properties; PROPS=$CACHE/machine.properties
else
    SRC_PROPS=$RT/launch/launcher.properties; PROPS=$CACHE/launcher.properties
fi
[ -f "$SRC_PROPS" ] || { say "no $SRC_PROPS in the built runtime: run ./oxen build first"; exit 2; }
props_text= BUNDLES=() PROPS_JOB_LEVEL=
while IFS= read -r line || [ -n "$line" ]; do
    case $line in
        launch.embedded=true) line=launch.embedded=false ;;
        launch.bundles=*)
            line=${line//=jar\//=$RT/bundles/jar/}; line=${line//,jar\//,$RT/bundles/jar/}
            IFS=, read -r -a BUNDLES <<< "${line#launch.bundles=}" ;;
        oxen.job.startlevel=*) PROPS_JOB_LEVEL=${line#*=} ;;
    esac
    props_text+=$line$'\n'
done < "$SRC_PROPS"
put_file "$PROPS" "$props_text"
# every bundle it names must be there (the machine launch shares the runtime's bundles/jar/)
for b in "${BUNDLES[@]}"; do
    [ -f "$b" ] || { say "$b, which ${SRC_PROPS##*/} names, is missing: run ./oxen build first"; exit 2; }
    [ "$LAUNCH" = machine ] && CP+=:$b
done

# The CPU's hot code under C1 (measured in docs/PERFORMANCE.md, "Cold start", session 10):
#  - the translator's regions (hidden classes Region$T/0x..., one `run` method each: the guest's
#    hot code) compiled after 1% of the JVM's thresholds (2 calls, 600 loop back-edges instead of
#    200 and 60,000) and waited for (BackgroundCompilation false), so a new region runs in the
#    JVM's bytecode interpreter for a few calls only;
#  - Semantics (what each instruction computes, pure static functions the regions, the cache and
#    the interpreter call) inlined whatever its size: C1 inlines up to 35 bytes of bytecode, so
#    ROL (38 bytes), the shifts' and IMUL's flags or ALU (92) were calls in every region;
#  - `quiet`: the JVM says nothing of the commands on stdout, which is the guest's console.
# And the rest of a machine job's code under C1 (Felix, SCR, the board's construction, the CPU's
# interpreter) after 4x the JVM's thresholds (C1_SCALING: -XX:CompileThresholdScaling, which
# scales the JVM's thresholds before a method's own scaling multiplies them, hence the regions'
# 0.0025 there: still 1% of the defaults): most start-up code runs a few hundred times and C1's
# compiles of it cost more than interpreting it (docs/PERFORMANCE.md, "Start-up cut II": -0.08 s
# of CPU for an empty image, -0.15 s for loop 1e8, mix 2000 the same). The runtime keeps the JVM's.
REGIONS='org.oxen.x86.cpu.internal.Region$T*::run'
case $LAUNCH in machine) C1_SCALING=4 REGION_SCALING=0.0025 ;; *) C1_SCALING=1 REGION_SCALING=0.01 ;; esac
C1_CPU=(-XX:CompileThresholdScaling=$C1_SCALING -XX:CompileCommand=quiet
        "-XX:CompileCommand=CompileThresholdScaling,$REGIONS,$REGION_SCALING"
        "-XX:CompileCommand=BackgroundCompilation,$REGIONS,false"
        "-XX:CompileCommand=inline,org.oxen.x86.cpu.internal.Semantics::*")
# Tier 4 (C2) thresholds of HotSpot's tiered policy, defaults 5000/600/15000/40000 (JDK 17-25)
LATE_C2=(-XX:Tier4InvocationThreshold=40000 -XX:Tier4MinInvocationThreshold=20000
         -XX:Tier4CompileThreshold=50000 -XX:Tier4BackEdgeThreshold=400000)
# C1 only for a machine job and the runtime alike: measured cheapest at every length up to
# x86bench mix 8000 (1.2e10 guest instructions), where C2's compiles of the regions have not paid
# back yet (docs/PERFORMANCE.md, "Cold start", session 10); OXEN_JIT=late for very long work
JIT_MODE=${OXEN_JIT:-c1}
case $JIT_MODE in
    late) JVM=("${LATE_C2[@]}"); JIT_NAME=late-c2 ;;
    c1) JVM=(-XX:TieredStopAtLevel=1 "${C1_CPU[@]}"); JIT_NAME=c1 ;;
    full) JVM=(); JIT_NAME=tiered ;;
    *) say "OXEN_JIT=$OXEN_JIT: c1 (C1 only), late (tiered, C2 late), full (the JVM's tiered thresholds), or unset"; exit 2 ;;
esac
# A machine job is one machine in a small process: the serial collector (no concurrent GC
# threads, smaller structures) from a 16 MiB heap, grown as the guest touches its RAM; measured
# in docs/PERFORMANCE.md ("Cold start"): the same CPU time, ~15% less resident memory than G1.
# The runtime keeps G1 for its pool of domains and their pauses.
[ "$LAUNCH" = machine ] && JVM+=(-XX:+UseSerialGC -Xms16m)
# Core reflection by native accessors only (JDK 18+, JEP 416's switch): a machine job calls
# reflectively only while it starts (Felix's JPMS lookups, SCR's activate methods and
# constructors), where each Method's method-handle accessor spins LambdaForm classes no class-data
# cache holds (41 per empty job on JDK 25, 6 with the switch): docs/PERFORMANCE.md, "Start-up cut
# IV" (-0.09 s of CPU, -5 MiB). The guest's hot code calls nothing reflectively.
[ "$LAUNCH" = machine ] && [ "$MAJOR" -ge 18 ] && JVM+=(-Djdk.reflect.useNativeAccessorOnly=true)
# Felix 7.0 (SecureAction) and the x86 API's ByteArrayAtomics use sun.misc.Unsafe on purpose: on
# JDK 23+ say so instead of a warning on every start (JEP 471/498)
[ "$MAJOR" -ge 23 ] && JVM+=(--sun-misc-unsafe-memory-access=allow)
# and the x86 host library's JNI (org.oxen.x86.host, loaded from the unnamed module under the
# Connect launch) is meant: no warning on JDK 24+ (JEP 472)
[ "$MAJOR" -ge 24 ] && JVM+=(--enable-native-access=ALL-UNNAMED)
# A job (a -Doxen.job=... java option: `./oxen machine ...`, one command run without the Gogo
# shell by its component, org.oxen.shell.exit's ProcessStatus.JOB_PROPERTY) starts the framework
# at the launch's oxen.job.startlevel instead of its last start level: machine.bndrun puts Gogo's
# bundles above it, so a job neither starts nor loads the shell (docs/PERFORMANCE.md, "Start-up
# cut II"). Only the machine launch has one.
JOB_LEVEL=
for a in "$@"; do
    case $a in -Doxen.job=*)
        JOB_LEVEL=$PROPS_JOB_LEVEL
        [ -n "$JOB_LEVEL" ] || { say "-Doxen.job: ${SRC_PROPS##*/} has no oxen.job.startlevel (jobs run in the machine launch, --machine)"; exit 2; } ;;
    esac
done
# what java runs: bnd's launcher with the launcher's properties in $1 (a job: a copy of them
# beginning at the job's start level)
run_with() {
    local props=$1 line text=
    if [ -n "$JOB_LEVEL" ]; then
        props=${1%.properties}.job.properties
        while IFS= read -r line || [ -n "$line" ]; do
            [[ $line == org.osgi.framework.startlevel.beginning=* ]] || text+=$line$'\n'
        done < "$1"
        put_file "$props" "${text}org.osgi.framework.startlevel.beginning=$JOB_LEVEL"$'\n'
    fi
    RUN=(-Dlauncher.properties="$props" -cp "$CP" "$MAIN")
}
run_with "$PROPS"

# --- the class-data cache ---------------------------------------------------------------------
if [ "$MAJOR" -ge 25 ]; then
    KIND="AOT cache (JDK $MAJOR)"; FILE=$CACHE/$LAUNCH-jdk$MAJOR-$JIT_NAME.aot
    make_opts() { echo "-XX:AOTCacheOutput=$1"; }
    use_opts() { echo "-XX:AOTCache=$1"; }
    check_opts() { echo "-XX:AOTMode=on -XX:AOTCache=$1"; }
else
    KIND="AppCDS archive (JDK $MAJOR)"; FILE=$CACHE/$LAUNCH-jdk$MAJOR-$JIT_NAME.jsa
    make_opts() { echo "-XX:ArchiveClassesAtExit=$1"; }
    use_opts() { echo "-XX:SharedArchiveFile=$1"; }
    check_opts() { echo "-Xshare:on -XX:SharedArchiveFile=$1"; }
fi
KEYFILE=$FILE.key

# what the cache depends on: the JDK, the JIT and heap flags, the launcher and every bundle
inputs_key() {
    {
        local text rel
        echo "$JAVA_REAL $MAJOR ${JVM[*]:-}"
        rel=$(java_home "$JAVA_REAL")/release
        [ -f "$rel" ] && { slurp text "$rel"; printf '%s' "$text"; }
        slurp text "$PROPS"; printf '%s' "$text"
        stat -c '%n %s %Y' "$LAUNCHER" "$FRAMEWORK" "$RT"/bundles/jar/*
    } | sha256sum | { read -r sum _; echo "$sum"; }
}
# the cache file's CRC and size (cksum: tens of ms for 36 MB): any change to it since it was built
# shows, also one that keeps its size and time, which the JVM would not notice in every case
# (JDK 17 silently ignores a damaged archive)
file_stamp() { { [ -f "$1" ] && cksum < "$1"; } || echo none; }

# --- the kept framework storage ---------------------------------------------------------------
# Felix's bundle cache and SCR's parsed component descriptors (SCR's ds.cache.metadata) kept
# between starts instead of a fresh temporary storage per start, in which Felix installs every
# bundle again and SCR parses every component's XML again: ~0.15 s less CPU per machine job,
# ~0.3 s per start of the whole runtime (docs/PERFORMANCE.md, "Start-up sized and cut"). The
# training leaves a pristine storage ($FILE.fw-template, its fingerprint the key file's second
# line); a start takes an exclusive lock on the working copy ($FILE.fw) for the JVM's whole life
# (flock on a descriptor java inherits) and first puts the pristine copy back when the working
# one differs from it (a script installed, uninstalled or updated a bundle, a bundle wrote its
# data area, or a run was killed mid-start), so every start begins from the same state. A second
# start at the same time (the lock taken: a runtime holds it for as long as it runs) or a host
# without flock runs on a fresh temporary storage, as every start did before; so does
# OXEN_STARTUP_CACHE=off.
# A fingerprint of a storage directory: every file's CRC, size and name but Felix's lock file, in
# the directory's own order (a copy that lists in another order only costs one copy more)
fw_stamp() { (cd "$1" 2>/dev/null && find . -type f ! -name cache.lock -exec cksum {} + | cksum) || echo none; }
# the launcher's properties ($PROPS) with the framework storage kept in $2, written to $1
kept_props() {
    local line text=
    while IFS= read -r line || [ -n "$line" ]; do
        [[ $line == launch.keep=* ]] || text+=$line$'\n'
    done < "$PROPS"
    put_file "$1" "${text}launch.keep=true"$'\n'"launch.storage.dir=$2"$'\n'"ds.cache.metadata=true"$'\n'
}
# takes the lock and the working storage; fails (nothing held) when either cannot be had
use_kept_storage() { # FINGERPRINT of the template
    command -v flock >/dev/null || return 1
    exec {LOCK_FD}>"$FILE.fw.lock" || return 1
    flock -n "$LOCK_FD" || { exec {LOCK_FD}>&-; return 1; }
    if [ "$(fw_stamp "$FILE.fw")" != "$1" ]; then
        rm -rf "$FILE.fw" "$FILE.fw.$$"
        if ! { cp -a "$FILE.fw-template" "$FILE.fw.$$" && mv "$FILE.fw.$$" "$FILE.fw" &&
               [ "$(fw_stamp "$FILE.fw")" = "$1" ]; }; then
            rm -rf "$FILE.fw" "$FILE.fw.$$"; exec {LOCK_FD}>&-; return 1
        fi
    fi
    kept_props "$FILE.fw.properties" "$FILE.fw"
    run_with "$FILE.fw.properties"
}

# One short run that loads what a session loads: the prompt, a PV domain created and run to its
# end, an HVM domain, and a bare machine when the guest kit's native image is at hand (the
# machine launch: only the bare machine, or the command's device list without the image).
train() {
    local tmp=$CACHE/training.$$ log=$CACHE/$LAUNCH-training.log cfg=$CACHE/training.cfg native script started
    rm -f "$tmp"
    cat > "$cfg" <<'EOF'
name = "training"
kernel = "guest:cpubench"
memory = 16
extra = "loop=200000 mix=2"
on_poweroff = "destroy"
EOF
    script="xl create $cfg -c; xl create $cfg name=training-hvm type=hvm kernel=guest-native:cpubench -c"
    native=$RT/../../guests/target/images/native/cpubench.elf
    [ -f "$native" ] && script="$script; machine boot -w -m 16 $native --cmdline \"loop=200000 mix=2\""
    script="$script; xl list; stop 0"
    # the machine launch trains what it runs: a job (no Gogo), its words separated as the oxen script does
    local job=() us=$'\x1f'
    if [ "$LAUNCH" = machine ]; then
        job=("-Doxen.job=machine${us}devices")
        [ -f "$native" ] && job=("-Doxen.job=machine${us}boot${us}-w${us}-m${us}16${us}$native${us}--cmdline${us}loop=200000 mix=2")
    fi
    # (the first run below is not a job whatever this start is: it stops through Gogo)
    local JOB_LEVEL=
    started=$(date +%s)
    mkdir -p "$CACHE/training-deploy"
    # the training runs on a kept storage, made by a first run that only starts and stops, so
    # the archive holds what a start with the kept storage loads
    local fw=$FILE.fw-template.$$ fwprops=$CACHE/$LAUNCH-training.properties
    # (oxen.launch.training: the Connect launcher's job stops the framework in order before the
    # JVM writes the cache at its exit, instead of exiting at its status as a job does)
    local quiet=(-Doxen.domains.dir=none -Dorg.osgi.service.http.port=0 -Dfelix.fileinstall.dir="$CACHE/training-deploy"
                 -Doxen.launch.training=true)
    rm -rf "$fw"
    kept_props "$fwprops" "$fw"
    run_with "$fwprops"
    (cd "$CACHE" && timeout 600 "$JAVA" "${JVM[@]}" "${quiet[@]}" -Dgosh.args="--nointeractive -c 'stop 0'" \
        "${RUN[@]}" </dev/null >"$log" 2>&1) || rm -rf "$fw"
    local args=(-Dgosh.args="--nointeractive -c '$script'")
    if [ ${#job[@]} -gt 0 ]; then
        args=("${job[@]}")
        JOB_LEVEL=$PROPS_JOB_LEVEL
        run_with "$fwprops"
        JOB_LEVEL=
    fi
    # shellcheck disable=SC2046
    # at most 10 minutes (a loaded machine; it takes tens of seconds on a quiet one)
    if (cd "$CACHE" && timeout 600 "$JAVA" $(make_opts "$tmp") "${JVM[@]}" "${quiet[@]}" \
            "${args[@]}" "${RUN[@]}" </dev/null >>"$log" 2>&1) &&
        run_with "$PROPS" && [ -s "$tmp" ] &&
        "$JAVA" $(check_opts "$tmp") "${JVM[@]}" -cp "$CP" -version >>"$log" 2>&1; then
        mv -f "$tmp" "$FILE"
        local fw_print=
        if [ -d "$fw" ]; then
            rm -rf "$FILE.fw-template" && mv "$fw" "$FILE.fw-template" && fw_print=$(fw_stamp "$FILE.fw-template")
        fi
        rm -rf "$fw" "$fwprops" "${fwprops%.properties}.job.properties"
        printf '%s %s\n%s\n' "$1" "$(file_stamp "$FILE")" "$fw_print" > "$KEYFILE"
        say "start-up cache ready: $FILE ($(( $(stat -c %s "$FILE") / 1048576 )) MiB, $(( $(date +%s) - started )) s)"
        return 0
    fi
    run_with "$PROPS"
    rm -rf "$tmp" "$FILE" "$KEYFILE" "$fw" "$fwprops" "${fwprops%.properties}.job.properties"
    say "could not build the start-up cache (see $log); starting without it"
    return 1
}

CACHE_OPTS=()
if [ "${OXEN_STARTUP_CACHE:-on}" != off ]; then
    key=$(inputs_key)
    had_key=; had_stamp=; had_fw=
    [ -f "$KEYFILE" ] && { read -r had_key had_stamp; read -r had_fw || true; } < "$KEYFILE"
    if [ -z "$had_key" ]; then
        say "no start-up cache for $JAVA yet: building the $KIND with one short training run (once per build)"
        train "$key" && CACHE_OPTS=($(use_opts "$FILE"))
    elif [ "$had_key" != "$key" ]; then
        say "the start-up cache is stale (the JDK, the launcher or a bundle changed): rebuilding the $KIND"
        train "$key" && CACHE_OPTS=($(use_opts "$FILE"))
    elif [ "$had_stamp" != "$(file_stamp "$FILE")" ]; then
        say "the start-up cache $FILE was changed or removed since it was built: rebuilding the $KIND"
        train "$key" && CACHE_OPTS=($(use_opts "$FILE"))
    elif [ -z "$had_fw" ] || [ ! -d "$FILE.fw-template" ]; then
        say "the start-up cache has no kept framework storage (made by an older launcher, or removed): rebuilding the $KIND"
        train "$key" && CACHE_OPTS=($(use_opts "$FILE"))
    else
        CACHE_OPTS=($(use_opts "$FILE"))
    fi
    # this start's own command again (a training above ran its own)
    run_with "$PROPS"
    # the key file as it is now (a training above rewrote it)
    had_fw=; [ -f "$KEYFILE" ] && { read -r _; read -r had_fw || true; } < "$KEYFILE"
    [ ${#CACHE_OPTS[@]} -gt 0 ] && [ -n "$had_fw" ] && { use_kept_storage "$had_fw" || true; }
fi

exec "$JAVA" "${CACHE_OPTS[@]}" "${JVM[@]}" -Dfile.encoding=UTF-8 "$@" "${RUN[@]}"
