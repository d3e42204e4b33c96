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
# The designer's unit tests (vitest).
(cd designer && npm test --silent)
dotnet test FlowConnectors.sln -c Release --no-build --nologo --logger "console;verbosity=minimal" -- xUnit.ParallelizeTestCollections=true
