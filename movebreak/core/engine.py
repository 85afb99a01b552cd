"""Scheduling rules: when each reminder kind is due, and what every user action does to that.

Pure and clock-injected: every method takes `now` (an aware datetime) and the engine never reads a
clock, sleeps or starts a thread, so tests can drive whole simulated days in a loop. The app calls
it under one lock (from the APScheduler thread, the IPC thread, the tray and notification
callbacks).

Rules in one place:
- Each enabled kind has an *anchor* (when its current interval began) and a *due* time. Shown on
  time, the next one is anchored at the nominal due time, so a day of reminders never drifts.
- Done / Skip restart the kind's interval from now; Snooze moves the waiting reminder to now +
  the snooze length (an upcoming one is pushed back by that length).
- Time only counts while the user is at the computer. Away (idle) for at least the natural-break
  length: reminders are held, and on return the `move` timer restarts (a natural break) while
  the other kinds resume with the time they had left.
- A gap between ticks much longer than the driver's watchdog period means the machine slept or
  the wall clock jumped forward: that gap counts as time away. A backward jump keeps each
  kind's remaining time. Neither ever produces a burst: at most one reminder per tick, others
  wait `COALESCE_S` each.
- Pause (for a duration, until tomorrow, until resumed) and working hours hold reminders; resume
  and the start of working hours restart every interval from that moment.
- One reminder waits for an answer at a time. A newer one replaces it (a `superseded` event, so
  the app withdraws the old notification and records it). An answer to a replaced reminder still
  counts for its kind (done/skip restart that kind, snooze brings it back); an answer to one that
  was already answered raises `EngineError` naming why.
- The engine is not thread-safe and never needs to be: exactly one thread (the owner, see
  adapters/driver.py) calls it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta, timezone, tzinfo
from typing import Any

from movebreak.core.catalog import KINDS, Reminder, exercise_for, reminder_body
from movebreak.core.events import EventType
from movebreak.core.settings import Settings
from movebreak.core.status import KindStatus, PendingStatus, Status

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


class EngineError(ValueError):
    """A command that cannot apply now (e.g. Done with no reminder waiting)."""


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
    """Reminder state machine for all kinds. Not thread-safe: callers hold the app lock."""

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
        elif self._away_since is None and self._in_hours:
            candidates.extend(st.due for st in self._states.values())
        edge = self._next_hours_edge(now)
        if edge is not None:
            candidates.append(edge)
        return max(min(candidates), now)

    def status(self, now: datetime) -> Status:
        """The engine's part of the status snapshot (the app adds its own fields)."""
        nxt = self.next_reminder()
        p = self._pending
        return Status(
            at=now, paused=self._paused, paused_until=self._paused_until, away=self.away,
            in_working_hours=self.in_working_hours(now),
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
        is due (at most one reminder)."""
        _check_aware(now)
        events: list[Event] = []
        gap = (now - self._last_tick).total_seconds()
        if gap < -BACKWARD_TOLERANCE_S:
            self._shift_all(_s(gap))
            events.append(Event(EventType.CLOCK_JUMP, None, now, detail={"jump_s": gap}))
        elif gap > self.watchdog_s + GAP_TOLERANCE_S:
            start = self._away_since or self._last_tick
            events.append(Event(EventType.SUSPEND, None, now, detail={"gap_s": gap}))
            self._away_since = None
            events.extend(self._end_away(start, now))
        self._last_tick = now

        if idle_seconds is not None:
            events.extend(self._track_idle(now, idle_seconds))

        if self._paused and self._paused_until is not None and now >= self._paused_until:
            events.extend(self.resume(now))

        in_hours = self.in_working_hours(now)
        if in_hours and not self._in_hours:
            self._restart_all(now)
            events.append(Event(EventType.HOURS_START, None, now))
        self._in_hours = in_hours

        if self._paused or not in_hours or self._away_since is not None:
            return events
        events.extend(self._fire_due(now))
        return events

    def _fire_due(self, now: datetime) -> list[Event]:
        due = [k for k in PRIORITY if k in self._states and self._states[k].due <= now]
        if not due:
            return []
        first, rest = due[0], due[1:]
        for i, kind in enumerate(rest, start=1):
            st = self._states[kind]
            st.due = now + _s(COALESCE_S * i)
        return self._show(first, now, manual=False)

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
                self._away_since = now - _s(idle_seconds)
                return [Event(EventType.AWAY, None, now,
                              detail={"since": self._away_since.isoformat()})]
            return []
        if idle_seconds < threshold:
            back = now - _s(idle_seconds)
            start, self._away_since = self._away_since, None
            return self._end_away(start, max(back, start))
        return []

    def _end_away(self, start: datetime, back: datetime) -> list[Event]:
        """Close an away period: time away does not count; long enough = a natural break."""
        away = back - start
        self._shift_all(away)
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
                raise EngineError("no reminder is waiting for an answer")
            return p, False
        if reminder_id in self._superseded:
            return self._superseded.pop(reminder_id), True
        how = self._answered.get(reminder_id)
        if how is not None:
            raise EngineError(f"reminder {reminder_id} was already answered ({how})")
        raise EngineError(f"reminder {reminder_id} is not waiting for an answer")

    def _answer(self, now: datetime, reminder_id: int | None, how: EventType) -> list[Event]:
        """Done or Skip: restart that kind's interval from now and record the answer."""
        r, replaced = self._target(reminder_id)
        if not replaced:
            self._pending = None
        self._keep(self._answered, r.id, how)
        self._restart(r.kind, now)
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
            raise EngineError("snooze length must be positive")
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
                raise EngineError("no reminder is enabled")
            kind = nxt[0]
        if kind not in self._states:
            raise EngineError(f"reminder kind '{kind}' is not enabled")
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
            raise EngineError(f"unknown reminder kind '{kind}' (one of: {', '.join(KINDS)})")
        return self._show(kind, now, manual=True)

    def pause(self, now: datetime, seconds: float | None = None,
              until: datetime | None = None) -> list[Event]:
        """Hold all reminders for `seconds`, until `until`, or (both None) until resumed."""
        if seconds is not None:
            if seconds <= 0:
                raise EngineError("pause length must be positive")
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
        for _ in range(8):
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


def _check_aware(dt: datetime) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("the engine needs timezone-aware datetimes")
