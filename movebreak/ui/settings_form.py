"""Logic of the settings window, without Tk: fields, form state, validation, preview text.

The Tk window (ui/settings.py) keeps one `FormState`, writes every keystroke into it and asks
`validate()` what to mark; `to_settings()` builds the `Settings` to save. Pure and
display-free, so the tests run without X. Called from the settings process's main thread.
Every text is looked up in the current language when it is read (`FIELDS` is rebuilt when the
language changes), never at import.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from movebreak.core.catalog import KIND_IDS, KINDS, exercise_for, reminder_body
from movebreak.core.durations import DurationError, parse_duration
from movebreak.core.l10n import (
    LANGUAGE_NAMES,
    N_,
    _,
    current,
    current_locale,
    format_weekday,
    pgettext,
)
from movebreak.core.settings import (
    DAY_NAMES,
    HOLD_CHOICES,
    INTERVAL_RANGE,
    LANGUAGE_CHOICES,
    NATURAL_BREAK_RANGE,
    ROUNDS_CHOICES,
    SNOOZE_RANGE,
    SOUND_CHOICES,
    KindSettings,
    Settings,
    validate_field,
)

__all__ = [
    "FIELDS",
    "INTERVAL_PRESETS_MIN",
    "Field",
    "FormError",
    "FormState",
    "day_labels",
    "duration_text",
    "form_state",
    "human_duration",
    "preview",
    "to_settings",
    "validate",
]

INTERVAL_PRESETS_MIN = (5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240)
SNOOZE_PRESETS_MIN = (5, 10, 15, 20, 30, 60)
NATURAL_BREAK_PRESETS_MIN = (1, 2, 3, 5, 10, 15)
DEFAULT_HOURS = ("09:00", "17:30")
#: What the sound choices are called in the window (translated where shown).
SOUND_LABELS = {"off": N_("Off"), "theme": N_("Theme sound"), "chime": N_("Chime")}
#: A Monday (any will do): the working-day toggles are named from its week.
_A_MONDAY = datetime(2024, 1, 1)


def day_labels() -> tuple[str, ...]:
    """The abbreviated weekday names, Monday first, as the current locale writes them
    ("Mon" ... "Sun" in English)."""
    return tuple(format_weekday(_A_MONDAY.replace(day=1 + i)) for i in range(7))


def language_label(code: str) -> str:
    """What a `general.language` choice is called: "auto" in the current language, the
    others in their own language (so everyone finds theirs)."""
    if code == "auto":
        return _("Automatic (desktop language)")
    return LANGUAGE_NAMES.get(code, code)


@dataclass(frozen=True)
class Field:
    """One input of the form. `key` is dotted like the config where a config key exists."""

    key: str
    label: str
    type: str  # "bool" | "duration" | "time" | "choice"
    help: str = ""
    range_s: tuple[int, int] | None = None  # durations: inclusive seconds
    presets: tuple[str, ...] = ()
    kind: str | None = None  # reminder kind id for the per-kind rows
    choices: tuple[tuple[str, str], ...] = ()  # "choice": (form value, label) pairs


def _minutes(values: tuple[int, ...]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


def _times(n: int) -> str:
    """'once', 'twice' (the rounds choices)."""
    return _("once") if n == 1 else _("twice")


def _build_fields() -> dict[str, Field]:
    """The fields with their texts in the current language."""
    fields: list[Field] = []
    for kind in KIND_IDS:
        k = KINDS[kind]
        fields.append(Field(f"reminders.{kind}.enabled", k.title, "bool", k.summary, kind=kind))
        # TRANSLATORS: {kind} is a reminder's name, e.g. "Stretch break".
        fields.append(Field(f"reminders.{kind}.interval", _("{kind} interval").format(
                            kind=k.title), "duration",
                            # TRANSLATORS: "1h30m" is how durations are typed; keep it as is.
                            _("minutes, or a duration such as 1h30m"), INTERVAL_RANGE,
                            _minutes(INTERVAL_PRESETS_MIN), kind=kind))
    fields += [
        Field("general.snooze", _("Snooze for"), "duration",
              _("how long Snooze postpones a reminder"), SNOOZE_RANGE,
              _minutes(SNOOZE_PRESETS_MIN)),
        Field("general.natural_break", _("Away counts as a break after"), "duration",
              _("stepping away this long restarts the movement timer"), NATURAL_BREAK_RANGE,
              _minutes(NATURAL_BREAK_PRESETS_MIN)),
        Field("general.working_hours.enabled", _("Only during working hours"), "bool",
              _("outside these hours no reminders are shown")),
        # TRANSLATORS: the start of the working hours.
        Field("general.working_hours.start", pgettext("working hours", "Start"), "time",
              _("HH:MM, 24-hour clock")),
        # TRANSLATORS: the end of the working hours.
        Field("general.working_hours.end", pgettext("working hours", "End"), "time",
              _("HH:MM, 24-hour clock")),
    ]
    fields += [Field(f"general.working_days.{d}", label, "bool", _("a working day"))
               for d, label in zip(DAY_NAMES, day_labels())]
    fields += [
        Field("general.sound", _("Sound"), "choice", _("with each reminder"),
              choices=tuple((c, _(SOUND_LABELS[c])) for c in SOUND_CHOICES)),
        Field("general.language", _("Language"), "choice", _("of menus, reminders and windows"),
              choices=tuple((c, language_label(c)) for c in LANGUAGE_CHOICES)),
        Field("general.autostart", _("Start movebreak when I log in"), "bool"),
        Field("general.respect_dnd", _("Hold reminders during do not disturb"), "bool",
              _("one is shown when do not disturb ends")),
        Field("general.hold_when_fullscreen", _("Hold reminders while a window is full screen"),
              "bool", _("presentations, videos, video calls")),
        Field("routine.hold", _("Hold each stretch"), "choice", _("seconds per hold"),
              # TRANSLATORS: a number of seconds, e.g. "30 s".
              choices=tuple((str(n), _("{n} s").format(n=n)) for n in HOLD_CHOICES)),
        Field("routine.rounds", _("Times each side"), "choice", _("rounds of each stretch"),
              choices=tuple((str(n), _times(n)) for n in ROUNDS_CHOICES)),
        Field("routine.desk_only", _("Desk only: leave out the floor stretches"), "bool",
              _("glute stretch and lumbar rotation are done lying down")),
        # TRANSLATORS: a checkbox after the Sound choices and the Test button: the sound is
        # also played in the stretch routine.
        Field("routine.chime", _("in the routine"), "bool",
              _('the stretch routine sounds at "switch sides" and when each hold ends '
                "(when Sound is not off)")),
    ]
    return {f.key: f for f in fields}


class _Fields(Mapping[str, Field]):
    """The form's fields in the current language: built on first use and again after the
    language (or the locale the weekday names follow) changed. Reads like a dict."""

    def __init__(self) -> None:
        self._built: dict[tuple[str, str], dict[str, Field]] = {}

    def _fields(self) -> dict[str, Field]:
        key = (current(), current_locale())
        fields = self._built.get(key)
        if fields is None:
            fields = self._built[key] = _build_fields()
        return fields

    def __getitem__(self, key: str) -> Field:
        return self._fields()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields())

    def __len__(self) -> int:
        return len(self._fields())


#: Every form field in display (and Tab) order.
FIELDS: Mapping[str, Field] = _Fields()

#: Error keys that are not a single field (shown next to the group).
DAYS_KEY = "general.working_days"


class FormError(ValueError):
    """`to_settings` on a form with invalid fields; `errors` maps field key to message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


