#!/usr/bin/env bash
# Runs the JMH benchmarks and prints the ratio table: ./build.sh bench [--full] [REGEXP]
# The JDK is JAVA_HOME's if set, else the java on the PATH.
# Short settings by default (a few minutes on 2 cores); --full uses longer ones.
set -euo pipefail
cd "$(dirname "$0")/../.."

# build.sh has just packaged the jar (with its JDK 22+ classes when it found a JDK for them) and
# compiled the benchmarks; the jar, not target/classes, is on the class path, so that a JDK 22+
# takes the jar's FFM classes.
mvn -B -q -Dstyle.color=never dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
jar=$(ls target/mmapheap-*.jar | grep -v -e '-sources' -e '-javadoc' -e '-cli' -e 'original-' | head -n 1)
classpath="target/test-classes:$jar:$(cat target/bench.classpath)"
mkdir -p target/bench
"${JAVA_HOME:+$JAVA_HOME/bin/}java" -XX:+IgnoreUnrecognizedVMOptions --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -Dmmapheap.traces=../shared/traces -cp "$classpath" io.mmapheap.bench.BenchMain "$@" | tee target/bench/output.txt
