"""Scheduling rules: when each reminder kind is due, and what every user action does to that.

Pure and clock-injected: every method takes `now` (an aware datetime) and the engine never reads a
clock, sleeps or starts a thread, so tests can drive whole simulated days in a loop. Exactly one
thread (the owner, see adapters/driver.py) calls it.

Rules in one place:
- Each enabled kind has an *anchor* (when its current interval began) and a *due* time. Shown on
  time, the next one is anchored at the nominal due time, so a day of reminders never drifts.
- Done / Skip restart the kind's interval from now; Snooze moves the waiting reminder to now +
  the snooze length (an upcoming one is pushed back by that length).
- Holds: reminders wait while any hold is on. The reasons, in the order status names them
  (core/status.py HOLD_REASONS): paused, screen locked, away, do not disturb, full screen,
  outside working hours. The engine knows pause, away (idle) and working hours itself; the app
  reports the others (`set_hold`), each from one small source. One rule for all of them:
  a due reminder is held, never lost, and when the last hold ends at most one reminder is
  shown (the most important due one, by PRIORITY) and its interval starts then; the other
  kinds that fell due meanwhile start their intervals then too, so there is never a burst.
- What time does under a hold: with do not disturb or a full-screen window the user is at the
  computer, so intervals keep counting. Away (idle for at least the natural-break length) and a
  locked screen (away from the moment it locks) stop the clock: on return the `move` timer
  restarts if the time away was long enough (a natural break) and the other kinds resume with
  the time they had left. Pause and working hours restart every interval when they end.
- Sleep: `sleep` / `wake` (logind's PrepareForSleep) record when it happens; time asleep
  counts as time away. Without those signals a gap between ticks much longer than the
  watchdog period means the machine slept or the wall clock jumped forward, and that gap
  counts as time away. A backward jump keeps each kind's remaining time. Neither ever
  produces a burst: at most one reminder per tick, others wait `COALESCE_S` each.
- One reminder waits for an answer at a time. A newer one replaces it (a `superseded` event, so
  the app withdraws the old notification and records it). An answer to a replaced reminder still
  counts for its kind (done/skip restart that kind, snooze brings it back); an answer to one that
  was already answered raises `EngineError` naming why.
- Restart: `export_state` gives what matters (per kind anchor, due, rotation, snooze; pause;
  the current sitting stretch; away since) as plain data, and `from_state` continues it. A
  start within the natural-break length of the save continues the countdowns as they were; a
  later start counts the gap as time away (so a long gap is a natural break). A state that
  does not parse, or was saved in the future, raises `StateError` and is never half applied.
- The engine is not thread-safe and never needs to be: exactly one thread (the owner, see
  adapters/driver.py) calls it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta, timezone, tzinfo
from typing import Any

from movebreak.core.catalog import KINDS, Reminder, exercise_for, reminder_body
from movebreak.core.durations import format_seconds
from movebreak.core.events import EventType
from movebreak.core.l10n import N_, _, pgettext
from movebreak.core.settings import Settings
from movebreak.core.status import HOLD_REASONS, KindStatus, PendingStatus, Status

#: Order in which kinds win when several are due at once.
PRIORITY = ("move", "stretch", "nerve_glide", "core", "posture")
#: Spacing between reminders that fall due together.
COALESCE_S = 120
#: How often the driver ticks at the latest (idle polling, sleep detection).
WATCHDOG_S = 30
#: Extra lateness of a tick that still counts as "the process was running".
GAP_TOLERANCE_S = 20
#: A backward wall-clock step larger than this is a clock jump.
BACKWARD_TOLERANCE_S = 2
#: How many replaced, unanswered reminders still accept a late answer.
SUPERSEDED_KEPT = 16
#: Hold reasons the app reports (`set_hold`); the engine knows the others itself.
REPORTED_HOLDS = ("dnd", "fullscreen", "locked")
#: Version of `export_state`'s data.
STATE_VERSION = 1


class _UserError(ValueError):
    """An error the user reads (the CLI prints it, the app says it): `str()` is the message in
    the language installed when it was raised; `english` is the same message in English, for
    logs and history details. `message` is an `N_`-marked source text with str.format
    fields, filled from `fields`."""

    def __init__(self, message: str, **fields: Any) -> None:
        self.english = message.format(**fields)
        super().__init__(_(message).format(**fields))


class EngineError(_UserError):
    """A command that cannot apply now (e.g. Done with no reminder waiting)."""


class StateError(_UserError):
    """Saved engine state that cannot be continued (corrupt, or saved in the future)."""


#: How a reminder was answered -> why another answer is refused ({id}: the reminder's number;
#: None: any other answer, {how} names it).
_ANSWERED: dict[Any, str] = {
    # TRANSLATORS: {id} is a reminder's number; it was already marked done.
    EventType.DONE: N_("reminder {id} was already answered (done)"),
    # TRANSLATORS: {id} is a reminder's number; it was already snoozed.
    EventType.SNOOZED: N_("reminder {id} was already answered (snoozed)"),
    # TRANSLATORS: {id} is a reminder's number; it was already skipped.
    EventType.SKIPPED: N_("reminder {id} was already answered (skipped)"),
    # TRANSLATORS: {id} is a reminder's number, {how} an event name (keep it).
    None: N_("reminder {id} was already answered ({how})"),
}

# TRANSLATORS: about the timers saved by the last run: {what} names a field of the file
# (keep it), {value} is its saved value.
_NOT_A_TIME = N_("{what} is {value}, not a time")


@dataclass
class Event:
    """Something that happened; the app records it and shows `shown` reminders."""

    type: EventType
    kind: str | None
    at: datetime
    reminder: Reminder | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class _KindState:
    anchor: datetime
    due: datetime
    rotation: int = 0
    late_by_user: bool = False  # snoozed/deferred: re-anchor at show time


def _s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


class Engine:
    """Reminder state machine for all kinds. Not thread-safe: only the owner thread calls it."""

    def __init__(self, settings: Settings, now: datetime, tz: tzinfo | None = None,
                 watchdog_s: int = WATCHDOG_S) -> None:
        _check_aware(now)
        self.settings = settings
        self.tz = tz  # None = the system's local time (DST-aware via astimezone())
        self.watchdog_s = watchdog_s
        self._states: dict[str, _KindState] = {}
        self._last_tick = now
        self._paused = False
        self._paused_until: datetime | None = None
        self._away_since: datetime | None = None
        self._away_floor = now  # an away period never starts before the last one ended
        self._asleep_since: datetime | None = None
        self._reported: set[str] = set()  # hold reasons the app reported on (REPORTED_HOLDS)
        self._hold_start: datetime | None = None  # when reminders were first held, if they are
        self._hold_reasons: list[str] = []  # every reason seen since then (HOLD_REASONS order)
        self._sitting_since = now
        self._pending: Reminder | None = None
        self._superseded: OrderedDict[int, Reminder] = OrderedDict()
        self._answered: OrderedDict[int, EventType] = OrderedDict()
        self._next_id = 1
        self._in_hours = self.in_working_hours(now)
        for kind in settings.enabled_kinds():
            self._states[kind] = self._fresh(kind, now)

    # ------------------------------------------------------------------ queries
    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def paused_until(self) -> datetime | None:
        return self._paused_until

    @property
    def away(self) -> bool:
        return self._away_since is not None

    @property
    def asleep(self) -> bool:
        return self._asleep_since is not None

    def holds(self, now: datetime, in_hours: bool | None = None) -> tuple[str, ...]:
        """Why reminders wait at `now`, in HOLD_REASONS order (empty: they fire when due)."""
        if in_hours is None:
            in_hours = self.in_working_hours(now)
        active = set(self._reported)
        if self._paused:
            active.add("paused")
        if self._away_since is not None and "locked" not in active:
            active.add("away")
        if not in_hours:
            active.add("hours")
        return tuple(r for r in HOLD_REASONS if r in active)

    @property
    def pending(self) -> Reminder | None:
        """The last reminder shown and not yet answered (Done/Snooze/Skip)."""
        return self._pending

    def rotation(self, kind: str) -> int:
        """How many reminders of `kind` were shown: the index of its next exercise."""
        st = self._states.get(kind)
        return st.rotation if st else 0

    def due(self, kind: str) -> datetime | None:
        st = self._states.get(kind)
        return st.due if st else None

    def in_working_hours(self, now: datetime) -> bool:
        wh = self.settings.working_hours
        if wh is None:
            return True
        local = now.astimezone(self.tz)
        if local.weekday() not in self.settings.working_days:
            return False
        start, end = wh
        return start <= local.time().replace(tzinfo=None) < end

    def next_reminder(self) -> tuple[str, datetime] | None:
        """The kind due soonest and its due time (ignoring pause and working hours)."""
        if not self._states:
            return None
        kind = min(self._states, key=lambda k: (self._states[k].due, PRIORITY.index(k)))
        return kind, self._states[kind].due

    def next_wakeup(self, now: datetime) -> datetime:
        """When the driver must tick next: the earliest due time, pause end or working-hours
        edge, and never later than the watchdog period (idle polling, sleep detection)."""
        candidates = [now + _s(self.watchdog_s)]
        if self._paused:
            if self._paused_until is not None:
                candidates.append(self._paused_until)
        elif not self.holds(now, self._in_hours):  # held: due times would only spin the loop
            candidates.extend(st.due for st in self._states.values())
        edge = self._next_hours_edge(now)
        if edge is not None:
            candidates.append(edge)
        return max(min(candidates), now)

    def status(self, now: datetime) -> Status:
        """The engine's part of the status snapshot (the app adds its own fields)."""
        nxt = self.next_reminder()
        p = self._pending
        in_hours = self.in_working_hours(now)
        holds = self.holds(now, in_hours)
        held_until = None
        if holds and holds[0] == "paused":
            held_until = self._paused_until
        elif holds and holds[0] == "hours":
            held_until = self._next_hours_edge(now)
        sitting = None if set(holds) & {"paused", "locked", "away"} else self._sitting_since
        return Status(
            at=now, paused=self._paused, paused_until=self._paused_until, away=self.away,
            in_working_hours=in_hours, holds=holds, held_until=held_until,
            sitting_since=sitting,
            next_kind=nxt[0] if nxt else None, next_due=nxt[1] if nxt else None,
            pending=None if p is None else PendingStatus(
                id=p.id, kind=p.kind, title=p.title, body=p.body, exercise_id=p.exercise_id),
            kinds=tuple(KindStatus(
                kind=kind, enabled=kind in self._states,
                interval_s=self.settings.interval(kind),
                due=self._states[kind].due if kind in self._states else None,
                snoozed=bool(kind in self._states and self._states[kind].late_by_user))
                for kind in KINDS),
            snooze_s=self.settings.snooze_s)

    # ------------------------------------------------------------------ the tick
    def tick(self, now: datetime, idle_seconds: float | None = None) -> list[Event]:
        """Advance to `now`: detect sleep/clock jumps, idle, pause end, working hours; show what
        is due (at most one reminder) unless something holds it."""
        _check_aware(now)
        events: list[Event] = []
        gap = (now - self._last_tick).total_seconds()
        if gap < -BACKWARD_TOLERANCE_S:
            self._shift_all(_s(gap))
            events.append(Event(EventType.CLOCK_JUMP, None, now, detail={"jump_s": gap}))
        elif gap > self.watchdog_s + GAP_TOLERANCE_S:
            if self._asleep_since is not None:  # asleep by the signal; its wake is not here yet
                events.extend(self._wake(now, inferred=True))
            else:
                start = self._away_since or self._last_tick
                events.append(Event(EventType.SUSPEND, None, now, detail={"gap_s": gap}))
                if "locked" in self._reported:  # still locked: away goes on until unlocked
                    self._away_since = start
                else:
                    self._away_since = None
                    events.extend(self._end_away(start, now))
        self._last_tick = now

        if idle_seconds is not None and self._asleep_since is None:
            events.extend(self._track_idle(now, idle_seconds))

        if self._paused and self._paused_until is not None and now >= self._paused_until:
            events.extend(self.resume(now))

        in_hours = self.in_working_hours(now)
        if in_hours and not self._in_hours:
            self._restart_all(now)
            self._sitting_since = now
            events.append(Event(EventType.HOURS_START, None, now))
        self._in_hours = in_hours

        holds = self.holds(now, in_hours)
        if holds:
            if self._hold_start is None:
                self._hold_start = now
            self._hold_reasons += [r for r in holds if r not in self._hold_reasons]
            return events
        after_hold = None
        if self._hold_start is not None:
            after_hold = (self._hold_start, self._hold_reasons)
            self._hold_start, self._hold_reasons = None, []
        events.extend(self._fire_due(now, after_hold))
        return events

    def _fire_due(self, now: datetime,
                  after_hold: tuple[datetime, list[str]] | None = None) -> list[Event]:
        """Show the most important due kind. Others due at the same time follow COALESCE_S
        apart; right after a hold they start their intervals now instead (never a burst)."""
        due = [k for k in PRIORITY if k in self._states and self._states[k].due <= now]
        if not due:
            return []
        first, rest = due[0], due[1:]
        if after_hold is None:
            for i, kind in enumerate(rest, start=1):
                self._states[kind].due = now + _s(COALESCE_S * i)
            return self._show(first, now, manual=False)
        for kind in rest:
            self._restart(kind, now)
        self._states[first].late_by_user = True  # held: its next interval starts when shown
        events = self._show(first, now, manual=False)
        since, reasons = after_hold
        order = sorted(reasons, key=HOLD_REASONS.index)
        events[-1].detail.update(held_by=order[0] if order else None,
                                 held_s=(now - since).total_seconds(), also_due=rest)
        return events

    def _show(self, kind: str, now: datetime, manual: bool) -> list[Event]:
        """Make the reminder for `kind` the waiting one (replacing an unanswered one)."""
        st = self._states.get(kind)
        rotation = st.rotation if st else 0
        exercise = exercise_for(kind, rotation)
        reminder = Reminder(
            id=self._next_id, kind=kind, title=KINDS[kind].title,
            body=reminder_body(kind, exercise), exercise_id=exercise.id,
            due=st.due if st and not manual else now)
        self._next_id += 1
        events = []
        old = self._pending
        if old is not None:
            self._keep(self._superseded, old.id, old)
            events.append(Event(EventType.SUPERSEDED, old.kind, now, reminder=old,
                                detail={"by": reminder.id}))
        self._pending = reminder
        if st:
            interval = _s(self.settings.interval(kind))
            nominal = st.anchor + interval
            on_time = not manual and not st.late_by_user and now - nominal < interval
            st.anchor = nominal if on_time else now
            st.due = st.anchor + interval
            st.rotation += 1
            st.late_by_user = False
        events.append(Event(EventType.SHOWN, kind, now, reminder=reminder,
                            detail={"manual": manual}))
        return events

    # ------------------------------------------------------------------ idle / away
    def _track_idle(self, now: datetime, idle_seconds: float) -> list[Event]:
        threshold = self.settings.natural_break_s
        if self._away_since is None:
            if idle_seconds >= threshold:
                self._away_since = max(now - _s(idle_seconds), self._away_floor)
                return [Event(EventType.AWAY, None, now,
                              detail={"since": self._away_since.isoformat(), "reason": "idle"})]
            return []
        if idle_seconds < threshold and "locked" not in self._reported:
            back = now - _s(idle_seconds)
            start, self._away_since = self._away_since, None
            return self._end_away(start, max(back, start))
        return []

    def _end_away(self, start: datetime, back: datetime) -> list[Event]:
        """Close an away period: time away does not count; long enough = a natural break."""
        away = back - start
        self._shift_all(away)
        self._away_floor = max(self._away_floor, back)
        if away.total_seconds() < self.settings.natural_break_s:
            return []
        answered = None  # a waiting move reminder is answered by the break itself
        if self._pending is not None and self._pending.kind == "move":
            answered, self._pending = self._pending, None
            self._keep(self._answered, answered.id, EventType.NATURAL)
        events = [Event(EventType.NATURAL, "move", back, reminder=answered,
                        detail={"away_s": away.total_seconds()})]
        if "move" in self._states:
            self._states["move"] = replace(self._fresh("move", back),
                                           rotation=self._states["move"].rotation)
        self._sitting_since = back
        return events

    # ------------------------------------------------------------------ reported holds, sleep
    def set_hold(self, reason: str, on: bool, now: datetime) -> list[Event]:
        """A hold reason the app watches (do not disturb, full screen, screen locked) began
        or ended. A locked screen is away from the moment it locks; unlocking ends the away
        period (a natural break if it was long enough). Reminders that fell due wait; the next
        tick after the last hold ends shows at most one."""
        _check_aware(now)
        if reason not in REPORTED_HOLDS:
            raise ValueError(f"unknown hold reason {reason!r} (one of {REPORTED_HOLDS})")
        if on == (reason in self._reported):
            return []
        events = [Event(EventType.HOLD, None, now, detail={"reason": reason, "on": on})]
        if on:
            self._reported.add(reason)
        else:
            self._reported.discard(reason)
        if reason == "locked":
            if on and self._away_since is None:
                self._away_since = max(now, self._away_floor)
                events.append(Event(EventType.AWAY, None, now, detail={
                    "since": self._away_since.isoformat(), "reason": "locked"}))
            elif not on and self._away_since is not None and self._asleep_since is None:
                start, self._away_since = self._away_since, None
                events.extend(self._end_away(start, max(now, start)))
        return events

    def sleep(self, now: datetime) -> list[Event]:
        """The machine is about to sleep (logind's PrepareForSleep(true)): recorded now, and
        away from now. A signal handled only after the machine woke (the tick gap shows it)
        counts from the last tick instead."""
        _check_aware(now)
        if self._asleep_since is not None:
            return []
        late = (now - self._last_tick).total_seconds() > self.watchdog_s + GAP_TOLERANCE_S
        start = self._last_tick if late else now
        self._asleep_since = start
        if self._away_since is None:
            self._away_since = max(start, self._away_floor)
        self._last_tick = max(self._last_tick, now)
        return [Event(EventType.SUSPEND, None, start, detail={"signal": True})]

    def wake(self, now: datetime) -> list[Event]:
        """The machine woke (PrepareForSleep(false)): recorded, and the time asleep counts as
        away (still locked: away goes on until unlocked)."""
        _check_aware(now)
        if self._asleep_since is None:
            return []
        return self._wake(now, inferred=False)

    def _wake(self, now: datetime, inferred: bool) -> list[Event]:
        since, self._asleep_since = self._asleep_since, None
        self._last_tick = now
        detail: dict[str, Any] = {"asleep_s": max(0.0, (now - since).total_seconds())}
        if inferred:
            detail["inferred"] = True
        events = [Event(EventType.WAKE, None, now, detail=detail)]
        if "locked" not in self._reported and self._away_since is not None:
            start, self._away_since = self._away_since, None
            events.extend(self._end_away(start, max(now, start)))
        return events

    def _shift_all(self, delta: timedelta) -> None:
        for st in self._states.values():
            st.anchor += delta
            st.due += delta

    # ------------------------------------------------------------------ commands
    def _target(self, reminder_id: int | None) -> tuple[Reminder, bool]:
        """The reminder an answer is for, and whether it was replaced by a newer one."""
        p = self._pending
        if reminder_id is None or (p is not None and p.id == reminder_id):
            if p is None:
                raise EngineError(N_("no reminder is waiting for an answer"))
            return p, False
        if reminder_id in self._superseded:
            return self._superseded.pop(reminder_id), True
        how = self._answered.get(reminder_id)
        if how is not None:
            raise EngineError(_ANSWERED.get(how, _ANSWERED[None]), id=reminder_id, how=how)
        # TRANSLATORS: {id} is a reminder's number.
        raise EngineError(N_("reminder {id} is not waiting for an answer"), id=reminder_id)

    def _answer(self, now: datetime, reminder_id: int | None, how: EventType) -> list[Event]:
        """Done or Skip: restart that kind's interval from now and record the answer."""
        r, replaced = self._target(reminder_id)
        if not replaced:
            self._pending = None
        self._keep(self._answered, r.id, how)
        self._restart(r.kind, now)
        if how == EventType.DONE and r.kind == "move":
            self._sitting_since = now
        detail: dict[str, Any] = {"exercise": r.exercise_id}
        if replaced:
            detail["superseded"] = True
        return [Event(how, r.kind, now, reminder=r, detail=detail)]

    def done(self, now: datetime, reminder_id: int | None = None) -> list[Event]:
        """The user did it: restart that kind's interval from now."""
        return self._answer(now, reminder_id, EventType.DONE)

    def skip(self, now: datetime, reminder_id: int | None = None) -> list[Event]:
        """Not this time: restart that kind's interval from now, recorded as skipped."""
        return self._answer(now, reminder_id, EventType.SKIPPED)

    def snooze(self, now: datetime, seconds: float | None = None, kind: str | None = None,
               reminder_id: int | None = None) -> list[Event]:
        """Snooze the waiting (or a replaced) reminder: due again in `seconds`. With none
        waiting, push the next one (or `kind`'s) back by `seconds`."""
        secs = self.settings.snooze_s if seconds is None else seconds
        if secs <= 0:
            raise EngineError(N_("snooze length must be positive"))
        p = self._pending
        if reminder_id is not None or (p is not None and (kind is None or p.kind == kind)):
            r, replaced = self._target(reminder_id)
            if not replaced:
                self._pending = None
            self._keep(self._answered, r.id, EventType.SNOOZED)
            detail: dict[str, Any] = {"seconds": secs}
            if replaced:
                detail["superseded"] = True
            st = self._states.get(r.kind)
            if st is not None:
                st.due = now + _s(secs)
                st.late_by_user = True
                detail["due"] = st.due.isoformat()
            return [Event(EventType.SNOOZED, r.kind, now, reminder=r, detail=detail)]
        if kind is None:
            nxt = self.next_reminder()
            if nxt is None:
                raise EngineError(N_("no reminder is enabled"))
            kind = nxt[0]
        if kind not in self._states:
            # TRANSLATORS: {kind} is a reminder kind's id as typed (move, posture...).
            raise EngineError(N_("reminder kind '{kind}' is not enabled"), kind=kind)
        st = self._states[kind]
        st.due = max(st.due, now) + _s(secs)
        st.late_by_user = True
        return [Event(EventType.SNOOZED, kind, now,
                      detail={"seconds": secs, "due": st.due.isoformat()})]

    def break_now(self, now: datetime, kind: str | None = None) -> list[Event]:
        """Show a reminder right away (any kind, enabled or not); it counts as this slot's."""
        if kind is None:
            nxt = self.next_reminder()
            kind = nxt[0] if nxt else "move"
        if kind not in KINDS:
            # TRANSLATORS: {kind} is what was typed, {kinds} the reminder kind ids (keep them).
            raise EngineError(N_("unknown reminder kind '{kind}' (one of: {kinds})"), kind=kind,
                              kinds=", ".join(KINDS))
        return self._show(kind, now, manual=True)

    def pause(self, now: datetime, seconds: float | None = None,
              until: datetime | None = None) -> list[Event]:
        """Hold all reminders for `seconds`, until `until`, or (both None) until resumed."""
        if seconds is not None:
            if seconds <= 0:
                raise EngineError(N_("pause length must be positive"))
            until = now + _s(seconds)
        if until is not None:
            _check_aware(until)
        self._paused = True
        self._paused_until = until
        return [Event(EventType.PAUSED, None, now,
                      detail={"until": until.isoformat() if until else None})]

    def pause_until_tomorrow(self, now: datetime) -> list[Event]:
        """Pause until the next working-hours start after today, or local midnight."""
        return self.pause(now, until=self.tomorrow(now))

    def tomorrow(self, now: datetime) -> datetime:
        local = now.astimezone(self.tz)
        day = local.date() + timedelta(days=1)
        wh = self.settings.working_hours
        start = wh[0] if wh else time(0, 0)
        for _unused in range(8):
            if wh is None or day.weekday() in self.settings.working_days:
                break
            day += timedelta(days=1)
        return _local(day, start, self.tz)

    def resume(self, now: datetime) -> list[Event]:
        """End a pause; every interval starts again from now."""
        if not self._paused:
            return []
        self._paused = False
        self._paused_until = None
        self._restart_all(now)
        self._sitting_since = now
        return [Event(EventType.RESUMED, None, now)]

    def apply_settings(self, settings: Settings, now: datetime) -> list[Event]:
        """Take new settings live: new kinds start now, a changed interval counts from its
        current anchor (so a shorter one takes effect at once), removed kinds stop."""
        old = self.settings
        self.settings = settings
        for kind in list(self._states):
            if kind not in settings.enabled_kinds():
                del self._states[kind]
        for kind in settings.enabled_kinds():
            st = self._states.get(kind)
            if st is None:
                self._states[kind] = self._fresh(kind, now)
            elif settings.interval(kind) != old.interval(kind) and not st.late_by_user:
                st.due = max(st.anchor + _s(settings.interval(kind)), now)
        self._in_hours = self.in_working_hours(now)
        return [Event(EventType.SETTINGS, None, now)]

    # ------------------------------------------------------------------ restart
    def export_state(self, now: datetime) -> dict[str, Any]:
        """What a restart needs to continue, as JSON-ready plain data saved at `now`."""
        _check_aware(now)
        return {
            "version": STATE_VERSION,
            "saved_at": now.isoformat(),
            "kinds": {kind: {"anchor": st.anchor.isoformat(), "due": st.due.isoformat(),
                             "rotation": st.rotation, "snoozed": st.late_by_user,
                             "interval_s": self.settings.interval(kind)}
                      for kind, st in self._states.items()},
            "paused": self._paused,
            "paused_until": _iso(self._paused_until),
            "away_since": _iso(self._away_since or self._asleep_since),
            "sitting_since": self._sitting_since.isoformat(),
        }

    @classmethod
    def from_state(cls, settings: Settings, state: Any, now: datetime, tz: tzinfo | None = None,
                   watchdog_s: int = WATCHDOG_S) -> tuple[Engine, list[Event]]:
        """An engine that continues `state` (from `export_state`) at `now`, and the events of
        the gap. Raises StateError (nothing applied) for a state that does not parse or was
        saved after `now`."""
        engine = cls(settings, now, tz=tz, watchdog_s=watchdog_s)
        return engine, engine._restore(state, now)

    def _restore(self, state: Any, now: datetime) -> list[Event]:
        saved = _parse_state(state)
        saved_at = saved["saved_at"]
        ahead = (saved_at - now).total_seconds()
        if ahead > BACKWARD_TOLERANCE_S:
            # TRANSLATORS: about the timers saved by the last run: {ago} is a length of time
            # ("5 min 3 s"), {when} the date and time saved, as ISO text.
            raise StateError(N_("it was saved {ago} in the future ({when}); was the clock set "
                                "back?"), ago=_ago(ahead), when=saved_at.isoformat())
        for kind, k in saved["kinds"].items():
            if kind not in self._states:
                continue  # switched off since
            st = _KindState(anchor=k["anchor"], due=k["due"], rotation=k["rotation"],
                            late_by_user=k["snoozed"])
            interval = self.settings.interval(kind)
            if interval != k["interval_s"] and not st.late_by_user:  # changed meanwhile
                st.due = st.anchor + _s(interval)
            self._states[kind] = st
        self._paused, self._paused_until = saved["paused"], saved["paused_until"]
        self._sitting_since = min(saved["sitting_since"], now)
        events: list[Event] = []
        gap = max(0.0, -ahead)
        start = min(saved["away_since"] or saved_at, saved_at)
        self._away_floor = start
        if gap > self.settings.natural_break_s or start < saved_at:
            events.extend(self._end_away(start, max(now, start)))  # the gap was time away
            for ev in events:
                ev.detail["restart"] = True
        if self.settings.working_hours is not None and self._hours_started(saved_at, now):
            self._restart_all(now)
            self._sitting_since = now
        self._last_tick = now
        return events

    def _hours_started(self, after: datetime, until: datetime) -> bool:
        """Whether working hours started in (after, until]."""
        t = after
        for _unused in range(32):
            edge = self._next_hours_edge(t)
            if edge is None or edge > until:
                return False
            if self.in_working_hours(edge):
                return True
            t = edge
        return True  # weeks apart: certainly

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _keep(book: OrderedDict, key: int, value: Any) -> None:
        """Remember `key` in a small bounded book (oldest forgotten first)."""
        book[key] = value
        while len(book) > SUPERSEDED_KEPT:
            book.popitem(last=False)

    def _fresh(self, kind: str, now: datetime) -> _KindState:
        return _KindState(anchor=now, due=now + _s(self.settings.interval(kind)))

    def _restart(self, kind: str, now: datetime) -> None:
        st = self._states.get(kind)
        if st is not None:
            self._states[kind] = replace(self._fresh(kind, now), rotation=st.rotation)

    def _restart_all(self, now: datetime) -> None:
        for kind in list(self._states):
            self._restart(kind, now)

    def _next_hours_edge(self, now: datetime) -> datetime | None:
        """The next start or end of working hours after `now` (None without working hours)."""
        wh = self.settings.working_hours
        if wh is None:
            return None
        local = now.astimezone(self.tz)
        for offset in range(9):
            day = local.date() + timedelta(days=offset)
            if day.weekday() not in self.settings.working_days:
                continue
            for t in wh:
                edge = _local(day, t, self.tz)
                if edge > now:
                    return edge
        return None


