"""Event history in SQLite: what was shown, done, snoozed, skipped, and natural breaks.

`History(path)` keeps one connection guarded by a lock, so any thread of the app (driver,
IPC, tray, notifier) may call it; other processes (the history window, the CLI) open their own
`History` on the same file. WAL mode lets them read while the app writes, and the busy timeout
(default 2 s) covers the short write locks. `open_history(path)` is what the app uses: it never
raises, and falls back to a fresh file or to an in-memory `NullHistory` so reminders keep coming.

Storage: table `events(id, ts, type, kind, detail)` with `ts` in epoch seconds (UTC, REAL) and
`detail` as JSON text, indexed on `ts` and on `(type, ts)`. `PRAGMA user_version` holds the
schema version; `MIGRATIONS[n]` upgrades a database from version n-1 to n inside one write
transaction.

Queries at scale (a year of 200,000 events): `daily_summary` reads the window's rows once
through the `ts` index, in pages, and computes every day's counts and longest sitting stretch in
one pass (integer microseconds, so local midnights and DST days are exact); `counts_for_day`
answers from memory, kept current by `record` and refreshed with one indexed count when another
process wrote (`PRAGMA data_version`); `iter_events` pages through any range at constant
memory; `prune` applies `general.keep_history_days`.
"""

from __future__ import annotations

import bisect
import json
import logging
import math
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, Self

from movebreak.core.events import COUNTED
from movebreak.core.l10n import _, format_time, ngettext

log = logging.getLogger(__name__)

# The event types the app knows (core/events.py); counts_for_day reports each (0 if none).
EVENT_TYPES: tuple[str, ...] = tuple(str(t) for t in COUNTED)

_TYPE_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")

