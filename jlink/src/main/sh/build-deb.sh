#!/usr/bin/env bash
# Builds the Debian package of the image: RELEASE/atmosphere_<version>-1_<arch>.deb
#   build-deb.sh VERSION IMAGE SRC_MAIN RELEASE OUTPUT_TIMESTAMP
# The image goes to /usr/lib/atmosphere, /usr/bin/atmosphere points at its launcher, completions,
# the man page and the copyright go where Debian expects them, and atmosphere.service runs the
# system node as user atmosphere in /var/lib/atmosphere. Depends is computed by dpkg-shlibdeps from
# every ELF file the package holds, the native libraries inside its jars included, plus what the
# maintainer scripts run. Reproducible: files dated OUTPUT_TIMESTAMP, owned by root, gzip without a name.
# Needs dpkg-deb and dpkg-shlibdeps (package dpkg-dev); without them it says so and builds nothing.
set -euo pipefail
VERSION=$1 IMAGE=$2 SRC=$3 RELEASE=$4 STAMP=$5

for tool in dpkg-deb dpkg-shlibdeps dpkg; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "build-deb: no $tool here (apt-get install dpkg-dev): the .deb is not built" >&2
    exit 0
  fi
done
t0=$(date +%s)
arch=$(dpkg --print-architecture)
case $arch in
  amd64) native=linux-x64 ;;
  arm64) native=linux-aarch64 ;;
  *) echo "build-deb: no native libraries are known for $arch" >&2; exit 1 ;;
esac
# Debian orders 0.3.0~rc1 before 0.3.0; an upstream 0.3.0-rc1 would sort after it
deb_version="${VERSION//-/\~}-1"
maintainer=${ATMOSPHERE_DEB_MAINTAINER:-"Atmosphere developers <atmosphere@llama.farm>"}
epoch=$(date -u -d "$STAMP" +%s)
export SOURCE_DATE_EPOCH=$epoch

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root/DEBIAN" "$root/usr/lib" "$root/usr/bin" "$root/usr/share/doc/atmosphere" \
  "$root/usr/share/man/man1" "$root/usr/share/bash-completion/completions" \
  "$root/usr/share/zsh/vendor-completions" "$root/usr/share/fish/vendor_completions.d" \
  "$root/usr/lib/systemd/system"
cp -Rp "$IMAGE" "$root/usr/lib/atmosphere"
# jlink makes some files read-only (0444): a package's files are 0644 (0755 executables)
chmod -R u+w "$root/usr/lib/atmosphere"
ln -s ../lib/atmosphere/bin/atmosphere "$root/usr/bin/atmosphere"

# completions and the man page move from the image's share/ to the places the shells and man look
share="$root/usr/lib/atmosphere/share"
# a completion is sourced, not run: no "#!" line
sed '1{/^#!/d}' "$share/bash-completion/completions/atmosphere" > "$root/usr/share/bash-completion/completions/atmosphere"
mv "$share/zsh/site-functions/_atmosphere" "$root/usr/share/zsh/vendor-completions/_atmosphere"
mv "$share/fish/vendor_completions.d/atmosphere.fish" "$root/usr/share/fish/vendor_completions.d/atmosphere.fish"
gzip -n -9 -c "$share/man/man1/atmosphere.1" > "$root/usr/share/man/man1/atmosphere.1.gz"
rm -rf "$share"

cp "$SRC/deb/copyright" "$root/usr/share/doc/atmosphere/copyright"
printf 'atmosphere (%s) unstable; urgency=medium\n\n  * Atmosphere %s.\n\n -- %s  %s\n' \
  "$deb_version" "$VERSION" "$maintainer" "$(date -u -R -d "@$epoch")" | gzip -n -9 > "$root/usr/share/doc/atmosphere/changelog.Debian.gz"
