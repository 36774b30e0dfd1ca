#!/usr/bin/env bash
# Times a git revision of mmapheap against the working tree in one JVM, alternating rounds:
#   ./build.sh compare REV [ROUNDS] [REGEXP]   (REGEXP: only the workloads whose label matches)
# REV is built in target/compare/REV (a git worktree); the workloads are in src/jmh/java/.../compare.
set -euo pipefail
cd "$(dirname "$0")/../.."

rev=${1:?usage: ./build.sh compare REV [ROUNDS] [REGEXP]}
rounds=${2:-12}
only=${3:-}
jars=()
while IFS= read -r jar; do jars+=("$jar"); done < <(src/jmh/build-rev.sh "$rev")
"${JAVA_HOME:+$JAVA_HOME/bin/}java" -XX:+IgnoreUnrecognizedVMOptions --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -Dmmapheap.traces=../shared/traces -cp target/test-classes io.mmapheap.bench.compare.Compare \
    "${jars[0]}" "${jars[1]}" "$rounds" target/test-classes "$only"
