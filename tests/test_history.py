"""SQLite history on real files: queries, local days, sitting stretches, schema, WAL, broken and
locked databases. The in-memory NullHistory must give the same answers."""

from __future__ import annotations

import json
import sqlite3
import tempfile
import threading
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from movebreak.adapters import history as hmod
from movebreak.adapters.history import (
    EVENT_TYPES,
    SCHEMA_VERSION,
    History,
    HistoryError,
    NullHistory,
    open_history,
    sitting_stretches,
)

BERLIN = ZoneInfo("Europe/Berlin")
KOLKATA = ZoneInfo("Asia/Kolkata")  # +05:30, no DST
NEW_YORK = ZoneInfo("America/New_York")


def local(tz, y, mo, d, h, mi=0, s=0):
    return datetime(y, mo, d, h, mi, s, tzinfo=tz)


@pytest.fixture(params=["sqlite", "memory"])
def hist(request, tmp_path):
    h = History(tmp_path / "history.sqlite") if request.param == "sqlite" else NullHistory()
    yield h
    h.close()


# ---------------------------------------------------------------- record / query
def test_record_and_query_round_trip(hist):
    t0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    a = hist.record("shown", "posture", at=t0, detail={"manual": False})
    b = hist.record("done", "move", at=t0 + timedelta(minutes=5), detail={"exercise": "short_walk"})
    c = hist.record("safety_seen", at=t0 + timedelta(minutes=10))
    assert a < b < c
    evs = hist.events()
    assert [(e["type"], e["kind"]) for e in evs] == [
        ("shown", "posture"), ("done", "move"), ("safety_seen", None)]
    assert evs[1]["detail"] == {"exercise": "short_walk"}
    assert evs[2]["detail"] is None
    assert evs[0]["at"] == t0 and evs[0]["at"].tzinfo is not None
    # since is inclusive, until exclusive; an aware non-UTC bound means the same instant
    window = hist.events(since=(t0 + timedelta(minutes=5)).astimezone(BERLIN),
                         until=t0 + timedelta(minutes=10))
    assert [e["id"] for e in window] == [b]
    assert [e["id"] for e in hist.events(types=["shown", "safety_seen"])] == [a, c]


def test_events_come_back_in_time_order_even_if_recorded_out_of_order(hist):
    t0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    hist.record("skipped", "stretch", at=t0 + timedelta(hours=1))
    hist.record("snoozed", "stretch", at=t0)
    assert [e["type"] for e in hist.events()] == ["snoozed", "skipped"]


def test_record_refuses_bad_input(hist):
    with pytest.raises(ValueError, match="short lowercase name"):
        hist.record("Shown!")
    with pytest.raises(ValueError, match="timezone-aware"):
        hist.record("shown", "move", at=datetime(2026, 1, 1, 9, 0))
    with pytest.raises(ValueError, match="comfort"):
        hist.record("checkin", detail={"comfort": 11})
    with pytest.raises(ValueError, match="comfort"):
        hist.record("checkin")
    assert hist.events() == []


def test_unknown_types_are_stored_too(hist):
    hist.record("old_type", detail={"x": 1})
    hist.record("clock_jump", detail={"jump_s": -3600})
    counts = hist.counts_for_day(datetime.now(UTC).date(), UTC)
    assert (counts["old_type"], counts["clock_jump"]) == (1, 1)
    assert all(counts[t] == 0 for t in EVENT_TYPES if t != "clock_jump")


# ---------------------------------------------------------------- local days
def test_counts_follow_local_day_boundaries_not_utc(hist):
    # Asia/Kolkata is UTC+05:30: local midnight of 2 May is 18:30 UTC on 1 May.
    hist.record("done", "move", at=datetime(2026, 5, 1, 18, 29, 59, tzinfo=UTC))  # 1 May 23:59:59
    hist.record("done", "move", at=datetime(2026, 5, 1, 18, 30, 0, tzinfo=UTC))   # 2 May 00:00:00
    hist.record("shown", "posture", at=datetime(2026, 5, 2, 12, 0, tzinfo=UTC))   # 2 May 17:30
    may1 = hist.counts_for_day(date(2026, 5, 1), KOLKATA)
    may2 = hist.counts_for_day(date(2026, 5, 2), KOLKATA)
    assert (may1["done"], may1["shown"]) == (1, 0)
    assert (may2["done"], may2["shown"]) == (1, 1)
    assert set(EVENT_TYPES) <= set(may1)
    # the same events in UTC days: all three on 1-2 May differently
    assert hist.counts_for_day(date(2026, 5, 1), UTC)["done"] == 2


