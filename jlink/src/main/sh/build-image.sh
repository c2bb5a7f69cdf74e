#!/usr/bin/env bash
# Builds the trimmed jlink image of Atmosphere and its tarball.
#   build-image.sh VERSION MODULES_DIR PLUGINS_DIR SRC_MAIN TARGET LICENSE_FILE
# The JDK modules are derived, not guessed: jdeps over every module jar and every built-in
# plugin jar, plus the non-static java.*/jdk.* requires of every module descriptor, plus
# jdk.zipfs (PF4J reads plugin.properties inside jars through it).
set -euo pipefail
VERSION=$1 MODULES=$2 PLUGINS=$3 SRC=$4 TARGET=$5 LICENSE_FILE=$6
JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
JDEPS="$JAVA_HOME/bin/jdeps" JLINK="$JAVA_HOME/bin/jlink" JAR="$JAVA_HOME/bin/jar"
IMAGE="$TARGET/atmosphere"
TARBALL="$TARGET/atmosphere-$VERSION-linux-x64.tar.gz"
t0=$(date +%s)

app_modules=()
jdk_modules=(jdk.zipfs)
for jar in "$MODULES"/*.jar; do
  desc=$("$JAR" --describe-module --file "$jar" --release 25 2>/dev/null || true)
  name=$(printf '%s\n' "$desc" | grep -v '^releases:' | grep -m1 -E '^[A-Za-z_][A-Za-z0-9_.]*(@[^ ]*)?( |$)' | sed -E 's/@.*//; s/ .*//' || true)
  if [[ -z "$name" || "$desc" == *"automatic"* || "$desc" == *"No module descriptor"* ]]; then
    echo "build-image: $jar has no module descriptor; add one in jlink/pom.xml (ModiTect)" >&2
    exit 1
  fi
  app_modules+=("$name")
  while read -r mod; do jdk_modules+=("$mod"); done < <(printf '%s\n' "$desc" \
    | awk '$1=="requires" { m=$2; s=0; for (i=2;i<=NF;i++) { if ($i=="static") s=1; else m=$i } if (!s) print m }' \
    | grep -E '^(java|jdk)\.' || true)
done
plugin_jars=()
for p in "$PLUGINS"/*.jar; do [[ -e "$p" ]] && plugin_jars+=("$p"); done
deps=$("$JDEPS" --multi-release 25 --ignore-missing-deps --print-module-deps \
  --module-path "$MODULES" "$MODULES"/*.jar "${plugin_jars[@]}" 2>/dev/null | tail -1)
IFS=, read -r -a from_jdeps <<< "$deps"
jdk_modules+=("${from_jdeps[@]}")
jdk_list=$(printf '%s\n' "${jdk_modules[@]}" | grep -E '^(java|jdk)\.' | sort -u | paste -sd, -)
app_list=$(printf '%s\n' "${app_modules[@]}" | sort -u | paste -sd, -)
echo "build-image: JDK modules: $jdk_list"

rm -rf "$IMAGE"
"$JLINK" --module-path "$MODULES" \
  --add-modules "$app_list,$jdk_list" \
  --strip-debug --no-header-files --no-man-pages --compress zip-9 --ignore-signing-information \
  --output "$IMAGE"

# libjvm.so ships with its symbol table (~5 MB); strip it when binutils is there, as distributions do
if command -v strip >/dev/null 2>&1; then
  chmod u+w "$IMAGE/lib/server/libjvm.so"
  strip --strip-unneeded "$IMAGE/lib/server/libjvm.so"
  chmod u-w "$IMAGE/lib/server/libjvm.so"
fi

# Our own launcher: jlink's has no exec, so killing it would leave the JVM running.
install -m 0755 "$SRC/sh/atmosphere" "$IMAGE/bin/atmosphere"
mkdir -p "$IMAGE/plugins" "$IMAGE/conf"
cp "${plugin_jars[@]}" "$IMAGE/plugins/"
cp "$SRC/conf/"* "$IMAGE/conf/"
echo "$VERSION" > "$IMAGE/VERSION"
install -m 0644 "$LICENSE_FILE" "$IMAGE/LICENSE"

tar -C "$TARGET" -czf "$TARBALL" atmosphere
echo "build-image: $IMAGE ($(du -sh "$IMAGE" | cut -f1)), $TARBALL ($(du -h "$TARBALL" | cut -f1)) in $(( $(date +%s) - t0 )) s"
