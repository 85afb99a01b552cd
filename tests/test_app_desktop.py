"""The whole app on a real desktop: `movebreak run` as a subprocess sends real notifications to
dunst on a private D-Bus bus; buttons are pressed through dunst; dunst is killed mid-run.

Smoke tests of the real adapters together: reminders are shown at once with `movebreak break`
instead of waiting for an interval (the timing rules are tested in-process, test_app.py, and
the driver's accuracy in test_driver.py and the bench)."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import datetime, timezone

import pytest
from test_cli_process import RunningApp

pytestmark = pytest.mark.desktop

CONFIG = """
[general]
snooze = "1m"
[reminders.move]
interval = "10m"
[reminders.posture]
enabled = false
[reminders.stretch]
enabled = false
"""


@pytest.fixture
def desktop_app(xdisplay, tmp_path):
    xdisplay.close_all()
    env = dict(xdisplay.env_overrides, MOVEBREAK_NOTIFIER="dbus")
    app = RunningApp(tmp_path, CONFIG, extra_env=env)
    yield app, xdisplay
    app.stop()
    if not xdisplay.dunst_running():
        xdisplay.start_dunst()
    xdisplay.close_all()


def history_types(app) -> list[tuple[str, str | None]]:
    events = json.loads(app.cli("history", "--json").stdout)["events"]
    return [(e["type"], e["kind"]) for e in events]


def wait_reminder(rig, timeout=10.0):
    """The movebreak reminder entries in dunst's context menu (its buttons)."""
    def menu():
        try:
            entries = rig.context_menu(timeout=1.0)
        except Exception:
            return None
        return [e for e in entries if e["summary"] == "Time to move"] or None
    return rig.wait_for(menu, timeout, what="a 'Time to move' notification with buttons")


def test_reminder_reaches_dunst_with_buttons_and_snooze_reschedules(desktop_app):
    app, rig = desktop_app
    assert app.status()["notifier"] == "dbus"
    app.cli("break", "move")
    entries = wait_reminder(rig)
    labels = {e["label"] for e in entries}
    assert {"Done", "Snooze 1 min", "Skip"} <= labels
    rig.press_action("Snooze 1 min", summary="Time to move")
    pressed = time.time()
    st = rig.wait_for(lambda: (s := app.status())["kinds"]["move"]["snoozed"] and s,
                      5, what="the app to register the snooze")
    due = datetime.fromisoformat(st["kinds"]["move"]["due"]).timestamp()
    assert due - pressed == pytest.approx(60, abs=2.5)
    assert ("snoozed", "move") in history_types(app)


@pytest.mark.parametrize("label,recorded", [("Done", "done"), ("Skip", "skipped")])
def test_done_and_skip_from_the_notification_are_recorded(desktop_app, label, recorded):
    app, rig = desktop_app
    app.cli("break", "move")
    wait_reminder(rig)
    rig.press_action(label, summary="Time to move")
    rig.wait_for(lambda: (recorded, "move") in history_types(app), 5,
                 what=f"a {recorded} event in history")
    st = app.status()
    assert st["pending"] is None
    assert st["today"][recorded] == 1
    due = datetime.fromisoformat(st["kinds"]["move"]["due"])
    assert 595 < (due - datetime.now(timezone.utc)).total_seconds() <= 600  # restarted now


def test_dunst_killed_mid_run_loses_nothing(desktop_app):
    app, rig = desktop_app
    app.cli("break", "posture")
    rig.kill_dunst()
    n = len(app.lines)
    app.cli("break", "move")
    app.wait_for("notification server unavailable", 5, after=n)
    assert app.proc.poll() is None
    assert app.status()["pending"]["kind"] == "move"
    rig.start_dunst()
    entries = wait_reminder(rig, timeout=15)  # re-delivered by the retry, within seconds
    assert any(e["label"] == "Done" for e in entries)
    rig.press_action("Done", summary="Time to move")
    rig.wait_for(lambda: ("done", "move") in history_types(app), 5, what="done recorded")
    db = sqlite3.connect(app.tmp / "data" / "history.sqlite3")
    kinds = [r[0] for r in db.execute("select type from events where kind='move'")]
    db.close()
    assert kinds == ["shown", "done"]  # shown once (delivered late), then answered


