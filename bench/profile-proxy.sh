#!/usr/bin/env bash
# Where a node's time goes per proxied request: a JDK Flight Recording of a node under wrk load.
#   bench/profile-proxy.sh [SECONDS] [CONNECTIONS] [STREAM]      (defaults: 20 s, 32, false)
# The image has no jdk.jfr module, so the node runs on the build JDK with the image's modules and
# plugins and the launcher's own options for 'serve' (serial GC, 512k stacks). Its one backend is
# nginx answering an OpenAI-shaped stream at once. Prints the hottest methods by own samples and by
# samples anywhere on the stack (frames of the JDK, Helidon and Jackson included), the allocation
# pressure and the GC pauses; leaves the recording in bench/target/proxy.jfr for 'jfr' or JMC.
set -euo pipefail
SECS=${1:-20} CONNS=${2:-32} STREAM=${3:-false}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
image=$repo/jlink/target/atmosphere
modules=$repo/jlink/target/modules
JAVA=${JAVA_HOME:?JAVA_HOME, a JDK 25 with jdk.jfr}/bin/java
for tool in nginx wrk python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "profile-proxy.sh: needs $tool" >&2; exit 1; }
done
work=$(mktemp -d)
node_pid=""
cleanup() {
  [[ -n $node_pid ]] && kill "$node_pid" 2>/dev/null
  if [[ -f $work/nginx.pid ]]; then kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
d='data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hello\"},\"finish_reason\":null}]}\n\n'
mkdir -p "$work/logs"
cat > "$work/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$port;
    location = /v1/models { default_type application/json; return 200 "{\"object\":\"list\",\"data\":[{\"id\":\"m\",\"object\":\"model\"}]}"; }
    location / { default_type text/event-stream; return 200 "${d}data: [DONE]\n\n"; }
  }
}
EOF
nginx -p "$work" -c "$work/nginx.conf"
export ATMOSPHERE_DATA_DIR=$work/data
"$image/bin/atmosphere" init --name profiled >/dev/null
printf 'mesh:\n  mdns: false\ndiscovery:\n  probe-default-ports: false\n  max-concurrency: 64\nbackends:\n  - type: openai\n    url: http://127.0.0.1:%s/v1\n' "$port" \
  >> "$ATMOSPHERE_DATA_DIR/config.yaml"
mkdir -p "$repo/bench/target"
jfr_file=$repo/bench/target/proxy.jfr
"$JAVA" -XX:+UseSerialGC -Xss512k -XX:FlightRecorderOptions:stackdepth=512 -XX:StartFlightRecording=filename="$jfr_file",settings=profile,jdk.ExecutionSample#period=1ms,dumponexit=true \
  --enable-native-access=org.jline.terminal.ffm,org.jline.nativ,ALL-UNNAMED -Datmosphere.home="$image" \
  --module-path "$modules" -m farm.llama.atmosphere.shell/farm.llama.atmosphere.shell.Main serve --port 0 > "$work/serve.log" 2>&1 &
node_pid=$!
for _ in $(seq 600); do
  if "$image/bin/atmosphere" health >/dev/null 2>&1 && "$image/bin/atmosphere" backends --json 2>/dev/null | grep -q '"state" : "up"'; then
    break
  fi
  kill -0 "$node_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.1
done
api=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["address"])' "$ATMOSPHERE_DATA_DIR/node.json")
threads=$(( CONNS > 1 ? 2 : 1 ))
cat > "$work/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"m","stream":$STREAM,"messages":[{"role":"user","content":"hi"}]}'
EOF
wrk -t"$threads" -c"$CONNS" -d5s -s "$work/post.lua" "$api/v1/chat/completions" > /dev/null # warm-up
wrk -t"$threads" -c"$CONNS" -d"${SECS}s" --latency -s "$work/post.lua" "$api/v1/chat/completions"
"$image/bin/atmosphere" stop > /dev/null
wait "$node_pid" || true
node_pid=""
"$JAVA_HOME/bin/jfr" print --json --events jdk.ExecutionSample "$jfr_file" > "$work/samples.json"
"$JAVA_HOME/bin/jfr" summary "$jfr_file" | grep -E "jdk.(ExecutionSample|ObjectAllocationSample|GarbageCollection|ThreadPark|JavaMonitorWait) " || true
python3 - "$work/samples.json" <<'EOF'
import collections, json, sys
events = json.load(open(sys.argv[1]))["recording"]["events"]
own, anywhere = collections.Counter(), collections.Counter()
for e in events:
    frames = e["values"]["stackTrace"]["frames"] if e["values"].get("stackTrace") else []
    names = [f'{f["method"]["type"]["name"]}.{f["method"]["name"]}'.replace("/", ".") for f in frames]
    if names:
        own[names[0]] += 1
    for n in set(names):
        anywhere[n] += 1
total = len(events)
print(f"\n{total} execution samples")
print("\nby own samples (the method on top of the stack):")
for n, c in own.most_common(25):
    print(f"  {100 * c / total:5.1f} %  {n}")
print("\nby samples anywhere on the stack (Atmosphere's and the libraries' entry points):")
inclusive = [x for x in anywhere.most_common(2000)
             if x[0].startswith(("farm.", "io.helidon.webserver", "com.fasterxml.jackson.databind.ObjectMapper", "jdk.internal.net.http.HttpClientImpl"))
             and "$$Lambda" not in x[0]]
for n, c in inclusive[:35]:
    print(f"  {100 * c / total:5.1f} %  {n}")
EOF
echo "recording: $jfr_file"
