"""The routine window as a real process on the test desktop, recording into a real SQLite file.

Driven with xdotool (real pointer clicks and key presses through XTEST); the window's
MOVEBREAK_UI_DEBUG_FILE says where its buttons are and what it shows. `--hold-seconds` keeps
the tests short (the prompts shrink with it); the [routine] settings come from the config.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tk_window import TkWindow, opened_windows

from movebreak.core.catalog import STRETCHES
from movebreak.core.safety import PAIN_RULE
from movebreak.ui import tips
from movebreak.ui.common import SHORT_FOOT_TEXT
from movebreak.ui.routine_model import plan

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
    assert st["pain_rule"] == PAIN_RULE and st["foot"] == SHORT_FOOT_TEXT

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
    assert routine["detail"]["exercises"] == [e.id for e in plan(STRETCHES)]
    # held stretches once each side, the two moving ones one block each
    assert routine["detail"]["steps_total"] == 4 * 2 + 2
    assert (routine["detail"]["hold_s"], routine["detail"]["rounds"]) == (0.3, 1)
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
    def send_close() -> None:
        # every window of that title (a Tk toplevel can show up twice in xdotool's list; the
        # one that is not Tk's wrapper ignores the message)
        wids = desktop.run(["xdotool", "search", "--name", f"^{w.title}$"]).stdout.split()
        d = display.Display(desktop.display)
        try:
            protocols = d.intern_atom("WM_PROTOCOLS")
            delete = d.intern_atom("WM_DELETE_WINDOW")
            for wid in wids:
                win = d.create_resource_object("window", int(wid))
                msg = event.ClientMessage(window=win, client_type=protocols,
                                          data=(32, [delete, X.CurrentTime, 0, 0, 0]))
                win.send_event(msg, event_mask=X.NoEventMask)
            d.flush()
        finally:
            d.close()

    send_close()
    try:
        code = w.exit_code(2)
    except AssertionError:  # under load the first request is sometimes not acted on
        send_close()
        code = w.exit_code(5)
    assert code == 0
    [routine] = w.events("routine")
    assert routine["detail"]["complete"] is False


def test_pause_button_freezes_the_countdown(window):
    w = window("--exercise", "calf", "--hold-seconds", "20")
    w.wait(lambda s: s["phase"] == "prepare", 10, "the get-ready prompt")
    w.key("Right")  # skip the prompt (a prompt skipped is not a hold skipped)
    st = w.wait(lambda s: s["phase"] == "hold" and s["buttons"]["pause"], 5, "the first hold")
    w.click(st["buttons"]["pause"])
    paused = w.wait(lambda s: s["paused"], 5, "the pause to take effect")
    assert paused["prompt"].startswith("Paused")
    time.sleep(1.2)
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


def test_routine_settings_set_the_dose_desk_only_and_ten_seconds_to_get_into_position(window,
                                                                                      tmp_path):
    (tmp_path / "config.toml").write_text(
        '[routine]\nhold = "45s"\nrounds = 2\ndesk_only = true\n')
    w = window()  # the whole rotation, real timing
    st = w.wait(lambda s: s["numbers"], 10, "the first exercise")
    assert st["exercises"] == ["piriformis", "hamstrings", "pelvic_tilts", "calf"]
    assert st["numbers"] == ("Usual dose: Hold 30-60 s, 1-2 times each side.\n"
                             "This routine: hold 45 s, twice each side.")
    assert st["position"] == "On a chair (or lying on your back) · each side"
    assert (st["phase"], st["seconds_total"], st["side_text"]) == ("prepare", 10, "Get ready")
    assert st["prompt"] == "Get into position: sit down on your chair, feet on the floor."
    assert st["steps_total"] == 3 * 2 * 2 + 2  # three held stretches, twice a side; tilts x2
    w.key("Right")  # skip the prompt: the first hold is 45 s, left side, round 1 of 2
    st = w.wait(lambda s: s["phase"] == "hold", 5, "the first hold")
    assert (st["seconds_total"], st["side_text"]) == (45, "Left side · 1 of 2")
    assert st["seconds_left"] in (45, 44)
    w.key("Escape")
    assert w.exit_code() == 0


def test_moving_exercise_shows_directions_not_a_hold(window):
    w = window("--exercise", "lumbar_rotation", "--hold-seconds", "6")
    st = w.wait(lambda s: s["phase"] == "move", 10, "the movement block")
    assert st["side_text"] == "Move slowly"
    assert "left" in st["prompt"] and "right" in st["prompt"]
    assert st["numbers"].endswith("This routine: 6 s of slow movement, once.")
    w.key("Escape")
    assert w.exit_code() == 0


def test_once_more_runs_the_routine_again_and_records_it_again(window):
    w = window("--exercise", "glutes", "--hold-seconds", "0.6")
    st = w.wait(lambda s: s["view"] == "checkin" and s["buttons"].get("once_more"), 20,
                "the check-in view with Once more")
    w.click(st["buttons"]["once_more"])
    w.wait(lambda s: s["view"] == "routine" and s["run"] == 2, 5, "the second run")
    st = w.wait(lambda s: s["view"] == "checkin" and s["run"] == 2
                and s["buttons"].get("once_more"), 20, "the second check-in")
    runs = w.events("routine")
    assert [r["detail"]["run"] for r in runs] == [1, 2]
    assert all(r["detail"]["complete"] for r in runs)
    w.click(st["checkin_buttons"]["8"])
    assert w.exit_code() == 0
    assert [e["detail"]["score"] for e in w.events("checkin")] == [8]


def test_tips_button_opens_the_tips_window(window, desktop):
    w = window("--exercise", "calf")
    st = w.wait(lambda s: s["buttons"].get("tips"), 10, "the Tips button")
    w.click(st["buttons"]["tips"])
    debug = Path(str(w.debug) + tips.DEBUG_SUFFIX)
    shown = desktop.wait_for(lambda: debug.exists() and json.loads(debug.read_text()), 15,
                             "the tips window's debug file")
    try:
        assert shown["title"] == tips.WINDOW_TITLE
        headings = [h for h, _ in shown["tips"]]
        assert headings == ["Motion is lotion", "Change the surface", "A stool under one foot",
                            "Massage ball or foam roller"]
        assert shown["foot"].endswith(PAIN_RULE) and "Saddle numbness" in shown["foot"]
        wid = desktop.run(["xdotool", "search", "--sync", "--onlyvisible", "--name",
                           f"^{tips.WINDOW_TITLE}$"], timeout=10).stdout.split()[-1]
        desktop.run(["xdotool", "windowfocus", "--sync", wid])
        desktop.run(["xdotool", "key", "--clearmodifiers", "Escape"])
        desktop.wait_for(lambda: not _alive(shown["pid"]), 5, "Escape to close the tips")
        assert w.proc.poll() is None  # the routine carries on
    finally:
        if _alive(shown["pid"]):
            os.kill(shown["pid"], signal.SIGKILL)
    w.key("Escape")
    assert w.exit_code() == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie of our own spawn counts as gone
        return fh.read().split()[2] != "Z"
