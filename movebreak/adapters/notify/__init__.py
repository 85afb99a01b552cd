"""Notification backends: `dbus` (desktop-notifier, with buttons), `plyer`, `console`.

`choose_notifier` picks one; `probe_notifications` explains the choice (`movebreak doctor`).
"""

from movebreak.adapters.notify.base import (
    ACTIONS,
    CLICKED,
    DISMISSED,
    DONE,
    SKIP,
    SNOOZE,
    START,
    Notifier,
    OnAction,
)
from movebreak.adapters.notify.select import choose_notifier, probe_notifications

__all__ = [
    "ACTIONS", "CLICKED", "DISMISSED", "DONE", "SKIP", "SNOOZE", "START",
    "Notifier", "OnAction", "choose_notifier", "probe_notifications",
]
