#!/usr/bin/env bash
# Runs the end-to-end test of the real app: a virtual display (Xvfb), a private D-Bus session
# with an unlocked, empty keychain (gnome-keyring) and a notification daemon (dunst), a
# dbus-monitor recording Notify calls, tauri-driver + WebKitWebDriver, then node's test runner.
# Expects the app built (target/debug/missioncall-app) and tauri-driver on PATH.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
app=${MISSIONCALL_APP:-$root/target/debug/missioncall-app}
[ -x "$app" ] || { echo "e2e: build the app first ($app is missing)"; exit 1; }
command -v tauri-driver >/dev/null || { echo "e2e: tauri-driver is not installed (cargo install tauri-driver --locked)"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Pick a free display number.
disp=90
while [ -e "/tmp/.X${disp}-lock" ]; do disp=$((disp + 1)); done
Xvfb ":$disp" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$disp" ] && break; sleep 0.1; done

export DISPLAY=":$disp" HOME="$work/home" MISSIONCALL_APP="$app"
export MISSIONCALL_DATA_DIR="$work/data" MISSIONCALL_DEMO_SPEED="${MISSIONCALL_DEMO_SPEED:-3}"
export NOTIFY_LOG="$work/notify.log" E2E_SHOTS="${E2E_SHOTS:-}"
mkdir -p "$HOME" "$MISSIONCALL_DATA_DIR"
unset WORKAPI_API_KEY MISSIONCALL_BASE_URL

dbus-run-session -- bash -euo pipefail -c '
  echo -n "e2e-password" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  dbus-monitor "interface=org.freedesktop.Notifications,member=Notify" >"$NOTIFY_LOG" 2>/dev/null &
  mon=$!
  dunst >/dev/null 2>&1 &
  dn=$!
  tauri-driver --port 4444 >"$NOTIFY_LOG.driver" 2>&1 &
  drv=$!
  trap "kill $drv $dn $mon 2>/dev/null || true" EXIT
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/4444) 2>/dev/null && break; sleep 0.1; done
  node --test --test-concurrency=1 "'"$root"'/tests/e2e/app.test.mjs"
'
