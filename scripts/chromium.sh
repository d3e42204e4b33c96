# Sourced by scripts/test.sh: the designer's browser tests (tests/FlowConnectors.Designer.Tests) drive Debian's
# chromium through Playwright's ExecutablePath; Playwright never downloads a browser of its own.
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing chromium for the designer's browser tests..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
