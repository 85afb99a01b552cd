"""movebreak on real GNOME Shell 43 (headless Wayland, AppIndicator extension; tests/gnome_rig.py).

What a GNOME user relies on, checked against the shell itself: the icon is a StatusNotifierItem
registered with the shell's watcher, its menu (dbusmenu, which the shell renders) holds the live
entries and clicking one works; the item comes back when the extension restarts; reminders reach
the shell's notification server with Done / Snooze / Skip, and the shell's button callback
(ActionInvoked on the bus) reschedules and is recorded; idle time comes from Mutter's
IdleMonitor. A second shell without its notification service shows that the icon and menu do
not depend on it and that reminders then go to the terminal with a warning."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from desktop_app import DesktopApp
from desktop_rig import DesktopRig
from gnome_rig import GnomeRig

pytestmark = pytest.mark.desktop
ROOT = Path(__file__).resolve().parent.parent
CONFIG = '[reminders.move]\ninterval = "45m"\n[reminders.posture]\ninterval = "50m"\n'
wait_for = DesktopRig.wait_for


@pytest.fixture(scope="module")
def gnome():
    rig = GnomeRig().start()
    try:
        yield rig
    finally:
        rig.stop()


class App(DesktopApp):
    def __init__(self, rig: GnomeRig, tmp: Path) -> None:
        super().__init__(rig.env, tmp, CONFIG, MOVEBREAK_IDLE="")  # the app picks Mutter's
        self.rig = rig


def our_item(rig: GnomeRig) -> tuple[str, str]:
    """(bus name, object path) of movebreak's item as the shell's watcher lists it."""
    items = [i for i in rig.registered_items() if i.endswith("/NotificationItem/movebreak")]
    assert len(items) == 1, rig.registered_items()
    service, _, path = items[0].partition("@")
    return service, path


def menu_entries(rig: GnomeRig) -> dict[str, int]:
    """The item's dbusmenu as the shell reads it: {'Pause/30 minutes': id, ...}."""
    service, path = our_item(rig)
    menu_path = rig.get_property(service, path, "org.kde.StatusNotifierItem", "Menu")
    from gi.repository import GLib
    _rev, layout = rig.call(service, menu_path, "com.canonical.dbusmenu", "GetLayout",
                            GLib.Variant("(iias)", (0, -1, [])), "(u(ia{sv}av))")
    entries: dict[str, int] = {}

    def walk(node, prefix: str) -> None:
        ident, props, children = node
        label = props.get("label", "").replace("_", "")
        name = f"{prefix}/{label}" if prefix else label
        if label:
            entries[name] = ident
        for child in children:
            walk(child, name if label else prefix)

    walk(layout, "")
    entries["__menu__"] = (service, menu_path)  # type: ignore[assignment]
    return entries


def click(rig: GnomeRig, entries: dict, name: str) -> None:
    """What the shell sends when the user clicks a menu entry."""
    from gi.repository import GLib
    service, menu_path = entries["__menu__"]
    rig.call(service, menu_path, "com.canonical.dbusmenu", "Event",
             GLib.Variant("(isvu)", (entries[name], "clicked", GLib.Variant("s", ""), 0)))


def test_icon_menu_notifications_and_idle_on_gnome_shell(gnome, tmp_path):
    app = App(gnome, tmp_path)
    try:
        app.wait_status(lambda s: s["pid"], "the app to answer", 15)
        st = app.wait_status(lambda s: s["tray"], "the item registered with the shell", 10)
        assert st["notifier"] == "dbus" and st["tray_problem"] is None
        # the menu the shell shows: live entries, and a click works
        entries = menu_entries(gnome)
        heads = [n for n in entries if n.startswith("Next: ")]
        assert heads, list(entries)
        for name in ("Snooze 10 min", "Take a break now/Stretch break", "Pause/30 minutes",
                     "Settings...", "Safety info", "Quit"):
            assert name in entries, list(entries)
        click(gnome, entries, "Pause/30 minutes")
        app.wait_status(lambda s: s["paused"], "paused from the shell's menu")
        entries = wait_for(lambda: (e := menu_entries(gnome)) and "Resume" in e and e, 3,
                           "the menu to offer Resume")
        click(gnome, entries, "Resume")
        app.wait_status(lambda s: not s["paused"], "resumed from the shell's menu")
        # a reminder in the shell's notifications, with its buttons; Snooze pressed
        app.cli("break", "move")
        note = wait_for(lambda: [n for n in gnome.notifications() if n["title"] == "Time to move"],
                        5, "the reminder among the shell's notifications")[0]
        assert note["actions"][:3] == ["Done", "Snooze 10 min", "Skip"]
        gnome.press("Time to move", "Snooze 10 min")
        st = app.wait_status(lambda s: s["kinds"]["move"]["snoozed"], "snoozed by the button")
        assert st["pending"] is None
        events = json.loads(app.cli("history", "--json"))["events"]
        assert ("snoozed", "move") in [(e["type"], e["kind"]) for e in events]
        # idle time comes from Mutter's IdleMonitor, and real input resets it
        doctor = json.loads(app.cli("doctor", "--json"))
        assert doctor["idle"]["source"] == "gnome"
        assert doctor["tray"]["protocol"] == "StatusNotifierItem (AppIndicator)"
        assert doctor["tray"]["backend"] == "appindicator"
        assert doctor["instance"]["tray icon shown"] == "yes"
        assert doctor["notifications"]["server"] == "gnome-shell"
        assert doctor["idle"]["idle_seconds"] == pytest.approx(gnome.idle_ms() / 1000, abs=2)
        gnome.type_keys(("escape",))
        assert json.loads(app.cli("doctor", "--json"))["idle"]["idle_seconds"] < 2
        # the extension restarts (disable, enable): the item registers again, once
        subprocess.run(["gsettings", "set", "org.gnome.shell", "enabled-extensions", "[]"],
                       env=gnome.env, check=True)
        app.wait_status(lambda s: not s["tray"], "status: icon gone with the extension", 5)
        subprocess.run(["gsettings", "set", "org.gnome.shell", "enabled-extensions",
                        "['ubuntu-appindicators@ubuntu.com']"], env=gnome.env, check=True)
        app.wait_status(lambda s: s["tray"], "the item registered again", 5)
        our_item(gnome)  # exactly one
        assert "Quit" in menu_entries(gnome)
    finally:
        app.stop()


