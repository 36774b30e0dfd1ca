#!/usr/bin/env bash
# Times a git revision of mmapheap against the working tree in one JVM, alternating rounds:
#   ./build.sh compare REV [ROUNDS] [REGEXP]   (REGEXP: only the workloads whose label matches)
# REV is built in target/compare/REV (a git worktree); the workloads are in src/jmh/java/.../compare.
set -euo pipefail
cd "$(dirname "$0")/../.."

rev=${1:?usage: ./build.sh compare REV [ROUNDS] [REGEXP]}
rounds=${2:-12}
only=${3:-}
jar_in() {
    ls "$1"/target/mmapheap-*.jar 2>/dev/null | grep -v -e '-sources' -e 'original-' | head -n 1
}

mvn -B -q -Dstyle.color=never -DskipTests package
base=target/compare/$(git rev-parse --short "$rev")
if [ -z "$(jar_in "$base")" ]; then
    git worktree prune
    rm -rf "$base"
    git worktree add --detach "$base" "$rev" >/dev/null
    (cd "$base" && mvn -B -q -Dstyle.color=never -DskipTests package)
fi
java -XX:+IgnoreUnrecognizedVMOptions --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -Dmmapheap.traces=../shared/traces -cp target/test-classes io.mmapheap.bench.compare.Compare \
    "$(jar_in "$base")" "$(jar_in .)" "$rounds" target/test-classes "$only"
