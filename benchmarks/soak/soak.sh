#!/bin/bash
# The long soak of issue 22 on the bare hypervisor (vmm.core's SoakBenchmark over Soak): BUSY
# CPU-bound kit domains run for SECONDS while round after round a domain is created and destroyed,
# one balloons (down, up, XENMEM_exchange), a suspended counter is saved and restored into a new
# domain that counts on, a counting counter is migrated live within the host, and the default
# scheduler is swapped out and back; then the leak report (free frames and the pool's free lists,
# host RAM pages, domains, threads, open files, heap, destroyed domains still reachable, internal
# errors) and PASS/FAIL. Backend bundle swaps and Domain-0's ports, grant mappings and xenstore are
# the Felix soak's (itests/bnd-testing XlSoakTest; OXEN_SOAK_SECONDS and OXEN_SOAK_BUSY set its length).
# usage (from the repository root, after an install of the modules):
#   benchmarks/soak/soak.sh [SECONDS] [BUSY]      defaults: 3600 128
# A round's guests may take as long as the whole run (a host at nice 19 beside other work starves them).
# The report goes to docs/PERFORMANCE.md.
set -euo pipefail
SECONDS_TO_RUN=${1:-3600}
BUSY=${2:-128}
exec mvn -B -o test -pl bundles/org.oxen.vmm.core -Dtest=SoakBenchmark -Doxen.bench=true \
    -Doxen.soak.seconds="$SECONDS_TO_RUN" -Doxen.soak.busy="$BUSY" -Doxen.soak.roundSeconds="$SECONDS_TO_RUN" -Dsurefire.failIfNoSpecifiedTests=false
