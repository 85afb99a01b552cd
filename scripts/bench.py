#!/usr/bin/env python3
"""`make bench`: what movebreak costs while idle in the tray, next to Safe Eyes and Workrave on
the same headless desktop, plus its start-up time to the tray icon and its reminder lateness.

One run, one rig (tests/desktop_rig.py: Xvfb, private session bus, dunst, trayer; a second bus
stands in for the system bus Safe Eyes needs):
1. start-up: `python -m movebreak run` is started a few times (the first is a first run); each
   time the clock runs from exec to the icon window being reparented into trayer (an X
   ReparentNotify seen on the root window). The last start stays up as the measured instance.
2. Safe Eyes, Workrave and a second movebreak (10 s `move` interval, console notifier, for
   lateness) start beside it; after the warm-up, each process tree (children and all threads
   included) is sampled once a second over the idle window: PSS and anonymous RSS
   (smaps_rollup), CPU (utime+stime+cutime+cstime from /proc/PID/stat) and wakeups (voluntary +
   involuntary context switches of every thread, /proc/PID/task/*/status; a thread that ends
   keeps its last sampled count).
3. lateness: every reminder line the second instance prints is stamped on arrival and compared
   with the due time `movebreak status --json` gave before it; the last one also against
   start + N x interval (drift). The config floor is 10 s, so that is the interval.

Prints a table (or JSON with --json) and PASS/FAIL per SPEC quality bar; a full run also writes
docs/bench-latest.json. Exit status: 0 all measured bars pass, 1 a bar failed, 2 could not run.
Single-threaded except one reader thread per started app's stdout and the lateness thread.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the rig lives with the tests
sys.path.insert(0, str(ROOT))

from desktop_rig import DesktopRig

from movebreak import __version__
from movebreak.adapters import ipc, storage

DEFAULT_OUT = ROOT / "docs" / "bench-latest.json"
CLK_TCK = os.sysconf("SC_CLK_TCK")
LATENESS_INTERVAL_S = 10  # the smallest interval the config accepts
REMINDER_MARK = "| Time to move"  # console notifier line for a `move` reminder

BAR_CPU_MS_PER_MIN = 100.0
BAR_WAKEUPS_PER_S = 1.0
BAR_LATENESS_S = 1.0
BAR_DRIFT_S = 1.0
BAR_STARTUP_S = 1.0


def progress(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------- /proc readers
def _read(path: str) -> str | None:
    try:
        with open(path) as fh:
            return fh.read()
    except OSError:
        return None


def _stat(pid: int) -> list[str] | None:
    """/proc/PID/stat fields from field 3 (state) on: index = field number - 3."""
    text = _read(f"/proc/{pid}/stat")
    if not text:
        return None
    return text[text.rindex(")") + 2:].split()


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants that are alive now."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if os.path.exists(f"/proc/{pid}"):
            out.append(pid)
            todo.extend(children.get(pid, []))
    return out


def cpu_ticks(pid: int) -> int:
    """utime+stime of all threads (live and ended) plus reaped children's time."""
    fields = _stat(pid)
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) if fields else 0


def memory_kib(pid: int) -> tuple[int, int]:
    """(PSS, anonymous) in KiB from smaps_rollup; (0, 0) if the process is gone."""
    text = _read(f"/proc/{pid}/smaps_rollup") or ""
    values = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("Pss", "Anonymous"):
            values[key] = int(rest.split()[0])
    return values.get("Pss", 0), values.get("Anonymous", 0)


