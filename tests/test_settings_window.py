"""The real settings window on the real headless desktop, against the real running app.

The window runs as its own process (`python -m movebreak.ui.settings --config FILE`), is found
with `xdotool search --sync --name`, and is driven with real key presses. What it shows is read
back from its widgets through MOVEBREAK_UI_DEBUG_FILE (JSON written after every change) and
from screenshots (the red error text is looked for in the pixels where the window says it is).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import tomllib
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image
from tk_window import new_windows, windows_titled

from movebreak.adapters import storage
from movebreak.ui.common import FOOT_TEXT

ROOT = Path(__file__).resolve().parents[1]
TITLE = "movebreak settings"

pytestmark = pytest.mark.desktop


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except (OSError, ValueError, KeyError) as exc:  # file mid-replace, not there yet
            last, value = exc, None
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last error: {last!r})")


def first_match(predicate, value):
    """`value` if predicate(value) holds, else None (for wait_for)."""
    return value if predicate(value) else None


class App:
    """`python -m movebreak run --no-tray` on the rig's display, with private folders."""

    def __init__(self, desktop, tmp: Path, config: str | None = None) -> None:
        self.desktop = desktop
        self.dir = tmp
        self.config = tmp / "cfg" / "config.toml"
        self.config.parent.mkdir(parents=True)
        if config is not None:
            self.config.write_text(config)
        storage.acknowledge_safety(self.config)  # not a first run: no Safety window
        self.env = dict(desktop.env,
                        MOVEBREAK_CONFIG_DIR=str(self.config.parent),
                        MOVEBREAK_DATA_DIR=str(tmp / "data"),
                        MOVEBREAK_RUNTIME_DIR=str(tmp / "run"),
                        MOVEBREAK_IDLE="none",
                        MOVEBREAK_WATCHDOG_S="1",  # ticks (and config checks) every second
                        XDG_CONFIG_HOME=str(tmp / "xdg"),  # start-at-login files stay here
                        PYTHONUNBUFFERED="1")
        self.lines: list[str] = []
        self.proc = subprocess.Popen([sys.executable, "-m", "movebreak", "run", "--no-tray"],
                                     env=self.env, cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        wait_for(lambda: any("movebreak running" in line for line in self.lines) or
                 self.proc.poll() is not None, 20, "the app to start")
        assert self.proc.poll() is None, "\n".join(self.lines)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def status(self) -> dict:
        res = subprocess.run([sys.executable, "-m", "movebreak", "status", "--json"],
                             env=self.env, cwd=ROOT, capture_output=True, text=True,
                             timeout=30, check=False)
        assert res.returncode == 0, res.stderr
        return json.loads(res.stdout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            subprocess.run([sys.executable, "-m", "movebreak", "quit"], env=self.env, cwd=ROOT,
                           capture_output=True, timeout=30, check=False)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


class Window:
    """One settings window process, found on screen and driven with xdotool."""

    def __init__(self, app: App, extra_env: dict | None = None) -> None:
        self.app = app
        self.debug = app.dir / "settings-ui.json"
        self.debug.unlink(missing_ok=True)
        env = dict(app.env, MOVEBREAK_UI_DEBUG_FILE=str(self.debug), **(extra_env or {}))
        before = windows_titled(app.desktop, TITLE)  # the last test's may still be closing
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "movebreak.ui.settings", "--config", str(app.config)],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.wid = new_windows(app.desktop, TITLE, before, self.proc)[0]
        wait_for(lambda: self.state()["window"][2] > 100, 10, "the window to be laid out")

    def state(self) -> dict:
        return json.loads(self.debug.read_text())

    def wait(self, predicate, what: str, timeout: float = 10) -> dict:
        return wait_for(lambda: first_match(predicate, self.state()), timeout, what)

    def xdo(self, *args: str) -> None:
        self.app.desktop.run(["xdotool", *args])

    def focus(self) -> None:
        """Give the window the keyboard; on a busy display (another window of this worker's
        desktop may just have closed) ask again, raised, before giving up."""
        for attempt in range(3):
            self.xdo("windowraise", self.wid)
            self.xdo("windowfocus", "--sync", self.wid)
            try:
                self.wait(lambda s: s["has_focus"] and s["focus"] == "reminders.move.enabled",
                          "the window to have the keyboard, on the first checkbox",
                          timeout=4 if attempt < 2 else 10)
                return
            except AssertionError:
                if attempt == 2:
                    raise AssertionError(f"no keyboard focus; last state: {self.state()}") \
                        from None

    def focus_any(self) -> None:
        """Give the window the keyboard (after pointer clicks moved focus inside it)."""
        self.xdo("windowfocus", "--sync", self.wid)
        self.wait(lambda s: s["has_focus"], "the window to have the keyboard")

    def tab_to_move_interval(self) -> None:
        self.focus()
        self.xdo("key", "Tab")
        self.wait(lambda s: s["focus"] == "reminders.move.interval",
                  "Tab to reach the move interval")

    def replace_text(self, text: str) -> None:
        self.xdo("key", "ctrl+a")
        self.xdo("type", "--delay", "30", text)

    def closed(self, timeout: float = 20) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the window did not close; it shows {self.state()}") from None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


def red_pixels(image: Image.Image, box: list[int]) -> int:
    x, y, w, h = box
    data = image.convert("RGB").crop((x, y, x + w, y + h)).tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3])
    return sum(1 for r, g, b in pixels if r > 150 and g < 120 and b < 110)


