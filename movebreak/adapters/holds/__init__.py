"""Hold sources: what else, besides pause, idle and working hours, makes reminders wait.

Rules:
- One small source per reason, each reporting to the app, never to the engine: `dnd.py`
  (do not disturb, "dnd"), `fullscreen.py` (a full-screen window has focus, "fullscreen"),
  `session.py` (screen locked, "locked"; sleep and wake, "sleep"). The engine has the one
  rule deciding what a hold means (core/engine.py).
- Watch, don't sample: a source with a change signal calls `report(reason, on, at)` from its
  own thread (the "movebreak-holds" D-Bus loop of `bus.py`) and the app hands that to the
  owner with `submit`. A source that can only be polled (X11 full screen, mako) answers
  `poll()` on the owner at its tick (at most every 30 s, and at every due time), never on a
  heartbeat of its own.
- `choose_holds()` runs on the owner at start; `Holds.poll()` and `close()` on the owner.
- Every module imports on every platform; where a source cannot work it is not chosen and
  `missing` says why (for `doctor` and `status`). `MOVEBREAK_HOLDS=none` turns them all off.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from movebreak.core.l10n import _

log = logging.getLogger(__name__)

#: Reasons a source may report: the engine's REPORTED_HOLDS plus "sleep".
REASONS = ("dnd", "fullscreen", "locked", "sleep")
Report = Callable[[str, bool, "datetime | None"], None]


class HoldSource(Protocol):
    """What the app needs from a hold source."""

    name: str
    reasons: tuple[str, ...]

    def poll(self) -> dict[str, bool]: ...  # owner, at its tick ({} when it reports itself)

    def close(self) -> None: ...


@dataclass
class Holds:
    """The sources chosen at start, and why the others are missing (reason -> text)."""

    sources: list[Any] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)
    bus: Any = None

    def poll(self) -> dict[str, bool]:
        """Owner: the polled sources' current states."""
        out: dict[str, bool] = {}
        for src in self.sources:
            try:
                out.update(src.poll())
            except Exception:  # a source failing must never stop a tick
                log.exception("hold source %s failed", getattr(src, "name", src))
        return out

    def names(self) -> dict[str, str]:
        """Reason -> which source reports it, or "none: why" (status, doctor)."""
        out = {}
        for src in self.sources:
            describe = getattr(src, "describe", None)
            info = describe() if describe else src.name
            if isinstance(info, dict):
                out.update({"locked" if k == "screen_lock" else "sleep": v
                            for k, v in info.items()})
            else:
                for reason in src.reasons:
                    out[reason] = info
        for reason, why in self.missing.items():
            out.setdefault(reason, f"none: {why}")
        return out

    def close(self) -> None:
        for src in self.sources:
            try:
                src.close()
            except Exception:  # noqa: BLE001 - best effort on the way out
                log.debug("closing hold source failed", exc_info=True)
        if self.bus is not None:
            self.bus.stop()


def not_available(use_pause: bool = False) -> str:
    """Why a hold source cannot exist on this platform (macOS, Windows)."""
    # TRANSLATORS: {platform} is e.g. darwin or win32; Pause is the tray menu item.
    return (_("not available on {platform} (use Pause)") if use_pause else
            _("not available on {platform}")).format(platform=sys.platform)


def choose_holds(report: Report, clock: Callable[[], datetime],
                 addresses: dict[str, str] | None = None) -> Holds:
    """Build every hold source that can work here. `report(reason, on, at)` may be called from
    the D-Bus loop thread at any time after this returns (and during it)."""
    holds = Holds()
    if os.environ.get("MOVEBREAK_HOLDS", "").strip().lower() == "none":
        for reason in ("dnd", "fullscreen", "locked"):
            holds.missing[reason] = _("turned off by MOVEBREAK_HOLDS=none")
        return holds
    from .fullscreen import FullscreenUnavailable, choose_fullscreen
    try:
        holds.sources.append(choose_fullscreen())
    except FullscreenUnavailable as e:
        holds.missing["fullscreen"] = str(e)
    if sys.platform in ("darwin", "win32"):
        holds.missing["dnd"] = not_available(use_pause=True)
        holds.missing["locked"] = not_available()
        return holds
    try:
        from .bus import HoldBus
        bus = HoldBus(addresses)
        bus.start()
    except Exception as e:  # noqa: BLE001 - no thread, no D-Bus sources
        holds.missing["dnd"] = holds.missing["locked"] = f"{type(e).__name__}: {e}"
        return holds
    holds.bus = bus
    from .dnd import DoNotDisturb
    from .session import SessionWatch
    dnd = DoNotDisturb(bus, report, clock)
    holds.sources.append(dnd)
    session = SessionWatch(bus, report, clock)
    if session.available:
        holds.sources.append(session)
    else:
        why = "; ".join(session.problems) or _("no logind session and no screen saver")
        # TRANSLATORS: {why} says why lock and sleep signals are missing.
        holds.missing["locked"] = _("{why}; a locked screen counts as away once idle reaches "
                                    "the natural-break length").format(why=why)
        holds.missing["sleep"] = _("{why}; sleep is inferred from gaps between ticks").format(
            why=why)
        session.close()
    return holds
