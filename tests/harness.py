"""In-process test harness: the real `App` on a simulated clock, with no threads.

- `FakeClock`: the app's clock; only the test moves it.
- `InlineDriver`: the driver contract (adapters/driver.py) run on the caller's thread: a
  submitted command runs at once, and `run_until(t)` moves the clock from planned tick to
  planned tick, exactly as the real driver would wake (minus the waiting).
- `RecordingNotifier`: a notifier that records what was shown and withdrawn, and presses
  buttons the way a notification server's callback would (`press`).
- `FakeIdle`: an idle source the test sets (`idle.seconds = ...`).
- `FakeHolds`: the hold sources (adapters/holds/): `holds.polled[...] = ...` is what a polled
  source (X11 full screen) says at the next tick; a watched one's signal is
  `app.report_hold(reason, on)` (`AppHarness.signal`), as the D-Bus thread would call it.
- `AppHarness`: builds an `App` in a temp folder with all of the above (`notifier=` and
  `holds=` put real ones in; `holds="real"` lets the app choose the real hold sources;
  `sound=` a ReminderSound of the test's, else the real one, silent unless the config turns
  sound on).

The real driver, notifier, idle sources and tray are proven separately (test_driver.py and the
real-desktop smoke tests); this harness is for the app's behaviour.
"""

from __future__ import annotations

from concurrent.futures import Future
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from movebreak.app import App
from movebreak.core.catalog import Reminder

UTC = timezone.utc


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.t = start

    def __call__(self) -> datetime:
        return self.t

    def set(self, t: datetime) -> None:
        self.t = t


class InlineDriver:
    """Same contract as `Driver`, on the caller's thread and the injected clock."""

    MAX_TICKS_AT_ONCE = 100

    def __init__(self, tick, plan, watchdog_s: float = 30) -> None:
        self._tick, self._plan = tick, plan
        self._planned: datetime | None = None
        self.running = False
        self.ticks = 0

    def start(self, first=None) -> None:
        self.running = True
        if first is not None:
            self.submit(first).result()
        self._run_tick()

    def stop(self) -> None:
        self.running = False

    def is_owner(self) -> bool:
        return True

    def submit(self, fn, *args) -> Future:
        fut: Future = Future()
        try:
            fut.set_result(fn(*args))
        except BaseException as e:  # handed to the caller, like the real driver
            fut.set_exception(e)
        self._planned = self._plan()
        return fut

    def call(self, fn, *args, timeout=None) -> Any:
        return self.submit(fn, *args).result()

    def planned(self) -> datetime | None:
        return self._planned

    def _run_tick(self) -> None:
        self.ticks += 1
        self._tick()
        self._planned = self._plan()

    def run_until(self, clock: FakeClock, end: datetime) -> None:
        """Wake at every planned tick up to `end`, then leave the clock at `end`."""
        same_time = 0
        while self.running and self._planned is not None and self._planned <= end:
            t = max(clock(), self._planned)
            same_time = same_time + 1 if t == clock() else 0
            assert same_time < self.MAX_TICKS_AT_ONCE, "the app plans ticks in a loop"
            clock.set(t)
            self._run_tick()
        clock.set(max(clock(), end))


class RecordingNotifier:
    """Records reminders shown and withdrawn; `press()` is a click on a button."""

    name = "recording"

    def __init__(self) -> None:
        self.on_action = None
        self.shown: list[Reminder] = []
        self.texts: list[tuple[str, str]] = []
        self.withdrawn: list[int] = []
        self.open: dict[int, Reminder] = {}
        self.fail = False  # True: the server is gone, show() fails
        self.sound = "off"  # the app's `general.sound` choice (as the real notifiers get it)

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def capabilities(self) -> dict:
        return {"backend": self.name, "server": "test", "actions": True, "markup": False}

    def show(self, reminder: Reminder, snooze_label: str) -> bool:
        if self.fail:
            return False
        self.shown.append(reminder)
        self.open[reminder.id] = reminder
        return True

    def show_text(self, title: str, body: str, urgent: bool = False) -> bool:
        self.texts.append((title, body))
        return not self.fail

    def withdraw(self, reminder_id: int) -> None:
        self.withdrawn.append(reminder_id)
        self.open.pop(reminder_id, None)

    def press(self, reminder_id: int, action: str) -> None:
        """A button on the notification of `reminder_id` (as the server's callback would)."""
        self.on_action(reminder_id, action)

    def kinds(self) -> list[str]:
        return [r.kind for r in self.shown]


