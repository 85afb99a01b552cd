"""Settings model: defaults, validation messages, unknown keys, fallback, migration, round trip."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import tomllib

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from movebreak.core.catalog import KIND_IDS
from movebreak.core.durations import DurationError, parse_duration
from movebreak.core.settings import (
    SCHEMA_VERSION,
    KindSettings,
    Settings,
    default_settings,
    migrate,
    parse_config,
    settings_from_dict,
    settings_to_dict,
    unknown_keys,
    validate_field,
)

# The SPEC table, written out independently of catalog.py.
SPEC_KINDS = {
    "move": (30 * 60, True),
    "posture": (20 * 60, True),
    "stretch": (60 * 60, True),
    "nerve_glide": (120 * 60, False),
    "core": (180 * 60, False),
}


def errors(problems):
    return [p for p in problems if p.severity == "error"]


def test_defaults_match_spec_table() -> None:
    s = default_settings()
    assert set(s.reminders) == set(SPEC_KINDS) == set(KIND_IDS)
    for kind, (interval, enabled) in SPEC_KINDS.items():
        assert s.interval(kind) == interval
        assert s.reminders[kind] == KindSettings(enabled, interval)
    assert s.enabled_kinds() == ["move", "posture", "stretch"]
    assert s.snooze_s == 600
    assert s.natural_break_s == 180
    assert s.working_hours is None
    assert s.working_days == frozenset({0, 1, 2, 3, 4})
    assert s.sound == "off" and s.autostart is False and s.routine_chime is True
    assert s.respect_dnd is True and s.hold_when_fullscreen is True  # SPEC: default true
    # [routine]: the short end of the source's dose, floor stretches included
    assert (s.routine_hold_s, s.routine_rounds, s.desk_only) == (30, 1, False)


def test_empty_dict_gives_defaults_without_problems() -> None:
    s, problems = settings_from_dict({})
    assert s == default_settings()
    assert problems == []


def test_settings_fill_missing_kinds_and_reject_unknown() -> None:
    s = Settings(reminders={"move": KindSettings(False, 99)})
    assert list(s.reminders) == list(KIND_IDS)
    assert s.reminders["move"] == KindSettings(False, 99)
    assert s.reminders["posture"] == default_settings().reminders["posture"]
    with pytest.raises(ValueError, match="walk"):
        Settings(reminders={"walk": KindSettings(True, 60)})


def test_settings_are_immutable_hashable_and_copyable() -> None:
    s = default_settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.snooze_s = 5  # type: ignore[misc]
    t = s.with_kind("core", enabled=True).with_changes(sound=True)
    assert t.is_enabled("core") and t.sound and not s.is_enabled("core")
    assert t.interval("core") == s.interval("core")
    assert hash(s) == hash(default_settings()) and s != t
    assert copy.deepcopy(t) == t
    assert dataclasses.asdict(t)["reminders"]["core"] == {"enabled": True, "interval_s": 10800}


# key, bad value, text that must appear in `allowed`
BAD_VALUES = [
    *[(f"reminders.{k}.interval", "5s", "a duration from 10s to 24h") for k in KIND_IDS],
    *[(f"reminders.{k}.interval", "25h", "a duration from 10s to 24h") for k in KIND_IDS],
    *[(f"reminders.{k}.enabled", "yes", "true or false") for k in KIND_IDS],
    ("general.snooze", "30s", "a duration from 1m to 2h"),
    ("general.snooze", "3h", "a duration from 1m to 2h"),
    ("general.snooze", 10, "a duration from 1m to 2h"),
    ("general.natural_break", "10s", "a duration from 30s to 1h"),
    ("general.natural_break", "2h", "a duration from 30s to 1h"),
    ("general.working_hours", "17:30-09:00", '"HH:MM-HH:MM"'),
    ("general.working_hours", "9am-5pm", '"HH:MM-HH:MM"'),
    ("general.working_hours", "09:00-24:00", '"HH:MM-HH:MM"'),
    ("general.working_hours", 9, '"HH:MM-HH:MM"'),
    ("general.working_days", [], "non-empty list of day names"),
    ("general.working_days", ["mon", "funday"], "non-empty list of day names"),
    ("general.working_days", "mon", "non-empty list of day names"),
    ("general.sound", "true", '"off", "theme", "chime"'),
    ("general.sound", 1, '"off", "theme", "chime"'),
    ("general.sound", "loud", '"off", "theme", "chime"'),
    ("routine.chime", "yes", "true or false"),
    ("general.autostart", "no", "true or false"),
    ("general.respect_dnd", "false", "true or false"),
    ("general.respect_dnd", 0, "true or false"),
    ("general.hold_when_fullscreen", "yes", "true or false"),
    ("general.hold_when_fullscreen", [True], "true or false"),
    ("routine.hold", "50s", 'one of "30s", "45s", "60s"'),
    ("routine.hold", "2m", 'one of "30s", "45s", "60s"'),
    ("routine.hold", 45, 'one of "30s", "45s", "60s"'),
    ("routine.hold", "long", 'one of "30s", "45s", "60s"'),
    ("routine.rounds", 3, "1 or 2"),
    ("routine.rounds", 0, "1 or 2"),
    ("routine.rounds", "2", "1 or 2"),
    ("routine.rounds", True, "1 or 2"),
    ("routine.desk_only", "yes", "true or false"),
    ("routine.desk_only", 1, "true or false"),
    ("general.keep_history_days", 3, "a whole number of days from 7 to 3650"),
    ("general.keep_history_days", 0, "a whole number of days from 7 to 3650"),
    ("general.keep_history_days", 5000, "a whole number of days from 7 to 3650"),
    ("general.keep_history_days", "365", "a whole number of days from 7 to 3650"),
    ("general.keep_history_days", 30.5, "a whole number of days from 7 to 3650"),
    ("general.keep_history_days", True, "a whole number of days from 7 to 3650"),
]


def nest(key: str, value: object) -> dict:
    out: dict = {}
    node = out
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return out


@pytest.mark.parametrize(("key", "value", "allowed"), BAD_VALUES)
def test_every_key_is_rejected_by_name_with_its_range(key, value, allowed) -> None:
    s, problems = settings_from_dict(nest(key, value))
    assert s == default_settings()  # the default is kept
    [problem] = problems
    assert problem.severity == "error"
    assert problem.key == key
    assert problem.value == value
    assert allowed in problem.allowed
    assert problem.message.startswith(f"{key} = ")
    assert allowed in problem.message
    assert "keeping" in problem.message
    assert str(problem) == problem.message


def test_parsecs_message_is_exact() -> None:
    _, problems = settings_from_dict({"reminders": {"move": {"interval": "5 parsecs"}}})
    assert [p.message for p in problems] == [
        'reminders.move.interval = "5 parsecs" is not valid: expected a duration from 10s to '
        '24h (e.g. "30m"); keeping 30m'
    ]


def test_bare_number_interval_gets_a_hint() -> None:
    _, problems = settings_from_dict({"reminders": {"posture": {"interval": 25}}})
    assert 'add a unit and quotes, e.g. "25m"' in problems[0].message
    _, problems = settings_from_dict({"reminders": {"posture": {"interval": "25"}}})
    assert "add a unit: s, m or h" in problems[0].message


def test_quoted_boolean_message_says_how_to_fix() -> None:
    _, problems = settings_from_dict({"general": {"autostart": "yes"}})
    assert problems[0].message == (
        'general.autostart = "yes" is not valid: write true without quotes; expected true or '
        "false (a TOML boolean, not a string); keeping false"
    )


@pytest.mark.parametrize(("value", "read"), [
    ("off", "off"), ("theme", "theme"), (" Chime ", "chime"), (True, "theme"), (False, "off")])
def test_sound_is_a_choice_and_old_true_false_files_still_read(value, read) -> None:
    s, problems = settings_from_dict({"general": {"sound": value}})
    assert problems == [] and s.sound == read
    assert settings_to_dict(s)["general"]["sound"] == read  # written back as the name


def test_sound_hints_say_how_to_fix_and_the_model_refuses_unknown_names() -> None:
    _, problems = settings_from_dict({"general": {"sound": "yes"}},
                                     default_settings().with_changes(sound="chime"))
    assert problems[0].message == (
        'general.sound = "yes" is not valid: write "theme" or "chime" for a sound; expected '
        'one of "off", "theme", "chime" (true, as in older files, means "theme") '
        '(e.g. "theme"); keeping "chime"')
    assert default_settings().with_changes(sound=True).sound == "theme"
    with pytest.raises(ValueError, match="sound must be one of off, theme, chime"):
        default_settings().with_changes(sound="loud")


def test_routine_values_are_read_and_hints_say_how_to_fix() -> None:
    s, problems = settings_from_dict({"routine": {"hold": "45s", "rounds": 2,
                                                  "desk_only": True}})
    assert problems == []
    assert (s.routine_hold_s, s.routine_rounds, s.desk_only) == (45, 2, True)
    assert settings_from_dict({"routine": {"hold": "1m"}})[0].routine_hold_s == 60
    _, problems = settings_from_dict({"routine": {"hold": 60}})
    assert problems[0].message == (
        'routine.hold = 60 is not valid: add a unit and quotes, e.g. "60s"; expected one of '
        '"30s", "45s", "60s" (e.g. "45s"); keeping 30s')
    _, problems = settings_from_dict({"routine": {"rounds": "2"}})
    assert "write 2 without quotes" in problems[0].message


def test_valid_values_are_read() -> None:
    data = {
        "general": {"snooze": "5m", "natural_break": "1m30s", "working_hours": "08:15-16:45",
                    "working_days": ["Mon", "wednesday", "sun"], "sound": True,
                    "autostart": True},
        "reminders": {"core": {"enabled": True, "interval": "45m"},
                      "move": {"interval": "10s"}, "posture": {"interval": "24h"}},
    }
    s, problems = settings_from_dict(data)
    assert problems == []
    assert s.snooze_s == 300 and s.natural_break_s == 90
    assert s.working_hours == (dt.time(8, 15), dt.time(16, 45))
    assert s.working_days == frozenset({0, 2, 6})
    assert s.sound and s.autostart
    assert s.reminders["core"] == KindSettings(True, 45 * 60)
    assert s.interval("move") == 10 and s.interval("posture") == 86400
    assert s.reminders["move"].enabled is True  # missing key -> default


@pytest.mark.parametrize("off", ["", "off", False])
def test_working_hours_can_be_switched_off(off) -> None:
    fallback = default_settings().with_changes(working_hours=(dt.time(9), dt.time(17)))
    s, problems = settings_from_dict({"general": {"working_hours": off}}, fallback)
    assert problems == [] and s.working_hours is None


def test_invalid_values_keep_fallback_missing_ones_take_default() -> None:
    fallback = (default_settings().with_kind("move", interval_s=45 * 60, enabled=False)
                .with_kind("posture", interval_s=15 * 60).with_changes(snooze_s=120))
    data = {"reminders": {"move": {"interval": "5 parsecs", "enabled": "nope"}},
            "general": {"snooze": "1 fortnight"}}
    s, problems = settings_from_dict(data, fallback)
    assert s.reminders["move"] == KindSettings(False, 45 * 60)  # fallback kept
    assert s.interval("posture") == 20 * 60  # not in the file -> default, not fallback
    assert s.snooze_s == 120
    assert {p.key for p in errors(problems)} == {"reminders.move.interval",
                                                 "reminders.move.enabled", "general.snooze"}
    assert "keeping 45m" in next(p.message for p in problems
                                 if p.key == "reminders.move.interval")
    assert "keeping 2m" in next(p.message for p in problems if p.key == "general.snooze")


def test_wrong_section_types_are_errors_and_keep_fallback() -> None:
    fallback = default_settings().with_changes(sound=True).with_kind("core", enabled=True)
    s, problems = settings_from_dict(
        {"general": "loud", "reminders": {"core": 5, "move": {"interval": "1m"}}}, fallback)
    assert s.sound == "theme" and s.is_enabled("core") and s.interval("move") == 60
    assert {(p.key, p.severity) for p in problems} == {("general", "error"),
                                                       ("reminders.core", "error")}
    s, problems = settings_from_dict({"reminders": ["move"]}, fallback)
    assert problems[0].key == "reminders" and s.reminders == fallback.reminders
    s, problems = settings_from_dict(["not", "a", "table"])  # type: ignore[arg-type]
    assert errors(problems) and s == default_settings()


UNKNOWN = {
    "schema_version": 1,
    "theme": "dark",
    "plugins": {"x": {"y": [1, 2]}},
    "general": {"snooze": "15m", "volume": 7},
    "reminders": {
        "move": {"interval": "25m", "colour": "red"},
        "hydrate": {"enabled": True, "interval": "40m"},
    },
}


def test_unknown_keys_are_warned_and_preserved() -> None:
    parsed = parse_config(UNKNOWN)
    warnings = [p for p in parsed.problems if p.severity == "warning"]
    assert {p.key for p in warnings} == {"theme", "plugins", "general.volume",
                                         "reminders.move.colour", "reminders.hydrate"}
    assert not errors(parsed.problems)
    assert all("kept" in p.message for p in warnings)
    assert "one of: move, posture" in next(p.message for p in warnings
                                           if p.key == "reminders.hydrate")
    expected_extra = {"theme": "dark", "plugins": {"x": {"y": [1, 2]}},
                      "general": {"volume": 7},
                      "reminders": {"move": {"colour": "red"},
                                    "hydrate": {"enabled": True, "interval": "40m"}}}
    assert parsed.extra == expected_extra
    assert unknown_keys(UNKNOWN) == expected_extra
    assert parsed.settings.snooze_s == 900 and parsed.settings.interval("move") == 25 * 60

    # write back: unknown keys survive a TOML round trip, known ones are not duplicated
    out = settings_to_dict(parsed.settings, parsed.extra)
    again = parse_config(tomllib.loads(tomli_w.dumps(out)))
    assert again.extra == expected_extra
    assert again.settings == parsed.settings
    assert out["general"]["volume"] == 7 and out["general"]["snooze"] == "15m"


def test_extra_never_overrides_known_keys() -> None:
    out = settings_to_dict(default_settings(),
                           {"general": {"snooze": "99m", "working_hours": "01:00-02:00",
                                        "x": 1},
                            "reminders": {"move": {"interval": "1s"}},
                            "schema_version": 99})
    assert out["general"]["snooze"] == "10m"
    assert "working_hours" not in out["general"]
    assert out["general"]["x"] == 1
    assert out["reminders"]["move"]["interval"] == "30m"
    assert out["schema_version"] == SCHEMA_VERSION


def test_to_dict_shape() -> None:
    s = default_settings().with_changes(working_hours=(dt.time(9), dt.time(17, 30)),
                                        working_days=frozenset({4, 0}))
    d = settings_to_dict(s)
    assert d["schema_version"] == SCHEMA_VERSION
    assert d["general"]["working_hours"] == "09:00-17:30"
    assert d["general"]["working_days"] == ["mon", "fri"]
    assert d["reminders"]["stretch"] == {"enabled": True, "interval": "1h"}
    assert d["routine"] == {"hold": "30s", "rounds": 1, "desk_only": False, "chime": True}
    longer = default_settings().with_changes(routine_hold_s=60, routine_rounds=2)
    assert settings_to_dict(longer)["routine"]["hold"] == "60s"  # not "1m": as documented
    assert "working_hours" not in settings_to_dict(default_settings())["general"]


def test_migrate_legacy_minutes() -> None:
    legacy = {
        "general": {"snooze_minutes": 5, "natural_break_minutes": 2, "sound": True},
        "reminders": {
            "move": {"interval_minutes": 45, "enabled": False},
            "posture": {"interval_minutes": 90},
            "stretch": {"interval_minutes": "often"},
            "core": {"interval_minutes": 10, "interval": "2h"},
        },
    }
    before = copy.deepcopy(legacy)
    data, notes = migrate(legacy)
    assert legacy == before  # input untouched
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["general"] == {"snooze": "5m", "natural_break": "2m", "sound": True}
    assert data["reminders"]["move"] == {"interval": "45m", "enabled": False}
    assert data["reminders"]["posture"] == {"interval": "1h30m"}
    assert data["reminders"]["core"] == {"interval": "2h"}
    assert data["reminders"]["stretch"] == {"interval_minutes": "often"}
    assert len(notes) == 6
    assert any("interval_minutes = 45" in n and '"45m"' in n for n in notes)
    assert any("could not be converted" in n for n in notes)

    s, problems = settings_from_dict(legacy)
    assert s.snooze_s == 300 and s.natural_break_s == 120 and s.sound == "theme"
    assert s.reminders["move"] == KindSettings(False, 45 * 60)
    assert s.interval("posture") == 90 * 60 and s.interval("core") == 7200
    assert s.interval("stretch") == 3600  # unconvertible: default, and the key is kept
    assert sum(p.severity == "info" for p in problems) == 6
    assert [p.key for p in problems if p.severity == "warning"] == [
        "reminders.stretch.interval_minutes"]


def test_migrate_leaves_current_and_newer_versions_alone() -> None:
    current = {"schema_version": 1, "reminders": {"move": {"interval_minutes": 5}}}
    assert migrate(current) == (current, [])
    newer = {"schema_version": 7, "general": {"snooze": "5m"}}
    data, notes = migrate(newer)
    assert data == newer and len(notes) == 1 and "newer" in notes[0]
    s, problems = settings_from_dict(newer)
    assert s.snooze_s == 300 and [p.severity for p in problems] == ["info"]


@pytest.mark.parametrize("bad", ["one", -1, True, 1.0])
def test_invalid_schema_version_is_an_error(bad) -> None:
    s, problems = settings_from_dict({"schema_version": bad, "general": {"snooze": "5m"}})
    assert s.snooze_s == 300
    assert [(p.key, p.severity) for p in problems] == [("schema_version", "error")]
    assert "whole number" in problems[0].message


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("reminders.move.interval", "45m", 2700),
        ("reminders.core.interval", " 1h 30m ", 5400),
        ("reminders.move.enabled", "true", True),
        ("reminders.move.enabled", "Off", False),
        ("general.snooze", "2h", 7200),
        ("general.natural_break", "30s", 30),
        ("general.working_hours", "9:00 - 17:30", (dt.time(9), dt.time(17, 30))),
        ("general.working_hours", "", None),
        ("general.working_days", "mon, tue sat", frozenset({0, 1, 5})),
        ("general.sound", " Chime ", "chime"),
        ("routine.chime", "off", False),
        ("general.respect_dnd", "off", False),
        ("general.hold_when_fullscreen", "true", True),
        ("routine.hold", "45s", 45),
        ("routine.rounds", "2", 2),
        ("routine.desk_only", "on", True),
        ("general.keep_history_days", " 365 ", 365),
        ("general.keep_history_days", "", None),
    ],
)
def test_validate_field_accepts(key, text, value) -> None:
    assert validate_field(key, text) == (value, None)


@pytest.mark.parametrize(
    ("key", "text", "fragment"),
    [
        ("reminders.move.interval", "5s", "from 10s to 24h"),
        ("reminders.move.interval", "45", "add a unit"),
        ("general.snooze", "3h", "from 1m to 2h"),
        ("general.natural_break", "5 parsecs", "from 30s to 1h"),
        ("general.working_hours", "17:00-09:00", "start before end"),
        ("general.working_days", "", "day names"),
        ("general.working_days", "mon, someday", "someday"),
        ("general.sound", "maybe", "off, theme or chime"),
        ("general.respect_dnd", "sometimes", "true or false"),
        ("routine.hold", "40s", "30 s, 45 s or 60 s"),
        ("routine.rounds", "3", "1 or 2"),
        ("routine.reps", "3", "not a known setting"),
        ("general.keep_history_days", "3", "from 7 to 3650"),
        ("general.keep_history_days", "a year", "from 7 to 3650"),
        ("reminders.walk.interval", "5m", "not a known setting"),
        ("general", "x", "not a known setting"),
    ],
)
def test_validate_field_rejects_with_range(key, text, fragment) -> None:
    value, message = validate_field(key, text)
    assert value is None
    assert message is not None and fragment in message


times = st.builds(dt.time, st.integers(0, 23), st.integers(0, 59))
hours = st.none() | st.tuples(times, times).filter(lambda t: t[0] < t[1])
kind_settings = st.builds(KindSettings, st.booleans(), st.integers(10, 86400))
settings_strategy = st.builds(
    Settings,
    reminders=st.fixed_dictionaries({k: kind_settings for k in KIND_IDS}),
    snooze_s=st.integers(60, 7200),
    natural_break_s=st.integers(30, 3600),
    working_hours=hours,
    working_days=st.frozensets(st.integers(0, 6), min_size=1),
    sound=st.sampled_from(("off", "theme", "chime")),
    autostart=st.booleans(),
    routine_chime=st.booleans(),
    routine_hold_s=st.sampled_from((30, 45, 60)),
    routine_rounds=st.sampled_from((1, 2)),
    desk_only=st.booleans(),
    keep_history_days=st.none() | st.integers(7, 3650),
    respect_dnd=st.booleans(),
    hold_when_fullscreen=st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(settings_strategy)
def test_to_dict_from_dict_round_trip(s: Settings) -> None:
    text = tomli_w.dumps(settings_to_dict(s))
    again, problems = settings_from_dict(tomllib.loads(text))
    assert problems == []
    assert again == s


@settings(max_examples=200, deadline=None)
@given(settings_strategy, settings_strategy)
def test_valid_file_ignores_fallback(s: Settings, fallback: Settings) -> None:
    again, problems = settings_from_dict(settings_to_dict(s), fallback)
    assert problems == [] and again == s


# ---------------------------------------------------------------------- translated at use
def test_problems_are_translated_when_built_config_syntax_is_not(fake_language) -> None:
    parsed = parse_config({"general": {"snooze": "5 parsecs", "keep_history_days": 3,
                                       "volume": 7},
                           "reminders": {"move": {"interval": 25}, "hydrate": {}},
                           "routine": {"rounds": "2"}})
    by_key = {p.key: p for p in parsed.problems}
    snooze = by_key["general.snooze"]
    assert snooze.message.startswith("«general.snooze = \"5 parsecs\" is not valid")
    assert snooze.allowed == "«a duration from 1m to 2h»"  # the values stay config syntax
    assert "(e.g. \"10m\"); keeping 10m»" in snooze.message
    assert "«every event»" in by_key["general.keep_history_days"].message
    assert '«add a unit and quotes, e.g. "25m"»' in by_key["reminders.move.interval"].message
    assert "«write 2 without quotes»" in by_key["routine.rounds"].message
    assert by_key["general.volume"].message.startswith("«general.volume is not a known setting")
    assert by_key["reminders.hydrate"].allowed.startswith("«one of: move, posture")
    _, message = validate_field("routine.hold", "40s")
    assert message == '«"40s" is not valid: expected ««30 s», «45 s» or «60 s»»»'
    assert validate_field("reminders.move.interval", "45")[1].count("«") >= 2
    _, notes = migrate({"general": {"snooze_minutes": 5}})
    assert notes == ['«general.snooze_minutes = 5 (old format) was read as snooze = "5m"»']


def test_duration_errors_are_translated_and_keep_a_stable_code(fake_language) -> None:
    with pytest.raises(DurationError) as info:
        parse_duration("45")
    assert info.value.code == "needs_unit" and info.value.reason == "«add a unit: s, m or h»"
    assert str(info.value).startswith('«"45" is not a valid duration: «add a unit')
    assert '"1h30m"' in str(info.value)  # the syntax itself is not translated
    # the settings' hint follows the code, not the (translated) wording
    _, problems = settings_from_dict({"general": {"snooze": "-5m"}})
    assert "«negative durations are not allowed»" in problems[0].message
