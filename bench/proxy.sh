#!/usr/bin/env bash
# Proxy overhead and throughput, against nginx on the same machine (issue 26's harness).
#   bench/proxy.sh [ROUNDS] [SECONDS]          (defaults: 3 rounds of 8 s; needs Debian's nginx and wrk)
#   NGINX_WORKERS=1 bench/proxy.sh            (nginx's worker processes; default auto, one per core)
#   ONLY='c1 ' bench/proxy.sh                 (only the node cases whose label matches this regex; direct and nginx always run)
#   NODE_JAVA_OPTS='-XX:-UseSerialGC -XX:+UseParallelGC' bench/proxy.sh   (JVM options added to the node's launcher)
#   BASELINE_IMAGE=/path/to/older/jlink/target/atmosphere bench/proxy.sh   (also runs an older image's node, as
#                                             "base" rows in the same interleaved rounds: a before/after on one table)
# One instant OpenAI-shaped backend (nginx answering with 'return': JSON on one port, an SSE stream on
# another, GET /v1/models on both) is loaded with wrk POST /v1/chat/completions three ways, interleaved
# round by round so the machine's noise hits all alike:
#   direct   the backend itself
#   nginx    nginx as a reverse proxy in front of it (keep-alive upstream)
#   node     an Atmosphere node: the built image's process (jlink/target/atmosphere), as a user runs it
# at 1 and 32 connections, streaming and not, with the model named (and, node-nocontinue, with
# x-atmosphere-continue: off, so the node keeps no record of what it streamed for a continuation),
# and (node only) model "auto" with one repeated intent and with a new intent every request. Prints a Markdown table of the medians over
# the rounds: p50, p99 (wrk --latency) and requests per second, and the node's and nginx's added latency.
set -euo pipefail
ROUNDS=${1:-3} SECONDS_EACH=${2:-8}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
image=${ATMOSPHERE_IMAGE:-$repo/jlink/target/atmosphere}
for tool in nginx wrk python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "proxy.sh: needs $tool (Debian: apt-get install nginx wrk)" >&2; exit 1; }
done
[[ -x $image/bin/atmosphere ]] || { echo "proxy.sh: no image at $image (./mvnw -q package -DskipTests)" >&2; exit 1; }

