"""Do not disturb: whether the desktop's notification server is holding notifications back.

Rules:
- The server that shows the notifications decides, so the backend is chosen by the name the
  owner of org.freedesktop.Notifications gives (GetServerInformation), and chosen again
  whenever another program takes that name (NameOwnerChanged): a dunst that starts after
  movebreak, or GNOME's shell restarting, is followed, not probed once.
- One backend per server, each with its own change signal (watched, never sampled):
  gnome-shell: `org.gnome.desktop.notifications show-banners` false (dconf's Writer.Notify
  for that path, then `gsettings get`); Xfce: xfconf `xfce4-notifyd /do-not-disturb`
  (Xfconf.PropertyChanged); KDE Plasma and any other server with the `Inhibited` property:
  that property (PropertiesChanged); dunst: `paused` of org.dunstproject.cmd0, the
  property `dunstctl is-paused` reads (PropertiesChanged). mako has no change signal: its
  modes (what `makoctl mode` lists: fr.emersion.Mako.ListModes, or GetMode before mako 1.6;
  "do-not-disturb" in them) are read over D-Bus when the owner polls, at its tick.
- A server with none of these: no source, and `describe()` says so (Pause is the fallback).
- Threads: the backends run on the hold bus's loop thread and `report("dnd", on, at)` from
  there; `poll()` (mako only) and `close()` run on the owner.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime
from typing import Any

from movebreak.core.l10n import _

from .bus import DBUS, PROPERTIES, BusCallError, HoldBus

log = logging.getLogger(__name__)

NOTIFICATIONS = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
DUNST_IFACE = "org.dunstproject.cmd0"
XFCONF = "org.xfce.Xfconf"
XFCONF_PATH = "/org/xfce/Xfconf"
XFCE_CHANNEL, XFCE_PROPERTY = "xfce4-notifyd", "/do-not-disturb"
GNOME_SCHEMA, GNOME_KEY = "org.gnome.desktop.notifications", "show-banners"
GNOME_DCONF_DIR = "/org/gnome/desktop/notifications/"
MAKO_PATH, MAKO_IFACE = "/fr/emersion/Mako", "fr.emersion.Mako"
MAKO_DND_MODE = "do-not-disturb"
#: how long the owner's tick waits for mako's answer (a local D-Bus round trip)
MAKO_POLL_TIMEOUT_S = 1.0

Report = Callable[[str, bool, "datetime | None"], None]


def _props_changed(iface: str) -> str:
    return (f"type='signal',interface='{PROPERTIES}',member='PropertiesChanged',"
            f"path='{NOTIFICATIONS_PATH}',arg0='{iface}'")


def _changed_value(msg: Any, iface: str, name: str) -> bool | None:
    """The new value of property `name` in a PropertiesChanged signal, or None."""
    if msg.member != "PropertiesChanged" or msg.interface != PROPERTIES \
            or msg.path != NOTIFICATIONS_PATH or len(msg.body) < 2 or msg.body[0] != iface:
        return None
    variant = msg.body[1].get(name)
    return None if variant is None else bool(getattr(variant, "value", variant))


class _Backend:
    """One server's do-not-disturb. `read` and `changed` run on the loop thread."""

    name = ""
    rule: str | None = None  # match rule of its change signal
    polled = False  # no change signal: read on the owner's tick instead

    async def read(self, bus: HoldBus) -> bool:
        raise NotImplementedError

    def changed(self, msg: Any) -> bool | str | None:
        """The new state a signal carries, "read" when it only says "look again", else None."""
        return None


class _Dunst(_Backend):
    name = "dunst"
    rule = _props_changed(DUNST_IFACE)

    async def read(self, bus: HoldBus) -> bool:
        return bool(await bus.get_property("session", NOTIFICATIONS, NOTIFICATIONS_PATH,
                                           DUNST_IFACE, "paused"))

    def changed(self, msg: Any) -> bool | str | None:
        return _changed_value(msg, DUNST_IFACE, "paused")


class _Inhibited(_Backend):
    """KDE Plasma's `Inhibited` property of the notification server (others may have it)."""

    rule = _props_changed(NOTIFICATIONS)

    def __init__(self, server: str) -> None:
        self.name = f"{server} (Inhibited)"

    async def read(self, bus: HoldBus) -> bool:
        return bool(await bus.get_property("session", NOTIFICATIONS, NOTIFICATIONS_PATH,
                                           NOTIFICATIONS, "Inhibited"))

    def changed(self, msg: Any) -> bool | str | None:
        return _changed_value(msg, NOTIFICATIONS, "Inhibited")


