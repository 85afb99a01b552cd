"""Hold sources on real programs: dunst's pause as do not disturb (the app in-process on a
simulated clock with the real notifier and the real hold sources), a real window manager
(openbox) making a window full screen, logind and screen-saver signals from stand-in services
that own the real names on the rig's buses (tests/dbus_stand_ins.py), and the real
`movebreak run` restarted. Each waits on events, never on an interval."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone

import pytest
from dbus_stand_ins import PlasmaStandIn, StandIns
from desktop_rig import DesktopRig, _need
from harness import AppHarness
from test_cli_process import RunningApp

from movebreak.adapters.holds.bus import HoldBus
from movebreak.adapters.holds.dnd import DoNotDisturb
from movebreak.adapters.holds.fullscreen import X11Fullscreen
from movebreak.adapters.holds.session import SessionWatch

pytestmark = pytest.mark.desktop
wait_for = DesktopRig.wait_for
CONFIG = '[reminders.move]\ninterval = "10m"\n'


def now() -> datetime:
    return datetime.now(timezone.utc)


def test_dunst_paused_holds_reminders_and_unpausing_shows_exactly_one(xdisplay, tmp_path,
                                                                       monkeypatch):
    from movebreak.adapters.notify.dbus_notifier import DbusNotifier
    rig = xdisplay
    rig.close_all()
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", rig.start_system_bus())  # no logind there
    notifier = DbusNotifier(on_action=lambda rid, action: None, expire_s=0)
    try:
        with AppHarness(tmp_path, monkeypatch, CONFIG, notifier=notifier, holds="real") as h:
            assert h.app.status().hold_sources["dnd"] == "dunst (now off)"
            rig.dunstctl("set-paused", "true")
            wait_for(lambda: h.app.status().held == "dnd", 5, "the app to hold for dunst")
            h.advance(hours=1)  # move, posture and stretch fall due, some of them twice
            assert h.events("shown") == []
            assert rig.dunstctl("count", "waiting").strip() == "0"  # nothing queued in dunst
            rig.dunstctl("set-paused", "false")
            wait_for(lambda: rig.displayed_count() == 1, 5, "one notification after the pause")
            assert [e["kind"] for e in h.events("shown")] == ["move"]
            assert h.app.status().holds == ()
            time.sleep(0.3)  # nothing else follows
            assert rig.displayed_count() == 1 and len(h.events("shown")) == 1
    finally:
        rig.dunstctl("set-paused", "false")
        rig.close_all()


def test_a_full_screen_window_is_seen_with_a_real_window_manager(tmp_path):
    """Openbox (an EWMH window manager) on its own Xvfb: it sets _NET_ACTIVE_WINDOW and the
    window's _NET_WM_STATE when wmctrl asks for full screen, as any X11 desktop does."""
    _need("xdotool")
    for binary, package in (("openbox", "openbox"), ("wmctrl", "wmctrl")):
        if not __import__("shutil").which(binary):
            raise RuntimeError(f"`{binary}` not found (install the Debian package `{package}`)")
    rig = DesktopRig().start(tray=False, dunst=False)
    try:
        source = X11Fullscreen(rig.display)
        assert source.poll() == {"fullscreen": False}  # no window manager yet
        rig.spawn("openbox", ["openbox", "--sm-disable"])
        rig.wait_for(lambda: "window id" in rig.run(
            ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], check=False).stdout, 5, "openbox")
        title = "movebreak full-screen test"
        rig.spawn("tk", [sys.executable, "-c", "import tkinter; t = tkinter.Tk(); "
                         f"t.title({title!r}); t.geometry('200x100'); t.mainloop()"])
        rig.wait_for(lambda: rig.run(["xdotool", "search", "--name", title],
                                     check=False).stdout.strip(), 10, "the window")
        assert source.poll() == {"fullscreen": False}  # focused, not full screen
        rig.run(["wmctrl", "-r", title, "-b", "add,fullscreen"])
        rig.wait_for(lambda: source.poll() == {"fullscreen": True}, 3, "full screen seen")
        rig.run(["wmctrl", "-r", title, "-b", "remove,fullscreen"])
        rig.wait_for(lambda: source.poll() == {"fullscreen": False}, 3, "full screen gone")
        source.close()
    finally:
        rig.stop()


