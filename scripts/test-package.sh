#!/usr/bin/env bash
# Packaging test (Debian/Ubuntu, as root): builds the .deb (scripts/package.sh), checks it is at
# most 10 MB, installs it with apt-get, launches the INSTALLED binary under Xvfb in a private
# D-Bus session with a fresh HOME, waits for the window titled MissionCall, then uninstalls the
# package and checks that the binary is gone. Fails loudly; never skips.
#
# Set MISSIONCALL_PACKAGE_REUSE=1 to test the newest .deb already built instead of building.
# Not part of scripts/test-all.sh (a release build takes minutes, and it installs a package).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
step() { printf '\n==> %s\n' "$*"; }
fail() { echo "test-package: FAIL: $*" >&2; exit 1; }
# Stops what the session left behind (D-Bus-activated helpers such as at-spi or gnome-keyring
# outlive dbus-run-session): exactly the processes whose HOME is this session's fresh HOME.
reap_home() {
  local home=$1 p
  for p in /proc/[0-9]*; do
    if grep -qxF "HOME=$home" < <(tr '\0' '\n' <"$p/environ" 2>/dev/null); then
      kill "${p#/proc/}" 2>/dev/null || true
    fi
  done
}
[ "$(id -u)" = 0 ] || fail "run as root (it installs and removes a package)"

for tool in xvfb-run xdotool dbus-run-session import; do
  command -v "$tool" >/dev/null || { apt-get update -qq; apt-get install -y -qq xvfb xauth xdotool dbus imagemagick >/dev/null; break; }
done

if [ "${MISSIONCALL_PACKAGE_REUSE:-0}" != 1 ]; then
  step "building the packages"
  rm -f target/release/bundle/deb/*.deb target/release/bundle/rpm/*.rpm
  bash scripts/package.sh
fi
deb=$(ls -t "$root"/target/release/bundle/deb/*.deb 2>/dev/null || true)
deb=${deb%%$'\n'*}
[ -n "$deb" ] || fail "no .deb in target/release/bundle/deb/"

step "checking $(basename "$deb")"
size=$(stat -c %s "$deb")
limit=$((10 * 1000 * 1000))
echo "size: $size bytes (limit $limit)"
[ "$size" -le "$limit" ] || fail ".deb is $size bytes, more than 10 MB"
pkg=$(dpkg-deb -f "$deb" Package)
dpkg-deb -f "$deb" Package Version Architecture Depends Section
contents=$(dpkg-deb -c "$deb")
bin_rel=$(awk '$6 ~ /^(\.\/)?usr\/bin\/./ {print $6}' <<<"$contents")
bin_rel=${bin_rel%%$'\n'*}
[ -n "$bin_rel" ] || fail "the package installs nothing in /usr/bin"
bin=/${bin_rel#./}
echo "package $pkg installs $bin"
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
  fail "$pkg is already installed here; remove it first (this test installs and removes it)"
fi

step "apt-get install ./$(basename "$deb")"
cp "$deb" /tmp/
(cd /tmp && apt-get install -y "./$(basename "$deb")")
# Whatever happens next, do not leave the package installed.
trap 'apt-get remove -y "$pkg" >/dev/null 2>&1 || true; rm -f "/tmp/$(basename "$deb")"' EXIT
[ -x "$bin" ] || fail "$bin is not there after installing"
dpkg-query -W -f='${Status}\n' "$pkg" | grep -q 'install ok installed' || fail "dpkg does not list $pkg as installed"
grep -lE "^Exec=($bin|$(basename "$bin"))( |\$)" /usr/share/applications/*.desktop >/dev/null \
  || fail "no desktop entry runs $(basename "$bin")"

step "launching the installed $bin under Xvfb"
work=$(mktemp -d)
export TEST_HOME="$work/home" TEST_BIN="$bin" TEST_LOG="$work/app.log" TEST_SHOT="$work/window.png"
mkdir -p "$TEST_HOME"
set +e
HOME="$TEST_HOME" xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" dbus-run-session -- bash -c '
  set -u
  env -u WORKAPI_API_KEY -u MISSIONCALL_DATA_DIR -u MISSIONCALL_BASE_URL "$TEST_BIN" >"$TEST_LOG" 2>&1 &
  app=$!
  for _ in $(seq 1 120); do
    if win=$(xdotool search --onlyvisible --name "^MissionCall$" 2>/dev/null | head -1) && [ -n "$win" ]; then
      echo "window $win: \"$(xdotool getwindowname "$win")\""
      sleep 2
      import -window root "$TEST_SHOT" 2>/dev/null || true
      kill "$app"; wait "$app" 2>/dev/null
      exit 0
    fi
    kill -0 "$app" 2>/dev/null || { echo "the app exited early"; exit 1; }
    sleep 0.25
  done
  echo "no visible window titled MissionCall after 30 s"
  kill "$app"; wait "$app" 2>/dev/null
  exit 1
'
seen=$?
set -e
reap_home "$TEST_HOME"
if [ $seen -ne 0 ]; then
  echo "--- app log ---"; cat "$TEST_LOG" || true
fi

step "apt-get remove -y $pkg"
apt-get remove -y "$pkg"
rm -f "/tmp/$(basename "$deb")"
[ $seen -eq 0 ] || fail "the installed app showed no window"
[ ! -e "$bin" ] || fail "$bin is still there after removing $pkg"
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
  fail "dpkg still lists $pkg as installed"
fi
trap - EXIT
echo "screenshot of the installed app: $TEST_SHOT"
echo
echo "test-package: OK ($(basename "$deb"), $size bytes: installed, window seen, removed)"
