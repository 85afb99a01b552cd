"""Idle time: seconds since the user last touched keyboard or mouse, one adapter per platform.

The driver thread polls `idle_seconds()` to notice natural breaks. `choose_idle_source()` picks
a source once at start-up; platform modules are imported lazily, so this package imports on
every OS. A source never raises from `idle_seconds()`: it returns None when it cannot tell.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Protocol, runtime_checkable

from .null import IdleUnavailable, NullIdle

log = logging.getLogger(__name__)

__all__ = [
    "SOURCE_NAMES",
    "IdleSource",
    "IdleUnavailable",
    "NullIdle",
    "choose_idle_source",
    "make_idle_source",
]

SOURCE_NAMES: tuple[str, ...] = ("gnome", "kde", "x11", "macos", "windows", "none")


@runtime_checkable
class IdleSource(Protocol):
    """What the driver needs from an idle source."""

    name: str

    def idle_seconds(self) -> float | None: ...

    def close(self) -> None: ...


def make_idle_source(name: str) -> IdleSource:
    """Build the named source; raises IdleUnavailable if it cannot work here."""
    if name == "none":
        return NullIdle("disabled")
    if name == "x11":
        from .x11 import X11Idle
        return X11Idle()
    if name == "gnome":
        from .gnome import GnomeIdle
        return GnomeIdle()
    if name == "kde":
        from .kde import KdeIdle
        return KdeIdle()
    if name == "macos":
        from .macos import MacIdle
        return MacIdle()
    if name == "windows":
        from .windows import WindowsIdle
        return WindowsIdle()
    raise ValueError(f"unknown idle source {name!r}; allowed: {', '.join(SOURCE_NAMES)}")


def _linux_order() -> list[str]:
    # Under Wayland, X11's idle counter only sees input to XWayland windows: never trust it.
    # Outside KDE, org.freedesktop.ScreenSaver often reports seconds or only counts after the
    # screensaver delay, so X11 (exact everywhere on X) goes first there.
    wayland = os.environ.get("XDG_SESSION_TYPE", "").lower() == "wayland" \
        or bool(os.environ.get("WAYLAND_DISPLAY"))
    kde = "KDE" in os.environ.get("XDG_CURRENT_DESKTOP", "").upper()
    if wayland:
        return ["gnome", "kde"]
    return ["gnome", "kde", "x11"] if kde else ["gnome", "x11", "kde"]


def choose_idle_source() -> IdleSource:
    """The best idle source here; `MOVEBREAK_IDLE=x11|gnome|kde|macos|windows|none` forces one.

    Auto order on Linux: GNOME Mutter IdleMonitor (D-Bus), then org.freedesktop.ScreenSaver
    (KDE) and X11 XScreenSaver (X11 before KDE unless the desktop is KDE; never X11 under
    Wayland). macOS: CoreGraphics. Windows: GetLastInputInfo. Falls back to `NullIdle`, whose
    `reason` says why. Called once from the app's start-up.
    """
    forced = os.environ.get("MOVEBREAK_IDLE", "").strip().lower()
    if forced == "none":
        return NullIdle("disabled by MOVEBREAK_IDLE=none")
    if forced in SOURCE_NAMES:
        try:
            return make_idle_source(forced)
        except IdleUnavailable as e:
            log.warning("MOVEBREAK_IDLE=%s does not work here: %s; idle detection is off",
                        forced, e)
            return NullIdle(f"MOVEBREAK_IDLE={forced}: {e}")
    if forced:
        log.warning("unknown MOVEBREAK_IDLE=%r (allowed: %s); choosing automatically",
                    forced, ", ".join(SOURCE_NAMES))
    if sys.platform == "darwin":
        order = ["macos"]
    elif sys.platform == "win32":
        order = ["windows"]
    else:
        order = _linux_order()
    reasons = []
    for name in order:
        try:
            return make_idle_source(name)
        except IdleUnavailable as e:
            reasons.append(f"{name}: {e}")
    return NullIdle("; ".join(reasons) or f"no idle source for {sys.platform}")
