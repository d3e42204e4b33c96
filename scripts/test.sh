#!/usr/bin/env bash
# The project's one test command (README, .ci/run). Installs what the suite needs when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log="$(mktemp)"; designer_log="$(mktemp)"; newman_log="$(mktemp)"; checks_log="$(mktemp)"; chromium_log="$(mktemp)"
trap 'rm -f "$log" "$designer_log" "$newman_log" "$checks_log" "$chromium_log"; dotnet build-server shutdown >/dev/null 2>&1 || true' EXIT
started=$(date +%s)
stamp() { echo "[test.sh] $1 at $(date -u +%T) UTC, $(( $(date +%s) - started )) s in"; }
# The designer's bundle (npm install from the lock, the API types from the OpenAPI document, vite build into
# designer/dist, which the server serves and the browser tests load), and newman for the Postman importer's
# conformance tests (npm), are made beside the installs and the .NET build below: they need only Node, which the machine
# has. The designer's own checks (the type check and its vitest unit tests) need no .NET and no bundle; they run beside
# the .NET tests instead of holding them back.
( cd designer && npm install --no-save --no-audit --no-fund --loglevel=error && npm run generate:api --silent \
  && ./node_modules/.bin/vite build --logLevel warn ) >"$designer_log" 2>&1 &
designer_job=$!
# The Postman importer's conformance tests run newman (npm).
( source scripts/newman.sh ) >"$newman_log" 2>&1 &
newman_job=$!
# The persistence tests run against SQLite and a real PostgreSQL (started here when not running).
source scripts/postgres.sh
# The designer's browser tests drive Debian's Chromium (its headless shell; the script says why), installed when missing:
# downloaded beside the build (after PostgreSQL's install, so two apt runs never meet), unpacked after it.
# Playwright never downloads a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
scripts/chromium.sh --download-only >"$chromium_log" 2>&1 &
chromium_job=$!
# The tests' processes and the build start many short-lived .NET processes that run most methods a few times: the
# runtime counts calls to promote hot methods to optimized code only once 2 s pass without new methods being compiled
# (default 0.1 s), so short phases stay at the quick first tier and a steady load (the load specs) still gets optimized
# code. About 20 % less CPU for the test assemblies and 16 % for the build (bench/RESULTS.md, "Test suite time,
# twelfth pass"). It changes no code path; the server run by the README's main command keeps the default.
export DOTNET_TC_CallCountingDelayMs=2000
# The C# compiler runs as one server process for all ~25 projects instead of a new compiler process per project
# (some machines turn it off with UseSharedCompilation=false): 2.4x less build CPU. It is shut down after the build.
dotnet build FlowConnectors.sln -c Release -warnaserror --nologo -v quiet -p:SkipDesignerBuild=true -p:UseSharedCompilation=true
dotnet build-server shutdown >/dev/null 2>&1 || true
stamp "the .NET build ended"
designer_status=0; wait "$designer_job" || designer_status=$?
cat "$designer_log" | tee "$log"
if [ "$designer_status" -ne 0 ]; then echo "The designer's build failed (exit $designer_status)."; exit "$designer_status"; fi
stamp "the designer's bundle was ready"
( cd designer && ./node_modules/.bin/tsc --noEmit && npm test --silent -- --testTimeout=30000 ) >"$checks_log" 2>&1 &
checks_job=$!
newman_status=0; wait "$newman_job" || newman_status=$?
cat "$newman_log"
if [ "$newman_status" -ne 0 ]; then echo "Installing newman failed (exit $newman_status)."; exit "$newman_status"; fi
chromium_status=0; wait "$chromium_job" || chromium_status=$?
cat "$chromium_log"
if [ "$chromium_status" -ne 0 ]; then echo "Downloading Chromium failed (exit $chromium_status)."; exit "$chromium_status"; fi
scripts/chromium.sh
status=0
# The test processes (test hosts, and the server and CLI processes they start) run without dynamic PGO: it JIT-compiles a
# hot method twice more (instrumented, then optimized), which pays off in a long-running server, not in tests that start
# server after server (processes and in-process) and run each code path a few times. JIT work is most of their CPU
# (perf of the Server tests: clrjit 39 %, the tiered-compilation thread 33 %); without PGO the same Server tests took
# 23 % less CPU and a server process start 15 % less (bench/RESULTS.md, suite12). It changes no code path, only how
# the runtime optimizes it; the server itself keeps dynamic PGO on (it wins every benchmark pair there).
export DOTNET_TieredPGO=0
# dotnet test runs the solution's test assemblies as many at a time as the machine has cores (2 on CI), starting them
# in the order FlowConnectors.sln lists them: the longest (Reliability, Server, Designer, Persistence, Engine) come
# first there, so the longest one does not start after most of the others and end the run alone.
# A test that hangs: xUnit names every test still running after 5 minutes, every 5 minutes ("[Long Running Test] 'name',
# Elapsed: ..."; the longest spec, the rolling restart, takes up to about 7 under load), and the tests are stopped after
# 40 minutes (about 9 on a quiet 2-core machine) instead of holding the run until CI's limit. VSTest's hang blame did this
# per test, but its data collector (one more process per test assembly, and every test's start and end sent to it)
# cost 1 CPU-s (148 tests) to 3 CPU-s (565 tests) per assembly, ~2 % of the suite (bench/RESULTS.md, "Test suite time,
# sixteenth pass").
# Benchmarks that live beside the specs they use (trait Category=Benchmark: printed figures, no assertion on time) are
# run by their scripts in bench/, not here.
timeout --signal=INT --kill-after=60s 40m \
  dotnet test FlowConnectors.sln -c Release --no-build --nologo --logger "console;verbosity=minimal" --filter "Category!=Benchmark" \
  -- xUnit.ParallelizeTestCollections=true xUnit.LongRunningTestSeconds=300 xUnit.DiagnosticMessages=true \
  2>&1 | tee -a "$log" || status=$?
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  echo "The .NET tests did not end within 40 minutes and were stopped: the [Long Running Test] lines above name the tests still running."
fi
stamp "the .NET tests ended"
checks_status=0; wait "$checks_job" || checks_status=$?
cat "$checks_log" | tee -a "$log"
if [ "$checks_status" -ne 0 ]; then echo "The designer's type check or unit tests failed (exit $checks_status)."; status=$checks_status; fi
stamp "the designer's checks ended"
# The closing lines: each failed .NET test by name (a run's last lines are what a CI summary keeps; a failure minutes
# earlier was out of sight), then vitest's "Tests  N failed | N passed" plus every test assembly's summary. Colour codes
# go first: where vitest colours its summary (CI), "Tests" did not begin the line and its count was left out.
sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '
  /^ *Tests +[0-9]/ { for (i = 1; i < NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
  # Every assembly summary on the line: test hosts finishing together can write two onto one line.
  /(Passed|Failed)! +- +Failed:/ { rest = $0
    while (match(rest, /Failed: +[0-9]+, Passed: +[0-9]+/)) {
      summary = substr(rest, RSTART, RLENGTH); rest = substr(rest, RSTART + RLENGTH)
      split(summary, parts, /[^0-9]+/); f += parts[2]; p += parts[3] } }
  /^ +Failed .+ \[[^]]+\]$/ { name = $0; sub(/^ +Failed /, "", name); sub(/ \[[^]]*\]$/, "", name); names[n++] = name }
  END { for (i = 0; i < n; i++) print "Failed: " names[i]; printf "Total: %d passed, %d failed\n", p, f }'
exit "$status"
