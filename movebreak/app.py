"""Composition root: builds the engine and every adapter, and the facade other threads call.

Thread contract (docs/ARCHITECTURE.md has the full table):
- The *owner* (the driver's single APScheduler worker) is the only thread that touches the
  engine, shows or withdraws notifications, writes history, reloads the config and starts
  window processes. Methods that start with `_` and say "owner" run only there.
- Every other thread submits a command (`snooze`, `done`, ... below, or `submit`) and, where it
  needs an answer, waits for that command's result. Effects are applied on the owner in the
  order the engine produced them.
- Readers (tray, tooltips, `status`) read the immutable `Status` the owner publishes after every
  job (`status()`); they never take a lock or touch SQLite.
- Hold sources (adapters/holds/): watched ones report from their own thread through
  `report_hold`, which submits to the owner; polled ones are read by the owner at its tick.
  The owner passes both to the engine (`_on_hold`, `_sync_holds`), gated by the settings
  `respect_dnd` and `hold_when_fullscreen`.
- Timers survive a restart: the owner saves the engine's state (`storage.save_timers`) at most
  once a minute from its tick, when the machine goes to sleep and at quit; `__init__` (main
  thread, before any other thread runs) continues it, or reports why it cannot.
- main thread: start-up, then the tray's loop (or a wait), then `shutdown()`.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from movebreak.adapters import ipc, launcher, storage
from movebreak.adapters.driver import Driver, DriverStopped, utcnow
from movebreak.adapters.sound import ReminderSound
from movebreak.core import catalog, safety
from movebreak.core.catalog import KINDS, Reminder
from movebreak.core.durations import format_duration, parse_duration
from movebreak.core.engine import WATCHDOG_S, Engine, EngineError, Event, StateError
from movebreak.core.events import RECORDED, EventType
from movebreak.core.l10n import _, format_time, ngettext
from movebreak.core.status import Status
from movebreak.core.texts import describe, snooze_label

log = logging.getLogger(__name__)

#: Seconds between delivery attempts while the notification server is away.
RETRY_S = 5
#: Seconds between saves of the timers (from the owner's tick; also at sleep and quit).
SAVE_EVERY_S = 60
#: Events after which the reminder's notification is taken off the screen.
_WITHDRAW = {EventType.DONE, EventType.SNOOZED, EventType.SKIPPED, EventType.SUPERSEDED,
             EventType.NATURAL}


def watchdog_s() -> int:
    """The engine's watchdog period: MOVEBREAK_WATCHDOG_S (whole seconds >= 1, for tests that
    jump the clock) or the default 30 s."""
    raw = os.environ.get("MOVEBREAK_WATCHDOG_S", "").strip()
    return max(1, int(raw)) if raw.isdigit() else WATCHDOG_S


def say(text: str) -> None:
    """Terminal output for the user (stdout, flushed: also read by tests and `make run`)."""
    print(text, flush=True)


class App:
    """The running instance. Construct, `start()`, then `run_forever()` on the main thread.

    Tests build it in-process with an injected `clock`, `notifier`, `idle` source, `holds`
    (an object like adapters.holds.Holds: `poll()`, `names()`, `close()`), `driver` (e.g.
    one that runs commands inline and ticks on a simulated clock) and `launch`.
    """

    def __init__(self, config_path: Path, *, clock: Callable[[], datetime] = utcnow,
                 tz=None, use_tray: bool = True, notifier=None, idle=None, holds=None,
                 driver: Callable[..., Any] = Driver,
                 launch: Callable[[list[str]], Any] = launcher.launch,
                 display: bool | None = None, sound=None, return_watch=None) -> None:
        self.config_path = config_path
        self.clock = clock
        self.tz = tz
        self._stopped = threading.Event()
        self._use_tray = use_tray
        self._notifier = notifier
        self._idle = idle
        self._holds = holds
        self._return_watch = return_watch  # owner: tells at the next input while away
        self._watching = False  # owner: the return watch is armed
        self._hold_raw: dict[str, bool] = {}  # owner: what each source last said
        self._saved_at: datetime | None = None  # owner: when the timers were last saved
        self._launch = launch
        self._display = launcher.display_available() if display is None else display
        self._serving = False
        self._tray_shown = False  # owner: the icon is really on a tray (tray_changed)
        self._delivery_problem: str | None = None  # owner: why the last reminder failed
        self._notices: set[str] = set()  # owner: problems already told in a notification
        self._undelivered: Reminder | None = None  # owner only
        self._sound = sound if sound is not None else ReminderSound()  # owner only
        self.tray = None
        self.tray_problem: str | None = None
        self.config_problems: list[str] = []

        self.runtime_dir = storage.runtime_dir()
        self.lock = ipc.InstanceLock(self.runtime_dir)
        self.lock.acquire()  # raises ipc.AlreadyRunning

        result = storage.load_config(config_path)
        self.settings = result.settings
        if self.settings.language != "auto":  # before any text is built
            from movebreak.adapters.locale_formats import setup
            setup(self.settings.language)
        self._report_config(result)
        self._config_mtime = storage.config_mtime_ns(config_path)

        from movebreak.adapters.history import open_history
        self.history = open_history(storage.history_path())
        self.history_problem = getattr(self.history, "open_error", None)
        if self.history_problem:
            say("movebreak: " + _("history problem: {problem}").format(
                problem=self.history_problem))
        from movebreak.adapters.history import HistoryError
        try:  # general.keep_history_days (main thread: no other thread runs yet)
            pruned = self.history.prune(self.clock(), self.settings.keep_history_days)
        except HistoryError as e:
            log.warning("history: not pruned: %s", e)
        else:
            if pruned.removed:
                say(f"movebreak: {pruned.message}")

        self.engine, self._restored = self._restore_engine()
        self._status = self._build_status(self.clock())
        self.server = ipc.Server(self.runtime_dir, self.handle_command)
        self.driver = driver(tick=self._tick, plan=self._settle, watchdog_s=watchdog_s())

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Main thread: make the tray, start the IPC thread and the owner, whose first job
        picks the notifier and idle source (probing D-Bus can be slow: the tray does not wait
        for it). A quit that arrives meanwhile (a signal) skips the remaining steps."""
        if self._use_tray:
            self._make_tray()
        if self._stopped.is_set():
            return
        self._status = self._build_status(self.clock())  # no other thread runs yet
        self.server.start()
        self._serving = True
        self.driver.start(first=self._started)

    def _restore_engine(self) -> tuple[Engine, list[Event]]:
        """Main thread, before any other thread runs: continue the timers saved by the last
        run, or start fresh and say why (a bad file is reported, never fatal)."""
        now = self.clock()
        problem = None
        try:
            saved = storage.load_timers()
        except storage.StateFileError as e:
            saved, problem = None, str(e)
        if saved is not None:
            try:
                engine, events = Engine.from_state(self.settings, saved, now, tz=self.tz,
                                                   watchdog_s=watchdog_s())
            except StateError as e:
                problem = f"{storage.timers_path()}: {e}"
            else:
                at = saved.get("saved_at", "?")
                # TRANSLATORS: {at} is when the timers were saved (an ISO time).
                how = _("timers restored from the last run (saved {at}; the time away counted "
                        "as a break)") if events else \
                    _("timers restored from the last run (saved {at}; countdowns continued)")
                say("movebreak: " + how.format(at=at))
                return engine, events
        if problem:
            say("movebreak: " + _("timers not restored: {problem}; every interval starts now")
                .format(problem=problem))
        return Engine(self.settings, now, tz=self.tz, watchdog_s=watchdog_s()), []

    def _started(self) -> None:
        """Owner, first job: notifier, idle and hold sources, the start line, first-run
        safety, the events of the gap since the last run."""
        if self._notifier is None:
            from movebreak.adapters.notify.select import choose_notifier
            self._notifier = choose_notifier(self.on_action)
        if hasattr(self._notifier, "on_server"):  # a server appeared: re-deliver at once
            self._notifier.on_server = lambda: self.submit(self._redeliver)
        self._notifier.start()
        self._apply_sound()
        if self._idle is None:
            from movebreak.adapters.idle import choose_idle_source
            self._idle = choose_idle_source()
        self._apply(self._restored)
        self._restored = []
        if self._holds is None:
            from movebreak.adapters.holds import choose_holds
            self._holds = choose_holds(self.report_hold, self.clock)
        if self._return_watch is None:
            from movebreak.adapters.idle.watch import make_return_watch
            self._return_watch = make_return_watch(getattr(self._idle, "name", ""),
                                                   getattr(self._holds, "bus", None))
        # TRANSLATORS: the tray part of the start line ("tray: yes").
        tray = (_("yes") if self._tray_shown else _("watching for a tray host")) if self.tray \
            else _("no - {why}").format(why=self.tray_problem or _("disabled"))
        # TRANSLATORS: the start line; {notifier} and {idle} are backend names (dbus, x11).
        say(_("movebreak running (PID {pid}): notifications via {notifier}, tray: {tray}, "
              "idle source: {idle}").format(pid=os.getpid(), notifier=self._notifier.name,
                                            tray=tray, idle=getattr(self._idle, "name", "none")))
        names = self._holds.names()
        # TRANSLATORS: {source} is what reports it, e.g. "gnome-shell (show-banners)".
        watched = [_("{what} ({source})").format(what=what, source=names[reason])
                   for reason, what in (
            ("dnd", _("do not disturb")), ("fullscreen", _("full screen")),
            ("locked", _("screen lock")), ("sleep", _("sleep")))
            if not names.get(reason, "none").startswith("none")]
        if watched:  # the sources that are missing, and why, are in `movebreak doctor`
            # TRANSLATORS: {sources} e.g. "do not disturb (mako), screen lock (logind)".
            say("movebreak: " + _("reminders wait during {sources}").format(
                sources=", ".join(watched)))
        if storage.safety_acknowledged(self.config_path) is None:
            self._show_safety(True)
        self._tell_problems()
        if self._display:
            self._install_menu_entry()

    def _install_menu_entry(self) -> None:
        """Owner, at start: the application menu entry, written once (adapters/menu_entry)."""
        from movebreak.adapters import menu_entry
        try:
            written = menu_entry.install_once(storage.data_dir() / "menu-entry-written")
        except OSError as e:
            log.warning("application menu entry not written: %s", e)
            return
        if written:
            say("movebreak: " + _("added to the application menu ({path}); "
                                  "`movebreak menu-entry off` removes it").format(
                path=menu_entry.entry_path()))

    def _make_tray(self) -> None:
        # The icon never draws with GL; unset, GTK loads the GL driver (Mesa/LLVM, ~25 MB) to
        # pick visuals when it is the session's first GTK client (e.g. started at login).
        os.environ.setdefault("GDK_GL", "disable")
        try:
            from movebreak.adapters.tray import Tray, tray_unavailable_reason, watch_mode
        except ImportError as e:  # tray adapter missing in this build
            self.tray_problem = _("tray adapter unavailable ({error})").format(error=e)
            return
        backends, _why = watch_mode()
        if backends:  # GTK: the tray finds hosts as they come and go
            self.tray_problem = _("waiting for a system tray")
            self.tray = Tray(self, self._status, watch=backends)
            return
        reason = tray_unavailable_reason()
        if reason:
            self.tray_problem = reason
            # TRANSLATORS: {reason} says why there is no tray icon.
            say("movebreak: " + _("no tray icon: {reason}. Reminders still arrive as "
                                  "notifications and on this terminal; control with "
                                  "`movebreak status|snooze|pause|quit`.").format(reason=reason))
            return
        self.tray = Tray(self, self._status)
        self._tray_shown = True  # not watched: pystray shows it on the host found at start

    def run_forever(self) -> None:
        """Main thread: the tray loop, or a wait until quit when there is no tray."""
        try:
            if self.tray is not None and not self._stopped.is_set():
                self.tray.run()  # returns when the tray stops
                if not self._stopped.is_set():
                    self.tray_problem = _("tray stopped")
            self._stopped.wait()
        finally:
            self.shutdown()

    def quit(self) -> None:
        """Any thread: stop the app (the main thread finishes the shutdown)."""
        self._stopped.set()
        if self.tray is not None:
            self.tray.stop()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def shutdown(self) -> None:
        """Main thread: stop taking commands, let the owner finish, flush history, release."""
        self._stopped.set()
        if self._serving:
            self.server.stop()
        if self._notifier is not None:  # the owner ran its first job: it is there to ask
            try:
                self._call(self._save_timers)
            except Exception as e:  # noqa: BLE001 - a quit must never hang or fail on this
                log.warning("timers not saved at quit: %s", e)
        self.driver.stop()
        if self._notifier is not None:
            self._notifier.stop()
        if self._idle is not None:
            self._idle.close()
        if self._return_watch is not None:
            self._return_watch.close()
        if self._holds is not None:
            self._holds.close()
        self.history.close()
        self.lock.release()
        say(_("movebreak stopped"))

    # ------------------------------------------------------------------ submitting
    def submit(self, fn: Callable[..., Any], *args: Any) -> Future | None:
        """Any thread: run `fn(*args)` on the owner; don't wait. Failures are logged."""
        try:
            fut = self.driver.submit(fn, *args)
        except DriverStopped:
            return None
        fut.add_done_callback(_log_failure)
        return fut

    def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Any thread: run `fn(*args)` on the owner and return its result."""
        return self.driver.call(fn, *args)

    # ------------------------------------------------------------------ owner: tick
    def _tick(self) -> None:
        """Owner: poll idle and the polled hold sources, tick the engine, apply what it says,
        retry an undelivered one, save the timers now and then."""
        if self._notifier is None:  # the first job did not run (a quit during start-up)
            return
        self._maybe_reload()
        idle = self._idle.idle_seconds() if self._idle is not None else None
        if self._holds is not None:
            polled = self._holds.poll()
            if polled:
                self._hold_raw.update(polled)
                self._apply(self._sync_holds(self.clock()))
        now = self.clock()
        events = self.engine.tick(now, idle)
        retry = self._undelivered
        if retry is not None and not any(e.type == EventType.SHOWN for e in events):
            self._undelivered = None
            pending = self.engine.pending
            if pending is not None and pending.id == retry.id:  # not answered meanwhile
                self._deliver(retry)
        self._apply(events)
        self._arm_return(now)
        if self._saved_at is None or (now - self._saved_at).total_seconds() >= SAVE_EVERY_S \
                or now < self._saved_at:
            self._save_timers()

    def _away_idle(self, now: datetime) -> bool:
        """Owner: away because of no input (a locked screen ends by its own signal)."""
        return self.engine.away and "locked" not in self.engine.holds(now)

    def _arm_return(self, now: datetime) -> None:
        """Owner, after a tick: while away (no input), have the return watch tick at the
        user's next input, so coming back is seen at once (adapters/idle/watch.py)."""
        if not self._away_idle(now):
            self._watching = False
        elif not self._watching and self._return_watch is not None:
            self._watching = True
            self._return_watch.arm(self._on_return)

    def _on_return(self) -> None:
        """The return watch's thread: input after time away; tick on the owner now."""
        self.submit(self._returned)

    def _returned(self) -> None:
        """Owner: the return watch fired (it is one-shot); tick, which re-arms if still away."""
        self._watching = False
        self._tick()

    def _save_timers(self) -> None:
        """Owner: save the engine's timers (atomically); a failure is logged, never fatal."""
        now = self.clock()
        self._saved_at = now
        try:
            storage.save_timers(self.engine.export_state(now))
        except OSError as e:
            log.warning("timers not saved: %s", e)

    # ------------------------------------------------------------------ owner: holds
    def report_hold(self, reason: str, on: bool, at: datetime | None = None) -> None:
        """Any thread (a hold source's signal): hand the change to the owner, don't wait.
        `reason`: dnd, fullscreen, locked, or sleep (on = going to sleep, off = woken)."""
        self.submit(self._on_hold, reason, bool(on), at or self.clock())

    def _on_hold(self, reason: str, on: bool, at: datetime) -> None:
        """Owner: a hold source changed. Sleep is recorded when it happens (and the timers
        saved); the others go through `_sync_holds`. When a hold ends, tick at once so a
        held reminder is shown now."""
        if reason == "sleep":
            self._apply(self.engine.sleep(at) if on else self.engine.wake(at))
            if on:
                self._save_timers()
        else:
            self._hold_raw[reason] = on
            self._apply(self._sync_holds(at))
        if not on:
            self._tick()

    def _hold_wanted(self, reason: str) -> bool:
        return {"dnd": self.settings.respect_dnd,
                "fullscreen": self.settings.hold_when_fullscreen}.get(reason, True)

    def _sync_holds(self, at: datetime) -> list[Event]:
        """Owner: tell the engine each reported hold the settings let through."""
        events: list[Event] = []
        for reason in ("dnd", "fullscreen", "locked"):
            on = self._hold_raw.get(reason, False) and self._hold_wanted(reason)
            events += self.engine.set_hold(reason, on, at)
        return events

    def _redeliver(self) -> None:
        """Owner: a notification server appeared; show a reminder that found none."""
        retry, self._undelivered = self._undelivered, None
        pending = self.engine.pending
        if retry is not None and pending is not None and pending.id == retry.id:
            self._deliver(retry)

    def _settle(self) -> datetime:
        """Owner, after every job: publish the status; say when to tick next."""
        now = self.clock()
        self._status = self._build_status(now)
        if self.tray is not None:
            self.tray.show(self._status)
        planned = self.engine.next_wakeup(now)
        if self._undelivered is not None:  # server gone: try again soon, not at the next due
            planned = min(planned, now + timedelta(seconds=RETRY_S))
        if self._return_watch is None and self._notifier is not None and self._away_idle(now):
            from movebreak.adapters.idle.watch import POLL_WHILE_AWAY_S
            planned = min(planned, now + timedelta(seconds=POLL_WHILE_AWAY_S))
        return planned

    def tray_changed(self, shown: bool, backend: str | None, detail: str) -> None:
        """Owner (submitted by the tray): the icon appeared on a host, or is gone."""
        was, self._tray_shown = self._tray_shown, shown
        self.tray_problem = None if shown else detail
        if hasattr(self._notifier, "tray_available"):  # console: mention the tray or not
            self._notifier.tray_available = shown
        if shown != was:
            # TRANSLATORS: {backend} is a tray backend (gtk, appindicator), {detail} says why.
            text = _("tray icon shown ({backend}: {detail})") if shown else \
                _("tray icon not shown ({backend}: {detail})")
            say("movebreak: " + text.format(backend=backend, detail=detail))

    def _build_status(self, now: datetime) -> Status:
        local = now.astimezone(self.tz)
        try:
            today = self.history.counts_for_day(local.date(), self.tz or local.tzinfo)
        except Exception as e:  # a locked database must not stop the status
            log.warning("history: today's counts unavailable: %s", e)
            today = dict(self._status.today) if hasattr(self, "_status") else {}
        holds = self._holds.names() if self._holds is not None else {}
        return self.engine.status(now).with_app(
            today=today, notifier=self._notifier.name if self._notifier else None,
            hold_sources=holds,
            tray=self._tray_shown, tray_problem=None if self._tray_shown else self.tray_problem,
            config=str(self.config_path), config_problems=self.config_problems,
            warnings=self._warnings(), pid=os.getpid())

    def _warnings(self) -> list[str]:
        """What a tray-only user must know, for the first lines of the menu and `status`."""
        out = []
        if self._delivery_problem:
            out.append(self._delivery_problem)
        if self.config_problems:
            more = len(self.config_problems) - 1
            # TRANSLATORS: {problem} is the first config problem; {n} how many more there are.
            out.append(ngettext("Config: {problem} (and {n} more)",
                                "Config: {problem} (and {n} more)", more).format(
                problem=self.config_problems[0], n=more) if more else
                _("Config: {problem}").format(problem=self.config_problems[0]))
        if self.history_problem:
            out.append(_("History: {problem}").format(problem=self.history_problem))
        if self._sound.problem:
            out.append(self._sound.problem)
        return out

    def _tell_once(self, key: str, title: str, body: str) -> None:
        """Owner: one notification per distinct problem (not one per tick)."""
        if key in self._notices or self._notifier is None:
            return
        try:
            if self._notifier.show_text(title, body):
                self._notices.add(key)
        except Exception:
            log.exception("problem notification failed")

    def _tell_problems(self) -> None:
        """Owner: problems found at start or on a reload, told once as a notification."""
        if self.config_problems:
            self._tell_once("config:" + "|".join(self.config_problems),
                            "movebreak: " + _("settings not applied"),
                            "\n".join(self.config_problems) + "\n" +
                            _("(file: {path})").format(path=self.config_path))
        if self.history_problem:
            self._tell_once("history:" + self.history_problem,
                            "movebreak: " + _("history problem"), self.history_problem)
        if self.tray is None and self._display and self.tray_problem:
            # TRANSLATORS: {reason} says why there is no tray icon.
            self._tell_once("tray:" + self.tray_problem, "movebreak: " + _("no tray icon"),
                            _("{reason}. Reminders still come as notifications; "
                              "`movebreak status|snooze|pause|quit` control it.").format(
                                reason=self.tray_problem))

    def _apply(self, events: list[Event]) -> None:
        """Owner: the effects of engine events, in the engine's order."""
        for ev in events:
            if ev.type in RECORDED:
                detail = dict(ev.detail)
                if ev.reminder is not None:
                    detail.setdefault("reminder", ev.reminder.id)
                    detail.setdefault("exercise", ev.reminder.exercise_id)
                self._record(ev.type, ev.kind, ev.at, detail or None)
            if ev.reminder is not None:
                if ev.type == EventType.SHOWN:
                    self._deliver(ev.reminder)
                elif ev.type in _WITHDRAW:
                    if self._undelivered is not None and self._undelivered.id == ev.reminder.id:
                        self._undelivered = None
                    self._withdraw(ev.reminder.id)
            if ev.type == EventType.NATURAL:
                # TRANSLATORS: {time} is how long the person was away, e.g. "5m".
                say(f"[{self._stamp(ev.at)}] " + _("natural break recorded (away {time})").format(
                    time=format_duration(int(ev.detail.get("away_s", 0)))))
            elif ev.type == EventType.HOLD:
                log.info("hold %s %s", ev.detail.get("reason"),
                         "on" if ev.detail.get("on") else "off")

    def _record(self, type_: str, kind: str | None, at: datetime, detail=None) -> None:
        """Owner: write one history event; a locked or failing database drops it, never the
        app."""
        try:
            self.history.record(str(type_), kind, at=at, detail=detail)
        except Exception as e:
            log.warning("history: %s event not recorded: %s", type_, e)

    def _deliver(self, reminder: Reminder) -> None:
        """Owner: show a reminder; a notifier that fails keeps it for the next tick."""
        label = snooze_label(self.settings.snooze_s)
        ok = False
        try:
            ok = self._notifier.show(reminder, label)
        except Exception:
            log.exception("notifier failed")
        # the sound, where the server does not play it (adapters/sound.py); once per reminder
        self._sound.after_show(self.settings.sound, self._notifier, reminder.id)
        if self._notifier.name == "console":
            return  # it printed the reminder itself
        stamp = self._stamp(self.clock())
        if not ok:
            self._undelivered = reminder
            if self._delivery_problem is None:
                self._delivery_problem = _("No notification server answers: reminders are "
                                           "printed on the terminal until one does")
            # TRANSLATORS: {title} and {body} are the reminder's.
            say(f"[{stamp}] " + _("notification server unavailable; {title}: {body}").format(
                title=reminder.title, body=reminder.body))
            return
        if self._delivery_problem is not None:  # the server came back
            self._delivery_problem = None
            self._tell_once(f"back:{reminder.id}",
                            "movebreak: " + _("notifications are back"),
                            _("The notification server answers again; reminders show here."))
        if not self._tray_shown:  # no icon to show a waiting reminder: echo it on the terminal
            # TRANSLATORS: {title} and {body} are the reminder's; the commands are typed as
            # they are.
            say(f"[{stamp}] " + _("{title}: {body} (answer with `movebreak done`, `snooze` or "
                                  "`skip`)").format(title=reminder.title, body=reminder.body))
        log.info("shown %s #%s (delivered: %s)", reminder.kind, reminder.id, ok)

    def _withdraw(self, reminder_id: int) -> None:
        try:
            self._notifier.withdraw(reminder_id)
        except Exception:
            log.exception("withdrawing notification %s failed", reminder_id)

    def _stamp(self, at: datetime) -> str:
        return format_time(at.astimezone(self.tz), seconds=True)

    # ------------------------------------------------------------------ owner: config
    def _report_config(self, result) -> None:
        self.config_problems = [p.message for p in result.problems]
        for p in result.problems:
            # TRANSLATORS: {path} is the config file, {problem} what is wrong in it.
            say("movebreak: " + _("config {path}: {problem}").format(path=self.config_path,
                                                                     problem=p.message))
        if result.backup is not None:
            say("movebreak: " + _("kept a copy of the problem file as {path}").format(
                path=result.backup))

    def _apply_sound(self) -> None:
        """Owner, at start and reload: the sound choice to the notifier (its hints); decide
        who plays the sound and, where movebreak does, check the sound device now."""
        if hasattr(self._notifier, "sound"):
            self._notifier.sound = self.settings.sound
        self._sound.prepare(self.settings.sound, self._notifier)

    def _maybe_reload(self) -> None:
        if storage.config_mtime_ns(self.config_path) != self._config_mtime:
            self._reload()

    def _reload(self) -> dict[str, Any]:
        """Owner: re-read config.toml and reschedule live; a broken edit keeps the last good
        values."""
        result = storage.load_config(self.config_path, fallback=self.settings)
        self._config_mtime = storage.config_mtime_ns(self.config_path)
        if result.settings.language != self.settings.language:  # texts switch live: the
            from movebreak.adapters.locale_formats import setup  # tray's menu and tooltip at
            setup(result.settings.language)  # this job's snapshot (_settle), then the rest
        self._report_config(result)
        self.settings = result.settings
        self._apply(self.engine.apply_settings(result.settings, self.clock()))
        self._apply(self._sync_holds(self.clock()))
        self._tell_problems()
        self._apply_sound()
        return {"problems": self.config_problems,
                "backup": str(result.backup) if result.backup else None}

    def reload_config(self) -> dict[str, Any]:
        """Any thread: re-read the config now (SIGHUP, `movebreak` after a settings save)."""
        return self._call(self._reload)

    # ------------------------------------------------------------------ commands
    def _engine_command(self, name: str, *args: Any) -> list[dict[str, Any]]:
        """Owner: one engine command at the current time, its effects applied."""
        events = getattr(self.engine, name)(self.clock(), *args)
        self._apply(events)
        return describe(events)

    def status(self) -> Status:
        """Any thread: the latest published snapshot (no lock, no I/O)."""
        return self._status

    def snooze(self, seconds: float | None = None, kind: str | None = None,
               reminder_id: int | None = None) -> list[dict[str, Any]]:
        return self._call(self._engine_command, "snooze", seconds, kind, reminder_id)

    def done(self, reminder_id: int | None = None) -> list[dict[str, Any]]:
        return self._call(self._engine_command, "done", reminder_id)

    def skip(self, reminder_id: int | None = None) -> list[dict[str, Any]]:
        return self._call(self._engine_command, "skip", reminder_id)

    def pause(self, seconds: float | None = None) -> list[dict[str, Any]]:
        return self._call(self._engine_command, "pause", seconds)

    def pause_until_tomorrow(self) -> list[dict[str, Any]]:
        return self._call(self._engine_command, "pause_until_tomorrow")

    def resume(self) -> list[dict[str, Any]]:
        return self._call(self._engine_command, "resume")

    def break_now(self, kind: str | None = None) -> list[dict[str, Any]]:
        return self._call(self._engine_command, "break_now", kind)

    #: Requests the tray may make (`request`): engine commands, then windows.
    ENGINE_REQUESTS = ("snooze", "done", "skip", "pause", "pause_until_tomorrow", "resume",
                       "break_now")
    WINDOW_REQUESTS = {"settings": "movebreak.ui.settings", "history": "movebreak.ui.history",
                       "safety": "movebreak.ui.safety", "tips": "movebreak.ui.tips"}

    def request(self, action: str, *args: Any) -> None:
        """Any thread (the tray's loop, the signal thread): hand an action to the owner
        without waiting."""
        if action == "quit":
            self.quit()
        elif action == "reload":
            self.submit(self._reload)
        elif action in self.ENGINE_REQUESTS:
            self.submit(self._engine_command, action, *args)
        elif action == "routine":
            self.submit(self._start_routine, None)
        elif action in self.WINDOW_REQUESTS:
            self.submit(self._spawn, self.WINDOW_REQUESTS[action])
        else:
            raise ValueError(f"unknown request '{action}'")

    def on_action(self, reminder_id: int, action: str) -> None:
        """Notifier thread: a button was pressed; hand it to the owner, don't wait."""
        self.submit(self._on_action, reminder_id, action)

    def _on_action(self, reminder_id: int, action: str) -> None:
        """Owner: apply a notification button. An answer to a reminder that no longer waits
        is recorded as `stale_action` with the reason, never dropped."""
        engine_action = {"done": "done", "skip": "skip", "snooze": "snooze"}.get(action)
        if action == "start":
            self._start_routine(reminder_id)
            return
        if engine_action is None:
            return  # clicked / dismissed: nothing to change
        try:
            if engine_action == "snooze":
                self._engine_command("snooze", None, None, reminder_id)
            else:
                self._engine_command(engine_action, reminder_id)
        except EngineError as e:
            log.info("action %s on reminder %s: %s", action, reminder_id, e)
            self._record(EventType.STALE_ACTION, None, self.clock(),
                         {"reminder": reminder_id, "action": action,
                          "reason": getattr(e, "english", str(e))})  # history stays English

    # ------------------------------------------------------------------ windows
    def _spawn(self, module: str, *args: str) -> bool:
        """Owner: start a Tk window in its own process (Tk must not share pystray's main
        thread)."""
        if not self._display:
            return False
        self._launch([sys.executable, "-m", module, "--config", str(self.config_path), *args])
        return True

    def open_settings(self) -> bool:
        return self._call(self._spawn, "movebreak.ui.settings")

    def open_history(self) -> bool:
        return self._call(self._spawn, "movebreak.ui.history")

    def start_routine(self) -> bool:
        return self._call(self._start_routine, None)

    def _start_routine(self, reminder_id: int | None) -> bool:
        """Owner: the guided routine. From a notification's Start button: that reminder's
        exercise. From the tray (`reminder_id` None): always a stretch, the waiting one if it
        is a stretch or glide, else the next stretch in the rotation."""
        pending = self.engine.pending
        if reminder_id is not None:
            exercise = pending.exercise_id if pending is not None and pending.id == reminder_id \
                else None
        else:
            exercise = catalog.routine_exercise(
                pending.kind if pending else None, pending.exercise_id if pending else None,
                self.engine.rotation("stretch"), self.settings.desk_only)
        return self._spawn("movebreak.ui.routine", *(["--exercise", exercise] if exercise else []))

    def show_safety(self) -> None:
        self._call(self._show_safety, False)

    def _show_safety(self, first_run: bool) -> None:
        """Owner: the safety notice. With a display: the Safety window (`first_run`: it stays
        until its acknowledge button records it in state.toml; the app opens it at every start
        until then). Without one: printed on the terminal, with how to acknowledge
        (`movebreak safety --ack`), and sent as a notification. Nothing is recorded here."""
        if self._spawn("movebreak.ui.safety", *(["--first-run"] if first_run else [])):
            return
        if self._notifier.name != "console":  # the console notifier prints it itself
            say(f"\n== {safety.title()} ==\n{safety.body()}\n")
        try:
            self._notifier.show_text(safety.title(), safety.body(), urgent=True)
        except Exception:
            log.exception("safety notification failed")
        if first_run:
            say(safety.ack_hint())

    # ------------------------------------------------------------------ IPC
    def handle_command(self, message: dict[str, Any]) -> Any:
        """IPC worker thread: run one control command (reading the snapshot, or waiting for
        the owner); exceptions become the CLI's error text."""
        cmd = message.get("cmd")
        args = message.get("args") or {}
        if not isinstance(args, dict):
            raise ValueError(_("args must be an object"))

        def duration(key: str) -> float | None:
            raw = args.get(key)
            if raw is not None and not isinstance(raw, str):
                # TRANSLATORS: {key} is a field name; "10m" is typed as it is.
                raise ValueError(_("{key} is a text such as \"10m\", not {value}").format(
                    key=key, value=repr(raw)))
            return None if raw in (None, "") else parse_duration(raw)

        kind = args.get("kind")
        if kind is not None and (not isinstance(kind, str) or kind not in KINDS):
            raise ValueError(_("unknown reminder kind '{kind}' (one of: {kinds})").format(
                kind=kind, kinds=", ".join(KINDS)))
        if cmd == "status":
            return self.status().to_json(self.clock())
        if cmd == "snooze":
            return self.snooze(duration("duration"), kind)
        if cmd == "pause":
            if args.get("duration") == "tomorrow":
                return self.pause_until_tomorrow()
            return self.pause(duration("duration"))
        if cmd == "resume":
            return self.resume()
        if cmd == "break":
            return self.break_now(kind)
        if cmd in ("done", "skip"):
            rid = args.get("id")
            if rid is not None and (not isinstance(rid, int) or isinstance(rid, bool)):
                raise ValueError(_("a reminder id is a whole number, not {value}").format(
                    value=repr(rid)))
            fn = self.done if cmd == "done" else self.skip
            return fn(rid)
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
            threading.Timer(0.05, self.quit).start()  # after this reply is on its way
            return {"quitting": os.getpid()}
        raise ValueError(_("unknown command '{cmd}'").format(cmd=cmd))


def _log_failure(fut: Future) -> None:
    """Done-callback of fire-and-forget commands: an error is logged, never lost silently."""
    if fut.cancelled():
        return
    exc = fut.exception()
    if isinstance(exc, EngineError):
        log.info("command not applied: %s", exc)
    elif isinstance(exc, DriverStopped):
        log.debug("command dropped at shutdown")
    elif exc is not None:
        log.error("command failed", exc_info=exc)
