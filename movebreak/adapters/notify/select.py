"""Pick the notifier for this machine, and explain the choice for `movebreak doctor`.

Order: `prefer` argument, else env MOVEBREAK_NOTIFIER (dbus|plyer|console), else the first
that works: dbus (desktop-notifier; on Linux only when a session bus exists and a
notification server answers), plyer, console. Called from the main thread at start-up
(choose_notifier) or from the CLI (probe_notifications); both block for at most ~2-4 s.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import stat
import sys
from pathlib import Path

from movebreak.adapters.notify import dbus_notifier
from movebreak.adapters.notify.base import Notifier, OnAction
from movebreak.core.l10n import _

log = logging.getLogger(__name__)

BACKENDS = ("dbus", "plyer", "console")
ENV_VAR = "MOVEBREAK_NOTIFIER"


def session_bus_address() -> tuple[str | None, str]:
    """(address, where it came from). Falls back to the systemd socket $XDG_RUNTIME_DIR/bus."""
    addr = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    if addr:
        return addr, "DBUS_SESSION_BUS_ADDRESS"
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        sock = Path(runtime) / "bus"
        try:
            if stat.S_ISSOCK(sock.stat().st_mode):
                return f"unix:path={sock}", "$XDG_RUNTIME_DIR/bus"
        except OSError:
            pass
    return None, "none"


def _adopt_default_bus() -> None:
    """Export the systemd user bus address if none is set (libdbus does the same)."""
    addr, source = session_bus_address()
    if addr and source != "DBUS_SESSION_BUS_ADDRESS":
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = addr


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _forced(prefer: str | None) -> tuple[str | None, str]:
    """A forced backend name and where it came from, or (None, note about a bad value)."""
    for value, source in ((prefer, "prefer argument"), (os.environ.get(ENV_VAR), ENV_VAR)):
        if value and value.strip():
            name = value.strip().lower()
            if name in BACKENDS:
                # TRANSLATORS: {setting} is e.g. "MOVEBREAK_NOTIFIER=console".
                return name, _("forced by {setting}").format(setting=f"{source}={name}")
            return None, _("ignored {setting} (not one of {names}); ").format(
                setting=f"{source}={value!r}", names="|".join(BACKENDS))
    return None, ""


def _facts() -> dict:
    """Everything the decision needs; probes the bus on Linux."""
    addr, source = session_bus_address()
    facts: dict = {
        "platform": sys.platform,
        "session_bus": addr,
        "session_bus_source": source,
        "server": None, "vendor": None, "version": None, "spec_version": None,
        "capabilities": [], "actions": False, "markup": False, "error": None,
        "desktop_notifier": _has_module("desktop_notifier"),
        "native_backend": None,
        "plyer": False,
    }
    if dbus_notifier.IS_LINUX:
        if addr is None:
            facts["error"] = _("no session bus (DBUS_SESSION_BUS_ADDRESS unset, no "
                               "$XDG_RUNTIME_DIR/bus)")
        else:
            _adopt_default_bus()
            info, error = dbus_notifier.probe_server()
            facts["error"] = error
            if info is not None:
                facts.update(server=info.name, vendor=info.vendor, version=info.version,
                             spec_version=info.spec_version,
                             capabilities=list(info.capabilities),
                             actions=info.actions, markup=info.markup)
    elif facts["desktop_notifier"]:
        try:
            facts["native_backend"] = dbus_notifier.native_backend_name()
        except Exception as exc:  # noqa: BLE001 - reported by doctor
            facts["error"] = f"desktop-notifier: {exc}"
    return facts


def _decide(facts: dict, prefer: str | None) -> tuple[str, str]:
    """(backend name, human reason)."""
    forced, note = _forced(prefer)
    if forced:
        return forced, note
    if dbus_notifier.IS_LINUX:
        if facts["server"] is None:
            if facts["error"] == dbus_notifier.no_server() and facts["desktop_notifier"]:
                # A server may start later (at login, or after a crash): the D-Bus notifier
                # looks for it at every reminder; until then reminders go to the terminal.
                return "dbus", note + _("no notification server yet ({error}); reminders use "
                                        "it as soon as one appears").format(error=facts["error"])
            return "console", note + _("no notification server: {error}").format(
                error=facts["error"])
        who = f"{facts['server']} {facts['version']}".strip()
        if facts["desktop_notifier"]:
            # TRANSLATORS: {server} is the notification server's name and version.
            text = _("{server} answers on the session bus (with action buttons)") \
                if facts["actions"] else \
                _("{server} answers on the session bus (without actions)")
            return "dbus", note + text.format(server=who)
        facts["plyer"] = _plyer_ok()
        if facts["plyer"]:
            return "plyer", note + _("{server} answers but desktop-notifier is not "
                                     "installed").format(server=who)
        return "console", note + _("{server} answers but neither desktop-notifier nor plyer "
                                   "works").format(server=who)
    native = facts["native_backend"]
    if native and native != "DummyNotificationCenter":
        # TRANSLATORS: {backend} is a class name, e.g. CocoaNotificationCenter.
        return "dbus", note + _("desktop-notifier uses {backend}").format(backend=native)
    facts["plyer"] = _plyer_ok()
    if facts["plyer"]:
        why = _("desktop-notifier has no working backend ({backend})").format(backend=native) \
            if native else _("desktop-notifier is unavailable")
        return "plyer", note + why
    return "console", note + _("neither desktop-notifier nor plyer can notify here")


def _plyer_ok() -> bool:
    from movebreak.adapters.notify.plyer_notifier import plyer_backend

    return plyer_backend() is not None


def probe_notifications(prefer: str | None = None) -> dict:
    """For `movebreak doctor`: the server, its capabilities, and which backend we'd use, why."""
    facts = _facts()
    facts["forced"] = os.environ.get(ENV_VAR) or None
    if facts["plyer"] is False:
        facts["plyer"] = _plyer_ok()
    facts["chosen"], facts["reason"] = _decide(facts, prefer)
    return facts


def choose_notifier(on_action: OnAction, prefer: str | None = None) -> Notifier:
    """A notifier for this machine (not started yet: the caller calls `start()`)."""
    forced, _ = _forced(prefer)
    if forced:
        name, reason = forced, f"forced ({forced})"
    else:
        name, reason = _decide(_facts(), prefer)
    log.info("notifications: %s (%s)", name, reason)
    if name == "dbus":
        _adopt_default_bus()
        from movebreak.adapters.icons import icon_path
        return dbus_notifier.DbusNotifier(on_action, icon_path=icon_path("normal", 64))
    if name == "plyer":
        from movebreak.adapters.notify.plyer_notifier import PlyerNotifier

        return PlyerNotifier(on_action)
    from movebreak.adapters.notify.console import ConsoleNotifier

    return ConsoleNotifier(on_action)
