#!/usr/bin/env bash
# Runs one bench on two commits in turn, so the machine's noise hits both alike:
#   bench/ab.sh BEFORE AFTER BENCH [ROUNDS]      e.g.  bench/ab.sh 0cf679f fcead17 proxy 5
# Each commit is checked out in a temporary worktree and built (-Pbench install, offline), and what
# its bench runs on (classes, plugins, every jar of its class path) is copied aside before the next
# build replaces the artifacts in ~/.m2; then the two run alternately, ROUNDS times (default 5).
# Output: each run's report, labelled. Needs the JDK 25 in JAVA_HOME.
set -euo pipefail
declare -A revs=([before]=$1 [after]=$2)
bench=$3 rounds=${4:-5}
repo=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'git -C "$repo" worktree remove --force "$work/src-before" >/dev/null 2>&1 || true;
      git -C "$repo" worktree remove --force "$work/src-after" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
for label in before after; do
  rev=${revs[$label]}
  src="$work/src-$label" out="$work/$label"
  git -C "$repo" worktree add -q --detach "$src" "$rev"
  (cd "$src" && ./mvnw -o -q -B -Pbench install -DskipTests -DskipITs -pl bench -am \
    && ./mvnw -o -q -B -Pbench dependency:build-classpath -pl bench -Dmdep.outputFile="$work/cp-$label.txt") >"$work/build-$label.log" 2>&1 \
    || { tail -30 "$work/build-$label.log" >&2; exit 1; }
  mkdir -p "$out/lib"
  cp -r "$src/bench/target/classes" "$out/classes"
  cp -r "$src/bench/target/plugins" "$out/plugins"
  cp="$out/classes" i=0
  IFS=: read -r -a jars < "$work/cp-$label.txt" || true # one line without a newline: read says 1 at its end
  for jar in "${jars[@]}"; do
    i=$((i + 1))
    copy="$out/lib/$(printf '%03d' "$i")-$(basename "$jar")" # numbered: the class path's order, no name clashes
    cp -r "$jar" "$copy"
    cp="$cp:$copy"
  done
  echo "$cp" > "$out/classpath"
  echo "ab: built $label ($rev)" >&2
done
for round in $(seq 1 "$rounds"); do
  for label in before after; do
    echo "== $label (${revs[$label]}), round $round"
    "$JAVA_HOME/bin/java" -XX:+UseSerialGC -Dbench.jvm=default -Dsun.net.httpserver.nodelay=true \
      -Datmosphere.bench.plugins="$work/$label/plugins" -cp "$(cat "$work/$label/classpath")" \
      farm.llama.atmosphere.bench.Bench "$bench" 2>/dev/null
  done
done
