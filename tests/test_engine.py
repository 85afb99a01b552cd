"""Scheduling core, driven by an injected clock: whole simulated days in a loop, no sleep, no
threads. `simulate` plays the APScheduler driver: it ticks exactly at `next_wakeup()`."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from movebreak.core.engine import COALESCE_S, WATCHDOG_S, Engine, EngineError
from movebreak.core.settings import default_settings
from movebreak.core.status import Status

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday
MIN = timedelta(minutes=1)


def simulate(engine, start, end, idle=None):
    """Tick like the driver would from `start` to `end`; return all events."""
    events, t = [], start
    while t < end:
        t = min(engine.next_wakeup(t), end)
        events += engine.tick(t, idle(t) if idle else None)
    return events


def shown(events, kind=None):
    return [e for e in events if e.type == "shown" and (kind is None or e.kind == kind)]


def make(now=T0, tz=UTC, **changes):
    return Engine(default_settings().with_changes(**changes), now, tz=tz)


# ---------------------------------------------------------------------- a normal day
def test_workday_of_defaults_fires_on_time_without_drift():
    eng = make()
    events = simulate(eng, T0, T0 + timedelta(hours=8))
    moves = shown(events, "move")
    assert [e.at for e in moves] == [T0 + k * 30 * MIN for k in range(1, 17)]
    for e in shown(events):  # every reminder carries the time it was due ...
        assert e.reminder.due <= e.at
    on_time = [e for e in shown(events) if e.reminder.due == e.at]
    assert len(on_time) >= len(moves)
    # ... and stretches keep their hourly cadence although they collide with `move` at :00
    stretches = [e.at for e in shown(events, "stretch")]
    assert stretches == [T0 + timedelta(hours=h, minutes=2) for h in range(1, 9)][:len(stretches)]
    assert len(stretches) == 7 or len(stretches) == 8


def test_never_two_reminders_in_one_tick_and_spaced_when_colliding():
    eng = make()
    events = simulate(eng, T0, T0 + timedelta(hours=8))
    times = [e.at for e in shown(events)]
    assert len(times) == len(set(times))
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
    assert min(gaps) >= COALESCE_S


def test_disabled_kinds_do_not_fire_and_enabled_defaults_match_spec():
    eng = make()
    events = simulate(eng, T0, T0 + timedelta(hours=6))
    kinds = {e.kind for e in shown(events)}
    assert kinds == {"move", "posture", "stretch"}
    assert eng.due("nerve_glide") is None and eng.due("core") is None


def test_stretch_reminder_rotates_and_carries_the_pain_rule():
    from movebreak.core.safety import PAIN_RULE  # the dose is in the routine window
    eng = make()
    events = simulate(eng, T0, T0 + timedelta(hours=4, minutes=5))
    bodies = [e.reminder.body for e in shown(events, "stretch")]
    assert len(bodies) == 4 and len(set(bodies)) == 4
    for body in bodies:
        assert body.endswith(PAIN_RULE) and len(body.split()) <= 20


def test_next_wakeup_is_due_time_or_watchdog():
    eng = make()
    assert eng.next_wakeup(T0) == T0 + timedelta(seconds=WATCHDOG_S)
    near = T0 + 20 * MIN - timedelta(seconds=5)
    assert eng.next_wakeup(near) == T0 + 20 * MIN  # the posture check's exact due time


# ---------------------------------------------------------------------- answers
def test_snooze_waiting_reminder_then_cadence_restarts_from_show():
    eng = make()
    ev = simulate(eng, T0, T0 + 30 * MIN)
    assert shown(ev, "move")[-1].at == T0 + 30 * MIN
    out = eng.snooze(T0 + 30 * MIN + timedelta(seconds=5), 600)
    assert out[0].type == "snoozed" and out[0].kind == "move"
    assert eng.due("move") == T0 + 40 * MIN + timedelta(seconds=5)
    ev = simulate(eng, T0 + 30 * MIN, T0 + 80 * MIN)
    assert [e.at for e in shown(ev, "move")] == [T0 + 40 * MIN + timedelta(seconds=5),
                                                T0 + 70 * MIN + timedelta(seconds=5)]


def test_snooze_without_waiting_reminder_pushes_next_back():
    eng = make()
    before = eng.due("posture")
    ev = eng.snooze(T0 + MIN, 20)
    assert ev[0].kind == "posture"
    assert eng.due("posture") == before + timedelta(seconds=20)
    assert eng.status(T0 + MIN).kind("posture").snoozed is True


def test_snooze_with_default_length_from_settings():
    eng = make(snooze_s=300)
    simulate(eng, T0, T0 + 20 * MIN)
    eng.snooze(T0 + 20 * MIN)
    assert eng.due("posture") == T0 + 25 * MIN


def test_done_and_skip_restart_from_now_and_need_a_waiting_reminder():
    eng = make()
    with pytest.raises(EngineError, match="no reminder is waiting"):
        eng.done(T0)
    simulate(eng, T0, T0 + 20 * MIN)
    rid = eng.pending.id
    with pytest.raises(EngineError):
        eng.done(T0 + 21 * MIN, reminder_id=rid + 99)
    ev = eng.done(T0 + 21 * MIN, reminder_id=rid)
    assert ev[0].type == "done" and ev[0].kind == "posture"
    assert eng.due("posture") == T0 + 41 * MIN and eng.pending is None
    simulate(eng, T0 + 20 * MIN, T0 + 30 * MIN)  # the driver keeps ticking from its last tick
    assert eng.pending.kind == "move"
    ev = eng.skip(T0 + 31 * MIN)
    assert ev[0].type == "skipped" and eng.due("move") == T0 + 61 * MIN


def test_break_now_any_kind_and_unknown_kind_rejected():
    eng = make()
    ev = eng.break_now(T0 + MIN, "nerve_glide")
    assert ev[0].type == "shown" and ev[0].detail["manual"] is True
    assert "ankle 10 times" in ev[0].reminder.body
    assert eng.pending.kind == "nerve_glide"
    ev = eng.break_now(T0 + 2 * MIN)
    assert [e.type for e in ev] == ["superseded", "shown"]
    assert ev[1].kind == "posture"  # the next due kind
    assert eng.due("posture") == T0 + 22 * MIN
    with pytest.raises(EngineError, match="unknown reminder kind"):
        eng.break_now(T0, "yoga")


# ---------------------------------------------------------------------- pause / hours
def test_pause_for_duration_holds_then_restarts():
    eng = make()
    eng.pause(T0 + 10 * MIN, seconds=3600)
    assert eng.next_wakeup(T0 + 10 * MIN) <= T0 + 10 * MIN + timedelta(seconds=WATCHDOG_S)
    ev = simulate(eng, T0 + 10 * MIN, T0 + 70 * MIN)
    assert not shown(ev)
    assert [e.type for e in ev if e.type == "resumed"] == ["resumed"]
    assert eng.due("move") == T0 + 100 * MIN
    assert not eng.paused


def test_pause_until_resumed_and_resume():
    eng = make()
    eng.pause(T0)
    ev = simulate(eng, T0, T0 + timedelta(hours=5))
    assert not shown(ev) and eng.paused and eng.paused_until is None
    assert eng.resume(T0 + timedelta(hours=5))[0].type == "resumed"
    assert eng.due("posture") == T0 + timedelta(hours=5, minutes=20)
    assert eng.resume(T0) == []


def test_pause_until_tomorrow_is_local_midnight_or_next_workday_start():
    eng = make(tz=BERLIN)
    now = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)  # Friday 17:00 in Berlin
    assert eng.tomorrow(now) == datetime(2026, 12, 5, 0, 0, tzinfo=BERLIN)
    eng = make(tz=BERLIN, working_hours=(time(9), time(17, 30)))
    assert eng.tomorrow(now) == datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN)  # Monday
    eng.pause_until_tomorrow(now)
    assert eng.paused_until == datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN)


def test_working_hours_over_a_week():
    start = datetime(2026, 11, 30, 0, 0, tzinfo=BERLIN)  # Monday
    eng = make(now=start, tz=BERLIN, working_hours=(time(9), time(17)))
    ev = simulate(eng, start, start + timedelta(days=7))
    for e in shown(ev):
        local = e.at.astimezone(BERLIN)
        assert local.weekday() < 5 and time(9) <= local.time() < time(17)
    first = sorted({e.at.astimezone(BERLIN).date(): e for e in reversed(shown(ev, "move"))}
                   .values(), key=lambda e: e.at)
    assert [e.at.astimezone(BERLIN).strftime("%a %H:%M") for e in first] == [
        "Mon 09:30", "Tue 09:30", "Wed 09:30", "Thu 09:30", "Fri 09:30"]
    assert len(shown(ev, "move")) == 5 * 15  # 09:30 .. 16:30; 17:00 is outside the hours


@pytest.mark.parametrize("day", [datetime(2026, 3, 27), datetime(2026, 10, 23)])
def test_working_hours_follow_local_time_across_dst(day):
    start = day.replace(tzinfo=BERLIN)  # Friday before the change; change on Sunday
    eng = make(now=start, tz=BERLIN, working_hours=(time(9), time(17)))
    ev = simulate(eng, start, start + timedelta(days=4))
    firsts = {}
    for e in shown(ev, "move"):
        firsts.setdefault(e.at.astimezone(BERLIN).date(), e.at)
    assert [t.astimezone(BERLIN).strftime("%a %H:%M") for t in firsts.values()] == [
        "Fri 09:30", "Mon 09:30"]
    offsets = {t.astimezone(BERLIN).utcoffset() for t in firsts.values()}
    assert len(offsets) == 2  # the UTC instant moved with the clock change


def test_intervals_count_real_time_through_dst_night():
    start = datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN)  # 02:00 -> 03:00 that night
    eng = make(now=start, tz=BERLIN)
    ev = simulate(eng, start, start + timedelta(hours=5))
    moves = [e.at for e in shown(ev, "move")]
    assert all((b - a) == 30 * MIN for a, b in zip(moves, moves[1:]))
    assert len(moves) == 10


# ---------------------------------------------------------------------- away / sleep
def test_three_hour_suspend_is_a_natural_break_without_burst():
    eng = make()
    simulate(eng, T0, T0 + 50 * MIN)
    posture_before = eng.due("posture")
    wake = T0 + 50 * MIN + timedelta(hours=3)
    ev = eng.tick(wake)
    types = [e.type for e in ev]
    assert "suspend" in types and "natural" in types
    assert len(shown(ev)) <= 1
    assert eng.due("move") == wake + 30 * MIN
    assert eng.due("posture") == posture_before + timedelta(hours=3)
    after = simulate(eng, wake, wake + 15 * MIN)
    # only what was due within 15 min before the sleep comes, one at a time, spaced out
    assert [e.kind for e in shown(after)] == ["stretch", "posture"]
    assert (shown(after)[1].at - shown(after)[0].at).total_seconds() >= COALESCE_S


def test_short_gap_shifts_timers_without_natural_break():
    eng = make()
    simulate(eng, T0, T0 + 10 * MIN)
    move_before = eng.due("move")
    ev = eng.tick(T0 + 12 * MIN)  # 2 min with no tick: the process did not run
    assert [e.type for e in ev] == ["suspend"]
    assert eng.due("move") - move_before >= timedelta(seconds=90)


def test_backward_clock_jump_keeps_remaining_time():
    eng = make()
    simulate(eng, T0, T0 + 10 * MIN)
    remaining = eng.due("move") - (T0 + 10 * MIN)
    back = T0 + 10 * MIN - timedelta(hours=1)
    ev = eng.tick(back)
    assert ev[0].type == "clock_jump" and not shown(ev)
    assert eng.due("move") - back == remaining
    assert len(shown(simulate(eng, back, back + 5 * MIN))) == 0


def test_idle_away_holds_reminders_then_natural_break_restarts_move():
    away_from, back_at = T0 + 15 * MIN, T0 + 40 * MIN

    def idle(t):
        if away_from <= t < back_at:
            return (t - away_from).total_seconds()
        return 0.0 if t >= back_at else 1.0

    eng = make()
    ev = simulate(eng, T0, T0 + 45 * MIN, idle=idle)
    during = [e for e in shown(ev) if away_from + 3 * MIN < e.at < back_at]
    assert during == []
    natural = [e for e in ev if e.type == "natural"]
    assert len(natural) == 1 and natural[0].kind == "move"
    assert natural[0].detail["away_s"] >= 24 * 60
    assert eng.due("move") == natural[0].at + 30 * MIN
    assert eng.status(T0 + 45 * MIN).away is False


def test_short_idle_is_not_a_natural_break():
    eng = make()
    ev = simulate(eng, T0, T0 + 35 * MIN, idle=lambda t: 100.0)
    assert not [e for e in ev if e.type in ("natural", "away")]
    assert shown(ev, "move")


# ---------------------------------------------------------------------- live settings
def test_shortened_interval_takes_effect_from_its_anchor():
    eng = make()
    simulate(eng, T0, T0 + 5 * MIN)
    s = eng.settings.with_kind("move", interval_s=120)
    eng.apply_settings(s, T0 + 5 * MIN)
    assert eng.due("move") == T0 + 5 * MIN  # anchor + 2 min is past: due now
    s = eng.settings.with_kind("posture", interval_s=600)
    eng.apply_settings(s, T0 + 5 * MIN)
    assert eng.due("posture") == T0 + 10 * MIN


def test_enabling_and_disabling_kinds_live():
    eng = make()
    s = eng.settings.with_kind("core", enabled=True).with_kind("posture", enabled=False)
    eng.apply_settings(s, T0 + MIN)
    assert eng.due("core") == T0 + MIN + timedelta(hours=3)
    assert eng.due("posture") is None
    assert not shown(simulate(eng, T0 + MIN, T0 + 25 * MIN), "posture")


def test_status_reports_next_and_pending():
    eng = make()
    st = eng.status(T0)
    assert st.next_kind == "posture" and st.next_due == T0 + 20 * MIN
    assert st.kind("move").due == T0 + 30 * MIN
    assert st.kind("core").enabled is False and st.pending is None
    js = st.to_json(T0 + MIN)
    assert js["next"]["in_s"] == 1140 and js["kinds"]["move"]["in_s"] == 1740
    assert Status.from_json(js).kind("move") == st.kind("move")
    simulate(eng, T0, T0 + 20 * MIN)
    assert eng.status(T0 + 20 * MIN).pending.kind == "posture"


# ---------------------------------------------------------------------- superseded
def test_newer_reminder_supersedes_unanswered_one_which_still_takes_an_answer():
    eng = make()
    first = shown(simulate(eng, T0, T0 + 20 * MIN))[0].reminder  # posture
    ev = eng.break_now(T0 + 21 * MIN, "stretch")
    assert [e.type for e in ev] == ["superseded", "shown"]
    assert ev[0].reminder == first and ev[0].detail["by"] == ev[1].reminder.id
    assert eng.pending.kind == "stretch"
    # Done on the replaced posture reminder counts for posture; the stretch still waits.
    done = eng.done(T0 + 22 * MIN, reminder_id=first.id)
    assert done[0].type == "done" and done[0].kind == "posture"
    assert done[0].detail["superseded"] is True
    assert eng.due("posture") == T0 + 42 * MIN and eng.pending.kind == "stretch"
    with pytest.raises(EngineError, match="already answered"):
        eng.skip(T0 + 23 * MIN, reminder_id=first.id)


def test_snooze_on_a_superseded_reminder_brings_its_kind_back():
    eng = make()
    first = shown(simulate(eng, T0, T0 + 20 * MIN))[0].reminder
    eng.break_now(T0 + 21 * MIN, "move")
    ev = eng.snooze(T0 + 22 * MIN, reminder_id=first.id)
    assert ev[0].kind == "posture" and eng.due("posture") == T0 + 32 * MIN
    assert eng.pending.kind == "move"


def test_natural_break_answers_a_waiting_move_reminder():
    eng = make()
    r = shown(simulate(eng, T0, T0 + 30 * MIN), "move")[0].reminder
    eng.tick(T0 + 31 * MIN, idle_seconds=5 * 60)  # away since 26 min
    ev = eng.tick(T0 + 40 * MIN, idle_seconds=1)
    natural = [e for e in ev if e.type == "natural"]
    assert natural and natural[0].reminder == r and eng.pending is None
    with pytest.raises(EngineError, match="already answered"):
        eng.done(T0 + 41 * MIN, reminder_id=r.id)


def test_naive_datetimes_are_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        Engine(default_settings(), datetime(2026, 1, 1))


# ---------------------------------------------------------------------- property
steps = st.lists(
    st.one_of(
        st.tuples(st.just("tick"), st.floats(0, 40)),
        st.tuples(st.just("sleep"), st.floats(60, 6 * 3600)),
        st.tuples(st.just("jump_back"), st.floats(5, 3600)),
    ),
    min_size=1, max_size=60,
)


@hsettings(max_examples=150, deadline=None)
@given(steps)
def test_no_burst_whatever_the_clock_does(ops):
    """Sleeps and jumps never make more than one reminder appear in a tick, and after any
    disturbance the app keeps reminding (nothing is lost for good)."""
    eng = make()
    t = T0
    for op, secs in ops:
        t = t + timedelta(seconds=secs) if op != "jump_back" else t - timedelta(seconds=secs)
        assert len(shown(eng.tick(t))) <= 1
    later = simulate(eng, t, t + 31 * MIN)
    assert shown(later, "move")
