"""The routine window as a real process on the test desktop, recording into a real SQLite file.

Driven with xdotool (real pointer clicks and key presses through XTEST); the window's
MOVEBREAK_UI_DEBUG_FILE says where its buttons are and what it shows.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from tk_window import TkWindow, opened_windows

from movebreak.core.catalog import STRETCHES

pytestmark = pytest.mark.desktop

TITLE = "movebreak stretch routine"


class Window(TkWindow):
    """One `python -m movebreak.ui.routine` process and its X window."""

    def __init__(self, desktop, tmp_path: Path, *args: str) -> None:
        super().__init__(desktop, tmp_path, "movebreak.ui.routine", TITLE, *args)


@pytest.fixture
def window(desktop, tmp_path):
    yield from opened_windows(Window, desktop, tmp_path)


def test_routine_runs_to_the_end_and_the_checkin_click_is_recorded(window):
    w = window("--exercise", "glutes", "--hold-seconds", "1")
    st = w.wait(lambda s: s["view"] == "checkin", 20, "the check-in view")
    assert st["routine_recorded"]["complete"] is True
    # the routine event is in the file before any check-in
    [routine] = w.events("routine")
    assert routine["kind"] == "stretch"
    assert routine["detail"]["complete"] is True
    assert (routine["detail"]["steps_done"], routine["detail"]["steps_total"]) == (2, 2)
    assert routine["detail"]["exercises"] == ["glutes"]
    assert w.events("checkin") == []

    w.click(st["checkin_buttons"]["7"])
    assert w.exit_code() == 0
    [checkin] = w.events("checkin")
    assert checkin["detail"]["score"] == 7 and checkin["detail"]["comfort"] == 7
    assert checkin["at"] >= routine["at"]
    assert len(w.events("routine")) == 1


def test_whole_rotation_without_exercise_and_keyboard_checkin(window):
    w = window("--hold-seconds", "0.3")
    seen: set[str] = set()

    def collect(s: dict) -> bool:
        if s.get("exercise"):
            seen.add(s["exercise"])
        return s["view"] == "checkin"

    w.wait(collect, 40, "the whole rotation to finish")
    [routine] = w.events("routine")
    assert routine["detail"]["complete"] is True
    assert routine["detail"]["exercises"] == [e.id for e in STRETCHES]
    assert routine["detail"]["steps_total"] == sum(e.sides for e in STRETCHES)
    assert len(seen) >= 4  # the window really showed the exercises one after another
    w.key("4")
    assert w.exit_code() == 0
    assert [e["detail"]["score"] for e in w.events("checkin")] == [4]


def test_escape_closes_early_and_records_a_partial_routine(window):
    w = window("--exercise", "piriformis", "--hold-seconds", "1.5")
    w.wait(lambda s: s["steps_done"] >= 1, 15, "the first hold to end")
    w.key("Escape")
    assert w.exit_code() == 0
    [routine] = w.events("routine")
    d = routine["detail"]
    assert d["complete"] is False
    assert d["steps_total"] == 2 and 1 <= d["steps_done"] < 2
    assert d["exercises"] == ["piriformis"]
    assert w.events("checkin") == []


def test_window_destroyed_from_outside_still_records_a_partial_routine(window):
    w = window("--exercise", "calf")  # real 30 s holds: it cannot finish meanwhile
    w.wait(lambda s: s["phase"] in ("prepare", "hold"), 10, "the routine to run")
    w.desktop.run(["xdotool", "windowclose", w.wid])
    code = w.exit_code()  # Tk ends its main loop when its toplevel is destroyed
    events = w.events("routine")
    assert len(events) == 1, (code, w.stderr())
    [routine] = events
    assert routine["detail"]["complete"] is False
    assert routine["detail"]["steps_done"] == 0


def test_wm_close_request_records_a_partial_routine(window, desktop):
    """What a window manager's close button sends: WM_PROTOCOLS / WM_DELETE_WINDOW."""
    from Xlib import X, display
    from Xlib.protocol import event

    w = window("--exercise", "hamstrings")
    w.wait(lambda s: s["phase"] == "prepare", 10, "the routine to run")
    d = display.Display(desktop.display)
    try:
        win = d.create_resource_object("window", int(w.wid))
        protocols = d.intern_atom("WM_PROTOCOLS")
        delete = d.intern_atom("WM_DELETE_WINDOW")
        msg = event.ClientMessage(window=win, client_type=protocols,
                                  data=(32, [delete, X.CurrentTime, 0, 0, 0]))
        win.send_event(msg, event_mask=X.NoEventMask)
        d.flush()
    finally:
        d.close()
    assert w.exit_code() == 0
    [routine] = w.events("routine")
    assert routine["detail"]["complete"] is False


def test_pause_button_freezes_the_countdown(window):
    w = window("--exercise", "calf", "--hold-seconds", "20")
    st = w.wait(lambda s: s["phase"] == "hold" and s["buttons"]["pause"], 15, "the first hold")
    w.click(st["buttons"]["pause"])
    paused = w.wait(lambda s: s["paused"], 5, "the pause to take effect")
    assert paused["prompt"].startswith("Paused")
    time.sleep(2.5)
    still = w.state()
    assert still["paused"] and still["seconds_left"] == paused["seconds_left"]
    w.key("space")  # Space resumes
    w.wait(lambda s: not s["paused"] and s["seconds_left"] < paused["seconds_left"], 5,
           "the countdown to run again")
    w.click(w.state()["buttons"]["skip"])  # skip the left hold
    skipped = w.wait(lambda s: s["phase"] == "switch", 5, "the switch-sides prompt")
    assert skipped["side_text"] == "Switch sides"
    w.click(w.state()["buttons"]["stop"])  # Stop offers the check-in, then Escape closes
    st = w.wait(lambda s: s["view"] == "checkin", 5, "the check-in after Stop")
    assert st["routine_recorded"]["complete"] is False
    w.key("Escape")
    assert w.exit_code() == 0
    [routine] = w.events("routine")
    assert routine["detail"]["skipped"] == 1 and routine["detail"]["complete"] is False
    assert w.events("checkin") == []


def test_corrupt_history_file_is_reported_in_the_window(window, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    junk = b"this is not a database" * 100
    (data / "history.sqlite3").write_bytes(junk)
    w = window("--exercise", "glutes", "--hold-seconds", "0.5")
    st = w.wait(lambda s: s["view"] == "checkin" and s["status"], 20, "the error text")
    assert "Could not save" in st["status"] and "history" in st["status"]
    assert w.proc.poll() is None  # still running, showing the error
    w.key("Escape")
    assert w.exit_code() == 0
    assert (data / "history.sqlite3").read_bytes() == junk  # left alone


def test_unknown_exercise_is_refused(desktop, tmp_path):
    res = subprocess.run([sys.executable, "-m", "movebreak.ui.routine", "--exercise", "nope"],
                         env=desktop.env, capture_output=True, text=True, timeout=20,
                         check=False)
    assert res.returncode == 2
    assert "unknown exercise 'nope'" in res.stderr and "glutes" in res.stderr
