"""The history window as a real process on the test desktop, reading real SQLite files.

The window writes what it shows to MOVEBREAK_UI_DEBUG_FILE (read back from its widgets);
screenshots of the real screen check that the chart is really drawn.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageColor
from tk_window import TkWindow, opened_windows

from movebreak.adapters.history import History
from movebreak.ui.charts import COLORS
from movebreak.ui.common import FOOT_TEXT

pytestmark = pytest.mark.desktop

TITLE = "movebreak history"
LIGHT = COLORS["light"]


class Window(TkWindow):
    """One `python -m movebreak.ui.history` process and its X window."""

    def __init__(self, desktop, tmp_path: Path, *args: str) -> None:
        super().__init__(desktop, tmp_path, "movebreak.ui.history", TITLE, *args)

    def screenshot(self, name: str) -> Image.Image:
        return Image.open(self.desktop.screenshot(self.tmp / name)).convert("RGB")


@pytest.fixture
def window(desktop, tmp_path):
    yield from opened_windows(Window, desktop, tmp_path)


def count(img: Image.Image, color: str, box: list[int] | None = None, tol: int = 0) -> int:
    """Pixels within `tol` per channel of `color` inside box = [x, y, width, height]."""
    rgb = ImageColor.getrgb(color)
    region = img.crop((box[0], box[1], box[0] + box[2], box[1] + box[3])) if box else img
    px = region.load()
    w, h = region.size
    return sum(1 for y in range(h) for x in range(w)
               if all(abs(a - b) <= tol for a, b in zip(px[x, y], rgb)))


def seed(path: Path) -> dict[str, int]:
    """A few days of events; today's: 3 done, 1 snoozed, 2 skipped, 1 natural. Returns the
    number of events recorded in the last 7 days."""
    now = datetime.now().astimezone()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    span = max((now - midnight).total_seconds() - 5, 10)

    def today(frac: float) -> datetime:
        return midnight + timedelta(seconds=span * frac)

    n = 0
    with History(path) as h:
        for i, (typ, kind) in enumerate([("done", "move"), ("snoozed", "stretch"),
                                         ("done", "posture"), ("skipped", "stretch"),
                                         ("natural", "move"), ("skipped", "posture"),
                                         ("done", "stretch")]):
            detail = {"away_s": 420} if typ == "natural" else None
            h.record(typ, kind, at=today(0.1 + i * 0.1), detail=detail)
            n += 1
        for d in (1, 2, 3):
            for j in range(d + 2):
                h.record("done", "move", at=midnight - timedelta(days=d) + timedelta(hours=9 + j))
                n += 1
        h.record("checkin", None, at=midnight - timedelta(days=2) + timedelta(hours=15),
                 detail={"comfort": 4, "score": 4})
        h.record("checkin", None, at=today(0.85), detail={"comfort": 8, "score": 8})
        n += 2
        h.record("done", "move", at=midnight - timedelta(days=20))  # outside the window
    return {"recent": n}


def test_history_window_shows_todays_numbers_the_chart_and_the_events(window, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    seeded = seed(data / "history.sqlite3")
    w = window()
    st = w.wait(lambda s: s["loaded"] and s["chart"], 20, "the history to load")
    assert st["error"] is None
    tiles = st["tiles"]
    assert (tiles["done"], tiles["snoozed"], tiles["skipped"], tiles["natural"]) == \
        ("3", "1", "2", "1")
    assert tiles["longest_sitting_s"] not in ("", "–")
    assert st["row_count"] == seeded["recent"]
    whats = [row[1] for row in st["rows"]]
    assert whats[0] == "Check-in" and "comfort 8/10" in st["rows"][0][2]
    assert "Natural break" in whats and any("away 7 min" in r[2] for r in st["rows"])
    assert st["comfort"] is not None  # check-ins exist, so the comfort chart is shown
    assert st["foot"] == FOOT_TEXT  # both red flags, worsening leg pain, the pain rule

    shot = w.screenshot("history.png")
    chart = st["chart"]
    assert count(shot, LIGHT["done"], chart) > 500  # bars drawn in the done colour
    assert count(shot, LIGHT["skipped"], chart) > 50
    region = shot.crop((chart[0], chart[1], chart[0] + chart[2], chart[1] + chart[3]))
    assert len(region.getcolors(maxcolors=1 << 20)) > 20  # not a blank region
    # the comfort dots and line are anti-aliased: match nearby shades
    assert count(shot, LIGHT["comfort"], st["comfort"], tol=40) > 60

    w.key("Escape")
    assert w.exit_code() == 0


def test_corrupt_history_file_shows_the_error_and_stays_open(window, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    junk = b"SQLite format 2\0" + b"\xde\xad\xbe\xef" * 2000
    (data / "history.sqlite3").write_bytes(junk)
    w = window()
    st = w.wait(lambda s: s["loaded"], 20, "the read to finish")
    assert st["error"] and "damaged" in st["error"]
    assert str(data / "history.sqlite3") in st["error"]
    assert st["tiles"]["done"] == "–" and st["row_count"] == 0
    assert st["retry_text"] == "Retry"
    shot = w.screenshot("corrupt.png")
    assert count(shot, "#fde7e9", st["window"]) > 2000  # the error banner is on screen
    assert w.proc.poll() is None  # it did not crash
    assert (data / "history.sqlite3").read_bytes() == junk  # and left the file alone
    assert not list(data.glob("*.corrupt-*"))
    w.key("Escape")
    assert w.exit_code() == 0


def test_locked_history_shows_busy_then_retry_reads_it(window, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    path = data / "history.sqlite3"
    seed(path)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        w = window()
        st = w.wait(lambda s: s["loaded"], 20, "the busy timeout")
        assert st["error"] and "busy" in st["error"] and "locked" in st["error"]
        assert w.proc.poll() is None
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    loads = st["loads"]
    w.click(st["retry"])
    st = w.wait(lambda s: s["loads"] > loads, 20, "the retry")
    assert st["error"] is None and st["tiles"]["done"] == "3"
    assert st["retry_text"] == "Refresh"
    w.key("Escape")
    assert w.exit_code() == 0


def test_no_history_yet_shows_the_empty_week_without_creating_a_file(window, tmp_path):
    w = window("--days", "3")
    st = w.wait(lambda s: s["loaded"], 20, "the read to finish")
    assert st["error"] is None and st["missing"] is True
    assert st["row_count"] == 0 and st["comfort"] is None
    shot = w.screenshot("empty.png")
    chart = st["chart"]
    assert count(shot, LIGHT["done"], chart) == 0
    assert count(shot, LIGHT["fg"], chart) > 50  # the "No breaks recorded yet" text
    assert not (tmp_path / "data" / "history.sqlite3").exists()
    w.key("Escape")
    assert w.exit_code() == 0


def test_bad_days_argument_is_refused(desktop):
    res = subprocess.run([sys.executable, "-m", "movebreak.ui.history", "--days", "0"],
                         env=desktop.env, capture_output=True, text=True, timeout=20,
                         check=False)
    assert res.returncode == 2 and "--days must be between 1 and 90" in res.stderr