def thread_stats(pid: int) -> dict[tuple[int, int], tuple[str, int, int]]:
    """{(pid, tid): (thread name, voluntary + involuntary context switches, ns on a CPU)}."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        text = _read(f"/proc/{pid}/task/{tid}/status")
        if not text:
            continue
        name, total = "?", 0
        for line in text.splitlines():
            key, _, value = line.partition(":")
            if key == "Name":
                name = value.strip()
            elif key in ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"):
                total += int(value)
        sched = (_read(f"/proc/{pid}/task/{tid}/schedstat") or "0").split()
        out[(pid, int(tid))] = (name, total, int(sched[0]))
    return out


class TreeMeter:
    """Idle cost of one process tree over a window. Called from the bench's main thread."""

    def __init__(self, root_pid: int) -> None:
        self.root = root_pid

    def begin(self) -> None:
        self.t0 = time.monotonic()
        pids = process_tree(self.root)
        self.cpu0 = sum(cpu_ticks(p) for p in pids)
        self.first: dict[tuple[int, int], tuple[int, int]] = {}
        self.last: dict[tuple[int, int], tuple[str, int, int]] = {}
        for p in pids:
            for key, (name, n, ns) in thread_stats(p).items():
                self.first[key] = (n, ns)
                self.last[key] = (name, n, ns)
        self.mem: list[tuple[int, int]] = []
        self.pids_seen = set(pids)
        self.sample()

    def sample(self) -> None:
        pids = process_tree(self.root)
        self.pids_seen.update(pids)
        pss = anon = 0
        for p in pids:
            a, b = memory_kib(p)
            pss, anon = pss + a, anon + b
            self.last.update(thread_stats(p))
        if pids:
            self.mem.append((pss, anon))
        self.gl = any("_dri.so" in (_read(f"/proc/{p}/maps") or "") for p in pids)

    def end(self) -> dict[str, Any]:
        self.sample()
        seconds = time.monotonic() - self.t0
        cpu_ms = (sum(cpu_ticks(p) for p in process_tree(self.root)) - self.cpu0) \
            * 1000.0 / CLK_TCK
        by_name: dict[str, dict[str, int]] = {}
        total = run_ns = 0
        for key, (name, n, ns) in self.last.items():
            n0, ns0 = self.first.get(key, (0, 0))
            delta = n - n0
            total += delta
            run_ns += ns - ns0
            label = f"{name} (main)" if key[0] == key[1] else name
            slot = by_name.setdefault(label, {"threads": 0, "switches": 0})
            slot["threads"] += 1
            slot["switches"] += delta
        started = sum(1 for k in self.last if k not in self.first)
        pss = statistics.median(m[0] for m in self.mem) if self.mem else 0
        anon = statistics.median(m[1] for m in self.mem) if self.mem else 0
        return {
            "measured": True,
            "window_s": round(seconds, 2),
            "pss_mib": round(pss / 1024, 1),
            "anon_mib": round(anon / 1024, 1),
            "cpu_ms": round(cpu_ms, 1),
            "cpu_ms_per_min": round(cpu_ms * 60 / seconds, 1),
            "cpu_ms_per_min_schedstat": round(run_ns / 1e6 * 60 / seconds, 2),
            "wakeups_per_s": round(total / seconds, 2),
            "switches": total,
            "processes": len(self.pids_seen),
            "threads": len(self.last),
            "threads_started_in_window": started,
            "loads_gl_driver": self.gl,
            "switches_by_thread": dict(sorted(by_name.items(),
                                              key=lambda kv: -kv[1]["switches"])),
        }


