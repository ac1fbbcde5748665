#!/usr/bin/env bash
# Builds MissionCall's installable Linux packages with the Tauri CLI from npm (@tauri-apps/cli,
# a devDependency of ui/): a .deb and an .rpm, in target/release/bundle/{deb,rpm}/.
# The bundle config (src-tauri/tauri.conf.json) also has AppImage, .msi and .dmg targets; build
# them on their own systems with `cd ui && TAURI_APP_PATH=../src-tauri npx tauri build`
# (AppImage downloads its tools at build time).
#
# Usage: bash scripts/package.sh [extra tauri build args]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
cd "$root/ui"
if [ ! -x node_modules/.bin/tauri ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
# Run from ui/ (the frontend, where the CLI is installed) with the app crate named explicitly;
# tauri.conf.json's beforeBuildCommand builds the UI first.
TAURI_APP_PATH="$root/src-tauri" npx --no-install tauri build --ci --bundles deb,rpm "$@"

echo
for f in "$root"/target/release/bundle/deb/*.deb "$root"/target/release/bundle/rpm/*.rpm; do
  [ -e "$f" ] && printf '%s  %s bytes\n' "${f#"$root"/}" "$(stat -c %s "$f")"
done
