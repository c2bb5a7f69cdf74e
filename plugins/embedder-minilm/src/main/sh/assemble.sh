#!/usr/bin/env bash
# Assembles the drop-in plugin zip of the MiniLM embedder:
#   plugin.properties, classes/ (with the model), lib/onnxruntime (linux-x64 natives only).
#   assemble.sh TARGET PLUGIN_ID VERSION DESCRIPTION
set -euo pipefail
TARGET=$1 ID=$2 VERSION=$3 DESC=$4
OUT="$TARGET/$ID"
rm -rf "$OUT"
mkdir -p "$OUT/lib"
cp -r "$TARGET/classes" "$OUT/classes"
printf 'plugin.id=%s\nplugin.version=%s\nplugin.requires=>=%s\nplugin.description=%s\nplugin.provider=Atmosphere\nplugin.license=Apache-2.0\n' \
  "$ID" "$VERSION" "$VERSION" "$DESC" > "$OUT/plugin.properties"
for jar in "$TARGET"/plugin-lib/*.jar; do
  cp "$jar" "$OUT/lib/"
done
# ONNX Runtime's jar carries every platform's natives (~93 MB); keep linux-x64 only (~17 MB)
ort=$(ls "$OUT"/lib/onnxruntime-*.jar)
python3 - "$ort" <<'PY'
import sys, zipfile, shutil, os
src = sys.argv[1]; tmp = src + ".tmp"
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        n = item.filename
        if n.startswith("ai/onnxruntime/native/") and not (n == "ai/onnxruntime/native/" or n.startswith("ai/onnxruntime/native/linux-x64/")):
            continue
        zout.writestr(item, zin.read(n))
os.replace(tmp, src)
PY
rm -f "$TARGET/$ID-$VERSION.zip"
(cd "$OUT" && python3 -c "
import os, zipfile, sys
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    for root, dirs, files in os.walk('.'):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(root, f)
            z.write(p, os.path.relpath(p, '.'))
" "$TARGET/$ID-$VERSION.zip")
echo "embedder-minilm: $TARGET/$ID-$VERSION.zip ($(du -h "$TARGET/$ID-$VERSION.zip" | cut -f1))"