@pytest.fixture
def start_app(desktop, tmp_path):
    """start_app(config_text=None) -> App; every app started is stopped afterwards."""
    started: list[App] = []

    def start(config: str | None = None) -> App:
        started.append(App(desktop, tmp_path, config))
        return started[-1]

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def app(start_app):
    return start_app()


@pytest.fixture
def windows():
    opened: list[Window] = []
    yield opened
    for w in opened:
        w.kill()


def test_shorter_move_interval_saved_and_applied_from_now(app, windows):
    before = app.status()
    assert before["kinds"]["move"]["interval_s"] == 1800
    assert before["kinds"]["move"]["in_s"] > 1700

    win = Window(app)
    windows.append(win)
    assert win.state()["values"]["reminders.move.interval"] == "30"
    win.tab_to_move_interval()
    win.replace_text("1")
    win.wait(lambda s: s["values"]["reminders.move.interval"] == "1" and s["save_enabled"]
             and not s["shown_errors"], "the window to take 1 minute as valid")
    saved_at = time.time()
    win.xdo("key", "Return")
    assert win.closed() == 0
    assert win.state()["saved"] is True

    on_disk = tomllib.loads(app.config.read_text())
    assert on_disk["reminders"]["move"]["interval"] == "1m"
    assert on_disk["reminders"]["posture"]["interval"] == "20m"  # the rest as it was

    st = app.status()
    move = st["kinds"]["move"]
    assert move["interval_s"] == 60
    assert move["in_s"] <= 60.5, move
    due = datetime.fromisoformat(move["due"]).timestamp()
    assert due <= saved_at + 62, (move, saved_at)
    assert st["config_problems"] == []


