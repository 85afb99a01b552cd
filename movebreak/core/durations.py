"""Parse and format durations such as ``90s``, ``10m``, ``1h30m`` (pure, standard library only).

Used by the CLI (``snooze 10m``), the settings model (config values) and the tray (countdowns).
Any thread may call these functions.
"""

from __future__ import annotations

import json
import math
import re

__all__ = [
    "DurationError",
    "MAX_DURATION_S",
    "parse_duration",
    "format_duration",
    "format_countdown",
]

#: Longest duration the parser accepts (366 days); anything longer is a typo.
MAX_DURATION_S = 366 * 24 * 3600

_EXAMPLES = 'e.g. "90s", "10m" or "1h30m"'
_ACCEPTED = f"write whole numbers with a unit s, m or h, {_EXAMPLES}"
#: The reason for a number without a unit; it names the units itself, so the message then
#: adds only the examples instead of repeating them.
NEEDS_UNIT = "add a unit: s, m or h"

_UNITS: dict[str, int] = {}
for _secs, _names in (
    (3600, ("h", "hr", "hrs", "hour", "hours")),
    (60, ("m", "min", "mins", "minute", "minutes")),
    (1, ("s", "sec", "secs", "second", "seconds")),
):
    for _name in _names:
        _UNITS[_name] = _secs

_DIGITS = re.compile(r"[0-9]+")
_UNIT = re.compile(r"[a-z]+")
_SPACE = re.compile(r"\s*")
_MAX_DIGITS = 9  # keeps int() cheap and bounded whatever the input


class DurationError(ValueError):
    """A duration text that cannot be parsed; the message quotes it and shows the accepted form."""

    def __init__(self, text: object, reason: str) -> None:
        self.text = text
        self.reason = reason
        hint = f" ({_EXAMPLES})" if reason == NEEDS_UNIT else f"; {_ACCEPTED}"
        super().__init__(f"{_quote(text)} is not a valid duration: {reason}{hint}")


def _quote(text: object) -> str:
    if not isinstance(text, str):
        return repr(text)
    shown = text if len(text) <= 40 else text[:40] + "…"
    return json.dumps(shown, ensure_ascii=False)


def parse_duration(text: str) -> int:
    """Seconds in ``text`` (``90s``, ``10m``, ``1h30m``, ``1h 30m``, ``2 hours``).

    Case-insensitive and whitespace tolerant; each unit at most once, in any order.
    Raises DurationError (a ValueError) for anything else, including bare numbers.
    """
    if not isinstance(text, str):
        raise DurationError(text, f"expected text, got {type(text).__name__}")
    s = text.strip().lower()
    if not s:
        raise DurationError(text, "it is empty")
    total = 0
    seen: set[int] = set()
    pos = _SPACE.match(s, 0).end()
    while pos < len(s):
        m = _DIGITS.match(s, pos)
        if m is None:
            ch = s[pos]
            if ch == "-":
                raise DurationError(text, "negative durations are not allowed")
            raise DurationError(text, f"expected a number at {json.dumps(ch, ensure_ascii=False)}")
        digits = m.group()
        pos = m.end()
        if pos < len(s) and s[pos] in ".,":
            raise DurationError(text, "fractions are not allowed (1h30m, not 1.5h)")
        if len(digits.lstrip("0")) > _MAX_DIGITS:
            raise DurationError(text, "the number is too large")
        pos = _SPACE.match(s, pos).end()
        u = _UNIT.match(s, pos)
        if u is None:
            if pos >= len(s):
                raise DurationError(text, NEEDS_UNIT)
            where = json.dumps(s[pos], ensure_ascii=False)
            raise DurationError(text, f"expected a unit at {where}")
        unit = u.group()
        pos = _SPACE.match(s, u.end()).end()
        secs = _UNITS.get(unit)
        if secs is None:
            raise DurationError(text, f"unknown unit {json.dumps(unit)}")
        if secs in seen:
            raise DurationError(text, f"the unit {json.dumps(unit)} appears twice")
        seen.add(secs)
        total += int(digits) * secs
    if total > MAX_DURATION_S:
        raise DurationError(text, f"it is too long (at most {format_duration(MAX_DURATION_S)})")
    return total


def _whole_seconds(seconds: float) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"seconds must be a number, got {type(seconds).__name__}")
    if isinstance(seconds, float) and not math.isfinite(seconds):
        raise ValueError(f"seconds must be finite, got {seconds}")
    return int(round(seconds))


def format_duration(seconds: float) -> str:
    """Canonical shortest text: ``90`` -> ``1m30s``, ``3600`` -> ``1h``, ``0`` -> ``0s``.

    Floats are rounded to whole seconds. ``parse_duration(format_duration(x)) == x`` for every
    whole x from 0 to MAX_DURATION_S. Raises ValueError for negative values.
    """
    total = _whole_seconds(seconds)
    if total < 0:
        raise ValueError(f"a duration cannot be negative: {seconds}")
    if total == 0:
        return "0s"
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return "".join(f"{n}{u}" for n, u in ((h, "h"), (m, "m"), (s, "s")) if n)


def format_countdown(seconds: float) -> str:
    """Time left for people: ``45 s``, ``12 min``, ``1 h 05 min``, ``2 h``.

    Rounds up (a countdown never shows "0 min" while time remains); negative means "0 s".
    """
    total = max(0, math.ceil(seconds)) if math.isfinite(seconds) else 0
    if total < 60:
        return f"{total} s"
    minutes = -(-total // 60)
    if minutes < 60:
        return f"{minutes} min"
    h, m = divmod(minutes, 60)
    return f"{h} h {m:02d} min" if m else f"{h} h"
