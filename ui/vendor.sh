#!/usr/bin/env bash
# Vendors the dashboard's browser libraries from the npm registry into
# src/main/resources/META-INF/resources/ui/vendor/ — run it by hand to change a version, then
# commit what it wrote. Maven never runs it: the build needs no Node and no network.
# Each file is copied as published, except that bare imports ("preact") become relative paths
# (module scripts cannot resolve bare names without an import map, which the CSP forbids);
# VERSIONS records every file's package, version and SHA-256, and each licence is kept beside it.
set -euo pipefail
cd "$(dirname "$0")"
out=src/main/resources/META-INF/resources/ui/vendor
PREACT=11.2.0 HTM=3.1.1 UPLOT=1.6.32
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "preact@$PREACT" "htm@$HTM" "uplot@$UPLOT" >/dev/null)
for pkg in "preact-$PREACT" "htm-$HTM" "uplot-$UPLOT"; do
  mkdir -p "$tmp/$pkg" && tar -xzf "$tmp/$pkg.tgz" -C "$tmp/$pkg"
done
rm -rf "$out" && mkdir -p "$out"
cp "$tmp/preact-$PREACT/package/dist/preact.mjs" "$out/preact.js"
sed 's/from"preact"/from".\/preact.js"/g' "$tmp/preact-$PREACT/package/hooks/dist/hooks.mjs" > "$out/preact-hooks.js"
cp "$tmp/htm-$HTM/package/dist/htm.mjs" "$out/htm.js"
cp "$tmp/uplot-$UPLOT/package/dist/uPlot.iife.min.js" "$out/uplot.js"
cp "$tmp/uplot-$UPLOT/package/dist/uPlot.min.css" "$out/uplot.css"
cp "$tmp/preact-$PREACT/package/LICENSE" "$out/LICENSE-preact.txt"
cp "$tmp/htm-$HTM/package/LICENSE" "$out/LICENSE-htm.txt"
cp "$tmp/uplot-$UPLOT/package/LICENSE" "$out/LICENSE-uplot.txt"
# the source maps are not shipped: drop the comments that point at them
for f in "$out"/*.js; do sed -i '/^\/\/# sourceMappingURL=/d' "$f"; done
if grep -l 'from"preact' "$out"/*.js | grep -v preact.js; then
  echo "vendor.sh: a bare import is left" >&2; exit 1
fi
{
  echo "# file  package@version  sha256 (written by vendor.sh)"
  for f in preact.js preact-hooks.js htm.js uplot.js uplot.css; do
    case $f in preact*) p=preact@$PREACT ;; htm*) p=htm@$HTM ;; *) p=uplot@$UPLOT ;; esac
    echo "$f  $p  $(sha256sum "$out/$f" | cut -d' ' -f1)"
  done
} > "$out/VERSIONS"
cat "$out/VERSIONS"
