#!/usr/bin/env bash
# The project's one test command (README, .ci/run). Installs what the suite needs when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The persistence tests run against SQLite and a real PostgreSQL (started here when not running).
source scripts/postgres.sh
# The designer's browser tests drive the system Chromium.
source scripts/chromium.sh
# The Postman importer's conformance tests run newman (npm).
source scripts/newman.sh
# Also builds the designer (npm install from the lock, vite build; src/FlowConnectors.Server/Designer.targets).
dotnet build FlowConnectors.sln -c Release -warnaserror --nologo -v quiet
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# The designer's unit tests (vitest).
(cd designer && npm test --silent) 2>&1 | tee "$log"
status=0
# A test that hangs is stopped after 20 minutes (the longest spec, the rolling restart, takes up to about 7) and reported by name (a failure), instead of holding the run until CI's limit.
dotnet test FlowConnectors.sln -c Release --no-build --nologo --logger "console;verbosity=minimal" \
  --blame-hang --blame-hang-timeout 20m --blame-hang-dump-type none -- xUnit.ParallelizeTestCollections=true \
  2>&1 | tee -a "$log" || status=$?
# One closing line for the whole run: vitest's "Tests  N failed | N passed" plus every test assembly's summary.
awk '
  /^ *Tests +[0-9]/ { for (i = 1; i < NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
  /(Passed|Failed)! +- +Failed:/ { match($0, /Failed: +[0-9]+/); f += substr($0, RSTART + 7) + 0
                                   match($0, /Passed: +[0-9]+/); p += substr($0, RSTART + 7) + 0 }
  END { printf "Total: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