class FakeIdle:
    name = "fake"

    def __init__(self) -> None:
        self.seconds: float | None = 0.0

    def idle_seconds(self) -> float | None:
        return self.seconds

    def close(self) -> None: ...


class FakeReturnWatch:
    """A return watch the test fires (`fire()`), as the real one does at the next input."""

    name = "fake"

    def __init__(self) -> None:
        self.callback = None
        self.arms = 0
        self.closed = False

    def arm(self, callback) -> None:
        self.arms += 1
        self.callback = callback

    def fire(self) -> None:
        callback, self.callback = self.callback, None
        assert callback is not None, "the watch was not armed"
        callback()

    def close(self) -> None:
        self.closed = True


class FakeHolds:
    """Polled hold states the test sets, read by the app at each tick like X11 full screen."""

    def __init__(self) -> None:
        self.polled: dict[str, bool] = {}
        self.polls = 0
        self.closed = False

    def poll(self) -> dict[str, bool]:
        self.polls += 1
        return dict(self.polled)

    def names(self) -> dict[str, str]:
        return {"dnd": "fake (signal)", "fullscreen": "fake (polled)",
                "locked": "fake (signal)", "sleep": "fake (signal)"}

    def close(self) -> None:
        self.closed = True


class AppHarness:
    """The real App with the fakes above, in `tmp`. Use as a context manager."""

    def __init__(self, tmp: Path, monkeypatch, config: str = "",
                 start: datetime = datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
                 safety_seen: bool = True, display: bool = True, notifier=None,
                 holds=None, sound=None, return_watch="fake") -> None:
        for sub in ("cfg", "data", "run"):
            (tmp / sub).mkdir(exist_ok=True)
        monkeypatch.setenv("MOVEBREAK_CONFIG_DIR", str(tmp / "cfg"))
        monkeypatch.setenv("MOVEBREAK_DATA_DIR", str(tmp / "data"))
        monkeypatch.setenv("MOVEBREAK_RUNTIME_DIR", str(tmp / "run"))
        monkeypatch.delenv("MOVEBREAK_WATCHDOG_S", raising=False)
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp / "xdg-data"))
        self.config_path = tmp / "cfg" / "config.toml"
        self.config_path.write_text(config)
        self.clock = FakeClock(start)
        self.notifier = notifier or RecordingNotifier()
        self.idle = FakeIdle()
        self.holds = FakeHolds() if holds is None else holds
        # "fake": a FakeReturnWatch; None: none (the app then polls while away)
        self.watch = FakeReturnWatch() if return_watch == "fake" else return_watch
        self.launched: list[list[str]] = []
        self.app = App(self.config_path, clock=self.clock, tz=UTC, use_tray=False,
                       notifier=self.notifier, idle=self.idle,
                       holds=None if holds == "real" else self.holds,
                       driver=InlineDriver,
                       launch=self.launched.append, display=display, sound=sound,
                       return_watch=self.watch)
        self.notifier.on_action = self.app.on_action
        self.driver: InlineDriver = self.app.driver
        if safety_seen:
            from movebreak.adapters import storage
            storage.acknowledge_safety(self.config_path)

    def __enter__(self) -> AppHarness:
        self.app.start()
        return self

    def __exit__(self, *exc) -> None:
        self.app.shutdown()

    # ---- moving time ---------------------------------------------------------
    def advance(self, **delta: float) -> None:
        """Let simulated time pass (timedelta keywords), ticking as the real driver would."""
        self.driver.run_until(self.clock, self.clock() + timedelta(**delta))

    def jump(self, **delta: float) -> None:
        """The wall clock jumps (or the machine sleeps) with no tick in between; then the
        driver's watchdog notices and ticks, as it does within its period."""
        self.clock.set(self.clock() + timedelta(**delta))
        self.driver.submit(self.app._tick)

    def signal(self, reason: str, on: bool) -> None:
        """A hold source's signal (do not disturb, screen lock, sleep) arriving now."""
        self.app.report_hold(reason, on)

    # ---- reading ---------------------------------------------------------------
    def events(self, *types: str) -> list[dict]:
        evs = self.app.history.events()
        return [e for e in evs if not types or e["type"] in types]

    def command(self, cmd: str, **args) -> Any:
        """A control command as the CLI sends it over the socket."""
        return self.app.handle_command({"cmd": cmd, "args": args})
