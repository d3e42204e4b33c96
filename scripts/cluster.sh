#!/usr/bin/env bash
# scripts/cluster.sh N — N FlowConnectors nodes on one PostgreSQL, behind a round-robin proxy, for trying a cluster by hand.
#
#   scripts/cluster.sh 3            # builds, starts 3 nodes and the proxy, prints the URL and a sign-in link
#   Ctrl-C                          # stops every process this script started
#
# The database is the test PostgreSQL (scripts/postgres.sh, 127.0.0.1:55432) with a database of its own,
# FLOWCONNECTORS_CLUSTER_DATABASE (default flowconnectors_cluster; kept between runs, drop it to start afresh).
# Ports: the proxy on FLOWCONNECTORS_CLUSTER_PORT (default 5700), node i on that port + i. Everything binds 127.0.0.1.
# Each node keeps its own data folder (node id, logs) under ${TMPDIR:-/tmp}/flowconnectors-cluster/node-i; all they
# share is the database. Set FLOWCONNECTORS_CLUSTER_NO_BUILD=1 to skip the build.
set -euo pipefail

count="${1:-3}"
if ! [[ "$count" =~ ^[1-9]$ ]]; then
  echo "usage: scripts/cluster.sh N   (N nodes, 1 to 9)" >&2
  exit 2
fi
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base_port="${FLOWCONNECTORS_CLUSTER_PORT:-5700}"
database="${FLOWCONNECTORS_CLUSTER_DATABASE:-flowconnectors_cluster}"
if ! [[ "$database" =~ ^[a-z_][a-z0-9_]*$ ]]; then
  echo "cluster.sh: FLOWCONNECTORS_CLUSTER_DATABASE must be lower-case letters, digits and _" >&2
  exit 2
fi
root="${TMPDIR:-/tmp}/flowconnectors-cluster"
mkdir -p "$root"

# shellcheck source=postgres.sh
source "$repo/scripts/postgres.sh"
psql_bin="$(command -v psql || ls /usr/lib/postgresql/*/bin/psql | tail -n 1)"
if ! "$psql_bin" -h 127.0.0.1 -p 55432 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
  "$psql_bin" -h 127.0.0.1 -p 55432 -U postgres -d postgres -qc "CREATE DATABASE \"$database\"" >/dev/null
fi
connection="Host=127.0.0.1;Port=55432;Username=postgres;Database=$database"

if [ "${FLOWCONNECTORS_CLUSTER_NO_BUILD:-}" != "1" ]; then
  echo "cluster.sh: building the server and the proxy (Release)" >&2
  dotnet build "$repo/src/FlowConnectors.Server" -c Release --nologo -v quiet -p:SkipDesignerBuild=true >&2
  dotnet build "$repo/tools/FlowConnectors.ClusterProxy" -c Release --nologo -v quiet >&2
fi
server="$repo/src/FlowConnectors.Server/bin/Release/net10.0"
proxy="$repo/tools/FlowConnectors.ClusterProxy/bin/Release/net10.0"

# One API key for the whole cluster (any node accepts it: keys are stored in the shared database).
key_file="$root/api-key.txt"
if [ ! -s "$key_file" ]; then
  (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=\n' > "$key_file")
fi
api_key="$(cat "$key_file")"
public="http://127.0.0.1:$base_port"

pids=()
stop() {
  trap - INT TERM EXIT
  echo >&2
  echo "cluster.sh: stopping ${#pids[@]} processes" >&2
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

nodes=()
for i in $(seq 1 "$count"); do
  port=$((base_port + i))
  data="$root/node-$i"
  mkdir -p "$data"
  (
    cd "$server"
    export FlowConnectors__Database=postgres FlowConnectors__ConnectionString="$connection"
    export FlowConnectors__DataFolder="$data" FlowConnectors__FlowsFolder="$repo/flows"
    export FlowConnectors__Urls="http://127.0.0.1:$port" FlowConnectors__PublicBaseUrl="$public"
    export FlowConnectors__NodeId="node-$i" FlowConnectors__ApiKey="$api_key"
    # Every log line with its node: the node id is in each line's scope.
    export Logging__Console__FormatterName=simple Logging__Console__FormatterOptions__IncludeScopes=true
    exec dotnet FlowConnectors.Server.dll
  ) >"$data/server.log" 2>&1 &
  pids+=("$!")
  nodes+=("http://127.0.0.1:$port")
done

for i in $(seq 1 "$count"); do
  port=$((base_port + i))
  for _ in $(seq 1 180); do
    if curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then break; fi
    if ! kill -0 "${pids[$((i - 1))]}" 2>/dev/null; then
      echo "cluster.sh: node-$i exited; its log ($root/node-$i/server.log) ends:" >&2
      tail -n 20 "$root/node-$i/server.log" >&2
      exit 1
    fi
    sleep 1
  done
  curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null || { echo "cluster.sh: node-$i not ready after 180 s (see $root/node-$i/server.log)" >&2; exit 1; }
  echo "cluster.sh: node-$i ready on http://127.0.0.1:$port" >&2
done

(
  cd "$proxy"
  exec dotnet FlowConnectors.ClusterProxy.dll --Listen "$public" --Nodes "$(IFS=,; echo "${nodes[*]}")"
) >"$root/proxy.log" 2>&1 &
pids+=("$!")
for _ in $(seq 1 60); do
  if curl -sf "$public/health/live" >/dev/null 2>&1; then break; fi
  sleep 1
done
curl -sf "$public/health/live" >/dev/null || { echo "cluster.sh: the proxy did not start (see $root/proxy.log)" >&2; exit 1; }

signin="$(grep -ho 'Sign in: .*' "$root/node-1/server.log" | tail -n 1 | sed 's/^Sign in: //')"
cat <<INFO

FlowConnectors cluster: $count nodes on PostgreSQL database $database
  URL:      $public   (round robin over ${nodes[*]})
  API key:  $api_key   (header X-Api-Key; kept in $key_file)
  Sign in:  ${signin:-see $root/node-1/server.log}
  Logs:     $root/node-<i>/server.log, $root/proxy.log
  Health:   $public/health/ready (through the proxy), or each node's /health/live and /health/ready

Press Ctrl-C to stop every node and the proxy.
INFO

wait -n "${pids[@]}" || true
echo "cluster.sh: a process ended on its own; stopping the rest" >&2