cp "$SRC/deb/atmosphere.service" "$root/usr/lib/systemd/system/atmosphere.service"
for script in postinst prerm postrm; do
  install -m 0755 "$SRC/deb/$script" "$root/DEBIAN/$script"
done

# Depends: the ELF files of the image, and the native libraries the jars unpack at run time
natives="$work/natives"
mkdir -p "$natives"
JAR="${JAVA_HOME:?JAVA_HOME names the JDK that built the image}/bin/jar"
while IFS= read -r -d '' jar; do
  mapfile -t entries < <("$JAR" tf "$jar" | grep -E "/$native/[^/]+\.so$" || true)
  if [ ${#entries[@]} -gt 0 ]; then (cd "$natives" && "$JAR" xf "$jar" "${entries[@]}"); fi
done < <(find "$root/usr/lib/atmosphere/plugins" -name '*.jar' -print0)
native_libs=()
while IFS= read -r -d '' so; do
  native_libs+=("$so")
  # the JNI library asks for the soname libonnxruntime.so.1; the jar ships it as libonnxruntime.so
  case $so in *.so) ln -sf "$(basename "$so")" "$so.1" ;; esac
done < <(find "$natives" -type f -name '*.so' -print0)
elf=()
while IFS= read -r -d '' f; do
  if [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ]; then elf+=("$f"); fi
done < <(find "$root/usr/lib/atmosphere" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0)
lib_dirs=(-l"$root/usr/lib/atmosphere/lib" -l"$root/usr/lib/atmosphere/lib/server")
for so in "${native_libs[@]}"; do lib_dirs+=(-l"$(dirname "$so")"); done
mkdir -p "$work/debian"
printf 'Source: atmosphere\n\nPackage: atmosphere\nArchitecture: any\n' > "$work/debian/control"
if ! shlibs=$(cd "$work" && dpkg-shlibdeps -O --ignore-missing-info "${lib_dirs[@]}" "${elf[@]}" "${native_libs[@]}" 2>"$work/shlibdeps.err"); then
  cat "$work/shlibdeps.err" >&2
  exit 1
fi
shlibs=${shlibs#shlibs:Depends=}
# what the maintainer scripts run beyond the essential set: adduser (adduser, deluser, delgroup), and
# deb-systemd-helper's was-enabled and update-state (init-system-helpers, essential, from 1.54)
depends="$shlibs, adduser, init-system-helpers (>= 1.54~)"

find "$root" -exec touch -h -d "@$epoch" {} +
size=$(du -sk --apparent-size "$root/usr" | cut -f1)
cat > "$root/DEBIAN/control" <<EOF
Package: atmosphere
Version: $deb_version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $depends
Section: net
Priority: optional
Description: semantic mesh for AI capabilities
 Every device you own runs a node. A node finds the AI backends on its
 machine (Ollama, LM Studio, llama.cpp, vLLM, LlamaFarm), shares what they
 can do with the other nodes of its mesh, and routes each request to the
 capability that fits it best, by meaning and by cost, wherever it lives.
 It serves an OpenAI-compatible API and comes with a CLI that is also an
 interactive shell.
 .
 This package runs the system node as a hardened systemd service
 (atmosphere.service) with its data in /var/lib/atmosphere; members of
 group atmosphere may use the CLI against it.
EOF
touch -h -d "@$epoch" "$root/DEBIAN/control"

mkdir -p "$RELEASE"
deb="$RELEASE/atmosphere_${deb_version}_${arch}.deb"
rm -f "$RELEASE"/atmosphere_*_"$arch".deb
# gzip: the image is compressed already (xz takes 5 times longer to save 5%), and zstd, 2% smaller,
# is not yet a format every dpkg and the Debian archive tools accept
dpkg-deb --root-owner-group -Zgzip -z9 --build "$root" "$deb" >/dev/null
echo "build-deb: $deb ($(du -h "$deb" | cut -f1); Depends: $depends) in $(( $(date +%s) - t0 )) s"
