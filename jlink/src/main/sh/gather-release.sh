#!/usr/bin/env bash
# Gathers the release folders the platforms built (the release workflow's matrix) into the one
# folder a release publishes.
#   gather-release.sh OUT BASE_URL PLATFORM_RELEASE_DIR...
# Each PLATFORM_RELEASE_DIR is one build's jlink/target/release; its SHA256SUMS is checked first
# (what crossed between jobs is what was built), and all must be of one VERSION. OUT gets every
# archive, SBOM and .deb; from the Linux builds the Dockerfile, compose.yaml and .dockerignore;
# install.sh and VERSION; the Homebrew formula rendered with every platform's archive
# (BASE_URL: where they will be downloaded from); then SHA256SUMS over all of it, signed by
# sign-release.sh when ATMOSPHERE_SIGNING_KEY_FILE is set.
set -euo pipefail
OUT=$1 BASE=$2
shift 2
[[ $# -gt 0 ]] || { echo "gather-release: no platform release folders given" >&2; exit 1; }
sh_dir=$(cd "$(dirname "$0")" && pwd)
sha256_check() { if command -v sha256sum >/dev/null 2>&1; then sha256sum --quiet -c SHA256SUMS; else shasum -a 256 --quiet -c SHA256SUMS; fi; }

version=""
sums=()
for dir in "$@"; do
  [[ -f $dir/SHA256SUMS && -f $dir/VERSION ]] || { echo "gather-release: $dir is not a release folder (no SHA256SUMS or VERSION)" >&2; exit 1; }
  (cd "$dir" && sha256_check) || { echo "gather-release: $dir does not match its SHA256SUMS" >&2; exit 1; }
  v=$(tr -d '\r\n' < "$dir/VERSION")
  if [[ -z $version ]]; then
    version=$v
  elif [[ $v != "$version" ]]; then
    echo "gather-release: $dir is version $v, the others $version" >&2
    exit 1
  fi
  sums+=("$dir/SHA256SUMS")
done

rm -rf "$OUT"
mkdir -p "$OUT"
for dir in "$@"; do
  for f in "$dir"/atmosphere-"$version"-*.tar.gz "$dir"/atmosphere-"$version"-*.zip "$dir"/atmosphere-"$version"-*.cdx.json "$dir"/*.deb; do
    [[ -e $f ]] || continue
    if [[ -e $OUT/$(basename "$f") ]]; then
      echo "gather-release: two builds made $(basename "$f")" >&2
      exit 1
    fi
    cp "$f" "$OUT/"
  done
  for f in Dockerfile compose.yaml .dockerignore install.sh; do
    if [[ -f $dir/$f && ! -e $OUT/$f ]]; then
      cp "$dir/$f" "$OUT/$f"
    fi
  done
done
echo "$version" > "$OUT/VERSION"
for f in Dockerfile install.sh; do
  [[ -f $OUT/$f ]] || { echo "gather-release: no build made $f (a Linux build must be among them)" >&2; exit 1; }
done
chmod 0755 "$OUT/install.sh"
bash "$sh_dir/render-formula.sh" "$version" "$BASE" "${sums[@]}" > "$OUT/atmosphere.rb"
bash "$sh_dir/sign-release.sh" "$OUT"
echo "gather-release: $OUT holds version $version from $# builds:"
(cd "$OUT" && LC_ALL=C ls -A | sed 's/^/  /')
