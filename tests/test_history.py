"""SQLite history on real files: queries, local days, sitting stretches, schema, WAL, broken and
locked databases. The in-memory NullHistory must give the same answers."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

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
