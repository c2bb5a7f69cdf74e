#!/usr/bin/env bash
# Builds the trimmed jlink image of Atmosphere and the release folder beside it.
#   build-image.sh VERSION MODULES_DIR PLUGINS_DIR SRC_MAIN TARGET LICENSE_FILE SBOM OUTPUT_TIMESTAMP
# The JDK modules are derived, not guessed: jdeps over every module jar and every built-in
# plugin jar, plus the non-static java.*/jdk.* requires of every module descriptor, plus
# jdk.zipfs (PF4J reads plugin.properties inside jars through it).
#
# TARGET/atmosphere          the image (what the image tests run)
# TARGET/release/            atmosphere-VERSION-PLATFORM.tar.gz (.zip on Windows), its CycloneDX
#                            SBOM, on Linux the .deb (build-deb.sh) and the Dockerfile with its
#                            compose.yaml, install.sh, the Homebrew formula atmosphere.rb, VERSION,
#                            SHA256SUMS (+ SHA256SUMS.asc when a signing key is given)
# The archive is reproducible: entries sorted, owned by 0:0, dated OUTPUT_TIMESTAMP, gzip without a
# name or time; the same sources and JDK give the same bytes.
# Portable: Linux, macOS and Windows (Git Bash) runners; the platform is detected, not assumed.
set -euo pipefail
VERSION=$1 MODULES=$2 PLUGINS=$3 SRC=$4 TARGET=$5 LICENSE_FILE=$6 SBOM=$7 STAMP=$8
JAVA_HOME=${JAVA_HOME:-$(cd "$(dirname "$(command -v java)")/.." && pwd -P)}
exe=""
case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=macos ;;
  MINGW*|MSYS*|CYGWIN*) os=windows exe=.exe ;;
  *) echo "build-image: unknown OS $(uname -s)" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64|amd64|AMD64) arch=x64 ;;
  aarch64|arm64) arch=aarch64 ;;
  *) echo "build-image: unknown architecture $(uname -m)" >&2; exit 1 ;;
esac
PLATFORM=${ATMOSPHERE_PLATFORM:-$os-$arch}
JDEPS="$JAVA_HOME/bin/jdeps$exe" JLINK="$JAVA_HOME/bin/jlink$exe" JAR="$JAVA_HOME/bin/jar$exe" JAVA="$JAVA_HOME/bin/java$exe"
IMAGE="$TARGET/atmosphere"
RELEASE="$TARGET/release"
NAME="atmosphere-$VERSION"
t0=$(date +%s)

sha256() { if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d' ' -f1; }

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
jdk_list=$(printf '%s\n' "${jdk_modules[@]}" | grep -E '^(java|jdk)\.' | LC_ALL=C sort -u | paste -sd, -)
app_list=$(printf '%s\n' "${app_modules[@]}" | LC_ALL=C sort -u | paste -sd, -)
echo "build-image: JDK modules: $jdk_list"

rm -rf "$IMAGE"
"$JLINK" --module-path "$MODULES" \
  --add-modules "$app_list,$jdk_list" \
  --strip-debug --no-header-files --no-man-pages --compress zip-9 --ignore-signing-information \
  --output "$IMAGE"

