"""Settings model, defaults, validation and schema migration (pure, standard library only).

The config file maps onto `Settings` here; storage.py does the file I/O. Every rejected value
becomes a `Problem` that names the key, the bad value and the allowed range, and the last good
value (or the default) is kept. Any thread may call these functions; values are immutable.

Config layout (schema 1)::

    schema_version = 1
    [general]
    snooze = "10m"              # 1m .. 2h
    natural_break = "3m"        # 30s .. 1h
    working_hours = "09:00-17:30"   # optional; absent = reminders all day
    working_days = ["mon", "tue", "wed", "thu", "fri"]
    sound = "off"               # "off", "theme" or "chime" (old files: true = "theme")
    autostart = false
    respect_dnd = true          # hold reminders while the desktop's do-not-disturb is on
    hold_when_fullscreen = true # hold reminders while a full-screen window has focus
    language = "auto"           # "auto" (the desktop's locale) or a code: "en", "es", "de"
    keep_history_days = 365     # optional, 7 .. 3650; absent = keep every event
    [reminders.<kind>]          # one per id in catalog.KIND_IDS
    enabled = true
    interval = "30m"            # 10s .. 24h
    [routine]                   # the guided stretch routine
    hold = "30s"                # "30s", "45s" or "60s" per hold (the source: 30-60 s)
    rounds = 1                  # 1 or 2 times each side (the source: 1-2x)
    desk_only = false           # true leaves out the floor stretches
    chime = true                # sound at "switch sides" and a hold's end (when sound is on)

Unknown keys and sections are not lost: `parse_config` / `unknown_keys` return them as a nested
dict ("extra") that `settings_to_dict(settings, extra)` merges back in, and each is reported as a
warning. Missing keys take the default; invalid keys keep the fallback (last good) value.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .catalog import KIND_IDS, KINDS
from .durations import NEEDS_UNIT, DurationError, format_duration, format_seconds, parse_duration
from .l10n import LANGUAGE_NAMES, _, ngettext

__all__ = [
    "SCHEMA_VERSION",
    "LANGUAGE_CHOICES",
    "DAY_NAMES",
    "INTERVAL_RANGE",
    "SNOOZE_RANGE",
    "NATURAL_BREAK_RANGE",
    "HOLD_CHOICES",
    "ROUNDS_CHOICES",
    "SOUND_CHOICES",
    "KEEP_HISTORY_DAYS_RANGE",
    "KindSettings",
    "Settings",
    "Problem",
    "ParsedConfig",
    "default_settings",
    "parse_config",
    "settings_from_dict",
    "settings_to_dict",
    "unknown_keys",
    "validate_field",
    "migrate",
]

SCHEMA_VERSION = 1

#: Day names as written in the config; index = datetime.weekday() (0 = Monday).
DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

#: Inclusive (min, max) seconds.
INTERVAL_RANGE = (10, 24 * 3600)
SNOOZE_RANGE = (60, 2 * 3600)
NATURAL_BREAK_RANGE = (30, 3600)
#: Allowed routine hold lengths (s) and rounds: the source's 30-60 s and 1-2x each side.
HOLD_CHOICES = (30, 45, 60)
ROUNDS_CHOICES = (1, 2)
#: `general.sound`: no sound, the desktop's sound theme, or movebreak's own chime.
SOUND_CHOICES = ("off", "theme", "chime")
#: `general.language`: "auto" follows the desktop's locale; the others are shipped languages.
LANGUAGE_CHOICES = ("auto", *LANGUAGE_NAMES)
#: Inclusive (min, max) days of history to keep; None (the default) keeps everything.
KEEP_HISTORY_DAYS_RANGE = (7, 3650)


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class KindSettings:
    """Per reminder kind: on/off and the interval in seconds."""

    enabled: bool
    interval_s: int


def _default_reminders() -> dict[str, KindSettings]:
    return {
        k: KindSettings(KINDS[k].default_enabled, KINDS[k].default_interval_s) for k in KIND_IDS
    }


@dataclass(frozen=True)
class Settings:
    """Everything the user can configure. Immutable; build changed copies with `with_changes`.

    `reminders` always holds every id of KIND_IDS (missing ones are filled with the catalog
    defaults, unknown ones raise ValueError). `working_days` only matters with `working_hours`.
    `sound` is one of SOUND_CHOICES (a bool is read as the old setting: True = "theme");
    `routine_chime` only sounds when `sound` is not "off".
    """

    reminders: Mapping[str, KindSettings] = field(default_factory=_default_reminders)
    snooze_s: int = 600
    natural_break_s: int = 180
    working_hours: tuple[dt.time, dt.time] | None = None
    working_days: frozenset[int] = frozenset(range(5))
    sound: str = "off"
    autostart: bool = False
    routine_hold_s: int = 30
    routine_rounds: int = 1
    desk_only: bool = False
    routine_chime: bool = True
    keep_history_days: int | None = None
    respect_dnd: bool = True
    hold_when_fullscreen: bool = True
    language: str = "auto"

    def __post_init__(self) -> None:
        unknown = [k for k in self.reminders if k not in KINDS]
        if unknown:
            raise ValueError(f"unknown reminder kind(s): {', '.join(map(str, unknown))}")
        defaults = _default_reminders()
        object.__setattr__(
            self, "reminders", {k: self.reminders.get(k, defaults[k]) for k in KIND_IDS}
        )
        object.__setattr__(self, "working_days", frozenset(self.working_days))
        if isinstance(self.sound, bool):  # the old on/off setting
            object.__setattr__(self, "sound", "theme" if self.sound else "off")
        if self.sound not in SOUND_CHOICES:
            raise ValueError(f"sound must be one of {', '.join(SOUND_CHOICES)}, "
                             f"not {self.sound!r}")
        if self.working_hours is not None:
            object.__setattr__(self, "working_hours", tuple(self.working_hours))

    def __hash__(self) -> int:
        return hash(
            (
                tuple(self.reminders.items()),
                self.snooze_s,
                self.natural_break_s,
                self.working_hours,
                self.working_days,
                self.sound,
                self.autostart,
                self.routine_hold_s,
                self.routine_rounds,
                self.desk_only,
                self.routine_chime,
                self.keep_history_days,
                self.respect_dnd,
                self.hold_when_fullscreen,
                self.language,
            )
        )

    def interval(self, kind: str) -> int:
        """Interval of `kind` in seconds."""
        return self.reminders[kind].interval_s

    def is_enabled(self, kind: str) -> bool:
        return self.reminders[kind].enabled

    def enabled_kinds(self) -> list[str]:
        """Enabled kind ids in catalog order."""
        return [k for k in KIND_IDS if self.reminders[k].enabled]

    def with_changes(self, **changes: Any) -> Settings:
        """A copy with the given fields replaced (same names as the dataclass fields)."""
        return dataclasses.replace(self, **changes)

    def with_kind(
        self, kind: str, *, enabled: bool | None = None, interval_s: int | None = None
    ) -> Settings:
        """A copy with one kind's `enabled` and/or `interval_s` replaced."""
        old = self.reminders[kind]
        new = KindSettings(
            old.enabled if enabled is None else enabled,
            old.interval_s if interval_s is None else interval_s,
        )
        return self.with_changes(reminders={**self.reminders, kind: new})