class _Xfce(_Backend):
    name = "xfce4-notifyd (xfconf)"
    rule = (f"type='signal',interface='{XFCONF}',path='{XFCONF_PATH}',"
            f"arg0='{XFCE_CHANNEL}',arg1='{XFCE_PROPERTY}'")

    async def read(self, bus: HoldBus) -> bool:
        try:
            (value,) = await bus.call("session", XFCONF, XFCONF_PATH, XFCONF, "GetProperty",
                                      "ss", [XFCE_CHANNEL, XFCE_PROPERTY], autostart=True)
        except BusCallError as e:
            if "PropertyNotFound" in e.name or "InvalidProperty" in e.name:
                return False  # never set: off
            raise
        return bool(getattr(value, "value", value))

    def changed(self, msg: Any) -> bool | str | None:
        if msg.interface != XFCONF or msg.body[:2] != [XFCE_CHANNEL, XFCE_PROPERTY]:
            return None
        if msg.member == "PropertyRemoved":
            return False
        if msg.member == "PropertyChanged" and len(msg.body) >= 3:
            return bool(getattr(msg.body[2], "value", msg.body[2]))
        return None


class _Gnome(_Backend):
    name = "gnome-shell (show-banners)"
    rule = ("type='signal',interface='ca.desrt.dconf.Writer',member='Notify',"
            f"arg0path='{GNOME_DCONF_DIR}'")

    async def read(self, bus: HoldBus) -> bool:
        gsettings = shutil.which("gsettings")
        if gsettings is None:
            raise RuntimeError("gsettings is not installed (Debian package libglib2.0-bin)")
        proc = await asyncio.create_subprocess_exec(
            gsettings, "get", GNOME_SCHEMA, GNOME_KEY, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 3)
        text = out.decode().strip()
        if proc.returncode != 0 or text not in ("true", "false"):
            raise RuntimeError(f"gsettings get {GNOME_SCHEMA} {GNOME_KEY}: "
                               f"{err.decode().strip() or text}")
        return text == "false"  # banners off = do not disturb

    def changed(self, msg: Any) -> bool | str | None:
        if msg.interface == "ca.desrt.dconf.Writer" and msg.member == "Notify":
            return "read"
        return None


class _Mako(_Backend):
    """mako's modes (`makoctl mode`), asked over D-Bus: no makoctl, busctl or jq needed."""

    name = "mako (makoctl mode)"
    polled = True

    async def read(self, bus: HoldBus) -> bool:
        try:
            (modes,) = await bus.call("session", NOTIFICATIONS, MAKO_PATH, MAKO_IFACE,
                                      "ListModes")
        except BusCallError as e:
            if "UnknownMethod" not in e.name:
                raise
            (mode,) = await bus.call("session", NOTIFICATIONS, MAKO_PATH, MAKO_IFACE,
                                     "GetMode")  # mako 1.4-1.5: one mode at a time
            modes = [mode]
        return MAKO_DND_MODE in modes


def backend_for(server: str) -> _Backend | None:
    """The backend for a notification server by the name it gives (None: try `Inhibited`)."""
    key = server.strip().lower()
    if key == "dunst":
        return _Dunst()
    if key in ("xfce notify daemon", "xfce4-notifyd"):
        return _Xfce()
    if key == "gnome-shell":
        return _Gnome()
    if key == "mako":
        return _Mako()
    return None


