#!/usr/bin/env bash
# The one entry point:
#   ./build.sh              build the jar (native library included)
#   ./build.sh test [--long] run every test (--long: also the long stress and fuzz runs)
#   ./build.sh demo [ARGS]  build if needed, then run the VSZ/RSS walkthrough
#   ./build.sh run CMD ...  build if needed, then run any mmapheap command (test-alloc, trace, ...)
#   ./build.sh bench [--full] run the JMH benchmarks and print the ratio table
#   ./build.sh compare REV [ROUNDS] [REGEXP]  time git revision REV against the working tree, alternating in one JVM
#   ./build.sh compare-traces REV [ROUNDS] [FILES]  the same on the traces, each run in a JVM of its own
set -euo pipefail
cd "$(dirname "$0")"

# Keeps JDK 25 quiet about native access and Unsafe; JDK 17 ignores what it does not know.
JVM_FLAGS=(-XX:+IgnoreUnrecognizedVMOptions --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)

check_tools() {
    local missing=()
    command -v java >/dev/null 2>&1 || missing+=("java (a JDK 17 or newer)")
    command -v mvn >/dev/null 2>&1 || missing+=("mvn (Apache Maven 3.8 or newer)")
    command -v gcc >/dev/null 2>&1 || missing+=("gcc (compiles the JNI library)")
    command -v g++ >/dev/null 2>&1 || missing+=("g++ (links the JNI library)")
    if [ ${#missing[@]} -gt 0 ]; then
        echo "build.sh: missing tools:" >&2
        printf '  - %s\n' "${missing[@]}" >&2
        echo "On Debian/Ubuntu: apt-get install openjdk-17-jdk maven gcc g++" >&2
        exit 1
    fi
}

jar_path() {
    ls target/mmapheap-*.jar 2>/dev/null | grep -v -e '-sources' -e 'original-' | head -n 1
}

build() {
    mvn -B -q -Dstyle.color=never -DskipTests package
}

ensure_built() {
    local jar
    jar=$(jar_path || true)
    if [ -z "$jar" ] || [ -n "$(find pom.xml src/main native -newer "$jar" -print -quit)" ]; then
        build
    fi
}

run_jar() {
    ensure_built
    exec "${JAVA_HOME:+$JAVA_HOME/bin/}java" "${JVM_FLAGS[@]}" -jar "$(jar_path)" "$@"
}

check_tools
command=${1:-build}
[ $# -gt 0 ] && shift
case "$command" in
    build)
        build
        echo "built $(jar_path)"
        ;;
    test)
        if [ "${1:-}" = "--long" ]; then
            mvn -B verify -Dtest.excludedGroups=none
        else
            mvn -B verify
        fi
        ;;
    demo)
        run_jar demo "$@"
        ;;
    run)
        run_jar "$@"
        ;;
    bench)
        exec ./src/jmh/bench.sh "$@"
        ;;
    compare)
        exec ./src/jmh/compare.sh "$@"
        ;;
    compare-traces)
        exec ./src/jmh/compare-traces.sh "$@"
        ;;
    *)
        echo "usage: ./build.sh [build | test [--long] | demo [ARGS] | run COMMAND [ARGS] | bench [--full] | compare REV [ROUNDS] [REGEXP] | compare-traces REV [ROUNDS] [FILES]]" >&2
        exit 2
        ;;
esac
