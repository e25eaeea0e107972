#!/bin/sh
# count.sh NATIVE32 -- instruction counts of workload_loop and workload_mix
# (inclusive, as callgrind counts them: from the call's first instruction to
# its ret) for a few sizes, and the linear fit the README quotes.
set -e
BIN=$1
command -v valgrind >/dev/null || { echo "count.sh: valgrind is not installed" >&2; exit 1; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
incl() {  # incl FILE FUNCTION -> inclusive Ir of FUNCTION (0 if never called)
    callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
        awk -v f=":$2" 'index($0, f " ") { gsub(",", "", $1); print $1; found = 1; exit }
                        END { if (!found) print 0 }'
}
for size in "0 0" "1000 1" "100000 2" "1000000 4"; do
    set -- $size
    valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.$1.$2" "$BIN" "$1" "$2" >"$OUT/out" 2>/dev/null
    printf 'loop=%-8s mix=%-2s  loop_insns=%-10s mix_insns=%-10s  %s\n' "$1" "$2" \
        "$(incl "$OUT/cg.$1.$2" workload_loop)" "$(incl "$OUT/cg.$1.$2" workload_mix)" "$(cat "$OUT/out")"
done