def default_settings() -> Settings:
    """Defaults from the SPEC table (intervals and on/off come from catalog.KINDS)."""
    return Settings()


@dataclass(frozen=True)
class Problem:
    """One invalid value (severity "error"), unknown key ("warning") or migration note ("info").

    `key` is dotted ("reminders.move.interval"; "" for the whole file). `line`/`column` are set
    by storage.py when the TOML parser reports a position.
    """

    key: str
    value: object
    allowed: str
    message: str
    severity: str  # "error" | "warning" | "info"
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class ParsedConfig:
    """Result of `parse_config`: settings, problems, and the unknown keys to preserve."""

    settings: Settings
    problems: list[Problem]
    extra: dict


# --------------------------------------------------------------------------- field specs
#
# Every text here is shown to the user, so it is translated when a problem is built, never
# at import: `_Spec.allowed` / `form_allowed` are callables, hints are built while parsing.
# Config syntax (keys, TOML values such as true, "theme", "10m", "09:00-17:30", the day names
# mon..sun) goes into the translated sentences as placeholders and stays untranslated.


class _Bad(Exception):
    """A value was rejected; `hint` is an optional specific reason (translated).
    `toml_only`: the hint is about writing TOML (quotes), which the settings form leaves out."""

    def __init__(self, hint: str | None = None, toml_only: bool = False) -> None:
        super().__init__(hint)
        self.hint = hint
        self.toml_only = toml_only


@dataclass(frozen=True)
class _Spec:
    allowed: Callable[[], str]  # the allowed values in words (installed language)
    example: str | None  # an example value as TOML writes it (never translated)
    parse: Callable[[object], Any]  # TOML value -> model value, raises _Bad
    dump: Callable[[Any], Any]  # model value -> TOML value
    human: Callable[[Any], str]  # model value -> text after "keeping" (installed language)
    from_text: Callable[[str], object]  # form text -> TOML-like value for `parse`
    form_allowed: Callable[[], str] | None = None  # the settings form's wording, if not allowed


def _or(items: list[str] | tuple[str, ...]) -> str:
    """Choices as the installed language lists them: "a, b or c"."""
    if len(items) < 2:
        return "".join(items)
    # TRANSLATORS: the end of a list of choices: {items} are the first ones, separated by
    # commas ("30 s, 45 s"), {last} is the last one ("60 s").
    return _("{items} or {last}").format(items=", ".join(items[:-1]), last=items[-1])