def test_short_dst_day_is_23_hours(hist):
    # 8 March 2026: New York springs forward; the local day runs 05:00Z .. 04:00Z next day.
    hist.record("shown", "move", at=local(NEW_YORK, 2026, 3, 8, 0, 5))
    hist.record("shown", "move", at=local(NEW_YORK, 2026, 3, 8, 23, 55))
    hist.record("shown", "move", at=local(NEW_YORK, 2026, 3, 9, 0, 5))
    assert hist.counts_for_day(date(2026, 3, 8), NEW_YORK)["shown"] == 2
    assert hist.counts_for_day(date(2026, 3, 9), NEW_YORK)["shown"] == 1


# ---------------------------------------------------------------- sitting stretches
def berlin_day(hist):
    """A working day in Berlin; longest sitting is 12:00-13:45 (105 min)."""
    d = (2026, 6, 10)
    rec = [
        ("shown", "posture", (8, 0), None),
        ("done", "move", (8, 30), None),  # 30 min
        ("shown", "posture", (8, 35), None),
        # back at 09:50 after 10 min away: sat 08:30 .. 09:40 = 70 min
        ("natural", "move", (9, 50), {"away_s": 600}),
        ("paused", None, (10, 0), {"until": None}),  # 09:50 .. 10:00 = 10 min
        ("resumed", None, (12, 0), None),  # the paused two hours do not count
        ("done", "posture", (13, 40), None),  # a posture check is not a movement break
        ("routine", None, (13, 45), None),  # 12:00 .. 13:45 = 105 min
        ("shown", "move", (14, 0), None),
        ("done", "move", (14, 10), None),  # 10 min
        ("shown", "posture", (15, 0), None),
        ("done", "move", (19, 0), None),  # 4 h gap: the app was not running; ends at 15:00
    ]
    for typ, kind, (h, m), detail in rec:
        hist.record(typ, kind, at=local(BERLIN, *d, h, m), detail=detail)
    return date(*d)


def test_longest_sitting_excludes_pauses_and_ends_at_movement(hist):
    day = berlin_day(hist)
    (row,) = hist.daily_summary(1, BERLIN, day)
    assert row["day"] == day
    assert row["longest_sitting_s"] == 105 * 60
    assert (row["shown"], row["done"], row["natural"], row["routine"]) == (4, 4, 1, 1)
    assert (row["snoozed"], row["skipped"]) == (0, 0)


def test_stretch_intervals_match_the_definition(hist):
    berlin_day(hist)
    got = [(a.astimezone(BERLIN).strftime("%H:%M"), b.astimezone(BERLIN).strftime("%H:%M"))
           for a, b in sitting_stretches(hist.events())]
    assert got == [("08:00", "08:30"), ("08:30", "09:40"), ("09:50", "10:00"),
                   ("12:00", "13:45"), ("13:45", "14:10"), ("14:10", "15:00")]


def test_away_ends_sitting_when_input_stopped(hist):
    t = local(BERLIN, 2026, 6, 11, 9, 0)
    hist.record("shown", "posture", at=t)
    # idle detected at 10:00, last input 09:57; back at 10:20
    hist.record("away", at=t + timedelta(minutes=60),
                detail={"since": (t + timedelta(minutes=57)).isoformat()})
    hist.record("natural", "move", at=t + timedelta(minutes=80), detail={"away_s": 23 * 60})
    hist.record("shown", "posture", at=t + timedelta(minutes=100))
    row = hist.daily_summary(1, BERLIN, date(2026, 6, 11))[0]
    assert row["longest_sitting_s"] == 57 * 60