def _local(day, t: time, tz: tzinfo | None) -> datetime:
    """A local wall time on a day as an aware UTC datetime (tz None = system local time).
    A time inside a spring-forward gap does not exist; it resolves to the instant after."""
    naive = datetime.combine(day, t)
    aware = naive.astimezone() if tz is None else naive.replace(tzinfo=tz)
    return aware.astimezone(timezone.utc)


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def _ago(seconds: float) -> str:
    """A length of time for people ("1 h 5 min", "2 min 5 s", "45 s")."""
    s = int(seconds)
    if s >= 3600:
        return pgettext("duration", "{h} h {min} min").format(h=s // 3600, min=s % 3600 // 60)
    if s >= 60:
        # TRANSLATORS: a length in minutes and seconds, abbreviated ("2 min 5 s").
        return pgettext("duration", "{min} min {s} s").format(min=s // 60, s=s % 60)
    return format_seconds(s)


def _when(value: Any, what: str, optional: bool = False) -> datetime | None:
    """An aware datetime from saved ISO text (StateError naming `what` otherwise)."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise StateError(_NOT_A_TIME, what=what, value=repr(value))
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise StateError(_NOT_A_TIME, what=what, value=repr(value)) from None
    if t.tzinfo is None or t.utcoffset() is None:
        # TRANSLATORS: about the timers saved by the last run: {what} names a field of the
        # file (keep it), {value} is its saved text.
        raise StateError(N_("{what} {value} has no time zone"), what=what, value=repr(value))
    return t


def _parse_state(state: Any) -> dict[str, Any]:
    """Saved state checked and converted, or StateError naming the first problem."""
    if not isinstance(state, dict):
        # TRANSLATORS: about the timers saved by the last run.
        raise StateError(N_("it is not a table of timers"))
    if state.get("version") != STATE_VERSION:
        # TRANSLATORS: about the timers saved by the last run: {value} is the saved version,
        # {expected} the version this movebreak reads.
        raise StateError(N_("version {value} is not {expected}"),
                         value=repr(state.get("version")), expected=STATE_VERSION)
    kinds = state.get("kinds")
    if not isinstance(kinds, dict):
        # TRANSLATORS: about the timers saved by the last run: "kinds" is a field name (keep
        # it).
        raise StateError(N_("kinds is missing"))
    out: dict[str, Any] = {"saved_at": _when(state.get("saved_at"), "saved_at"), "kinds": {}}
    for kind, k in kinds.items():
        if kind not in KINDS or not isinstance(k, dict):
            # TRANSLATORS: about the timers saved by the last run: "kinds.{kind}" is a field
            # name (keep it).
            raise StateError(N_("kinds.{kind} is not a reminder kind's timer"), kind=kind)
        rotation, interval = k.get("rotation"), k.get("interval_s")
        for name, value in (("rotation", rotation), ("interval_s", interval)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                # TRANSLATORS: about the timers saved by the last run: "kinds.{kind}.{name}" is
                # a field name (keep it), {value} its saved value.
                raise StateError(N_("kinds.{kind}.{name} is {value}, not a whole number"),
                                 kind=kind, name=name, value=repr(value))
        anchor = _when(k.get("anchor"), f"kinds.{kind}.anchor")
        due = _when(k.get("due"), f"kinds.{kind}.due")
        assert anchor is not None and due is not None
        if not timedelta(0) <= due - anchor <= timedelta(days=7):
            # TRANSLATORS: about the timers saved by the last run: "kinds.{kind}" is a field
            # name (keep it), {due} a saved date and time (ISO text).
            raise StateError(N_("kinds.{kind}: due {due} does not follow its anchor"),
                             kind=kind, due=due.isoformat())
        out["kinds"][kind] = {"anchor": anchor, "due": due, "rotation": rotation,
                              "interval_s": interval, "snoozed": k.get("snoozed") is True}
    if not isinstance(state.get("paused"), bool):
        # TRANSLATORS: about the timers saved by the last run: "paused" is a field name, true
        # and false its values (keep them); {value} is what was saved.
        raise StateError(N_("paused is {value}, not true or false"),
                         value=repr(state.get("paused")))
    out["paused"] = state["paused"]
    out["paused_until"] = _when(state.get("paused_until"), "paused_until", optional=True)
    out["away_since"] = _when(state.get("away_since"), "away_since", optional=True)
    out["sitting_since"] = _when(state.get("sitting_since"), "sitting_since")
    return out


def _check_aware(dt: datetime) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("the engine needs timezone-aware datetimes")
