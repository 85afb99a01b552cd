"""Short user-facing texts built from a status snapshot or events: one place for the words the
tray, the notifications and the CLI share.

Pure (standard library only); any thread. Times are shown in local time (`tz` None = the
system's).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from movebreak.core.catalog import KINDS
from movebreak.core.durations import format_countdown
from movebreak.core.engine import Event
from movebreak.core.l10n import N_, _, format_time, format_weekday_time, ngettext, pgettext
from movebreak.core.status import Status


def snooze_label(snooze_s: int) -> str:
    """The Snooze button's text, shared by notifications and the tray menu."""
    n = max(1, round(snooze_s / 60))
    # TRANSLATORS: a button and menu item; {n} is a number of minutes.
    return ngettext("Snooze {n} min", "Snooze {n} min", n).format(n=n)


#: How the first line names each hold reason (core/status.py HOLD_REASONS), after "Held: ".
#: Marked only: translate with `hold_text(reason)` where it is shown.
HOLD_TEXT = {
    # TRANSLATORS: why reminders are held, shown after "Held: ".
    "paused": N_("paused"),
    "locked": N_("screen locked"),
    "away": N_("away from the computer"),
    "dnd": N_("do not disturb"),
    "fullscreen": N_("full-screen window"),
    "hours": N_("outside working hours"),
}


def hold_text(reason: str) -> str:
    """A hold reason in words, in the current language (see `HOLD_TEXT`)."""
    return _(HOLD_TEXT[reason])


def next_due_text(status: Status, now: datetime, tz: tzinfo | None = None) -> str:
    """One line for menus, tooltips and the CLI: what comes next and when, or why reminders
    are held (no countdown then, except under holds during which time counts, where a due
    reminder is named as waiting)."""
    if status.paused:
        if status.paused_until is not None:
            # TRANSLATORS: {time} is a clock time, e.g. 17:30.
            return _("Paused until {time}").format(
                time=format_time(status.paused_until.astimezone(tz)))
        return _("Paused")
    held = status.held
    if held is not None:
        if held == "hours" and status.held_until is not None:
            # TRANSLATORS: {reason} is e.g. "outside working hours"; {time} a weekday and
            # clock time, e.g. "Mon 09:00".
            return _("Held: {reason} (until {time})").format(
                reason=hold_text(held),
                time=format_weekday_time(status.held_until.astimezone(tz)))
        if status.counting and status.next_kind is not None and status.next_due is not None \
                and status.next_due <= now:
            # TRANSLATORS: {reason} is e.g. "do not disturb"; {kind} a reminder kind, e.g.
            # "Stretch": that reminder is due and waits until the hold ends.
            return _("Held: {reason} ({kind} waits)").format(
                reason=hold_text(held), kind=KINDS[status.next_kind].title)
        # TRANSLATORS: {reason} is e.g. "screen locked".
        return _("Held: {reason}").format(reason=hold_text(held))
    if status.next_kind is None or status.next_due is None:
        return _("No reminders enabled")
    secs = max(0, int((status.next_due - now).total_seconds()))
    # TRANSLATORS: {kind} is a reminder kind, {time} a countdown such as "12 min" or "1:05".
    return _("Next: {kind} in {time}").format(kind=KINDS[status.next_kind].title,
                                               time=format_countdown(secs))


def kind_countdown(status: Status, due: datetime, now: datetime) -> str:
    """A kind's countdown ("in 12 min"), "due, held" under a counting hold, or "held" when
    its countdown means nothing now (paused, away, locked, outside working hours)."""
    if not status.counting:
        # TRANSLATORS: a reminder kind's countdown while reminders are held.
        return pgettext("countdown", "held")
    secs = max(0, (due - now).total_seconds())
    if status.holds and secs == 0:
        # TRANSLATORS: a reminder kind's countdown: it is due but waits for the hold to end.
        return _("due, held")
    # TRANSLATORS: a reminder kind's countdown; {time} is e.g. "12 min" or "1:05".
    return _("in {time}").format(time=format_countdown(secs))


def sitting_text(status: Status, now: datetime) -> str | None:
    """ "Sitting for 25 min" (the current stretch without a movement break), or None."""
    if status.sitting_since is None:
        return None
    secs = max(0, int((now - status.sitting_since).total_seconds()))
    # TRANSLATORS: {time} is a duration such as "25 min".
    return _("Sitting for {time}").format(time=format_countdown(secs))


def today_text(today: Mapping[str, int], shown: bool = False) -> str:
    """Today's counts in words: "3 done, 1 snoozed, 0 skipped, 0 natural" (`shown`: with the
    number of reminders shown first)."""
    parts = [count_text(t, today.get(t, 0))
             for t in (("shown",) if shown else ()) + ("done", "snoozed", "skipped", "natural")]
    return ", ".join(parts)


