#!/usr/bin/env bash
# Make sure Debian's headless Chromium is here: the HTML reports' browser test opens the
# reports in it (tests/integration/reports). Quick when it is installed; as root with apt,
# installs the `chromium` package; otherwise says what is missing. Without it, the browser
# test skips (and fails under CI=true), so this fails only in CI.
set -euo pipefail

command -v chromium >/dev/null && exit 0

in_ci() { case "${CI:-}" in 1 | true | TRUE | True | yes) return 0 ;; *) return 1 ;; esac; }

give_up() { # message
  echo "ensure_chromium: $1" >&2
  echo "  The browser test of the HTML reports needs the \`chromium\` command (Debian package" \
    "\`chromium\`, /usr/bin/chromium). Install it: sudo apt-get install chromium" >&2
  if in_ci; then exit 1; fi
  echo "  Going on: that test will be skipped." >&2
  exit 0
}

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  give_up "chromium is not installed, and this is not root on a system with apt-get."
fi
echo "ensure_chromium: installing chromium with apt-get (this takes a minute)..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || give_up "apt-get update failed (no network or no Debian mirror?)."
apt-get install -y -qq chromium >/dev/null ||
  give_up "apt-get install chromium failed (see apt's message above)."
command -v chromium >/dev/null || give_up "the chromium package installed no \`chromium\` command."
