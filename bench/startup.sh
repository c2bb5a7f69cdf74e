#!/usr/bin/env bash
# Start-up benchmark of the built image: process start -> first 200 from /health, and idle RSS.
#   bench/startup.sh [RUNS]   (default 10; build first: ./mvnw -q package -DskipTests)
# Runs the variants interleaved (the machine is noisy): the shipped launcher with its AOT cache
# (made on the first start in the data dir), and the same with ATMOSPHERE_AOT=off.
set -euo pipefail
RUNS=${1:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
A="$ROOT/jlink/target/atmosphere/bin/atmosphere"
PORT=${PORT:-11499}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

start_once() { # data_dir env... -> "ms rss_kb"
  local data=$1; shift
  local t0 t1 pid rss
  t0=$(date +%s%N)
  env "$@" ATMOSPHERE_DATA_DIR="$data" "$A" serve --port "$PORT" >/dev/null 2>&1 &
  pid=$!
  # poll with bash's /dev/tcp: spawning curl in a loop would steal CPU from the node on 2 cores
  until { exec 3<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null \
      && printf 'GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3 \
      && read -r line <&3 && exec 3>&- 3<&- && [[ $line == *" 200 "* ]]; do
    exec 3>&- 3<&- 2>/dev/null || true
    sleep 0.01
  done
  t1=$(date +%s%N)
  sleep 2
  rss=$(ps -o rss= -p "$pid" | tr -d ' ')
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$(( (t1 - t0) / 1000000 )) $rss"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }

for v in aot noaot; do "$A" --data-dir "$work/$v" init >/dev/null; done
# first start of the AOT variant records the class list; the second makes the cache in the background
start_once "$work/aot" >/dev/null; start_once "$work/aot" >/dev/null; sleep 8
for i in $(seq "$RUNS"); do
  start_once "$work/aot" >> "$work/aot.txt"
  start_once "$work/noaot" ATMOSPHERE_AOT=off >> "$work/noaot.txt"
done
echo "image: $(du -sh "$ROOT/jlink/target/atmosphere" | cut -f1)  tarball: $(du -h "$ROOT"/jlink/target/atmosphere-*-linux-x64.tar.gz | cut -f1)"
echo "aot cache: $(du -h "$work"/aot/cache/*.aot 2>/dev/null | cut -f1)"
printf '%-22s %10s %10s %12s\n' variant "p50 ms" "max ms" "RSS MB p50"
for v in aot noaot; do
  ms=$(cut -d' ' -f1 "$work/$v.txt" | median)
  mx=$(cut -d' ' -f1 "$work/$v.txt" | sort -n | tail -1)
  rss=$(cut -d' ' -f2 "$work/$v.txt" | median)
  printf '%-22s %10s %10s %12s\n' "$v" "$ms" "$mx" "$((rss / 1024))"
done