# ---------------------------------------------------------------------- X: icons in the tray
class TrayWatcher:
    """Sees tray icons being embedded: XEmbed hosts reparent the icon window away from the
    root, which the root window reports as ReparentNotify (SubstructureNotify)."""

    def __init__(self, display: str) -> None:
        from Xlib import X
        from Xlib import display as xdisplay
        self.X = X
        self.d = xdisplay.Display(display)
        self.root = self.d.screen().root
        self.root.change_attributes(event_mask=X.SubstructureNotifyMask)
        self.d.sync()
        self.events: list[tuple[float, int, str]] = []  # (monotonic, type, window id)

    def pump(self, timeout: float) -> None:
        """Read X events for up to `timeout` seconds, stamping each on arrival."""
        end = time.monotonic() + timeout
        while True:
            while self.d.pending_events():
                ev = self.d.next_event()
                now = time.monotonic()
                if ev.type == self.X.ReparentNotify and ev.parent.id != self.root.id:
                    self.events.append((now, "embedded", ev.window.id))
                elif ev.type == self.X.DestroyNotify:
                    self.events.append((now, "destroyed", ev.window.id))
            left = end - time.monotonic()
            if left <= 0:
                return
            select.select([self.d], [], [], min(left, 0.5))

    def wm_class(self, wid: int) -> str:
        try:
            cls = self.d.create_resource_object("window", wid).get_wm_class()
        except Exception:  # noqa: BLE001 - the window is gone (python-xlib raises many kinds)
            return ""
        return " ".join(cls or ())

    def wait_embedded(self, since: float, match: str, timeout: float) -> tuple[float, int] | None:
        """First icon window whose WM_CLASS contains `match`, embedded after `since`."""
        end = time.monotonic() + timeout
        checked: set[int] = set()
        while time.monotonic() < end:
            self.pump(0.02)
            for stamp, kind, wid in self.events:
                if kind == "embedded" and stamp >= since and wid not in checked:
                    checked.add(wid)
                    if match in self.wm_class(wid).lower():
                        return stamp, wid
        return None

    def embedded_classes(self) -> list[str]:
        """WM_CLASS of every window now inside a tray host (not a child of the root)."""
        owner = self.d.get_selection_owner(self.d.intern_atom("_NET_SYSTEM_TRAY_S0"))
        found = []

        def walk(win, depth: int) -> None:
            for child in win.query_tree().children:
                if depth >= 1:
                    cls = self.wm_class(child.id)
                    if cls:
                        found.append(cls)
                walk(child, depth + 1)

        if owner:
            walk(self.root, 0)
        return found

    def close(self) -> None:
        self.d.close()


def prime_gl_visuals(rig: DesktopRig, watcher: TrayWatcher) -> bool:
    """Let a throwaway GTK 3 client pick the GL visuals first. GTK caches them on the root
    window (GDK_VISUALS) and later clients skip loading the GL driver (Mesa + LLVM, ~25 MB), as
    on a running desktop; without this, whichever app starts first pays it."""
    code = ("import gi; gi.require_version('Gtk', '3.0'); from gi.repository import Gdk, Gtk; "
            "raise SystemExit(Gdk.Display.get_default() is None)")
    env = {k: v for k, v in rig.env.items() if k != "GDK_GL"}
    subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=60,
                   check=False)
    atom = watcher.d.intern_atom("GDK_VISUALS")
    return watcher.root.get_full_property(atom, watcher.X.AnyPropertyType) is not None


# ---------------------------------------------------------------------- started processes
class Started:
    """A process the bench started; stdout+stderr lines kept with arrival times."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        self.name = name
        self.env = env
        self.lines: list[tuple[float, float, str]] = []  # (monotonic, wall, text)
        self.t_exec = time.monotonic()
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, errors="replace")
        self._reader = threading.Thread(target=self._read, name=f"read-{name}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), time.time(), line.rstrip("\n")))

    def wait_line(self, text: str, timeout: float, after: int = 0) -> tuple[int, float, float]:
        """(index, monotonic, wall) of the first line containing `text` from index `after`."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for i in range(after, len(self.lines)):
                if text in self.lines[i][2]:
                    return i, self.lines[i][0], self.lines[i][1]
            if self.proc.poll() is not None:
                time.sleep(0.2)  # let the reader drain
                if not any(text in ln[2] for ln in self.lines[after:]):
                    break
            time.sleep(0.01)
        raise RuntimeError(f"{self.name}: {text!r} not printed within {timeout:g} s; "
                           f"output:\n{self.tail()}")

    def tail(self, n: int = 15) -> str:
        return "\n".join(ln[2] for ln in self.lines[-n:])

    def stop(self, timeout: float = 10.0) -> int | None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


