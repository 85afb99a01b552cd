"""plyer fallback notifier: plain notifications, no buttons, no callbacks.

Used where desktop-notifier cannot deliver (e.g. macOS outside an app bundle). On Linux
plyer talks to the server through dbus-python or, without it, by running `notify-send`;
either way we first check that a server answers so `show()` can report failure honestly.
Any thread may call it (a lock serialises plyer calls).
"""

from __future__ import annotations

import importlib
import logging
import threading
import warnings
from pathlib import Path

from movebreak.adapters.notify import dbus_notifier
from movebreak.adapters.notify.base import OnAction, escape_markup
from movebreak.core.catalog import Reminder

log = logging.getLogger(__name__)


def plyer_backend() -> object | None:
    """plyer's platform notification object, or None if plyer has none here."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # plyer warns when dbus-python is missing
            from plyer.facades import Notification
            from plyer.utils import platform

            # the platform module directly: plyer's proxy prints tracebacks on failure
            module = importlib.import_module(f"plyer.platforms.{platform}.notification")
            impl = module.instance()
    except Exception:  # plyer missing or broken here
        log.debug("plyer unavailable", exc_info=True)
        return None
    if impl is None or type(impl) is Notification:  # the bare facade cannot notify
        return None
    return impl


class PlyerNotifier:
    """Shows title and body through plyer; `on_action` is never called."""

    name = "plyer"

    def __init__(self, on_action: OnAction | None = None, app_name: str = "movebreak",
                 icon_path: str | Path | None = None, expire_s: int = 0) -> None:
        """`expire_s`: seconds on screen; 0 = until closed (notify-send's `-t 0`)."""
        self._on_action = on_action  # unused: plyer has no actions
        self._app_name = app_name
        self._icon = str(icon_path) if icon_path else ""
        self._expire = expire_s
        self._lock = threading.Lock()
        self._server: dbus_notifier.ServerInfo | None = None

    def start(self) -> None:
        """Check the server's capabilities once (Linux) so markup can be escaped."""
        if dbus_notifier.IS_LINUX:
            self._server, _ = dbus_notifier.probe_server()

    def stop(self) -> None:
        """Nothing to tear down."""

    def capabilities(self) -> dict:
        s = self._server
        return {"backend": self.name, "server": s.name if s else None,
                "actions": False, "markup": bool(s and s.markup)}

    def show(self, reminder: Reminder, snooze_label: str) -> bool:
        return self._notify(reminder.title, reminder.body)

    def show_text(self, title: str, body: str, urgent: bool = False) -> bool:
        return self._notify(title, body)

    def withdraw(self, reminder_id: int) -> None:
        """plyer cannot close a notification."""

    def _notify(self, title: str, body: str) -> bool:
        if dbus_notifier.IS_LINUX:
            # notify-send's failures are invisible through plyer: ask the bus first
            server, error = dbus_notifier.probe_server()
            if server is None:
                log.info("plyer notification not sent: %s", error)
                return False
            self._server = server
            if server.markup:
                body = escape_markup(body)
        impl = plyer_backend()
        if impl is None:
            return False
        try:
            with self._lock, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                impl.notify(title=title, message=body, app_name=self._app_name,
                            app_icon=self._icon, timeout=self._expire)
        except Exception:  # plyer backends raise all sorts of things
            log.warning("plyer notification failed", exc_info=True)
            return False
        return True