def _add_quotes(example: str) -> _Bad:
    # TRANSLATORS: a number was written where the config file needs a quoted duration;
    # {example} is that duration as config syntax ("25m", with the quotes): keep it.
    return _Bad(_("add a unit and quotes, e.g. {example}").format(example=json.dumps(example)),
                toml_only=True)


def _without_quotes(value: str) -> _Bad:
    # TRANSLATORS: {value} is a config value (true, false, 2) that was written in quotes.
    return _Bad(_("write {value} without quotes").format(value=value), toml_only=True)


#: DurationError codes whose reason helps more than the plain range.
_DURATION_HINTS = frozenset({NEEDS_UNIT, "negative", "fraction", "empty"})


def _duration_spec(lo: int, hi: int, example: str) -> _Spec:
    def parse(value: object) -> int:
        if isinstance(value, bool):
            raise _Bad(None)
        if isinstance(value, (int, float)):
            if isinstance(value, int) and value >= 0:
                raise _add_quotes(format_duration(60 * value))
            raise _Bad(None)
        if not isinstance(value, str):
            raise _Bad(None)
        try:
            seconds = parse_duration(value)
        except DurationError as exc:
            raise _Bad(exc.reason if exc.code in _DURATION_HINTS else None) from None
        if seconds < lo:
            # TRANSLATORS: {value} and {min} are durations as config syntax ("5s", "10s").
            raise _Bad(_("{value} is shorter than {min}").format(
                value=format_duration(seconds), min=format_duration(lo)))
        if seconds > hi:
            # TRANSLATORS: {value} and {max} are durations as config syntax ("3h", "2h").
            raise _Bad(_("{value} is longer than {max}").format(
                value=format_duration(seconds), max=format_duration(hi)))
        return seconds

    def allowed() -> str:
        # TRANSLATORS: {min} and {max} are durations as config syntax ("10s", "24h").
        return _("a duration from {min} to {max}").format(min=format_duration(lo),
                                                         max=format_duration(hi))

    return _Spec(
        allowed=allowed,
        example=json.dumps(example),
        parse=parse,
        dump=format_duration,
        human=format_duration,
        from_text=lambda text: text,
    )


_TRUE_WORDS = ("true", "yes", "on", "1", "y", "enabled")
_FALSE_WORDS = ("false", "no", "off", "0", "n", "disabled")


def _parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            raise _without_quotes("true")
        if word in _FALSE_WORDS:
            raise _without_quotes("false")
    if isinstance(value, int) and value in (0, 1):
        # TRANSLATORS: {value} is the config value true or false (keep it); a number was
        # written instead.
        raise _Bad(_("write {value}, not a number").format(value="true" if value else "false"))
    raise _Bad(None)


def _bool_from_text(text: str) -> object:
    word = text.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return text


_BOOL = _Spec(
    # TRANSLATORS: {true} and {false} are the config values true and false (keep them).
    allowed=lambda: _("{true} or {false} (a TOML boolean, not a string)").format(
        true="true", false="false"),
    example=None,
    parse=_parse_bool,
    dump=lambda v: bool(v),
    human=lambda v: "true" if v else "false",
    from_text=_bool_from_text,
    form_allowed=lambda: _or(("true", "false")),
)

_HOURS_RE = re.compile(r"\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*")


def _parse_hours(value: object) -> tuple[dt.time, dt.time] | None:
    if value is False:
        return None
    if not isinstance(value, str):
        raise _Bad(None)
    if value.strip().lower() in ("", "off", "none"):
        return None
    m = _HOURS_RE.fullmatch(value)
    if m is None:
        raise _Bad(None)
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if not (h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60):
        raise _Bad(_("hours go from 00 to 23 and minutes from 00 to 59"))
    start, end = dt.time(h1, m1), dt.time(h2, m2)
    if start >= end:
        raise _Bad(_("the start must be before the end (overnight ranges are not supported)"))
    return start, end


def _dump_hours(value: tuple[dt.time, dt.time] | None) -> str | None:
    if value is None:
        return None
    return f"{value[0]:%H:%M}-{value[1]:%H:%M}"


_HOURS = _Spec(
    # TRANSLATORS: {format} is the config syntax "HH:MM-HH:MM" (keep it).
    allowed=lambda: _("a time range {format} (24-hour clock, start before end), or leave it "
                      "out for reminders all day").format(format='"HH:MM-HH:MM"'),
    example='"09:00-17:30"',
    parse=_parse_hours,
    dump=_dump_hours,
    human=lambda v: _("no working hours") if v is None else _dump_hours(v),
    from_text=lambda text: text,
)


