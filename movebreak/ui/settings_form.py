"""Logic of the settings window, without Tk: fields, form state, validation, preview text.

The Tk window (ui/settings.py) keeps one `FormState`, writes every keystroke into it and asks
`validate()` what to mark; `to_settings()` builds the `Settings` to save. Pure and
display-free, so the tests run without X. Called from the settings process's main thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from movebreak.core.catalog import KIND_IDS, KINDS, exercise_for, reminder_body
from movebreak.core.durations import DurationError, parse_duration
from movebreak.core.settings import (
    DAY_NAMES,
    HOLD_CHOICES,
    INTERVAL_RANGE,
    NATURAL_BREAK_RANGE,
    ROUNDS_CHOICES,
    SNOOZE_RANGE,
    SOUND_CHOICES,
    KindSettings,
    Settings,
    validate_field,
)

__all__ = [
    "DAY_LABELS",
    "FIELDS",
    "INTERVAL_PRESETS_MIN",
    "Field",
    "FormError",
    "FormState",
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
DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DEFAULT_HOURS = ("09:00", "17:30")
#: What the sound choices are called in the window.
SOUND_LABELS = {"off": "Off", "theme": "Theme sound", "chime": "Chime"}


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


def _build_fields() -> dict[str, Field]:
    fields: list[Field] = []
    for kind in KIND_IDS:
        k = KINDS[kind]
        fields.append(Field(f"reminders.{kind}.enabled", k.title, "bool", k.summary, kind=kind))
        fields.append(Field(f"reminders.{kind}.interval", f"{k.title} interval", "duration",
                            "minutes, or a duration such as 1h30m", INTERVAL_RANGE,
                            _minutes(INTERVAL_PRESETS_MIN), kind=kind))
    fields += [
        Field("general.snooze", "Snooze for", "duration",
              "how long Snooze postpones a reminder", SNOOZE_RANGE,
              _minutes(SNOOZE_PRESETS_MIN)),
        Field("general.natural_break", "Away counts as a break after", "duration",
              "stepping away this long restarts the movement timer", NATURAL_BREAK_RANGE,
              _minutes(NATURAL_BREAK_PRESETS_MIN)),
        Field("general.working_hours.enabled", "Only during working hours", "bool",
              "outside these hours no reminders are shown"),
        Field("general.working_hours.start", "Start", "time", "HH:MM, 24-hour clock"),
        Field("general.working_hours.end", "End", "time", "HH:MM, 24-hour clock"),
    ]
    fields += [Field(f"general.working_days.{d}", label, "bool", "a working day")
               for d, label in zip(DAY_NAMES, DAY_LABELS)]
    fields += [
        Field("general.sound", "Sound", "choice", "with each reminder",
              choices=tuple((c, SOUND_LABELS[c]) for c in SOUND_CHOICES)),
        Field("general.autostart", "Start movebreak when I log in", "bool"),
        Field("general.respect_dnd", "Hold reminders during do not disturb", "bool",
              "one is shown when do not disturb ends"),
        Field("general.hold_when_fullscreen", "Hold reminders while a window is full screen",
              "bool", "presentations, videos, video calls"),
        Field("routine.hold", "Hold each stretch", "choice", "seconds per hold",
              choices=tuple((str(n), f"{n} s") for n in HOLD_CHOICES)),
        Field("routine.rounds", "Times each side", "choice", "rounds of each stretch",
              choices=tuple((str(n), "once" if n == 1 else "twice") for n in ROUNDS_CHOICES)),
        Field("routine.desk_only", "Desk only: leave out the floor stretches", "bool",
              "glute stretch and lumbar rotation are done lying down"),
        Field("routine.chime", "in the routine", "bool",
              'the stretch routine sounds at "switch sides" and when each hold ends '
              "(when Sound is not off)"),
    ]
    return {f.key: f for f in fields}


#: Every form field in display (and Tab) order.
FIELDS: dict[str, Field] = _build_fields()

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
    parts = [f"{n} {u}" for n, u in ((h, "h"), (m, "min"), (s, "s")) if n]
    return " ".join(parts) or "0 s"


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
    allowed = f"allowed {human_duration(lo)} to {human_duration(hi)}"
    if not text.strip():
        return f"Required: {allowed}"
    try:
        seconds = parse_duration(_as_duration(text))
    except DurationError:
        return f"Type minutes (30) or a duration (1h30m); {allowed}"
    if seconds < lo:
        return f"Too short: {allowed}"
    if seconds > hi:
        return f"Too long: {allowed}"
    return f"Not valid: {allowed}"


def _field_value(key: str, state: FormState) -> tuple[object, str | None]:
    """(model value, error) for a duration, choice or bool field, via the core's
    validate_field."""
    f = FIELDS[key]
    raw = state.values[key]
    if f.type == "bool":
        return bool(raw), None
    if f.type == "choice":
        text = str(raw).strip()
        labels = [label for _, label in f.choices]
        allowed = ", ".join(labels[:-1]) + " or " + labels[-1]
        if text not in {value for value, _ in f.choices}:
            return None, f"Pick {allowed}"
        value, error = validate_field(key, f"{text}s" if key == "routine.hold" else text)
        return (value, None) if error is None else (None, f"Pick {allowed}")
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
            errors[key] = "Use HH:MM, from 00:00 to 23:59"
        else:
            times[part] = f"{parsed[0]:02d}:{parsed[1]:02d}"
    if errors:
        return None, errors
    value, error = validate_field("general.working_hours", f"{times['start']}-{times['end']}")
    if error is not None:
        return None, {"general.working_hours.end":
                      f"Must be after {times['start']} (up to 23:59, same day)"}
    return value, {}


def _days(state: FormState) -> tuple[frozenset[int], str | None]:
    names = [d for d in DAY_NAMES if state.values[f"general.working_days.{d}"]]
    if not names:
        if state.values["general.working_hours.enabled"]:
            return frozenset(), "Pick at least one day, Mon to Sun"
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
            _, error = _field_value(key, state)
            if error:
                errors[key] = error
    errors.update(_hours(state)[1])
    _, day_error = _days(state)
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
        enabled, _ = _field_value(f"reminders.{kind}.enabled", state)
        interval, _ = _field_value(f"reminders.{kind}.interval", state)
        reminders[kind] = KindSettings(bool(enabled), int(interval))
    hours, _ = _hours(state)
    days, _ = _days(state)
    return state.base.with_changes(
        reminders=reminders,
        snooze_s=int(_field_value("general.snooze", state)[0]),
        natural_break_s=int(_field_value("general.natural_break", state)[0]),
        working_hours=hours,
        working_days=days,
        sound=str(_field_value("general.sound", state)[0]),
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
