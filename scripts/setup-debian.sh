#!/usr/bin/env bash
# Installs every system package MissionCall needs to build, run and test on Debian/Ubuntu.
# Idempotent: packages already present are skipped by apt. Needs root (or sudo).
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PKGS=(
  # build: Tauri (webkit2gtk 4.1), keyring's Secret Service backend and notifications (libdbus,
  # pkg-config), the history (the system's SQLite, with FTS5)
  build-essential pkg-config libssl-dev libdbus-1-dev libsqlite3-dev
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
  # run headless, screenshots; python3 for the benchmarks and for the e2e (it closes the window
  # as a window manager's close button does, and moves a call's time in the history file)
  xvfb xauth xdotool imagemagick dbus python3
  # a real keychain and real notifications
  gnome-keyring libsecret-tools dunst libnotify-bin
  # browser and WebDriver tests
  chromium webkit2gtk-driver
  # packaging tests
  rpm file
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all system packages present"
fi