def _parse_days(value: object) -> frozenset[int]:
    if isinstance(value, str):
        # TRANSLATORS: {example} is a TOML list of day names as config syntax (keep it).
        raise _Bad(_("write a list in brackets, e.g. {example}").format(
            example='["mon", "tue"]'))
    if not isinstance(value, list):
        raise _Bad(None)
    if not value:
        raise _Bad(_("the list is empty"))
    days = set()
    for item in value:
        name = item.strip().lower() if isinstance(item, str) else None
        if name in DAY_NAMES:
            days.add(DAY_NAMES.index(name))
        elif name in _FULL_DAY_NAMES:
            days.add(_FULL_DAY_NAMES.index(name))
        else:
            # TRANSLATORS: {value} is what was written where a day name (mon..sun) belongs.
            raise _Bad(_("{value} is not a day name").format(value=_show(item)))
    return frozenset(days)


def _dump_days(value: frozenset[int]) -> list[str]:
    return [DAY_NAMES[d] for d in sorted(value)]


_DAYS = _Spec(
    # TRANSLATORS: {days} are the config day names "mon, tue, ..., sun" (keep them).
    allowed=lambda: _("a non-empty list of day names from {days}").format(
        days=", ".join(DAY_NAMES)),
    example='["mon", "tue", "wed", "thu", "fri"]',
    parse=_parse_days,
    dump=_dump_days,
    human=lambda v: json.dumps(_dump_days(v)).replace('","', '", "'),
    from_text=lambda text: [p for p in re.split(r"[\s,;]+", text.strip()) if p],
    # TRANSLATORS: {days} are the config day names "mon, tue, ..., sun" (keep them).
    form_allowed=lambda: _("day names from {days}, separated by commas (at least one)").format(
        days=", ".join(DAY_NAMES)),
)


def _parse_keep_days(value: object) -> int | None:
    lo, hi = KEEP_HISTORY_DAYS_RANGE
    if value is None:  # only from the settings form (an empty field): keep everything
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            raise _Bad(_("write the number without quotes"), toml_only=True)
        raise _Bad(None)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(None)
    if value < lo:
        # TRANSLATORS: days of history to keep: {value} was written, {min} is the least.
        raise _Bad(_("{value} is fewer than {min}").format(value=value, min=lo))
    if value > hi:
        # TRANSLATORS: days of history to keep: {value} was written, {max} is the most.
        raise _Bad(_("{value} is more than {max}").format(value=value, max=hi))
    return value


def _keep_days_from_text(text: str) -> object:
    text = text.strip()
    if text.lower() in ("", "all", "forever"):
        return None
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else text


def _keep_days_human(value: int | None) -> str:
    if value is None:
        # TRANSLATORS: what is kept when no history limit is set ("keeping every event").
        return _("every event")
    return ngettext("{n} day", "{n} days", value).format(n=value)


_KEEP_DAYS = _Spec(
    allowed=lambda: _("a whole number of days from {min} to {max}, or leave it out to keep "
                      "every event").format(min=KEEP_HISTORY_DAYS_RANGE[0],
                                            max=KEEP_HISTORY_DAYS_RANGE[1]),
    example="365",
    parse=_parse_keep_days,
    dump=lambda v: v,
    human=_keep_days_human,
    from_text=_keep_days_from_text,
    form_allowed=lambda: _("a number of days from {min} to {max}, or empty to keep "
                           "everything").format(min=KEEP_HISTORY_DAYS_RANGE[0],
                                                max=KEEP_HISTORY_DAYS_RANGE[1]),
)


def _parse_sound(value: object) -> str:
    if isinstance(value, bool):  # the old on/off setting: true plays the theme's sound
        return "theme" if value else "off"
    if isinstance(value, str):
        word = value.strip().lower()
        if word in SOUND_CHOICES:
            return word
        if word in _TRUE_WORDS:
            # TRANSLATORS: {theme} and {chime} are config values with their quotes (keep them).
            raise _Bad(_("write {theme} or {chime} for a sound").format(theme='"theme"',
                                                                        chime='"chime"'))
        if word in _FALSE_WORDS:
            # TRANSLATORS: {off} is a config value with its quotes (keep it).
            raise _Bad(_("write {off} for no sound").format(off='"off"'))
    raise _Bad(None)


_SOUND = _Spec(
    # TRANSLATORS: {choices} are the quoted config values ("off", "theme", "chime"), {true}
    # and {theme} config values (keep them all).
    allowed=lambda: _("one of {choices} ({true}, as in older files, means {theme})").format(
        choices=", ".join(f'"{c}"' for c in SOUND_CHOICES), true="true", theme='"theme"'),
    example='"theme"',
    parse=_parse_sound,
    dump=str,
    human=lambda v: f'"{v}"',
    from_text=lambda text: text,
    form_allowed=lambda: _or(SOUND_CHOICES),
)


def _parse_language(value: object) -> str:
    if not isinstance(value, str):
        raise _Bad(None)
    code = value.strip().replace("-", "_")
    if code.lower() == "auto":
        return "auto"
    if code.split("_")[0].lower() in LANGUAGE_CHOICES[1:]:
        return code.split("_")[0].lower()
    raise _Bad(None)


