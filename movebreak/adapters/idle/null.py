"""The idle source used when no platform source works: idle time is unknown (None)."""

from __future__ import annotations


class IdleUnavailable(Exception):
    """A source cannot work here; raised by source constructors, with the reason."""


class NullIdle:
    """Always None; `reason` says why no real source is in use (shown by `movebreak doctor`)."""

    name = "none"

    def __init__(self, reason: str = "no idle source"):
        self.reason = reason

    def idle_seconds(self) -> float | None:
        return None

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"NullIdle({self.reason!r})"
