#!/usr/bin/env python3
"""`make bench`: what movebreak costs while idle in the tray, next to Safe Eyes and Workrave on
the same headless desktop; its start-up time and reminder lateness; history at scale; the
control channel; and where its idle memory goes.

One rig (tests/desktop_rig.py: Xvfb, private session bus, dunst, trayer; a second bus stands in
for the system bus Safe Eyes needs). Before any app starts, a throwaway GTK client opens the
display (it caches the GL visuals, as on a running desktop). Definitions, one per figure:
- PSS and anon: `Pss` and `Anonymous` of /proc/PID/smaps_rollup, summed over the app's process
  tree, sampled once a second; the run's figure is the median of its samples.
- CPU: run time of every thread of the tree from /proc/PID/task/TID/schedstat (ns), difference
  over the idle window (a thread or child that ends keeps its last sample), per minute.
- wakeups: voluntary context switches (voluntary_ctxt_switches of /proc/PID/task/TID/status)
  summed over every thread, per second; involuntary switches are reported beside them.
- Each app is started anew for each of `--runs` runs (default 3): warm-up, then the idle window
  (default 60 s each); the table shows the median and the minimum over the runs.
Also measured: start-up to the icon embedded in trayer (an X ReparentNotify on the root
window), reminder lateness of a second instance (10 s `move` interval, console notifier)
against the due times `movebreak status --json` gave, a generated history of 200,000 events
(`history --days 30` and `--json` as subprocesses, wall time and peak RSS from wait4; today's
counts in-process; the History window until it has loaded), the control channel through
scripts/bench_ipc.py when that module exists, and the idle import breakdown
(scripts/idle_memory.py).

Prints a table (or JSON with --json) and PASS/FAIL per SPEC quality bar; a full run also writes
docs/bench-latest.json. Exit status: 0 all measured bars pass, 1 a bar failed, 2 could not run.
Single-threaded except one reader thread per started app's stdout and the lateness thread.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import random
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the rig lives with the tests
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))  # idle_memory, and bench_ipc when it exists

import idle_memory
from desktop_rig import DesktopRig

from movebreak import __version__
from movebreak.adapters import ipc, storage

DEFAULT_OUT = ROOT / "docs" / "bench-latest.json"
CLK_TCK = os.sysconf("SC_CLK_TCK")
LATENESS_INTERVAL_S = 10  # the smallest interval the config accepts
REMINDER_MARK = "| Time to move"  # console notifier line for a `move` reminder

BAR_ANON_MIB = 28.0
BAR_PSS_VS_SAFEEYES = 0.75
BAR_CPU_MS_PER_MIN = 100.0
BAR_WAKEUPS_PER_S = 1.0
BAR_LATENESS_S = 1.0
BAR_DRIFT_S = 1.0
BAR_STARTUP_S = 1.0
BAR_HISTORY_S = 0.3
BAR_HISTORY_RSS_MB = 40.0
BAR_STATUS_MS = 2.0
BAR_WINDOW_S = 1.0
HISTORY_EVENTS = 200_000
QUICK_HISTORY_EVENTS = 20_000


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


def reaped_children_ticks(pid: int) -> int:
    """cutime+cstime: CPU of children that ended and were waited for (clock ticks)."""
    fields = _stat(pid)
    return int(fields[13]) + int(fields[14]) if fields else 0


def memory_kib(pid: int) -> tuple[int, int]:
    """(PSS, anonymous) in KiB from smaps_rollup; (0, 0) if the process is gone."""
    text = _read(f"/proc/{pid}/smaps_rollup") or ""
    values = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("Pss", "Anonymous"):
            values[key] = int(rest.split()[0])
    return values.get("Pss", 0), values.get("Anonymous", 0)


ThreadSample = tuple[str, int, int, int]  # (name, voluntary, involuntary, run ns)


def thread_stats(pid: int) -> dict[tuple[int, int], ThreadSample]:
    """{(pid, tid): (thread name, voluntary switches, involuntary switches, ns on a CPU)}."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        text = _read(f"/proc/{pid}/task/{tid}/status")
        sched = _read(f"/proc/{pid}/task/{tid}/schedstat")
        if not text or not sched:
            continue
        name, vol, invol = "?", 0, 0
        for line in text.splitlines():
            key, _, value = line.partition(":")
            if key == "Name":
                name = value.strip()
            elif key == "voluntary_ctxt_switches":
                vol = int(value)
            elif key == "nonvoluntary_ctxt_switches":
                invol = int(value)
        out[(pid, int(tid))] = (name, vol, invol, int(sched.split()[0]))
    return out