_LANGUAGE = _Spec(
    # TRANSLATORS: {auto} is the config value "auto", {codes} the quoted language codes
    # ("en", "es", "de"): keep them.
    allowed=lambda: _("{auto} (the desktop's language) or one of {codes}").format(
        auto='"auto"', codes=", ".join(f'"{c}"' for c in LANGUAGE_CHOICES[1:])),
    example='"auto"',
    parse=_parse_language,
    dump=str,
    human=lambda v: f'"{v}"',
    from_text=lambda text: text,
    # TRANSLATORS: {auto} is the setting value auto, {codes} the language codes "en, es, de".
    form_allowed=lambda: _("{auto} or {codes}").format(auto="auto",
                                                       codes=", ".join(LANGUAGE_CHOICES[1:])),
)

#: [general] key -> (Settings attribute, spec)
_GENERAL: dict[str, tuple[str, _Spec]] = {
    "snooze": ("snooze_s", _duration_spec(*SNOOZE_RANGE, "10m")),
    "natural_break": ("natural_break_s", _duration_spec(*NATURAL_BREAK_RANGE, "3m")),
    "working_hours": ("working_hours", _HOURS),
    "working_days": ("working_days", _DAYS),
    "sound": ("sound", _SOUND),
    "autostart": ("autostart", _BOOL),
    "respect_dnd": ("respect_dnd", _BOOL),
    "hold_when_fullscreen": ("hold_when_fullscreen", _BOOL),
    "keep_history_days": ("keep_history_days", _KEEP_DAYS),
    "language": ("language", _LANGUAGE),
}