# The JDK's native files ship with their symbol tables (libjvm.so ~5 MB of them); strip every one
# on Linux when binutils is there, as distributions do. Never on macOS: stripping (or chmod-ing) a
# signed library breaks its signature.
if [[ $os == linux ]] && command -v strip >/dev/null 2>&1; then
  while IFS= read -r -d '' f; do
    if [[ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" == '177ELF' ]]; then
      mode=$(stat -c %a "$f")
      chmod u+w "$f"
      strip --strip-unneeded "$f"
      chmod "$mode" "$f"
    fi
  done < <(find "$IMAGE/bin" "$IMAGE/lib" -type f -print0)
fi

# Our own launcher: jlink's has no exec, so killing it would leave the JVM running.
if [[ $os == windows ]]; then
  cp "$SRC/cmd/atmosphere.cmd" "$IMAGE/bin/atmosphere.cmd"
else
  cp "$SRC/sh/atmosphere" "$IMAGE/bin/atmosphere"
  chmod 0755 "$IMAGE/bin/atmosphere"
fi
mkdir -p "$IMAGE/plugins" "$IMAGE/conf"
if [[ $os == linux ]]; then
  # the system node's unit, for install.sh run as root (the .deb installs its own copy)
  mkdir -p "$IMAGE/share/systemd"
  cp "$SRC/deb/atmosphere.service" "$IMAGE/share/systemd/atmosphere.service"
fi
cp "${plugin_jars[@]}" "$IMAGE/plugins/"
# plugins that ship as zips (embedder-minilm: the model and ONNX Runtime) go in unpacked, without
# their version in the name: read where they lie (a zip would be unpacked into every data dir)
for z in "$PLUGINS"/*.zip; do
  [[ -e "$z" ]] || continue
  dir="$IMAGE/plugins/$(basename "$z" | sed -E 's/-[0-9][0-9A-Za-z.+-]*\.zip$//')"
  mkdir -p "$dir"
  (cd "$dir" && "$JAR" xf "$z")
done
cp "$SRC/conf/"* "$IMAGE/conf/"
echo "$VERSION" > "$IMAGE/VERSION"
cp "$LICENSE_FILE" "$IMAGE/LICENSE"
# the launcher keys its start-up cache by this, not by file dates (portable, and the same for the same image)
sha256 "$IMAGE/lib/modules" > "$IMAGE/lib/atmosphere-build-id"

# Completions and the man page, generated from the command tree by the image itself
docs_data=$(mktemp -d)
run_image() {
  if [[ $os == windows ]]; then
    ATMOSPHERE_DATA_DIR="$docs_data" "$IMAGE/bin/java$exe" --enable-native-access=org.jline.terminal.ffm,org.jline.nativ,ALL-UNNAMED \
      -Datmosphere.home="$IMAGE" -m farm.llama.atmosphere.shell/farm.llama.atmosphere.shell.Main "$@"
  else
    ATMOSPHERE_DATA_DIR="$docs_data" ATMOSPHERE_AOT=off "$IMAGE/bin/atmosphere" "$@"
  fi
}
mkdir -p "$IMAGE/share/bash-completion/completions" "$IMAGE/share/zsh/site-functions" \
  "$IMAGE/share/fish/vendor_completions.d" "$IMAGE/share/man/man1"
run_image completion bash > "$IMAGE/share/bash-completion/completions/atmosphere"
run_image completion zsh > "$IMAGE/share/zsh/site-functions/_atmosphere"
run_image completion fish > "$IMAGE/share/fish/vendor_completions.d/atmosphere.fish"
run_image man > "$IMAGE/share/man/man1/atmosphere.1"
rm -rf "$docs_data"

# The SBOM names the bundled JDK too; the third-party notices are derived from it
rm -rf "$RELEASE"
mkdir -p "$RELEASE"
BOM="$RELEASE/$NAME-$PLATFORM.cdx.json"
"$JAVA" -cp "$MODULES/*" "$SRC/build/ReleaseTool.java" sbom "$SBOM" "$BOM" "$JAVA_HOME" "$IMAGE"
"$JAVA" -cp "$MODULES/*" "$SRC/build/ReleaseTool.java" notices "$BOM" "$IMAGE/THIRD-PARTY-NOTICES"
echo "$VERSION" > "$RELEASE/VERSION"

# The archive: its one folder is atmosphere-VERSION
stage="$TARGET/stage"
rm -rf "$stage"
mkdir -p "$stage"
cp -Rp "$IMAGE" "$stage/$NAME"
if [[ $os == windows ]]; then
  ARCHIVE="$RELEASE/$NAME-$PLATFORM.zip"
  "$JAR" --create --no-manifest --date="$STAMP" --file "$ARCHIVE" -C "$stage" "$NAME"
else
  ARCHIVE="$RELEASE/$NAME-$PLATFORM.tar.gz"
  tar=tar
  if ! tar --version 2>/dev/null | grep -q GNU; then
    tar=$(command -v gtar || true)
  fi
  if [[ -n "$tar" ]]; then
    (cd "$stage" && "$tar" --sort=name --mtime="$STAMP" --owner=0 --group=0 --numeric-owner --format=gnu \
      -cf - "$NAME") | gzip -n -9 > "$ARCHIVE"
  else
    echo "build-image: no GNU tar (brew install gnu-tar): the archive is built, but not reproducibly" >&2
    (cd "$stage" && tar -cf - "$NAME") | gzip -n -9 > "$ARCHIVE"
  fi
fi
rm -rf "$stage"
if [[ $os == linux ]]; then
  JAVA_HOME="$JAVA_HOME" bash "$SRC/sh/build-deb.sh" "$VERSION" "$IMAGE" "$SRC" "$RELEASE" "$STAMP"
  # the container image is built from this folder: docker build -t atmosphere:VERSION RELEASE
  sed "s/@VERSION@/$VERSION/g" "$SRC/docker/Dockerfile" > "$RELEASE/Dockerfile"
  sed "s/@VERSION@/$VERSION/g" "$SRC/docker/compose.yaml" > "$RELEASE/compose.yaml"
  printf '*\n!atmosphere-*-linux-*.tar.gz\n' > "$RELEASE/.dockerignore"
fi
# install.sh (sign-release.sh writes the release key into it when it signs) and the Homebrew
# formula for this platform's archive (the release workflow renders it again with every platform)
cp "$SRC/sh/install.sh" "$RELEASE/install.sh"
chmod 0755 "$RELEASE/install.sh"
if [[ $os != windows ]]; then
  RELEASE_URL=${ATMOSPHERE_RELEASE_URL:-https://github.com/llama-farm/atmosphere/releases/download/v$VERSION}
  printf '%s  %s\n' "$(sha256 "$ARCHIVE")" "$(basename "$ARCHIVE")" > "$TARGET/archive.sha256"
  bash "$SRC/sh/render-formula.sh" "$VERSION" "$RELEASE_URL" "$TARGET/archive.sha256" > "$RELEASE/atmosphere.rb"
  rm -f "$TARGET/archive.sha256"
fi
bash "$SRC/sh/sign-release.sh" "$RELEASE"
echo "build-image: $IMAGE ($(du -sh "$IMAGE" | cut -f1)), $ARCHIVE ($(du -h "$ARCHIVE" | cut -f1)) in $(( $(date +%s) - t0 )) s"