def test_without_the_shell_notification_service_icon_and_menu_still_work(tmp_path):
    rig = GnomeRig(notifications=False, unsafe=False).start()
    app = App(rig, tmp_path)
    try:
        assert "org.freedesktop.Notifications" not in rig.bus_names()
        app.wait_status(lambda s: s["pid"], "the app to answer", 15)
        app.wait_status(lambda s: s["tray"], "the item registered with the shell", 10)
        assert "Quit" in menu_entries(rig)
        app.cli("break", "move")
        st = app.wait_status(lambda s: s["warnings"], "a warning about notifications")
        assert "No notification server" in st["warnings"][0]
        assert "notification server unavailable; Time to move" in app.log.read_text()
    finally:
        app.stop()
        rig.stop()


def test_doctor_on_gnome_without_the_extension_names_it(gnome, tmp_path):
    env = dict(gnome.env, XDG_CURRENT_DESKTOP="GNOME", MOVEBREAK_CONFIG_DIR=str(tmp_path / "c"),
               MOVEBREAK_RUNTIME_DIR=str(tmp_path / "r"), MOVEBREAK_DATA_DIR=str(tmp_path / "d"))
    subprocess.run(["gsettings", "set", "org.gnome.shell", "enabled-extensions", "[]"],
                   env=gnome.env, check=True)
    try:
        wait_for(lambda: "org.kde.StatusNotifierWatcher" not in gnome.bus_names(), 5,
                 "the watcher to go with the extension")
        res = subprocess.run([sys.executable, "-m", "movebreak", "doctor"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=30, check=False)
        assert res.returncode == 0, res.stderr
        assert "desktop: GNOME" in res.stdout and "protocol: none right now" in res.stdout
        assert "gnome-shell-extension-appindicator" in res.stdout
    finally:
        subprocess.run(["gsettings", "set", "org.gnome.shell", "enabled-extensions",
                        "['ubuntu-appindicators@ubuntu.com']"], env=gnome.env, check=True)
        wait_for(lambda: "org.kde.StatusNotifierWatcher" in gnome.bus_names(), 5,
                 "the watcher back")



def test_gnome_banners_off_is_do_not_disturb(gnome, monkeypatch):
    """GNOME's do-not-disturb switch is `show-banners` = false (what the shell's own toggle
    sets): the source follows it through dconf's change signal, in this process with the
    shell's session environment (so `gsettings` reads the shell's dconf database)."""
    from datetime import datetime, timezone

    from movebreak.adapters.holds import choose_holds
    for key in ("DBUS_SESSION_BUS_ADDRESS", "DBUS_SYSTEM_BUS_ADDRESS", "XDG_CONFIG_HOME",
                "XDG_RUNTIME_DIR", "GSETTINGS_BACKEND", "WAYLAND_DISPLAY"):
        monkeypatch.setenv(key, gnome.env[key])
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "GNOME")
    monkeypatch.delenv("DISPLAY", raising=False)
    dnd = ["gsettings", "set", "org.gnome.desktop.notifications", "show-banners"]
    got: list[tuple[str, bool]] = []
    holds = choose_holds(lambda reason, on, at: got.append((reason, on)),
                         lambda: datetime.now(timezone.utc))
    try:
        names = holds.names()
        assert names["dnd"] == "gnome-shell (show-banners) (now off)"
        assert "Wayland (GNOME) does not tell" in names["fullscreen"]
        assert "org.gnome.ScreenSaver" in names["locked"]  # the shell owns it
        subprocess.run([*dnd, "false"], env=gnome.env, check=True, timeout=10)
        wait_for(lambda: got == [("dnd", True)], 5, "do not disturb on")
        subprocess.run([*dnd, "true"], env=gnome.env, check=True, timeout=10)
        wait_for(lambda: got == [("dnd", True), ("dnd", False)], 5, "do not disturb off")
    finally:
        subprocess.run([*dnd, "true"], env=gnome.env, check=False, timeout=10)
        holds.close()


def test_return_watch_fires_at_the_next_key_on_gnome(gnome, monkeypatch):
    """Mutter's AddUserActiveWatch through the hold sources' bus loop: no callback while
    nobody types, one within a moment of a real key press."""
    import threading

    from movebreak.adapters.holds.bus import HoldBus
    from movebreak.adapters.idle.watch import make_return_watch
    for key in ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "WAYLAND_DISPLAY"):
        monkeypatch.setenv(key, gnome.env[key])
    bus = HoldBus()
    bus.start()
    watch = make_return_watch("gnome", bus)
    fired = threading.Event()
    try:
        assert watch is not None and watch.name == "gnome"
        watch.arm(fired.set)
        assert not fired.wait(0.8), "fired without input"
        pressed = time.monotonic()
        gnome.type_keys(("escape",))
        assert fired.wait(3), "no callback after a key press"
        assert time.monotonic() - pressed < 2.5
    finally:
        if watch is not None:
            watch.close()
        bus.stop()
