"""Event history in SQLite: what was shown, done, snoozed, skipped, and natural breaks.

`History(path)` keeps one connection guarded by a lock, so any thread of the app (driver,
IPC, tray, notifier) may call it; other processes (the history window, the CLI) open their own
`History` on the same file. WAL mode lets them read while the app writes, and the busy timeout
(default 2 s) covers the short write locks. `open_history(path)` is what the app uses: it never
raises, and falls back to a fresh file or to an in-memory `NullHistory` so reminders keep coming.

Storage: table `events(id, ts, type, kind, detail)` with `ts` in epoch seconds (UTC, REAL) and
`detail` as JSON text. `PRAGMA user_version` holds the schema version; `MIGRATIONS[n]` upgrades
a database from version n-1 to n inside one write transaction.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, Self

from movebreak.core.events import COUNTED

log = logging.getLogger(__name__)

# The event types the app knows (core/events.py); counts_for_day reports each (0 if none).
EVENT_TYPES: tuple[str, ...] = tuple(str(t) for t in COUNTED)

_TYPE_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")

SCHEMA_VERSION = 1
DEFAULT_TIMEOUT_S = 2.0
# A gap longer than this between two consecutive events of any type means the app was not
# running (or the machine was off): a sitting stretch never spans it. See `sitting_stretches`.
MAX_GAP_S = 3 * 3600


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
        super().__init__(f"history database {where}: {cause}")


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


def is_movement(event: dict) -> bool:
    """Whether an event means the user got up: a done `move` reminder, a natural break, or a
    routine with at least one hold done (one opened and closed at once is not a break)."""
    t = event["type"]
    if t == "routine":
        detail = event.get("detail") or {}
        return detail.get("complete") is True or (detail.get("steps_done") or 0) > 0 \
            or "steps_done" not in detail
    return t == "natural" or (t == "done" and event.get("kind") == "move")


def _left_at(event: dict) -> datetime:
    """When the user stopped sitting, for a boundary event recorded on their return.

    `natural` (detail away_s) and `suspend` (detail gap_s) are recorded when the user is back;
    `away` is recorded once idle passed the threshold, with detail since = last input.
    """
    at = event["at"]
    detail = event.get("detail")
    if not isinstance(detail, dict):
        return at
    since = detail.get("since")
    if event["type"] == "away" and isinstance(since, str):
        try:
            return min(at, _utc(datetime.fromisoformat(since)))
        except ValueError:
            return at
    for key in ("away_s", "gap_s"):
        secs = detail.get(key)
        if isinstance(secs, (int, float)) and not isinstance(secs, bool) and secs > 0:
            return at - timedelta(seconds=secs)
    return at


def sitting_stretches(
    events: Iterable[dict], until: datetime | None = None, max_gap_s: float = MAX_GAP_S
) -> list[tuple[datetime, datetime]]:
    """Intervals the user sat at the computer without a movement break, from sorted events.

    Definition: any event is evidence that the user was at the computer at that moment. A
    stretch starts at the first event after a break and ends at the next *boundary*: a movement
    event (`is_movement`: done `move`, `natural`, `routine`), `paused`, `away` or `suspend`.
    Boundaries recorded on the user's return end the stretch when the user left (`_left_at`:
    natural away_s, suspend gap_s, away since). After `away` the user is gone until the next
    event; the time between `paused` and `resumed` is not sitting. A gap of more than
    `max_gap_s` between two consecutive events ends the stretch at the earlier event (the app
    was not running) and clears a pause whose `resumed` was never recorded. If `until` is
    given, a stretch still open at the last event runs on to `until` ("today so far").
    """
    out: list[tuple[datetime, datetime]] = []
    gap = timedelta(seconds=max_gap_s)
    start: datetime | None = None
    last: datetime | None = None
    paused = False

    def close(end: datetime) -> None:
        if start is not None and end > start:
            out.append((start, end))

    for ev in events:
        t = ev["at"]
        if last is not None and t - last > gap:
            close(last)
            start, paused = None, False
        typ = ev["type"]
        if typ == "paused":
            close(t)
            start, paused = None, True
        elif typ == "resumed":
            start, paused = t, False
        elif is_movement(ev) or typ in ("away", "suspend"):
            close(_left_at(ev))
            start = None if paused or typ == "away" else t
        elif start is None and not paused:
            start = t
        last = t
    if last is not None:
        end = last
        if until is not None and until > last and until - last <= gap:
            end = until
        close(end)
    return out


class _Queries:
    """Summaries computed from `events()`; shared by `History` and `NullHistory`."""

    def events(self, since: datetime | None = None, until: datetime | None = None,
               types: Iterable[str] | None = None) -> list[dict]:
        raise NotImplementedError

    def counts_for_day(self, day: date, tz: tzinfo) -> dict[str, int]:
        """Events per type in the local calendar day `day` of time zone `tz` (all types, 0 if none)."""
        start, end = _day_bounds(day, tz)
        counts = dict.fromkeys(EVENT_TYPES, 0)
        for ev in self.events(start, end):
            counts[ev["type"]] = counts.get(ev["type"], 0) + 1
        return counts

    def daily_summary(self, days: int, tz: tzinfo, today: date,
                      now: datetime | None = None) -> list[dict]:
        """One dict per local day, oldest first, for the `days` days ending with `today`.

        Keys: day (date), shown, done, snoozed, skipped, natural, routine, longest_sitting_s.
        `longest_sitting_s` is the longest part of a `sitting_stretches` interval that falls
        inside that day (a stretch crossing midnight is split at midnight); pass `now` to count
        the stretch still running today.
        """
        if days < 1:
            return []
        first = today - timedelta(days=days - 1)
        win_start, _ = _day_bounds(first, tz)
        _, win_end = _day_bounds(today, tz)
        # Look back one day so a stretch running into the first day starts where it really did.
        evs = self.events(win_start - timedelta(days=1), win_end)
        until = _utc(now) if now is not None else None
        stretches = sitting_stretches(evs, until=until)
        out = []
        for i in range(days):
            day = first + timedelta(days=i)
            start, end = _day_bounds(day, tz)
            counts = dict.fromkeys(("shown", "done", "snoozed", "skipped", "natural", "routine"), 0)
            for ev in evs:
                if start <= ev["at"] < end and ev["type"] in counts:
                    counts[ev["type"]] += 1
            row: dict[str, Any] = {"day": day, **counts}
            longest = 0.0
            for a, b in stretches:
                overlap = (min(b, end) - max(a, start)).total_seconds()
                longest = max(longest, overlap)
            row["longest_sitting_s"] = round(longest)
            out.append(row)
        return out

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
    Later calls raise `HistoryError` too, with reason "locked" when the busy timeout runs out:
    the caller decides whether to drop that one event or retry.
    """

    def __init__(self, path: str | os.PathLike, timeout: float = DEFAULT_TIMEOUT_S):
        self.path = Path(path)
        self._timeout = timeout
        self.open_error: str | None = None
        self.moved_aside: Path | None = None
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise HistoryError(self.path, "io", f"cannot create folder: {e}") from e
        try:
            conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as e:
            raise self._error(e) from e
        try:
            self._setup(conn, timeout)
        except sqlite3.Error as e:
            conn.close()
            raise self._error(e) from e
        except HistoryError:
            conn.close()
            raise
        self._conn = conn

    def _setup(self, conn: sqlite3.Connection, timeout: float) -> None:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        found = [r[0] for r in conn.execute("PRAGMA quick_check(3)")]
        if found != ["ok"]:
            text = " ".join(" ".join(found).split())
            raise HistoryError(self.path, "corrupt", f"damaged database ({text[:200]})")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise HistoryError(self.path, "io", f"cannot enable WAL mode (journal_mode={mode})")
        conn.execute("PRAGMA synchronous = NORMAL")
        # The write transaction doubles as a lock check: it fails here, at open time, if
        # another connection holds the write lock longer than the busy timeout.
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise HistoryError(self.path, "newer",
                                   f"schema version {version} is newer than this movebreak "
                                   f"understands ({SCHEMA_VERSION}); leaving the file alone")
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
            return HistoryError(self.path, "locked",
                                f"locked by another process or connection, still busy after "
                                f"{self._timeout:g} s ({text})")
        if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")) or "not a database" in text \
                or "malformed" in text:
            return HistoryError(self.path, "corrupt", f"not a usable SQLite database ({text})")
        return HistoryError(self.path, "io", text)

    def _run(self, sql: str, args: tuple = (), insert: bool = False) -> list[tuple]:
        with self._lock:
            if self._conn is None:
                raise HistoryError(self.path, "closed", "history is closed")
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
        HistoryError when the database cannot be written.
        """
        _check_event(type, detail)
        ts = _utc(at).timestamp()
        text = None if detail is None else json.dumps(detail, separators=(",", ":"))
        rows = self._run("INSERT INTO events (ts, type, kind, detail) VALUES (?, ?, ?, ?)",
                         (ts, type, kind, text), insert=True)
        return rows[0][0]

    def events(self, since: datetime | None = None, until: datetime | None = None,
               types: Iterable[str] | None = None) -> list[dict]:
        """Events with since <= at < until (either may be None), oldest first.

        Each is {"id", "at" (aware UTC datetime), "type", "kind", "detail" (parsed JSON or None)}.
        """
        sql = "SELECT id, ts, type, kind, detail FROM events WHERE 1"
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
        sql += " ORDER BY ts, id"
        return [
            {
                "id": i,
                "at": datetime.fromtimestamp(ts, UTC),
                "type": typ,
                "kind": kind,
                "detail": None if detail is None else json.loads(detail),
            }
            for i, ts, typ, kind, detail in self._run(sql, tuple(args))
        ]

    def has_seen_safety(self) -> bool:
        """Whether the first-run safety notice was shown (a `safety_seen` event exists)."""
        return bool(self._run("SELECT 1 FROM events WHERE type = 'safety_seen' LIMIT 1"))

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


class NullHistory(_Queries):
    """In-memory history for when no database can be opened: same API, forgotten at exit."""

    def __init__(self, open_error: str | None = None):
        self.path: Path | None = None
        self.open_error = open_error
        self.moved_aside: Path | None = None
        self._lock = threading.Lock()
        self._events: list[dict] = []

    def record(self, type: str, kind: str | None = None, at: datetime | None = None,
               detail: Any = None) -> int:
        """Keep one event in memory; same checks and return value as `History.record`."""
        _check_event(type, detail)
        ev = {"id": 0, "at": _utc(at), "type": type, "kind": kind,
              "detail": None if detail is None else json.loads(json.dumps(detail))}
        with self._lock:
            ev["id"] = len(self._events) + 1
            self._events.append(ev)
            self._events.sort(key=lambda e: (e["at"], e["id"]))
        return ev["id"]

    def events(self, since: datetime | None = None, until: datetime | None = None,
               types: Iterable[str] | None = None) -> list[dict]:
        """Same as `History.events`."""
        lo = None if since is None else _utc(since)
        hi = None if until is None else _utc(until)
        wanted = None if types is None else set(types)
        with self._lock:
            return [
                dict(e) for e in self._events
                if (lo is None or e["at"] >= lo) and (hi is None or e["at"] < hi)
                and (wanted is None or e["type"] in wanted)
            ]

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


def open_history(path: str | os.PathLike,
                 timeout: float = DEFAULT_TIMEOUT_S) -> History | NullHistory:
    """Open the app's history without ever raising; check `.open_error` for what went wrong.

    A corrupt file is moved aside as `<name>.corrupt-<ts>` (never deleted) and a fresh database
    takes its place (`.moved_aside` says where the old one went). A locked file, a newer schema
    or an I/O problem leaves the file alone and gives a `NullHistory` for this run.
    """
    path = Path(path)
    try:
        return History(path, timeout)
    except HistoryError as e:
        first = e
    log.warning("%s", first)
    if first.reason != "corrupt":
        return NullHistory(f"{first}; keeping history in memory for this run")
    try:
        moved = _move_aside(path)
    except OSError as e:
        msg = f"{first}; could not move it aside ({e}); keeping history in memory for this run"
        log.error("%s", msg)
        return NullHistory(msg)
    msg = f"{first}; moved it to {moved} and started a new history"
    log.warning("%s", msg)
    try:
        hist = History(path, timeout)
    except HistoryError as e:
        msg = f"{msg}, which failed too ({e}); keeping history in memory for this run"
        log.error("%s", msg)
        return NullHistory(msg)
    hist.open_error = msg
    hist.moved_aside = moved
    return hist