def test_routine_hold_rounds_and_desk_only_are_clicked_and_saved(app, windows):
    win = Window(app)
    windows.append(win)
    st = win.state()
    assert (st["values"]["routine.hold"], st["values"]["routine.rounds"],
            st["values"]["routine.desk_only"]) == ("30", "1", False)
    assert st["foot"] == FOOT_TEXT
    for key in ("routine.hold=45", "routine.rounds=2"):
        x, y, w, h = st["choice_geometry"][key]
        win.xdo("mousemove", "0", "0", "mousemove", "--sync", str(x + w // 2), str(y + h // 2), "click", "1")
    x, y, w, h = st["input_geometry"]["routine.desk_only"]
    win.xdo("mousemove", "0", "0", "mousemove", "--sync", str(x + 10), str(y + h // 2), "click", "1")
    win.wait(lambda s: (s["values"]["routine.hold"], s["values"]["routine.rounds"],
                        s["values"]["routine.desk_only"]) == ("45", "2", True),
             "the clicked routine choices")
    win.focus_any()
    win.xdo("key", "Return")
    assert win.closed() == 0
    on_disk = tomllib.loads(app.config.read_text())
    assert on_disk["routine"] == {"hold": "45s", "rounds": 2, "desk_only": True, "chime": True}
    assert app.status()["config_problems"] == []


def test_language_is_picked_from_its_list_and_saved(app, windows):
    win = Window(app)
    windows.append(win)
    st = win.state()
    assert st["values"]["general.language"] == "auto"
    assert st["language_shown"] == "Automatic (desktop language)"
    win.focus()
    # Save <- Cancel <- start at login <- language (the list sits just above that switch)
    win.xdo("key", "shift+Tab", "shift+Tab", "shift+Tab", "shift+Tab")
    win.wait(lambda s: s["focus"] == "general.language", "focus on the language list")
    win.xdo("key", "Down")  # opens the list on the current choice
    time.sleep(0.3)
    win.xdo("key", "Down", "Down", "Return")  # Automatic -> English -> Español
    st = win.wait(lambda s: s["values"]["general.language"] == "es", "Español to be picked")
    assert st["language_shown"] == "Español" and st["save_enabled"]
    win.focus_any()
    win.xdo("key", "Return")
    assert win.closed() == 0
    assert win.state()["saved"] is True
    on_disk = tomllib.loads(app.config.read_text())
    assert on_disk["general"]["language"] == "es"
    assert app.status()["config_problems"] == []


def test_invalid_value_is_marked_in_red_and_never_saved(app, windows):
    original = app.config.read_bytes()
    mtime = app.config.stat().st_mtime_ns
    win = Window(app)
    windows.append(win)
    win.tab_to_move_interval()

    win.replace_text("0")
    st = win.wait(lambda s: "reminders.move.interval" in s["shown_errors"],
                  "the error next to the move interval")
    message = st["shown_errors"]["reminders.move.interval"]
    assert "10 s to 24 h" in message and "short" in message
    assert st["save_enabled"] is False
    box = st["error_geometry"]["reminders.move.interval"]
    field = st["input_geometry"]["reminders.move.interval"]
    assert abs((box[1] + box[3] / 2) - (field[1] + field[3] / 2)) < field[3], \
        "the error is on the field's row"
    shot = app.desktop.screenshot(app.dir / "invalid.png")
    assert red_pixels(Image.open(shot), box) > 20, "the error text is drawn in red"

    win.xdo("key", "Return")  # refused
    st = win.wait(lambda s: s["status"].startswith("Not saved"), "the refusal message")
    assert win.proc.poll() is None
    assert st["values"]["reminders.move.interval"] == "0"  # nothing typed is lost

    win.xdo("key", "ctrl+a")
    win.xdo("type", "abc")
    st = win.wait(lambda s: "Type minutes" in s["shown_errors"].get("reminders.move.interval",
                                                                     ""), "the 'abc' error")
    assert "10 s to 24 h" in st["shown_errors"]["reminders.move.interval"]

    win.replace_text("25")  # valid again: the red text goes away
    st = win.wait(lambda s: not s["shown_errors"] and s["save_enabled"], "the error to clear")
    shot = app.desktop.screenshot(app.dir / "valid.png")
    assert red_pixels(Image.open(shot), box) == 0

    win.xdo("key", "Escape")  # cancel: nothing written
    assert win.closed() == 0
    assert win.state()["saved"] is False
    assert app.config.read_bytes() == original
    assert app.config.stat().st_mtime_ns == mtime
    assert app.status()["kinds"]["move"]["interval_s"] == 1800


def test_save_error_keeps_the_window_and_what_was_typed(app, windows):
    win = Window(app)
    windows.append(win)
    win.tab_to_move_interval()
    win.replace_text("7")
    win.wait(lambda s: s["values"]["reminders.move.interval"] == "7", "the typed value")

    good = app.config.with_name("config.toml.moved")
    app.config.rename(good)
    app.config.mkdir()  # a folder where the file should be: the save must fail
    try:
        win.xdo("key", "Return")
        st = win.wait(lambda s: s["status"].startswith("Not saved"), "the save error")
        assert "not a regular file" in st["status"]
        assert win.proc.poll() is None
        assert st["values"]["reminders.move.interval"] == "7"
    finally:
        app.config.rmdir()
        good.rename(app.config)

    win.xdo("key", "Return")  # the problem is gone: the same values save
    assert win.closed() == 0
    assert tomllib.loads(app.config.read_text())["reminders"]["move"]["interval"] == "7m"


def test_start_at_login_switch_writes_the_autostart_file_and_keeps_unknown_keys(start_app,
                                                                                windows):
    app = start_app('mood = "calm"\n[general]\nsnooze = "5m"\n'
                                         'favourite = 7\n[reminders.move]\ninterval = "40m"\n')
    autostart_file = app.dir / "xdg" / "autostart" / "movebreak.desktop"
    win = Window(app)
    windows.append(win)
    assert win.state()["values"]["general.autostart"] is False
    assert win.state()["values"]["general.snooze"] == "5"
    assert win.state()["banner"] is True  # the unknown keys are pointed out
    win.focus()
    win.xdo("key", "shift+Tab", "shift+Tab", "shift+Tab")  # Save <- Cancel <- start at login
    win.wait(lambda s: s["focus"] == "general.autostart", "focus on start at login")
    win.xdo("key", "space")
    win.wait(lambda s: s["values"]["general.autostart"] is True, "the switch to turn on")
    win.xdo("key", "Return")
    assert win.closed() == 0
    assert autostart_file.is_file()
    assert f"Exec={sys.executable} -m movebreak run" in autostart_file.read_text()
    saved = tomllib.loads(app.config.read_text())
    assert saved["general"]["autostart"] is True
    assert saved["mood"] == "calm" and saved["general"]["favourite"] == 7  # unknown keys kept
    assert saved["general"]["snooze"] == "5m" and saved["reminders"]["move"]["interval"] == "40m"


def test_broken_external_edit_is_reported_and_last_good_settings_keep_running(start_app,
                                                                              windows):
    app = start_app('[reminders.move]\ninterval = "20m"\n')
    assert app.status()["kinds"]["move"]["interval_s"] == 1200
    app.config.write_text('[reminders.move]\ninterval = "5m\n[general\n')
    st = wait_for(lambda: first_match(lambda s: s["config_problems"], app.status()), 10,
                  "the app to notice the broken file (mtime check on its tick)")
    assert any("TOML syntax error" in p for p in st["config_problems"])
    assert any("TOML syntax error" in line for line in app.lines)
    assert st["kinds"]["move"]["interval_s"] == 1200  # last good value still runs
    assert list(app.config.parent.glob("config.toml.bad-*")), "a copy of the broken file"

    # The settings window shows the problem in its banner and can repair the file.
    win = Window(app)
    windows.append(win)
    assert win.state()["banner"] is True
    win.focus()
    win.xdo("key", "Return")
    assert win.closed() == 0
    assert tomllib.loads(app.config.read_text())["reminders"]["move"]["interval"] == "30m"
    st = wait_for(lambda: first_match(lambda s: not s["config_problems"], app.status()), 10,
                  "the problems to clear after the repair")
    assert st["kinds"]["move"]["interval_s"] == 1800


def test_save_works_when_no_instance_is_running(app, windows):
    app.stop()
    assert app.proc.returncode is not None
    win = Window(app)
    windows.append(win)
    win.tab_to_move_interval()
    win.replace_text("45")
    win.wait(lambda s: s["values"]["reminders.move.interval"] == "45", "the typed value")
    win.xdo("key", "KP_Enter")
    assert win.closed() == 0
    assert win.state()["status"] == ""  # no "could not reach the app" note
    assert tomllib.loads(app.config.read_text())["reminders"]["move"]["interval"] == "45m"


def test_an_edit_made_while_the_window_is_open_is_not_silently_overwritten(app, windows):
    win = Window(app)
    windows.append(win)
    win.tab_to_move_interval()
    win.replace_text("7")
    win.wait(lambda s: s["values"]["reminders.move.interval"] == "7", "the typed value")
    time.sleep(0.05)  # a distinct mtime on coarse-grained file systems
    outside = '[reminders.posture]\ninterval = "25m"\n'
    app.config.write_text(outside)
    win.xdo("key", "Return")
    st = win.wait(lambda s: s["status"].startswith("Not saved"), "the conflict warning")
    assert "changed outside this window" in st["status"]
    assert app.config.read_text() == outside  # the other edit is still there
    assert st["values"]["reminders.move.interval"] == "7"  # and so is what was typed
    win.xdo("key", "Return")  # saving again replaces it on purpose
    assert win.closed() == 0
    assert tomllib.loads(app.config.read_text())["reminders"]["move"]["interval"] == "7m"
