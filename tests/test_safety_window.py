"""The safety notice end to end: the Safety window as a real process on the test desktop (kept
open on first run until its acknowledge button is pressed), the acknowledgement in state.toml,
`movebreak safety --ack` with no display, and the real app's first run with and without one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_cli_process import ROOT, RunningApp
from tk_window import TkWindow, opened_windows

from movebreak.adapters import storage
from movebreak.core import safety
from movebreak.ui.common import SHORT_FOOT_TEXT
from movebreak.ui.safety import ACK_BUTTON, STAY_NOTE, UNACKED_NOTE

pytestmark = pytest.mark.desktop


class Window(TkWindow):
    """One `python -m movebreak.ui.safety` process and its X window."""

    def __init__(self, desktop, tmp_path: Path, *args: str) -> None:
        super().__init__(desktop, tmp_path, "movebreak.ui.safety", safety.TITLE, *args)


@pytest.fixture
def window(desktop, tmp_path):
    yield from opened_windows(Window, desktop, tmp_path)


def wm_close(desktop, wid: str) -> None:
    """What a window manager's close button sends: WM_PROTOCOLS / WM_DELETE_WINDOW."""
    from Xlib import X, display
    from Xlib.protocol import event

    d = display.Display(desktop.display)
    try:
        win = d.create_resource_object("window", int(wid))
        msg = event.ClientMessage(window=win, client_type=d.intern_atom("WM_PROTOCOLS"),
                                  data=(32, [d.intern_atom("WM_DELETE_WINDOW"), X.CurrentTime,
                                             0, 0, 0]))
        win.send_event(msg, event_mask=X.NoEventMask)
        d.flush()
    finally:
        d.close()


def test_first_run_window_stays_until_the_acknowledge_button_records_it(window, tmp_path):
    config = tmp_path / "config.toml"
    w = window("--first-run")
    st = w.wait(lambda s: s["buttons"].get("ack"), 10, "the acknowledge button")
    assert st["paragraphs"] == list(safety.PARAGRAPHS)
    assert "Red flags" in st["heading"] and st["foot"] == SHORT_FOOT_TEXT
    assert st["first_run"] is True and st["acknowledged"] is None
    assert list(st["buttons"]) == ["ack"]  # nothing else closes it
    w.key("Escape")
    st = w.wait(lambda s: s["event"] == "kept_open", 5, "Escape to be refused")
    assert st["note"] == STAY_NOTE
    wm_close(w.desktop, w.wid)
    time.sleep(0.5)
    assert w.proc.poll() is None, "the window manager's close button closed it"
    assert storage.safety_acknowledged(config) is None  # nothing recorded yet

    w.click(st["buttons"]["ack"])
    assert w.exit_code() == 0
    assert w.state()["event"] == "closed" and w.state()["acknowledged"]
    assert storage.safety_acknowledged(config) is not None
    assert (tmp_path / "state.toml").exists()
    assert w.events("safety_seen") == []  # not in the history


def test_from_the_menu_close_records_nothing_and_acknowledged_shows_the_date(window,
                                                                           tmp_path):
    config = tmp_path / "config.toml"
    w = window()
    st = w.wait(lambda s: s["buttons"].get("close"), 10, "the Close button")
    assert set(st["buttons"]) == {"ack", "close"} and st["note"] == UNACKED_NOTE
    w.click(st["buttons"]["close"])
    assert w.exit_code() == 0
    assert storage.safety_acknowledged(config) is None

    storage.acknowledge_safety(config)
    w = window("--first-run")  # acknowledged meanwhile: an OK button, Escape closes
    st = w.wait(lambda s: s["buttons"].get("close"), 10, "the OK button")
    assert "ack" not in st["buttons"] and st["acknowledged"]
    assert st["note"].startswith("You confirmed that you read this on ")
    w.key("Escape")
    assert w.exit_code() == 0


def test_ack_without_a_display_records_it_and_the_reminder_line_goes(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS")}
    env.update(MOVEBREAK_CONFIG_DIR=str(tmp_path / "cfg"),
               MOVEBREAK_RUNTIME_DIR=str(tmp_path / "run"))

    def movebreak(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "movebreak", *args], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=30, check=True)

    shown = movebreak("safety").stdout
    assert safety.BODY in shown and safety.ACK_HINT in shown
    assert storage.safety_acknowledged(tmp_path / "cfg" / "config.toml") is None
    out = movebreak("safety", "--ack").stdout
    assert safety.BODY in out and "Recorded that you have read this" in out
    assert storage.safety_acknowledged(tmp_path / "cfg" / "config.toml") is not None
    shown = movebreak("safety").stdout
    assert safety.BODY in shown and safety.ACK_HINT not in shown


def test_headless_first_run_prints_the_notice_until_acknowledged_even_after_history_reset(
        tmp_path):
    app = RunningApp(tmp_path, '[reminders.move]\ninterval = "1h"\n', ack_safety=False)
    try:
        app.wait_for(safety.URGENT, 5)
        app.wait_for(safety.ACK_HINT, 5)
        app.cli("safety", "--ack")
    finally:
        app.stop()
    import shutil
    shutil.rmtree(tmp_path / "data", ignore_errors=True)  # a history reset
    app = RunningApp(tmp_path, '[reminders.move]\ninterval = "1h"\n', ack_safety=False)
    try:
        app.wait_for("movebreak running", 5)
        time.sleep(0.5)
        assert not any(safety.URGENT in line for _, line in app.lines)
    finally:
        app.stop()


def test_app_first_run_opens_the_safety_window_until_acknowledged(xdisplay, tmp_path):
    rig = xdisplay
    debug = tmp_path / "safety.json"  # the app's windows inherit its environment
    env = dict(rig.env_overrides, MOVEBREAK_NOTIFIER="dbus", MOVEBREAK_UI_DEBUG_FILE=str(debug),
               MOVEBREAK_UI_THEME="light")
    rig.close_all()
    app = RunningApp(tmp_path, '[reminders.move]\ninterval = "1h"\n', extra_env=env,
                     ack_safety=False)
    pid = None
    try:
        st = rig.wait_for(lambda: debug.exists() and json.loads(debug.read_text()), 15,
                          "the Safety window opened by the app")
        pid = st["pid"]
        assert st["first_run"] is True and st["acknowledged"] is None
        assert rig.displayed_count() == 0  # the window, not a notification
        x, y, w, h = st["buttons"]["ack"]
        rig.run(["xdotool", "mousemove", "0", "0", "mousemove", "--sync", str(x + w // 2), str(y + h // 2),
                 "click", "1"])
        rig.wait_for(lambda: json.loads(debug.read_text())["event"] == "closed", 10,
                     f"the {ACK_BUTTON!r} button to close it")
        assert storage.safety_acknowledged(tmp_path / "cfg" / "config.toml") is not None
        assert "safety_seen" not in app.cli("history", "--json").stdout
    finally:
        app.stop()
        if pid is not None:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
    debug.unlink()
    app = RunningApp(tmp_path, '[reminders.move]\ninterval = "1h"\n', extra_env=env,
                     ack_safety=False)
    try:
        app.wait_for("movebreak running", 5)
        time.sleep(1.5)  # a spawned window would have written its file by now
        assert not debug.exists()
    finally:
        app.stop()
