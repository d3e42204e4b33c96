# Sourced by scripts/test.sh: the designer's browser tests (tests/FlowConnectors.Designer.Tests) drive Debian's
# Chromium through Playwright's ExecutablePath; Playwright never downloads a browser of its own.
# By default they drive chromium-headless-shell: Debian's build of the same Chromium source and version (Blink, V8,
# the same rendering), packaged without the desktop browser's shell. It is what Playwright itself runs for headless
# Chromium. Eleven sign-ins to the designer, each in a new browser context, took 25 CPU-s with it against 53 with
# /usr/bin/chromium in headless mode, and the designer specs half the CPU (bench/RESULTS.md, "Test suite time,
# fourteenth pass"). FLOWCONNECTORS_CHROMIUM=/usr/bin/chromium drives the full browser instead (install the chromium package).
if [ -z "${FLOWCONNECTORS_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium-headless-shell ]; then
  echo "Installing chromium-headless-shell for the designer's browser tests..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
