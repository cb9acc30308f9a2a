#!/bin/sh
# Debian's chromium, for the headless-browser test of the review report (tests/test_report.py).
# Idempotent and quiet: nothing happens when chromium is already installed; installing needs root
# (or password-less sudo); without it the script says so and the browser test skips itself.
set -eu

if [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "install_chromium: chromium is missing and installing it needs root; the browser test will be skipped" >&2
    exit 0
fi

LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends chromium; } >"$LOG" 2>&1; then
    cat "$LOG" >&2
    # The browser test then skips with its reason in pytest's summary; the rest of the suite still runs.
    echo "install_chromium: apt-get failed (output above); the browser test will be skipped" >&2
    exit 0
fi
