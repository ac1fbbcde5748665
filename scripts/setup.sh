#!/usr/bin/env bash
# Sets up everything MissionCall needs on Debian/Ubuntu: system packages, the UI's npm
# packages and tauri-driver (for the end-to-end test). Safe to run again: each step skips what
# is already there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

if command -v apt-get >/dev/null; then
  bash "$root/scripts/setup-debian.sh"
else
  echo "setup: not a Debian/Ubuntu system; install the packages listed in scripts/setup-debian.sh yourself"
fi

command -v cargo >/dev/null || { echo "setup: Rust is missing: install it from rustup.rs, then run this again"; exit 1; }
command -v npm >/dev/null || { echo "setup: Node.js 20+ and npm are missing: install them, then run this again"; exit 1; }

# The UI's packages, exactly as locked.
if [ ! -d "$root/ui/node_modules" ] || [ "$root/ui/package-lock.json" -nt "$root/ui/node_modules/.package-lock.json" ]; then
  (cd "$root/ui" && npm ci --no-audit --no-fund)
fi

if [ "${MISSIONCALL_SETUP_E2E:-0}" = 1 ] && ! command -v tauri-driver >/dev/null; then
  cargo install tauri-driver --version 2.1.0 --locked
fi
