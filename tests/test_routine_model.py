"""RoutineModel with an injected clock: steps from catalog numbers, countdown, pause, skip, summary."""

from __future__ import annotations

import pytest

from movebreak.core.catalog import EXERCISES, STRETCHES
from movebreak.ui.routine_model import TRANSITION_S, RoutineModel, build_steps

GLUTES = EXERCISES["glutes"]
TILTS = EXERCISES["pelvic_tilts"]
GLIDE = EXERCISES["sciatic_glide"]


def walk(model: RoutineModel, t: float, until: float, dt: float = 0.25) -> float:
    """Tick in small steps (like the window's timer) from t to until; returns the new time."""
    while t < until - 1e-9:
        t = min(until, t + dt)
        model.tick(t)
    return t


def test_two_sided_stretch_goes_left_switch_right_and_repeats():
    steps = build_steps([GLUTES], reps="max")
    assert [(s.phase, s.side, s.rep) for s in steps] == [
        ("prepare", None, 1),
        ("hold", "left", 1), ("switch", "right", 1), ("hold", "right", 1),
        ("switch", "left", 2), ("hold", "left", 2), ("switch", "right", 2), ("hold", "right", 2),
    ]
    holds = [s for s in steps if s.phase == "hold"]
    assert {s.seconds for s in holds} == {GLUTES.hold_s[0]} == {30}
    assert {s.reps for s in holds} == {2}


def test_default_is_the_lower_bound_once_per_side():
    steps = build_steps([GLUTES])
    assert [(s.phase, s.side, s.seconds) for s in steps] == [
        ("prepare", None, TRANSITION_S), ("hold", "left", 30), ("switch", "right", TRANSITION_S),
        ("hold", "right", 30)]


def test_one_sided_exercise_rests_between_repeats_and_never_switches():
    steps = build_steps([TILTS], reps="max")
    assert [s.phase for s in steps] == ["prepare", "hold", "rest", "hold"]
    assert all(s.side is None for s in steps)


def test_nerve_glide_is_ten_pumps_of_one_second_holds_per_side():
    steps = build_steps([GLIDE])
    work = [s for s in steps if s.work]
    assert [(s.phase, s.side, s.pumps, s.pump_s, s.seconds) for s in work] == [
        ("pumps", "left", 10, 1.0, 20.0), ("pumps", "right", 10, 1.0, 20.0)]
    m = RoutineModel([GLIDE], now=0.0)
    t = walk(m, 0.0, TRANSITION_S + 0.5)
    st = m.state()
    assert (st.phase, st.side, st.pump, st.pump_phase) == ("pumps", "left", 1, "point")
    t = walk(m, t, TRANSITION_S + 1.5)
    assert (m.state().pump, m.state().pump_phase) == (1, "flex")
    t = walk(m, t, TRANSITION_S + 19.5)
    assert (m.state().pump, m.state().pump_phase) == (10, "flex")
    assert "Pull your toes" in m.state().prompt


def test_whole_rotation_covers_every_stretch_in_catalog_order():
    m = RoutineModel(STRETCHES, now=0.0)
    ids = []
    for s in m.steps:
        if s.work and (not ids or ids[-1] != s.exercise.id):
            ids.append(s.exercise.id)
    assert ids == [e.id for e in STRETCHES]
    assert m.steps_total == sum(e.sides for e in STRETCHES)  # once per side by default


def test_countdown_counts_whole_seconds_down_and_moves_on():
    m = RoutineModel([GLUTES], now=100.0, transition_s=3)
    st = m.state()
    assert (st.phase, st.seconds_left, st.step_number, st.steps_total) == ("prepare", 3, 1, 2)
    t = walk(m, 100.0, 103.0)
    st = m.state()
    assert (st.phase, st.side, st.seconds_left) == ("hold", "left", 30)
    seen = []
    for _ in range(30):
        t = walk(m, t, t + 1.0)
        seen.append((m.state().phase, m.state().seconds_left))
    assert seen[:3] == [("hold", 29), ("hold", 28), ("hold", 27)]
    assert seen[28] == ("hold", 1)
    assert seen[29] == ("switch", 3)  # the hold ended exactly at 30 s
    assert m.state().steps_done == 1
    assert m.state().prompt.startswith("Switch sides: right side")


def test_pause_freezes_the_countdown_and_resume_continues():
    m = RoutineModel([GLUTES], now=0.0, hold_s=10, transition_s=2)
    t = walk(m, 0.0, 6.0)
    assert (m.state().phase, m.state().seconds_left) == ("hold", 6)
    m.pause(t)
    for t in (7.0, 30.0, 120.0):  # long pauses are fine: the gap rule only applies when running
        m.tick(t)
        assert (m.state().phase, m.state().seconds_left, m.state().paused) == ("hold", 6, True)
    m.resume(t)
    t = walk(m, t, t + 2.0)
    assert (m.state().seconds_left, m.state().paused) == (4, False)
    assert m.toggle_pause(t) is True
    assert m.toggle_pause(t + 50) is False
    assert m.state().seconds_left == 4


