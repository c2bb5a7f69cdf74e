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
PREACT=11.2.0 HTM=3.1.1 UPLOT=1.6.32 QRCODE=2.0.4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "preact@$PREACT" "htm@$HTM" "uplot@$UPLOT" "qrcode-generator@$QRCODE" >/dev/null)
for pkg in "preact-$PREACT" "htm-$HTM" "uplot-$UPLOT" "qrcode-generator-$QRCODE"; do
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
# the invite's QR code (qrcode-generator, MIT): the package ships no LICENSE file, its source names the licence
cp "$tmp/qrcode-generator-$QRCODE/package/dist/qrcode.mjs" "$out/qrcode.js"
{
  sed -n '1,16p' "$out/qrcode.js"
  printf '\nMIT License\n\nCopyright (c) 2009 Kazuhiko Arase\n\n'
  printf '%s\n' 'Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated' \
    'documentation files (the "Software"), to deal in the Software without restriction, including without limitation the' \
    'rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit' \
    'persons to whom the Software is furnished to do so, subject to the following conditions:' '' \
    'The above copyright notice and this permission notice shall be included in all copies or substantial portions of the' \
    'Software.' '' \
    'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE' \
    'WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR' \
    'COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR' \
    'OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.'
} > "$out/LICENSE-qrcode-generator.txt"
# the source maps are not shipped: drop the comments that point at them
for f in "$out"/*.js; do sed -i '/^\/\/# sourceMappingURL=/d' "$f"; done
if grep -l 'from"preact' "$out"/*.js | grep -v preact.js; then
  echo "vendor.sh: a bare import is left" >&2; exit 1
fi
{
  echo "# file  package@version  sha256 (written by vendor.sh)"
  for f in preact.js preact-hooks.js htm.js uplot.js uplot.css qrcode.js; do
    case $f in preact*) p=preact@$PREACT ;; htm*) p=htm@$HTM ;; qrcode*) p=qrcode-generator@$QRCODE ;; *) p=uplot@$UPLOT ;; esac
    echo "$f  $p  $(sha256sum "$out/$f" | cut -d' ' -f1)"
  done
} > "$out/VERSIONS"
cat "$out/VERSIONS"
