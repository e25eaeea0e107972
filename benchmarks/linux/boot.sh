#!/bin/sh
# Debian's i386 kernel + busybox initramfs to the shell's prompt: qemu-system-i386 (TCG), oxen's
# HVM domain and oxen's bare machine, in turn, in one run (HvmLinuxBootBench; figures in
# docs/PERFORMANCE.md, "A stock Linux: boot to the shell's prompt beside QEMU").
#   benchmarks/linux/boot.sh [rounds [qemu,hvm,bare|qemu2|hvm2|bare2]]
# Needs a build (./oxen build or mvn install) and qemu-system-i386 on the PATH.
set -e
root="$(cd "$(dirname "$0")/../.." && pwd)"
sh "$root/guests/linux/setup-host.sh"
command -v qemu-system-i386 >/dev/null || { echo "benchmarks/linux/boot.sh: qemu-system-i386 is not installed (apt-get install qemu-system-x86)" >&2; exit 1; }
core="$root/bundles/org.oxen.vmm.core"
cp="$(mktemp)"
(cd "$core" && mvn -B -q -o test-compile dependency:build-classpath -Dmdep.outputFile="$cp" -Dmdep.includeScope=test >/dev/null)
exec java -cp "$core/target/classes:$core/target/test-classes:$(cat "$cp")" org.oxen.vmm.core.hvm.HvmLinuxBootBench "${1:-1}" "${2:-qemu,hvm,bare}"
