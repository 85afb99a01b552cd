"""Duration parsing/formatting: examples plus property tests."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from movebreak.core.durations import (
    MAX_DURATION_S,
    DurationError,
    format_countdown,
    format_duration,
    parse_duration,
)

FAST = settings(max_examples=300, deadline=None)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("10m", 600),
        ("1h30m", 5400),
        ("2h", 7200),
        ("1h 30m", 5400),
        ("  1H30M  ", 5400),
        ("1 h 30 m 15 s", 5415),
        ("\t45s\n", 45),
        ("0s", 0),
        ("30s1m", 90),
        ("2 hours", 7200),
        ("10 min", 600),
        ("1hr 5mins 3secs", 3903),
        ("007m", 420),
    ],
)
def test_parse_examples(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("45", "add a unit: s, m or h"),
        ("1h30", "add a unit: s, m or h"),
        ("", "empty"),
        ("   ", "empty"),
        ("-5m", "negative"),
        ("5 parsecs", 'unknown unit "parsecs"'),
        ("10d", 'unknown unit "d"'),
        ("1.5h", "fractions"),
        ("1,5h", "fractions"),
        ("1m1m", "twice"),
        ("1m 2min", "twice"),
        ("m", "expected a number"),
        ("10m!", "expected a number"),
        ("10 m x", "expected a number"),
        ("9999999999h", "too large"),
        ("367 h 9000000m", "too long"),
        ("١٢m", "expected a number"),  # non-ASCII digits are not numbers here
    ],
)
def test_parse_rejects_with_reason(text: str, reason: str) -> None:
    with pytest.raises(DurationError) as info:
        parse_duration(text)
    message = str(info.value)
    assert reason in message
    assert f'"{text}"' in message  # quotes the input
    assert '"1h30m"' in message  # shows the accepted form
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("text", ["45", "1h30", "5 parsecs", "1.5h", "", "m", "1m1m"])
def test_message_names_the_units_once(text: str) -> None:
    with pytest.raises(DurationError) as info:
        parse_duration(text)
    assert str(info.value).count("s, m or h") == 1, str(info.value)


@pytest.mark.parametrize("value", [None, 30, 1.5, b"10m", ["10m"]])
def test_parse_rejects_non_text(value: object) -> None:
    with pytest.raises(DurationError, match="expected text"):
        parse_duration(value)  # type: ignore[arg-type]


def test_long_input_is_shortened_in_message() -> None:
    text = "x" * 500
    with pytest.raises(DurationError) as info:
        parse_duration(text)
    assert len(str(info.value)) < 200
    assert "…" in str(info.value)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (59, "59s"), (60, "1m"), (90, "1m30s"), (3600, "1h"), (3601, "1h1s"),
     (5400, "1h30m"), (86400, "24h"), (90061, "25h1m1s"), (89.6, "1m30s")],
)
def test_format_examples(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_format_rejects_negative_and_nonsense() -> None:
    with pytest.raises(ValueError):
        format_duration(-1)
    with pytest.raises(ValueError):
        format_duration(float("nan"))
    with pytest.raises(TypeError):
        format_duration("10")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(45, "45 s"), (0, "0 s"), (-5, "0 s"), (0.2, "1 s"), (59.5, "1 min"), (60, "1 min"),
     (61, "2 min"), (720, "12 min"), (3599, "1 h"), (3600, "1 h"), (3900, "1 h 05 min"),
     (3901, "1 h 06 min"), (7200, "2 h"), (26 * 3600 + 600, "26 h 10 min")],
)
def test_format_countdown(seconds: float, text: str) -> None:
    assert format_countdown(seconds) == text


@FAST
@given(st.integers(min_value=0, max_value=MAX_DURATION_S))
def test_format_parse_round_trip(seconds: int) -> None:
    text = format_duration(seconds)
    assert parse_duration(text) == seconds
    # canonical: h, m, s in order, no zero parts, minutes/seconds below 60
    m = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text)
    assert m and text
    h, mi, s = (int(g) if g else None for g in m.groups())
    assert 0 not in (h, mi, s) or text == "0s"
    assert (mi or 0) < 60 and (s or 0) < 60


@FAST
@given(st.text())
def test_parser_only_raises_duration_error_on_any_text(text: str) -> None:
    try:
        result = parse_duration(text)
    except DurationError as exc:
        assert str(exc)
    else:
        assert isinstance(result, int) and 0 <= result <= MAX_DURATION_S


@FAST
@given(st.text(alphabet="0123456789hmsHMS .,-+:\tdx"))
def test_parser_only_raises_duration_error_on_near_miss_text(text: str) -> None:
    try:
        result = parse_duration(text)
    except DurationError:
        return
    assert isinstance(result, int) and result >= 0


UNIT_WORDS = {3600: ["h", "H", "hr", "hours"], 60: ["m", "M", "min", "minutes"],
              1: ["s", "S", "sec", "seconds"]}


@FAST
@given(
    parts=st.lists(
        st.tuples(st.sampled_from([3600, 60, 1]), st.integers(0, 500)),
        min_size=1, max_size=3, unique_by=lambda p: p[0],
    ),
    data=st.data(),
)
def test_composite_strings_parse_to_their_sum(parts, data) -> None:
    pieces = []
    for unit, n in parts:
        word = data.draw(st.sampled_from(UNIT_WORDS[unit]))
        inner = data.draw(st.sampled_from(["", " ", "  "]))
        pieces.append(f"{n}{inner}{word}")
    gap = data.draw(st.sampled_from(["", " ", "\t"]))
    text = data.draw(st.sampled_from(["", " "])) + gap.join(pieces)
    assert parse_duration(text) == sum(unit * n for unit, n in parts)
