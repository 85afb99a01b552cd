"""sway (wlroots, Wayland), a desktop with no XEmbed tray: a real headless sway 1.7 (pixman
renderer, no input devices) on its own session bus, with its swaybar (a StatusNotifier watcher
and tray host), a real foot terminal and a real mako.

- The tray: the real `movebreak run` shows its StatusNotifierItem on swaybar's tray, waits
  with no icon while there is no bar, and comes back with the bar (without GTK's criticals of
  a GtkStatusIcon that can never be embedded under Wayland).
- Full screen: the hold source asks sway's IPC tree; foot is put in full screen by swaymsg.
- Do not disturb: mako's `do-not-disturb` mode, set with the real makoctl, read over D-Bus.

sway refuses to run as root, so as root the test runs the bus, sway and mako as `nobody`
(the bus admits root too)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from desktop_app import DesktopApp

from movebreak.adapters.holds.bus import HoldBus
from movebreak.adapters.holds.dnd import NOTIFICATIONS, DoNotDisturb
from movebreak.adapters.holds.fullscreen import SwayFullscreen, choose_fullscreen
from movebreak.adapters.tray import SNI_WATCHER

pytestmark = pytest.mark.desktop
NOBODY = 65534


def wait_for(fn, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


SWAY_CONFIG = """output HEADLESS-1 resolution 1024x768
bar {
    position top
    tray_output *
}
"""

BUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>{address}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@pytest.fixture(scope="module")
def sway():
    """A session bus, then sway on it with a swaybar (a StatusNotifier watcher and tray
    host, as in sway's default config), all as the sway user; the environment to use them."""
    for tool in ("sway", "swaymsg", "swaybar", "foot", "dbus-daemon"):
        assert shutil.which(tool), f"{tool} is missing: make test installs sway and foot"
    runtime = Path(tempfile.mkdtemp(prefix="movebreak-sway-"))
    address = f"unix:path={runtime}/bus"
    (runtime / "config").write_text(SWAY_CONFIG)
    # A session bus that lets any local user in: the test (root) and the sway user's programs
    # share it; the stock session.conf admits only the bus's own user.
    (runtime / "bus.conf").write_text(BUS_CONF.format(address=address))
    as_root = os.geteuid() == 0
    if as_root:
        for path in (runtime, runtime / "config", runtime / "bus.conf"):
            os.chown(path, NOBODY, NOBODY)
    runtime.chmod(0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "HOME": str(runtime),
           "WLR_BACKENDS": "headless", "WLR_LIBINPUT_NO_DEVICES": "1",
           "WLR_RENDERER": "pixman", "DBUS_SESSION_BUS_ADDRESS": address}
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "SWAYSOCK"):
        env.pop(var, None)
    prefix = as_nobody() if as_root else []
    log = open(runtime / "sway.log", "wb")
    # cwd: the children start in this directory, which `nobody` must be able to enter (CI's
    # clone lives under a root-only directory, where foot exits at once).
    procs = [subprocess.Popen([*prefix, "dbus-daemon", f"--config-file={runtime}/bus.conf",
                               "--nofork", "--nopidfile"], env=env, cwd=runtime, stdout=log,
                              stderr=subprocess.STDOUT)]
    try:
        wait_for(lambda: (runtime / "bus").exists(), 10, "the session bus")
        procs.append(subprocess.Popen([*prefix, "sway", "-c", str(runtime / "config")],
                                      env=env, cwd=runtime, stdout=log,
                                      stderr=subprocess.STDOUT))
        sock = wait_for(lambda: next(runtime.glob("sway-ipc.*.sock"), None), 10,
                        "sway's IPC socket")
        env["SWAYSOCK"] = str(sock)
        env["WAYLAND_DISPLAY"] = "wayland-1"
        env["MOVEBREAK_TEST_SWAY_LOG"] = str(runtime / "sway.log")
        env["MOVEBREAK_TEST_RUNTIME"] = str(runtime)
        yield env
    finally:
        if "SWAYSOCK" in env:  # sway's own way out (it closes its clients, foot too)
            subprocess.run(["swaymsg", "exit"], env=env, capture_output=True, timeout=5,
                           check=False)
        else:
            procs[-1].terminate()
        for proc in reversed(procs):  # sway (ending), then the bus
            if proc is procs[0]:
                proc.terminate()
            try:
                proc.wait(2)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        log.close()
        shutil.rmtree(runtime, ignore_errors=True)


