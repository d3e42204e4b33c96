#!/usr/bin/env bash
# The project's one test command (README, .ci/run). Installs what the suite needs when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The persistence tests run against SQLite and a real PostgreSQL (started here when not running).
source scripts/postgres.sh
dotnet build FlowConnectors.sln -c Release -warnaserror --nologo -v quiet
dotnet test FlowConnectors.sln -c Release --no-build --nologo --logger "console;verbosity=minimal" -- xUnit.ParallelizeTestCollections=true
