# shellcheck shell=bash
# Sourced, not run. Waits until a well-known name is owned on the session bus, so that nothing
# talks to a service we have just started before it is there. Asking too early is a race: D-Bus
# activation would then start a SECOND daemon from the name's .service file (for gnome-keyring,
# one that finds a half-written login.keyring and no login collection; for dunst, one that
# fights the first over the name). NameHasOwner never activates anything.
#
#   dbus_wait_name NAME [PID]
#
# Returns 0 once NAME has an owner. Fails (status 1, one plain line on stderr) after
# DBUS_WAIT_TIMEOUT seconds (default 10), or at once if PID (the daemon we started) has exited.

dbus_wait_name() {
  local name=$1 pid=${2:-} timeout=${DBUS_WAIT_TIMEOUT:-10} reply err="" deadline
  deadline=$(($(date +%s%N) + timeout * 1000000000))
  while :; do
    if reply=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner "string:$name" 2>&1); then
      [[ $reply == *"boolean true"* ]] && return 0
      err=""
    else
      err=${reply//$'\n'/ } # no session bus, say: worth showing if we give up
    fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      echo "dbus-wait: the process that should own $name (pid $pid) exited before owning it" >&2
      return 1
    fi
    if [ "$(date +%s%N)" -ge "$deadline" ]; then
      echo "dbus-wait: $name is not owned on the session bus after ${timeout} s${err:+ ($err)}" >&2
      return 1
    fi
    sleep 0.05
  done
}
