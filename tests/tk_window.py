"""Test driver for one movebreak Tk window run as its own process on the test desktop.

The window writes what it shows to MOVEBREAK_UI_DEBUG_FILE (read back from its widgets); input
goes through xdotool (real pointer clicks and key presses through XTEST).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from movebreak.adapters.history import History


def windows_titled(desktop, title: str) -> list[str]:
    """The visible windows titled exactly `title` now; [] when there are none, and also when a
    window closing meanwhile breaks xdotool's walk of the window tree (BadWindow)."""
    res = desktop.run(["xdotool", "search", "--onlyvisible", "--name", f"^{title}$"],
                      check=False)
    return res.stdout.split() if res.returncode == 0 else []


def new_windows(desktop, title: str, before: list[str], proc: subprocess.Popen,
                timeout: float = 30.0) -> list[str]:
    """The windows titled `title` that were not there `before` `proc` started (a window of
    the same title from an earlier test may still be closing), once there is one."""
    deadline = time.monotonic() + timeout
    while True:
        fresh = [w for w in windows_titled(desktop, title) if w not in before]
        if fresh:
            return fresh
        if proc.poll() is not None:
            raise AssertionError(f"{title}: exited ({proc.returncode}) before its window "
                                 "appeared")
        assert time.monotonic() < deadline, f"no new window titled {title!r}"
        time.sleep(0.05)


class TkWindow:
    """`python -m <module> --config ... *args` and its X window, found by exact title."""

    def __init__(self, desktop, tmp_path: Path, module: str, title: str, *args: str) -> None:
        self.desktop = desktop
        self.tmp = tmp_path
        self.title = title
        self.data_dir = tmp_path / "data"
        self.data_dir.mkdir(exist_ok=True)
        self.debug = tmp_path / f"{module.rsplit('.', 1)[-1]}-state.json"
        env = dict(desktop.env, MOVEBREAK_DATA_DIR=str(self.data_dir),
                   MOVEBREAK_UI_DEBUG_FILE=str(self.debug), MOVEBREAK_UI_THEME="light")
        before = windows_titled(desktop, title)
        self.proc = subprocess.Popen([sys.executable, "-m", module,
                                      "--config", str(tmp_path / "config.toml"), *args],
                                     env=env, stderr=subprocess.PIPE, text=True)
        try:
            self.wid = new_windows(desktop, title, before, self.proc)[-1]
        except AssertionError as exc:
            raise AssertionError(f"{exc}: {self.stderr()}") from None

    def stderr(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        return self.proc.stderr.read() if self.proc.stderr else ""

    def state(self) -> dict:
        return json.loads(self.debug.read_text())

    def wait(self, predicate, timeout: float = 20.0, what: str = "window state") -> dict:
        def check():
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.title} exited early ({self.proc.returncode}): "
                                     f"{self.stderr()}")
            st = self.state()
            return st if predicate(st) else None
        return self.desktop.wait_for(check, timeout, what)

    def click(self, geometry: list[int]) -> None:
        """A real click in the middle of `geometry`. The pointer goes to a corner first:
        `mousemove --sync` never returns when the pointer is already where it is sent."""
        x, y, w, h = geometry
        self.desktop.run(["xdotool", "mousemove", "0", "0", "mousemove", "--sync",
                          str(x + w // 2), str(y + h // 2), "click", "1"])

    def key(self, *keys: str) -> None:
        self.desktop.run(["xdotool", "windowfocus", "--sync", self.wid])
        self.desktop.run(["xdotool", "key", "--clearmodifiers", *keys])

    def exit_code(self, timeout: float = 10.0) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.title} did not close") from None

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        if self.proc.stderr:
            self.proc.stderr.close()

    def events(self, type_: str) -> list[dict]:
        with History(self.data_dir / "history.sqlite3") as hist:
            return hist.events(types=(type_,))


def opened_windows(cls, desktop, tmp_path: Path):
    """Fixture body: yield a function that opens `cls` windows; close them all afterwards."""
    opened: list[TkWindow] = []

    def open_window(*args: str) -> TkWindow:
        w = cls(desktop, tmp_path, *args)
        opened.append(w)
        return w

    yield open_window
    for w in opened:
        w.close()
