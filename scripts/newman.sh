# Sourced by scripts/test.sh: the Postman importer's conformance tests (tests/FlowConnectors.Postman.Tests) run
# Postman's own runner, npm newman (pinned in tests/FlowConnectors.Postman.Tests/newman/package-lock.json).
# Installed from the lock with --no-save (like the designer), only when missing.
NEWMAN_DIR="tests/FlowConnectors.Postman.Tests/newman"
if [ ! -f "$NEWMAN_DIR/node_modules/newman/bin/newman.js" ]; then
  echo "Installing newman for the Postman conformance tests..."
  (cd "$NEWMAN_DIR" && npm install --no-save --no-audit --no-fund --loglevel=error)
fi
