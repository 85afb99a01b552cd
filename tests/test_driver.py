"""The APScheduler driver with real threads: one owner runs commands in order and ticks at
the planned time; a wall-clock step is noticed by the watchdog; stop leaves nobody waiting.
Also the contract with APScheduler 3.x that the driver relies on (public API only)."""

from __future__ import annotations

import configparser
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import apscheduler
import pytest

from movebreak.adapters.driver import OWNER_PREFIX, Driver, DriverStopped

ROOT = Path(__file__).resolve().parents[1]
FAR = timedelta(hours=1)


def now() -> datetime:
    return datetime.now(timezone.utc)


class Probe:
    """tick/plan callbacks that record when and where they ran."""

    def __init__(self) -> None:
        self.ticks: list[tuple[float, int]] = []
        self.plan_at = now() + FAR
        self.ticked = threading.Event()

    def tick(self) -> None:
        self.ticks.append((time.time(), threading.get_ident()))
        self.ticked.set()

    def plan(self) -> datetime:
        return self.plan_at


@pytest.fixture
def driver():
    made: list[Driver] = []

    def make(probe: Probe, **kw) -> Driver:
        d = Driver(probe.tick, probe.plan, **kw)
        made.append(d)
        d.start()
        assert probe.ticked.wait(2), "the first tick runs at start"
        probe.ticked.clear()
        return d
    yield make
    for d in made:
        d.stop()


def test_commands_run_on_one_owner_thread_in_submission_order(driver):
    probe = Probe()
    d = driver(probe)
    seen: list[tuple[int, int, int]] = []

    def record(who: int, n: int) -> int:
        seen.append((who, n, threading.get_ident()))
        return n * 2

    futures: dict[int, list] = {}

    def client(who: int) -> None:
        futures[who] = [d.submit(record, who, n) for n in range(50)]

    threads = [threading.Thread(target=client, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for who in range(4):
        assert [f.result(5) for f in futures[who]] == [n * 2 for n in range(50)]
    owners = {ident for _, _, ident in seen} | {ident for _, ident in probe.ticks}
    assert len(owners) == 1 and threading.get_ident() not in owners
    for who in range(4):
        assert [n for w, n, _ in seen if w == who] == list(range(50))
    names = [t.name for t in threading.enumerate() if t.ident in owners]
    assert names and names[0].startswith(OWNER_PREFIX)


def test_call_returns_the_result_raises_the_error_and_is_inline_on_the_owner(driver):
    d = driver(Probe())
    assert d.call(lambda: 41 + 1) == 42
    with pytest.raises(ZeroDivisionError):
        d.call(lambda: 1 / 0)
    assert d.call(lambda: d.call(lambda: "nested")) == "nested"  # no deadlock
    assert d.call(d.is_owner) is True and d.is_owner() is False


def test_tick_runs_at_the_planned_time_and_a_new_plan_replaces_the_old(driver):
    probe = Probe()
    d = driver(probe)
    due = now() + timedelta(seconds=0.3)
    probe.plan_at = due
    d.call(lambda: None)  # any job re-plans
    assert probe.ticked.wait(2)
    late = probe.ticks[-1][0] - due.timestamp()
    assert -0.005 <= late < 0.1, f"tick {late:+.3f} s from plan"
    # A plan far ahead, then a command that brings it forward: one tick, at the new time.
    probe.ticked.clear()
    probe.plan_at = now() + timedelta(seconds=5)
    d.call(lambda: None)
    n = len(probe.ticks)
    probe.plan_at = now() + timedelta(seconds=0.2)
    d.call(lambda: None)
    assert probe.ticked.wait(2)
    probe.plan_at = now() + FAR
    time.sleep(0.3)
    assert len(probe.ticks) == n + 1
    assert d.planned() is not None


def test_a_failing_tick_or_plan_does_not_stop_the_loop(driver):
    probe = Probe()
    calls = {"n": 0}

    def bad_tick() -> None:
        calls["n"] += 1
        probe.tick()
        raise RuntimeError("boom")

    d = Driver(bad_tick, probe.plan)
    try:
        d.start()
        assert probe.ticked.wait(2)
        probe.plan_at = now() + timedelta(seconds=0.1)
        d.call(lambda: None)
        time.sleep(0.4)
        assert calls["n"] >= 2 and d.call(lambda: "alive") == "alive"
    finally:
        d.stop()


def test_watchdog_ticks_when_the_wall_clock_steps_back(driver):
    probe = Probe()
    step = {"s": 0.0}
    d = driver(probe, watchdog_s=0.05, wall=lambda: time.time() + step["s"])
    time.sleep(0.12)
    assert not probe.ticked.is_set()  # no step, no extra tick
    step["s"] = -3600.0
    assert probe.ticked.wait(1), "the watchdog submits a tick after a step"
    assert d.running


def test_stop_fails_queued_commands_and_refuses_new_ones(driver):
    probe = Probe()
    d = driver(probe)
    gate, started = threading.Event(), threading.Event()

    def running_job() -> bool:
        started.set()
        return gate.wait(5)

    first = d.submit(running_job)
    queued = d.submit(lambda: "never")
    assert started.wait(2)  # stop() comes while a job runs and another waits
    threading.Timer(0.2, gate.set).start()
    d.stop()
    assert first.result(1) is True
    with pytest.raises(DriverStopped):
        queued.result(1)
    with pytest.raises(DriverStopped):
        d.submit(lambda: None)
    assert not d.running


# ---------------------------------------------------------------------- contract
def test_apscheduler_contract_major_version_is_pinned():
    """The driver uses APScheduler 3.x's public API (BackgroundScheduler, date jobs, the
    thread-pool executor, JobLookupError). 4.x changes all of it: the pin must say <4."""
    assert apscheduler.__version__.split(".")[0] == "3"
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    reqs = cfg["options"]["install_requires"]
    assert "apscheduler>=3.11,<4" in reqs


def test_apscheduler_contract_due_jobs_run_by_time_then_id():
    """What ordered commands rest on: date jobs due at the same time run in id order, and a
    past run date with misfire_grace_time=None still runs."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler

    ran: list[str] = []
    done = threading.Event()
    s = BackgroundScheduler(timezone=timezone.utc,
                            executors={"default": ThreadPoolExecutor(1)},
                            job_defaults={"misfire_grace_time": None, "coalesce": True})
    past = datetime(2000, 1, 1, tzinfo=timezone.utc)
    for i in (3, 1, 2):
        s.add_job(ran.append, "date", run_date=past, id=f"cmd-{i:03d}", args=(f"{i}",))
    s.add_job(done.set, "date", run_date=past, id="cmd-999")
    s.start()
    try:
        assert done.wait(2)
        assert ran == ["1", "2", "3"]
        assert s.get_jobs() == []  # fired date jobs are removed
    finally:
        s.shutdown(wait=True)
