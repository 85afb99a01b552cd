"""The tray icon on a real desktop: `movebreak run` as a subprocess, trayer as the XEmbed host on
Xvfb, the menu driven with xdotool, state read back with `movebreak status --json` and pixels
read straight from the X server (python-xlib GetImage).

Menu keyboard paths used below (GTK skips disabled items; Down from nothing selects the first
enabled item, Up/End the last, Right opens a submenu on its first item):
  idle:     Snooze, Take a break now, Pause > 30 minutes ..., Settings..., ..., Quit
  paused:   (Snooze disabled) Take a break now, Resume, ...
  waiting:  Done, Snooze, Skip, Take a break now, Pause, ...
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from movebreak.adapters import storage

pytestmark = pytest.mark.desktop

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

CONFIG = """\
schema_version = 1

[general]
snooze = "10m"

[reminders.move]
enabled = true
interval = "45m"

[reminders.posture]
enabled = true
interval = "50m"

[reminders.stretch]
enabled = false

[reminders.nerve_glide]
enabled = false

[reminders.core]
enabled = false
"""


# ---------------------------------------------------------------------- X helpers
class XScreen:
    """A python-xlib connection to the rig's display: find our windows, read pixels."""

    def __init__(self, display: str) -> None:
        from Xlib import display as xdisplay
        self.d = xdisplay.Display(display)
        self.root = self.d.screen().root

    def close(self) -> None:
        self.d.close()

    def _walk(self, win):
        from Xlib.error import XError
        try:
            children = win.query_tree().children
        except XError:
            return
        for child in children:
            yield child
            yield from self._walk(child)

    def _info(self, win):
        """(wm_class, viewable, override_redirect) or None if the window is gone."""
        from Xlib import X
        from Xlib.error import XError
        try:
            attrs = win.get_attributes()
            return (win.get_wm_class() or (), attrs.map_state == X.IsViewable,
                    bool(attrs.override_redirect))
        except XError:
            return None

    def top_ancestor(self, win):
        while True:
            parent = win.query_tree().parent
            if parent.id == self.root.id:
                return win
            win = parent

    def box(self, win) -> tuple[int, int, int, int]:
        """(x, y, width, height) of `win` in root coordinates."""
        geo = win.get_geometry()
        pos = self.root.translate_coords(win, 0, 0)
        return pos.x, pos.y, geo.width, geo.height

    def tray_icon(self):
        """Our icon window if it is viewable inside trayer's panel and sized, else None."""
        from Xlib.error import XError
        for win in self._walk(self.root):
            info = self._info(win)
            if not info or "movebreak" not in info[0] or not info[1] or info[2]:
                continue
            try:
                top = self.top_ancestor(win)
                geo = win.get_geometry()
                if top.id != win.id and "trayer" in (top.get_wm_class() or ()) and \
                        geo.width >= 8 and geo.height >= 8:
                    return win
            except XError:
                continue
        return None

    def menu_window(self):
        """Our popup menu: a viewable override-redirect top-level of class movebreak, taller
        than a tooltip."""
        for win in self.root.query_tree().children:
            info = self._info(win)
            if info and "movebreak" in info[0] and info[1] and info[2] and \
                    win.get_geometry().height > 100:
                return win
        return None

    def grab(self, box: tuple[int, int, int, int]) -> Image.Image:
        from Xlib import X
        x, y, w, h = box
        raw = self.root.get_image(x, y, w, h, X.ZPixmap, 0xFFFFFFFF)
        return Image.frombytes("RGB", (w, h), raw.data, "raw", "BGRX")


def _rgb(img: Image.Image):
    data = img.convert("RGB").tobytes()
    return zip(data[0::3], data[1::3], data[2::3])


def teal_pixels(img: Image.Image) -> int:
    """Pixels of the icon's teal tile (normal and waiting icons; the paused one is grey)."""
    return sum(1 for r, g, b in _rgb(img) if g - r > 60 and b - r > 50)


def orange_pixels(img: Image.Image) -> int:
    """Pixels of the waiting badge (warm orange)."""
    return sum(1 for r, g, b in _rgb(img) if r > 200 and 90 < g < 180 and b < 110)


