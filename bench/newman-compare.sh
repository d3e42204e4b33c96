#!/usr/bin/env bash
# Compares, request by request, what newman sends for a Postman collection with what the connector that
# 'flowc import-postman' makes of it sends, both against one echo stub on 127.0.0.1.
#   bench/newman-compare.sh path/to/collection.json [--env-var name=value]... [--environment env.json]
# Credentials are passed as --env-var (newman) and become the connection's values (ours). Exit 0: same.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/newman.sh >/dev/null
dotnet build bench/FlowConnectors.NewmanCompare -c Release --nologo -v quiet -p:SkipDesignerBuild=true >/dev/null
collection="$(realpath "$1")"; shift
exec dotnet bench/FlowConnectors.NewmanCompare/bin/Release/net10.0/FlowConnectors.NewmanCompare.dll "$collection" "$@"
