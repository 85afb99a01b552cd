"""sway (wlroots, Wayland), a desktop with no XEmbed tray: a real headless sway 1.7 (pixman
renderer, no input devices) on its own session bus, with its swaybar (a StatusNotifier watcher
and tray host), a real foot terminal and a real mako.

- The tray: the real `movebreak run` shows its StatusNotifierItem on swaybar's tray, waits
  with no icon while there is no bar, and comes back with the bar (without GTK's criticals of
  a GtkStatusIcon that can never be embedded under Wayland).
- Full screen: the hold source asks sway's IPC tree; foot is put in full screen by swaymsg.
- Notifications on a Wayland server: a reminder on mako with its buttons; Snooze invoked as
  mako's bindings do it (`makoctl invoke`).
- Do not disturb: mako's `do-not-disturb` mode, set with the real makoctl, read over D-Bus.

The desktop is `tests/sway_rig.py` (as root, the bus, sway and mako run as `nobody`)."""

from __future__ import annotations

import json
import subprocess

import pytest
from desktop_app import DesktopApp
from PIL import Image
from sway_rig import SwayRig, mako_notifications, wait_for
from test_tray_desktop import teal_pixels

from movebreak.adapters.holds.bus import HoldBus
from movebreak.adapters.holds.dnd import DoNotDisturb
from movebreak.adapters.holds.fullscreen import SwayFullscreen, choose_fullscreen
from movebreak.adapters.tray import SNI_WATCHER

pytestmark = pytest.mark.desktop
CONFIG = '[reminders.move]\ninterval = "10m"\n'


@pytest.fixture(scope="module")
def rig():
    sway = SwayRig().start()
    try:
        yield sway
    finally:
        sway.stop()


@pytest.fixture
def mako(rig):
    """mako on sway's session bus for this test."""
    rig.start_mako()
    try:
        yield
    finally:
        rig.stop_mako()


def test_sway_full_screen_window_is_seen(rig, monkeypatch):
    for var in ("SWAYSOCK", "WAYLAND_DISPLAY", "XDG_RUNTIME_DIR"):
        monkeypatch.setenv(var, rig.env[var])
    monkeypatch.delenv("DISPLAY", raising=False)
    source = choose_fullscreen()
    assert isinstance(source, SwayFullscreen)
    assert source.poll() == {"fullscreen": False}  # an empty workspace has focus
    rig.swaymsg("exec", "foot")
    try:
        wait_for(lambda: '"app_id": "foot"' in rig.swaymsg("-t", "get_tree"), 10,
                 "the foot window")
    except TimeoutError as exc:  # what sway and foot said is the only clue in a CI log
        raise AssertionError(f"{exc}; the rig's log ends:\n{rig.log()[-3000:]}") from None
    assert source.poll() == {"fullscreen": False}
    rig.swaymsg("fullscreen", "enable")
    assert source.poll() == {"fullscreen": True}
    rig.swaymsg("fullscreen", "disable")
    assert source.poll() == {"fullscreen": False}
    source.close()


def test_sway_gone_is_unknown_not_full_screen(tmp_path):
    """A socket that does not answer: the source reports nothing (the hold keeps its state)
    and choosing it names the socket."""
    with pytest.raises(Exception, match="does not answer"):
        SwayFullscreen(str(tmp_path / "missing.sock"))


def test_mako_do_not_disturb_mode_is_read_at_each_poll(rig, mako):
    """mako has no change signal: the owner polls it at its tick. Its `do-not-disturb` mode,
    set and cleared with the real makoctl as a user would, is read over D-Bus (ListModes)."""
    from datetime import datetime, timezone

    got: list[bool] = []
    bus = HoldBus({"session": rig.env["DBUS_SESSION_BUS_ADDRESS"]})
    bus.start()
    try:
        dnd = DoNotDisturb(bus, lambda reason, on, at: got.append(on),
                           lambda: datetime.now(timezone.utc))
        assert dnd.describe() == "mako (makoctl mode) (now off)"
        assert dnd.poll() == {"dnd": False}
        subprocess.run(["makoctl", "mode", "-a", "do-not-disturb"], env=rig.env, check=True,
                       capture_output=True, timeout=10)
        assert dnd.poll() == {"dnd": True}
        assert dnd.describe() == "mako (makoctl mode) (now on)"
        subprocess.run(["makoctl", "mode", "-r", "do-not-disturb"], env=rig.env, check=True,
                       capture_output=True, timeout=10)
        assert dnd.poll() == {"dnd": False}
        assert got == []  # polled, not signalled: the answer is poll()'s
        dnd.close()
    finally:
        bus.stop()


