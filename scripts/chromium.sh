#!/usr/bin/env bash
# Run by scripts/test.sh: the designer's browser tests (tests/FlowConnectors.Designer.Tests) drive Debian's Chromium
# through Playwright's ExecutablePath; Playwright never downloads a browser of its own.
# By default they drive chromium-headless-shell: Debian's build of the same Chromium source and version (Blink, V8,
# the same rendering), packaged without the desktop browser's shell. It is what Playwright itself runs for headless
# Chromium. Eleven sign-ins to the designer, each in a new browser context, took 25 CPU-s with it against 53 with
# /usr/bin/chromium in headless mode, and the designer specs half the CPU (bench/RESULTS.md, "Test suite time,
# fourteenth pass"). FLOWCONNECTORS_CHROMIUM=/usr/bin/chromium drives the full browser instead (install the chromium package).
# Only its own dependencies and the fonts the specs were written with: its recommendations (printing, audio, Samba,
# Perl, avahi: 107 packages against 19) took 74 s and are not used by a headless browser.
#   scripts/chromium.sh --download-only   fetches the packages (test.sh runs this beside the build: it is network time)
#   scripts/chromium.sh                   installs them (about 12 s of unpacking, after the build, so the two do not
#                                         compete for the disk and the CPU)
set -euo pipefail
if [ -n "${FLOWCONNECTORS_CHROMIUM:-}" ] || [ -x /usr/bin/chromium-headless-shell ]; then exit 0; fi
packages=(chromium-headless-shell fonts-liberation)
# Wait for another apt (or the machine's own updates) instead of failing on its lock.
apt=(apt-get -o DPkg::Lock::Timeout=600 -y -qq --no-install-recommends)
if [ "${1:-}" = "--download-only" ]; then
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install --download-only "${packages[@]}" >/dev/null
else
  echo "Installing chromium-headless-shell for the designer's browser tests..."
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "${packages[@]}" >/dev/null
fi
