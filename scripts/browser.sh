#!/usr/bin/env bash
# The headless browser the status-page test drives: Debian's chromium, through
# puppeteer-core (which never downloads a browser of its own).
#   scripts/browser.sh        installs it when missing; silent when it is there
# As another user than root it only says how to install it: the test then skips,
# saying why.
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
log() { printf '[browser] %s\n' "$*" >&2; }

[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  log "$CHROMIUM missing (the status-page test will be skipped); install it with: sudo apt-get install -y chromium"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
install_it() { apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; }
log "installing Debian's chromium (headless browser of the status-page test)"
# The package lists are refreshed only when the install cannot find the package with the ones there.
if ! install_it 2>/dev/null; then
  apt-get update -qq >&2
  install_it
fi
[ -x "$CHROMIUM" ] || { log "error: $CHROMIUM still missing after apt-get install chromium"; exit 1; }
