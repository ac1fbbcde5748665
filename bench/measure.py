#!/usr/bin/env python3
"""Launch-to-ready time and idle memory of two Tauri apps, measured alternately.

Called by bench/run.sh inside Xvfb and a private D-Bus session (DISPLAY and
DBUS_SESSION_BUS_ADDRESS set). For each run and each app (the order swaps every round):
a fresh HOME and MISSIONCALL_DATA_DIR, no API key, MISSIONCALL_BENCH_READY=1; the launch time is
read on CLOCK_MONOTONIC just before the exec, and the app prints `MISSIONCALL_READY <ms>` on the
same clock when its page has signalled readiness to Rust. 10 s after launch, the RSS and PSS of
the whole process tree (the main process and every descendant: WebKitWebProcess,
WebKitNetworkProcess, ...) are summed from /proc. Then the tree is stopped.

Writes a JSON file with every sample; prints one line per run.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time


def children_map():
    kids = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces.
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def tree(pid):
    kids = children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def memory_kib(pid):
    """(rss, pss or None) of one process in KiB."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            fields = {}
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[0].endswith(":"):
                    fields[parts[0][:-1]] = parts[1]
            if "Rss" in fields:
                pss = int(fields["Pss"]) if "Pss" in fields else None
                return int(fields["Rss"]), pss
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]), None
    except OSError:
        pass
    return 0, None


def run_once(name, binary, settle, timeout):
    home = tempfile.mkdtemp(prefix=f"bench-{name}-")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("WORKAPI_API_KEY", "MISSIONCALL_BASE_URL", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")
    }
    env.update(
        HOME=home,
        MISSIONCALL_DATA_DIR=os.path.join(home, "data"),
        MISSIONCALL_BENCH_READY="1",
        NO_AT_BRIDGE="1",
    )
    stderr = open(os.path.join(home, "stderr.log"), "w")
    ready = {}
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [binary], env=env, stdout=subprocess.PIPE, stderr=stderr, start_new_session=True, text=True
    )

    def reader():
        for line in proc.stdout:
            if line.startswith("MISSIONCALL_MARK "):
                parts = line.split()
                if len(parts) == 3:
                    ready.setdefault("marks", {}).setdefault(parts[1], float(parts[2]))
            if line.startswith("MISSIONCALL_READY ") and "ms" not in ready:
                ready["ms"] = float(line.split()[1])
                ready["event"].set()

    ready["event"] = threading.Event()
    threading.Thread(target=reader, daemon=True).start()
    ok = ready["event"].wait(timeout)
    sample = {"app": name, "ready": ok}
    try:
        if not ok:
            return sample | {"error": f"no readiness line within {timeout}s", "home": home}
        sample["launch_ms"] = ready["ms"] - t0 * 1000.0
        left = t0 + settle - time.monotonic()
        if left > 0:
            time.sleep(left)
        # Start-up phases (MISSIONCALL_MARK lines, some printed after readiness), ms after the
        # exec, in the order they happened.
        marks = dict(ready.get("marks", {}))
        sample["phases_ms"] = {k: round(v - t0 * 1000.0, 1) for k, v in sorted(marks.items(), key=lambda kv: kv[1])}
        pids = tree(proc.pid)
        rss = pss = 0
        pss_ok = True
        names = []
        per_process = []
        for p in pids:
            r, s = memory_kib(p)
            rss += r
            if s is None:
                pss_ok = False
            else:
                pss += s
            names.append(comm(p))
            per_process.append({"comm": comm(p), "rss_mib": r / 1024, "pss_mib": s / 1024 if s is not None else None})
        sample |= {
            "rss_mib": rss / 1024,
            "pss_mib": pss / 1024 if pss_ok else None,
            "processes": names,
            "per_process": per_process,
        }
        return sample
    finally:
        pids = tree(proc.pid) if proc.poll() is None else []
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(10)
        for p in pids:  # any helper that left the process group
            try:
                os.kill(p, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        stderr.close()
        if ok:
            shutil.rmtree(home, ignore_errors=True)
        time.sleep(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bare", required=True)
    ap.add_argument("--app", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--settle", type=float, default=10.0)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    apps = [("bare", a.bare), ("missioncall", a.app)]
    samples = []
    for i in range(a.runs):
        order = apps if i % 2 == 0 else apps[::-1]
        for name, binary in order:
            s = run_once(name, binary, a.settle, a.timeout)
            s["run"] = i + 1
            samples.append(s)
            if s["ready"]:
                pss = f"{s['pss_mib']:.1f}" if s.get("pss_mib") is not None else "n/a"
                print(
                    f"run {i + 1} {name:12s} launch->ready {s['launch_ms']:7.1f} ms  "
                    f"tree RSS {s['rss_mib']:6.1f} MiB  PSS {pss} MiB  ({', '.join(s['processes'])})",
                    flush=True,
                )
                if s["phases_ms"]:
                    print("      phases: " + ", ".join(f"{k} {v:.0f}" for k, v in s["phases_ms"].items()), flush=True)
            else:
                print(f"run {i + 1} {name:12s} FAILED: {s['error']} (logs in {s['home']})", flush=True)
    with open(a.out, "w") as f:
        json.dump(samples, f, indent=1)
    if not all(s["ready"] for s in samples):
        sys.exit(1)


if __name__ == "__main__":
    main()