def _parse_hold(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        if value in HOLD_CHOICES:
            raise _add_quotes(f"{value}s")
        raise _Bad(None)
    if not isinstance(value, str):
        raise _Bad(None)
    try:
        seconds = parse_duration(value)
    except DurationError:
        raise _Bad(None) from None
    if seconds not in HOLD_CHOICES:
        raise _Bad(None)
    return seconds


_HOLD = _Spec(
    # TRANSLATORS: {choices} are quoted config values ("30s", "45s", "60s"): keep them.
    allowed=lambda: _("one of {choices}").format(
        choices=", ".join(f'"{n}s"' for n in HOLD_CHOICES)),
    example='"45s"',
    parse=_parse_hold,
    dump=lambda v: f"{v}s",
    human=lambda v: f"{v}s",
    from_text=lambda text: text,
    form_allowed=lambda: _or([format_seconds(n) for n in HOLD_CHOICES]),
)


def _parse_rounds(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value in ROUNDS_CHOICES:
        return value
    if isinstance(value, str) and value.strip() in {str(n) for n in ROUNDS_CHOICES}:
        raise _without_quotes(value.strip())
    raise _Bad(None)


def _rounds_from_text(text: str) -> object:
    return int(text.strip()) if text.strip().isdigit() else text


_ROUNDS = _Spec(
    # TRANSLATORS: {choices} are the allowed numbers ("1 or 2") of times each side.
    allowed=lambda: _("{choices} (times each side, a number)").format(
        choices=_or([str(n) for n in ROUNDS_CHOICES])),
    example=None,
    parse=_parse_rounds,
    dump=int,
    human=str,
    from_text=_rounds_from_text,
    form_allowed=lambda: _or([str(n) for n in ROUNDS_CHOICES]),
)

#: [routine] key -> (Settings attribute, spec)
_ROUTINE: dict[str, tuple[str, _Spec]] = {
    "hold": ("routine_hold_s", _HOLD),
    "rounds": ("routine_rounds", _ROUNDS),
    "desk_only": ("desk_only", _BOOL),
    "chime": ("routine_chime", _BOOL),
}

#: [reminders.<kind>] key -> (KindSettings attribute, spec)
_KIND: dict[str, tuple[str, _Spec]] = {
    "enabled": ("enabled", _BOOL),
    "interval": ("interval_s", _duration_spec(*INTERVAL_RANGE, "30m")),
}

_TOP_KEYS = ("schema_version", "general", "reminders", "routine")

#: Tables of plain settings: table name -> {key: (Settings attribute, spec)}.
_TABLES: dict[str, dict[str, tuple[str, _Spec]]] = {"general": _GENERAL, "routine": _ROUTINE}


# --------------------------------------------------------------------------- helpers


def _show(value: object, limit: int = 60) -> str:
    """A value the way TOML writes it, shortened: "yes", true, 30, ["mon"]."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, (list, tuple)):
        text = "[" + ", ".join(_show(v, limit) for v in value) + "]"
    elif isinstance(value, Mapping):
        text = "{" + ", ".join(f"{_dotted([str(k)])} = {_show(v, limit)}"
                               for k, v in value.items()) + "}"
    elif isinstance(value, (dt.datetime, dt.date, dt.time)):
        text = value.isoformat()
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _dotted(parts: list[str]) -> str:
    return ".".join(p if _BARE_KEY.fullmatch(p) else json.dumps(p, ensure_ascii=False)
                    for p in parts)


def _invalid(key: str, value: object, spec: _Spec, hint: str | None, kept: str) -> Problem:
    allowed = spec.allowed()
    if hint and spec.example:
        # TRANSLATORS: "{key} = {value}" is a setting as the config file writes it (keep it);
        # {reason} says what is wrong; {allowed} describes the allowed values; {example} is an
        # example value as config syntax; {kept} is the value used instead.
        message = _("{key} = {value} is not valid: {reason}; expected {allowed} "
                    "(e.g. {example}); keeping {kept}")
    elif hint:
        # TRANSLATORS: "{key} = {value}" is config syntax (keep it); {reason} says what is
        # wrong; {allowed} describes the allowed values; {kept} is the value used instead.
        message = _("{key} = {value} is not valid: {reason}; expected {allowed}; keeping {kept}")
    elif spec.example:
        # TRANSLATORS: "{key} = {value}" is config syntax (keep it); {allowed} describes the
        # allowed values; {example} is config syntax; {kept} is the value used instead.
        message = _("{key} = {value} is not valid: expected {allowed} (e.g. {example}); "
                    "keeping {kept}")
    else:
        # TRANSLATORS: "{key} = {value}" is config syntax (keep it); {allowed} describes the
        # allowed values; {kept} is the value used instead.
        message = _("{key} = {value} is not valid: expected {allowed}; keeping {kept}")
    message = message.format(key=key, value=_show(value), reason=hint, allowed=allowed,
                             example=spec.example, kept=kept)
    return Problem(key, value, allowed, message, "error")


def _unknown(key: str, value: object, known: list[str], table: str | None = None,
             kind: bool = False) -> Problem:
    """An unknown setting (in `table`, or at the top) or, with `kind`, reminder kind."""
    # TRANSLATORS: {names} are the known config names (keep them).
    allowed = _("one of: {names}").format(names=", ".join(known))
    if kind:
        # TRANSLATORS: {key} is a config key as written in the file; {allowed} is "one of: ..."
        # with the known names.
        message = _("{key} is not a known reminder kind; it is kept in the file but ignored "
                    "({allowed})")
    elif table is not None:
        # TRANSLATORS: {key} is a config key, [{table}] a config table (keep them); {allowed}
        # is "one of: ..." with the known names.
        message = _("{key} is not a known setting in [{table}]; it is kept in the file but "
                    "ignored ({allowed})")
    else:
        # TRANSLATORS: {key} is a config key (keep it); {allowed} is "one of: ..." with the
        # known names.
        message = _("{key} is not a known setting; it is kept in the file but ignored "
                    "({allowed})")
    return Problem(key, value, allowed,
                   message.format(key=key, table=table, allowed=allowed), "warning")


def _not_table(key: str, value: object) -> Problem:
    # TRANSLATORS: "[{table}]" is a config table as the file writes it (keep it).
    allowed = _("a table [{table}]").format(table=key)
    # TRANSLATORS: "{key} = {value}" is config syntax (keep it); {allowed} is "a table [...]".
    message = _("{key} = {value} is not valid: expected {allowed}; keeping the current "
                "values").format(key=key, value=_show(value), allowed=allowed)
    return Problem(key, value, allowed, message, "error")


def _valid_version(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# --------------------------------------------------------------------------- migration


def migrate(data: Mapping) -> tuple[dict, list[str]]:
    """Upgrade a config dict to SCHEMA_VERSION; returns (new dict, human notes). Input untouched.

    Version 0 (no `schema_version`): legacy whole-minute keys `interval_minutes`,
    `snooze_minutes`, `natural_break_minutes` become duration strings. A newer version is left
    as is (with a note); an invalid version is left for validation to report.
    """
    out = copy.deepcopy(dict(data))
    notes: list[str] = []
    version = out.get("schema_version", 0)
    if not _valid_version(version):
        return out, notes
    if version > SCHEMA_VERSION:
        # TRANSLATORS: "schema_version = {version}" is config syntax; {current} the version
        # this movebreak writes.
        notes.append(_("schema_version = {version} is newer than this movebreak understands "
                       "({current}); reading the settings it knows and keeping the "
                       "rest").format(version=version, current=SCHEMA_VERSION))
        return out, notes
    if version == 0:
        general = out.get("general")
        if isinstance(general, dict):
            for legacy, new in (("snooze_minutes", "snooze"),
                                ("natural_break_minutes", "natural_break")):
                _migrate_minutes(general, legacy, new, ["general"], notes)
        reminders = out.get("reminders")
        if isinstance(reminders, dict):
            for kind, table in reminders.items():
                if isinstance(table, dict):
                    _migrate_minutes(table, "interval_minutes", "interval",
                                     ["reminders", str(kind)], notes)
    out["schema_version"] = SCHEMA_VERSION
    return out, notes


def _migrate_minutes(table: dict, legacy: str, new: str, path: list[str],
                     notes: list[str]) -> None:
    if legacy not in table:
        return
    value = table[legacy]
    old_key = _dotted([*path, legacy])
    if new in table:
        del table[legacy]
        # TRANSLATORS: {old} and {new} are config keys (keep them).
        notes.append(_("{old} (old format) was ignored because {new} is set").format(
            old=old_key, new=_dotted([*path, new])))
    elif _valid_version(value) and value * 60 <= 366 * 24 * 3600:
        del table[legacy]
        table[new] = format_duration(value * 60)
        # TRANSLATORS: "{old} = {value}" and "{new} = {new_value}" are config syntax (keep).
        notes.append(_("{old} = {value} (old format) was read as {new} = {new_value}").format(
            old=old_key, value=value, new=new, new_value=json.dumps(table[new])))
    else:
        # TRANSLATORS: "{old} = {value}" is config syntax (keep it).
        notes.append(_("{old} = {value} (old format) could not be converted: expected a whole "
                       "number of minutes").format(old=old_key, value=_show(value)))


# --------------------------------------------------------------------------- parsing


def parse_config(data: Mapping, fallback: Settings | None = None) -> ParsedConfig:
    """Validate a config dict (as read from TOML) in one pass: settings, problems and extra.

    Missing keys take the default; invalid ones keep `fallback`'s value (or the default);
    unknown keys go to `extra` (nested like the input) with a warning each.
    """
    defaults = default_settings()
    base = fallback or defaults
    problems: list[Problem] = []
    extra: dict = {}
    if not isinstance(data, Mapping):
        problems.append(Problem("", data, _("a table of settings"),
                                _("the config is not a table of settings; keeping the current "
                                  "settings"), "error"))
        return ParsedConfig(base, problems, extra)

    old_version = data.get("schema_version", 0)
    data, notes = migrate(data)
    problems += [Problem("schema_version", old_version, "", note, "info") for note in notes]

    version = data.get("schema_version", SCHEMA_VERSION)
    if not _valid_version(version):
        # TRANSLATORS: {version} is the config schema version this movebreak writes.
        allowed = _("a whole number (this movebreak writes {version})").format(
            version=SCHEMA_VERSION)
        # TRANSLATORS: "schema_version = {value}" is config syntax (keep it); {allowed} is
        # "a whole number (...)"; {version} the version used instead.
        problems.append(Problem(
            "schema_version", version, allowed,
            _("schema_version = {value} is not valid: expected {allowed}; reading it as "
              "{version}").format(value=_show(version), allowed=allowed,
                                  version=SCHEMA_VERSION), "error"))

    for key, value in data.items():
        if key not in _TOP_KEYS:
            extra[key] = copy.deepcopy(value)
            problems.append(_unknown(_dotted([str(key)]), value, list(_TOP_KEYS)))

    # [general], [routine]
    values: dict[str, Any] = {}
    for name, specs in _TABLES.items():
        values.update({attr: getattr(defaults, attr) for attr, _unused in specs.values()})
        table = data.get(name, {})
        if not isinstance(table, Mapping):
            problems.append(_not_table(name, table))
            values.update({attr: getattr(base, attr) for attr, _unused in specs.values()})
            continue
        for key, value in table.items():
            dotted = _dotted([name, str(key)])
            if key not in specs:
                extra.setdefault(name, {})[key] = copy.deepcopy(value)
                problems.append(_unknown(dotted, value, list(specs), table=name))
                continue
            attr, spec = specs[key]
            try:
                values[attr] = spec.parse(value)
            except _Bad as bad:
                values[attr] = getattr(base, attr)
                problems.append(_invalid(dotted, value, spec, bad.hint, spec.human(values[attr])))

    # [reminders.<kind>]
    kinds = {k: dict(enabled=v.enabled, interval_s=v.interval_s)
             for k, v in defaults.reminders.items()}
    reminders = data.get("reminders", {})
    if not isinstance(reminders, Mapping):
        problems.append(_not_table("reminders", reminders))
        kinds = {k: dict(enabled=v.enabled, interval_s=v.interval_s)
                 for k, v in base.reminders.items()}
    else:
        for kind, table in reminders.items():
            if kind not in KINDS:
                extra.setdefault("reminders", {})[kind] = copy.deepcopy(table)
                problems.append(_unknown(_dotted(["reminders", str(kind)]), table,
                                         list(KIND_IDS), kind=True))
                continue
            if not isinstance(table, Mapping):
                problems.append(_not_table(_dotted(["reminders", kind]), table))
                kinds[kind] = dict(enabled=base.reminders[kind].enabled,
                                   interval_s=base.reminders[kind].interval_s)
                continue
            for key, value in table.items():
                dotted = _dotted(["reminders", kind, str(key)])
                if key not in _KIND:
                    extra.setdefault("reminders", {}).setdefault(kind, {})[key] = \
                        copy.deepcopy(value)
                    problems.append(_unknown(dotted, value, list(_KIND),
                                             table=f"reminders.{kind}"))
                    continue
                attr, spec = _KIND[key]
                try:
                    kinds[kind][attr] = spec.parse(value)
                except _Bad as bad:
                    kept = getattr(base.reminders[kind], attr)
                    kinds[kind][attr] = kept
                    problems.append(_invalid(dotted, value, spec, bad.hint, spec.human(kept)))

    settings = Settings(reminders={k: KindSettings(**v) for k, v in kinds.items()}, **values)
    return ParsedConfig(settings, problems, extra)


def settings_from_dict(data: Mapping, fallback: Settings | None = None
                       ) -> tuple[Settings, list[Problem]]:
    """Settings and problems from a config dict; see `parse_config` (which also returns extra)."""
    parsed = parse_config(data, fallback)
    return parsed.settings, parsed.problems


def unknown_keys(data: Mapping) -> dict:
    """The unknown keys/sections of a config dict, nested as in the input (after migration)."""
    return parse_config(data).extra


def settings_to_dict(settings: Settings, extra: Mapping | None = None) -> dict:
    """TOML-ready dict (durations as strings) with `schema_version` and `extra` merged in.

    Keys from `extra` never override known settings; an absent `working_hours` means "off".
    """
    general: dict[str, Any] = {}
    for key, (attr, spec) in _GENERAL.items():
        value = spec.dump(getattr(settings, attr))
        if value is not None:
            general[key] = value
    reminders = {
        kind: {key: spec.dump(getattr(ks, attr)) for key, (attr, spec) in _KIND.items()}
        for kind, ks in settings.reminders.items()
    }
    routine = {key: spec.dump(getattr(settings, attr)) for key, (attr, spec) in _ROUTINE.items()}
    out: dict = {"schema_version": SCHEMA_VERSION, "general": general, "reminders": reminders,
                 "routine": routine}
    if extra:
        clean = parse_config(extra).extra  # drop anything that is a known key
        _merge(out, clean)
    return out


def _merge(into: dict, extra: Mapping) -> None:
    for key, value in extra.items():
        if key not in into:
            into[key] = copy.deepcopy(value)
        elif isinstance(into[key], dict) and isinstance(value, Mapping):
            _merge(into[key], value)


def validate_field(key: str, raw_text: str) -> tuple[object, str | None]:
    """Check one form field of the settings window: (parsed value, None) or (None, message).

    `key` is dotted like the config ("reminders.move.interval", "general.snooze",
    "routine.hold"). Values are model values: seconds for durations and the hold, bool,
    (start, end) times or None, a frozenset of days, the rounds as an int.
    """
    parts = key.split(".")
    spec: _Spec | None = None
    if len(parts) == 2 and parts[0] in _TABLES and parts[1] in _TABLES[parts[0]]:
        spec = _TABLES[parts[0]][parts[1]][1]
    elif len(parts) == 3 and parts[0] == "reminders" and parts[1] in KINDS and parts[2] in _KIND:
        spec = _KIND[parts[2]][1]
    if spec is None:
        # TRANSLATORS: {key} is a config key such as "general.snooze" (keep it).
        return None, _("{key} is not a known setting").format(key=key)
    value = spec.from_text(raw_text)
    try:
        return spec.parse(value), None
    except _Bad as bad:
        reason = bad.hint if bad.hint and not bad.toml_only else None
        shown = json.dumps(raw_text.strip(), ensure_ascii=False)
        allowed = (spec.form_allowed or spec.allowed)()
        example = None if spec.form_allowed else spec.example
        if reason and example:
            # TRANSLATORS: {text} is what was typed in a settings field, quoted; {reason} says
            # what is wrong; {allowed} describes the allowed values; {example} is an example
            # value as config syntax.
            message = _("{text} is not valid: {reason}; expected {allowed} (e.g. {example})")
        elif reason:
            # TRANSLATORS: {text} is what was typed in a settings field, quoted; {reason} says
            # what is wrong; {allowed} describes the allowed values.
            message = _("{text} is not valid: {reason}; expected {allowed}")
        elif example:
            # TRANSLATORS: {text} is what was typed in a settings field, quoted; {allowed}
            # describes the allowed values; {example} is a value as config syntax.
            message = _("{text} is not valid: expected {allowed} (e.g. {example})")
        else:
            # TRANSLATORS: {text} is what was typed in a settings field, quoted; {allowed}
            # describes the allowed values.
            message = _("{text} is not valid: expected {allowed}")
        return None, message.format(text=shown, reason=reason, allowed=allowed,
                                    example=example)
