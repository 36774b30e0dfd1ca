#!/usr/bin/env bash
# Runs the JMH benchmarks and prints the ratio table: ./build.sh bench [--full] [REGEXP]
# The JDK is JAVA_HOME's if set, else the java on the PATH.
# Short settings by default (a few minutes on 2 cores); --full uses longer ones.
set -euo pipefail
cd "$(dirname "$0")/../.."

mvn -B -q -Dstyle.color=never -DskipTests test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
classpath="target/test-classes:target/classes:$(cat target/bench.classpath)"
mkdir -p target/bench
"${JAVA_HOME:+$JAVA_HOME/bin/}java" -XX:+IgnoreUnrecognizedVMOptions --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -Dmmapheap.traces=../shared/traces -cp "$classpath" io.mmapheap.bench.BenchMain "$@" | tee target/bench/output.txt
