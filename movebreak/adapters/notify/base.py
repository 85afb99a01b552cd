"""The Notifier contract shared by every notification backend, plus small text helpers.

Pure (standard library only); safe from any thread.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from movebreak.core.catalog import ROUTINE_KINDS, Reminder
from movebreak.core.l10n import pgettext

# Action names passed to `on_action(reminder_id, action)`.
DONE = "done"
SNOOZE = "snooze"
SKIP = "skip"
START = "start"  # open the guided routine (stretch / nerve_glide reminders)
CLICKED = "clicked"  # the notification body was clicked (default action)
DISMISSED = "dismissed"  # the user closed the notification without choosing
ACTIONS: tuple[str, ...] = (DONE, SNOOZE, SKIP, START, CLICKED, DISMISSED)


def done_label() -> str:
    """The Done button's label (the snooze label is passed in, e.g. "Snooze 10 min")."""
    # TRANSLATORS: a notification button and tray menu item: the reminder was done.
    return pgettext("button", "Done")


def skip_label() -> str:
    """The Skip button's label."""
    # TRANSLATORS: a notification button and tray menu item: skip this reminder.
    return pgettext("button", "Skip")


def start_label() -> str:
    """The Start button's label (opens the guided routine)."""
    # TRANSLATORS: a notification button: start the guided stretch routine.
    return pgettext("button", "Start")


# Reminder kinds whose notification also offers "Start" (guided routine): catalog.ROUTINE_KINDS.

OnAction = Callable[[int, str], None]


@runtime_checkable
class Notifier(Protocol):
    """What the app needs from a notification backend (see docs/ARCHITECTURE.md)."""

    name: str

    def start(self) -> None: ...

    def capabilities(self) -> dict: ...

    def show(self, reminder: Reminder, snooze_label: str) -> bool: ...

    def show_text(self, title: str, body: str, urgent: bool = False) -> bool: ...

    def withdraw(self, reminder_id: int) -> None: ...

    def stop(self) -> None: ...


def button_actions(reminder: Reminder, snooze_label: str) -> list[tuple[str, str]]:
    """(action, label) pairs for a reminder's buttons, in display order.

    Done/Snooze/Skip come first because some servers (GNOME) show only three buttons.
    """
    pairs = [(DONE, done_label()), (SNOOZE, snooze_label), (SKIP, skip_label())]
    if reminder.kind in ROUTINE_KINDS:
        pairs.append((START, start_label()))
    return pairs


def escape_markup(text: str) -> str:
    """Escape `&`, `<`, `>` for servers that interpret body markup."""
    return html.escape(text, quote=False)
