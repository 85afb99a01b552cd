"""Console notifier: prints reminders to stdout. The last-resort fallback; always "delivered".

Any thread may call it; a lock keeps concurrent prints from interleaving.
"""

from __future__ import annotations

import sys
import threading
from datetime import datetime
from typing import TextIO

from movebreak.adapters.notify.base import OnAction
from movebreak.core.catalog import Reminder
from movebreak.core.l10n import _, format_time


class ConsoleNotifier:
    """Writes each reminder as a short framed block; offers no actions."""

    name = "console"

    def __init__(self, on_action: OnAction | None = None, stream: TextIO | None = None) -> None:
        self._on_action = on_action  # unused: a console has no buttons
        self._stream = stream  # None = sys.stdout at call time (works with capture)
        self._lock = threading.Lock()
        #: Whether a tray icon with the reminder's Done / Snooze / Skip exists: the app sets it
        #: once it knows (main thread, before reminders); False = point at the CLI only.
        self.tray_available = False

    def start(self) -> None:
        """Nothing to set up."""

    def stop(self) -> None:
        """Nothing to tear down."""

    def capabilities(self) -> dict:
        return {"backend": self.name, "server": None, "actions": False, "markup": False}

    def show(self, reminder: Reminder, snooze_label: str) -> bool:
        stamp = format_time(reminder.due.astimezone())
        self._write(f"{reminder.title} ({stamp})", reminder.body, self.answer_hint())
        return True

    def answer_hint(self) -> str:
        """How to answer a printed reminder: the tray menu only when there is one."""
        if self.tray_available:
            return _("Use the tray menu or `movebreak done`, `movebreak snooze` or "
                     "`movebreak skip`")
        return _("Answer with `movebreak done`, `movebreak snooze` or `movebreak skip`")

    def show_text(self, title: str, body: str, urgent: bool = False) -> bool:
        self._write(("!! " + title) if urgent else title, body, None)
        return True

    def withdraw(self, reminder_id: int) -> None:
        """Printed text cannot be taken back."""

    def _write(self, title: str, body: str, hint: str | None) -> None:
        now = format_time(datetime.now(), seconds=True)
        rule = "=" * max(20, min(72, len(title) + 22))
        lines = [rule, f"movebreak {now} | {title}", rule, body]
        if hint:
            lines.append(f"  ({hint})")
        lines.append("")
        stream = self._stream or sys.stdout
        with self._lock:
            stream.write("\n".join(lines) + "\n")
            stream.flush()
