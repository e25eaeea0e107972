#!/bin/bash
# A long hostile-guest campaign on the real runtime (issue 22): the `fuzz` command runs the guest
# kit's fuzzer for SEEDS seeds of CALLS hypercalls each beside VICTIMS victim domains, then the
# isolation oracle prints one PASS/FAIL line with the figures (hypercalls/s).
# usage (from the repository root, after ./oxen build):
#   benchmarks/fuzz/campaign.sh [FIRST_SEED] [SEEDS] [CALLS] [VICTIMS] [EXTRA...]
#     defaults: 22 10 100000 2   (EXTRA: --xs, --die, -p K: K fuzzer domains at once, one a pCPU)
# A seed that storms (upcalls with no other hypercall) or stalls is a FAIL printing its vcpu state.
# e.g. the 10^7-call campaign on a quiet 2-core host: benchmarks/fuzz/campaign.sh 5000 50 200000 2 -p 2
# The process exits 0 on PASS, 1 on FAIL. Figures go to docs/PERFORMANCE.md.
set -euo pipefail
SEED=${1:-22}
SEEDS=${2:-10}
CALLS=${3:-100000}
VICTIMS=${4:-2}
shift $(( $# < 4 ? $# : 4 ))
JAR=${OXEN_JAR:-runtime/target/oxen.jar}
# the web console on a free port: another runtime on the host may hold 8080
exec java ${OXEN_JAVA_OPTS:-} -Dorg.osgi.service.http.port=0 -Doxen.domains.dir=/nonexistent \
    -Dgosh.args="--nointeractive -c 'fuzz -s $SEED -n $SEEDS -c $CALLS -v $VICTIMS $*; stop 0'" -jar "$JAR"
