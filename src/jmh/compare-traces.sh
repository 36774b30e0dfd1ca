#!/usr/bin/env bash
# Times a git revision of mmapheap against the working tree on the shipped traces, each run in a
# JVM of its own (the two builds alternate, the order flipping each round):
#   ./build.sh compare-traces REV [ROUNDS] [TRACE_FILES...]
# Prints, per trace and in total, each build's best and median seconds per replay (mmapheap's
# column of `mmapheap trace`) and the ratio of the bests (new / base; below 1: the working tree is
# faster). Unlike `compare`, no class of one build is compiled beside the other's in one JVM,
# which biases the trace workloads there.
set -euo pipefail
cd "$(dirname "$0")/../.."

rev=${1:?usage: ./build.sh compare-traces REV [ROUNDS] [TRACE_FILES...]}
rounds=${2:-5}
shift $(( $# > 1 ? 2 : 1 ))
jars=()
while IFS= read -r jar; do jars+=("$jar"); done < <(src/jmh/build-rev.sh "$rev")
for ((r = 0; r < rounds; r++)); do
    for k in 0 1; do
        i=$(( r % 2 == 0 ? k : 1 - k ))
        "${JAVA_HOME:+$JAVA_HOME/bin/}java" -XX:+IgnoreUnrecognizedVMOptions --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
            -jar "${jars[$i]}" trace --runs 10 "$@" 2>/dev/null \
            | awk -v b="$i" '$1 ~ /\.rep$/ { print b, $1, $6 } $1 == "Total" && $2 == "|" { print b, $1, $5 }'
    done
done | awk -v rounds="$rounds" '
    { n = ++count[$2, $1]; t[$2, $1, n] = $3; if (!($2 in seen)) { seen[$2] = 1; order[++traces] = $2 } }
    function best(k, b,   i, m) { m = t[k, b, 1]; for (i = 2; i <= count[k, b]; i++) if (t[k, b, i] < m) m = t[k, b, i]; return m }
    function median(k, b,   i, j, x, a, c) {
        c = count[k, b]; for (i = 1; i <= c; i++) a[i] = t[k, b, i]
        for (i = 2; i <= c; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
        return a[int((c + 1) / 2)]
    }
    END {
        printf "%-20s | %10s %10s | %10s %10s | %s\n", "trace (ms/replay)", "base best", "median", "new best", "median", "new/base (bests)"
        for (o = 1; o <= traces; o++) {
            k = order[o]; bb = best(k, 0); nb = best(k, 1)
            ratio = "-"
            if (bb > 0) ratio = sprintf("%.3f", nb / bb)
            printf "%-20s | %10.3f %10.3f | %10.3f %10.3f | %s\n", k, bb * 1e3, median(k, 0) * 1e3, nb * 1e3, median(k, 1) * 1e3, ratio
        }
        printf "(%d rounds, each build in a JVM of its own per round)\n", rounds
    }'
