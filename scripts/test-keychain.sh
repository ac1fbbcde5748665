#!/usr/bin/env bash
# The keychain against a REAL Secret Service: gnome-keyring, unlocked with a throwaway password,
# in a private D-Bus session with a fresh HOME (never the user's own keychain). Runs
#   1. the core's keychain_real test (set, read back through a new handle, clear);
#   2. the CLI's `key set` (stdin) / `key status` (masked) / `key clear`, checked with secret-tool;
#   3. the CLI's key-hygiene test, whose keychain part is then required.
# Fails loudly when the Secret Service cannot be reached: nothing here may silently skip.
# Needs: dbus (dbus-run-session), gnome-keyring, libsecret-tools (secret-tool).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

for tool in dbus-run-session gnome-keyring-daemon secret-tool cargo; do
  command -v "$tool" >/dev/null || { echo "test-keychain: FAILED: $tool not found" >&2; exit 1; }
done

# Build outside the session; keep cargo's and rustup's homes when HOME changes below.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
unset WORKAPI_API_KEY MISSIONCALL_BASE_URL MISSIONCALL_DATA_DIR
cargo test -p missioncall-core --test keychain_real --no-run
cargo test -p missioncall-cli --test key_hygiene --no-run
export MC="${CARGO_TARGET_DIR:-$root/target}/debug/missioncall"
[ -x "$MC" ] || { echo "test-keychain: FAILED: $MC was not built" >&2; exit 1; }

session_home=$(mktemp -d)
trap 'rm -rf "$session_home"' EXIT
export MC_ROOT="$root"

HOME="$session_home" dbus-run-session -- bash -c '
set -euo pipefail
fail() { echo "test-keychain: FAILED: $*" >&2; exit 1; }
source "$MC_ROOT/scripts/lib/dbus-wait.sh"

echo -n ci-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null \
  || fail "gnome-keyring-daemon did not start"
# --unlock may return before the daemon owns the name; a client asking earlier would get a
# second, D-Bus-activated daemon with no login collection. Wait for ours.
dbus_wait_name org.freedesktop.secrets || fail "gnome-keyring-daemon never took org.freedesktop.secrets"
# The gnome-keyring-daemon processes of this session (its HOME is fresh, so only ours).
keyrings() {
  local p n=0
  for p in /proc/[0-9]*; do
    [ "$(basename "$(readlink "$p/exe" 2>/dev/null)")" = gnome-keyring-daemon ] || continue
    grep -qxF "HOME=$HOME" < <(tr "\0" "\n" <"$p/environ" 2>/dev/null) && n=$((n + 1))
  done
  echo "$n"
}

# The Secret Service must answer before anything else runs.
probe="probe-$RANDOM$RANDOM"
printf %s "$probe" | secret-tool store --label="missioncall probe" service missioncall-probe username probe \
  || fail "the Secret Service (org.freedesktop.secrets) is not reachable on this session bus"
[ "$(secret-tool lookup service missioncall-probe username probe)" = "$probe" ] \
  || fail "the Secret Service did not give back what was stored"
secret-tool clear service missioncall-probe username probe

echo "==> core: keychain_real against the real Secret Service"
log=$(mktemp)
MISSIONCALL_REAL_KEYCHAIN=1 cargo test -p missioncall-core --test keychain_real -- --nocapture 2>&1 | tee "$log"
grep -q "real Secret Service round trip ok" "$log" || fail "keychain_real did not run its real round trip"
grep -q "SKIPPED" "$log" && fail "keychain_real skipped a test"

echo "==> cli: key set / status / clear"
data=$(mktemp -d)
export MISSIONCALL_DATA_DIR="$data"
key="sk_live_script_$(od -An -N12 -tx1 /dev/urandom | tr -d " \n")"
last4=${key: -4}
lookup() { secret-tool lookup service ai.missioncall.MissionCall username workapi-api-key; }

out=$("$MC" key status) || fail "key status failed before set"
case "$out" in *"No key is set"*) ;; *) fail "a fresh keychain should hold no key: $out" ;; esac

out=$(printf "%s\n" "$key" | "$MC" key set) || fail "key set failed"
case "$out" in *"Key saved in the system keychain"*"$last4"*) ;; *) fail "key set said: $out" ;; esac
[ "$(lookup)" = "$key" ] || fail "the key is not in the Secret Service after key set"

out=$("$MC" key status) || fail "key status failed"
case "$out" in *"$last4"*"in the system keychain"*) ;; *) fail "key status said: $out" ;; esac
case "$out" in *"${key: -5}"*) fail "key status shows more than the last 4 characters" ;; esac
json=$("$MC" key status --json) || fail "key status --json failed"
[ "$json" = "{\"set\":true,\"last4\":\"$last4\",\"source\":\"keychain\"}" ] || fail "key status --json said: $json"

out=$("$MC" key clear) || fail "key clear failed"
case "$out" in *"Key removed"*) ;; *) fail "key clear said: $out" ;; esac
if lookup >/dev/null 2>&1; then fail "the key is still in the Secret Service after key clear"; fi
out=$("$MC" key status) || fail "key status failed after clear"
case "$out" in *"No key is set"*) ;; *) fail "after clear, key status said: $out" ;; esac

if grep -rqF -- "$key" "$data"; then fail "the key was written under the data dir"; fi
if grep -rqF -- "$key" "$HOME"; then fail "the key was written in plain text under HOME"; fi
echo "cli key flow ok"

echo "==> cli: key hygiene with the keychain part required"
MISSIONCALL_REAL_KEYCHAIN=1 cargo test -p missioncall-cli --test key_hygiene 2>&1 | tail -n 5

n=$(keyrings)
[ "$n" = 1 ] || fail "$n gnome-keyring-daemon processes served this session (one expected: a second one means a client asked before ours owned the name)"
'
echo "test-keychain: all passed"