def test_stretch_across_midnight_is_split_and_now_extends_today(hist):
    hist.record("shown", "posture", at=local(BERLIN, 2026, 6, 11, 23, 0))
    hist.record("done", "move", at=local(BERLIN, 2026, 6, 12, 0, 30))
    hist.record("shown", "posture", at=local(BERLIN, 2026, 6, 12, 9, 0))
    rows = hist.daily_summary(2, BERLIN, date(2026, 6, 12))
    assert [r["day"] for r in rows] == [date(2026, 6, 11), date(2026, 6, 12)]
    assert [r["longest_sitting_s"] for r in rows] == [3600, 1800]
    now = local(BERLIN, 2026, 6, 12, 10, 15)
    rows = hist.daily_summary(2, BERLIN, date(2026, 6, 12), now=now)
    assert rows[1]["longest_sitting_s"] == 75 * 60
    # more than MAX_GAP_S after the last event the app was not running: no extension
    rows = hist.daily_summary(2, BERLIN, date(2026, 6, 12), now=now + timedelta(hours=2))
    assert rows[1]["longest_sitting_s"] == 1800


def test_summary_days_without_events_are_zero(hist):
    rows = hist.daily_summary(3, BERLIN, date(2026, 1, 3))
    assert [r["day"] for r in rows] == [date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3)]
    assert all(r["longest_sitting_s"] == 0 and r["done"] == 0 for r in rows)


# ---------------------------------------------------------------- check-ins, safety
def test_comfort_series_returns_recent_checkins(hist):
    now = datetime(2026, 6, 20, 12, 0, tzinfo=UTC)
    hist.record("checkin", at=now - timedelta(days=10), detail={"comfort": 2})
    hist.record("checkin", at=now - timedelta(days=2), detail={"comfort": 5})
    hist.record("checkin", at=now - timedelta(hours=1), detail={"comfort": 7})
    series = hist.comfort_series(7, now=now)
    assert [p["comfort"] for p in series] == [5, 7]
    assert series[0]["at"] == now - timedelta(days=2)


def test_safety_seen_is_remembered_across_reopen(tmp_path):
    path = tmp_path / "history.sqlite"
    with History(path) as h:
        assert h.has_seen_safety() is False
        h.record("safety_seen")
        assert h.has_seen_safety() is True
    with History(path) as h:
        assert h.has_seen_safety() is True


# ---------------------------------------------------------------- threads, schema, WAL
def test_many_threads_record_at_once(tmp_path):
    h = History(tmp_path / "history.sqlite")
    errors = []

    def work(n):
        try:
            for i in range(50):
                h.record("shown", "posture", detail={"thread": n, "i": i})
                h.counts_for_day(datetime.now(UTC).date(), UTC)
        except Exception as e:  # noqa: BLE001 - reported by the assert below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    evs = h.events()
    assert len(evs) == 300 and len({e["id"] for e in evs}) == 300
    h.close()


def test_schema_version_and_wal_are_on_disk(tmp_path):
    path = tmp_path / "sub" / "history.sqlite"  # the folder is created
    History(path).close()
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 1
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        cols = [r[1] for r in raw.execute("PRAGMA table_info(events)")]
        assert cols == ["id", "ts", "type", "kind", "detail"]
    finally:
        raw.close()


def test_second_process_reads_while_app_writes(tmp_path):
    path = tmp_path / "history.sqlite"
    app = History(path)
    reader = History(path)
    app.record("done", "move")
    assert [e["type"] for e in reader.events()] == ["done"]
    app.close()
    reader.close()


