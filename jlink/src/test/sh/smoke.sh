#!/usr/bin/env bash
# Smoke test of one release artifact, on the platform it was built for: what a user does first.
#   smoke.sh ARCHIVE|IMAGE_DIR
# ARCHIVE is a release's atmosphere-VERSION-PLATFORM.tar.gz or .zip (unpacked into a scratch
# folder), IMAGE_DIR an unpacked image. Steps: --version names the image's VERSION; init; serve
# and health; the built-in 'time' tool; stop. Then the start-up cache, as the launcher keeps it:
# the first serve recorded a configuration, the second turns it into a cache in the background,
# a third starts with it. Linux, macOS and Windows (Git Bash, bin\atmosphere.cmd).
# Exit 0 when every step passed; otherwise the failing step and its output.
set -euo pipefail
target=${1:?usage: smoke.sh ARCHIVE|IMAGE_DIR}
wait_s=${SMOKE_WAIT_SECONDS:-180}

work=$(mktemp -d)
serve_pid=""
cleanup() {
  if [[ -n $serve_pid ]] && kill -0 "$serve_pid" 2>/dev/null; then
    "${cli[@]}" stop --timeout 30s >/dev/null 2>&1 || kill "$serve_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf 'smoke: %s\n' "$*"; }
fail() {
  printf 'smoke: FAILED: %s\n' "$1" >&2
  [[ $# -gt 1 && -f $2 ]] && sed 's/^/  | /' "$2" >&2
  exit 1
}

case $target in
  *.tar.gz) tar -xzf "$target" -C "$work" ;;
  *.zip)
    zip_file="$(cd "$(dirname "$target")" && pwd)/$(basename "$target")"
    if command -v unzip >/dev/null 2>&1; then
      (cd "$work" && unzip -q "$zip_file")
    else
      (cd "$work" && "${JAVA_HOME:?JAVA_HOME, for jar to unpack the zip}/bin/jar" xf "$zip_file")
    fi ;;
esac
case $target in
  *.tar.gz|*.zip)
    homes=("$work"/atmosphere-*)
    [[ ${#homes[@]} -eq 1 && -d ${homes[0]} ]] || fail "the archive holds one folder atmosphere-VERSION"
    home=${homes[0]} ;;
  *) home=$(cd "$target" && pwd) ;;
esac
case "$(uname -s)" in
  MINGW*|MSYS*|CYGWIN*) cli=("$home/bin/atmosphere.cmd") ;;
  *) cli=("$home/bin/atmosphere") ;;
esac
[[ -f ${cli[0]} ]] || fail "no launcher ${cli[0]}"
export ATMOSPHERE_DATA_DIR="$work/data"
export ATMOSPHERE_DISCOVERY_PROBE_DEFAULT_PORTS=false # this runner's own backends are not what is tested
unset ATMOSPHERE_AOT

version=$(tr -d '\r\n' < "$home/VERSION")
step "--version"
"${cli[@]}" --version > "$work/version.out" 2>&1 || fail "atmosphere --version" "$work/version.out"
grep -q "^Atmosphere $version" "$work/version.out" || fail "--version names $version" "$work/version.out"

step "init"
"${cli[@]}" init --name smoke > "$work/init.out" 2>&1 || fail "atmosphere init" "$work/init.out"
[[ -s $ATMOSPHERE_DATA_DIR/identity.json ]] || fail "init wrote identity.json" "$work/init.out"

# serve N: starts the node and waits until 'atmosphere health' says it serves
serve() {
  local log="$work/serve-$1.log"
  # shellcheck disable=SC2031 # ATMOSPHERE_JAVA_OPTS may be set for one call of serve
  "${cli[@]}" serve --port 0 > "$log" 2>&1 &
  serve_pid=$!
  local deadline=$((SECONDS + wait_s))
  until "${cli[@]}" health > "$work/health.out" 2>&1; do
    kill -0 "$serve_pid" 2>/dev/null || fail "serve ($1) ended before it served" "$log"
    ((SECONDS < deadline)) || fail "serve ($1): health did not pass in ${wait_s}s" "$log"
    sleep 1
  done
  grep -q '^ok: node ' "$work/health.out" || fail "health's line" "$work/health.out"
}

# stop N: 'atmosphere stop' (the way that works on every platform), and serve's process ends with 0
stop() {
  "${cli[@]}" stop > "$work/stop.out" 2>&1 || fail "atmosphere stop ($1)" "$work/stop.out"
  local code=0
  wait "$serve_pid" || code=$?
  serve_pid=""
  [[ $code -eq 0 ]] || fail "serve ($1) exited $code after stop" "$work/serve-$1.log"
  if "${cli[@]}" health > "$work/health.out" 2>&1; then
    fail "health still passes after stop ($1)" "$work/health.out"
  fi
}

step "serve + health"
serve 1
step "tool run time"
"${cli[@]}" tool run time --json > "$work/time.out" 2>&1 || fail "atmosphere tool run time" "$work/time.out"
grep -q '"epochMillis"' "$work/time.out" || fail "the time tool's result" "$work/time.out"
step "stop"
stop 1

cache_dir="$ATMOSPHERE_DATA_DIR/cache"
step "start-up cache: the first serve recorded the node's classes"
ls "$cache_dir"/atmosphere-"$version"-*.aotconf > /dev/null 2>&1 || fail "no .aotconf in $cache_dir after the first serve" "$work/serve-1.log"
step "start-up cache: the second serve makes the cache in the background"
serve 2
stop 2
deadline=$((SECONDS + wait_s))
until ls "$cache_dir"/atmosphere-"$version"-*.aot > /dev/null 2>&1; do
  ((SECONDS < deadline)) || fail "no .aot in $cache_dir ${wait_s}s after the second serve" "$work/serve-2.log"
  sleep 1
done
step "start-up cache: the third serve starts with it"
ATMOSPHERE_JAVA_OPTS="-Xlog:aot" serve 3
stop 3
grep -q 'Opened AOT cache' "$work/serve-3.log" || fail "the third serve opened the AOT cache" "$work/serve-3.log"
if grep -qi 'unable to use\|error.*AOT cache' "$work/serve-3.log"; then
  fail "the JVM refused the AOT cache" "$work/serve-3.log"
fi
step "passed: $home"
