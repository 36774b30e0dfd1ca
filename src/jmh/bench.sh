#!/usr/bin/env bash
# Runs the JMH benchmarks: ./build.sh bench [--full] [JMH regexp and options...]
# Short settings by default (fits in minutes on 2 cores); --full uses JMH's longer defaults.
set -euo pipefail
cd "$(dirname "$0")/../.."

settings=(-f 1 -wi 3 -w 1s -i 5 -r 1s)
if [ "${1:-}" = "--full" ]; then
    settings=(-f 3 -wi 5 -w 2s -i 10 -r 2s)
    shift
fi

mvn -B -q -Dstyle.color=never -DskipTests test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
classpath="target/test-classes:target/classes:$(cat target/bench.classpath)"
mkdir -p target/bench
java -XX:+IgnoreUnrecognizedVMOptions --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -cp "$classpath" org.openjdk.jmh.Main "${settings[@]}" \
    -jvmArgsAppend "-XX:+IgnoreUnrecognizedVMOptions --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow" \
    -rf json -rff target/bench/results.json "$@" | tee target/bench/output.txt
