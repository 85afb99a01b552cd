"""Parse and format durations such as ``90s``, ``10m``, ``1h30m`` (pure, standard library only).

Used by the CLI (``snooze 10m``), the settings model (config values) and the tray (countdowns).
Any thread may call these functions.

Two kinds of output: `format_duration` writes config syntax ("1h30m", the same in every
language: config files, values the user types); `format_countdown` and `format_seconds` write
for people, in the installed language ("1 h 30 min"). `DurationError` messages are translated;
the syntax they quote ("90s", "10m", "1h30m") is not.
"""

from __future__ import annotations

import json
import math
import re

from .l10n import N_, _, npgettext, pgettext

__all__ = [
    "DurationError",
    "MAX_DURATION_S",
    "parse_duration",
    "format_duration",
    "format_countdown",
    "format_seconds",
]

#: Longest duration the parser accepts (366 days); anything longer is a typo.
MAX_DURATION_S = 366 * 24 * 3600

#: The accepted form, as config syntax (the same in every language).
EXAMPLES = ('"90s"', '"10m"', '"1h30m"')

#: `DurationError.code` of a number without a unit; its reason names the units itself, so the
#: message then adds only the examples instead of repeating them.
NEEDS_UNIT = "needs_unit"

#: DurationError.code -> reason (English source; `DurationError.reason` is translated). The
#: codes are stable: callers switch on them, never on the wording.
_REASONS: dict[str, str] = {
    # TRANSLATORS: a duration was not text; {type} is a Python type name (int, list...).
    "not_text": N_("expected text, got {type}"),
    "empty": N_("it is empty"),
    "negative": N_("negative durations are not allowed"),
    # TRANSLATORS: {char} is the quoted character where a number was expected.
    "not_number": N_("expected a number at {char}"),
    # TRANSLATORS: "1h30m" and "1.5h" are durations as typed (config syntax): keep them.
    "fraction": N_("fractions are not allowed (1h30m, not 1.5h)"),
    "too_large": N_("the number is too large"),
    # TRANSLATORS: s, m and h are the unit letters typed after a number (seconds, minutes,
    # hours): keep them as they are.
    NEEDS_UNIT: N_("add a unit: s, m or h"),
    # TRANSLATORS: {char} is the quoted character where a unit (s, m or h) was expected.
    "not_unit": N_("expected a unit at {char}"),
    # TRANSLATORS: {unit} is the quoted unit as typed.
    "unknown_unit": N_("unknown unit {unit}"),
    # TRANSLATORS: {unit} is the quoted unit as typed.
    "twice": N_("the unit {unit} appears twice"),
    # TRANSLATORS: {max} is the longest duration as config syntax, e.g. "8784h".
    "too_long": N_("it is too long (at most {max})"),
}

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
    """A duration text that cannot be parsed; the message quotes it and shows the accepted form.

    `code` says why, stably (a key of `_REASONS`, e.g. "empty", "negative", "fraction",
    `NEEDS_UNIT`); `reason` is that reason and `str()` the whole message, both in the language
    installed when it was raised.
    """

    def __init__(self, text: object, code: str, **fields: object) -> None:
        self.text = text
        self.code = code
        self.reason = _(_REASONS[code]).format(**fields)
        # TRANSLATORS: the quoted config-syntax examples; {a}, {b}, {c} = "90s", "10m",
        # "1h30m".
        examples = _("e.g. {a}, {b} or {c}").format(a=EXAMPLES[0], b=EXAMPLES[1],
                                                    c=EXAMPLES[2])
        if code == NEEDS_UNIT:
            # TRANSLATORS: {text} is the quoted input, {reason} why it is wrong, {examples}
            # examples of valid durations ('e.g. "90s", "10m" or "1h30m"').
            message = _("{text} is not a valid duration: {reason} ({examples})")
        else:
            # TRANSLATORS: {text} is the quoted input, {reason} why it is wrong, {examples}
            # examples of valid durations ('e.g. "90s", "10m" or "1h30m"'); s, m and h are
            # the unit letters (keep them).
            message = _("{text} is not a valid duration: {reason}; write whole numbers with a "
                        "unit s, m or h, {examples}")
        super().__init__(message.format(text=_quote(text), reason=self.reason,
                                        examples=examples))


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
        raise DurationError(text, "not_text", type=type(text).__name__)
    s = text.strip().lower()
    if not s:
        raise DurationError(text, "empty")
    total = 0
    seen: set[int] = set()
    pos = _SPACE.match(s, 0).end()
    while pos < len(s):
        m = _DIGITS.match(s, pos)
        if m is None:
            ch = s[pos]
            if ch == "-":
                raise DurationError(text, "negative")
            raise DurationError(text, "not_number", char=json.dumps(ch, ensure_ascii=False))
        digits = m.group()
        pos = m.end()
        if pos < len(s) and s[pos] in ".,":
            raise DurationError(text, "fraction")
        if len(digits.lstrip("0")) > _MAX_DIGITS:
            raise DurationError(text, "too_large")
        pos = _SPACE.match(s, pos).end()
        u = _UNIT.match(s, pos)
        if u is None:
            if pos >= len(s):
                raise DurationError(text, NEEDS_UNIT)
            raise DurationError(text, "not_unit", char=json.dumps(s[pos], ensure_ascii=False))
        unit = u.group()
        pos = _SPACE.match(s, u.end()).end()
        secs = _UNITS.get(unit)
        if secs is None:
            raise DurationError(text, "unknown_unit", unit=json.dumps(unit))
        if secs in seen:
            raise DurationError(text, "twice", unit=json.dumps(unit))
        seen.add(secs)
        total += int(digits) * secs
    if total > MAX_DURATION_S:
        raise DurationError(text, "too_long", max=format_duration(MAX_DURATION_S))
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
    """Time left for people, in the installed language: ``45 s``, ``12 min``, ``1 h 05 min``,
    ``2 h``. For display only (never config syntax: that is `format_duration`).

    Rounds up (a countdown never shows "0 min" while time remains); negative means "0 s".
    """
    total = max(0, math.ceil(seconds)) if math.isfinite(seconds) else 0
    if total < 60:
        return format_seconds(total)
    minutes = -(-total // 60)
    if minutes < 60:
        # TRANSLATORS: a countdown or length in minutes, abbreviated ("12 min").
        return npgettext("duration", "{n} min", "{n} min", minutes).format(n=minutes)
    h, m = divmod(minutes, 60)
    if not m:
        # TRANSLATORS: a countdown or length in whole hours, abbreviated ("2 h").
        return npgettext("duration", "{n} h", "{n} h", h).format(n=h)
    # TRANSLATORS: a countdown or length in hours and minutes, abbreviated ("1 h 05 min",
    # "1 h 5 min").
    return pgettext("duration", "{h} h {min} min").format(h=h, min=f"{m:02d}")


def format_seconds(seconds: int) -> str:
    """A whole number of seconds for people, in the installed language (``45 s``)."""
    # TRANSLATORS: a countdown or length in seconds, abbreviated ("45 s").
    return npgettext("duration", "{n} s", "{n} s", seconds).format(n=seconds)
