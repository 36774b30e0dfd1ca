#!/usr/bin/env bash
# The one entry point:
#   ./build.sh              build the jar (native library included)
#   ./build.sh test [--long] run every test (--long: also the long stress and fuzz runs)
#   ./build.sh install      build and install io.mmapheap:mmapheap into the local Maven repository
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

# A JDK 22 or newer compiles the jar's FFM classes (META-INF/versions/22) and runs the suite once
# more with Unsafe memory access denied. MMAPHEAP_JDK22 names one (or "none"); else JAVA_HOME,
# the java on the PATH and /usr/lib/jvm/* are searched, newest first.
jdk_feature() {
    local release="$1/release"
    [ -x "$1/bin/javac" ] && [ -f "$release" ] || return 1
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release"
}

find_jdk22() {
    if [ -n "${MMAPHEAP_JDK22:-}" ]; then
        [ "$MMAPHEAP_JDK22" != none ] && echo "$MMAPHEAP_JDK22"
        return 0
    fi
    local candidates=() home feature best="" best_feature=0
    [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
    command -v java >/dev/null 2>&1 && candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
    for home in /usr/lib/jvm/*; do
        candidates+=("$home")
    done
    for home in "${candidates[@]}"; do
        feature=$(jdk_feature "$home" 2>/dev/null || true)
        if [ -n "$feature" ] && [ "$feature" -ge 22 ] && [ "$feature" -gt "$best_feature" ]; then
            best=$home
            best_feature=$feature
        fi
    done
    [ -n "$best" ] && echo "$best"
    return 0
}

maven() {
    local jdk22
    jdk22=$(find_jdk22)
    if [ -n "$jdk22" ]; then
        echo "build.sh: FFM classes for JDK 22+ compiled with $jdk22" >&2
        mvn -Djdk22.home="$jdk22" "$@"
    else
        echo "build.sh: no JDK 22 or newer found: the jar holds only the base classes (memory access through Unsafe on every JDK)" >&2
        rm -rf target/classes/META-INF/versions
        mvn "$@"
    fi
}

# The command line's executable jar (classifier cli); target/mmapheap-VERSION.jar is the library.
jar_path() {
    ls target/mmapheap-*-cli.jar 2>/dev/null | head -n 1
}

build() {
    # Maven's console library writes colour resets (ESC[0m) even when quiet: keep them off the output.
    maven -B -q -Dstyle.color=never -DskipTests package 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
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

# The JDK that builds: JAVA_HOME's, else the one of the java on the PATH.
build_jdk() {
    if [ -n "${JAVA_HOME:-}" ]; then
        echo "$JAVA_HOME"
    else
        dirname "$(dirname "$(readlink -f "$(command -v java)")")"
    fi
}

# A program that depends on the installed artifact, run on the class path and the module path, on
# the JDK that built and on the JDK 22+ (src/it/consumer/run.sh).
consumer_check() {
    local jdks=("$(build_jdk)") jdk22
    jdk22=$(find_jdk22)
    if [ -z "$jdk22" ] && [ "$(jdk_feature "${jdks[0]}")" -ge 22 ]; then
        echo "build.sh: consumer check skipped: the jar has no JDK 22+ classes for the JDK that built it" >&2
        return 0
    fi
    if [ -n "$jdk22" ] && [ "$(readlink -f "$jdk22")" != "$(readlink -f "${jdks[0]}")" ]; then
        jdks+=("$jdk22")
    fi
    ./src/it/consumer/run.sh "${jdks[@]}"
}

check_tools
command=${1:-build}
[ $# -gt 0 ] && shift
case "$command" in
    build)
        build
        echo "built the library $(ls target/mmapheap-*.jar | grep -v -e '-sources' -e '-javadoc' -e '-cli' -e 'original-' | head -n 1) and the command line $(jar_path)"
        ;;
    test)
        if [ "${1:-}" = "--long" ]; then
            maven -B -Dstyle.color=never verify -Dtest.excludedGroups=none 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
        else
            maven -B -Dstyle.color=never verify 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
        fi
        consumer_check
        ;;
    demo)
        run_jar demo "$@"
        ;;
    install)
        maven -B -q -Dstyle.color=never -DskipTests install 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
        echo "installed io.mmapheap:mmapheap:$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -n 1) into the local Maven repository"
        ;;
    run)
        run_jar "$@"
        ;;
    bench)
        build
        exec ./src/jmh/bench.sh "$@"
        ;;
    compare)
        exec ./src/jmh/compare.sh "$@"
        ;;
    compare-traces)
        exec ./src/jmh/compare-traces.sh "$@"
        ;;
    *)
        echo "usage: ./build.sh [build | test [--long] | install | demo [ARGS] | run COMMAND [ARGS] | bench [--full] | compare REV [ROUNDS] [REGEXP] | compare-traces REV [ROUNDS] [FILES]]" >&2
        exit 2
        ;;
esac
