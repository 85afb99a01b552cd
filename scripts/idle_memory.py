#!/usr/bin/env python3
"""Where movebreak's idle memory goes: anonymous RSS (RssAnon in /proc/self/status) after each
group of imports, in the order the app loads them, each run in a fresh interpreter.

Two tables:
- `steps`: one interpreter imports the idle app's modules group by group (interpreter, core,
  storage, control channel, history, asyncio, APScheduler, desktop-notifier, GTK, pystray,
  Pillow, the icon) and reads RssAnon after each: what each group adds on top of the ones
  before it. A group's modules pulled in earlier by another group count there (asyncio comes
  before APScheduler, desktop-notifier and PyGObject, which all import it).
- `candidates`: modules the idle app may not need (filelock, jeepney, python-xlib, Pillow's
  ImageDraw, all of Pillow's plugins): each imported last, after everything the idle app
  loads, so the figure is what not importing it would save.

Each figure is the median of `--runs` fresh interpreters (default 3). GTK needs an X display:
`--display` (or DISPLAY); GDK_GL=disable as the app sets it. Run from the repository:
`python scripts/idle_memory.py [--json]`; the bench calls `measure()`. Single-threaded.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

_GTK = ("import gi; gi.require_version('Gtk', '3.0'); "
        "from gi.repository import Gtk")
_TRAY = ("import os; os.environ['PYSTRAY_BACKEND'] = 'gtk'; import pystray; "
         "from gi.repository import Gtk; m = Gtk.Menu(); "
         "[m.append(Gtk.MenuItem(label=f'item {i}')) for i in range(14)]; "
         "keep.append((m, Gtk.StatusIcon()))")
_HISTORY = ("from movebreak.adapters.history import History; import tempfile, os; "
            "keep.append(History(os.path.join(tempfile.mkdtemp(), 'h.sqlite3')))")
_SCHEDULER = ("from movebreak.adapters import driver; "
              "from apscheduler.schedulers.background import BackgroundScheduler; "
              "s = BackgroundScheduler(); s.start(); keep.append(s)")
_LOOP = ("import asyncio, threading; loop = asyncio.new_event_loop(); "
         "threading.Thread(target=loop.run_forever, daemon=True).start(); keep.append(loop)")

#: (label, python statements) in the order the idle app loads them.
STEPS: list[tuple[str, str]] = [
    ("movebreak core + CLI (argparse, dataclasses, logging, json)",
     "import movebreak.cli, movebreak.core.engine, movebreak.core.settings"),
    ("config storage (platformdirs, tomllib)", "import movebreak.adapters.storage"),
    ("control channel (multiprocessing.connection)", "import multiprocessing.connection"),
    ("history (sqlite3), one open connection", _HISTORY),
    ("asyncio (with ssl, concurrent.futures) + a running loop thread", _LOOP),
    ("APScheduler (importlib.metadata, email, tzlocal) + a started scheduler", _SCHEDULER),
    ("desktop-notifier + dbus-fast",
     "import desktop_notifier, dbus_fast.aio, movebreak.adapters.notify.select, "
     "movebreak.adapters.notify.dbus_notifier"),
    ("GTK 3 via PyGObject (display opened, GDK_GL=disable)", _GTK),
    ("pystray (gtk) + a 14-item Gtk.Menu and a Gtk.StatusIcon", _TRAY),
    ("Pillow: PIL.Image + the plugins Image.save(..., 'PNG') loads (preinit)",
     "from PIL import Image; Image.preinit()"),
    ("the tray icon (icons.icon_image: the shipped 64 px PNG)",
     "from movebreak.adapters.icons import icon_image; keep.append(icon_image('normal', 64))"),
]

#: (label, statements) that the idle app may skip; each measured after all STEPS.
CANDIDATES: list[tuple[str, str]] = [
    ("filelock (ipc.InstanceLock; storage only when writing)", "import filelock"),
    ("jeepney (GNOME/KDE idle check, tray.py's StatusNotifier check)",
     "import jeepney, jeepney.io.blocking, jeepney.bus_messages, jeepney.wrappers"),
    ("python-xlib (X11 idle source, tray.py's XEmbed check)",
     "from Xlib import X, display; from Xlib.ext import screensaver"),
    ("PIL.ImageDraw (+ ImageFont, FreeType): drawing icons instead of loading PNGs",
     "from PIL import ImageDraw"),
    ("all of Pillow's plugins (Image.init(), e.g. Image.open without formats=)",
     "from PIL import Image; Image.init()"),
]

_CHILD = """
import json, sys
def anon():
    with open('/proc/self/status') as fh:
        for line in fh:
            if line.startswith('RssAnon:'):
                return int(line.split()[1])
