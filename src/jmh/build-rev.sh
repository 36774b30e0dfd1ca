#!/usr/bin/env bash
# Builds git revision REV in target/compare/REV (a git worktree) unless built already, and the
# working tree; prints REV's jar, then the working tree's, one per line:  src/jmh/build-rev.sh REV
set -euo pipefail
cd "$(dirname "$0")/../.."

rev=${1:?usage: src/jmh/build-rev.sh REV}
# The self-contained jar: the command line's (classifier cli), or the one jar of older revisions.
jar_in() {
    { ls "$1"/target/mmapheap-*-cli.jar 2>/dev/null || ls "$1"/target/mmapheap-*.jar 2>/dev/null | grep -v -e '-sources' -e 'original-'; } | head -n 1
}

mvn -B -q -Dstyle.color=never -DskipTests package >&2
base=target/compare/$(git rev-parse --short "$rev")
if [ -z "$(jar_in "$base")" ]; then
    git worktree prune
    rm -rf "$base"
    git worktree add --detach "$base" "$rev" >/dev/null 2>&1
    (cd "$base" && mvn -B -q -Dstyle.color=never -DskipTests package >&2)
fi
jar_in "$base"
jar_in .
