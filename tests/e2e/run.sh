#!/usr/bin/env bash
# Runs the end-to-end test of the real app: a virtual display (Xvfb), a private D-Bus session
# with an unlocked, empty keychain (gnome-keyring) and a notification daemon (dunst), a
# dbus-monitor recording Notify calls, tauri-driver + WebKitWebDriver, then node's test runner.
# A second simulator, started by the CLI (`missioncall sim`), plays the "real" service.
# Expects the app and the CLI built (target/debug/missioncall-app, target/debug/missioncall)
# and tauri-driver on PATH.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}
app=${MISSIONCALL_APP:-$target_dir/debug/missioncall-app}
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
export MISSIONCALL_DATA_DIR="$work/data" MISSIONCALL_DEMO_SPEED="${MISSIONCALL_DEMO_SPEED:-2}"
export NOTIFY_LOG="$work/notify.log" E2E_SHOTS="${E2E_SHOTS:-}"
# The tests run at any hour; calling hours are tested in the core, the CLI and the UI tests.
export MISSIONCALL_CALLING_HOURS="${MISSIONCALL_CALLING_HOURS:-off}"
mkdir -p "$HOME" "$MISSIONCALL_DATA_DIR"
unset WORKAPI_API_KEY MISSIONCALL_BASE_URL

# A "real" WorkAPI service for the app: the simulator run as a separate process by the CLI,
# on a port the OS picks (no window between choosing a free port and binding it). At speed
# 0.02 a task stays "pending" for minutes, so a call placed there is still cancellable when the
# test gets to it. The app is pointed at it through Settings; the test reads it back with the
# CLI and the simulator's loopback control API (/_sim).
cli=${MISSIONCALL_CLI:-$target_dir/debug/missioncall}
[ -x "$cli" ] || { echo "e2e: build the CLI first ($cli is missing: cargo build -p missioncall-cli)"; exit 1; }
mkdir -p "$work/real-sim"
MISSIONCALL_DATA_DIR="$work/real-sim" "$cli" sim --port 0 --speed 0.02 --json \
  >"$work/real-sim/out" 2>"$work/real-sim/log" &
realsim=$!
trap 'kill $realsim $xvfb 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  [ -s "$work/real-sim/out" ] && break
  kill -0 "$realsim" 2>/dev/null || break
  sleep 0.1
done
real_line=$(head -n 1 "$work/real-sim/out")
[ -n "$real_line" ] || { echo "e2e: the simulator (missioncall sim) never said where it listens:"; cat "$work/real-sim/log"; exit 1; }
E2E_REAL_BASE_URL=$(node -e 'console.log(JSON.parse(process.argv[1]).base_url)' "$real_line")
E2E_REAL_KEY=$(node -e 'console.log(JSON.parse(process.argv[1]).key)' "$real_line")
export E2E_REAL_BASE_URL E2E_REAL_KEY MISSIONCALL_CLI="$cli"

# Each daemon must own its bus name before anything uses it: asked earlier, D-Bus activation
# would start a second one (scripts/lib/dbus-wait.sh).
dbus-run-session -- bash -euo pipefail -c '
  source "'"$root"'/scripts/lib/dbus-wait.sh"
  echo -n "e2e-password" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  dbus_wait_name org.freedesktop.secrets || { echo "e2e: gnome-keyring-daemon never took org.freedesktop.secrets"; exit 1; }
  dbus-monitor "interface=org.freedesktop.Notifications,member=Notify" >"$NOTIFY_LOG" 2>/dev/null &
  mon=$!
  dunst >/dev/null 2>&1 &
  dn=$!
  trap "kill $dn $mon 2>/dev/null || true" EXIT
  dbus_wait_name org.freedesktop.Notifications "$dn" || { echo "e2e: dunst never took org.freedesktop.Notifications"; exit 1; }
  tauri-driver --port 4444 >"$NOTIFY_LOG.driver" 2>&1 &
  drv=$!
  trap "kill $drv $dn $mon 2>/dev/null || true" EXIT
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/4444) 2>/dev/null && break; sleep 0.1; done
  node --test --test-concurrency=1 "'"$root"'/tests/e2e/app.test.mjs"
'
