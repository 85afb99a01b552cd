"""Scheduling core, driven by an injected clock: whole simulated days in a loop, no sleep, no
threads. `simulate` plays the APScheduler driver: it ticks exactly at `next_wakeup()`."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from movebreak.core.engine import COALESCE_S, WATCHDOG_S, Engine, EngineError, StateError
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


# ---------------------------------------------------------------------- holds
def held_simulate(eng, start, end, holds=(), idle=None):
    """`simulate`, with hold reasons switched at given times: holds = [(t, reason, on)]."""
    events, t = [], start
    todo = sorted(holds)
    while t < end:
        nxt = min(eng.next_wakeup(t), end)
        while todo and todo[0][0] <= nxt:
            at, reason, on = todo.pop(0)
            events += eng.set_hold(reason, on, at)
            events += eng.tick(at, idle(at) if idle else None)
            t = at
            nxt = min(eng.next_wakeup(t), end)
        t = nxt
        events += eng.tick(t, idle(t) if idle else None)
    return events


@pytest.mark.parametrize("reason", ["dnd", "fullscreen"])
def test_reminder_held_during_dnd_or_full_screen_shows_once_after(reason):
    eng = make()
    on, off = T0 + 10 * MIN, T0 + 90 * MIN
    ev = held_simulate(eng, T0, off + 5 * MIN, [(on, reason, True), (off, reason, False)])
    during = [e for e in shown(ev) if on <= e.at < off]
    assert during == []  # held ...
    at_end = [e for e in shown(ev) if off <= e.at]
    assert len(at_end) == 1 and at_end[0].at == off  # ... not lost: exactly one, at once
    first = at_end[0]
    assert first.kind == "move"  # the most important of the due ones
    assert first.detail["held_by"] == reason and first.detail["held_s"] >= 60 * 60
    assert set(first.detail["also_due"]) == {"posture", "stretch"}
    # the others follow their intervals from the end of the hold: no burst afterwards
    assert eng.due("posture") == off + 20 * MIN and eng.due("stretch") == off + 60 * MIN
    assert eng.due("move") == off + 30 * MIN
    hold_events = [e.detail for e in ev if e.type == "hold"]
    assert hold_events == [{"reason": reason, "on": True}, {"reason": reason, "on": False}]


def test_time_counts_under_dnd_and_a_short_one_only_delays():
    eng = make()
    ev = held_simulate(eng, T0, T0 + 25 * MIN, [(T0 + 19 * MIN, "dnd", True),
                                                (T0 + 21 * MIN, "dnd", False)])
    assert [(e.kind, e.at) for e in shown(ev)] == [("posture", T0 + 21 * MIN)]
    assert eng.due("move") == T0 + 30 * MIN  # the move timer ran on under do not disturb


def test_held_status_names_the_reason_and_the_engine_does_not_spin():
    eng = make()
    eng.set_hold("dnd", True, T0 + MIN)
    eng.set_hold("fullscreen", True, T0 + MIN)
    st = eng.status(T0 + 31 * MIN)
    assert st.holds == ("dnd", "fullscreen") and st.held == "dnd" and st.counting
    # a due reminder under a hold is not a reason to wake: the watchdog period is
    t = T0 + 31 * MIN
    assert eng.next_wakeup(t) == t + timedelta(seconds=WATCHDOG_S)
    ticks = 0
    while t < T0 + 3 * 60 * MIN:
        nxt = eng.next_wakeup(t)
        assert nxt > t  # a held due time must not make the driver tick in a loop
        t = nxt
        assert not shown(eng.tick(t))
        ticks += 1
    assert ticks <= 2 * 60 * 3  # at most one tick per watchdog period
    eng.pause(t)
    st = eng.status(t)
    assert st.holds == ("paused", "dnd", "fullscreen") and not st.counting
    assert eng.set_hold("dnd", True, t) == []  # no news
    with pytest.raises(ValueError, match="unknown hold reason"):
        eng.set_hold("meeting", True, t)


def test_outside_working_hours_status_says_until_when():
    eng = make(working_hours=(time(9), time(17)))
    friday_evening = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    st = eng.status(friday_evening)
    assert st.holds == ("hours",) and st.held_until == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert st.sitting_since is not None and not st.counting


def test_locked_screen_is_away_from_the_moment_it_locks():
    eng = make()
    lock, unlock = T0 + 10 * MIN, T0 + 25 * MIN
    ev = held_simulate(eng, T0, T0 + 26 * MIN, [(lock, "locked", True),
                                                (unlock, "locked", False)],
                       idle=lambda t: 5.0)  # input on the lock screen does not end it
    away = [e for e in ev if e.type == "away"]
    assert len(away) == 1 and away[0].at == lock and away[0].detail["reason"] == "locked"
    natural = [e for e in ev if e.type == "natural"]
    assert len(natural) == 1 and natural[0].at == unlock
    assert natural[0].detail["away_s"] == 15 * 60
    assert not shown(ev)  # posture was due at :20, but its clock stopped at the lock
    assert eng.due("posture") == unlock + 10 * MIN  # ten minutes were left when it locked
    assert eng.due("move") == unlock + 30 * MIN  # a natural break restarted the move timer
    assert eng.status(unlock).sitting_since == unlock


def test_a_short_lock_is_not_a_natural_break():
    eng = make()
    ev = held_simulate(eng, T0, T0 + 12 * MIN, [(T0 + 10 * MIN, "locked", True),
                                                (T0 + 11 * MIN, "locked", False)])
    assert not [e for e in ev if e.type == "natural"]
    assert eng.due("move") == T0 + 31 * MIN and not eng.away


def test_sleep_and_wake_signals_are_recorded_when_they_happen():
    eng = make()
    simulate(eng, T0, T0 + 10 * MIN)
    sleep_at, wake_at = T0 + 10 * MIN + timedelta(seconds=5), T0 + 3 * 60 * MIN
    ev = eng.sleep(sleep_at)
    assert [(e.type, e.at) for e in ev] == [("suspend", sleep_at)]
    assert eng.asleep and eng.away
    ev = eng.wake(wake_at)
    assert [e.type for e in ev] == ["wake", "natural"]
    assert ev[0].detail["asleep_s"] == (wake_at - sleep_at).total_seconds()
    assert ev[1].detail["away_s"] == (wake_at - sleep_at).total_seconds()
    assert not [e for e in eng.tick(wake_at + timedelta(seconds=1)) if e.type == "suspend"]
    assert eng.wake(wake_at) == []  # a second wake is no news


def test_a_tick_after_sleep_before_the_wake_signal_counts_as_the_wake():
    eng = make()
    simulate(eng, T0, T0 + 10 * MIN)
    eng.sleep(T0 + 10 * MIN)
    ev = eng.tick(T0 + 2 * 60 * MIN)  # the watchdog noticed first
    assert [e.type for e in ev] == ["wake", "natural"] and ev[0].detail["inferred"]
    assert eng.wake(T0 + 2 * 60 * MIN) == []


def test_a_sleep_signal_handled_only_after_waking_counts_from_the_last_tick():
    eng = make()
    simulate(eng, T0, T0 + 10 * MIN)
    late = T0 + 4 * 60 * MIN  # the process froze before it read the signal
    ev = eng.sleep(late)
    assert ev[0].at == T0 + 10 * MIN
    ev = eng.wake(late + timedelta(seconds=1))
    assert ev[1].type == "natural" and ev[1].detail["away_s"] >= 4 * 3600 - 10 * 60


def test_locked_through_sleep_stays_away_until_unlocked():
    eng = make()
    eng.set_hold("locked", True, T0 + 5 * MIN)
    eng.sleep(T0 + 6 * MIN)
    ev = eng.wake(T0 + 60 * MIN)
    assert [e.type for e in ev] == ["wake"] and eng.away
    ev = eng.tick(T0 + 61 * MIN, idle_seconds=1)
    assert eng.away and not shown(ev)
    ev = eng.set_hold("locked", False, T0 + 62 * MIN)
    natural = [e for e in ev if e.type == "natural"]
    assert natural and natural[0].detail["away_s"] == 57 * 60


hold_steps = st.lists(
    st.one_of(
        st.tuples(st.just("tick"), st.floats(0, 40)),
        st.tuples(st.just("sleep"), st.floats(60, 3 * 3600)),
        st.tuples(st.sampled_from(["dnd", "fullscreen", "locked"]), st.booleans()),
    ),
    min_size=1, max_size=60,
)


@hsettings(max_examples=150, deadline=None)
@given(hold_steps)
def test_holds_never_burst_and_never_lose_reminders_for_good(ops):
    """Whatever the holds and the clock do: at most one reminder per call, and once every
    hold is off the reminders carry on."""
    eng = make()
    t = T0
    for op, arg in ops:
        if op == "tick":
            t += timedelta(seconds=arg)
            assert len(shown(eng.tick(t))) <= 1
        elif op == "sleep":
            assert not shown(eng.sleep(t))
            t += timedelta(seconds=arg)
            assert len(shown(eng.wake(t) + eng.tick(t))) <= 1
        else:
            assert not shown(eng.set_hold(op, arg, t))
            assert len(shown(eng.tick(t))) <= 1
    for reason in ("dnd", "fullscreen", "locked"):
        eng.set_hold(reason, False, t)
    later = simulate(eng, t, t + 31 * MIN)
    assert shown(later, "move")


# ---------------------------------------------------------------------- restart
def saved_after(minutes, **changes):
    eng = make(**changes)
    simulate(eng, T0, T0 + minutes * MIN)
    return eng, eng.export_state(T0 + minutes * MIN)


def test_a_restart_soon_after_continues_the_countdowns():
    old, state = saved_after(25)
    old.snooze(T0 + 25 * MIN, 300, kind="stretch")
    state = old.export_state(T0 + 25 * MIN)
    state = json.loads(json.dumps(state))  # what the file holds
    later = T0 + 26 * MIN
    eng, events = Engine.from_state(default_settings(), state, later, tz=UTC)
    assert events == []
    for kind in ("move", "posture", "stretch"):
        assert eng.due(kind) == old.due(kind)
        assert eng.rotation(kind) == old.rotation(kind)
    assert eng.status(later).kind("stretch").snoozed
    assert eng.status(later).sitting_since == T0
    ev = simulate(eng, later, T0 + 31 * MIN)
    assert [e.at for e in shown(ev, "move")] == [T0 + 30 * MIN]  # on the old plan


def test_a_restart_after_longer_than_a_natural_break_counts_the_gap_as_away():
    old, state = saved_after(25)
    later = T0 + 25 * MIN + timedelta(hours=2)
    eng, events = Engine.from_state(default_settings(), state, later, tz=UTC)
    assert [e.type for e in events] == ["natural"]
    assert events[0].detail == {"away_s": 2 * 3600.0, "restart": True}
    assert eng.due("move") == later + 30 * MIN
    assert eng.due("posture") == old.due("posture") + timedelta(hours=2)
    assert eng.status(later).sitting_since == later


def test_a_restart_keeps_a_pause_and_ends_one_that_ran_out():
    eng = make()
    eng.pause(T0, seconds=600)
    state = eng.export_state(T0 + MIN)
    new, _ = Engine.from_state(default_settings(), state, T0 + 2 * MIN, tz=UTC)
    assert new.paused and new.paused_until == T0 + 10 * MIN
    new, _ = Engine.from_state(default_settings(), state, T0 + 20 * MIN, tz=UTC)
    ev = new.tick(T0 + 20 * MIN)
    assert [e.type for e in ev][:1] == ["resumed"] and not new.paused


def test_a_restart_applies_changed_settings_and_a_new_working_day():
    _, state = saved_after(25)
    shorter = default_settings().with_kind("move", interval_s=600).with_kind("posture",
                                                                              enabled=False)
    eng, _ = Engine.from_state(shorter, state, T0 + 26 * MIN, tz=UTC)
    assert eng.due("move") == T0 + 10 * MIN and eng.due("posture") is None
    hours = default_settings().with_changes(working_hours=(time(9), time(17)))
    eng = Engine(hours, T0, tz=UTC)
    simulate(eng, T0, T0 + 7 * 60 * MIN)  # Tuesday until 16:00
    state = eng.export_state(T0 + 7 * 60 * MIN)
    wed = datetime(2026, 12, 2, 9, 5, tzinfo=UTC)
    eng, _ = Engine.from_state(hours, state, wed, tz=UTC)
    assert eng.due("move") == wed + 30 * MIN  # working hours started meanwhile: fresh


@pytest.mark.parametrize("change,reason", [
    (lambda s: s.update(saved_at=(T0 + 60 * MIN).isoformat()), "in the future"),
    (lambda s: s.update(version=99), "version"),
    (lambda s: s["kinds"]["move"].update(due="soon"), "kinds.move.due"),
    (lambda s: s["kinds"]["move"].update(anchor="2026-12-01T09:00:00"), "no time zone"),
    (lambda s: s["kinds"].update(yoga={}), "kinds.yoga"),
    (lambda s: s["kinds"]["posture"].update(rotation=-1), "rotation"),
    (lambda s: s.update(paused="yes"), "paused"),
    (lambda s: s.clear(), "version"),
])
def test_a_corrupt_or_future_dated_state_is_refused_whole(change, reason):
    _, state = saved_after(5)
    change(state)
    with pytest.raises(StateError, match=reason):
        Engine.from_state(default_settings(), state, T0 + 6 * MIN, tz=UTC)
    with pytest.raises(StateError, match="not a table"):
        Engine.from_state(default_settings(), [1, 2], T0, tz=UTC)


# ---------------------------------------------------------------------- status says why
def test_first_line_names_why_reminders_are_held_and_hides_dead_countdowns():
    from movebreak.core.texts import next_due_text, status_lines
    eng = make(working_hours=(time(9), time(17)))
    now = T0 + 5 * MIN
    assert next_due_text(eng.status(now), now, UTC).startswith("Next: Posture check in 15 min")
    eng.set_hold("dnd", True, now)
    later = T0 + 21 * MIN
    st = eng.status(later)
    assert next_due_text(st, later, UTC) == "Held: do not disturb (Posture check waits)"
    lines = status_lines(st, later)
    assert "Posture check: due, held" in lines and "Time to move: in 9 min" in lines
    eng.set_hold("dnd", False, later)
    eng.set_hold("fullscreen", True, later)
    assert next_due_text(eng.status(later), later, UTC).startswith("Held: full-screen window")
    eng.set_hold("locked", True, later)
    st = eng.status(later)
    assert next_due_text(st, later, UTC) == "Held: screen locked"
    assert "Time to move: held" in status_lines(st, later)
    assert not any(" in " in line for line in status_lines(st, later)[1:-1])
    eng.set_hold("locked", False, later)
    eng.pause(later, seconds=3600)
    st = eng.status(later)
    assert next_due_text(st, later, UTC) == "Paused until 10:21"
    assert st.held_until == later + 60 * MIN
    evening = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    eng.resume(evening)
    eng.set_hold("fullscreen", False, evening)
    assert next_due_text(eng.status(evening), evening, UTC) == \
        "Held: outside working hours (until Wed 09:00)"
    eng.tick(evening, idle_seconds=600)
    assert next_due_text(eng.status(evening), evening, UTC) == "Held: away from the computer"


def test_status_json_round_trips_the_hold_fields():
    eng = make()
    eng.set_hold("dnd", True, T0)
    eng.pause(T0, seconds=600)
    st = eng.status(T0).with_app(hold_sources={"dnd": "dunst (now on)"}, pid=7)
    js = json.loads(json.dumps(st.to_json(T0)))
    assert js["held"] == "paused" and js["holds"] == ["paused", "dnd"]
    assert js["held_until"] == (T0 + 10 * MIN).isoformat()
    back = Status.from_json(js)
    assert back.holds == st.holds and back.held_until == st.held_until
    assert back.sitting_since == st.sitting_since and back.hold_sources == st.hold_sources
    assert back.to_json(T0) == st.to_json(T0)


def test_errors_the_user_reads_are_translated_and_keep_their_english(monkeypatch):

    from fake_language import Wrapped

    from movebreak.core import l10n

    monkeypatch.setattr(l10n, "_translation", Wrapped())
    eng = make()
    simulate(eng, T0, T0 + 20 * MIN)
    rid = eng.pending.id
    eng.done(T0 + 21 * MIN, reminder_id=rid)
    with pytest.raises(EngineError) as info:
        eng.done(T0 + 22 * MIN, reminder_id=rid)
    assert str(info.value) == f"«reminder {rid} was already answered (done)»"
    assert info.value.english == f"reminder {rid} was already answered (done)"
    state = eng.export_state(T0 + 60 * MIN)
    with pytest.raises(StateError) as info:
        Engine.from_state(default_settings(), state, T0 + 30 * MIN, tz=UTC)
    assert str(info.value).startswith("«it was saved «30 min 0 s» in the future")
    assert info.value.english.startswith("it was saved ")
