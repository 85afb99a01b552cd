"""Composition root: builds the engine and every adapter, and is the one facade they all call.

Threads:
- main thread: start-up, then the tray's event loop (pystray rule), or a plain wait when there
  is no tray;
- APScheduler thread: `_tick` (idle poll, engine tick, show reminders, refresh the tray);
- IPC thread: control commands from the CLI;
- notifier thread(s): action callbacks (Done / Snooze / Skip / Start).
Every facade method takes `self._lock` around the engine, then does slow work (notifications,
history, tray refresh, driver poke) outside it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from movebreak.adapters import ipc, storage
from movebreak.adapters.driver import Driver, utcnow
from movebreak.core import safety
from movebreak.core.catalog import KINDS, Reminder
from movebreak.core.durations import format_duration, parse_duration
from movebreak.core.engine import WATCHDOG_S, Engine, EngineError, Event
from movebreak.core.events import RECORDED

log = logging.getLogger(__name__)

#: Seconds between delivery attempts while the notification server is away.
RETRY_S = 5


def watchdog_s() -> int:
    """The engine's watchdog period: MOVEBREAK_WATCHDOG_S (whole seconds >= 1, for tests that
    jump the clock) or the default 30 s."""
    raw = os.environ.get("MOVEBREAK_WATCHDOG_S", "").strip()
    return max(1, int(raw)) if raw.isdigit() else WATCHDOG_S


def say(text: str) -> None:
    """Terminal output for the user (stdout, flushed: also read by tests and `make run`)."""
    print(text, flush=True)


class App:
    """The running instance. Construct, `start()`, then `run_forever()` on the main thread."""

    def __init__(self, config_path: Path, *, clock: Callable[[], datetime] = utcnow,
                 tz=None, use_tray: bool = True, notifier=None, idle=None) -> None:
        self.config_path = config_path
        self.clock = clock
        self.tz = tz
        self._lock = threading.RLock()
        self._stopped = threading.Event()
        self._use_tray = use_tray
        self._notifier = notifier
        self._idle = idle
        self._undelivered: Reminder | None = None
        self.tray = None
        self.tray_problem: str | None = None
        self.config_problems: list[str] = []
        self._config_mtime: int | None = None
        self._children: list[subprocess.Popen] = []

        self.runtime_dir = storage.runtime_dir()
        self.lock = ipc.InstanceLock(self.runtime_dir)
        self.lock.acquire()  # raises ipc.AlreadyRunning

        result = storage.load_config(config_path)
        self.settings = result.settings
        self._report_config(result)
        self._config_mtime = storage.config_mtime_ns(config_path)

        from movebreak.adapters.history import open_history
        self.history = open_history(storage.history_path())
        problem = getattr(self.history, "open_error", None)
        if problem:
            say(f"movebreak: history problem: {problem}")

        self.engine = Engine(self.settings, self.clock(), tz=tz, watchdog_s=watchdog_s())
        self.server = ipc.Server(self.runtime_dir, self.handle_command)
        self.driver = Driver(self._tick, fallback_s=self.engine.watchdog_s, clock=clock)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Main thread: pick notifier/idle/tray, then start the IPC thread and the driver."""
        if self._notifier is None:
            from movebreak.adapters.notify.select import choose_notifier
            self._notifier = choose_notifier(self.on_action)
        self._notifier.start()
        self._apply_sound()
        if self._idle is None:
            from movebreak.adapters.idle import choose_idle_source
            self._idle = choose_idle_source()
        if self._use_tray:
            self._make_tray()
        self.server.start()
        self.driver.start()
        say(f"movebreak running (PID {os.getpid()}): notifications via {self._notifier.name}, "
            f"tray: {'yes' if self.tray else 'no - ' + (self.tray_problem or 'disabled')}, "
            f"idle source: {getattr(self._idle, 'name', 'none')}")
        if storage.safety_acknowledged(self.config_path) is None:
            self.show_safety(first_run=True)

    def _make_tray(self) -> None:
        # The icon never draws with GL; unset, GTK loads the GL driver (Mesa/LLVM, ~25 MB) to
        # pick visuals when it is the session's first GTK client (e.g. started at login).
        os.environ.setdefault("GDK_GL", "disable")
        try:
            from movebreak.adapters.tray import Tray, tray_unavailable_reason
        except ImportError as e:  # tray adapter missing in this build
            self.tray_problem = f"tray adapter unavailable ({e})"
            return
        reason = tray_unavailable_reason()
        if reason:
            self.tray_problem = reason
            say(f"movebreak: no tray icon: {reason}. Reminders still arrive as notifications "
                "and on this terminal; control with `movebreak status|snooze|pause|quit`.")
            return
        self.tray = Tray(self)

    def run_forever(self) -> None:
        """Main thread: the tray loop, or a wait until quit when there is no tray."""
        try:
            if self.tray is not None:
                self.tray.run()  # returns when the tray stops
                if not self._stopped.is_set():
                    self.tray_problem = "tray stopped"
            while not self._stopped.wait(3600):
                pass
        finally:
            self.shutdown()

    def quit(self) -> None:
        """Any thread: stop the app (the main thread finishes the shutdown)."""
        self._stopped.set()
        if self.tray is not None:
            self.tray.stop()

    def shutdown(self) -> None:
        """Main thread: stop everything in order and flush history."""
        self._stopped.set()
        self.server.stop()
        self.driver.stop()
        if self._notifier is not None:
            self._notifier.stop()
        if self._idle is not None:
            self._idle.close()
        self.history.close()
        self.lock.release()
        say("movebreak stopped")

    # ------------------------------------------------------------------ the tick
    def _tick(self) -> datetime:
        """Scheduler thread: poll idle, tick the engine, deliver what it says."""
        idle = self._idle.idle_seconds() if self._idle is not None else None
        self._maybe_reload()
        with self._lock:
            now = self.clock()
            events = self.engine.tick(now, idle)
            planned = self.engine.next_wakeup(now)
        retry = self._undelivered
        if retry is not None and not any(e.type == "shown" for e in events):
            self._undelivered = None
            with self._lock:
                still_waiting = self.engine.pending is not None and \
                    self.engine.pending.id == retry.id
            if still_waiting:  # answered meanwhile (CLI, tray): nothing to re-show
                self._deliver(retry)
        self._after(events)
        if self._undelivered is not None:  # server gone: try again soon, not at the next due
            planned = min(planned, self.clock() + timedelta(seconds=RETRY_S))
        return planned

    def _after(self, events: list[Event]) -> None:
        """Record events, show reminders, refresh the tray (outside the lock)."""
        for ev in events:
            if ev.type in RECORDED:
                detail = dict(ev.detail)
                if ev.reminder is not None:
                    detail.setdefault("reminder", ev.reminder.id)
                    detail.setdefault("exercise", ev.reminder.exercise_id)
                self._record(ev.type, ev.kind, ev.at, detail or None)
            if ev.type == "shown" and ev.reminder is not None:
                self._deliver(ev.reminder)
            elif ev.type in ("done", "snoozed", "skipped") and ev.reminder is not None:
                self._notifier.withdraw(ev.reminder.id)
            if ev.type == "natural":
                say(f"[{self._stamp(ev.at)}] natural break recorded "
                    f"(away {format_duration(int(ev.detail.get('away_s', 0)))})")
        if self.tray is not None:
            self.tray.refresh()

    def _record(self, type_: str, kind: str | None, at: datetime, detail=None) -> None:
        """Write one history event; a locked or failing database drops it, never the app."""
        try:
            self.history.record(type_, kind, at=at, detail=detail)
        except Exception as e:
            log.warning("history: %s event not recorded: %s", type_, e)

    def _deliver(self, reminder: Reminder) -> None:
        """Show a reminder; a notifier that fails keeps it for the next tick (nothing lost)."""
        label = snooze_label(self.settings.snooze_s)
        ok = False
        try:
            ok = self._notifier.show(reminder, label)
        except Exception:
            log.exception("notifier failed")
        if self._notifier.name == "console":
            return  # it printed the reminder itself
        stamp = self._stamp(self.clock())
        if not ok:
            self._undelivered = reminder
            say(f"[{stamp}] notification server unavailable; {reminder.title}: {reminder.body}")
        elif self.tray is None:  # no icon to show a waiting reminder: echo it on the terminal
            say(f"[{stamp}] {reminder.title}: {reminder.body} (answer with `movebreak done`, "
                "`snooze` or `skip`)")
        log.info("shown %s #%s (delivered: %s)", reminder.kind, reminder.id, ok)

    def _stamp(self, at: datetime) -> str:
        return at.astimezone(self.tz).strftime("%H:%M:%S")

    # ------------------------------------------------------------------ config
    def _report_config(self, result) -> None:
        self.config_problems = [p.message for p in result.problems]
        for p in result.problems:
            say(f"movebreak: config {self.config_path}: {p.message}")
        if result.backup is not None:
            say(f"movebreak: kept a copy of the problem file as {result.backup}")

    def _apply_sound(self) -> None:
        if hasattr(self._notifier, "sound"):
            self._notifier.sound = self.settings.sound

    def _maybe_reload(self) -> None:
        mtime = storage.config_mtime_ns(self.config_path)
        if mtime != self._config_mtime:
            self.reload_config()

    def reload_config(self) -> dict[str, Any]:
        """Re-read config.toml and reschedule live; a broken edit keeps the last good values."""
        result = storage.load_config(self.config_path, fallback=self.settings)
        self._config_mtime = storage.config_mtime_ns(self.config_path)
        self._report_config(result)
        with self._lock:
            self.settings = result.settings
            now = self.clock()
            events = self.engine.apply_settings(result.settings, now)
            planned = self.engine.next_wakeup(now)
        self._apply_sound()
        self._after(events)
        self.driver.poke(planned)
        return {"problems": self.config_problems,
                "backup": str(result.backup) if result.backup else None}

    # ------------------------------------------------------------------ commands
    def _command(self, fn: Callable[[datetime], list[Event]]) -> list[Event]:
        with self._lock:
            now = self.clock()
            events = fn(now)
            planned = self.engine.next_wakeup(now)
        self._after(events)
        self.driver.poke(planned)
        return events

    def status(self) -> dict[str, Any]:
        with self._lock:
            now = self.clock()
            st = self.engine.status(now)
        local = now.astimezone(self.tz)
        st["today"] = self.history.counts_for_day(local.date(), self.tz or local.tzinfo)
        st["notifier"] = self._notifier.name if self._notifier else None
        st["tray"] = self.tray is not None
        st["tray_problem"] = self.tray_problem
        st["config"] = str(self.config_path)
        st["config_problems"] = self.config_problems
        st["pid"] = os.getpid()
        return st

    def snooze(self, seconds: float | None = None, kind: str | None = None,
               reminder_id: int | None = None) -> list[Event]:
        return self._command(lambda now: self.engine.snooze(now, seconds, kind, reminder_id))

    def done(self, reminder_id: int | None = None) -> list[Event]:
        return self._command(lambda now: self.engine.done(now, reminder_id))

    def skip(self, reminder_id: int | None = None) -> list[Event]:
        return self._command(lambda now: self.engine.skip(now, reminder_id))

    def pause(self, seconds: float | None = None) -> list[Event]:
        return self._command(lambda now: self.engine.pause(now, seconds))

    def pause_until_tomorrow(self) -> list[Event]:
        return self._command(self.engine.pause_until_tomorrow)

    def resume(self) -> list[Event]:
        return self._command(self.engine.resume)

    def break_now(self, kind: str | None = None) -> list[Event]:
        return self._command(lambda now: self.engine.break_now(now, kind))

    def on_action(self, reminder_id: int, action: str) -> None:
        """Notifier thread: a button on a notification was pressed."""
        try:
            if action == "done":
                self.done(reminder_id)
            elif action == "skip":
                self.skip(reminder_id)
            elif action == "snooze":
                self.snooze(reminder_id=reminder_id)
            elif action == "start":
                self.start_routine(reminder_id=reminder_id)
        except EngineError as e:
            log.info("action %s on reminder %s ignored: %s", action, reminder_id, e)

    # ------------------------------------------------------------------ windows
    def _spawn(self, module: str, *args: str) -> bool:
        """Start a Tk window in its own process (Tk must not share pystray's main thread)."""
        if not os.environ.get("DISPLAY") and sys.platform.startswith("linux") and not \
                os.environ.get("WAYLAND_DISPLAY"):
            return False
        cmd = [sys.executable, "-m", module, "--config", str(self.config_path), *args]
        self._children = [c for c in self._children if c.poll() is None]
        self._children.append(subprocess.Popen(cmd, start_new_session=True))
        return True

    def open_settings(self) -> bool:
        return self._spawn("movebreak.ui.settings")

    def open_history(self) -> bool:
        return self._spawn("movebreak.ui.history")

    def start_routine(self, reminder_id: int | None = None, exercise: str | None = None) -> bool:
        with self._lock:
            pending = self.engine.pending
        if exercise is None and pending is not None and (
                reminder_id is None or pending.id == reminder_id):
            exercise = pending.exercise_id
        args = ["--exercise", exercise] if exercise else []
        return self._spawn("movebreak.ui.routine", *args)

    def show_safety(self, first_run: bool = False) -> None:
        """The safety notice. With a display: the Safety window (`first_run`: it stays until
        its acknowledge button records it in state.toml; the app opens it at every start
        until then). Without one: printed on the terminal, with how to acknowledge
        (`movebreak safety --ack`), and sent as a notification. Nothing is recorded here."""
        if self._spawn("movebreak.ui.safety", *(["--first-run"] if first_run else [])):
            return
        if self._notifier.name != "console":  # the console notifier prints it itself
            say(f"\n== {safety.TITLE} ==\n{safety.BODY}\n")
        try:
            self._notifier.show_text(safety.TITLE, safety.BODY, urgent=True)
        except Exception:
            log.exception("safety notification failed")
        if first_run:
            say(safety.ACK_HINT)

    # ------------------------------------------------------------------ IPC
    def handle_command(self, message: dict[str, Any]) -> Any:
        """IPC thread: run one control command; exceptions become the CLI's error text."""
        cmd = message.get("cmd")
        args = message.get("args") or {}
        if not isinstance(args, dict):
            raise ValueError("args must be an object")

        def duration(key: str) -> float | None:
            raw = args.get(key)
            return None if raw in (None, "") else parse_duration(str(raw))

        kind = args.get("kind")
        if kind is not None and kind not in KINDS:
            raise ValueError(f"unknown reminder kind '{kind}' (one of: {', '.join(KINDS)})")
        if cmd == "status":
            return self.status()
        if cmd == "snooze":
            return _describe(self.snooze(duration("duration"), kind))
        if cmd == "pause":
            raw = args.get("duration")
            if raw == "tomorrow":
                return _describe(self.pause_until_tomorrow())
            return _describe(self.pause(duration("duration")))
        if cmd == "resume":
            return _describe(self.resume())
        if cmd == "break":
            return _describe(self.break_now(kind))
        if cmd in ("done", "skip"):
            rid = args.get("id")
            fn = self.done if cmd == "done" else self.skip
            return _describe(fn(int(rid) if rid is not None else None))
        if cmd == "reload":
            return self.reload_config()
        if cmd == "settings":
            return {"opened": self.open_settings()}
        if cmd == "safety":
            self.show_safety()
            return {"shown": True}
        if cmd == "ping":
            return {"pid": os.getpid()}
        if cmd == "quit":
            threading.Timer(0.05, self.quit).start()
            return {"quitting": os.getpid()}
        raise ValueError(f"unknown command '{cmd}'")


def _describe(events: list[Event]) -> list[dict[str, Any]]:
    return [{"type": e.type, "kind": e.kind, "at": e.at.isoformat(), **{
        k: v for k, v in e.detail.items() if isinstance(v, (str, int, float, bool, type(None)))}}
        for e in events]


def snooze_label(snooze_s: int) -> str:
    """The Snooze button's text, shared by notifications and the tray menu."""
    return f"Snooze {max(1, round(snooze_s / 60))} min"


def next_due_text(status: dict[str, Any]) -> str:
    """One line for menus and the CLI: what comes next and when."""
    if status.get("paused"):
        until = status.get("paused_until")
        if until:
            t = datetime.fromisoformat(until).astimezone().strftime("%H:%M")
            return f"Paused until {t}"
        return "Paused"
    nxt = status.get("next")
    if not nxt:
        return "No reminders enabled"
    from movebreak.core.durations import format_countdown
    secs = max(0, int(nxt["in_s"]))
    return f"Next: {nxt['title']} in {format_countdown(secs)}"