def test_migration_hook_runs_in_order(tmp_path, monkeypatch):
    path = tmp_path / "history.sqlite"
    History(path).close()

    def to_2(conn):
        conn.execute("ALTER TABLE events ADD COLUMN source TEXT")

    monkeypatch.setattr(hmod, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(hmod.MIGRATIONS, 2, to_2)
    with History(path) as h:
        assert h.schema_version() == 2
        h.record("shown", "move")
    raw = sqlite3.connect(path)
    assert "source" in [r[1] for r in raw.execute("PRAGMA table_info(events)")]
    raw.close()


def test_newer_schema_is_left_alone(tmp_path):
    path = tmp_path / "history.sqlite"
    History(path).close()
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA user_version = 99")
    raw.close()
    with pytest.raises(HistoryError) as err:
        History(path)
    assert err.value.reason == "newer" and str(path) in str(err.value)
    got = open_history(path)
    assert isinstance(got, NullHistory) and "newer" in got.open_error
    assert sorted(p.name for p in tmp_path.iterdir() if ".corrupt-" in p.name) == []


def test_closed_history_raises_clearly(tmp_path):
    h = History(tmp_path / "history.sqlite")
    h.close()
    h.close()  # idempotent
    with pytest.raises(HistoryError, match="closed"):
        h.record("shown", "move")


# ---------------------------------------------------------------- broken and locked files
def test_corrupt_file_raises_naming_path_and_cause(tmp_path):
    path = tmp_path / "history.sqlite"
    path.write_bytes(b"this is not SQLite at all\n" * 200)
    with pytest.raises(HistoryError) as err:
        History(path)
    assert err.value.reason == "corrupt"
    assert str(path) in str(err.value) and "not a database" in str(err.value)


def test_damaged_pages_are_found_at_open(tmp_path):
    path = tmp_path / "history.sqlite"
    with History(path) as h:
        for i in range(1500):
            h.record("shown", "move", detail={"i": i, "pad": "x" * 60})
    data = bytearray(path.read_bytes())
    data[3 * 4096:4 * 4096] = b"\xab" * 4096  # overwrite one b-tree page
    path.write_bytes(bytes(data))
    with pytest.raises(HistoryError) as err:
        History(path)
    assert err.value.reason == "corrupt" and "damaged" in str(err.value)
    got = open_history(path)
    assert isinstance(got, History) and got.moved_aside.read_bytes() == bytes(data)
    assert got.events() == []
    got.close()


def test_open_history_moves_corrupt_file_aside_and_starts_fresh(tmp_path):
    path = tmp_path / "history.sqlite"
    junk = b"\x00garbage\xff" * 500
    path.write_bytes(junk)
    h = open_history(path)
    try:
        assert isinstance(h, History)
        aside = sorted(tmp_path.glob("history.sqlite.corrupt-*"))
        assert aside == [h.moved_aside]
        assert h.moved_aside.read_bytes() == junk  # kept, never deleted
        assert str(path) in h.open_error and str(h.moved_aside) in h.open_error
        h.record("done", "move")
        assert [e["type"] for e in h.events()] == ["done"]
    finally:
        h.close()
    with History(path) as again:  # the fresh file is a real database
        assert len(again.events()) == 1


def hold_exclusive(path, wal: bool) -> sqlite3.Connection:
    """Another connection that holds the write lock, as a second app instance might."""
    other = sqlite3.connect(path, isolation_level=None)
    if not wal:
        other.execute("PRAGMA journal_mode = DELETE")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("INSERT INTO events (ts, type) VALUES (0, 'shown')")
    return other


@pytest.mark.parametrize("wal", [True, False], ids=["wal", "rollback-journal"])
def test_locked_database_fails_at_open_after_busy_timeout(tmp_path, wal):
    path = tmp_path / "history.sqlite"
    with History(path) as h:
        h.record("done", "move")
    other = hold_exclusive(path, wal)
    try:
        t0 = time.monotonic()
        with pytest.raises(HistoryError) as err:
            History(path, timeout=0.3)
        waited = time.monotonic() - t0
        assert err.value.reason == "locked"
        assert str(path) in str(err.value) and "locked" in str(err.value)
        assert 0.25 <= waited < 3  # it retried for the busy timeout, then gave up

        fallback = open_history(path, timeout=0.2)
        assert isinstance(fallback, NullHistory) and "locked" in fallback.open_error
        fallback.record("shown", "move")  # the app keeps working in memory
        assert fallback.counts_for_day(datetime.now(UTC).date(), UTC)["shown"] == 1
        assert list(tmp_path.glob("*.corrupt-*")) == []  # a locked file is not corrupt
    finally:
        other.execute("ROLLBACK")
        other.close()
    with History(path) as h:  # once released it opens, with the old data intact
        assert [e["type"] for e in h.events()] == ["done"]


def test_lock_taken_after_open_makes_record_raise_then_recover(tmp_path):
    path = tmp_path / "history.sqlite"
    h = History(path, timeout=0.2)
    other = hold_exclusive(path, wal=True)
    try:
        with pytest.raises(HistoryError) as err:
            h.record("done", "move")
        assert err.value.reason == "locked"
    finally:
        other.execute("ROLLBACK")
        other.close()
    h.record("done", "move")
    assert len(h.events()) == 1
    h.close()


def test_unwritable_place_gives_null_history(tmp_path):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    got = open_history(blocker / "history.sqlite")
    assert isinstance(got, NullHistory)
    assert str(blocker / "history.sqlite") in got.open_error
    got.record("safety_seen")
    assert got.has_seen_safety()


def test_routine_counts_as_movement_only_with_a_hold_done():
    from movebreak.adapters.history import is_movement
    assert is_movement({"type": "routine", "kind": None,
                        "detail": {"complete": False, "steps_done": 2, "steps_total": 4}})
    assert is_movement({"type": "routine", "kind": None,
                        "detail": {"complete": True, "steps_done": 4, "steps_total": 4}})
    assert not is_movement({"type": "routine", "kind": None,
                            "detail": {"complete": False, "steps_done": 0, "steps_total": 4}})
    assert not is_movement({"type": "done", "kind": "posture", "detail": None})
    assert is_movement({"type": "done", "kind": "move", "detail": None})


# ---------------------------------------------------------------- SQL against a brute-force reference
# The reference is the definition written the slow, obvious way (datetimes, every day re-scans
# every event): what `daily_summary` computed before it became one indexed read and one pass.
def ref_left_at(ev):
    at, detail = ev["at"], ev.get("detail")
    if not isinstance(detail, dict):
        return at
    since = detail.get("since")
    if ev["type"] == "away" and isinstance(since, str):
        try:
            parsed = datetime.fromisoformat(since)
            return at if parsed.tzinfo is None else min(at, parsed.astimezone(UTC))
        except ValueError:
            return at
    for key in ("away_s", "gap_s"):
        secs = detail.get(key)
        if isinstance(secs, (int, float)) and not isinstance(secs, bool) and secs > 0:
            return at - timedelta(seconds=secs)
    return at


def ref_stretches(events, until=None, max_gap_s=hmod.MAX_GAP_S):
    out, gap = [], timedelta(seconds=max_gap_s)
    start = last = None
    paused = False
    for ev in events:
        t, typ = ev["at"], ev["type"]
        if last is not None and t - last > gap:
            if start is not None and last > start:
                out.append((start, last))
            start, paused = None, False
        if typ == "paused":
            if start is not None and t > start:
                out.append((start, t))
            start, paused = None, True
        elif typ == "resumed":
            start, paused = t, False
        elif hmod.is_movement(ev) or typ in ("away", "suspend"):
            end = ref_left_at(ev)
            if start is not None and end > start:
                out.append((start, end))
            start = None if paused or typ == "away" else t
        elif start is None and not paused:
            start = t
        last = t
    if last is not None:
        end = until if until is not None and last < until <= last + gap else last
        if start is not None and end > start:
            out.append((start, end))
    return out


def ref_bounds(day, tz):
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    return start, end.astimezone(UTC)


def ref_counts(events, day, tz):
    start, end = ref_bounds(day, tz)
    counts = dict.fromkeys(EVENT_TYPES, 0)
    for ev in events:
        if start <= ev["at"] < end:
            counts[ev["type"]] = counts.get(ev["type"], 0) + 1
    return counts


def ref_summary(events, days, tz, today, now=None):
    first = today - timedelta(days=days - 1)
    lookback = ref_bounds(first, tz)[0] - timedelta(days=1)
    window = [e for e in events if lookback <= e["at"] < ref_bounds(today, tz)[1]]
    stretches = ref_stretches(window, until=now)
    rows = []
    for i in range(days):
        day = first + timedelta(days=i)
        start, end = ref_bounds(day, tz)
        row = {"day": day}
        for t in ("shown", "done", "snoozed", "skipped", "natural", "routine"):
            row[t] = sum(1 for e in events if e["type"] == t and start <= e["at"] < end)
        longest = max([(min(b, end) - max(a, start)).total_seconds() for a, b in stretches],
                      default=0.0)
        row["longest_sitting_s"] = round(max(0.0, longest))
        rows.append(row)
    return rows


# Days around DST changes (and zones with 30- and 45-minute offsets), midnight included.
ANCHORS = [
    (ZoneInfo("Europe/Berlin"), date(2026, 3, 29)), (ZoneInfo("Europe/Berlin"), date(2026, 10, 25)),
    (NEW_YORK, date(2026, 3, 8)), (NEW_YORK, date(2026, 11, 1)),
    (ZoneInfo("Australia/Lord_Howe"), date(2026, 4, 5)),  # DST shift of 30 minutes
    (ZoneInfo("Asia/Kathmandu"), date(2026, 6, 1)), (KOLKATA, date(2026, 6, 1)), (UTC, date(2026, 1, 1)),
]
TYPES = ["shown", "shown", "done", "snoozed", "skipped", "natural", "routine", "paused", "resumed",
         "away", "suspend", "superseded", "checkin"]


@st.composite
def histories(draw):
    tz, anchor = draw(st.sampled_from(ANCHORS))
    midnight = datetime.combine(anchor, datetime.min.time(), tzinfo=tz).astimezone(UTC)
    events = []
    for _ in range(draw(st.integers(0, 40))):
        # mostly anywhere in four days; sometimes right at (or 1 µs around) a local midnight
        near = draw(st.booleans())
        if near:
            day = anchor + timedelta(days=draw(st.integers(-1, 2)))
            at = datetime.combine(day, datetime.min.time(), tzinfo=tz).astimezone(UTC) \
                + timedelta(microseconds=draw(st.sampled_from([-1, 0, 1])))
        else:
            at = midnight + timedelta(seconds=draw(st.integers(-2 * 86400, 2 * 86400)),
                                      microseconds=draw(st.integers(0, 999_999)))
        typ = draw(st.sampled_from(TYPES))
        kind = draw(st.sampled_from(["move", "posture", None]))
        detail = None
        if typ == "natural" and draw(st.booleans()):
            detail = {"away_s": draw(st.integers(0, 5 * 3600))}
        elif typ == "suspend" and draw(st.booleans()):
            detail = {"gap_s": draw(st.floats(0, 5 * 3600, allow_nan=False))}
        elif typ == "away" and draw(st.booleans()):
            detail = {"since": (at - timedelta(seconds=draw(st.integers(-60, 3600)))).isoformat()}
        elif typ == "routine" and draw(st.booleans()):
            detail = {"complete": draw(st.booleans()), "steps_done": draw(st.integers(0, 4))}
        elif typ == "checkin":
            detail = {"comfort": draw(st.integers(0, 10))}
        events.append((typ, kind, at, detail))
    today = anchor + timedelta(days=draw(st.integers(-1, 2)))
    days = draw(st.integers(1, 4))
    # now: none, anywhere, or shortly after the last event (within or beyond MAX_GAP_S)
    last = max([e[2] for e in events], default=midnight)
    now = draw(st.sampled_from([None, midnight, last]))
    if now is not None:
        now += timedelta(seconds=draw(st.integers(0, 2 * 86400 if now == midnight else 6 * 3600)))
    return tz, events, today, days, now


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_summaries_and_counts_match_the_brute_force_reference(case):
    tz, events, today, days, now = case
    with tempfile.TemporaryDirectory() as tmp:
        sql, mem = History(Path(tmp) / "h.sqlite"), NullHistory()
        try:
            for h in (sql, mem):
                h.record_many(events)
            stored = sql.events()  # the reference reads what SQLite gives back (µs, order)
            assert [(e["type"], e["at"]) for e in stored] == \
                [(e["type"], e["at"]) for e in mem.events()]
            want = ref_summary(stored, days, tz, today, now)
            assert sql.daily_summary(days, tz, today, now=now) == want
            assert mem.daily_summary(days, tz, today, now=now) == want
            assert sitting_stretches(stored, until=now) == ref_stretches(stored, until=now)
            for i in range(-1, days + 1):
                day = today - timedelta(days=i)
                assert sql.counts_for_day(day, tz) == ref_counts(stored, day, tz)
                assert mem.counts_for_day(day, tz) == ref_counts(stored, day, tz)
        finally:
            sql.close()


def test_todays_counts_follow_own_and_other_writers(tmp_path):
    path = tmp_path / "history.sqlite"
    app, window = History(path), History(path)
    day = date(2026, 3, 29)
    at = local(BERLIN, 2026, 3, 29, 10)
    try:
        app.record("shown", "move", at=at)
        assert app.counts_for_day(day, BERLIN)["shown"] == 1
        app.record("shown", "move", at=at)  # counted up in memory, no query
        app.record("shown", "move", at=at + timedelta(days=1))  # another day: not counted
        assert app.counts_for_day(day, BERLIN)["shown"] == 2
        window.record("routine", at=at, detail={"complete": True})  # another connection
        window.record("brand_new", at=at)
        got = app.counts_for_day(day, BERLIN)
        assert (got["shown"], got["routine"], got["brand_new"]) == (2, 1, 1)
        assert app.counts_for_day(day + timedelta(days=1), BERLIN)["shown"] == 1
        assert app.counts_for_day(day, UTC)["shown"] == 2  # same day, other zone: recomputed
        got = app.counts_for_day(day, BERLIN)
        got["shown"] = 99  # callers get a copy
        assert app.counts_for_day(day, BERLIN)["shown"] == 2
        assert app.prune(at + timedelta(days=10), 7).removed == 5
        assert app.counts_for_day(day, BERLIN)["shown"] == 0
    finally:
        app.close()
        window.close()


# ---------------------------------------------------------------- streaming, recent, bulk, prune
@pytest.mark.parametrize("batch", [1, 3, 1000])
def test_iter_events_pages_through_equal_timestamps_without_gaps(hist, batch):
    t0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    same = [("shown", "move", t0 + timedelta(minutes=m // 4), {"n": m}) for m in range(10)]
    hist.record_many(same[::-1])  # ids run against time: paging is by (ts, id), not id
    hist.record("done", "move", at=t0 - timedelta(days=1))
    since = t0 - timedelta(hours=1)
    want = hist.events(since=since)
    assert [e["detail"]["n"] for e in want] == [3, 2, 1, 0, 7, 6, 5, 4, 9, 8]
    assert list(hist.iter_events(since=since, batch=batch)) == want
    assert list(hist.iter_events(batch=batch)) == hist.events()
    assert list(hist.iter_events(since=since, until=t0 + timedelta(minutes=1), types=["shown"],
                                 batch=batch)) == want[:4]
    assert hist.recent_events(since=since, limit=3) == want[::-1][:3]


def test_streaming_keeps_memory_flat(tmp_path):
    with History(tmp_path / "history.sqlite") as h:
        t0 = datetime(2026, 3, 2, tzinfo=UTC)
        h.record_many(("shown", "posture", t0 + timedelta(seconds=i), {"pad": "x" * 40})
                      for i in range(3000))
        tracemalloc.start()
        try:
            n = sum(1 for _ in h.iter_events(batch=200))
            streamed = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()
            listed = len(h.events())
            whole = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert n == listed == 3000
        assert streamed * 5 < whole, (streamed, whole)


def test_record_many_is_all_or_nothing(hist):
    t0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    good = ("shown", "move", t0, None)
    assert hist.record_many([good, good]) == 2
    if isinstance(hist, History):
        with pytest.raises(ValueError, match="comfort"):
            hist.record_many([good, ("checkin", None, t0, {"comfort": 42}), good])
        assert len(hist.events()) == 2


def test_prune_keeps_recent_events_and_the_safety_record(hist):
    now = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
    hist.record("safety_seen", at=now - timedelta(days=400))
    hist.record_many(("shown", "move", now - timedelta(days=d, seconds=1), None)
                     for d in (400, 31, 30, 29, 0))
    kept = hist.prune(now, None)
    assert (kept.removed, kept.cutoff) == (0, None) and "keeping every event" in kept.message
    assert len(hist.events()) == 6
    done = hist.prune(now, 30)
    assert done.removed == 3 and done.cutoff == now - timedelta(days=30)
    assert "removed 3 events older than 30 days" in done.message
    assert "keep_history_days = 30" in done.message
    assert [e["type"] for e in hist.events()] == ["safety_seen", "shown", "shown"]
    assert hist.has_seen_safety()
    assert hist.prune(now, 30).removed == 0
    for bad in (0, -3, 2.5, True, "30"):
        with pytest.raises(ValueError, match="keep_days"):
            hist.prune(now, bad)


def test_prune_survives_reopen_and_gives_the_wal_back(tmp_path):
    path = tmp_path / "history.sqlite"
    now = datetime(2026, 6, 30, tzinfo=UTC)
    with History(path) as h:
        h.record_many(("shown", "move", now - timedelta(days=100, seconds=i), {"i": i})
                      for i in range(3000))
        h.record("done", "move", at=now)
        assert h.prune(now, 7).removed == 3000
        assert path.with_name(path.name + "-wal").stat().st_size == 0
    with History(path) as h:
        assert [e["type"] for e in h.events()] == ["done"]


def test_cli_history_json_streams_the_same_data(tmp_path, monkeypatch, capsys):
    from movebreak import cli
    monkeypatch.setenv("MOVEBREAK_DATA_DIR", str(tmp_path))
    from movebreak.adapters import storage
    now = datetime.now(UTC)
    with History(storage.history_path()) as h:
        h.record_many([("shown", "move", now - timedelta(days=5), None),
                       ("done", "move", now - timedelta(hours=2), {"exercise": "short_walk"}),
                       ("natural", "move", now - timedelta(minutes=5), {"away_s": 240})])
        local_now = datetime.now().astimezone()
        days = h.daily_summary(3, local_now.tzinfo, local_now.date())
        events = h.events(since=now - timedelta(days=3, minutes=1))
    assert cli.main(["history", "--json", "--days", "3"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got == json.loads(json.dumps({"days": days, "events": events}, default=str))
    assert [e["type"] for e in got["events"]] == ["done", "natural"]
    assert cli.main(["history", "--json", "--days", "1"]) == 0
    assert len(json.loads(capsys.readouterr().out)["events"]) == 2


def test_cli_history_reports_a_damaged_file_without_a_traceback(tmp_path, monkeypatch, capsys):
    from movebreak import cli
    from movebreak.adapters import storage
    monkeypatch.setenv("MOVEBREAK_DATA_DIR", str(tmp_path))
    path = storage.history_path()
    with History(path) as h:
        h.record_many(("shown", "move", datetime.now(UTC) - timedelta(minutes=i),
                       {"i": i, "pad": "x" * 60}) for i in range(1500))
    data = bytearray(path.read_bytes())
    data[4096:2 * 4096] = b"\xab" * 4096  # page 2: the events table's root
    path.write_bytes(bytes(data))
    with History(path, check=False) as reader:  # a reader skips the full scan at open ...
        with pytest.raises(HistoryError) as err:
            reader.events()  # ... and meets the damage when it reads it
        assert err.value.reason == "corrupt"
    assert cli.main(["history", "--days", "2"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("movebreak: history database") and str(path) in err
    assert path.read_bytes() == bytes(data)  # a reader leaves the file as it is