# ---------------------------------------------------------------------- the app under test
class RunningApp:
    """`python -m movebreak run` on the rig, with its own config/data/runtime dirs."""

    def __init__(self, desktop, tmp_path: Path, **extra_env: str) -> None:
        self.desktop = desktop
        self.tmp = tmp_path
        dirs = {}
        for name in ("config", "data", "run"):
            d = tmp_path / name
            d.mkdir(mode=0o700)
            dirs[name] = str(d)
        (tmp_path / "config" / "config.toml").write_text(CONFIG)
        storage.acknowledge_safety(tmp_path / "config" / "config.toml")  # not a first run
        env = dict(desktop.env)
        env.pop("PYSTRAY_BACKEND", None)  # exercise the default choice
        env.update(MOVEBREAK_CONFIG_DIR=dirs["config"], MOVEBREAK_DATA_DIR=dirs["data"],
                   MOVEBREAK_RUNTIME_DIR=dirs["run"], MOVEBREAK_IDLE="none",
                   PYTHONUNBUFFERED="1", **extra_env)
        self.env = env
        self.log = tmp_path / "app.log"
        with open(self.log, "wb") as out:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen([PY, "-m", "movebreak", "run"], cwd=ROOT, env=env,
                                         stdout=out, stderr=subprocess.STDOUT)
        self.screen = XScreen(env["DISPLAY"])

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        res = subprocess.run([PY, "-m", "movebreak", *args], cwd=ROOT, env=self.env,
                             capture_output=True, text=True, timeout=15, check=False)
        if check:
            assert res.returncode == 0, f"movebreak {' '.join(args)}: {res.stderr}\n" \
                                        f"app log:\n{self.output()}"
        return res

    def status(self) -> dict:
        return json.loads(self.cli("status", "--json").stdout)

    def wait_status(self, pred, what: str, timeout: float = 5.0) -> dict:
        return self.desktop.wait_for(lambda: (st := self.status()) and pred(st) and st,
                                     timeout, what)

    def icon_box(self, timeout: float = 8.0) -> tuple[int, int, int, int]:
        win = self.desktop.wait_for(self.screen.tray_icon, timeout,
                                    "the movebreak icon embedded in trayer")
        return self.screen.box(win)

    def icon_pixels(self) -> Image.Image:
        self.xdo("mousemove", "700", "500")  # no pointer or tooltip over the icon
        return self.screen.grab(self.icon_box())

    def xdo(self, *args: str) -> None:
        self.desktop.run(["xdotool", *args])

    def open_menu(self):
        """Right-click the icon until the popup menu is mapped; returns the menu window."""
        x, y, w, h = self.icon_box()
        time.sleep(0.3)  # let the app's last menu rebuild (an idle callback) run first
        for _ in range(3):
            self.xdo("mousemove", str(x + w // 2), str(y + h // 2), "click", "3")
            try:
                menu = self.desktop.wait_for(self.screen.menu_window, 2.0, "the tray menu")
                time.sleep(0.2)  # the menu grabs the keyboard once shown
                return menu
            except TimeoutError:
                self.xdo("key", "Escape")
        raise AssertionError("right-clicking the tray icon opened no menu\n" + self.output())

    def menu_keys(self, *keys: str) -> None:
        """Open the menu and type `keys` into it."""
        self.open_menu()
        self.xdo("key", "--delay", "60", *keys)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.screen.close()


@pytest.fixture
def app(desktop, tmp_path):
    if not desktop.tray_running():
        desktop.start_tray()
    running = RunningApp(desktop, tmp_path)
    try:
        yield running
    finally:
        running.stop()


def _until_s(st: dict) -> float:
    until = datetime.fromisoformat(st["paused_until"])
    return (until - datetime.now(UTC)).total_seconds()


def _kill_tray(desktop) -> None:
    """Kill trayer as a crash would (SIGKILL) and wait until the tray selection is free."""
    desktop.stop_tray()
    desktop.wait_for(lambda: desktop.tray_owner() == 0, 5, "the tray selection to be free")


def _tray_check(env: dict) -> tuple[str | None, str | None]:
    """tray_unavailable_reason() and the chosen backend, in a fresh process (GTK initialised in
    pytest itself would exit the process when the rig's X server goes away)."""
    code = ("import json; from movebreak.adapters.tray import tray_unavailable_reason as r, "
            "chosen_backend as b; print(json.dumps([r(), b()]))")
    res = subprocess.run([PY, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=30, check=False)
    assert res.returncode == 0, res.stderr
    reason, backend = json.loads(res.stdout.strip().splitlines()[-1])
    return reason, backend


# ---------------------------------------------------------------------- tests
def test_icon_embedded_in_trayer_quickly(app):
    start = time.monotonic()
    _, _, w, h = app.icon_box(timeout=5)
    assert time.monotonic() - start < 5
    owner = app.desktop.tray_owner()
    assert owner != 0
    assert 8 <= w <= 64 and 8 <= h <= 64, (w, h)
    st = app.status()
    assert st["tray"] is True and st["tray_problem"] is None
    img = drawn_icon(app)  # the teal tile, painted
    assert orange_pixels(img) == 0, "a fresh app shows the waiting badge"


def drawn_icon(app) -> Image.Image:
    """The icon once trayer has painted it (embedded comes first; on a busy machine the first
    paint can follow later): the teal tile covers a quarter of it."""
    return app.desktop.wait_for(
        lambda: (img := app.icon_pixels()) and teal_pixels(img) > img.width * img.height // 4
        and img, 5, "the icon to be painted")


def test_menu_pause_resume_quit(app, tmp_path):
    normal = drawn_icon(app)
    menu = app.open_menu()
    box = app.screen.box(menu)
    assert box[3] > 150 and box[2] > 120, box
    shot = app.screen.grab(box)
    shot.save(tmp_path / "menu.png")
    colors = shot.getcolors(maxcolors=1 << 16) or []
    dark = sum(n for n, (r, g, b) in colors if r + g + b < 200)
    assert len(colors) > 10 and dark > 100, "the menu window looks blank"

    app.xdo("key", "--delay", "60", "Down", "Down", "Down", "Right", "Return")  # Pause > 30 min
    st = app.wait_status(lambda s: s["paused"], "Pause > 30 minutes from the tray menu")
    assert 1700 < _until_s(st) <= 1800, st["paused_until"]
    try:
        paused = app.desktop.wait_for(
            lambda: (img := app.icon_pixels()) and teal_pixels(img) < teal_pixels(normal) // 4
            and img, 5, "the icon to turn grey when paused")
    except TimeoutError:
        raise AssertionError(app.output()) from None
    assert paused.tobytes() != normal.tobytes()

    app.menu_keys("Down", "Down", "Return")  # Resume
    app.wait_status(lambda s: not s["paused"], "Resume from the tray menu")
    app.desktop.wait_for(lambda: teal_pixels(app.icon_pixels()) > teal_pixels(normal) // 2,
                         5, "the icon to turn teal again after Resume")

    app.menu_keys("End", "Return")  # Quit
    assert app.proc.wait(10) == 0
    assert "movebreak stopped" in app.output()
    res = app.cli("status", check=False)
    assert res.returncode != 0 and "running" in (res.stderr + res.stdout).lower()


def test_waiting_reminder_changes_icon_and_done_from_menu(app):
    before = drawn_icon(app)
    assert orange_pixels(before) == 0
    app.cli("break", "move")
    st = app.wait_status(lambda s: s["pending"] is not None, "a waiting reminder")
    assert st["pending"]["kind"] == "move"
    waiting = app.desktop.wait_for(lambda: (img := app.icon_pixels()) and orange_pixels(img) > 3
                                   and img, 5, "the waiting badge on the icon")
    assert waiting.tobytes() != before.tobytes()

    app.menu_keys("Down", "Return")  # Done (first enabled item while a reminder waits)
    app.wait_status(lambda s: s["pending"] is None, "Done from the tray menu")
    assert app.status()["today"].get("done", 0) == 1
    app.desktop.wait_for(lambda: orange_pixels(app.icon_pixels()) == 0, 5,
                         "the waiting badge to go away after Done")


def test_left_click_shows_status_notification(app, desktop):
    x, y, w, h = app.icon_box()
    time.sleep(0.5)  # the first-run safety notice has arrived
    desktop.close_all()
    app.xdo("mousemove", str(x + w // 2), str(y + h // 2), "click", "1")
    desktop.wait_for(lambda: desktop.displayed_count() >= 1, 5, "the status notification")
    time.sleep(0.3)
    desktop.close_all()
    status = [n for n in desktop.history() if n["summary"] == "movebreak"]
    assert status, desktop.history()
    assert "Next: Time to move in" in status[0]["body"]
    assert "Posture check: in" in status[0]["body"]
    assert app.screen.menu_window() is None  # a left click shows no menu


def test_safety_info_from_menu_opens_the_safety_window(desktop, tmp_path):
    from movebreak.core import safety
    debug = tmp_path / "safety-window.json"  # the app's windows inherit its environment
    app = RunningApp(desktop, tmp_path, MOVEBREAK_UI_DEBUG_FILE=str(debug))
    try:
        app.menu_keys("End", "Up", "Return")  # Quit is last; Safety info right above it
        win = desktop.wait_for(lambda: [w for w in app.screen.root.query_tree().children
                                        if (w.get_wm_name() or "") == safety.TITLE
                                        and app.screen.box(w)[2] > 200], 10,
                               "the safety window")[0]
        shown = desktop.wait_for(lambda: debug.exists() and json.loads(debug.read_text()), 5,
                                 "the safety window's debug file")
        assert "Red flags" in shown["heading"]
        assert "\n\n".join(shown["paragraphs"]) == safety.BODY
        x, y, w, h = app.screen.box(win)
        img = app.screen.grab((x, y, w, h))
        reds = sum(1 for r, g, b in _rgb(img) if r > 150 and g < 90 and b < 90)
        assert reds > 50, "no red red-flag heading in the safety window"
        app.xdo("key", "Escape")
        desktop.wait_for(lambda: not [w for w in app.screen.root.query_tree().children
                                      if (w.get_wm_name() or "") == safety.TITLE
                                      and app.screen._info(w) and app.screen._info(w)[1]],
                         5, "Escape to close the safety window")
        assert app.proc.poll() is None
    finally:
        app.stop()


def test_tray_host_gone_app_keeps_running_and_reembeds(app, desktop):
    app.icon_box()
    shown = desktop.displayed_count()
    _kill_tray(desktop)
    try:
        time.sleep(0.8)
        assert app.proc.poll() is None, "the app died with the tray host:\n" + app.output()
        assert app.screen.tray_icon() is None
        assert app.status()["pid"] == app.proc.pid
        reason, _ = _tray_check(app.env)  # no tray host now, and no StatusNotifier watcher
        assert reason and "_NET_SYSTEM_TRAY_S0" in reason, reason
        app.cli("break", "posture")  # notifications keep working without a tray
        desktop.wait_for(lambda: desktop.displayed_count() > shown, 5, "the posture reminder")
        assert app.status()["pending"]["kind"] == "posture"
    finally:
        desktop.start_tray()
    app.icon_box(timeout=8)  # re-embedded in the new trayer
    app.menu_keys("Escape")
    assert app.proc.poll() is None


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT"])
def test_signal_stops_app_promptly_in_tray_mode(app, signame):
    app.icon_box()  # the GTK loop is running
    start = time.monotonic()
    app.proc.send_signal(getattr(signal, signame))
    assert app.proc.wait(5) == 0, app.output()
    assert time.monotonic() - start < 3
    assert "movebreak stopped" in app.output()


def test_tray_unavailable_reason(desktop):
    if not desktop.tray_running():
        desktop.start_tray()
    env = {k: v for k, v in desktop.env.items() if k not in ("PYSTRAY_BACKEND",)}
    assert _tray_check(env) == (None, "gtk")

    no_display = {k: v for k, v in env.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    reason, backend = _tray_check(no_display)
    assert reason is not None and "display" in reason.lower() and "DISPLAY" in reason, reason
    assert backend is None

    forced = dict(env, PYSTRAY_BACKEND="xorg")
    assert _tray_check(forced) == (None, "xorg")
    broken = dict(env, PYSTRAY_BACKEND="nosuchbackend")
    reason, _ = _tray_check(broken)
    assert reason and "nosuchbackend" in reason, reason


def test_no_display_in_process(monkeypatch):
    """The same check in this process: no DISPLAY means a reason, before any import."""
    from movebreak.adapters.tray import tray_unavailable_reason
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    reason = tray_unavailable_reason()
    assert reason is not None and "DISPLAY" in reason


# ---------------------------------------------------------------------- hosts that come later
def test_tray_host_started_after_the_app_gets_the_icon_within_2s(desktop, tmp_path):
    """As at login: the app starts before the panel; the icon appears when the tray does, and
    `status` says it is shown only once it really is (embedded)."""
    _kill_tray(desktop)
    app = RunningApp(desktop, tmp_path)
    try:
        st = app.wait_status(lambda s: s["pid"], "the app to answer")
        assert st["tray"] is False and "waiting for a system tray" in st["tray_problem"]
        time.sleep(0.5)  # the panel comes later
        desktop.start_tray()
        t0 = time.monotonic()
        app.wait_status(lambda s: s["tray"] is True, "status: tray shown", timeout=2)
        app.icon_box(timeout=2)
        assert time.monotonic() - t0 < 2.5
        app.menu_keys("Down", "Down", "Down", "Right", "Return")  # Pause > 30 minutes
        app.wait_status(lambda s: s["paused"], "paused from the menu")
        assert "tray icon shown (gtk" in app.output()
        # the panel crashes and comes back: the icon follows, and the menu still works
        _kill_tray(desktop)
        app.wait_status(lambda s: s["tray"] is False, "status: tray gone", timeout=2)
        desktop.start_tray()
        app.wait_status(lambda s: s["tray"] is True, "status: tray back", timeout=2)
        app.menu_keys("Down", "Down", "Return")  # paused: Take a break, Resume
        app.wait_status(lambda s: not s["paused"], "resumed from the menu")
    finally:
        app.stop()
        if not desktop.tray_running():
            desktop.start_tray()