def movebreak_env(rig: DesktopRig, home: Path, **extra: str) -> dict[str, str]:
    """The desktop's environment with private movebreak folders under `home`; the safety
    notice is acknowledged there, so no Safety window stays open during the measurements."""
    storage.acknowledge_safety(home / "config" / "config.toml")
    env = dict(rig.env, MOVEBREAK_CONFIG_DIR=str(home / "config"),
               MOVEBREAK_DATA_DIR=str(home / "data"), MOVEBREAK_RUNTIME_DIR=str(home / "run"),
               PYTHONUNBUFFERED="1")
    for key in ("MOVEBREAK_NOTIFIER", "MOVEBREAK_IDLE", "PYSTRAY_BACKEND", "MOVEBREAK_WATCHDOG_S"):
        env.pop(key, None)
    env.update(extra)
    return env


def start_movebreak(name: str, env: dict[str, str]) -> Started:
    return Started(name, [sys.executable, "-m", "movebreak", "run"], env, ROOT)


def quit_movebreak(app: Started) -> None:
    """Quit over the control socket (a clean stop), SIGTERM if that does not work."""
    try:
        ipc.request(Path(app.env["MOVEBREAK_RUNTIME_DIR"]), "quit", timeout=5)
        app.proc.wait(10)
    except (ipc.NotRunning, RuntimeError, subprocess.TimeoutExpired):
        pass
    app.stop()


# ---------------------------------------------------------------------- start-up
def measure_startup(rig: DesktopRig, watcher: TrayWatcher, env: dict[str, str],
                    runs: int) -> tuple[dict[str, Any], Started | None]:
    """Start movebreak `runs` times in the same folders; the last start keeps running."""
    results: list[dict[str, Any]] = []
    app: Started | None = None
    for i in range(runs):
        progress(f"start-up run {i + 1}/{runs}")
        app = start_movebreak("movebreak", env)
        hit = watcher.wait_embedded(app.t_exec, "movebreak", timeout=20)
        run: dict[str, Any] = {"first_run": i == 0, "icon_in_tray": hit is not None,
                               "icon_s": round(hit[0] - app.t_exec, 3) if hit else None}
        try:
            _, mono, _ = app.wait_line("movebreak running", 20)
            run["running_line_s"] = round(mono - app.t_exec, 3)
        except RuntimeError as e:
            run["error"] = str(e)
        results.append(run)
        if hit is None or "error" in run:
            return _startup_summary(results, app.tail()), app
        if i < runs - 1:
            quit_movebreak(app)
            watcher.pump(0.3)  # the icon leaves the tray; trayer settles
    if rig.dunst_running():
        rig.dunstctl("close-all")  # anything shown during the starts
    return _startup_summary(results), app


def _startup_summary(runs: list[dict[str, Any]], failure: str | None = None) -> dict[str, Any]:
    warm = [r["icon_s"] for r in runs if not r["first_run"] and r.get("icon_s") is not None]
    out: dict[str, Any] = {
        "runs": runs,
        "icon_in_tray": bool(runs) and all(r["icon_in_tray"] for r in runs),
        "first_run_s": runs[0]["icon_s"] if runs else None,
        "warm_median_s": round(statistics.median(warm), 3) if warm else None,
        "warm_max_s": max(warm) if warm else None,
    }
    if failure:
        out["failure"] = failure
    return out


# ---------------------------------------------------------------------- lateness
def _cli_status(env: dict[str, str]) -> dict[str, Any]:
    res = subprocess.run([sys.executable, "-m", "movebreak", "status", "--json"], env=env,
                         cwd=ROOT, capture_output=True, text=True, timeout=30, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"movebreak status --json failed: {res.stderr.strip()}")
    return json.loads(res.stdout)