SCHEMA_VERSION = 1
DEFAULT_TIMEOUT_S = 2.0
# A gap longer than this between two consecutive events of any type means the app was not
# running (or the machine was off): a sitting stretch never spans it. See `sitting_stretches`.
MAX_GAP_S = 3 * 3600
# SQLite page cache per connection (KiB; SQLite's default is 2000). Small on purpose: the app
# reads a few pages (today's counts come from memory), the summaries read each page once, and
# the integrity check at open would otherwise fill the whole default cache in the app.
CACHE_KIB = 256

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def _migrate_to_1(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS events ("
        " id INTEGER PRIMARY KEY,"
        " ts REAL NOT NULL,"
        " type TEXT NOT NULL,"
        " kind TEXT,"
        " detail TEXT)"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS events_ts ON events (ts)")
    conn.execute("CREATE INDEX IF NOT EXISTS events_type ON events (type, ts)")


# target version -> migration from the version before it. Add 2: ..., 3: ... as the schema grows.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _migrate_to_1}


class HistoryError(Exception):
    """The history database cannot be used; `reason` is "corrupt", "locked", "newer", "io"
    or "closed", and the message names the path and the cause."""

    def __init__(self, path: str | os.PathLike | None, reason: str, cause: str):
        self.path = None if path is None else str(path)
        self.reason = reason
        self.cause = cause
        where = self.path or "history"
        # TRANSLATORS: {path} is the history file, {cause} what is wrong with it.
        super().__init__(_("history database {path}: {cause}").format(path=where, cause=cause))


def _utc(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"history times must be timezone-aware, got naive {at!r}")
    return at.astimezone(UTC)


def _day_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """UTC start and end of a local calendar day (23, 24 or 25 hours long around DST)."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def _check_event(type: str, detail: Any) -> None:
    # Every name is stored as it comes (older files may hold types this version no longer
    # emits); only malformed names are refused.
    if not isinstance(type, str) or not _TYPE_RE.fullmatch(type):
        raise ValueError(f"history event type must be a short lowercase name, got {type!r}")
    if type == "checkin":
        value = detail.get("comfort") if isinstance(detail, dict) else None
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10:
            raise ValueError(f"a checkin needs detail={{'comfort': 0..10}}, got {detail!r}")


_DETAIL_TYPES = ("natural", "routine", "away", "suspend")  # the types whose detail matters
_SUMMARY_TYPES = ("shown", "done", "snoozed", "skipped", "natural", "routine")
_MOVEMENT_TYPES = frozenset(("natural", "done", "routine"))  # may be a movement (_movement)

# One row of the sitting/summary pass: (microseconds since the epoch, type, kind, detail).
# Only the types in _DETAIL_TYPES carry their parsed detail; the others carry None.
_Row = tuple[int, str, "str | None", Any]


def _to_us(at: datetime) -> int:
    """Whole microseconds since the epoch of an aware datetime (exact)."""
    return (at - _EPOCH) // _US


def _ts_to_us(ts: float) -> int:
    """Microseconds of a stored REAL timestamp, rounded as `datetime.fromtimestamp` rounds."""
    whole = math.floor(ts)
    return whole * 1_000_000 + round((ts - whole) * 1e6)


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _movement(typ: str, kind: str | None, detail: Any) -> bool:
    if typ == "routine":
        detail = detail or {}
        return detail.get("complete") is True or (detail.get("steps_done") or 0) > 0 \
            or "steps_done" not in detail
    return typ == "natural" or (typ == "done" and kind == "move")


def is_movement(event: dict) -> bool:
    """Whether an event means the user got up: a done `move` reminder, a natural break, or a
    routine with at least one hold done (one opened and closed at once is not a break)."""
    return _movement(event["type"], event.get("kind"), event.get("detail"))


def _left_at_us(at: int, typ: str, detail: Any) -> int:
    """When the user stopped sitting, for a boundary event recorded on their return.

    `natural` (detail away_s) and `suspend` (detail gap_s) are recorded when the user is back;
    `away` is recorded once idle passed the threshold, with detail since = last input.
    """
    if not isinstance(detail, dict):
        return at
    since = detail.get("since")
    if typ == "away" and isinstance(since, str):
        try:
            return min(at, _to_us(_utc(datetime.fromisoformat(since))))
        except (ValueError, OverflowError):
            return at
    for key in ("away_s", "gap_s"):
        secs = detail.get(key)
        if isinstance(secs, (int, float)) and not isinstance(secs, bool) and secs > 0:
            return at - timedelta(seconds=secs) // _US
    return at


def _stretches(rows: Iterable[_Row], until: int | None, max_gap_s: float,
               out: Callable[[int, int], None]) -> None:
    """The sitting-stretch state machine over sorted rows; calls `out(start, end)` (µs) for
    each stretch, in order. See `sitting_stretches` for the definition."""
    gap = timedelta(seconds=max_gap_s) // _US
    start: int | None = None
    last: int | None = None
    paused = False
    for t, typ, kind, detail in rows:
        if last is not None and t - last > gap:
            if start is not None and last > start:
                out(start, last)
            start, paused = None, False
        if typ == "paused":
            if start is not None and t > start:
                out(start, t)
            start, paused = None, True
        elif typ == "resumed":
            start, paused = t, False
        elif typ in ("away", "suspend") or (typ in _MOVEMENT_TYPES and _movement(typ, kind, detail)):
            end = _left_at_us(t, typ, detail)
            if start is not None and end > start:
                out(start, end)
            start = None if paused or typ == "away" else t
        elif start is None and not paused:
            start = t
        last = t
    if last is not None:
        end = last
        if until is not None and until > last and until - last <= gap:
            end = until
        if start is not None and end > start:
            out(start, end)


def _event_row(ev: dict) -> _Row:
    detail = ev.get("detail") if ev["type"] in _DETAIL_TYPES else None
    return _to_us(_utc(ev["at"])), ev["type"], ev.get("kind"), detail


def sitting_stretches(
    events: Iterable[dict], until: datetime | None = None, max_gap_s: float = MAX_GAP_S
) -> list[tuple[datetime, datetime]]:
    """Intervals the user sat at the computer without a movement break, from sorted events.

    Definition: any event is evidence that the user was at the computer at that moment. A
    stretch starts at the first event after a break and ends at the next *boundary*: a movement
    event (`is_movement`: done `move`, `natural`, `routine`), `paused`, `away` or `suspend`.
    Boundaries recorded on the user's return end the stretch when the user left (natural
    away_s, suspend gap_s, away since). After `away` the user is gone until the next
    event; the time between `paused` and `resumed` is not sitting. A gap of more than
    `max_gap_s` between two consecutive events ends the stretch at the earlier event (the app
    was not running) and clears a pause whose `resumed` was never recorded. If `until` is
    given, a stretch still open at the last event runs on to `until` ("today so far").
    Pure; any thread.
    """
    out: list[tuple[datetime, datetime]] = []
    _stretches(map(_event_row, events), None if until is None else _to_us(_utc(until)),
               max_gap_s, lambda a, b: out.append((_from_us(a), _from_us(b))))
    return out


def _summarize(rows: Iterable[_Row], bounds: list[int], until: int | None) -> list[dict]:
    """Counts and longest sitting per day in one pass over sorted rows.

    `bounds` are the N+1 day boundaries (µs, ascending) of N consecutive days; rows may start
    before the first day (they only feed the sitting stretches). Returns N rows without "day".
    """
    days = len(bounds) - 1
    counts = [dict.fromkeys(_SUMMARY_TYPES, 0) for _day in range(days)]
    longest = [0] * days
    first, stop = bounds[0], bounds[-1]

    def stretch(a: int, b: int) -> None:
        if b <= first or a >= stop:
            return
        i = max(0, bisect.bisect_right(bounds, a) - 1)
        while i < days and bounds[i] < b:
            overlap = min(b, bounds[i + 1]) - max(a, bounds[i])
            if overlap > longest[i]:
                longest[i] = overlap
            i += 1

    def counted(rows: Iterable[_Row]) -> Iterator[_Row]:
        day = 0
        for row in rows:
            t = row[0]
            if first <= t < stop:
                while t >= bounds[day + 1]:
                    day += 1
                slot = counts[day]
                if row[1] in slot:
                    slot[row[1]] += 1
            yield row

    _stretches(counted(rows), until, MAX_GAP_S, stretch)
    return [{**c, "longest_sitting_s": round(us / 1_000_000)} for c, us in zip(counts, longest)]


@dataclass(frozen=True)
class Pruned:
    """What `prune` did: how many events went, the cutoff, and a sentence saying so."""

    removed: int
    cutoff: datetime | None
    message: str


def _check_keep_days(keep_days: int | None) -> None:
    if keep_days is not None and (not isinstance(keep_days, int) or isinstance(keep_days, bool)
                                  or keep_days < 1):
        raise ValueError(f"keep_days must be a whole number of days >= 1 or None, "
                         f"got {keep_days!r}")


#: `prune` without a retention setting.
KEEP_ALL = Pruned(0, None, "history: keeping every event (general.keep_history_days is not set)")


def _prune_cutoff(now: datetime, keep_days: int | None) -> datetime | None:
    """The instant before which `prune` deletes (None: keep everything); checks `keep_days`."""
    _check_keep_days(keep_days)
    return None if keep_days is None else _utc(now) - timedelta(days=keep_days)


def _prune_message(removed: int, cutoff: datetime, keep_days: int) -> str:
    local = cutoff.astimezone()
    when = f"{local:%Y-%m-%d} {format_time(local)}"
    # TRANSLATORS: {n} is how many events were removed, {days} the setting's number of days,
    # {when} a date and time; general.keep_history_days is a setting name.
    return ngettext("history: removed {n} event older than {days} days (before {when}; "
                    "general.keep_history_days = {days}); the safety notice record is kept",
                    "history: removed {n} events older than {days} days (before {when}; "
                    "general.keep_history_days = {days}); the safety notice record is kept",
                    removed).format(n=f"{removed:,}", days=keep_days, when=when)


class _Queries:
    """Summaries shared by `History` and `NullHistory`; subclasses provide `_rows`."""

    def _rows(self, since: datetime, until: datetime) -> Iterable[_Row]:
        """Rows with since <= at < until, oldest first, for the summary pass."""
        raise NotImplementedError

    def events(self, since: datetime | None = None, until: datetime | None = None,
               types: Iterable[str] | None = None) -> list[dict]:
        raise NotImplementedError

    def daily_summary(self, days: int, tz: tzinfo, today: date,
                      now: datetime | None = None) -> list[dict]:
        """One dict per local day, oldest first, for the `days` days ending with `today`.

        Keys: day (date), shown, done, snoozed, skipped, natural, routine, longest_sitting_s.
        `longest_sitting_s` is the longest part of a `sitting_stretches` interval that falls
        inside that day (a stretch crossing midnight is split at midnight); pass `now` to count
        the stretch still running today. One indexed range read and one pass over the events
        of the window (plus one day before it, so a stretch running into the first day starts
        where it really did). Any thread.
        """
        if days < 1:
            return []
        first = today - timedelta(days=days - 1)
        win_start, _end = _day_bounds(first, tz)
        _start, win_end = _day_bounds(today, tz)
        bounds = [_to_us(_day_bounds(first + timedelta(days=i), tz)[0]) for i in range(days)]
        bounds.append(_to_us(win_end))
        until = None if now is None else _to_us(_utc(now))
        rows = _summarize(self._rows(win_start - timedelta(days=1), win_end), bounds, until)
        return [{"day": first + timedelta(days=i), **row} for i, row in enumerate(rows)]

    def comfort_series(self, days: int, now: datetime | None = None) -> list[dict]:
        """Comfort check-ins (0-10) of the last `days` days, oldest first: [{at, comfort}]."""
        end = _utc(now)
        evs = self.events(end - timedelta(days=days), end + timedelta(microseconds=1), ("checkin",))
        return [{"at": e["at"], "comfort": e["detail"]["comfort"]} for e in evs]

    def has_seen_safety(self) -> bool:
        """Whether the first-run safety notice was shown (a `safety_seen` event exists)."""
        return bool(self.events(types=("safety_seen",)))


class History(_Queries):
    """SQLite-backed history at `path`; safe to call from any thread (one lock, one connection).

    Opening checks the file (integrity, schema version, a write lock) and raises `HistoryError`
    with reason "corrupt" (not SQLite / damaged), "locked" (another connection holds a write
    lock for longer than `timeout` seconds), "newer" (schema from a newer movebreak) or "io".
    The integrity check reads every page (about 60 ms for a year of 200,000 events):
    `check=False` skips it for readers that only show data (the CLI, the History window); a
    damaged page then raises HistoryError("corrupt") from the query that reaches it.
    Later calls raise `HistoryError` too, with reason "locked" when the busy timeout runs out:
    the caller decides whether to drop that one event or retry.
    """

    def __init__(self, path: str | os.PathLike, timeout: float = DEFAULT_TIMEOUT_S,
                 check: bool = True):
        self.path = Path(path)
        self._timeout = timeout
        self.open_error: str | None = None
        self.moved_aside: Path | None = None
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        # counts_for_day's cache: (start ts, end ts, data_version, counts); see there.
        self._day_cache: tuple[float, float, int, dict[str, int]] | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise HistoryError(self.path, "io", _("cannot create folder: {error}").format(
                error=e)) from e
        try:
            conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as e:
            raise self._error(e) from e
        try:
            self._setup(conn, timeout, check)
        except sqlite3.Error as e:
            conn.close()
            raise self._error(e) from e
        except HistoryError:
            conn.close()
            raise
        self._conn = conn

    def _setup(self, conn: sqlite3.Connection, timeout: float, check: bool) -> None:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        found = [r[0] for r in conn.execute("PRAGMA quick_check(3)")] if check else ["ok"]
        if found != ["ok"]:
            text = " ".join(" ".join(found).split())
            raise HistoryError(self.path, "corrupt", _("damaged database ({error})").format(
                error=text[:200]))
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise HistoryError(self.path, "io", _("cannot enable WAL mode ({setting})").format(
                setting=f"journal_mode={mode}"))
        conn.execute("PRAGMA synchronous = NORMAL")
        # The write transaction doubles as a lock check: it fails here, at open time, if
        # another connection holds the write lock longer than the busy timeout.
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise HistoryError(self.path, "newer", _(
                    "schema version {version} is newer than this movebreak understands "
                    "({known}); leaving the file alone").format(version=version,
                                                                known=SCHEMA_VERSION))
            for target in range(version + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[target](conn)
                conn.execute(f"PRAGMA user_version = {target}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _error(self, e: sqlite3.Error) -> HistoryError:
        name = getattr(e, "sqlite_errorname", "") or ""
        text = str(e)
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
            return HistoryError(self.path, "locked", _(
                "locked by another process or connection, still busy after {seconds} s "
                "({error})").format(seconds=f"{self._timeout:g}", error=text))
        if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")) or "not a database" in text \
                or "malformed" in text:
            return HistoryError(self.path, "corrupt", _("not a usable SQLite database ({error})")
                                .format(error=text))
        return HistoryError(self.path, "io", text)

    def _run(self, sql: str, args: tuple = (), insert: bool = False) -> list[tuple]:
        with self._lock:
            return self._run_locked(sql, args, insert)

    def _run_locked(self, sql: str, args: tuple = (), insert: bool = False) -> list[tuple]:
        if self._conn is None:
            raise HistoryError(self.path, "closed", _("history is closed"))
        try:
            cur = self._conn.execute(sql, args)
            return [(cur.lastrowid,)] if insert else cur.fetchall()
        except sqlite3.Error as e:
            raise self._error(e) from e

    def schema_version(self) -> int:
        """The database's `PRAGMA user_version`."""
        return self._run("PRAGMA user_version")[0][0]

    def journal_mode(self) -> str:
        """The journal mode in use ("wal")."""
        return self._run("PRAGMA journal_mode")[0][0]

    def record(self, type: str, kind: str | None = None, at: datetime | None = None,
               detail: Any = None) -> int:
        """Store one event (`at` aware, default now; `detail` JSON-serialisable); returns its id.

        A `checkin` needs detail={"comfort": 0..10}. Raises ValueError for bad input and
        HistoryError when the database cannot be written. Keeps the cached day counts of
        `counts_for_day` up to date.
        """
        _check_event(type, detail)
        ts = _utc(at).timestamp()
        text = None if detail is None else json.dumps(detail, separators=(",", ":"))
        with self._lock:
            rows = self._run_locked(
                "INSERT INTO events (ts, type, kind, detail) VALUES (?, ?, ?, ?)",
                (ts, type, kind, text), insert=True)
            cache = self._day_cache
            if cache is not None and cache[0] <= ts < cache[1]:
                cache[3][type] = cache[3].get(type, 0) + 1
        return rows[0][0]

    def record_many(self, events: Iterable[tuple[str, str | None, datetime, Any]]) -> int:
        """Store many (type, kind, at, detail) events in one transaction; returns how many.

        For imports and generated histories (the bench): all or nothing. Same checks as
        `record`. Any thread; holds the lock for the whole write.
        """
        def rows() -> Iterator[tuple]:
            for type_, kind, at, detail in events:
                _check_event(type_, detail)
                yield (_utc(at).timestamp(), type_, kind,
                       None if detail is None else json.dumps(detail, separators=(",", ":")))

        with self._lock:
            if self._conn is None:
                raise HistoryError(self.path, "closed", _("history is closed"))
            self._day_cache = None
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    cur = self._conn.executemany(
                        "INSERT INTO events (ts, type, kind, detail) VALUES (?, ?, ?, ?)", rows())
                    self._conn.execute("COMMIT")
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as e:
                raise self._error(e) from e
            return cur.rowcount

    def _where(self, since: datetime | None, until: datetime | None,
               types: Iterable[str] | None) -> tuple[str, list[Any]]:
        sql = " WHERE 1"
        args: list[Any] = []
        if since is not None:
            sql += " AND ts >= ?"
            args.append(_utc(since).timestamp())
        if until is not None:
            sql += " AND ts < ?"
            args.append(_utc(until).timestamp())
        if types is not None:
            types = list(types)
            sql += f" AND type IN ({','.join('?' * len(types))})"
            args.extend(types)
        return sql, args

    @staticmethod
    def _event(row: tuple) -> dict:
        i, ts, typ, kind, detail = row
        return {"id": i, "at": datetime.fromtimestamp(ts, UTC), "type": typ, "kind": kind,
                "detail": None if detail is None else json.loads(detail)}

    def events(self, since: datetime | None = None, until: datetime | None = None,
               types: Iterable[str] | None = None) -> list[dict]:
        """Events with since <= at < until (either may be None), oldest first.

        Each is {"id", "at" (aware UTC datetime), "type", "kind", "detail" (parsed JSON or None)}.
        Reads them all into memory: use `iter_events` for long ranges.
        """
        where, args = self._where(since, until, types)
        sql = "SELECT id, ts, type, kind, detail FROM events" + where + " ORDER BY ts, id"
        return [self._event(r) for r in self._run(sql, tuple(args))]

    def iter_events(self, since: datetime | None = None, until: datetime | None = None,
                    types: Iterable[str] | None = None, batch: int = 1000) -> Iterator[dict]:
        """Like `events`, but read `batch` rows at a time, so memory stays constant however
        long the range (for `history --json`). Each batch is one short read under the lock
        (keyset paging on (ts, id)), so the app's writers are never held up for long; an event
        written meanwhile shows up if it sorts after the last one read."""
        for rows in self._pages("id, ts, type, kind, detail", since, until, types, batch):
            yield from map(self._event, rows)

    def _pages(self, columns: str, since: datetime | None, until: datetime | None,
               types: Iterable[str] | None, batch: int) -> Iterator[list[tuple]]:
        """Rows in (ts, id) order, `batch` at a time; `columns` must start with "id, ts".

        Each page starts where the last one ended (ts >= last ts, so the index range starts
        there; a second lower bound would let SQLite pick the older one and rescan)."""
        types = None if types is None else list(types)
        where, args = self._where(since, until, types)
        rows = self._run(f"SELECT {columns} FROM events{where} ORDER BY ts, id LIMIT ?",
                         (*args, batch))
        where, args = self._where(None, until, types)
        after = f"SELECT {columns} FROM events{where} AND ts >= ? AND (ts > ? OR id > ?) " \
                "ORDER BY ts, id LIMIT ?"
        while rows:
            yield rows
            if len(rows) < batch:
                return
            last_id, last_ts = rows[-1][0], rows[-1][1]
            rows = self._run(after, (*args, last_ts, last_ts, last_id, batch))

    def recent_events(self, since: datetime | None = None, limit: int = 300) -> list[dict]:
        """The newest `limit` events with at >= since, newest first (the window's list)."""
        where, args = self._where(since, None, None)
        sql = "SELECT id, ts, type, kind, detail FROM events" + where + \
            " ORDER BY ts DESC, id DESC LIMIT ?"
        return [self._event(r) for r in self._run(sql, (*args, limit))]

    def _rows(self, since: datetime, until: datetime) -> Iterator[_Row]:
        # Streamed in pages: memory stays flat for a summary over a year of events.
        detail_types = ",".join(f"'{t}'" for t in _DETAIL_TYPES)
        columns = f"id, ts, type, kind, CASE WHEN type IN ({detail_types}) THEN detail END"
        for rows in self._pages(columns, since, until, None, 2000):
            for _id, ts, typ, kind, detail in rows:
                yield _ts_to_us(ts), typ, kind, None if detail is None else json.loads(detail)

    def counts_for_day(self, day: date, tz: tzinfo) -> dict[str, int]:
        """Events per type in the local calendar day `day` of time zone `tz` (every type of
        EVENT_TYPES, 0 if none, plus any other type found).

        Cheap to call often (the app's status asks once per change, from its owner thread):
        the answer for the last day asked is kept in memory, counted up by `record`, and
        recomputed with one indexed count only when another connection (the routine window,
        the CLI) has committed since (`PRAGMA data_version`) or a different day is asked for.
        """
        start, end = _day_bounds(day, tz)
        lo, hi = start.timestamp(), end.timestamp()
        with self._lock:
            version = self._run_locked("PRAGMA data_version")[0][0]
            cache = self._day_cache
            if cache is None or cache[:3] != (lo, hi, version):
                counts = dict.fromkeys(EVENT_TYPES, 0)
                rows = self._run_locked("SELECT type, COUNT(*) FROM events WHERE ts >= ? "
                                        "AND ts < ? GROUP BY type", (lo, hi))
                counts.update(rows)
                cache = self._day_cache = (lo, hi, version, counts)
            return dict(cache[3])

    def has_seen_safety(self) -> bool:
        """Whether the first-run safety notice was shown (a `safety_seen` event exists)."""
        return bool(self._run("SELECT 1 FROM events WHERE type = 'safety_seen' LIMIT 1"))

    def prune(self, now: datetime, keep_days: int | None) -> Pruned:
        """Delete events older than `keep_days` days before `now` (None: keep everything).

        The `safety_seen` record is always kept (or the first-run notice would come back).
        Called once at start by the app, with `settings.keep_history_days`; `message` says how
        many events went and why, for the terminal and the log. Freed pages are reused by later
        writes (the file does not shrink). Any thread.
        """
        cutoff = _prune_cutoff(now, keep_days)
        if cutoff is None:
            return KEEP_ALL
        with self._lock:
            self._day_cache = None
            if self._conn is None:
                raise HistoryError(self.path, "closed", _("history is closed"))
            try:
                removed = self._conn.execute(
                    "DELETE FROM events WHERE ts < ? AND type != 'safety_seen'",
                    (cutoff.timestamp(),)).rowcount
            except sqlite3.Error as e:
                raise self._error(e) from e
            if removed:
                # Give the WAL's space back now rather than at the next automatic checkpoint;
                # a reader that holds an old snapshot just makes this a partial checkpoint.
                self._run_locked("PRAGMA wal_checkpoint(TRUNCATE)")
        message = _prune_message(removed, cutoff, keep_days)
        if removed:
            log.info("%s", message)
        return Pruned(removed, cutoff, message)

    def close(self) -> None:
        """Close the connection (idempotent); later calls raise HistoryError("closed")."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _at(event: dict) -> datetime:
    return event["at"]


class NullHistory(_Queries):
    """In-memory history for when no database can be opened: same API, forgotten at exit."""

    def __init__(self, open_error: str | None = None):
        self.path: Path | None = None
        self.open_error = open_error
        self.moved_aside: Path | None = None
        self._lock = threading.Lock()
        self._events: list[dict] = []  # sorted by (at, id)
        self._last_id = 0

    def record(self, type: str, kind: str | None = None, at: datetime | None = None,
               detail: Any = None) -> int:
        """Keep one event in memory; same checks and return value as `History.record`."""
        _check_event(type, detail)
        ev = {"id": 0, "at": _utc(at), "type": type, "kind": kind,
              "detail": None if detail is None else json.loads(json.dumps(detail))}
        with self._lock:
            self._last_id += 1
            ev["id"] = self._last_id
            bisect.insort(self._events, ev, key=lambda e: (e["at"], e["id"]))
        return ev["id"]

    def record_many(self, events: Iterable[tuple[str, str | None, datetime, Any]]) -> int:
        """Same as `History.record_many` (not atomic here: nothing outlives the process)."""
        return sum(1 for type_, kind, at, detail in events
                   if self.record(type_, kind, at=at, detail=detail))

    def _slice(self, since: datetime | None, until: datetime | None) -> list[dict]:
        with self._lock:
            lo = 0 if since is None else bisect.bisect_left(self._events, _utc(since), key=_at)
            hi = len(self._events) if until is None else \
                bisect.bisect_left(self._events, _utc(until), key=_at)
            return self._events[lo:hi]

    def events(self, since: datetime | None = None, until: datetime | None = None,
               types: Iterable[str] | None = None) -> list[dict]:
        """Same as `History.events`."""
        wanted = None if types is None else set(types)
        return [dict(e) for e in self._slice(since, until)
                if wanted is None or e["type"] in wanted]

    def iter_events(self, since: datetime | None = None, until: datetime | None = None,
                    types: Iterable[str] | None = None, batch: int = 1000) -> Iterator[dict]:
        """Same as `History.iter_events`."""
        return iter(self.events(since, until, types))

    def recent_events(self, since: datetime | None = None, limit: int = 300) -> list[dict]:
        """Same as `History.recent_events`."""
        return [dict(e) for e in self._slice(since, None)[::-1][:limit]]

    def _rows(self, since: datetime, until: datetime) -> Iterable[_Row]:
        return [_event_row(e) for e in self._slice(since, until)]

    def counts_for_day(self, day: date, tz: tzinfo) -> dict[str, int]:
        """Same as `History.counts_for_day` (a bisected slice of the in-memory list)."""
        counts = dict.fromkeys(EVENT_TYPES, 0)
        for ev in self._slice(*_day_bounds(day, tz)):
            counts[ev["type"]] = counts.get(ev["type"], 0) + 1
        return counts

    def prune(self, now: datetime, keep_days: int | None) -> Pruned:
        """Same as `History.prune`, on the in-memory events."""
        cutoff = _prune_cutoff(now, keep_days)
        if cutoff is None:
            return KEEP_ALL
        with self._lock:
            kept = [e for e in self._events if e["at"] >= cutoff or e["type"] == "safety_seen"]
            removed = len(self._events) - len(kept)
            self._events = kept
        return Pruned(removed, cutoff, _prune_message(removed, cutoff, keep_days))

    def close(self) -> None:
        """Nothing to release."""


def _move_aside(path: Path) -> Path:
    """Rename a broken database (and its -wal/-shm files) to `<name>.corrupt-<UTC time>`."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, target)
    # A stale WAL would be replayed into the fresh database; keep it with the broken file.
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, target.with_name(target.name + suffix))
    return target


