#!/usr/bin/env bash
# A server start, JIT-compiled against ReadyToRun: the same checkout published twice (`dotnet publish`, and
# `dotnet publish -p:PublishReadyToRun=true -r <this machine's runtime id>`, framework-dependent both), each started
# ROUNDS times in turn on an empty data folder. Per start it prints the wall time until GET /api/flows answers, the
# process's CPU seconds then, and after 20 typed API requests (POST /api/flows/hello/run: a JSON body bound to a
# record) and 20 webhooks. A build that crashes or answers anything but 200 fails the script: that is the check that
# the ReadyToRun publish serves typed request bodies (FlowConnectors.Server.csproj says why its own assembly is left
# out of the precompilation).
#   bash bench/server-start.sh [ROUNDS]        (default 3)
# Everything listens on 127.0.0.1. Figures mean something only on a quiet machine: the load average is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
ROUNDS=${1:-3}
[[ $ROUNDS =~ ^[1-9][0-9]?$ ]] || { echo "ROUNDS is a whole number from 1 to 99, not '$ROUNDS'" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is needed (apt-get install curl)" >&2; exit 1; }
rid=$(dotnet --info | awk '/^ *RID:/ { print $2; exit }')
work=$(mktemp -d "${TMPDIR:-/tmp}/fc-server-start.XXXXXX")
pid=""
trap '[[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"' EXIT
echo "publishing the server twice (JIT, and ReadyToRun for $rid); this takes a few minutes"
dotnet publish src/FlowConnectors.Server -c Release -p:SkipDesignerBuild=true -o "$work/jit" --nologo -v quiet >"$work/publish-jit.log" 2>&1 \
  || { tail -20 "$work/publish-jit.log"; exit 1; }
dotnet publish src/FlowConnectors.Server -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true -p:SkipDesignerBuild=true \
  -o "$work/r2r" --nologo -v quiet >"$work/publish-r2r.log" 2>&1 || { tail -20 "$work/publish-r2r.log"; exit 1; }

key="start-bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
cpu_of() { awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$1/stat"; }
# One start of the build in $1: prints "wall ready, CPU ready, CPU after the requests".
start_once() {
  local dir=$1 port=$((20000 + RANDOM % 30000)) run
  run=$(mktemp -d "$work/run.XXXX"); mkdir -p "$run/data" "$run/flows"
  cat > "$run/flows/hello.flow.json" <<'EOF'
{ "format": 1, "id": "hello", "name": "hello", "inputs": [ { "name": "x", "type": "number" } ],
  "outputs": [ { "name": "r", "type": "object" } ], "start": "a",
  "nodes": [ { "id": "a", "type": "RunJavaScript", "inputs": { "code": "return { sum: input.x + 1 };" } },
             { "id": "b", "type": "Return", "inputs": { "outputs": { "r": { "js": "nodes.a.result" } } } } ],
  "connections": [ { "from": "a:done", "to": "b" } ] }
EOF
  cat > "$run/flows/hook.flow.json" <<'EOF'
{ "format": 1, "id": "hook", "name": "hook", "outputs": [ { "name": "r", "type": "object" } ], "start": "h",
  "nodes": [ { "id": "h", "type": "Http.Endpoint", "inputs": { "path": "start-bench", "methods": [ "POST" ] } },
             { "id": "b", "type": "Return", "inputs": { "outputs": { "r": { "js": "nodes.h.body" } } } } ],
  "connections": [ { "from": "h:done", "to": "b" } ] }
EOF
  local t0 t1 ready code
  t0=$(date +%s%N)
  env -C "$run" FlowConnectors__Urls="http://127.0.0.1:$port" FlowConnectors__DataFolder="$run/data" FlowConnectors__FlowsFolder="$run/flows" \
    FlowConnectors__ApiKey="$key" dotnet "$dir/FlowConnectors.Server.dll" >"$run/server.log" 2>&1 &
  pid=$!
  until curl -sf -o /dev/null -H "X-Api-Key: $key" "http://127.0.0.1:$port/api/flows"; do
    kill -0 "$pid" 2>/dev/null || { tail -20 "$run/server.log" >&2; echo "$(basename "$dir"): the server exited before it answered" >&2; exit 1; }
    sleep 0.02
  done
  t1=$(date +%s%N); ready=$(cpu_of "$pid")
  for _ in $(seq 20); do
    code=$(curl -s -o "$run/answer" -w '%{http_code}' -X POST -H "X-Api-Key: $key" -H 'Content-Type: application/json' -d '{"inputs":{"x":41}}' \
      "http://127.0.0.1:$port/api/flows/hello/run" || true)
    [[ $code == 200 ]] && grep -q '"sum":42' "$run/answer" || { tail -20 "$run/server.log" >&2; echo "$(basename "$dir"): POST /api/flows/hello/run answered $code: $(head -c 300 "$run/answer" 2>/dev/null)" >&2; exit 1; }
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"a":1}' "http://127.0.0.1:$port/hooks/start-bench" || true)
    [[ $code == 200 ]] || { echo "$(basename "$dir"): POST /hooks/start-bench answered $code" >&2; exit 1; }
  done
  printf '%s %s %s\n' "$(( (t1 - t0) / 1000000 ))" "$ready" "$(cpu_of "$pid")"
  kill -9 "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  rm -rf "$run"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %5s %14s %10s %18s\n' build round "wall to ready" "CPU-s" "CPU-s after 40"
declare -A sum_wall sum_ready sum_after
for round in $(seq "$ROUNDS"); do
  # In turn, the order swapped every round, so neither build always starts on a machine the other just warmed.
  if (( round % 2 )); then order="jit r2r"; else order="r2r jit"; fi
  for build in $order; do
    # Not in a subshell: a failed start ends the script (and the trap stops the server).
    start_once "$work/$build" > "$work/figures"
    read -r wall ready after < "$work/figures"
    printf '%-10s %5s %11s ms %10s %18s\n' "$build" "$round" "$wall" "$ready" "$after"
    sum_wall[$build]=$(( ${sum_wall[$build]:-0} + wall ))
    sum_ready[$build]=$(awk -v a="${sum_ready[$build]:-0}" -v b="$ready" 'BEGIN { print a + b }')
    sum_after[$build]=$(awk -v a="${sum_after[$build]:-0}" -v b="$after" 'BEGIN { print a + b }')
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v n="$ROUNDS" -v wj="${sum_wall[jit]}" -v wr="${sum_wall[r2r]}" -v rj="${sum_ready[jit]}" -v rr="${sum_ready[r2r]}" \
    -v aj="${sum_after[jit]}" -v ar="${sum_after[r2r]}" 'BEGIN {
  printf "means over %d starts: JIT %.0f ms, %.2f CPU-s ready, %.2f after 40 requests; ReadyToRun %.0f ms, %.2f, %.2f\n", n, wj/n, rj/n, aj/n, wr/n, rr/n, ar/n
  printf "ReadyToRun / JIT: wall to ready %.2f, CPU-s ready %.2f, CPU-s after 40 requests %.2f\n", wr/wj, rr/rj, ar/aj }'
