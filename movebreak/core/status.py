"""The status snapshot: what the owner thread publishes after every change, for everyone else.

Pure (standard library only), immutable. The owner (see adapters/driver.py) builds one
`Status` after each tick or command and publishes it; the tray, tooltips, menus and the
`status` control command read the latest one and never touch the engine or history.

Hold reasons (why reminders wait) are named here once, in the order status names them:
`HOLD_REASONS`. Under `COUNTING_HOLDS` (do not disturb, full screen) time still counts and
reminders fall due and wait; under the others the countdowns stand still (away, screen
locked: the time away does not count) or start again when the hold ends (paused, outside
working hours), so readers show no countdown then (`Status.counting`).

A snapshot holds absolute times (aware UTC). Relative figures ("in 12 min") depend on when it
is read, so `to_json(now)` computes them at read time; `from_json` turns the JSON back into a
`Status` (the CLI side of `movebreak status`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from movebreak.core.catalog import KINDS

#: Why reminders wait, in the order a status names them (the first one is "the" reason).
HOLD_REASONS: tuple[str, ...] = ("paused", "locked", "away", "dnd", "fullscreen", "hours")
#: Holds during which intervals keep counting: reminders fall due, wait, and one is shown when
#: the last hold ends.
COUNTING_HOLDS: frozenset[str] = frozenset({"dnd", "fullscreen"})


@dataclass(frozen=True)
class KindStatus:
    """One reminder kind: on or off, its interval and when it is due next."""

    kind: str
    enabled: bool
    interval_s: int
    due: datetime | None
    snoozed: bool = False


@dataclass(frozen=True)
class PendingStatus:
    """The reminder shown and not yet answered."""

    id: int
    kind: str
    title: str
    body: str
    exercise_id: str | None = None


@dataclass(frozen=True)
class Status:
    """Everything a reader may show. Engine fields first, then what the app adds."""

    at: datetime  # when the owner published it
    paused: bool = False
    paused_until: datetime | None = None
    away: bool = False
    in_working_hours: bool = True
    next_kind: str | None = None
    next_due: datetime | None = None
    pending: PendingStatus | None = None
    kinds: tuple[KindStatus, ...] = ()
    snooze_s: int = 600
    holds: tuple[str, ...] = ()  # active hold reasons, in HOLD_REASONS order
    held_until: datetime | None = None  # when the first hold ends by itself (pause, hours)
    sitting_since: datetime | None = None  # start of the current sitting stretch
    # added by the app
    today: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    notifier: str | None = None
    tray: bool = False
    tray_problem: str | None = None
    config: str | None = None
    config_problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()  # what a tray-only user must know (first menu lines)
    hold_sources: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    pid: int | None = None

    def with_app(self, **fields: Any) -> Status:
        """A copy with the app's fields filled in (today's counts frozen read-only)."""
        for key in ("today", "hold_sources"):
            if key in fields:
                fields[key] = MappingProxyType(dict(fields[key]))
        for key in ("config_problems", "warnings"):
            if key in fields:
                fields[key] = tuple(fields[key])
        return replace(self, **fields)

    @property
    def state(self) -> str:
        """Icon variant: paused, waiting (a reminder waits for an answer) or normal."""
        return "paused" if self.paused else "waiting" if self.pending else "normal"

    @property
    def held(self) -> str | None:
        """The reason reminders wait now (the first of `holds`), or None."""
        return self.holds[0] if self.holds else None

    @property
    def counting(self) -> bool:
        """Whether countdowns mean something now: no hold, or only holds under which time
        counts (do not disturb, full screen)."""
        return all(h in COUNTING_HOLDS for h in self.holds)

    def kind(self, kind: str) -> KindStatus | None:
        return next((k for k in self.kinds if k.kind == kind), None)

    # ------------------------------------------------------------------ JSON
    def to_json(self, now: datetime) -> dict[str, Any]:
        """Plain data for `movebreak status --json`; `in_s` fields are relative to `now`."""
        def in_s(t: datetime | None) -> float | None:
            return None if t is None else round((t - now).total_seconds(), 3)

        p = self.pending
        return {
            "at": self.at.isoformat(),
            "paused": self.paused,
            "paused_until": _iso(self.paused_until),
            "away": self.away,
            "in_working_hours": self.in_working_hours,
            "next": None if self.next_kind is None else {
                "kind": self.next_kind, "title": KINDS[self.next_kind].title,
                "due": _iso(self.next_due), "in_s": in_s(self.next_due)},
            "pending": None if p is None else {
                "id": p.id, "kind": p.kind, "title": p.title, "body": p.body,
                "exercise_id": p.exercise_id},
            "kinds": {k.kind: {"enabled": k.enabled, "interval_s": k.interval_s,
                               "due": _iso(k.due), "in_s": in_s(k.due), "snoozed": k.snoozed}
                      for k in self.kinds},
            "snooze_s": self.snooze_s,
            "held": self.held,
            "holds": list(self.holds),
            "held_until": _iso(self.held_until),
            "sitting_since": _iso(self.sitting_since),
            "today": dict(self.today),
            "notifier": self.notifier,
            "tray": self.tray,
            "tray_problem": self.tray_problem,
            "config": self.config,
            "config_problems": list(self.config_problems),
            "warnings": list(self.warnings),
            "hold_sources": dict(self.hold_sources),
            "pid": self.pid,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Status:
        """The inverse of `to_json` (relative fields are dropped: they are derived)."""
        nxt = data.get("next") or {}
        p = data.get("pending")
        return cls(
            at=_dt(data.get("at")) or datetime.fromtimestamp(0).astimezone(),
            paused=bool(data.get("paused")),
            paused_until=_dt(data.get("paused_until")),
            away=bool(data.get("away")),
            in_working_hours=bool(data.get("in_working_hours", True)),
            next_kind=nxt.get("kind"),
            next_due=_dt(nxt.get("due")),
            pending=None if not p else PendingStatus(
                id=int(p["id"]), kind=p["kind"], title=p["title"], body=p["body"],
                exercise_id=p.get("exercise_id")),
            kinds=tuple(KindStatus(kind=kind, enabled=bool(k["enabled"]),
                                   interval_s=int(k["interval_s"]), due=_dt(k.get("due")),
                                   snoozed=bool(k.get("snoozed")))
                        for kind, k in (data.get("kinds") or {}).items()),
            snooze_s=int(data.get("snooze_s", 600)),
            holds=tuple(h for h in data.get("holds") or () if h in HOLD_REASONS),
            held_until=_dt(data.get("held_until")),
            sitting_since=_dt(data.get("sitting_since")),
        ).with_app(
            today=data.get("today") or {}, notifier=data.get("notifier"),
            tray=bool(data.get("tray")), tray_problem=data.get("tray_problem"),
            config=data.get("config"), config_problems=data.get("config_problems") or (),
            warnings=data.get("warnings") or (), hold_sources=data.get("hold_sources") or {},
            pid=data.get("pid"))


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
