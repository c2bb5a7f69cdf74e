#!/usr/bin/env bash
# Renders the Homebrew formula atmosphere.rb for a release, with a url and sha256 for every
# platform whose archive one of the SHA256SUMS files lists (a build machine's own release folder
# lists its platform; the release workflow passes every platform's SHA256SUMS).
#   render-formula.sh VERSION BASE_URL SHA256SUMS... > atmosphere.rb
# BASE_URL is where the archives will be downloaded from (the release's download folder).
set -euo pipefail
VERSION=$1 BASE=${2%/}
shift 2
template="$(dirname "$0")/../brew/atmosphere.rb.in"

# block OS ARCH: the on_<os> / on_<arch> lines for one archive, if a SHA256SUMS lists it
block() {
  local name="atmosphere-$VERSION-$1-$2.tar.gz" sum=""
  sum=$(awk -v n="$name" '$2==n || $2=="*"n {print $1; exit}' "${sums[@]}")
  [[ -n "$sum" ]] || return 0
  local cpu=arm
  [[ $2 == x64 ]] && cpu=intel
  printf '    on_%s do\n      url "%s/%s"\n      sha256 "%s"\n    end\n' "$cpu" "$BASE" "$name" "$sum"
}
sums=("$@")
platforms=""
for os in macos linux; do
  arm=$(block "$os" aarch64) intel=$(block "$os" x64)
  [[ -n "$arm$intel" ]] || continue
  platforms+="  on_${os} do"$'\n'
  [[ -z "$arm" ]] || platforms+="$arm"$'\n'
  [[ -z "$intel" ]] || platforms+="$intel"$'\n'
  platforms+="  end"$'\n'
done
if [[ -z "$platforms" ]]; then
  echo "render-formula: no atmosphere-$VERSION-<os>-<arch>.tar.gz in $*" >&2
  exit 1
fi
while IFS= read -r line; do
  case $line in
    *@PLATFORMS@*) printf '%s' "$platforms" ;;
    *) printf '%s\n' "${line//@VERSION@/$VERSION}" ;;
  esac
done < "$template"