def as_nobody() -> list[str]:
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def swaymsg(env, *args):
    return subprocess.run(["swaymsg", *args], env=env, check=True, capture_output=True,
                          text=True, timeout=10).stdout


def test_sway_full_screen_window_is_seen(sway, monkeypatch):
    for var in ("SWAYSOCK", "WAYLAND_DISPLAY", "XDG_RUNTIME_DIR"):
        monkeypatch.setenv(var, sway[var])
    monkeypatch.delenv("DISPLAY", raising=False)
    source = choose_fullscreen()
    assert isinstance(source, SwayFullscreen)
    assert source.poll() == {"fullscreen": False}  # an empty workspace has focus
    swaymsg(sway, "exec", "foot")
    try:
        wait_for(lambda: '"app_id": "foot"' in swaymsg(sway, "-t", "get_tree"), 10,
                 "the foot window")
    except AssertionError as exc:  # what sway and foot said is the only clue in a CI log
        log = Path(sway["MOVEBREAK_TEST_SWAY_LOG"]).read_text(errors="replace")
        raise AssertionError(f"{exc}; sway's log ends:\n{log[-3000:]}") from None
    assert source.poll() == {"fullscreen": False}
    swaymsg(sway, "fullscreen", "enable")
    assert source.poll() == {"fullscreen": True}
    swaymsg(sway, "fullscreen", "disable")
    assert source.poll() == {"fullscreen": False}
    source.close()


def test_sway_gone_is_unknown_not_full_screen(tmp_path):
    """A socket that does not answer: the source reports nothing (the hold keeps its state)
    and choosing it names the socket."""
    with pytest.raises(Exception, match="does not answer"):
        SwayFullscreen(str(tmp_path / "missing.sock"))


def bus_has(env: dict[str, str], name: str) -> bool:
    res = subprocess.run(["busctl", "--user", "status", name], env=env, capture_output=True,
                         timeout=5, check=False)
    return res.returncode == 0


