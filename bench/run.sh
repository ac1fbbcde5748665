#!/usr/bin/env bash
# MissionCall's benchmarks, in one command: bash bench/run.sh
#
#   1. builds (release) MissionCall and the bare Tauri app of bench/bare (same Tauri, same
#      features, same release profile; its own cargo project sharing the root target/);
#   2. binary sizes (stripped);
#   3. under Xvfb in a private D-Bus session, launches both apps ALTERNATELY, RUNS times each
#      (default 5), each with a fresh HOME and data folder and no API key: launch -> ready
#      (the page's readiness call reaching Rust, CLOCK_MONOTONIC) and the idle RSS/PSS of the whole
#      process tree 10 s after launch (bench/measure.py);
#   4. the tracker's idle behaviour: requests and wake-ups with no live task over 60 s, and with
#      N = 1, 10, 100 live tasks over 30 s (crates/missioncall-core/examples/tracker_load.rs);
#   5. the core benches: history with 100,000 calls, client overhead vs raw reqwest (criterion);
#   6. the UI with 100,000 rows in Chromium (ui/tests/perf.spec.ts);
#   7. writes bench/RESULTS.md (bench/report.py) with the machine, medians, ratios and verdicts.
#
# Knobs: RUNS (launches per app, default 5), SETTLE (seconds before the memory sample, 10),
# IDLE_SECS (60), WINDOW_SECS (30), BENCH_SKIP (comma list of: apps, tracker, core, ui).
# Raw outputs go to target/bench-out/. Not part of scripts/test-all.sh (it takes ~25 minutes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
unset WORKAPI_API_KEY MISSIONCALL_BASE_URL MISSIONCALL_DATA_DIR
RUNS=${RUNS:-5}
SETTLE=${SETTLE:-10}
IDLE_SECS=${IDLE_SECS:-60}
WINDOW_SECS=${WINDOW_SECS:-30}
BENCH_SKIP=${BENCH_SKIP:-}
out="$root/target/bench-out"
mkdir -p "$out"
step() { printf '\n==> %s\n' "$*"; }
skipped() { [[ ",$BENCH_SKIP," == *",$1,"* ]]; }
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

need=()
for tool in Xvfb xvfb-run xdotool dbus-run-session python3 strip; do
  command -v "$tool" >/dev/null || need+=("$tool")
done
if [ ${#need[@]} -gt 0 ]; then
  step "installing what the benchmarks need (${need[*]})"
  apt-get update -qq && apt-get install -y -qq xvfb xauth xdotool dbus binutils python3 >/dev/null
fi
[ -d ui/node_modules ] || (cd ui && npm ci --no-audit --no-fund)

if ! skipped apps; then
  step "UI build (embedded in the app)"
  (cd ui && npm run build >/dev/null)

  step "release build: MissionCall"
  cargo build --release --locked -p missioncall-app
  step "release build: the bare Tauri app (bench/bare)"
  (cd bench/bare && CARGO_TARGET_DIR="$root/target" cargo build --release --locked)

  app_bin="$root/target/release/missioncall-app"
  bare_bin="$root/target/release/bare-tauri"
  step "binary sizes"
  : >"$out/sizes.txt"
  for pair in "missioncall:$app_bin" "bare:$bare_bin"; do
    name=${pair%%:*}
    bin=${pair#*:}
    strip -o "$out/$name.stripped" "$bin"
    echo "$name $(stat -c %s "$bin") $(stat -c %s "$out/$name.stripped")" | tee -a "$out/sizes.txt"
    rm -f "$out/$name.stripped"
  done

  step "launch -> ready and idle memory, alternating, $RUNS runs each (Xvfb, private D-Bus)"
  # Like a desktop session: a Secret Service (gnome-keyring, unlocked, in its own fresh HOME) is
  # already running on the session bus, so neither app pays for activating it. Its process is
  # not counted in either app's tree, and it is stopped at the end.
  session_home=$(mktemp -d)
  export BENCH_BARE="$bare_bin" BENCH_APP="$app_bin" BENCH_OUT="$out/launch.json"
  export RUNS SETTLE
  HOME="$session_home" xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
    dbus-run-session -- bash -c '
      set -u
      keyring=""
      if command -v gnome-keyring-daemon >/dev/null; then
        gnome-keyring-daemon --foreground --unlock --components=secrets < <(printf bench) >/dev/null 2>&1 &
        keyring=$!
        # Until it owns the name, an app asking would D-Bus-activate a second daemon.
        source "'"$root"'/scripts/lib/dbus-wait.sh"
        if ! dbus_wait_name org.freedesktop.secrets "$keyring"; then
          echo "bench: gnome-keyring-daemon never took org.freedesktop.secrets" >&2
          kill "$keyring" 2>/dev/null
          exit 1
        fi
      fi
      python3 "'"$root"'/bench/measure.py" --bare "$BENCH_BARE" --app "$BENCH_APP" \
        --runs "$RUNS" --settle "$SETTLE" --out "$BENCH_OUT"
      rc=$?
      [ -n "$keyring" ] && kill "$keyring" 2>/dev/null
      exit $rc
    '
  reap_home "$session_home"
  rm -rf "$session_home"
fi

if ! skipped tracker; then
  step "tracker: idle for ${IDLE_SECS}s, then N = 1, 10, 100 live tasks for ${WINDOW_SECS}s each"
  cargo build --locked -q -p missioncall-core --example tracker_load
  "$root/target/debug/examples/tracker_load" --idle-secs "$IDLE_SECS" --window-secs "$WINDOW_SECS" \
    | tee "$out/tracker.txt"
fi

if ! skipped core; then
  step "core benches: history with 100,000 calls"
  rm -rf "$root/target/criterion/history"*
  cargo bench --locked -p missioncall-core --bench history 2>&1 | tee "$out/history.txt"
  step "core benches: client overhead vs raw reqwest"
  cargo bench --locked -p workapi --bench client_overhead 2>&1 | tee "$out/client.txt"
  rm -rf "$out/criterion"
  cp -r "$root/target/criterion" "$out/criterion"
fi

if ! skipped ui; then
  step "UI: 100,000-row history in Chromium"
  (cd ui && CI=1 npx playwright test tests/perf.spec.ts 2>&1) | tee "$out/ui-perf.txt"
fi

step "bench/RESULTS.md"
python3 bench/report.py "$out" "$root/bench/RESULTS.md"
echo
echo "written: bench/RESULTS.md (raw outputs in target/bench-out/)"