def test_doctor_reports_what_works_on_the_desktop(desktop, tmp_path):
    import os
    import subprocess
    import sys
    env = dict(os.environ, **desktop.env_overrides, MOVEBREAK_CONFIG_DIR=str(tmp_path / "c"),
               MOVEBREAK_RUNTIME_DIR=str(tmp_path / "r"), MOVEBREAK_DATA_DIR=str(tmp_path / "d"))
    env.pop("MOVEBREAK_NOTIFIER", None)
    env.pop("MOVEBREAK_IDLE", None)
    res = subprocess.run([sys.executable, "-m", "movebreak", "doctor", "--json"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["tray"]["backend"] == "gtk" and report["tray"]["protocol"] == "XEmbed system tray"
    assert "owned by window" in report["tray"]["xembed_tray"]
    assert "no StatusNotifier watcher" in report["tray"]["statusnotifier_watcher"]
    assert report["notifications"]["server"] == "dunst"
    assert report["notifications"]["actions"] is True
    assert report["notifications"]["chosen"] == "dbus"
    assert report["idle"]["source"] == "x11" and report["idle"]["idle_seconds"] >= 0
    holds = report["holds"]  # dunst's pause is do not disturb; X11 tells full screen
    assert holds["do_not_disturb"] == "dunst (now off)"
    assert holds["full_screen"].startswith("x11 (_NET_WM_STATE_FULLSCREEN")
    assert report["instance"]["running"] is False
    assert not (tmp_path / "c" / "config.toml").exists()  # doctor only reads


def test_start_button_opens_the_guided_routine_for_that_stretch(desktop_app, tmp_path):
    import subprocess
    app, rig = desktop_app
    debug = tmp_path / "routine.json"
    app.cli("quit")
    app.proc.wait(10)
    app = RunningApp(tmp_path, CONFIG, extra_env=dict(
        rig.env_overrides, MOVEBREAK_NOTIFIER="dbus", MOVEBREAK_UI_DEBUG_FILE=str(debug)))
    try:
        app.cli("break", "stretch")
        pending = app.status()["pending"]
        assert pending["kind"] == "stretch"
        rig.press_action("Start", summary="Stretch break")

        def window():
            res = subprocess.run(["xdotool", "search", "--name", "movebreak stretch routine"],
                                 env=rig.env, capture_output=True, text=True)
            return res.stdout.split() or None
        ids = rig.wait_for(window, 15, what="the routine window")
        state = rig.wait_for(lambda: debug.exists() and json.loads(debug.read_text()), 10,
                             what="the routine window's state")
        assert state["exercise"] == "glutes"  # the first stretch of the rotation was shown
        rig.run(["xdotool", "windowfocus", "--sync", ids[0]])
        rig.run(["xdotool", "key", "--clearmodifiers", "Escape"])
        rig.wait_for(lambda: any(t == "routine" for t, _ in history_types(app)), 10,
                     what="a partial routine recorded when the window is closed")
    finally:
        app.stop()


def test_without_a_tray_reminders_are_also_echoed_on_the_terminal(xdisplay, tmp_path):
    rig = xdisplay
    rig.stop_tray()  # no tray host (another test may have started one for the session)
    app = RunningApp(tmp_path, CONFIG, extra_env=dict(rig.env_overrides,
                                                      MOVEBREAK_NOTIFIER="dbus"))
    try:
        st = app.status()
        assert st["tray"] is False and "_NET_SYSTEM_TRAY_S0" in st["tray_problem"]
        app.cli("break", "move")
        _, line = app.wait_for("Time to move:", 5)
        assert "movebreak done" in line
        wait_reminder(rig)  # and it is a real notification too
    finally:
        app.stop()
        rig.close_all()


def test_a_notification_server_started_after_the_app_is_used(xdisplay, tmp_path):
    rig = xdisplay
    rig.close_all()
    rig.kill_dunst()
    app = RunningApp(tmp_path, CONFIG, extra_env=dict(rig.env_overrides, MOVEBREAK_NOTIFIER=""))
    try:
        assert "notifications via dbus" in app.wait_for("movebreak running", 5)[1]
        app.cli("break", "move")
        st = rig.wait_for(lambda: (s := app.status())["warnings"] and s, 5, "the warning")
        assert "No notification server" in st["warnings"][0]
        rig.start_dunst()  # the server comes up later (as at login)
        t0 = time.monotonic()
        entries = wait_reminder(rig, timeout=10)  # delivered when the server takes the name
        assert time.monotonic() - t0 < 2.5, "not delivered as the server appeared"
        assert {"Done", "Skip"} <= {e["label"] for e in entries}
        rig.wait_for(lambda: not app.status()["warnings"], 5, "the warning to go")
    finally:
        app.stop()
        if not rig.dunst_running():
            rig.start_dunst()
        rig.close_all()
