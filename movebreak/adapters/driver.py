"""APScheduler driver: runs the engine's tick exactly when the engine asks for it.

One job, run inline in APScheduler's own thread (DebugExecutor, so there is no thread pool),
with a trigger whose next fire time is whatever the last tick planned: the earliest reminder,
pause end or working-hours edge, and at the latest the engine's watchdog period. Between those
moments the scheduler thread sleeps on an event: no polling, so a reminder fires within
milliseconds of its due time and the idle app wakes about once every 30 s.

`poke(when)` is called from other threads (IPC, tray, notification callbacks) after a command
changed the plan; callers must not hold the app lock (APScheduler takes its job-store lock).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from apscheduler.executors.debug import DebugExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger

log = logging.getLogger(__name__)

JOB_ID = "movebreak-tick"


def utcnow() -> datetime:
    """The real clock (aware UTC). The one place the app reads wall time."""
    return datetime.now(timezone.utc)


class PlannedTrigger(BaseTrigger):
    """Fires at the time the last tick planned; falls back to `fallback_s` from now."""

    def __init__(self, first: datetime, fallback_s: float) -> None:
        self.planned = first
        self.fallback = timedelta(seconds=fallback_s)

    def get_next_fire_time(self, previous_fire_time, now):
        if previous_fire_time is None or self.planned > previous_fire_time:
            return self.planned
        return now + self.fallback

    def __str__(self) -> str:
        return f"planned[{self.planned.isoformat()}]"


class _Scheduler(BackgroundScheduler):
    """APScheduler turns the next run time into a sleep using the wall clock, so after the wall
    clock steps back it would sleep for the size of the step (an hour back: no tick, no reminder
    for an hour). A tick is never planned more than the watchdog period ahead, so a plan further
    out than that means the clock went back: run it now and the engine sees the step.
    Scheduler thread."""

    def __init__(self, max_ahead_s: float, **options) -> None:
        super().__init__(**options)
        self._max_ahead = timedelta(seconds=max_ahead_s + 1)

    def _process_jobs(self):
        job = self.get_job(JOB_ID)
        if job is not None and job.next_run_time is not None and \
                job.next_run_time - datetime.now(self.timezone) > self._max_ahead:
            job.modify(next_run_time=datetime.now(self.timezone))
        return super()._process_jobs()


class Driver:
    """Owns the BackgroundScheduler. `tick` returns the next wanted wake-up (aware datetime)."""

    def __init__(self, tick: Callable[[], datetime], fallback_s: float = 30.0,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._tick = tick
        self._clock = clock
        self._trigger = PlannedTrigger(clock(), fallback_s)
        self._scheduler = _Scheduler(
            fallback_s, timezone=timezone.utc,
            executors={"default": DebugExecutor()},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        )
        self._scheduler.add_job(self._run, self._trigger, id=JOB_ID, name="movebreak tick",
                                next_run_time=clock())

    def _run(self) -> None:
        """Scheduler thread: one engine tick, then plan the next one."""
        try:
            planned = self._tick()
        except Exception:  # a bad tick must never stop the reminders
            log.exception("tick failed; retrying after the fallback period")
            planned = self._clock() + self._trigger.fallback
        floor = self._clock() + timedelta(milliseconds=10)
        self._trigger.planned = max(planned, floor)

    def start(self) -> None:
        self._scheduler.start()

    def poke(self, when: datetime | None = None) -> None:
        """Re-plan the next tick (now if `when` is None). Any thread but the scheduler's own
        job; never while holding the app lock."""
        when = when or self._clock()
        if not self._scheduler.running:
            return
        self._trigger.planned = when
        try:
            self._scheduler.modify_job(JOB_ID, next_run_time=when)
        except Exception:  # job gone during shutdown
            log.debug("poke after shutdown ignored")

    def next_run_time(self) -> datetime | None:
        job = self._scheduler.get_job(JOB_ID)
        return job.next_run_time if job else None

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
