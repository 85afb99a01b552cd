"""The settings form's logic without a display: fields, validation, round trips, preview."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from movebreak.adapters import storage
from movebreak.core.catalog import KIND_IDS, KINDS, exercise_for, reminder_body
from movebreak.core.durations import parse_duration
from movebreak.core.safety import PAIN_RULE
from movebreak.core.settings import (
    DAY_NAMES,
    INTERVAL_RANGE,
    LANGUAGE_CHOICES,
    NATURAL_BREAK_RANGE,
    SNOOZE_RANGE,
    KindSettings,
    Settings,
    default_settings,
    validate_field,
)
from movebreak.ui.settings_form import (
    DAYS_KEY,
    FIELDS,
    INTERVAL_PRESETS_MIN,
    FormError,
    duration_text,
    form_state,
    human_duration,
    preview,
    to_settings,
    validate,
)

DURATION_FIELDS = {k: f for k, f in FIELDS.items() if f.type == "duration"}
RANGES = {"interval": INTERVAL_RANGE, "snooze": SNOOZE_RANGE,
          "natural_break": NATURAL_BREAK_RANGE}


def range_of(key: str) -> tuple[int, int]:
    return RANGES[key.rsplit(".", 1)[-1]]


def allowed_text(key: str) -> str:
    lo, hi = range_of(key)
    return f"{human_duration(lo)} to {human_duration(hi)}"


def custom_settings() -> Settings:
    s = default_settings()
    s = s.with_kind("move", interval_s=90).with_kind("posture", enabled=False, interval_s=45)
    s = s.with_kind("nerve_glide", enabled=True, interval_s=5400)
    return s.with_changes(snooze_s=300, natural_break_s=150,
                          working_hours=(dt.time(8, 15), dt.time(16, 45)),
                          working_days=frozenset({0, 2, 4, 5}), sound=True, autostart=True,
                          routine_hold_s=60, routine_rounds=2, desk_only=True,
                          respect_dnd=False, hold_when_fullscreen=False)


# --------------------------------------------------------------------------- fields


def test_every_kind_has_an_enabled_and_an_interval_field_in_catalog_order():
    kinds = [f.kind for f in FIELDS.values() if f.kind]
    assert kinds == [k for k in KIND_IDS for _ in range(2)]
    for kind in KIND_IDS:
        assert FIELDS[f"reminders.{kind}.enabled"].type == "bool"
        interval = FIELDS[f"reminders.{kind}.interval"]
        assert interval.type == "duration" and interval.range_s == INTERVAL_RANGE
        assert FIELDS[f"reminders.{kind}.enabled"].label == KINDS[kind].title


def test_general_fields_cover_the_whole_general_section():
    for key in ("general.snooze", "general.natural_break", "general.working_hours.enabled",
                "general.working_hours.start", "general.working_hours.end", "general.sound",
                "general.autostart", "general.respect_dnd", "general.hold_when_fullscreen",
                *(f"general.working_days.{d}" for d in DAY_NAMES)):
        assert key in FIELDS, key


def test_routine_fields_offer_exactly_the_allowed_values():
    assert [v for v, _ in FIELDS["routine.hold"].choices] == ["30", "45", "60"]
    assert [v for v, _ in FIELDS["routine.rounds"].choices] == ["1", "2"]
    assert FIELDS["routine.desk_only"].type == "bool"
    for key in ("routine.hold", "routine.rounds"):
        for value, _ in FIELDS[key].choices:
            state = form_state(default_settings())
            state.set(key, value)
            assert validate(state) == {}
    state = form_state(default_settings())
    state.set("routine.hold", "40")
    state.set("routine.rounds", "3")
    assert validate(state) == {"routine.hold": "Pick 30 s, 45 s or 60 s",
                               "routine.rounds": "Pick once or twice"}
    with pytest.raises(FormError):
        to_settings(state)


def test_routine_choices_become_settings():
    state = form_state(default_settings())
    assert (state.get("routine.hold"), state.get("routine.rounds"),
            state.get("routine.desk_only")) == ("30", "1", False)
    state.set("routine.hold", "45")
    state.set("routine.rounds", "2")
    state.set("routine.desk_only", True)
    s = to_settings(state)
    assert (s.routine_hold_s, s.routine_rounds, s.desk_only) == (45, 2, True)


def test_presets_are_valid_values_of_their_field():
    assert set(INTERVAL_PRESETS_MIN) >= {10, 15, 20, 30, 45, 60, 90, 120}
    for key, f in DURATION_FIELDS.items():
        assert f.presets, key
        for preset in f.presets:
            state = form_state(default_settings())
            state.set(key, preset)
            assert key not in validate(state), (key, preset)


# --------------------------------------------------------------------------- round trips


def test_defaults_show_minutes_and_round_trip_identically():
    s = default_settings()
    state = form_state(s)
    assert state.get("reminders.move.interval") == "30"
    assert state.get("reminders.posture.interval") == "20"
    assert state.get("general.snooze") == "10"
    assert state.get("general.working_hours.enabled") is False
    assert validate(state) == {}
    assert to_settings(state) == s


def test_custom_settings_round_trip_identically():
    s = custom_settings()
    state = form_state(s)
    assert state.get("reminders.move.interval") == "1m30s"
    assert state.get("reminders.posture.interval") == "45s"
    assert state.get("reminders.nerve_glide.interval") == "90"
    assert state.get("general.working_hours.start") == "08:15"
    assert state.get("general.working_days.wed") is True
    assert state.get("general.working_days.tue") is False
    assert state.get("routine.hold") == "60" and state.get("routine.rounds") == "2"
    assert to_settings(state) == s
    assert to_settings(form_state(to_settings(state))) == s


@hsettings(max_examples=150, deadline=None)
@given(
    intervals=st.lists(st.integers(*INTERVAL_RANGE), min_size=5, max_size=5),
    enabled=st.lists(st.booleans(), min_size=5, max_size=5),
    snooze=st.integers(*SNOOZE_RANGE),
    natural=st.integers(*NATURAL_BREAK_RANGE),
    hours=st.one_of(st.none(), st.tuples(st.integers(0, 1438), st.integers(1, 1439))),
    days=st.frozensets(st.integers(0, 6), min_size=1),
    sound=st.sampled_from(("off", "theme", "chime")),
    auto=st.booleans(),
    routine=st.tuples(st.sampled_from((30, 45, 60)), st.sampled_from((1, 2)), st.booleans(),
                      st.booleans()),
    holds=st.tuples(st.booleans(), st.booleans()),
)
def test_any_valid_settings_round_trip(intervals, enabled, snooze, natural, hours, days, sound,
                                       auto, routine, holds):
    wh = None
    if hours is not None:
        a, b = sorted(hours)
        if a == b:
            b += 1
        wh = (dt.time(a // 60, a % 60), dt.time(b // 60, b % 60))
    s = Settings(reminders={k: KindSettings(e, i) for k, e, i in zip(KIND_IDS, enabled, intervals)},
                 snooze_s=snooze, natural_break_s=natural, working_hours=wh, working_days=days,
                 sound=sound, autostart=auto, routine_hold_s=routine[0],
                 routine_rounds=routine[1], desk_only=routine[2], routine_chime=routine[3],
                 respect_dnd=holds[0], hold_when_fullscreen=holds[1])
    assert to_settings(form_state(s)) == s


# --------------------------------------------------------------------------- language


def test_language_field_offers_automatic_and_each_language_in_its_own_name():
    f = FIELDS["general.language"]
    assert f.type == "choice"
    assert [v for v, _label in f.choices] == list(LANGUAGE_CHOICES)
    labels = dict(f.choices)
    assert labels["auto"] == "Automatic (desktop language)"
    assert (labels["en"], labels["es"], labels["de"]) == ("English", "Español", "Deutsch")
    keys = list(FIELDS)
    assert keys.index("general.sound") < keys.index("general.language") < \
        keys.index("general.autostart")


def test_language_defaults_to_automatic_and_round_trips():
    state = form_state(default_settings())
    assert state.get("general.language") == "auto"
    assert to_settings(state).language == "auto"
    for code in LANGUAGE_CHOICES:
        s = default_settings().with_changes(language=code)
        assert form_state(s).get("general.language") == code
        assert to_settings(form_state(s)) == s


def test_chosen_language_is_saved_to_the_config_file(tmp_path):
    state = form_state(default_settings())
    state.set("general.language", "es")
    assert validate(state) == {}
    s = to_settings(state)
    assert s.language == "es" and s.with_changes(language="auto") == default_settings()
    path = tmp_path / "config.toml"
    storage.save_config(path, s, {})
    assert tomllib.loads(path.read_text())["general"]["language"] == "es"
    loaded = storage.load_config(path, write_default=False, backup=False)
    assert loaded.settings.language == "es" and not loaded.problems
    assert form_state(loaded.settings).get("general.language") == "es"


def test_unknown_language_is_refused_with_the_choices():
    state = form_state(default_settings())
    state.set("general.language", "fr")
    assert validate(state) == {"general.language": "Pick Automatic (desktop language), "
                                                   "English, Español or Deutsch"}
    with pytest.raises(FormError):
        to_settings(state)


def test_field_texts_follow_the_language_installed_after_import(monkeypatch):
    """FIELDS is built when read, not at import: a language installed later shows."""
    import gettext

    from movebreak.core import l10n

    class Marked(gettext.NullTranslations):
        def gettext(self, message):
            return f"»{message}"

        def pgettext(self, context, message):
            return f"»{message}"

    assert FIELDS["general.sound"].label == "Sound"
    monkeypatch.setattr(l10n, "_translation", Marked())
    monkeypatch.setattr(l10n, "_current", "xx")
    assert FIELDS["general.sound"].label == "»Sound"
    assert FIELDS["reminders.move.interval"].help.startswith("»minutes")
    assert dict(FIELDS["general.language"].choices)["auto"] == "»Automatic (desktop language)"
    assert dict(FIELDS["general.language"].choices)["es"] == "Español"  # its own name
    monkeypatch.undo()
    assert FIELDS["general.sound"].label == "Sound"


def test_duration_text_is_what_people_type():
    assert duration_text(1800) == "30"
    assert duration_text(60) == "1"
    assert duration_text(90) == "1m30s"
    assert duration_text(10) == "10s"
    assert duration_text(24 * 3600) == "1440"


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("key", sorted(DURATION_FIELDS))
@pytest.mark.parametrize("bad", ["", "   ", "abc", "0", "-5", "1.5", "5 parsecs", "10m10m"])
def test_bad_duration_is_reported_with_the_allowed_range(key, bad):
    state = form_state(default_settings())
    state.set(key, bad)
    errors = validate(state)
    assert list(errors) == [key]
    assert allowed_text(key) in errors[key]
    with pytest.raises(FormError) as info:
        to_settings(state)
    assert info.value.errors == errors


@pytest.mark.parametrize("key", sorted(DURATION_FIELDS))
def test_range_edges(key):
    lo, hi = range_of(key)
    state = form_state(default_settings())
    for ok in (f"{lo}s", f"{hi}s", f"{hi // 60}" if hi % 60 == 0 else f"{hi}s"):
        state.set(key, ok)
        assert validate(state) == {}, ok
    state.set(key, f"{lo - 1}s")
    assert validate(state)[key].startswith("Too short")
    state.set(key, f"{hi + 1}s")
    assert validate(state)[key].startswith("Too long")
    state.set(key, str(hi // 60 + 1))  # minutes just over the top
    assert validate(state)[key].startswith("Too long")


def test_range_messages_name_each_fields_limits():
    state = form_state(default_settings())
    state.set("reminders.move.interval", "0")
    state.set("general.snooze", "0")
    state.set("general.natural_break", "0")
    errors = validate(state)
    assert "10 s to 24 h" in errors["reminders.move.interval"]
    assert "1 min to 2 h" in errors["general.snooze"]
    assert "30 s to 1 h" in errors["general.natural_break"]


@pytest.mark.parametrize("text,seconds", [
    ("1", 60), (" 45 ", 2700), ("1h30m", 5400), ("90s", 90), ("2 hours", 7200),
    ("10m", 600), ("1h", 3600),
])
def test_bare_numbers_are_minutes_and_durations_are_accepted(text, seconds):
    state = form_state(default_settings())
    state.set("reminders.stretch.interval", text)
    assert validate(state) == {}
    assert to_settings(state).interval("stretch") == seconds


@pytest.mark.parametrize("text", ["0", "1", "9s", "10s", "1441", "1440", "abc", "", "1h 30m",
                                  "25h", "24h", "-1", "3 m", "86401s"])
def test_form_agrees_with_the_core_validator(text):
    state = form_state(default_settings())
    state.set("reminders.core.interval", text)
    core_text = f"{text.strip()}m" if text.strip().isdigit() else text
    _, core_error = validate_field("reminders.core.interval", core_text)
    assert ("reminders.core.interval" in validate(state)) == (core_error is not None)


def test_working_hours_are_checked_only_when_on():
    state = form_state(default_settings())
    state.set("general.working_hours.start", "25:00")
    state.set("general.working_hours.end", "nonsense")
    assert validate(state) == {}
    assert to_settings(state).working_hours is None
    state.set("general.working_hours.enabled", True)
    errors = validate(state)
    assert "00:00 to 23:59" in errors["general.working_hours.start"]
    assert "00:00 to 23:59" in errors["general.working_hours.end"]


def test_working_hours_end_must_follow_start():
    state = form_state(default_settings())
    state.set("general.working_hours.enabled", True)
    state.set("general.working_hours.start", "17:00")
    state.set("general.working_hours.end", "09:00")
    errors = validate(state)
    assert list(errors) == ["general.working_hours.end"]
    assert "after 17:00" in errors["general.working_hours.end"]
    state.set("general.working_hours.start", "9")
    state.set("general.working_hours.end", "17.30")
    assert validate(state) == {}
    assert to_settings(state).working_hours == (dt.time(9, 0), dt.time(17, 30))


def test_working_days_need_one_day_while_working_hours_are_on():
    base = default_settings()
    state = form_state(base)
    for d in DAY_NAMES:
        state.set(f"general.working_days.{d}", False)
    assert validate(state) == {}  # hours off: days do not matter, the old ones are kept
    assert to_settings(state).working_days == base.working_days
    state.set("general.working_hours.enabled", True)
    assert "Mon to Sun" in validate(state)[DAYS_KEY]
    state.set("general.working_days.sat", True)
    state.set("general.working_days.sun", True)
    assert validate(state) == {}
    assert to_settings(state).working_days == frozenset({5, 6})


def test_bad_input_does_not_clobber_other_fields():
    state = form_state(default_settings())
    state.set("reminders.posture.interval", "15")
    state.set("general.sound", "chime")
    state.set("reminders.core.enabled", True)
    state.set("reminders.move.interval", "abc")
    assert list(validate(state)) == ["reminders.move.interval"]
    assert state.get("reminders.posture.interval") == "15"
    assert state.get("general.sound") == "chime"
    with pytest.raises(FormError):
        to_settings(state)
    assert state.get("reminders.move.interval") == "abc"  # what was typed stays
    state.set("reminders.move.interval", "25")
    s = to_settings(state)
    assert (s.interval("move"), s.interval("posture")) == (1500, 900)
    assert s.sound == "chime" and s.is_enabled("core")


def test_set_rejects_unknown_keys_and_wrong_types():
    state = form_state(default_settings())
    with pytest.raises(KeyError):
        state.set("general.colour", "blue")
    with pytest.raises(TypeError):
        state.set("general.sound", True)
    with pytest.raises(TypeError):
        state.set("general.snooze", 10)


def test_an_unchanged_form_keeps_values_the_form_cannot_edit_exactly():
    s = default_settings().with_kind("move", interval_s=61).with_changes(snooze_s=7199)
    assert to_settings(form_state(s)) == s
    assert parse_duration(form_state(s).get("reminders.move.interval")) == 61


# --------------------------------------------------------------------------- preview


@pytest.mark.parametrize("kind", KIND_IDS)
def test_preview_is_the_first_reminder_of_each_kind(kind):
    p = preview(kind)
    assert p.title == KINDS[kind].title
    assert p.body == reminder_body(kind, exercise_for(kind, 0))
    assert p.text().splitlines()[0] == KINDS[kind].title
    assert p.body in p.text()


def test_stretch_preview_carries_the_pain_rule():
    assert preview("stretch").body.endswith(PAIN_RULE)
    assert PAIN_RULE not in preview("move").body