def count_text(event: str, n: int) -> str:
    """One of today's counts: "{n} done" etc."""
    if event == "shown":
        # TRANSLATORS: a count of today's reminders shown.
        return ngettext("{n} shown", "{n} shown", n).format(n=n)
    if event == "done":
        # TRANSLATORS: a count of today's reminders answered "Done".
        return ngettext("{n} done", "{n} done", n).format(n=n)
    if event == "snoozed":
        # TRANSLATORS: a count of today's reminders snoozed.
        return ngettext("{n} snoozed", "{n} snoozed", n).format(n=n)
    if event == "skipped":
        # TRANSLATORS: a count of today's reminders skipped.
        return ngettext("{n} skipped", "{n} skipped", n).format(n=n)
    # TRANSLATORS: a count of today's natural breaks (time away counted as a break).
    return ngettext("{n} natural", "{n} natural", n).format(n=n)


def status_lines(status: Status, now: datetime) -> list[str]:
    """The left-click summary: next reminder or why they are held, what waits, each kind's
    countdown (none while they do not count down), the sitting stretch, today."""
    lines = [next_due_text(status, now)]
    if status.pending is not None:
        # TRANSLATORS: {title} is the waiting reminder's title.
        lines.append(_("Waiting: {title}").format(title=status.pending.title))
    for k in status.kinds:
        if k.enabled and k.due is not None:
            # TRANSLATORS: {kind} is a reminder kind, {countdown} e.g. "in 12 min" or "held".
            lines.append(_("{kind}: {countdown}").format(
                kind=KINDS[k.kind].title, countdown=kind_countdown(status, k.due, now)))
    sitting = sitting_text(status, now)
    if sitting:
        lines.append(sitting)
    # TRANSLATORS: {counts} is e.g. "3 done, 1 snoozed, 0 skipped, 0 natural".
    lines.append(_("Today: {counts}").format(counts=today_text(status.today)))
    return lines


def describe(events: list[Event]) -> list[dict[str, Any]]:
    """Events as plain data for a control command's reply."""
    return [{"type": str(e.type), "kind": e.kind, "at": e.at.isoformat(), **{
        k: v for k, v in e.detail.items() if isinstance(v, (str, int, float, bool, type(None)))}}
        for e in events]


def event_word(type_: str) -> str:
    """An event type in words (the CLI's answer to a command); unknown types as they are."""
    words = {
        # TRANSLATORS: what happened to a reminder, in the CLI's answer to a command.
        "shown": pgettext("event", "shown"),
        "done": pgettext("event", "done"),
        "snoozed": pgettext("event", "snoozed"),
        "skipped": pgettext("event", "skipped"),
        # TRANSLATORS: time away counted as a movement break.
        "natural": pgettext("event", "natural"),
        "away": pgettext("event", "away"),
        "paused": pgettext("event", "paused"),
        "resumed": pgettext("event", "resumed"),
    }
    return words.get(type_, type_)


def event_line(ev: dict[str, Any], tz: tzinfo | None = None) -> str:
    """One line of CLI output for a described event (see `describe`)."""
    title = KINDS[ev["kind"]].title if ev.get("kind") in KINDS else None
    if ev["type"] == "snoozed" and ev.get("due"):
        due = format_time(datetime.fromisoformat(ev["due"]).astimezone(tz), seconds=True)
        if title:
            # TRANSLATORS: {kind} is a reminder kind, {time} a clock time such as 17:30:05.
            return _("snoozed {kind} until {time}").format(kind=title, time=due)
        # TRANSLATORS: {time} is a clock time such as 17:30:05.
        return _("snoozed until {time}").format(time=due)
    if ev["type"] == "paused":
        until = ev.get("until")
        if until:
            # TRANSLATORS: {time} is a weekday and clock time, e.g. "Mon 09:00".
            return _("paused until {time}").format(
                time=format_weekday_time(datetime.fromisoformat(until).astimezone(tz)))
        return _("paused until resumed")
    if ev["type"] == "superseded":
        if title:
            # TRANSLATORS: {kind} is a reminder kind: its unanswered reminder was replaced.
            return _("replaced {kind} (unanswered) by a newer reminder").format(kind=title)
        return _("replaced (unanswered) by a newer reminder")
    word = event_word(ev["type"])
    if title is None:
        return word
    # TRANSLATORS: {event} is what happened (e.g. "done"), {kind} the reminder kind.
    return pgettext("event line", "{event} {kind}").format(event=word, kind=title)