def open_history(path: str | os.PathLike, timeout: float = DEFAULT_TIMEOUT_S,
                 check: bool = True) -> History | NullHistory:
    """Open the app's history without ever raising; check `.open_error` for what went wrong.

    A corrupt file is moved aside as `<name>.corrupt-<ts>` (never deleted) and a fresh database
    takes its place (`.moved_aside` says where the old one went). A locked file, a newer schema
    or an I/O problem leaves the file alone and gives a `NullHistory` for this run.
    """
    path = Path(path)
    try:
        return History(path, timeout, check)
    except HistoryError as e:
        first = e
    log.warning("%s", first)
    if first.reason != "corrupt":
        # TRANSLATORS: {problem} is what is wrong with the history file.
        return NullHistory(_("{problem}; keeping history in memory for this run").format(
            problem=first))
    try:
        moved = _move_aside(path)
    except OSError as e:
        msg = _("{problem}; could not move it aside ({error}); keeping history in memory for "
                "this run").format(problem=first, error=e)
        log.error("%s", msg)
        return NullHistory(msg)
    msg = _("{problem}; moved it to {path} and started a new history").format(problem=first,
                                                                              path=moved)
    log.warning("%s", msg)
    try:
        hist = History(path, timeout, check)
    except HistoryError as e:
        # TRANSLATORS: {problem} ends with "started a new history"; {error} why that failed.
        msg = _("{problem}, which failed too ({error}); keeping history in memory for this "
                "run").format(problem=msg, error=e)
        log.error("%s", msg)
        return NullHistory(msg)
    hist.open_error = msg
    hist.moved_aside = moved
    return hist
