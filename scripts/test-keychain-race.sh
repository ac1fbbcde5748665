#!/usr/bin/env bash
# Opt-in (not run by scripts/test-all.sh): scripts/test-keychain.sh with the start-up race forced.
# A gnome-keyring-daemon wrapper, first in PATH, answers `--unlock` at once and starts the real
# daemon only 0.7 s later (RACE_DELAY), the way a loaded machine may. A script that uses the
# Secret Service before org.freedesktop.secrets is owned then fails every time (a second,
# D-Bus-activated daemon has no login collection); one that waits for the name passes.
# Only the FIRST --unlock (the script's own session) is delayed; RACE_EVERY=1 delays each one,
# which also reaches the private session that the CLI's key_hygiene test starts for itself.
#   bash scripts/test-keychain-race.sh [SCRIPT]   (SCRIPT defaults to scripts/test-keychain.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
script=${1:-$root/scripts/test-keychain.sh}
real=$(command -v gnome-keyring-daemon) || { echo "test-keychain-race: FAILED: gnome-keyring-daemon not found" >&2; exit 1; }

wrap=$(mktemp -d)
trap 'rm -rf "$wrap"' EXIT
cat >"$wrap/gnome-keyring-daemon" <<WRAPPER
#!/usr/bin/env bash
# Late gnome-keyring-daemon: for --unlock, read the password, return now, start the real one later.
case " \$* " in
  *" --unlock "*)
    if [ "\${RACE_EVERY:-0}" != 1 ] && ! mkdir "$wrap/delayed" 2>/dev/null; then exec "$real" "\$@"; fi
    pw=\$(cat)
    ( sleep "\${RACE_DELAY:-0.7}"; printf %s "\$pw" | "$real" "\$@" ) </dev/null >/dev/null 2>&1 &
    exit 0 ;;
esac
exec "$real" "\$@"
WRAPPER
chmod +x "$wrap/gnome-keyring-daemon"

echo "test-keychain-race: gnome-keyring-daemon --unlock answers ${RACE_DELAY:-0.7} s before the daemon starts"
PATH="$wrap:$PATH" bash "$script"
