#!/usr/bin/env bash
# Run by scripts/test.sh beside the .NET build: the designer's browser tests (tests/FlowConnectors.Designer.Tests) drive
# Debian's Chromium through Playwright's ExecutablePath; Playwright never downloads a browser of its own.
# By default they drive chromium-headless-shell: Debian's build of the same Chromium source and version (Blink, V8,
# the same rendering), packaged without the desktop browser's shell. It is what Playwright itself runs for headless
# Chromium. Eleven sign-ins to the designer, each in a new browser context, took 25 CPU-s with it against 53 with
# /usr/bin/chromium in headless mode, and the designer specs half the CPU (bench/RESULTS.md, "Test suite time,
# fourteenth pass"). FLOWCONNECTORS_CHROMIUM=/usr/bin/chromium drives the full browser instead (install the chromium package).
# Only its own dependencies and the fonts the specs were written with: its recommendations (printing, audio, Samba,
# Perl, avahi: 107 packages against 19) took 74 s and are not used by a headless browser. It runs while the build compiles.
set -euo pipefail
if [ -z "${FLOWCONNECTORS_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium-headless-shell ]; then
  echo "Installing chromium-headless-shell for the designer's browser tests..."
  # Wait for another apt (or the machine's own updates) instead of failing on its lock.
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium-headless-shell fonts-liberation >/dev/null
fi