class DoNotDisturb:
    """The do-not-disturb source (reason "dnd"). See the module docstring.

    Built on the owner at start; waits up to a few seconds for the first answer so the
    first tick already knows. `report(reason, on, at)` is called from the loop thread on
    every change (and once with the first state).
    """

    reasons = ("dnd",)

    def __init__(self, bus: HoldBus, report: Report, clock: Callable[[], datetime]) -> None:
        self._bus, self._report, self._clock = bus, report, clock
        self._backend: _Backend | None = None
        self._state: bool | None = None
        self._rules: set[str] = set()
        self._choosing: asyncio.Task | None = None
        self.why: str = _("not started")  # what `describe()` says when there is no backend
        try:
            bus.run(self._start(), timeout=5)
        except Exception as e:  # noqa: BLE001 - no bus, no server: reported, not fatal
            self.why = f"{type(e).__name__}: {e}"

    @property
    def name(self) -> str:
        return self._backend.name if self._backend is not None else "none"

    def describe(self) -> str:
        """For `doctor` and status: the backend and its state, or why there is none."""
        if self._backend is None:
            return f"none: {self.why}"  # "none" is read by the app and doctor (a token)
        # TRANSLATORS: {source} is a do-not-disturb source, e.g. "mako (makoctl mode)".
        text = {True: _("{source} (now on)"), False: _("{source} (now off)"),
                None: _("{source} (now unknown)")}[self._state]
        return text.format(source=self._backend.name)

    # ---- owner ---------------------------------------------------------------------------
    def poll(self) -> dict[str, bool]:
        """Owner, at its tick: read a server that has no change signal (mako)."""
        backend = self._backend
        if backend is None or not backend.polled:
            return {}
        try:
            on = self._bus.run(backend.read(self._bus), timeout=MAKO_POLL_TIMEOUT_S)
        except Exception as e:  # noqa: BLE001 - unknown this tick: the hold keeps its state
            log.debug("%s do-not-disturb unknown: %s", backend.name, e)
            return {}
        self._state = on
        return {"dnd": on}

    def close(self) -> None:
        self._bus.spawn(self._stop())

    # ---- loop thread ---------------------------------------------------------------------
    async def _start(self) -> None:
        watched = await self._bus.watch(
            "session", f"type='signal',sender='{DBUS}',member='NameOwnerChanged',"
                       f"arg0='{NOTIFICATIONS}'", self._on_signal)
        if not watched:
            self.why = self._bus.errors.get("session") or _("no session bus")
            return
        await self._choose()

    async def _stop(self) -> None:
        self._bus.unwatch("session", self._on_signal)

    async def _choose(self) -> None:
        """Find the server and its backend; report its state (off when there is none)."""
        backend: _Backend | None = None
        try:
            if not await self._bus.has_owner("session", NOTIFICATIONS):
                self.why = _("no notification server on the session bus (yet)")
            else:
                info = await self._bus.call("session", NOTIFICATIONS, NOTIFICATIONS_PATH,
                                            NOTIFICATIONS, "GetServerInformation")
                server = str(info[0]) if info else "?"
                backend = backend_for(server)
                if backend is None:  # KDE, or any server that offers the Inhibited property
                    candidate = _Inhibited(server)
                    try:
                        await candidate.read(self._bus)
                        backend = candidate
                    except BusCallError:
                        # TRANSLATORS: {server} is the server's name; Pause is the tray
                        # menu item.
                        self.why = _("the notification server ({server}) offers no "
                                     "do-not-disturb state; use Pause").format(server=server)
        except Exception as e:  # noqa: BLE001
            self.why = f"{type(e).__name__}: {e}"
            backend = None
        self._backend = backend
        if backend is not None and backend.rule and backend.rule not in self._rules:
            await self._bus.watch("session", backend.rule, self._on_signal)
            self._rules.add(backend.rule)
        await self._read()

    async def _read(self) -> None:
        on = False
        if self._backend is not None:
            try:
                on = await self._backend.read(self._bus)
            except Exception as e:  # noqa: BLE001 - unreadable: not holding
                log.info("do-not-disturb (%s) unreadable: %s", self._backend.name, e)
        self._set(on)

    def _set(self, on: bool) -> None:
        if on != self._state:
            first = self._state is None
            self._state = on
            if on or not first:  # "off" at start is no news
                log.info("do not disturb %s (%s)", "on" if on else "off", self.name)
                self._report("dnd", on, self._clock())

    def _on_signal(self, msg: Any) -> None:
        if msg.member == "NameOwnerChanged" and msg.interface == DBUS:
            if msg.body and msg.body[0] == NOTIFICATIONS:
                self._rechoose()
            return
        backend = self._backend
        if backend is None:
            return
        value = backend.changed(msg)
        if value == "read":
            asyncio.get_running_loop().create_task(self._read())
        elif isinstance(value, bool):
            self._set(value)

    def _rechoose(self) -> None:
        if self._choosing is not None and not self._choosing.done():
            self._choosing.cancel()
        self._choosing = asyncio.get_running_loop().create_task(self._choose())


def available_here() -> str | None:
    """Why no do-not-disturb source can run on this platform, or None if one may."""
    import sys
    if sys.platform in ("darwin", "win32"):
        from movebreak.adapters.holds import not_available
        return not_available(use_pause=True)
    if not (os.environ.get("DBUS_SESSION_BUS_ADDRESS") or os.environ.get("XDG_RUNTIME_DIR")):
        return _("no session bus")
    return None