class TreeMeter:
    """Idle cost of one process tree over a window (the definitions in the module docstring).
    Called from the bench's main thread."""

    def __init__(self, root_pid: int) -> None:
        self.root = root_pid

    def begin(self) -> None:
        self.t0 = time.monotonic()
        pids = process_tree(self.root)
        self.reaped0 = sum(reaped_children_ticks(p) for p in pids)
        self.first: dict[tuple[int, int], ThreadSample] = {}
        for p in pids:
            self.first.update(thread_stats(p))
        self.last = dict(self.first)
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
        reaped = sum(reaped_children_ticks(p) for p in process_tree(self.root)) - self.reaped0
        by_name: dict[str, dict[str, int]] = {}
        vol = invol = run_ns = 0
        for key, (name, v, iv, ns) in self.last.items():
            _, v0, iv0, ns0 = self.first.get(key, (name, 0, 0, 0))
            vol += v - v0
            invol += iv - iv0
            run_ns += ns - ns0
            label = f"{name} (main)" if key[0] == key[1] else name
            slot = by_name.setdefault(label, {"threads": 0, "voluntary": 0, "involuntary": 0})
            slot["threads"] += 1
            slot["voluntary"] += v - v0
            slot["involuntary"] += iv - iv0
        started = sum(1 for k in self.last if k not in self.first)
        pss = statistics.median(m[0] for m in self.mem) if self.mem else 0
        anon = statistics.median(m[1] for m in self.mem) if self.mem else 0
        return {
            "window_s": round(seconds, 2),
            "pss_mib": round(pss / 1024, 1),
            "anon_mib": round(anon / 1024, 1),
            "cpu_ms": round(run_ns / 1e6, 2),
            "cpu_ms_per_min": round(run_ns / 1e6 * 60 / seconds, 2),
            "wakeups_per_s": round(vol / seconds, 3),
            "involuntary_per_s": round(invol / seconds, 3),
            "voluntary_switches": vol,
            "involuntary_switches": invol,
            "reaped_children_cpu_ms": round(reaped * 1000 / CLK_TCK, 1),
            "processes": len(self.pids_seen),
            "threads": len(self.last),
            "threads_started_in_window": started,
            "loads_gl_driver": self.gl,
            "switches_by_thread": dict(sorted(by_name.items(),
                                              key=lambda kv: -kv[1]["voluntary"])),
        }


#: The per-run figures summarised as median and minimum over the runs.
FIGURES = ("pss_mib", "anon_mib", "cpu_ms_per_min", "wakeups_per_s", "involuntary_per_s")


