"""Screenshots of the history and routine windows for the docs, on a private headless desktop.

Starts the test rig (Xvfb + bus + dunst, see tests/desktop_rig.py), seeds a week of made-up
history into a temp MOVEBREAK_DATA_DIR, opens each window as the app would, waits until it
shows what we want, and crops the screen to the window. Writes docs/screenshots/history.png,
routine.png and routine-checkin.png (`--out DIR` to write elsewhere). Needs xvfb, dbus, dunst,
xdotool and imagemagick.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from desktop_rig import DesktopRig

from movebreak.adapters.history import History
from movebreak.core.catalog import STRETCHES
from movebreak.ui.routine_model import build_steps, plan


def seed_week(path: Path, now: datetime, rng: random.Random) -> None:
    """A plausible week: move/posture/stretch reminders over working hours, their outcomes,
    natural breaks (lunch, coffee), a few stretch routines with comfort check-ins."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    with History(path) as h:
        for back in range(6, -1, -1):
            day = midnight - timedelta(days=back)
            weekend = day.weekday() >= 5
            start = day + timedelta(hours=9 if not weekend else 10, minutes=rng.randint(0, 25))
            end = day + timedelta(hours=17 if not weekend else 12, minutes=30)
            end = min(end, now - timedelta(minutes=2))
            t = start
            if t >= end:
                continue
            h.record("resumed", None, at=t)
            lunch_done = False
            while t < end:
                t += timedelta(minutes=rng.randint(22, 38))
                if t >= end:
                    break
                if not lunch_done and t.hour >= 12 and not weekend:
                    lunch_done = True
                    away = rng.randint(30, 50) * 60
                    t += timedelta(seconds=away)
                    h.record("natural", "move", at=t, detail={"away_s": away})
                    continue
                kind = rng.choices(["move", "posture", "stretch"], [5, 3, 3])[0]
                exercise = rng.choice(STRETCHES).id if kind == "stretch" else None
                detail = {"exercise": exercise} if exercise else None
                h.record("shown", kind, at=t, detail=detail)
                outcome = rng.choices(["done", "snoozed", "skipped", "natural"],
                                      [12, 3, 2, 1 if kind == "move" else 0])[0]
                t += timedelta(seconds=rng.randint(20, 200))
                if outcome == "natural":
                    away = rng.randint(4, 12) * 60
                    t += timedelta(seconds=away)
                    h.record("natural", "move", at=t, detail={"away_s": away})
                    continue
                h.record(outcome, kind, at=t, detail=detail)
                if outcome == "done" and kind == "stretch" and rng.random() < 0.8:
                    steps = sum(1 for step in build_steps(plan(STRETCHES)) if step.work)
                    done = steps if rng.random() < 0.75 else rng.randint(3, steps - 1)
                    t += timedelta(minutes=6)
                    h.record("routine", "stretch", at=t, detail={
                        "complete": done == steps, "steps_done": done, "steps_total": steps,
                        "skipped": 0, "exercises": [e.id for e in plan(STRETCHES)]})
                    trend = 4 + (6 - back) * 0.6  # slowly getting better over the week
                    comfort = max(1, min(9, round(trend + rng.uniform(-1.5, 1.5))))
                    h.record("checkin", None, at=t + timedelta(seconds=20),
                             detail={"comfort": comfort, "score": comfort})


def window_id(rig: DesktopRig, title: str) -> str:
    out = rig.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", f"^{title}$"],
                  timeout=20).stdout.split()
    return out[-1]


def wait_state(rig: DesktopRig, debug: Path, predicate, timeout: float, what: str) -> dict:
    def check():
        try:
            st = json.loads(debug.read_text())
        except (OSError, ValueError):
            return None
        return st if predicate(st) else None
    return rig.wait_for(check, timeout, what)


def shoot(rig: DesktopRig, window: list[int], out: Path, tmp: Path) -> Path:
    """Crop a full-screen capture to `window` ([x, y, w, h]) and save it as `out`."""
    time.sleep(0.4)  # let the last redraw reach the screen
    full = Image.open(rig.screenshot(tmp / "full.png")).convert("RGB")
    x, y, w, h = window
    out.parent.mkdir(parents=True, exist_ok=True)
    full.crop((x, y, x + w, y + h)).save(out, optimize=True)
    print(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    args = parser.parse_args(argv)
    rig = DesktopRig()
    rig.start(tray=False)
    procs: list[subprocess.Popen] = []
    tmp = Path(tempfile.mkdtemp(prefix="movebreak-shots-"))
    try:
        data = tmp / "data"
        data.mkdir()
        seed_week(data / "history.sqlite3", datetime.now().astimezone(), random.Random(7))
        debug = tmp / "state.json"
        env = dict(rig.env, MOVEBREAK_DATA_DIR=str(data), MOVEBREAK_UI_DEBUG_FILE=str(debug),
                   MOVEBREAK_UI_THEME=args.theme, MOVEBREAK_CONFIG_DIR=str(tmp / "config"))
        suffix = "" if args.theme == "light" else "-dark"

        procs.append(subprocess.Popen([sys.executable, "-m", "movebreak.ui.history"], env=env))
        window_id(rig, "movebreak history")
        st = wait_state(rig, debug, lambda s: s.get("loaded") and s.get("chart"), 20,
                        "the history window")
        if st.get("error"):
            raise SystemExit(f"history window shows an error: {st['error']}")
        shoot(rig, st["window"], args.out / f"history{suffix}.png", tmp)
        procs[-1].terminate()
        procs[-1].wait(10)

        debug.unlink(missing_ok=True)
        procs.append(subprocess.Popen([sys.executable, "-m", "movebreak.ui.routine",
                                       "--exercise", "piriformis"], env=env))
        window_id(rig, "movebreak stretch routine")
        st = wait_state(rig, debug, lambda s: s.get("phase") == "hold"
                        and s.get("seconds_left", 99) <= 22, 30, "the first hold")
        shoot(rig, st["window"], args.out / f"routine{suffix}.png", tmp)
        procs[-1].terminate()
        procs[-1].wait(10)

        debug.unlink(missing_ok=True)
        procs.append(subprocess.Popen([sys.executable, "-m", "movebreak.ui.routine",
                                       "--exercise", "glutes", "--hold-seconds", "0.5"],
                                      env=env))
        window_id(rig, "movebreak stretch routine")
        st = wait_state(rig, debug, lambda s: s.get("view") == "checkin", 20, "the check-in")
        shoot(rig, st["window"], args.out / f"routine-checkin{suffix}.png", tmp)
        procs[-1].terminate()
        procs[-1].wait(10)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(5)
        rig.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