keep = []
out = [anon()]
for code in json.loads(sys.argv[1]):
    exec(code)
    out.append(anon())
print(json.dumps(out))
"""


def _child(codes: list[str], env: dict[str, str]) -> list[int]:
    """RssAnon (KiB) at start and after each of `codes`, in one fresh interpreter."""
    res = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(codes)], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"measuring imports failed: {res.stderr.strip()[-2000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def measure(display: str | None = None, runs: int = 3) -> dict[str, Any]:
    """Both tables (MiB, medians of `runs` interpreters); raises RuntimeError if a step fails."""
    env = dict(os.environ, GDK_GL="disable", NO_AT_BRIDGE="1")
    # As installed: from .pyc files (compiling from source leaves its garbage in the heap).
    # The first, uncounted run writes any that are missing.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYSTRAY_BACKEND", None)
    if display:
        env["DISPLAY"] = display
    if not env.get("DISPLAY"):
        raise RuntimeError("GTK needs an X display: pass --display or set DISPLAY")
    with tempfile.TemporaryDirectory(prefix="movebreak-mem-") as tmp:
        env["MOVEBREAK_DATA_DIR"] = tmp
        codes = [code for _, code in STEPS]
        _child(codes + [code for _, code in CANDIDATES], env)
        series = [_child(codes, env) for _ in range(runs)]
        totals = [_child(codes + [code], env) for _, code in CANDIDATES for _ in range(runs)]
    med = [statistics.median(run[i] for run in series) for i in range(len(codes) + 1)]
    steps = [{"label": "Python interpreter (python -c, site)", "mib": round(med[0] / 1024, 2),
              "cumulative_mib": round(med[0] / 1024, 2)}]
    for i, (label, _) in enumerate(STEPS, start=1):
        steps.append({"label": label, "mib": round((med[i] - med[i - 1]) / 1024, 2),
                      "cumulative_mib": round(med[i] / 1024, 2)})
    candidates = []
    for j, (label, _) in enumerate(CANDIDATES):
        deltas = [run[-1] - run[-2] for run in totals[j * runs:(j + 1) * runs]]
        candidates.append({"label": label, "mib": round(statistics.median(deltas) / 1024, 2)})
    return {"runs": runs, "steps": steps, "total_mib": round(med[-1] / 1024, 2),
            "candidates": candidates}


def render(result: dict[str, Any]) -> str:
    lines = [f"anonymous RSS added by each step, in the app's order (median of "
             f"{result['runs']} fresh interpreters):", ""]
    lines += [f"  {s['mib']:>6.2f} MiB  (total {s['cumulative_mib']:>6.2f})  {s['label']}"
              for s in result["steps"]]
    lines += ["", "what not loading each would save (imported after all of the above):", ""]
    lines += [f"  {c['mib']:>6.2f} MiB  {c['label']}" for c in result["candidates"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--display", help="X display for GTK (default: $DISPLAY)")
    p.add_argument("--runs", type=int, default=3, help="fresh interpreters per figure")
    p.add_argument("--json", action="store_true", help="print JSON")
    args = p.parse_args(argv)
    try:
        result = measure(args.display, args.runs)
    except RuntimeError as e:
        print(f"idle_memory: {e}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
