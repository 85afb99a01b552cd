"""Short user-facing texts built from a status snapshot or events: one place for the words the
tray, the notifications and the CLI share.

Pure (standard library only); any thread. Times are shown in local time (`tz` None = the
system's).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from movebreak.core.catalog import KINDS
from movebreak.core.durations import format_countdown
from movebreak.core.engine import Event
from movebreak.core.status import Status


def snooze_label(snooze_s: int) -> str:
    """The Snooze button's text, shared by notifications and the tray menu."""
    return f"Snooze {max(1, round(snooze_s / 60))} min"


#: How the first line names each hold reason (core/status.py HOLD_REASONS), after "Held: ".
HOLD_TEXT = {
    "paused": "paused",
    "locked": "screen locked",
    "away": "away from the computer",
    "dnd": "do not disturb",
    "fullscreen": "full-screen window",
    "hours": "outside working hours",
}


def next_due_text(status: Status, now: datetime, tz: tzinfo | None = None) -> str:
    """One line for menus, tooltips and the CLI: what comes next and when, or why reminders
    are held (no countdown then, except under holds during which time counts, where a due
    reminder is named as waiting)."""
    if status.paused:
        if status.paused_until is not None:
            return f"Paused until {status.paused_until.astimezone(tz):%H:%M}"
        return "Paused"
    held = status.held
    if held is not None:
        text = f"Held: {HOLD_TEXT[held]}"
        if held == "hours" and status.held_until is not None:
            text += f" (until {status.held_until.astimezone(tz):%a %H:%M})"
        elif status.counting and status.next_kind is not None and status.next_due is not None \
                and status.next_due <= now:
            text += f" ({KINDS[status.next_kind].title} waits)"
        return text
    if status.next_kind is None or status.next_due is None:
        return "No reminders enabled"
    secs = max(0, int((status.next_due - now).total_seconds()))
    return f"Next: {KINDS[status.next_kind].title} in {format_countdown(secs)}"


def kind_countdown(status: Status, due: datetime, now: datetime) -> str:
    """A kind's countdown ("in 12 min"), "due, held" under a counting hold, or "held" when
    its countdown means nothing now (paused, away, locked, outside working hours)."""
    if not status.counting:
        return "held"
    secs = max(0, (due - now).total_seconds())
    if status.holds and secs == 0:
        return "due, held"
    return f"in {format_countdown(secs)}"


def sitting_text(status: Status, now: datetime) -> str | None:
    """ "Sitting for 25 min" (the current stretch without a movement break), or None."""
    if status.sitting_since is None:
        return None
    secs = max(0, int((now - status.sitting_since).total_seconds()))
    return f"Sitting for {format_countdown(secs)}"


def status_lines(status: Status, now: datetime) -> list[str]:
    """The left-click summary: next reminder or why they are held, what waits, each kind's
    countdown (none while they do not count down), the sitting stretch, today."""
    lines = [next_due_text(status, now)]
    if status.pending is not None:
        lines.append(f"Waiting: {status.pending.title}")
    for k in status.kinds:
        if k.enabled and k.due is not None:
            lines.append(f"{KINDS[k.kind].title}: {kind_countdown(status, k.due, now)}")
    sitting = sitting_text(status, now)
    if sitting:
        lines.append(sitting)
    lines.append("Today: " + ", ".join(
        f"{status.today.get(t, 0)} {t}" for t in ("done", "snoozed", "skipped", "natural")))
    return lines


def describe(events: list[Event]) -> list[dict[str, Any]]:
    """Events as plain data for a control command's reply."""
    return [{"type": str(e.type), "kind": e.kind, "at": e.at.isoformat(), **{
        k: v for k, v in e.detail.items() if isinstance(v, (str, int, float, bool, type(None)))}}
        for e in events]


def event_line(ev: dict[str, Any], tz: tzinfo | None = None) -> str:
    """One line of CLI output for a described event (see `describe`)."""
    kind = f" {KINDS[ev['kind']].title}" if ev.get("kind") in KINDS else ""
    if ev["type"] == "snoozed" and ev.get("due"):
        due = datetime.fromisoformat(ev["due"]).astimezone(tz)
        return f"snoozed{kind} until {due:%H:%M:%S}"
    if ev["type"] == "paused":
        until = ev.get("until")
        return "paused until " + (f"{datetime.fromisoformat(until).astimezone(tz):%a %H:%M}"
                                  if until else "resumed")
    if ev["type"] == "superseded":
        return f"replaced{kind} (unanswered) by a newer reminder"
    return f"{ev['type']}{kind}"
