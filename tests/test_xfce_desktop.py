"""movebreak on a real Xfce desktop (xfce4-panel's system tray and xfce4-notifyd under Xvfb):
the icon appears in the panel even when the panel starts after the app (as at login) and
again after the panel crashes and restarts, its menu works in the panel, and the
notification shows Done / Snooze / Skip as buttons on itself that work when clicked."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from desktop_app import DesktopApp
from xfce_rig import XfceRig

pytestmark = pytest.mark.desktop
ROOT = Path(__file__).resolve().parent.parent
CONFIG = '[reminders.move]\ninterval = "45m"\n[reminders.posture]\ninterval = "50m"\n'


@pytest.fixture(scope="module")
def xfce():
    rig = XfceRig().start()
    try:
        yield rig
    finally:
        rig.stop()


class App(DesktopApp):
    def __init__(self, rig: XfceRig, tmp: Path) -> None:
        super().__init__(rig.env, tmp, CONFIG, MOVEBREAK_IDLE="none")
        self.rig = rig

    def xdo(self, *args: str) -> None:
        self.rig.run(["xdotool", *args])


def test_icon_in_the_panel_when_it_starts_later_and_after_it_restarts(xfce, tmp_path):
    app = App(xfce, tmp_path)
    try:
        st = app.wait_status(lambda s: s["pid"], "the app to answer", 15)
        assert st["tray"] is False and st["tray_problem"]
        time.sleep(0.5)  # login: the panel comes up after the app
        xfce.start_panel()
        app.wait_status(lambda s: s["tray"], "the icon in the panel", timeout=2)
        me = [i for i in xfce.registered_items() if "NotificationItem/movebreak" in i]
        assert len(me) == 1, xfce.registered_items()
        # the real panel's menu: left-click the icon, Pause > 30 minutes
        app.xdo("mousemove", "12", "16", "click", "1")
        time.sleep(0.6)
        app.xdo("key", "--delay", "80", "Down", "Down", "Down", "Right", "Return")
        app.wait_status(lambda s: s["paused"], "paused from the panel menu")
        # the panel crashes: the app keeps running, knows the icon is gone ...
        xfce.kill_panel()
        st = app.wait_status(lambda s: not s["tray"], "status: icon gone", timeout=2)
        assert app.proc.poll() is None and st["paused"]
        # ... and shows it again, once, when the panel is back; the menu still works
        xfce.start_panel()
        app.wait_status(lambda s: s["tray"], "the icon back in the panel", timeout=2)
        assert len([i for i in xfce.registered_items() if "movebreak" in i]) == 1
        app.xdo("mousemove", "12", "16", "click", "1")
        time.sleep(0.6)
        app.xdo("key", "--delay", "80", "Down", "Down", "Return")  # paused: Take a break, Resume
        app.wait_status(lambda s: not s["paused"], "resumed from the panel menu")
    finally:
        app.stop()
        xfce.kill_panel()


def test_notification_buttons_on_the_notification_itself_work(xfce, tmp_path):
    app = App(xfce, tmp_path)
    try:
        app.wait_status(lambda s: s["notifier"] == "dbus", "the app to use D-Bus notifications",
                        15)
        app.cli("break", "stretch")
        buttons = xfce.wait_for(lambda: xfce.notification_buttons(4), 5,
                                "a notification with four buttons")
        x, y = buttons[1]  # Done, Snooze 10 min, Skip, Start
        app.xdo("mousemove", str(x), str(y), "click", "1")
        st = app.wait_status(lambda s: s["kinds"]["stretch"]["snoozed"], "snoozed by the button")
        assert st["pending"] is None
        events = json.loads(app.cli("history", "--json"))["events"]
        assert ("snoozed", "stretch") in [(e["type"], e["kind"]) for e in events]
        app.cli("break", "move")
        buttons = xfce.wait_for(lambda: xfce.notification_buttons(3), 5,
                                "a move notification with three buttons")
        x, y = buttons[0]  # Done
        app.xdo("mousemove", str(x), str(y), "click", "1")
        st = app.wait_status(lambda s: s["today"]["done"] == 1, "done by the button")
        assert st["pending"] is None
    finally:
        app.stop()


def test_xfce_do_not_disturb_is_followed_as_it_changes(xfce):
    """xfce4-notifyd's own switch (xfconf `xfce4-notifyd /do-not-disturb`, as its settings
    dialog sets it), watched through xfconfd's PropertyChanged signal."""
    from datetime import datetime, timezone

    from movebreak.adapters.holds.bus import HoldBus
    from movebreak.adapters.holds.dnd import DoNotDisturb
    got: list[bool] = []
    bus = HoldBus({"session": xfce.bus_address})
    bus.start()
    try:
        dnd = DoNotDisturb(bus, lambda reason, on, at: got.append(on),
                           lambda: datetime.now(timezone.utc))
        assert dnd.describe() == "xfce4-notifyd (xfconf) (now off)"
        xfconf = ["xfconf-query", "-c", "xfce4-notifyd", "-p", "/do-not-disturb"]
        xfce.run([*xfconf, "-n", "-t", "bool", "-s", "true"])
        xfce.wait_for(lambda: got == [True], 5, "do not disturb on")
        xfce.run([*xfconf, "-s", "false"])
        xfce.wait_for(lambda: got == [True, False], 5, "do not disturb off")
        assert dnd.describe() == "xfce4-notifyd (xfconf) (now off)"
        dnd.close()
    finally:
        bus.stop()