@pytest.fixture
def mako(sway):
    """mako on sway's session bus, started by the sway user (stopped after the test)."""
    for tool in ("mako", "makoctl", "jq", "busctl"):
        assert shutil.which(tool), f"{tool} is missing: make test installs mako-notifier and jq"
    runtime = Path(sway["MOVEBREAK_TEST_RUNTIME"])
    prefix = as_nobody() if os.geteuid() == 0 else []
    with open(runtime / "mako.log", "wb") as log:
        proc = subprocess.Popen([*prefix, "mako"], env=sway, cwd=runtime, stdout=log,
                                stderr=subprocess.STDOUT)
    try:
        try:
            wait_for(lambda: bus_has(sway, NOTIFICATIONS), 10, "mako on the bus")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; mako said: "
                                 f"{(runtime / 'mako.log').read_text(errors='replace')}") from None
        yield sway
    finally:
        proc.terminate()
        try:
            proc.wait(2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(2)


def test_mako_do_not_disturb_mode_is_read_at_each_poll(mako):
    """mako has no change signal: the owner polls it at its tick. Its `do-not-disturb` mode,
    set and cleared with the real makoctl as a user would, is read over D-Bus (ListModes)."""
    from datetime import datetime, timezone

    got: list[bool] = []
    bus = HoldBus({"session": mako["DBUS_SESSION_BUS_ADDRESS"]})
    bus.start()
    try:
        dnd = DoNotDisturb(bus, lambda reason, on, at: got.append(on),
                           lambda: datetime.now(timezone.utc))
        assert dnd.describe() == "mako (makoctl mode) (now off)"
        assert dnd.poll() == {"dnd": False}
        subprocess.run(["makoctl", "mode", "-a", "do-not-disturb"], env=mako, check=True,
                       capture_output=True, timeout=10)
        assert dnd.poll() == {"dnd": True}
        assert dnd.describe() == "mako (makoctl mode) (now on)"
        subprocess.run(["makoctl", "mode", "-r", "do-not-disturb"], env=mako, check=True,
                       capture_output=True, timeout=10)
        assert dnd.poll() == {"dnd": False}
        assert got == []  # polled, not signalled: the answer is poll()'s
        dnd.close()
    finally:
        bus.stop()



def test_icon_on_swaybar_waits_without_a_bar_and_comes_back_with_it(sway, tmp_path):
    env = {k: v for k, v in sway.items() if not k.startswith("MOVEBREAK_TEST")}
    wait_for(lambda: bus_has(sway, SNI_WATCHER), 10, "swaybar's StatusNotifier watcher")
    app = DesktopApp(env, tmp_path, '[reminders.move]\ninterval = "10m"\n',
                     MOVEBREAK_IDLE="none")
    try:
        st = app.wait_status(lambda s: s["pid"], "the app to answer", 15)
        st = app.wait_status(lambda s: s["tray"], "the icon on swaybar's tray", 10)
        assert st["notifier"] == "dbus"
        # the bar goes (it crashed, or the user's config has none for a while) ...
        subprocess.run(["pkill", "-x", "swaybar"], check=True, timeout=5)
        st = app.wait_status(lambda s: not s["tray"], "status: no tray", 5)
        assert "waiting for a StatusNotifier host" in st["tray_problem"]
        assert app.proc.poll() is None
        doctor = app.cli("doctor")  # what to do about it, for a sway user
        assert "protocol: none right now" in doctor and "tray_output none" in doctor
        # ... and comes back with `swaymsg reload`: so does the icon
        swaymsg(sway, "reload")
        app.wait_status(lambda s: s["tray"], "the icon back on swaybar", 10)
        log = app.log.read_text()
        assert "tray: using the gtk backend" not in log
        assert "CRITICAL" not in log, log  # no GtkStatusIcon under Wayland
        assert "already exported" not in log, log  # the first indicator let go of its path
    finally:
        app.stop()


def mako_notifications(env: dict[str, str]) -> list[dict]:
    """What mako shows now, as `makoctl list` prints it (D-Bus JSON, unwrapped)."""
    import json
    res = subprocess.run(["makoctl", "list"], env=env, capture_output=True, text=True,
                         timeout=10, check=True)
    return [{key: value["data"] for key, value in note.items()}
            for note in json.loads(res.stdout)["data"][0]]


def test_mako_shows_the_reminder_and_its_snooze_button_works(mako, tmp_path):
    """A Wayland notification server: the reminder on mako with its buttons, and Snooze
    invoked the way mako's own bindings do (`makoctl invoke`), straight from the notification."""
    import json
    env = {k: v for k, v in mako.items() if not k.startswith("MOVEBREAK_TEST")}
    app = DesktopApp(env, tmp_path, '[reminders.move]\ninterval = "10m"\n',
                     MOVEBREAK_IDLE="none")
    try:
        app.wait_status(lambda s: s["notifier"] == "dbus", "the app to use D-Bus notifications",
                        15)
        app.cli("break", "stretch")
        [note] = wait_for(lambda: mako_notifications(mako), 5, "the reminder on mako")
        assert note["summary"] == "Stretch break" and note["app-name"] == "movebreak"
        assert {"done", "snooze", "skip", "start"} <= set(note["actions"])
        assert note["actions"]["snooze"] == "Snooze 10 min"
        subprocess.run(["makoctl", "invoke", "-n", str(note["id"]), "snooze"], env=mako,
                       check=True, capture_output=True, timeout=10)
        st = app.wait_status(lambda s: s["kinds"]["stretch"]["snoozed"], "snoozed on mako")
        assert st["pending"] is None
        events = json.loads(app.cli("history", "--json"))["events"]
        assert ("snoozed", "stretch") in [(e["type"], e["kind"]) for e in events]
    finally:
        app.stop()