def measure_lateness(app: Started, env: dict[str, str], count: int,
                     result: dict[str, Any]) -> None:
    """Lateness thread: stamp `count` move reminders against their due times; fills `result`."""
    interval = LATENESS_INTERVAL_S
    result.update(interval_s=interval, wanted=count, count=0, reminders=[])
    try:
        app.wait_line("movebreak running", 20)
        due = datetime.fromisoformat(_cli_status(env)["kinds"]["move"]["due"]).timestamp()
        start = due - interval  # the engine's start: the first interval's anchor
        result["start"] = datetime.fromtimestamp(start, UTC).isoformat()
        after = 0
        for n in range(1, count + 1):
            idx, _, wall = app.wait_line(REMINDER_MARK, interval + 10, after)
            after = idx + 1
            result["reminders"].append({"n": n, "due_s": round(due - start, 3),
                                        "shown_s": round(wall - start, 3),
                                        "late_s": round(wall - due, 4)})
            result["count"] = n
            if n < count:
                due = datetime.fromisoformat(_cli_status(env)["kinds"]["move"]["due"]
                                             ).timestamp()
        late = [r["late_s"] for r in result["reminders"]]
        last = result["reminders"][-1]
        result.update(median_s=round(statistics.median(late), 4), max_s=round(max(late), 4),
                      min_s=round(min(late), 4),
                      last_expected_s=count * interval,
                      drift_s=round(last["shown_s"] - count * interval, 4))
    except Exception as e:  # noqa: BLE001 - reported, never raised out of the thread
        result["error"] = f"{type(e).__name__}: {e}"


# ---------------------------------------------------------------------- anchors
def _version(package: str) -> str | None:
    try:
        res = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package],
                             capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return None
    return res.stdout.strip() or None


