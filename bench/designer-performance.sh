#!/usr/bin/env bash
# The designer's benchmarks (tests/FlowConnectors.Designer.Tests/DesignerBenchmarks.cs): opening and rendering a
# 500-node, 600-connection flow and dragging a node in it, each against a one-node flow in the same run; Test step's
# overhead beyond the node's own work; the production bundle's size. Printed figures, no assertion on time.
#   bash bench/designer-performance.sh
# Builds the designer's bundle and the test project, installs Chromium's headless shell when it is missing (apt), and
# prints the figures (also written to tests/FlowConnectors.Designer.Tests/bin/Release/net10.0/designer-performance.txt).
# The figures mean something only on a quiet machine: the report gives the load average.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
scripts/chromium.sh
( cd designer && npm install --no-save --no-audit --no-fund --loglevel=error && npm run generate:api --silent \
  && ./node_modules/.bin/vite build --logLevel warn )
dotnet build tests/FlowConnectors.Designer.Tests -c Release -warnaserror --nologo -v quiet -p:SkipDesignerBuild=true
report=tests/FlowConnectors.Designer.Tests/bin/Release/net10.0/designer-performance.txt
rm -f "$report"
dotnet test tests/FlowConnectors.Designer.Tests -c Release --no-build --nologo --filter "Category=Benchmark" --logger "console;verbosity=minimal"
cat "$report"