def tray_teal(rig, tmp_path) -> int:
    """Pixels of the icon's teal tile in the right end of swaybar (where its tray is), from a
    real screenshot (grim, through sway's screencopy)."""
    shot = tmp_path / "bar.png"
    width = rig.size[0]
    subprocess.run(["grim", "-g", f"{width - 40},0 40x24", str(shot)], env=rig.env,
                   check=True, capture_output=True, timeout=10)
    with Image.open(shot) as img:
        return teal_pixels(img)


def test_icon_on_swaybar_waits_without_a_bar_and_comes_back_with_it(rig, tmp_path):
    wait_for(lambda: rig.bus_has(SNI_WATCHER), 10, "swaybar's StatusNotifier watcher")
    app = DesktopApp(rig.env, tmp_path, CONFIG, MOVEBREAK_IDLE="none")
    try:
        app.wait_status(lambda s: s["pid"], "the app to answer", 15)
        st = app.wait_status(lambda s: s["tray"], "the icon on swaybar's tray", 10)
        assert st["notifier"] == "dbus"
        # drawn, not a missing-image icon: swaybar finds icons by name, not by file path
        wait_for(lambda: tray_teal(rig, tmp_path) > 60, 5, "the teal icon on swaybar")
        app.cli("pause")  # the grey paused icon replaces it
        wait_for(lambda: tray_teal(rig, tmp_path) < 10, 5, "the grey icon on swaybar")
        app.cli("resume")
        wait_for(lambda: tray_teal(rig, tmp_path) > 60, 5, "the teal icon again")
        # the bar goes (it crashed, or the user's config has none for a while) ...
        subprocess.run(["pkill", "-x", "swaybar"], check=True, timeout=5)
        st = app.wait_status(lambda s: not s["tray"], "status: no tray", 5)
        assert "waiting for a StatusNotifier host" in st["tray_problem"]
        assert app.proc.poll() is None
        doctor = app.cli("doctor")  # what to do about it, for a sway user
        assert "protocol: none right now" in doctor and "tray_output none" in doctor
        # ... and comes back with `swaymsg reload`: so does the icon
        rig.swaymsg("reload")
        app.wait_status(lambda s: s["tray"], "the icon back on swaybar", 10)
        log = app.log.read_text()
        assert "tray: using the gtk backend" not in log
        assert "CRITICAL" not in log, log  # no GtkStatusIcon under Wayland
        assert "already exported" not in log, log  # the first indicator let go of its path
    finally:
        app.stop()


def test_mako_shows_the_reminder_and_its_snooze_button_works(rig, mako, tmp_path):
    """A Wayland notification server: the reminder on mako with its buttons, and Snooze
    invoked the way mako's own bindings do (`makoctl invoke`), straight from the notification."""
    app = DesktopApp(rig.env, tmp_path, CONFIG, MOVEBREAK_IDLE="none")
    try:
        app.wait_status(lambda s: s["notifier"] == "dbus", "the app to use D-Bus notifications",
                        15)
        app.cli("break", "stretch")
        [note] = wait_for(lambda: mako_notifications(rig.env), 5, "the reminder on mako")
        assert note["summary"] == "Stretch break" and note["app-name"] == "movebreak"
        assert {"done", "snooze", "skip", "start"} <= set(note["actions"])
        assert note["actions"]["snooze"] == "Snooze 10 min"
        subprocess.run(["makoctl", "invoke", "-n", str(note["id"]), "snooze"], env=rig.env,
                       check=True, capture_output=True, timeout=10)
        st = app.wait_status(lambda s: s["kinds"]["stretch"]["snoozed"], "snoozed on mako")
        assert st["pending"] is None
        events = json.loads(app.cli("history", "--json"))["events"]
        assert ("snoozed", "stretch") in [(e["type"], e["kind"]) for e in events]
    finally:
        app.stop()