class SystemBus:
    """A second bus daemon standing in for the system bus (Safe Eyes refuses to start
    without one)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--nopidfile",
             f"--address=unix:path={folder / 'system_bus_socket'}", "--print-address=1"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        if not select.select([self.proc.stdout], [], [], 10)[0]:
            self.stop()
            raise RuntimeError("the stand-in system bus printed no address")
        self.address = self.proc.stdout.readline().strip()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)


def start_anchor(name: str, argv: list[str], rig: DesktopRig, home: Path,
                 system_bus: str) -> Started:
    """Start a comparison app with a private HOME (fresh settings, nothing of the user's)."""
    dirs = {"XDG_CONFIG_HOME": home / ".config", "XDG_DATA_HOME": home / ".local" / "share",
            "XDG_CACHE_HOME": home / ".cache"}  # the standard layout: Safe Eyes assumes it
    for folder in dirs.values():
        folder.mkdir(parents=True, exist_ok=True)
    env = dict(rig.env, HOME=str(home), DBUS_SYSTEM_BUS_ADDRESS=system_bus,
               **{k: str(v) for k, v in dirs.items()})
    return Started(name, argv, env, home)


# ---------------------------------------------------------------------- bars and output
def evaluate(results: dict[str, Any]) -> list[dict[str, str]]:
    apps, mb = results["apps"], results["apps"]["movebreak"]
    bars = []

    def bar(name: str, ok: bool | None, detail: str) -> None:
        verdict = "NOT MEASURED" if ok is None else ("PASS" if ok else "FAIL")
        bars.append({"bar": name, "result": verdict, "detail": detail})

    anchors = [a for k, a in apps.items() if k != "movebreak"]
    if mb.get("measured") and anchors and all(a.get("measured") for a in anchors):
        lowest = min(a["pss_mib"] for a in anchors)
        bar("PSS below Safe Eyes and Workrave (same run)", mb["pss_mib"] < lowest,
            f"{mb['pss_mib']} MiB vs lowest anchor {lowest} MiB")
    else:
        bar("PSS below Safe Eyes and Workrave (same run)", None,
            "anchors not measured" if mb.get("measured") else "movebreak not measured")
    if mb.get("measured"):
        bar("CPU under 0.1 s per minute (all threads)",
            mb["cpu_ms_per_min"] < BAR_CPU_MS_PER_MIN, f"{mb['cpu_ms_per_min']} ms/min")
        bar("at most 1 wakeup/s (all threads)", mb["wakeups_per_s"] <= BAR_WAKEUPS_PER_S,
            f"{mb['wakeups_per_s']} /s")
    else:
        bar("CPU under 0.1 s per minute (all threads)", None, "movebreak not measured")
        bar("at most 1 wakeup/s (all threads)", None, "movebreak not measured")
    late = results["lateness"]
    if late.get("count") and "max_s" in late:
        bar("reminders within 1 s of due", late["max_s"] < BAR_LATENESS_S and late["min_s"] >= 0,
            f"max {late['max_s'] * 1000:.0f} ms, median {late['median_s'] * 1000:.0f} ms "
            f"over {late['count']} reminders")
        bar(f"no drift: reminder {late['count']} at start + {late['count']} x "
            f"{late['interval_s']} s +- 1 s", abs(late["drift_s"]) <= BAR_DRIFT_S,
            f"{late['drift_s'] * 1000:+.0f} ms")
    else:
        why = late.get("error") or \
            f"{late.get('count', 0)} of {late.get('wanted', '?')} reminders seen"
        bar("reminders within 1 s of due", None, why)
        bar("no drift", None, why)
    st = results["startup"]
    if st.get("warm_median_s") is not None:
        bar("start-up to icon in tray under 1 s (warm)", st["warm_median_s"] < BAR_STARTUP_S,
            f"median {st['warm_median_s']:.3f} s, max {st['warm_max_s']:.3f} s over "
            f"{sum(1 for r in st['runs'] if not r['first_run'])} warm starts "
            f"(first run {st['first_run_s']:.3f} s)")
    else:
        bar("start-up to icon in tray under 1 s (warm)", None,
            st.get("failure", "icon never appeared"))
    return bars


def render(results: dict[str, Any]) -> str:
    r = results
    title = (f"movebreak {r['movebreak_version']} bench, {r['date']} ({r['mode']} run: "
             f"{r['warmup_s']} s warm-up, {r['window_s']} s idle window; {r['machine']['os']}, "
             f"{r['machine']['cpus']} cores, Python {r['machine']['python']})")
    lines = [title, ""]
    head = f"{'app':<24}{'PSS MiB':>9}{'anon MiB':>10}{'CPU ms/min':>12}{'wakeups/s':>11}" \
           f"{'threads':>9}"
    lines += [head, "-" * len(head)]
    for a in r["apps"].values():
        label = a["label"] + (f" {a['version']}" if a.get("version") else "")
        if a.get("measured"):
            lines.append(f"{label:<24}{a['pss_mib']:>9.1f}{a['anon_mib']:>10.1f}"
                         f"{a['cpu_ms_per_min']:>12.1f}{a['wakeups_per_s']:>11.2f}"
                         f"{a['threads']:>9}")
        else:
            lines.append(f"{label:<24}  not measured ({a.get('reason', '?')})")
    sched = [f"{a['label']} {a['cpu_ms_per_min_schedstat']}" for a in r["apps"].values()
             if a.get("measured")]
    lines.append(f"  CPU from /proc/PID/stat counts 10 ms ticks; run time from schedstat "
                 f"(ms/min): {', '.join(sched)}")
    gl = [a["label"] for a in r["apps"].values() if a.get("loads_gl_driver")]
    lines.append("  GL driver: " + (f"loaded by {', '.join(gl)}" if gl else "loaded by none") +
                 (" (GL visuals cached on the root window first, as on a running desktop)"
                  if r.get("gl_visuals_cached") else " (GL visuals not cached first)"))
    mb = r["apps"]["movebreak"]
    if mb.get("measured"):
        top = ", ".join(f"{name} x{v['threads']}: {v['switches']}" if v["threads"] > 1
                        else f"{name}: {v['switches']}"
                        for name, v in list(mb["switches_by_thread"].items())[:6])
        lines.append(f"  movebreak context switches in the window by thread: {top}")
    st = r["startup"]
    lines.append("")
    if st.get("warm_median_s") is not None:
        lines.append(f"start-up to icon in tray: first run {st['first_run_s']:.3f} s; warm "
                     f"median {st['warm_median_s']:.3f} s, max {st['warm_max_s']:.3f} s "
                     f"({', '.join(format(x['icon_s'], '.3f') for x in st['runs'][1:])})")
    else:
        lines.append(f"start-up to icon in tray: not measured ({st.get('failure', '?')})")
    late = r["lateness"]
    if "max_s" in late:
        lines.append(f"reminder lateness ({late['count']} move reminders, {late['interval_s']} s "
                     f"interval): median {late['median_s'] * 1000:.1f} ms, max "
                     f"{late['max_s'] * 1000:.1f} ms; reminder {late['count']} shown at start + "
                     f"{late['reminders'][-1]['shown_s']:.3f} s (due {late['last_expected_s']} s,"
                     f" drift {late['drift_s'] * 1000:+.1f} ms)")
    else:
        lines.append(f"reminder lateness: not measured ({late.get('error', '?')}; "
                     f"{late.get('count', 0)} of {late.get('wanted', '?')} seen)")
    lines += ["", "quality bars (SPEC):"]
    for b in r["bars"]:
        lines.append(f"  {b['result']:<13}{b['bar']}: {b['detail']}")
    return "\n".join(lines)


def machine_facts() -> dict[str, Any]:
    os_name = platform.system()
    text = _read("/etc/os-release") or ""
    for line in text.splitlines():
        if line.startswith("PRETTY_NAME="):
            os_name = line.split("=", 1)[1].strip('"')
    return {"os": os_name, "kernel": platform.release(), "cpus": os.cpu_count(),
            "python": platform.python_version()}


# ---------------------------------------------------------------------- the run
ANCHORS = {
    "safeeyes": ("Safe Eyes", ["safeeyes"], "safeeyes"),
    "workrave": ("Workrave", ["workrave"], "workrave"),
}


def run_bench(args: argparse.Namespace) -> dict[str, Any]:
    quick = args.quick
    warmup = args.warmup if args.warmup is not None else (10 if quick else 60)
    window = args.window if args.window is not None else (10 if quick else 60)
    reminders = args.reminders if args.reminders is not None else (3 if quick else 20)
    startup_runs = 3 if quick else 5
    results: dict[str, Any] = {
        "date": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "mode": "quick" if quick else "full", "warmup_s": warmup, "window_s": window,
        "movebreak_version": __version__, "machine": machine_facts(),
        "apps": {"movebreak": {"label": "movebreak", "measured": False, "reason": "not started"}},
        "startup": {}, "lateness": {},
    }
    for key, (label, _, package) in ANCHORS.items():
        results["apps"][key] = {"label": label, "measured": False, "version": _version(package),
                                "reason": "--skip-anchors" if args.skip_anchors else "?"}
    tmp = Path(tempfile.mkdtemp(prefix="movebreak-bench-"))
    rig = DesktopRig()
    started: list[Started] = []
    watcher: TrayWatcher | None = None
    system_bus: SystemBus | None = None
    late_thread: threading.Thread | None = None
    try:
        progress("starting the desktop rig (Xvfb, bus, dunst, trayer)")
        rig.start(tray=True)
        watcher = TrayWatcher(rig.display or "")
        results["gl_visuals_cached"] = prime_gl_visuals(rig, watcher)

        main_env = movebreak_env(rig, tmp / "movebreak")
        startup, main = measure_startup(rig, watcher, main_env, startup_runs)
        results["startup"] = startup
        if main is not None:
            started.append(main)
        if main is None or not startup["icon_in_tray"]:
            raise RuntimeError("movebreak's icon never appeared in the tray: "
                               + startup.get("failure", ""))

        late_env = movebreak_env(rig, tmp / "lateness", MOVEBREAK_NOTIFIER="console",
                                 MOVEBREAK_IDLE="none")
        (tmp / "lateness" / "config").mkdir(parents=True, exist_ok=True)
        (tmp / "lateness" / "config" / "config.toml").write_text(
            f'[reminders.move]\ninterval = "{LATENESS_INTERVAL_S}s"\n')
        late_app = start_movebreak("movebreak-lateness", late_env)
        started.append(late_app)
        late_thread = threading.Thread(
            target=measure_lateness, args=(late_app, late_env, reminders, results["lateness"]),
            name="lateness", daemon=True)
        late_thread.start()

        anchors: dict[str, Started] = {}
        if not args.skip_anchors:
            system_bus = SystemBus(tmp / "system-bus")
            for key, (label, argv, _) in ANCHORS.items():
                if shutil.which(argv[0]) is None:
                    results["apps"][key]["reason"] = f"`{argv[0]}` not installed (apt {key})"
                    continue
                progress(f"starting {label}")
                anchors[key] = start_anchor(key, argv, rig, tmp / key, system_bus.address)
                started.append(anchors[key])

        progress(f"warm-up {warmup} s")
        watcher.pump(warmup)
        if rig.dunst_running():
            rig.dunstctl("close-all")
        meters = {"movebreak": TreeMeter(main.proc.pid)}
        for key, app in anchors.items():
            if app.proc.poll() is None:
                meters[key] = TreeMeter(app.proc.pid)
            else:
                results["apps"][key]["reason"] = \
                    f"exited with {app.proc.returncode}: {app.tail(5)}"
        progress(f"idle window {window} s")
        for m in meters.values():
            m.begin()
        end = time.monotonic() + window
        while time.monotonic() < end:
            watcher.pump(min(1.0, max(0.0, end - time.monotonic())))
            for m in meters.values():
                m.sample()
        in_tray = watcher.embedded_classes()
        for key, m in meters.items():
            info = m.end()
            results["apps"][key].update(info)
            results["apps"][key].pop("reason", None)
            results["apps"][key]["icon_in_tray"] = any(
                key in c.lower().replace(" ", "") for c in in_tray)
        for key, app in anchors.items():
            if app.proc.poll() is not None and key in meters:
                results["apps"][key] = {**results["apps"][key], "measured": False,
                                        "reason": f"exited during the window: {app.tail(5)}"}

        progress(f"waiting for {reminders} lateness reminders")
        late_thread.join(timeout=reminders * (LATENESS_INTERVAL_S + 10) + 30)
    finally:
        for app in reversed(started):
            if app.name.startswith("movebreak"):
                quit_movebreak(app)
            else:
                app.stop()
        if system_bus is not None:
            system_bus.stop()
        if watcher is not None:
            watcher.close()
        rig.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    results["bars"] = evaluate(results)
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--quick", action="store_true",
                   help="short run (10 s warm-up and window, 3 reminders) for smoke tests")
    p.add_argument("--skip-anchors", action="store_true",
                   help="do not start Safe Eyes and Workrave (the table says 'not measured')")
    p.add_argument("--out", type=Path, default=None,
                   help=f"also write the JSON here (default for a full run: "
                        f"{DEFAULT_OUT.relative_to(ROOT)}; a --quick run writes only with --out)")
    p.add_argument("--warmup", type=int, help="warm-up seconds (default 60, quick 10)")
    p.add_argument("--window", type=int, help="idle window seconds (default 60, quick 10)")
    p.add_argument("--reminders", type=int, help="reminders for lateness (default 20, quick 3)")
    args = p.parse_args(argv)
    try:
        results = run_bench(args)
    except Exception as e:  # noqa: BLE001 - the rig or movebreak could not run
        print(f"bench: could not run: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    text = json.dumps(results, indent=2)
    out = args.out or (None if args.quick else DEFAULT_OUT)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n")
    print(text if args.json else render(results))
    failed = any(b["result"] == "FAIL" for b in results["bars"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