def test_a_long_gap_between_ticks_pauses_instead_of_counting_as_stretching():
    m = RoutineModel([GLUTES], now=0.0, hold_s=10, transition_s=2)
    t = walk(m, 0.0, 4.0)
    events = m.tick(t + 600)  # laptop lid closed for 10 minutes
    st = m.state()
    assert events == ["auto_paused"]
    assert (st.paused, st.auto_paused, st.seconds_left, st.steps_done) == (True, True, 8, 0)


def test_skip_moves_on_and_makes_the_routine_partial():
    m = RoutineModel([GLUTES], now=0.0, hold_s=5, transition_s=1)
    assert m.advance(0.5) == ["hold"]  # skip the get-ready prompt
    assert m.advance(1.0) == ["switch"]  # skip the left hold
    st = m.state()
    assert (st.skipped, st.steps_done, st.side) == (1, 0, "right")
    walk(m, 1.0, 7.5)
    assert m.finished
    summary = m.summary()
    assert summary == {"complete": False, "steps_done": 1, "steps_total": 2, "skipped": 1,
                       "exercises": ["glutes"]}
    assert m.state().phase == "finished"


def test_finishing_every_hold_is_complete():
    m = RoutineModel([GLUTES, TILTS], now=0.0, hold_s=2, transition_s=1)
    events: list[str] = []
    t = 0.0
    while not m.finished and t < 60:
        t += 0.25
        events += m.tick(t)
    assert events[-1] == "finished"
    assert events.count("hold") == 3
    assert m.summary() == {"complete": True, "steps_done": 3, "steps_total": 3, "skipped": 0,
                           "exercises": ["glutes", "pelvic_tilts"]}
    assert m.ended == pytest.approx(1 + 2 + 1 + 2 + 1 + 2, abs=0.01)
    assert m.state().complete and m.state().seconds_left == 0


def test_stopping_early_is_partial_and_freezes_everything():
    m = RoutineModel([GLUTES], now=0.0, hold_s=3, transition_s=1)
    t = walk(m, 0.0, 4.5)  # left hold done at 4.0
    m.stop(t)
    st = m.state()
    assert (st.phase, st.stopped, st.steps_done) == ("stopped", True, 1)
    assert m.tick(t + 100) == []
    assert m.advance(t + 101) == []
    assert m.summary()["complete"] is False
    assert m.summary()["steps_done"] == 1 and m.summary()["steps_total"] == 2


def test_big_tick_runs_through_several_steps_without_losing_time():
    m = RoutineModel([GLUTES], now=0.0, hold_s=1, transition_s=1, max_gap_s=10)
    assert m.tick(2.5) == ["hold", "switch"]
    assert m.state().seconds_left == 1 and m.elapsed == pytest.approx(0.5)


def test_paced_exercises_without_holds_get_one_step():
    steps = build_steps([EXERCISES["sit_to_stand"]])
    assert [(s.phase, s.count) for s in steps] == [("prepare", None), ("paced", 5)]
    assert steps[1].seconds == 20


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        RoutineModel([], now=0.0)
    with pytest.raises(ValueError):
        build_steps([GLUTES], reps="most")
    with pytest.raises(ValueError):
        build_steps([GLUTES], hold_s=0)


def _illustrations_script():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "scripts" / "make_illustrations.py"
    spec = importlib.util.spec_from_file_location("make_illustrations", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_stretch_and_glide_ships_an_illustration_the_script_reproduces():
    from PIL import Image, ImageChops

    from movebreak.core.catalog import NERVE_GLIDES
    from movebreak.ui.common import resource_file

    script = _illustrations_script()
    for ex in (*STRETCHES, *NERVE_GLIDES):
        for suffix, size in (("", (160, 120)), ("@2x", (320, 240))):
            path = resource_file(f"ex-{ex.id}{suffix}.png")
            assert path is not None, f"missing illustration for {ex.id}{suffix}"
            shipped = Image.open(path).convert("RGBA")
            assert shipped.size == size
            colors = shipped.getcolors(maxcolors=1 << 16)
            assert colors and len(colors) > 30  # a drawing, not an empty card
            fresh = script.illustration(ex.id, size)
            diff = ImageChops.difference(shipped, fresh).convert("L")
            assert max(diff.getextrema()) <= 8, f"{ex.id}{suffix} differs from the script's"
