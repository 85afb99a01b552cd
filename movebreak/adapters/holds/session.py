"""Screen lock and sleep as signals, from logind (system bus) and the screen savers (session bus).

Rules:
- Sleep: logind's `Manager.PrepareForSleep(b)` is reported as "sleep" True (going to sleep)
  and False (woken), timestamped when the signal arrives, so suspend and resume are recorded
  when they happen. The app keeps the tick-gap inference as the fallback.
- Lock: the screen counts as locked while any of these says so: our logind session
  (`Session.Lock` / `Unlock` signals and the `LockedHint` property, read at start and watched
  through PropertiesChanged), `org.gnome.ScreenSaver` and `org.freedesktop.ScreenSaver`
  (`ActiveChanged(b)`, `GetActive` at start). Reported as "locked" True / False when that
  combined state changes.
- Our session: `$XDG_SESSION_ID` (GetSession), else the session of this process
  (GetSessionByPID). Without a system bus or logind there is no sleep signal and the lock
  comes from the screen savers only; `describe()` says what was found.
- Threads: signals arrive on the hold bus's loop thread, which calls `report`; `close()`
  runs on the owner. Nothing here is polled.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import datetime
from typing import Any

from movebreak.core.l10n import _

from .bus import PROPERTIES, HoldBus

log = logging.getLogger(__name__)

LOGIN1 = "org.freedesktop.login1"
LOGIN1_PATH = "/org/freedesktop/login1"
MANAGER = "org.freedesktop.login1.Manager"
SESSION = "org.freedesktop.login1.Session"
#: Screen savers on the session bus: (bus name, object path, interface).
SCREENSAVERS = (("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver"),
                ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver",
                 "org.freedesktop.ScreenSaver"))

Report = Callable[[str, bool, "datetime | None"], None]


class SessionWatch:
    """Lock and sleep signals (reasons "locked" and "sleep"). See the module docstring."""

    reasons = ("locked", "sleep")
    name = "session"

    def __init__(self, bus: HoldBus, report: Report, clock: Callable[[], datetime],
                 session_id: str | None = None) -> None:
        self._bus, self._report, self._clock = bus, report, clock
        self._session_id = session_id if session_id is not None else \
            os.environ.get("XDG_SESSION_ID", "")
        self.session_path: str | None = None
        self.sleep_source: str | None = None  # "logind" when PrepareForSleep is watched
        self.lock_sources: list[str] = []
        self.problems: list[str] = []
        self._locks: dict[str, bool] = {}  # source -> says locked
        self._locked: bool | None = None
        try:
            bus.run(self._start(), timeout=6)
        except Exception as e:  # noqa: BLE001 - reported by describe()
            self.problems.append(f"{type(e).__name__}: {e}")

    @property
    def available(self) -> bool:
        return bool(self.sleep_source or self.lock_sources)

    def describe(self) -> dict[str, str]:
        """For `doctor` and status: where lock and sleep come from, or why they do not."""
        why = "; ".join(self.problems) or _("nothing found")
        # "none" leads (a token the app and doctor read); the rest is for people.
        # TRANSLATORS: {why} says why no source was found.
        return {"screen_lock": ", ".join(self.lock_sources) or "none " + _(
                    "({why}); a locked screen counts as away once idle reaches the "
                    "natural-break length").format(why=why),
                "suspend": self.sleep_source or "none " + _(
                    "({why}); inferred from gaps between ticks").format(why=why)}

    def poll(self) -> dict[str, bool]:
        return {}  # everything here is a signal

    def close(self) -> None:
        self._bus.spawn(self._stop())

    # ---- loop thread ---------------------------------------------------------------------
    async def _start(self) -> None:
        await self._start_logind()
        await self._start_screensavers()
        self._update()

    async def _stop(self) -> None:
        self._bus.unwatch("system", self._on_system)
        self._bus.unwatch("session", self._on_session)

    async def _start_logind(self) -> None:
        bus = self._bus
        if await bus.bus("system") is None:
            self.problems.append(bus.errors.get("system") or _("no system bus"))
            return
        try:
            if not await bus.has_owner("system", LOGIN1):
                # TRANSLATORS: {name} is a D-Bus name (org.freedesktop.login1).
                self.problems.append(_("{name} is not on the system bus").format(name=LOGIN1))
                return
            await bus.watch("system", f"type='signal',sender='{LOGIN1}',interface='{MANAGER}',"
                                      "member='PrepareForSleep'", self._on_system)
            self.sleep_source = "logind PrepareForSleep"
            if self._session_id:
                (path,) = await bus.call("system", LOGIN1, LOGIN1_PATH, MANAGER, "GetSession",
                                         "s", [self._session_id])
            else:
                (path,) = await bus.call("system", LOGIN1, LOGIN1_PATH, MANAGER,
                                         "GetSessionByPID", "u", [os.getpid()])
            self.session_path = str(path)
            await bus.watch("system", f"type='signal',sender='{LOGIN1}',interface='{SESSION}',"
                                      f"path='{path}'", self._on_system)
            await bus.watch("system", f"type='signal',sender='{LOGIN1}',"
                                      f"interface='{PROPERTIES}',member='PropertiesChanged',"
                                      f"path='{path}',arg0='{SESSION}'", self._on_system)
            self.lock_sources.append(f"logind session {path}")
            hint = await bus.get_property("system", LOGIN1, str(path), SESSION, "LockedHint")
            self._locks["logind"] = bool(hint)
        except Exception as e:  # noqa: BLE001 - no session of ours (e.g. an ssh shell)
            self.problems.append(f"logind session: {type(e).__name__}: {e}")

    async def _start_screensavers(self) -> None:
        bus = self._bus
        if await bus.bus("session") is None:
            self.problems.append(bus.errors.get("session") or _("no session bus"))
            return
        for name, path, iface in SCREENSAVERS:
            try:
                await bus.watch("session", f"type='signal',interface='{iface}',"
                                           "member='ActiveChanged'", self._on_session)
                if await bus.has_owner("session", name):
                    (active,) = await bus.call("session", name, path, iface, "GetActive")
                    self._locks[iface] = bool(active)
                    self.lock_sources.append(name)
                else:
                    self.lock_sources.append(_("{name} (when it appears)").format(name=name))
            except Exception as e:  # noqa: BLE001
                self.problems.append(f"{name}: {type(e).__name__}: {e}")

    def _on_system(self, msg: Any) -> None:
        if msg.interface == MANAGER and msg.member == "PrepareForSleep" and msg.body:
            going = bool(msg.body[0])
            log.info("logind: %s", "going to sleep" if going else "woke up")
            self._report("sleep", going, self._clock())
        elif msg.path == self.session_path and msg.interface == SESSION \
                and msg.member in ("Lock", "Unlock"):
            self._locks["logind"] = msg.member == "Lock"
            self._update()
        elif msg.path == self.session_path and msg.interface == PROPERTIES \
                and msg.member == "PropertiesChanged" and len(msg.body) >= 2 \
                and msg.body[0] == SESSION and "LockedHint" in msg.body[1]:
            self._locks["logind"] = bool(msg.body[1]["LockedHint"].value)
            self._update()

    def _on_session(self, msg: Any) -> None:
        if msg.member == "ActiveChanged" and msg.body and \
                msg.interface in {iface for _, _, iface in SCREENSAVERS}:
            self._locks[msg.interface] = bool(msg.body[0])
            self._update()

    def _update(self) -> None:
        locked = any(self._locks.values())
        if locked != self._locked:
            first = self._locked is None
            self._locked = locked
            if locked or not first:  # "not locked" at start is no news
                log.info("screen %s", "locked" if locked else "unlocked")
                self._report("locked", locked, self._clock())
