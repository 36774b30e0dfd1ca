#!/usr/bin/env bash
# The consumer check: installs the artifacts just packaged (target/) into a private local Maven
# repository, builds this consumer project against io.mmapheap:mmapheap from there, and runs it on
# the class path and on the module path, on each JDK given, with the flags the README names for it.
# Fails if a run fails, prints something else than expected, or prints a warning.
#   src/it/consumer/run.sh JDK_HOME...      (from the project's top folder)
set -euo pipefail
cd "$(dirname "$0")/../../.."

[ $# -gt 0 ] || { echo "usage: src/it/consumer/run.sh JDK_HOME..." >&2; exit 2; }
jdks=("$@")
version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -n 1)
work=target/consumer
repo=$work/repo
user_repo=${MMAPHEAP_USER_REPO:-$HOME/.m2/repository}

# The private repository: every group of the user's repository (plugins, Commons Lang) linked in,
# io.mmapheap only from this build.
rm -rf "$work"
mkdir -p "$repo/io"
for entry in "$user_repo"/*; do
    [ "$(basename "$entry")" = io ] || ln -s "$(cd "$entry" && pwd)" "$repo/"
done
for entry in "$user_repo"/io/*; do
    [ "$(basename "$entry")" = mmapheap ] || ln -s "$(cd "$entry" && pwd)" "$repo/io/"
done

quiet_mvn() {
    # Maven's console library writes colour resets even when quiet: keep them off the output.
    mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$(pwd)/$repo" "$@" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
    return "${PIPESTATUS[0]}"
}

jar=target/mmapheap-$version.jar
quiet_mvn install:install-file -Dfile="$jar" -DpomFile=pom.xml -Dsources="target/mmapheap-$version-sources.jar" \
    -Djavadoc="target/mmapheap-$version-javadoc.jar"
quiet_mvn install:install-file -Dfile="target/mmapheap-$version-cli.jar" -DpomFile=pom.xml -Dclassifier=cli
quiet_mvn -f src/it/consumer/pom.xml -Dmmapheap.version="$version" -Dconsumer.build="$(pwd)/$work/build" \
    package dependency:build-classpath -Dmdep.outputFile="$(pwd)/$work/classpath.txt" -Dmdep.includeScope=runtime
deps=$(cat "$work/classpath.txt")
app="$work/build/consumer-1.jar"
case "$deps" in
    *"$repo/io/mmapheap/mmapheap/$version/"*) ;;
    *) echo "consumer check: the consumer did not resolve mmapheap from the private repository: $deps" >&2; exit 1 ;;
esac

failures=0
check() {
    local label=$1 expected=$2
    shift 2
    local out err status=0
    out=$("$@" 2>"$work/stderr") || status=$?
    err=$(cat "$work/stderr")
    if [ "$status" -ne 0 ] || [ "$out" != "$expected" ] || grep -qi warning "$work/stderr"; then
        echo "consumer check FAILED: $label (exit $status)" >&2
        echo "  command:  $*" >&2
        echo "  expected: $expected" >&2
        echo "  stdout:   $out" >&2
        echo "  stderr:   $err" >&2
        failures=$((failures + 1))
    else
        echo "consumer check: $label: $out"
    fi
}

for home in "${jdks[@]}"; do
    feature=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
    if [ "$feature" -ge 22 ]; then
        # Native access for the library; memory through FFM, so no Unsafe flag.
        access=ffm
        class_path_flags=(--enable-native-access=ALL-UNNAMED)
        module_path_flags=(--enable-native-access=io.mmapheap)
    else
        # No flag at all.
        access=unsafe
        class_path_flags=()
        module_path_flags=()
    fi
    check "JDK $feature, class path" "consumer ok on the class path, memory access $access" \
        "$home/bin/java" "${class_path_flags[@]}" -cp "$app:$deps" io.mmapheap.consumer.Main
    check "JDK $feature, module path" "consumer ok on the module path, memory access $access" \
        "$home/bin/java" "${module_path_flags[@]}" -p "$app:$deps" -m io.mmapheap.consumer/io.mmapheap.consumer.Main
done
[ "$failures" -eq 0 ] || exit 1