@dataclass
class FormState:
    """What the form shows: raw text for text fields, bools for checkboxes.

    `base` is the Settings the form was built from; values the form cannot express (none
    today) and the working days while working hours are off fall back to it.
    """

    base: Settings
    values: dict[str, str | bool] = field(default_factory=dict)

    def get(self, key: str) -> str | bool:
        return self.values[key]

    def set(self, key: str, value: str | bool) -> None:
        if key not in FIELDS:
            raise KeyError(f"unknown form field {key!r}")
        want = bool if FIELDS[key].type == "bool" else str
        if not isinstance(value, want):
            raise TypeError(f"{key} takes {want.__name__}, got {type(value).__name__}")
        self.values[key] = value


# --------------------------------------------------------------------------- text helpers


def human_duration(seconds: int) -> str:
    """People's text for a duration: 10 s, 1 min, 1 h 30 min, 24 h."""
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    # TRANSLATORS: parts of a duration such as "1 h 30 min"; {n} is a number.
    units = ((h, _("{n} h")), (m, _("{n} min")), (s, _("{n} s")))
    parts = [unit.format(n=n) for n, unit in units if n]
    return " ".join(parts) or _("{n} s").format(n=0)


def duration_text(seconds: int) -> str:
    """What a duration field shows: whole minutes as a bare number ("30"), else "1m30s"."""
    seconds = int(seconds)
    if seconds % 60 == 0:
        return str(seconds // 60)
    m, s = divmod(seconds, 60)
    return f"{m}m{s}s" if m else f"{s}s"


_BARE_NUMBER = re.compile(r"\s*\d+\s*")


def _as_duration(text: str) -> str:
    """Form text to config duration text: a bare number means minutes."""
    return f"{text.strip()}m" if _BARE_NUMBER.fullmatch(text) else text


_TIME = re.compile(r"\s*(\d{1,2})(?:[:.h](\d{2}))?\s*")


def _parse_time(text: str) -> tuple[int, int] | None:
    m = _TIME.fullmatch(text)
    if m is None:
        return None
    h, mi = int(m.group(1)), int(m.group(2) or 0)
    return (h, mi) if h < 24 and mi < 60 else None


# --------------------------------------------------------------------------- state


def form_state(settings: Settings) -> FormState:
    """The form for `settings` (what the window shows when it opens)."""
    v: dict[str, str | bool] = {}
    for kind in KIND_IDS:
        ks = settings.reminders[kind]
        v[f"reminders.{kind}.enabled"] = ks.enabled
        v[f"reminders.{kind}.interval"] = duration_text(ks.interval_s)
    v["general.snooze"] = duration_text(settings.snooze_s)
    v["general.natural_break"] = duration_text(settings.natural_break_s)
    hours = settings.working_hours
    v["general.working_hours.enabled"] = hours is not None
    start, end = (t.strftime("%H:%M") for t in hours) if hours else DEFAULT_HOURS
    v["general.working_hours.start"] = start
    v["general.working_hours.end"] = end
    for i, day in enumerate(DAY_NAMES):
        v[f"general.working_days.{day}"] = i in settings.working_days
    v["general.sound"] = settings.sound
    v["general.language"] = settings.language
    v["general.autostart"] = settings.autostart
    v["general.respect_dnd"] = settings.respect_dnd
    v["general.hold_when_fullscreen"] = settings.hold_when_fullscreen
    v["routine.hold"] = str(settings.routine_hold_s)
    v["routine.rounds"] = str(settings.routine_rounds)
    v["routine.desk_only"] = settings.desk_only
    v["routine.chime"] = settings.routine_chime
    return FormState(settings, v)


# --------------------------------------------------------------------------- validation


def _duration_error(f: Field, text: str) -> str:
    lo, hi = f.range_s or INTERVAL_RANGE
    # TRANSLATORS: the range a duration field accepts, e.g. "allowed 10 s to 24 h".
    allowed = _("allowed {low} to {high}").format(low=human_duration(lo),
                                                  high=human_duration(hi))
    if not text.strip():
        # TRANSLATORS: {allowed} is e.g. "allowed 10 s to 24 h".
        return _("Required: {allowed}").format(allowed=allowed)
    try:
        seconds = parse_duration(_as_duration(text))
    except DurationError:
        # TRANSLATORS: "1h30m" is how durations are typed; keep it as is.
        return _("Type minutes (30) or a duration (1h30m); {allowed}").format(allowed=allowed)
    if seconds < lo:
        return _("Too short: {allowed}").format(allowed=allowed)
    if seconds > hi:
        return _("Too long: {allowed}").format(allowed=allowed)
    return _("Not valid: {allowed}").format(allowed=allowed)


def _alternatives(labels: list[str]) -> str:
    """'30 s, 45 s or 60 s'."""
    if len(labels) < 2:
        return "".join(labels)
    # TRANSLATORS: the last of a list of choices, e.g. "30 s, 45 s or 60 s" ({items} is
    # "30 s, 45 s", {last} is "60 s").
    return _("{items} or {last}").format(items=", ".join(labels[:-1]), last=labels[-1])


def _field_value(key: str, state: FormState) -> tuple[object, str | None]:
    """(model value, error) for a duration, choice or bool field, via the core's
    validate_field."""
    f = FIELDS[key]
    raw = state.values[key]
    if f.type == "bool":
        return bool(raw), None
    if f.type == "choice":
        text = str(raw).strip()
        # TRANSLATORS: {choices} lists what may be picked, e.g. "30 s, 45 s or 60 s".
        pick = _("Pick {choices}").format(choices=_alternatives([lbl for _v, lbl in f.choices]))
        if text not in {value for value, _lbl in f.choices}:
            return None, pick
        value, error = validate_field(key, f"{text}s" if key == "routine.hold" else text)
        return (value, None) if error is None else (None, pick)
    config_key = key
    value, error = validate_field(config_key, _as_duration(str(raw)))
    if error is not None:
        return None, _duration_error(f, str(raw))
    return value, None


def _hours(state: FormState) -> tuple[object, dict[str, str]]:
    """Working hours as the model value (None when off) and errors keyed by field."""
    if not state.values["general.working_hours.enabled"]:
        return None, {}
    errors: dict[str, str] = {}
    times = {}
    for part in ("start", "end"):
        key = f"general.working_hours.{part}"
        parsed = _parse_time(str(state.values[key]))
        if parsed is None:
            errors[key] = _("Use HH:MM, from 00:00 to 23:59")
        else:
            times[part] = f"{parsed[0]:02d}:{parsed[1]:02d}"
    if errors:
        return None, errors
    value, error = validate_field("general.working_hours", f"{times['start']}-{times['end']}")
    if error is not None:
        # TRANSLATORS: {start} is the start of the working hours, e.g. "09:00".
        return None, {"general.working_hours.end": _(
            "Must be after {start} (up to 23:59, same day)").format(start=times["start"])}
    return value, {}


def _days(state: FormState) -> tuple[frozenset[int], str | None]:
    names = [d for d in DAY_NAMES if state.values[f"general.working_days.{d}"]]
    if not names:
        if state.values["general.working_hours.enabled"]:
            labels = day_labels()
            # TRANSLATORS: {first} and {last} are weekday names, e.g. "Mon" and "Sun".
            return frozenset(), _("Pick at least one day, {first} to {last}").format(
                first=labels[0], last=labels[-1])
        return state.base.working_days, None  # not used while working hours are off
    value, error = validate_field(DAYS_KEY, ", ".join(names))
    if error is not None:  # cannot happen with the checkbox names; keep the message honest
        return state.base.working_days, error
    return value, None


def validate(state: FormState) -> dict[str, str]:
    """Every invalid field: {field key: message naming the allowed range}. Empty = valid."""
    errors: dict[str, str] = {}
    for key, f in FIELDS.items():
        if f.type in ("duration", "choice"):
            error = _field_value(key, state)[1]
            if error:
                errors[key] = error
    errors.update(_hours(state)[1])
    day_error = _days(state)[1]
    if day_error:
        errors[DAYS_KEY] = day_error
    return errors


def to_settings(state: FormState) -> Settings:
    """The Settings the form describes; raises FormError when any field is invalid."""
    errors = validate(state)
    if errors:
        raise FormError(errors)
    reminders = {}
    for kind in KIND_IDS:
        enabled = _field_value(f"reminders.{kind}.enabled", state)[0]
        interval = _field_value(f"reminders.{kind}.interval", state)[0]
        reminders[kind] = KindSettings(bool(enabled), int(interval))
    hours = _hours(state)[0]
    days = _days(state)[0]
    return state.base.with_changes(
        reminders=reminders,
        snooze_s=int(_field_value("general.snooze", state)[0]),
        natural_break_s=int(_field_value("general.natural_break", state)[0]),
        working_hours=hours,
        working_days=days,
        sound=str(_field_value("general.sound", state)[0]),
        language=str(_field_value("general.language", state)[0]),
        autostart=bool(state.values["general.autostart"]),
        respect_dnd=bool(state.values["general.respect_dnd"]),
        hold_when_fullscreen=bool(state.values["general.hold_when_fullscreen"]),
        routine_hold_s=int(_field_value("routine.hold", state)[0]),
        routine_rounds=int(_field_value("routine.rounds", state)[0]),
        desk_only=bool(state.values["routine.desk_only"]),
        routine_chime=bool(state.values["routine.chime"]),
    )


# --------------------------------------------------------------------------- preview


@dataclass(frozen=True)
class Preview:
    """What a reminder of one kind says (the first exercise of its rotation)."""

    kind: str
    title: str
    body: str
    summary: str

    def text(self) -> str:
        return f"{self.title}\n{self.body}"


def preview(kind: str) -> Preview:
    """Preview of a kind's notification, as the app would show it first."""
    k = KINDS[kind]
    return Preview(kind, k.title, reminder_body(kind, exercise_for(kind, 0)), k.summary)