work=$(mktemp -d)
cleanup() {
  for f in "$work"/*/serve.pid; do
    [[ -f $f ]] || continue
    kill "$(cat "$f")" 2>/dev/null
    for _ in $(seq 300); do kill -0 "$(cat "$f")" 2>/dev/null || break; sleep 0.1; done # gone before the next run starts
  done
  if [[ -f $work/nginx/nginx.pid ]]; then kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
B_JSON=$(free_port) B_SSE=$(free_port) P_JSON=$(free_port) P_SSE=$(free_port)

chunk() { printf 'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":%s,"finish_reason":%s}]%s}\\n\\n' "$1" "$2" "$3"; }
SSE="$(chunk '{"role":"assistant","content":"hello"}' null '')$(chunk '{"content":" world"}' null '')$(chunk '{}' '"stop"' ',"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}')data: [DONE]\\n\\n"
JSON='{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hello world"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}'
MODELS='{"object":"list","data":[{"id":"m","object":"model","created":1,"owned_by":"bench"}]}'
esc() { printf '%s' "$1" | sed 's/"/\\"/g'; }

mkdir -p "$work/nginx/logs"
cat > "$work/nginx/nginx.conf" <<EOF
worker_processes ${NGINX_WORKERS:-auto};
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream json_backend { server 127.0.0.1:$B_JSON; keepalive 64; }
  upstream sse_backend { server 127.0.0.1:$B_SSE; keepalive 64; }
  server {
    listen 127.0.0.1:$B_JSON;
    location = /v1/models { default_type application/json; return 200 "$(esc "$MODELS")"; }
    location / { default_type application/json; return 200 "$(esc "$JSON")"; }
  }
  server {
    listen 127.0.0.1:$B_SSE;
    location = /v1/models { default_type application/json; return 200 "$(esc "$MODELS")"; }
    location / { default_type text/event-stream; return 200 "$(esc "$SSE")"; }
  }
  server {
    listen 127.0.0.1:$P_JSON;
    location / { proxy_pass http://json_backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
  server {
    listen 127.0.0.1:$P_SSE;
    location / { proxy_pass http://sse_backend; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }
  }
}
EOF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf"

# node NAME BACKEND_PORT [IMAGE]: an image process whose one backend is that nginx port; prints its API port
node() {
  local data="$work/$1" image=${3:-$image}
  mkdir -p "$data"
  ATMOSPHERE_DATA_DIR="$data" "$image/bin/atmosphere" init --name "$1" >/dev/null
  cat >> "$data/config.yaml" <<EOF
mesh:
  mdns: false
discovery:
  probe-default-ports: false
  max-concurrency: 64
backends:
  - type: openai
    url: http://127.0.0.1:$2/v1
EOF
  # ATMOSPHERE_AOT=off: a fresh data dir's first start would record the start-up cache, which
  # is not how a node runs from its second start on (nor what steady-state load measures)
  ATMOSPHERE_DATA_DIR="$data" ATMOSPHERE_AOT=off ATMOSPHERE_JAVA_OPTS="${NODE_JAVA_OPTS:-}" \
    "$image/bin/atmosphere" serve --port 0 > "$data/serve.log" 2>&1 &
  echo $! > "$data/serve.pid" # this runs in a subshell ($(node …)): the pid goes through a file
  for _ in $(seq 600); do
    # node.json first: without a running node, `backends` scans by itself and would say "up" too
    if [[ -f "$data/node.json" ]] && ATMOSPHERE_DATA_DIR="$data" "$image/bin/atmosphere" backends --json 2>/dev/null | grep -q '"state" : "up"'; then
      python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["address"].rsplit(":",1)[1])' "$data/node.json"
      return
    fi
    sleep 0.1
  done
  echo "proxy.sh: node $1 did not find its backend" >&2; cat "$data/serve.log" >&2; exit 1
}
# the node always asks its backend for a stream (it answers a client that asked for none with the
# whole answer): its one backend is the streaming one, for both kinds of client request
N_SSE=$(node node "$B_SSE")
N_JSON=$N_SSE
BASE=""
if [[ -n ${BASELINE_IMAGE:-} ]]; then
  BASE=$(node base "$B_SSE" "$BASELINE_IMAGE")
fi

# the request bodies, by wrk's Lua: a fixed one, or (distinct) a new intent every request
cat > "$work/post.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local model, stream, distinct, run = os.getenv("MODEL"), os.getenv("STREAM"), os.getenv("DISTINCT") == "1", os.getenv("RUN_ID")
if os.getenv("DISTINCT") == "nocontinue" then wrk.headers["x-atmosphere-continue"] = "off" end -- the node keeps no record of the stream
local fixed = string.format('{"model":"%s","stream":%s,"messages":[{"role":"user","content":"Write a Python function that sorts a list"}]}', model, stream)
local n, id = 0, 0
function setup(thread) id = id + 1; thread:set("tid", id) end
function response(status, headers, body)
  if status ~= 200 and not reported then -- the first refusal of each thread, for the report
    reported = true
    io.stderr:write(string.format("first non-200 answer: %d %s\n", status, string.sub(body or "", 1, 300)))
  end
end
function request()
  if not distinct then return wrk.format(nil, nil, nil, fixed) end
  n = n + 1
  -- the run's id in each intent: no run meets another's intents in the node's cache
  local body = string.format('{"model":"%s","stream":%s,"messages":[{"role":"user","content":"Task %s-%d-%d: write a function number %d that sorts list %d"}]}',
    model, stream, run, tid or 0, n, n * 7, n * 13)
  return wrk.format(nil, nil, nil, body)
end
EOF

# one wrk run: prints "p50_us p99_us rps errors"
measure() {
  local port=$1 conns=$2 model=$3 stream=$4 distinct=$5 threads=1
  [[ $conns -gt 1 ]] && threads=2
  MODEL=$model STREAM=$stream DISTINCT=$distinct RUN_ID=$RANDOM$RANDOM wrk -t"$threads" -c"$conns" -d"${SECONDS_EACH}s" --latency -s "$work/post.lua" \
    "http://127.0.0.1:$port/v1/chat/completions" 2>&1 | tee -a "$work/wrk.log" | python3 -c '
import re, sys
text = sys.stdin.read()
def us(v, u): return float(v) * {"us": 1, "ms": 1000, "s": 1000000}[u]
p = {m.group(1): us(m.group(2), m.group(3)) for m in re.finditer(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)}
rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
errors = sum(int(x) for x in re.findall(r"Non-2xx or 3xx responses: (\d+)", text))
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
errors += sum(int(g) for g in sock.groups()) if sock else 0
print(p.get("50", -1), p.get("99", -1), rps.group(1) if rps else -1, errors)
'
}

# the cases: label port-of-direct/nginx/node conns model stream distinct
cases=()
for conns in 1 32; do
  for stream in false true; do
    if [[ $stream == true ]]; then b=$B_SSE p=$P_SSE n=$N_SSE; else b=$B_JSON p=$P_JSON n=$N_JSON; fi
    cases+=("direct c$conns stream=$stream|$b|$conns|m|$stream|0")
    cases+=("nginx c$conns stream=$stream|$p|$conns|m|$stream|0")
    for c in "node c$conns stream=$stream|$n|$conns|m|$stream|0" "node-nocontinue c$conns stream=$stream|$n|$conns|m|$stream|nocontinue" \
             "node-auto c$conns stream=$stream|$n|$conns|auto|$stream|0" \
             "node-auto-distinct c$conns stream=$stream|$n|$conns|auto|$stream|1"; do
      [[ ${c%%|*} =~ ${ONLY:-.} ]] && cases+=("$c")
      if [[ -n $BASE && ${c%%|*} =~ ${ONLY:-.} ]]; then
        label=${c%%|*} rest=${c#*|}
        cases+=("base${label#node}|$BASE|${rest#*|}")
      fi
    done
  done
done
# warm-up: the node's JIT and connection pools
for c in "${cases[@]}"; do
  IFS='|' read -r _ port conns model stream distinct <<< "$c"
  SECONDS_EACH=2 measure "$port" "$conns" "$model" "$stream" "$distinct" > /dev/null
done
for r in $(seq "$ROUNDS"); do
  for c in "${cases[@]}"; do
    IFS='|' read -r label port conns model stream distinct <<< "$c"
    echo "$label|$(measure "$port" "$conns" "$model" "$stream" "$distinct")" >> "$work/results"
  done
  echo "proxy.sh: round $r of $ROUNDS done" >&2
done
# what the errors were, if any (socket errors: connections closed or timed out; non-2xx: refusals)
grep -E "Socket errors|Non-2xx|first non-200" "$work/wrk.log" | sort | uniq -c | sort -rn | head -20 >&2 || true

python3 - "$work/results" "$ROUNDS" "$SECONDS_EACH" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, figures = line.rstrip("\n").split("|")
    p50, p99, rps, err = figures.split()
    rows.setdefault(label, []).append((float(p50), float(p99), float(rps), int(err)))
med = {k: tuple(statistics.median(x[i] for x in v) for i in range(3)) + (sum(x[3] for x in v),) for k, v in rows.items()}
print(f"\n{sys.argv[2]} interleaved rounds of {sys.argv[3]} s each, medians; wrk POST /v1/chat/completions on loopback\n")
print("| case | p50 µs | p99 µs | req/s | added p50 µs | added p99 µs | req/s ÷ nginx | errors |")
print("|---|---|---|---|---|---|---|---|")
for k, (p50, p99, rps, err) in med.items():
    who, rest = k.split(" ", 1)
    d = med["direct " + rest]
    ng = med["nginx " + rest]
    added = "" if who == "direct" else f"{p50 - d[0]:.0f} | {p99 - d[1]:.0f}"
    ratio = "" if who in ("direct",) else f"{rps / ng[2]:.2f}"
    print(f"| {k} | {p50:.0f} | {p99:.0f} | {rps:.0f} | {added if added else ' | '} | {ratio} | {err} |")
EOF
