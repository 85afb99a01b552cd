"""APScheduler driver: the engine's owner thread, and the loop that wakes it when it asks.

Rules it enforces (public APScheduler 3.x API only; see tests/test_driver.py for the contract):
- One `BackgroundScheduler` with one executor, a thread pool of exactly one worker: the
  *owner*. Every tick and every submitted command runs there, one at a time, so the engine,
  the notifier's show/withdraw and history writes need no lock.
- Commands are date jobs that are always due, with increasing ids, so they run in the order
  they were submitted (the job store orders due jobs by time, then id). `submit()` returns a
  `Future` with the command's result; `call()` waits for it.
- Ticks are date jobs at the time the owner planned: after each owner job, `plan()` (the app's)
  says when the engine wants the next tick, and the driver replaces the pending tick job with
  one at that time. `misfire_grace_time=None` and `coalesce=True` on purpose: a tick that is
  late (after suspend, behind a slow command) still runs, once.
- APScheduler waits for a job by its wall-clock time. After the wall clock steps back it would
  wait for the size of the step, and after suspend its monotonic wait runs on (APScheduler
  issue 794). A watchdog thread wakes every `watchdog_s` on the monotonic clock, compares it
  with the wall clock and submits a tick when they moved apart (a step or a suspend).
- After `stop()` nothing runs: later submissions raise `DriverStopped`, and commands still
  queued fail with it, so no caller waits forever.

Threads: `start()`/`stop()` from the main thread; `submit()`/`call()` from any thread (`call()`
on the owner itself runs the command inline); `tick`/`plan` callbacks only on the owner.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime, timedelta, timezone
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(__name__)

#: Seconds between watchdog checks of wall against monotonic time (also the longest an idle
#: engine goes without a tick: see core/engine.py WATCHDOG_S).
WATCHDOG_S = 30
#: A wall/monotonic disagreement larger than this is a clock step or a suspend.
STEP_TOLERANCE_S = 2.0
#: Date of every command job: always due, so commands run in id (submission) order.
_ALWAYS_DUE = datetime(2000, 1, 1, tzinfo=timezone.utc)
OWNER_PREFIX = "movebreak-owner"


def utcnow() -> datetime:
    """The real clock (aware UTC). The one place the app reads wall time."""
    return datetime.now(timezone.utc)


class DriverStopped(RuntimeError):
    """The driver stopped; the command did not run."""

    def __init__(self) -> None:
        super().__init__("movebreak is shutting down")


class Driver:
    """Owns the scheduler and its single worker (the owner). See the module docstring."""

    def __init__(self, tick: Callable[[], None], plan: Callable[[], datetime],
                 watchdog_s: float = WATCHDOG_S,
                 wall: Callable[[], float] = time.time) -> None:
        """`wall` is the wall clock the watchdog compares with the monotonic one (tests
        step it)."""
        self._wall = wall
        self._tick = tick
        self._plan = plan
        self._watchdog_s = watchdog_s
        self._scheduler = BackgroundScheduler(
            timezone=timezone.utc,
            executors={"default": ThreadPoolExecutor(
                1, pool_kwargs={"thread_name_prefix": OWNER_PREFIX})},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1})
        self._ids = itertools.count(1)
        self._owner: int | None = None  # thread id of the worker, known from its first job
        self._planned: tuple[str, datetime] | None = None  # owner only: the pending tick job
        self._lock = threading.Lock()  # guards _open and _stopped
        self._open: set[Future] = set()
        self._stopped = False
        self._watch_stop = threading.Event()
        self._watchdog = threading.Thread(target=self._watch, name="movebreak-watchdog",
                                          daemon=True)

    # ------------------------------------------------------------------ lifecycle
    def start(self, first: Callable[[], Any] | None = None) -> None:
        """Main thread: start the scheduler; `first` runs on the owner, then the first tick."""
        self._scheduler.start()
        if first is not None:
            self.submit(first).add_done_callback(_log_failure)
        self.submit(self._run_tick)
        self._watchdog.start()

    def stop(self) -> None:
        """Main thread: let the running job finish, drop the rest, end the threads."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            left, self._open = self._open, set()
        self._watch_stop.set()
        if self._scheduler.running:
            self._scheduler.remove_all_jobs()
            self._scheduler.shutdown(wait=True)
        for fut in left:
            if not fut.done():
                fut.set_exception(DriverStopped())

    @property
    def running(self) -> bool:
        return self._scheduler.running and not self._stopped

    # ------------------------------------------------------------------ commands
    def is_owner(self) -> bool:
        return self._owner is not None and threading.get_ident() == self._owner

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Any thread: run `fn(*args)` on the owner after what was submitted before."""
        fut: Future = Future()
        with self._lock:
            if self._stopped:
                raise DriverStopped()
            self._open.add(fut)
            job_id = f"cmd-{next(self._ids):012d}"
            self._scheduler.add_job(self._run_command, "date", run_date=_ALWAYS_DUE,
                                    id=job_id, args=(fut, fn, args))
        return fut

    def call(self, fn: Callable[..., Any], *args: Any, timeout: float | None = 10.0) -> Any:
        """Any thread: run `fn(*args)` on the owner and return its result (or raise its
        exception). On the owner itself it runs inline: waiting would deadlock."""
        if self.is_owner():
            return fn(*args)
        return self.submit(fn, *args).result(timeout)

    # ------------------------------------------------------------------ owner side
    def _enter(self) -> None:
        """Owner: check the one-owner invariant loudly."""
        me = threading.get_ident()
        if self._owner is None:
            self._owner = me
        elif self._owner != me:
            raise AssertionError("driver: a job ran outside the owner thread")

    def _run_command(self, fut: Future, fn: Callable[..., Any], args: tuple) -> None:
        self._enter()
        with self._lock:
            self._open.discard(fut)
            stopped = self._stopped
        if not fut.set_running_or_notify_cancel():
            return
        if stopped:  # queued before stop(), not started: nothing runs after stop()
            fut.set_exception(DriverStopped())
            return
        try:
            fut.set_result(fn(*args))
        except BaseException as e:  # handed to the caller, who decides
            fut.set_exception(e)
        self._replan()

    def _run_tick(self, job_id: str | None = None) -> None:
        self._enter()
        if self._stopped:
            return
        if self._planned is not None and self._planned[0] == job_id:
            self._planned = None  # this job is gone from the store: plan anew afterwards
        try:
            self._tick()
        except Exception:  # a bad tick must never stop the reminders
            log.exception("tick failed; the next one is planned as usual")
        self._replan()

    def _replan(self) -> None:
        """Owner: put the pending tick job at the time the engine wants."""
        try:
            when = self._plan()
        except Exception:
            log.exception("planning the next tick failed; ticking after the watchdog period")
            when = utcnow() + timedelta(seconds=self._watchdog_s)
        if self._planned is not None and self._planned[1] == when:
            return
        with self._lock:
            if self._stopped:
                return
            if self._planned is not None:
                try:
                    self._scheduler.remove_job(self._planned[0])
                except JobLookupError:
                    pass  # it already fired (and is queued behind us, or ran)
            job_id = f"tick-{next(self._ids):012d}"
            self._scheduler.add_job(self._run_tick, "date", run_date=when, id=job_id,
                                    args=(job_id,))
        self._planned = (job_id, when)

    def planned(self) -> datetime | None:
        """When the next tick is planned (for tests and `doctor`)."""
        planned = self._planned
        return planned[1] if planned else None

    # ------------------------------------------------------------------ watchdog
    def _watch(self) -> None:
        """Watchdog thread: a tick now when wall and monotonic time moved apart."""
        offset = self._wall() - time.monotonic()
        while not self._watch_stop.wait(self._watchdog_s):
            now_offset = self._wall() - time.monotonic()
            if abs(now_offset - offset) > STEP_TOLERANCE_S:
                log.info("wall clock moved %+.1f s against the monotonic clock; ticking now",
                         now_offset - offset)
                try:
                    self.submit(self._run_tick)
                except DriverStopped:
                    return
            offset = now_offset


def _log_failure(fut: Future) -> None:
    if not fut.cancelled() and fut.exception() is not None \
            and not isinstance(fut.exception(), DriverStopped):
        log.error("start-up job failed", exc_info=fut.exception())