def test_logind_and_screen_saver_signals_reach_the_session_watch(xdisplay):
    rig = xdisplay
    got: list[tuple[str, bool]] = []
    bus = HoldBus({"session": rig.bus_address, "system": rig.start_system_bus()})
    bus.start()
    try:
        with StandIns(rig.bus_address, rig.system_bus_address) as services:
            services.session.locked_hint = True  # already locked when movebreak starts
            watch = SessionWatch(bus, lambda r, on, at: got.append((r, on)), now,
                                 session_id="c1")
            assert services.manager.asked == ["GetSession c1"]
            assert watch.describe()["suspend"] == "logind PrepareForSleep"
            assert got == [("locked", True)]
            services.emit_lock(False)
            services.emit_sleep(True)
            services.emit_sleep(False)
            services.emit_screensaver(True)
            services.emit_screensaver(False)
            wait_for(lambda: len(got) >= 6, 3, "the signals")
            assert got == [("locked", True), ("locked", False), ("sleep", True),
                           ("sleep", False), ("locked", True), ("locked", False)]
            watch.close()
    finally:
        bus.stop()


def test_kde_inhibited_property_is_do_not_disturb_as_it_changes(xdisplay):
    """KDE Plasma's switch is the `Inhibited` property of its notification server, announced
    with PropertiesChanged: a stand-in Plasma server (the real name, path, interface and
    signal) on a second private bus, where no dunst runs, is chosen by the name it gives and
    followed as the switch flips."""
    got: list[bool] = []
    address = xdisplay.start_system_bus()  # any private bus; this one has no notifications
    bus = HoldBus({"session": address})
    bus.start()
    try:
        with PlasmaStandIn(address) as plasma:
            dnd = DoNotDisturb(bus, lambda reason, on, at: got.append(on), now)
            assert dnd.describe() == "Plasma (Inhibited) (now off)"
            assert dnd.poll() == {}  # watched, never polled
            plasma.set_inhibited(True)
            wait_for(lambda: got == [True], 3, "do not disturb on")
            assert dnd.describe() == "Plasma (Inhibited) (now on)"
            plasma.set_inhibited(False)
            wait_for(lambda: got == [True, False], 3, "do not disturb off")
            dnd.close()
    finally:
        bus.stop()


def test_real_app_records_lock_and_sleep_signals_and_a_restart_continues(xdisplay, tmp_path):
    rig = xdisplay
    env = {"DBUS_SESSION_BUS_ADDRESS": rig.bus_address, "XDG_SESSION_ID": "c1",
           "DBUS_SYSTEM_BUS_ADDRESS": rig.start_system_bus()}
    with StandIns(rig.bus_address, rig.system_bus_address) as services:
        app = RunningApp(tmp_path, CONFIG, extra_env=env)
        try:
            _, line = app.wait_for("reminders wait during", 5)
            assert "logind PrepareForSleep" in line
            services.emit_lock(True)
            wait_for(lambda: app.status()["held"] == "locked", 5, "the lock")
            services.emit_sleep(True)
            services.emit_sleep(False)
            services.emit_lock(False)
            wait_for(lambda: app.status()["holds"] == [], 5, "the unlock")
            events = json.loads(app.cli("history", "--json").stdout)["events"]
            types = [(e["type"], (e.get("detail") or {}).get("reason")) for e in events]
            assert types[:3] == [("away", "locked"), ("suspend", None), ("wake", None)]
            app.cli("snooze", "7m", "--kind", "stretch")  # a plan a fresh start would not have
            plan = app.status()["kinds"]
            app.cli("quit")
            app.proc.wait(10)
        finally:
            app.stop()
    again = RunningApp(tmp_path, CONFIG, extra_env={})
    try:
        again.wait_for("timers restored", 1)
        kinds = again.status()["kinds"]
        for kind in ("move", "posture", "stretch"):
            old = datetime.fromisoformat(plan[kind]["due"])
            new = datetime.fromisoformat(kinds[kind]["due"])
            assert abs((new - old).total_seconds()) < 1, kind  # the old plan, not a fresh one
        assert kinds["stretch"]["snoozed"] is True
    finally:
        again.stop()