def summarize_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median (under the figure's own name) and minimum (`<name>_min`) over the runs."""
    out: dict[str, Any] = {"measured": True, "runs": runs}
    for key in FIGURES + ("window_s",):
        values = [r[key] for r in runs]
        out[key] = round(statistics.median(values), 3)
        out[f"{key}_min"] = min(values)
    out["threads"] = runs[-1]["threads"]
    out["loads_gl_driver"] = any(r["loads_gl_driver"] for r in runs)
    out["icon_in_tray"] = all(r.get("icon_in_tray", False) for r in runs)
    out["switches_by_thread"] = runs[-1]["switches_by_thread"]
    return out


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
    code = ("import gi; gi.require_version('Gtk', '3.0'); gi.require_version('Gdk', '3.0'); "
            "from gi.repository import Gdk, Gtk; "
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
    for key in ("MOVEBREAK_NOTIFIER", "MOVEBREAK_IDLE", "PYSTRAY_BACKEND", "MOVEBREAK_WATCHDOG_S",
                "PYTHONDONTWRITEBYTECODE"):  # run from .pyc files, as installed
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


# ---------------------------------------------------------------------- history at scale
_KINDS = ("move", "posture", "stretch", "nerve_glide", "core")
_EXERCISES = ("glutes", "piriformis", "hamstrings", "calf", "pelvic_tilts", "lumbar_rotation")


def generated_events(count: int, end: datetime, days: int = 365, seed: int = 15):
    """`count` plausible events spread evenly over the `days` days before `end`, oldest first:
    reminders with their answers, natural breaks, away/suspend, pauses, routines, check-ins."""
    rnd = random.Random(seed)
    start = end - timedelta(days=days)
    step = days * 86400 / count
    for i in range(count):
        at = start + timedelta(seconds=i * step + rnd.random() * step * 0.9)
        kind = rnd.choice(_KINDS)
        roll = rnd.random()
        if roll < 0.40:
            yield "shown", kind, at, {"manual": False, "exercise": rnd.choice(_EXERCISES)}
        elif roll < 0.60:
            yield "done", kind, at, None
        elif roll < 0.68:
            yield "snoozed", kind, at, {"seconds": 600}
        elif roll < 0.75:
            yield "skipped", kind, at, None
        elif roll < 0.82:
            yield "natural", "move", at, {"away_s": rnd.randint(180, 1800)}
        elif roll < 0.86:
            yield "away", None, at, {"since": (at - timedelta(seconds=180)).isoformat()}
        elif roll < 0.88:
            yield "suspend", None, at, {"gap_s": rnd.randint(60, 3600)}
        elif roll < 0.90:
            yield "paused", None, at, {"until": None}
        elif roll < 0.92:
            yield "resumed", None, at, None
        elif roll < 0.96:
            done = rnd.randint(0, 4)
            yield "routine", None, at, {"complete": done == 4, "steps_done": done,
                                        "steps_total": 4}
        elif roll < 0.98:
            yield "checkin", None, at, {"comfort": rnd.randint(0, 10)}
        else:
            yield "superseded", kind, at, None


# Runs one command for run_measured from a small interpreter: a child's ru_maxrss starts at
# its parent's RSS at fork (the kernel copies the high-water mark across fork and exec), so the
# command must not be forked from the bench itself (~30 MB), only from something smaller than
# what it measures. Writes {"wall_s", "maxrss_kib", "exit"} as JSON to argv[1].
_MEASURE = """
import json, os, sys, time
out, argv = sys.argv[1], sys.argv[2:]
null = os.open(os.devnull, os.O_RDWR)
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.execv(argv[0], argv)
_, status, usage = os.wait4(pid, 0)
wall = time.monotonic() - t0
with open(out, "w") as fh:
    json.dump({"wall_s": wall, "maxrss_kib": usage.ru_maxrss,
               "exit": os.waitstatus_to_exitcode(status)}, fh)
"""


def run_measured(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run a command to completion, output to /dev/null: wall seconds and peak RSS (MB, from
    wait4's ru_maxrss, as /usr/bin/time reports it) of that one child."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        res = subprocess.run([sys.executable, "-I", "-S", "-c", _MEASURE, out.name, *argv],
                             env=env, cwd=ROOT, stdin=subprocess.DEVNULL,
                             capture_output=True, timeout=300, check=False)
        got = json.loads(Path(out.name).read_text() or "{}")
    if res.returncode != 0 or got.get("exit") != 0:
        raise RuntimeError(f"{' '.join(argv[2:])} failed ({got.get('exit', res.returncode)}): "
                           f"{res.stderr.decode(errors='replace')[-500:]}")
    return {"wall_s": round(got["wall_s"], 3), "peak_rss_mb": round(got["maxrss_kib"] / 1024, 1)}


def repeat(argv: list[str], env: dict[str, str], runs: int,
           warm: bool = True) -> dict[str, Any]:
    """One warm-up run (page cache, .pyc files), then `runs` measured: median and min/max."""
    if warm:
        run_measured(argv, env)
    got = [run_measured(argv, env) for _ in range(runs)]
    walls, rss = [g["wall_s"] for g in got], [g["peak_rss_mb"] for g in got]
    return {"runs": got, "wall_s": round(statistics.median(walls), 3), "wall_s_min": min(walls),
            "peak_rss_mb": round(statistics.median(rss), 1), "peak_rss_mb_max": max(rss)}


def counts_timing(path: Path, samples: int = 200) -> dict[str, Any]:
    """How long the app's status takes to get today's counts (`counts_for_day`, once per
    change): each sample records one event, then times the call; plus the refresh after
    another process wrote (an indexed count of today's events)."""
    from movebreak.adapters.history import History
    tz = datetime.now().astimezone().tzinfo
    with History(path) as hist, History(path) as other:
        today = datetime.now(tz).date()
        t0 = time.perf_counter()
        first = hist.counts_for_day(today, tz)
        cold = time.perf_counter() - t0
        times, refresh = [], []
        for i in range(samples):
            hist.record("shown", "posture", detail={"bench": i})
            t0 = time.perf_counter()
            hist.counts_for_day(today, tz)
            times.append(time.perf_counter() - t0)
            if i % 10 == 0:
                other.record("checkin", detail={"comfort": 5})
                t0 = time.perf_counter()
                hist.counts_for_day(today, tz)
                refresh.append(time.perf_counter() - t0)
    times.sort()
    return {"samples": samples, "today_events": sum(first.values()),
            "median_ms": round(statistics.median(times) * 1000, 4),
            "p95_ms": round(times[int(len(times) * 0.95)] * 1000, 4),
            "max_ms": round(times[-1] * 1000, 4), "first_ms": round(cold * 1000, 3),
            "after_other_writer_median_ms": round(statistics.median(refresh) * 1000, 3),
            "after_other_writer_max_ms": round(max(refresh) * 1000, 3)}


def window_open_s(env: dict[str, str], days: int, debug: Path, timeout: float = 30) -> float:
    """Seconds from exec of the History window to it showing the loaded data (the window's
    debug dump says loaded)."""
    debug.unlink(missing_ok=True)
    env = dict(env, MOVEBREAK_UI_DEBUG_FILE=str(debug))
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "movebreak.ui.history", "--days", str(days)],
                            env=env, cwd=ROOT, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while time.monotonic() - t0 < timeout:
            try:
                if json.loads(debug.read_text()).get("loaded"):
                    return time.monotonic() - t0
            except (OSError, ValueError):
                pass
            if proc.poll() is not None:
                break
            time.sleep(0.005)
        raise RuntimeError(f"the History window did not load within {timeout:g} s: "
                           f"{(proc.stderr.read() if proc.poll() is not None else b'')[-500:]!r}")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(5)
        assert proc.stderr is not None
        proc.stderr.close()


def measure_history(tmp: Path, rig_env: dict[str, str], events: int,
                    runs: int) -> dict[str, Any]:
    """Generate `events` over a year in a private data dir and time what reads it."""
    from movebreak.adapters.history import History
    data = tmp / "history-scale" / "data"
    env = {k: v for k, v in rig_env.items()
           if k not in ("PYTHONDONTWRITEBYTECODE", "MOVEBREAK_CONFIG_DIR")}
    env.update(MOVEBREAK_DATA_DIR=str(data), MOVEBREAK_CONFIG_DIR=str(data.parent / "config"))
    t0 = time.monotonic()
    with History(data / "history.sqlite3") as hist:
        hist.record_many(generated_events(events, datetime.now(UTC)))
    out: dict[str, Any] = {"events": events, "generate_s": round(time.monotonic() - t0, 2),
                           "file_mb": round((data / "history.sqlite3").stat().st_size / 1e6, 1)}
    cli = [sys.executable, "-m", "movebreak", "history"]
    out["days30"] = repeat(cli + ["--days", "30"], env, runs)
    out["json30"] = repeat(cli + ["--days", "30", "--json"], env, runs)
    out["json_all"] = repeat(cli + ["--days", "366", "--json"], env, 1, warm=False)
    out["counts"] = counts_timing(data / "history.sqlite3")
    debug = tmp / "history-scale" / "window.json"
    window_open_s(env, 7, debug)  # warm-up
    opens = [round(window_open_s(env, 7, debug), 3) for _ in range(runs)]
    out["window"] = {"days": 7, "runs_s": opens, "median_s": round(statistics.median(opens), 3),
                     "max_s": max(opens)}
    return out


# ---------------------------------------------------------------------- control channel
def measure_ipc(runtime_dir: Path) -> dict[str, Any]:
    """scripts/bench_ipc.py's `measure(runtime_dir, n=200, hostile=10)` against the running
    movebreak, if that module exists; otherwise "not measured"."""
    if importlib.util.find_spec("bench_ipc") is None:
        return {"measured": False, "reason": "not measured (scripts/bench_ipc.py not present)"}
    try:
        import bench_ipc
        got = bench_ipc.measure(runtime_dir, n=200, hostile=10)
    except Exception as e:  # noqa: BLE001 - reported in the table, never fatal
        return {"measured": False, "reason": f"failed: {type(e).__name__}: {e}"}
    return {"measured": True, **dict(got)}


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

    runs = f"median of {len(mb.get('runs', []))} runs"
    if mb.get("measured"):
        bar(f"anonymous RSS under {BAR_ANON_MIB:g} MiB", mb["anon_mib"] < BAR_ANON_MIB,
            f"{mb['anon_mib']} MiB ({runs}; min {mb['anon_mib_min']})")
    else:
        bar(f"anonymous RSS under {BAR_ANON_MIB:g} MiB", None, "movebreak not measured")
    se = apps.get("safeeyes", {})
    if mb.get("measured") and se.get("measured"):
        limit = round(BAR_PSS_VS_SAFEEYES * se["pss_mib"], 1)
        bar(f"PSS under {BAR_PSS_VS_SAFEEYES} x Safe Eyes (same run)", mb["pss_mib"] < limit,
            f"{mb['pss_mib']} MiB vs {limit} MiB (Safe Eyes {se['pss_mib']} MiB)")
    else:
        bar(f"PSS under {BAR_PSS_VS_SAFEEYES} x Safe Eyes (same run)", None,
            "Safe Eyes not measured" if mb.get("measured") else "movebreak not measured")
    if mb.get("measured"):
        bar("CPU under 0.1 s per minute (all threads)",
            mb["cpu_ms_per_min"] < BAR_CPU_MS_PER_MIN, f"{mb['cpu_ms_per_min']} ms/min ({runs})")
        bar("at most 1 wakeup/s (all threads)", mb["wakeups_per_s"] <= BAR_WAKEUPS_PER_S,
            f"{mb['wakeups_per_s']} voluntary switches/s ({runs})")
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
    hist = results.get("history", {})
    name = f"history --days 30 under {BAR_HISTORY_S:g} s and {BAR_HISTORY_RSS_MB:g} MB"
    if "days30" in hist:
        d = hist["days30"]
        bar(name, d["wall_s"] < BAR_HISTORY_S and d["peak_rss_mb_max"] < BAR_HISTORY_RSS_MB,
            f"{d['wall_s']} s (min {d['wall_s_min']}), peak RSS {d['peak_rss_mb']} MB "
            f"(max {d['peak_rss_mb_max']}), {hist['events']:,} events")
        j30, jall = hist["json30"], hist["json_all"]
        bar("history --json at constant memory (30 days vs all)",
            jall["peak_rss_mb"] <= j30["peak_rss_mb"] * 1.1 + 1,
            f"peak RSS {j30['peak_rss_mb']} MB for 30 days, {jall['peak_rss_mb']} MB for all "
            f"{hist['events']:,} events")
        c = hist["counts"]
        bar(f"in-app status counts under {BAR_STATUS_MS:g} ms",
            c["max_ms"] < BAR_STATUS_MS and c["after_other_writer_max_ms"] < BAR_STATUS_MS,
            f"median {c['median_ms']} ms, max {c['max_ms']} ms; after another process wrote: "
            f"max {c['after_other_writer_max_ms']} ms")
        w = hist["window"]
        bar(f"History window opens under {BAR_WINDOW_S:g} s", w["median_s"] < BAR_WINDOW_S,
            f"median {w['median_s']} s, max {w['max_s']} s")
    else:
        why = hist.get("error", "not run")
        for n in (name, "history --json at constant memory (30 days vs all)",
                  f"in-app status counts under {BAR_STATUS_MS:g} ms",
                  f"History window opens under {BAR_WINDOW_S:g} s"):
            bar(n, None, why)
    ipc_res = results.get("ipc", {})
    verdict = None
    if ipc_res.get("measured"):
        if "ok" in ipc_res:
            verdict = bool(ipc_res["ok"])
        elif "answered" in ipc_res and "n" in ipc_res:
            verdict = ipc_res["answered"] == ipc_res["n"]
    bar("control channel answers 200 parallel requests with 10 hostile clients", verdict,
        _ipc_text(ipc_res))
    return bars


def _ipc_text(res: dict[str, Any]) -> str:
    if not res.get("measured"):
        return res.get("reason", "not measured")
    return ", ".join(f"{k} {v}" for k, v in res.items()
                     if k != "measured" and isinstance(v, (int, float, str, bool)))


def _fig(a: dict[str, Any], key: str, width: int, digits: int) -> str:
    text = f"{a[key]:.{digits}f} ({a[f'{key}_min']:.{digits}f})"
    return f"{text:>{width}}"


def render(results: dict[str, Any]) -> str:
    r = results
    title = (f"movebreak {r['movebreak_version']} bench, {r['date']} ({r['mode']} run: "
             f"{r['runs']} x ({r['warmup_s']} s warm-up, {r['window_s']} s idle window); "
             f"{r['machine']['os']}, {r['machine']['cpus']} cores, Python "
             f"{r['machine']['python']})")
    lines = [title, "", "median (minimum) over the runs; definitions in scripts/bench.py", ""]
    head = (f"{'app':<24}{'PSS MiB':>14}{'anon MiB':>14}{'CPU ms/min':>15}{'wakeups/s':>15}"
            f"{'involuntary/s':>16}{'threads':>9}")
    lines += [head, "-" * len(head)]
    for a in r["apps"].values():
        label = a["label"] + (f" {a['version']}" if a.get("version") else "")
        if a.get("measured"):
            lines.append(f"{label:<24}{_fig(a, 'pss_mib', 14, 1)}{_fig(a, 'anon_mib', 14, 1)}"
                         f"{_fig(a, 'cpu_ms_per_min', 15, 1)}{_fig(a, 'wakeups_per_s', 15, 2)}"
                         f"{_fig(a, 'involuntary_per_s', 16, 2)}{a['threads']:>9}")
        else:
            lines.append(f"{label:<24}  not measured ({a.get('reason', '?')})")
    gl = [a["label"] for a in r["apps"].values() if a.get("loads_gl_driver")]
    lines.append("  GL driver: " + (f"loaded by {', '.join(gl)}" if gl else "loaded by none") +
                 (" (GL visuals cached on the root window first, as on a running desktop)"
                  if r.get("gl_visuals_cached") else " (GL visuals not cached first)"))
    mb = r["apps"]["movebreak"]
    if mb.get("measured"):
        top = ", ".join(f"{name} x{v['threads']}: {v['voluntary']}" if v["threads"] > 1
                        else f"{name}: {v['voluntary']}"
                        for name, v in list(mb["switches_by_thread"].items())[:6])
        lines.append(f"  movebreak voluntary switches in the last window by thread: {top}")
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
    h = r.get("history", {})
    lines.append("")
    if "days30" in h:
        lines.append(f"history of {h['events']:,} events over a year ({h['file_mb']} MB file; "
                     f"median of {len(h['days30']['runs'])} runs after a warm-up):")
        for key, what in (("days30", "movebreak history --days 30"),
                          ("json30", "movebreak history --days 30 --json"),
                          ("json_all", "movebreak history --days 366 --json (every event)")):
            d = h[key]
            lines.append(f"  {what:<52}{d['wall_s']:>7.3f} s  peak RSS {d['peak_rss_mb']:>5.1f} MB")
        c = h["counts"]
        lines.append(f"  {'today counts in the app (counts_for_day)':<52}{c['median_ms']:>7.3f} ms"
                     f"  max {c['max_ms']:.3f} ms; after another process wrote: median "
                     f"{c['after_other_writer_median_ms']:.3f} ms ({c['today_events']} events "
                     f"today)")
        w = h["window"]
        lines.append(f"  {'History window (7 days) until loaded':<52}{w['median_s']:>7.3f} s"
                     f"  max {w['max_s']:.3f} s")
    else:
        lines.append(f"history at scale: not measured ({h.get('error', '?')})")
    lines.append(f"control channel (200 requests, 10 hostile clients): {_ipc_text(r.get('ipc', {}))}")
    mem = r.get("memory", {})
    if "steps" in mem:
        lines += ["", f"idle import breakdown (scripts/idle_memory.py, anonymous MiB, median of "
                      f"{mem['runs']}): total {mem['total_mib']}"]
        lines += [f"  {s['mib']:>6.2f}  {s['label']}" for s in mem["steps"]]
        lines.append("  not needed at idle, would save: " + "; ".join(
            f"{c['label'].split(' (')[0]} {c['mib']:.2f}" for c in mem["candidates"]))
    else:
        lines.append(f"idle import breakdown: not measured ({mem.get('error', '?')})")
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


def idle_run(n: int, rig: DesktopRig, watcher: TrayWatcher, tmp: Path, main: Started,
             system_bus: str | None, warmup: int, window: int,
             results: dict[str, Any]) -> tuple[dict[str, Any], list[Started]]:
    """One idle run: the anchors start beside `main`; warm-up, then every app measured over
    the same window. Returns {app: figures} and the anchors started (still running)."""
    anchors: dict[str, Started] = {}
    if system_bus is not None:
        for key, (label, argv, _) in ANCHORS.items():
            if shutil.which(argv[0]) is None:
                results["apps"][key]["reason"] = f"`{argv[0]}` not installed (apt {key})"
                continue
            progress(f"run {n}: starting {label}")
            anchors[key] = start_anchor(key, argv, rig, tmp / f"{key}-{n}", system_bus)
    progress(f"run {n}: warm-up {warmup} s")
    watcher.pump(warmup)
    if rig.dunst_running():
        rig.dunstctl("close-all")
    meters = {"movebreak": TreeMeter(main.proc.pid)}
    for key, app in anchors.items():
        if app.proc.poll() is None:
            meters[key] = TreeMeter(app.proc.pid)
        else:
            results["apps"][key]["reason"] = f"exited with {app.proc.returncode}: {app.tail(5)}"
    progress(f"run {n}: idle window {window} s")
    for m in meters.values():
        m.begin()
    end = time.monotonic() + window
    while time.monotonic() < end:
        watcher.pump(min(1.0, max(0.0, end - time.monotonic())))
        for m in meters.values():
            m.sample()
    in_tray = watcher.embedded_classes()
    figures = {}
    for key, m in meters.items():
        info = m.end()
        info["icon_in_tray"] = any(key in c.lower().replace(" ", "") for c in in_tray)
        if key != "movebreak" and anchors[key].proc.poll() is not None:
            results["apps"][key]["reason"] = f"exited during the window: {anchors[key].tail(5)}"
            continue
        figures[key] = info
    return figures, list(anchors.values())


def run_bench(args: argparse.Namespace) -> dict[str, Any]:
    quick = args.quick
    warmup = args.warmup if args.warmup is not None else (10 if quick else 60)
    window = args.window if args.window is not None else (10 if quick else 60)
    reminders = args.reminders if args.reminders is not None else (3 if quick else 20)
    runs = args.runs if args.runs is not None else (1 if quick else 3)
    events = args.history_events or (QUICK_HISTORY_EVENTS if quick else HISTORY_EVENTS)
    startup_runs = 3 if quick else 5
    results: dict[str, Any] = {
        "date": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "mode": "quick" if quick else "full", "runs": runs, "warmup_s": warmup,
        "window_s": window, "movebreak_version": __version__, "machine": machine_facts(),
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
    per_app: dict[str, list[dict[str, Any]]] = {}
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

        if not args.skip_anchors:
            system_bus = SystemBus(tmp / "system-bus")
        for n in range(1, runs + 1):
            if n > 1:  # every app starts anew for each run
                quit_movebreak(main)
                started.remove(main)
                watcher.pump(0.3)
                main = start_movebreak("movebreak", main_env)
                started.append(main)
                if watcher.wait_embedded(main.t_exec, "movebreak", timeout=20) is None:
                    raise RuntimeError(f"run {n}: movebreak's icon did not come back: "
                                       f"{main.tail()}")
            figures, anchors = idle_run(n, rig, watcher, tmp, main,
                                        system_bus.address if system_bus else None,
                                        warmup, window, results)
            for key, info in figures.items():
                per_app.setdefault(key, []).append(info)
            for app in anchors:
                app.stop()
        for key, got in per_app.items():
            results["apps"][key].update(summarize_runs(got))
            results["apps"][key].pop("reason", None)

        progress("control channel")
        results["ipc"] = measure_ipc(Path(main_env["MOVEBREAK_RUNTIME_DIR"]))

        progress(f"history at scale: {events:,} events")
        try:
            results["history"] = measure_history(tmp, main_env, events, 1 if quick else 3)
        except Exception as e:  # noqa: BLE001 - reported as not measured
            results["history"] = {"error": f"{type(e).__name__}: {e}"}

        progress("idle import breakdown")
        try:
            results["memory"] = idle_memory.measure(rig.display, runs=1 if quick else 3)
        except Exception as e:  # noqa: BLE001 - reported as not measured
            results["memory"] = {"error": f"{type(e).__name__}: {e}"}

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
                   help="short run (1 run of 10 s warm-up and window, 3 reminders, "
                        f"{QUICK_HISTORY_EVENTS:,} history events) for smoke tests")
    p.add_argument("--skip-anchors", action="store_true",
                   help="do not start Safe Eyes and Workrave (the table says 'not measured')")
    p.add_argument("--out", type=Path, default=None,
                   help=f"also write the JSON here (default for a full run: "
                        f"{DEFAULT_OUT.relative_to(ROOT)}; a --quick run writes only with --out)")
    p.add_argument("--runs", type=int, help="idle runs, each app started anew (default 3, quick 1)")
    p.add_argument("--warmup", type=int, help="warm-up seconds per run (default 60, quick 10)")
    p.add_argument("--window", type=int, help="idle window seconds per run (default 60, quick 10)")
    p.add_argument("--reminders", type=int, help="reminders for lateness (default 20, quick 3)")
    p.add_argument("--history-events", type=int,
                   help=f"generated history size (default {HISTORY_EVENTS:,}, quick "
                        f"{QUICK_HISTORY_EVENTS:,})")
    args = p.parse_args(argv)
    if args.runs is not None and args.runs < 1:
        p.error("--runs must be at least 1")
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
