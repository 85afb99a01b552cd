"""RoutineModel with an injected clock: plan, steps from the [routine] dose, countdown, pause,
skip, once more, summary."""

from __future__ import annotations

import pytest

from movebreak.core.catalog import EXERCISES, STRETCHES
from movebreak.ui.routine_model import (
    POSITION_S,
    TRANSITION_S,
    RoutineModel,
    build_steps,
    change_text,
    plan,
)

GLUTES = EXERCISES["glutes"]
TILTS = EXERCISES["pelvic_tilts"]
LUMBAR = EXERCISES["lumbar_rotation"]
GLIDE = EXERCISES["sciatic_glide"]
CALF = EXERCISES["calf"]
HAMSTRINGS = EXERCISES["hamstrings"]


def walk(model: RoutineModel, t: float, until: float, dt: float = 0.25) -> float:
    """Tick in small steps (like the window's timer) from t to until; returns the new time."""
    while t < until - 1e-9:
        t = min(until, t + dt)
        model.tick(t)
    return t


def work(steps):
    return [s for s in steps if s.work]


# --------------------------------------------------------------------------- plan and dose


def test_plan_groups_by_place_so_the_position_changes_twice():
    ids = [e.id for e in plan(STRETCHES)]
    assert ids == ["piriformis", "hamstrings", "pelvic_tilts", "calf", "glutes",
                   "lumbar_rotation"]
    places = [e.place for e in plan(STRETCHES)]
    assert places == ["chair", "chair", "chair", "standing", "floor", "floor"]
    assert sorted(ids) == sorted(e.id for e in STRETCHES)


def test_desk_only_leaves_out_the_floor_stretches():
    ids = [e.id for e in plan(STRETCHES, desk_only=True)]
    assert ids == ["piriformis", "hamstrings", "pelvic_tilts", "calf"]
    assert all(EXERCISES[i].place != "floor" for i in ids)
    # one floor stretch asked for by name (a waiting reminder) is still shown
    assert plan([GLUTES], desk_only=True) == (GLUTES,)


def test_default_is_30_s_once_per_side():
    steps = build_steps([GLUTES])
    assert [(s.phase, s.side, s.seconds) for s in steps] == [
        ("prepare", None, POSITION_S), ("hold", "left", 30), ("switch", "right", TRANSITION_S),
        ("hold", "right", 30)]


@pytest.mark.parametrize("hold", [30, 45, 60])
def test_two_rounds_go_left_right_left_right_at_the_chosen_hold(hold):
    steps = build_steps([GLUTES], hold_s=hold, rounds=2)
    assert [(s.phase, s.side, s.rep) for s in steps] == [
        ("prepare", None, 1),
        ("hold", "left", 1), ("switch", "right", 1), ("hold", "right", 1),
        ("switch", "left", 2), ("hold", "left", 2), ("switch", "right", 2), ("hold", "right", 2),
    ]
    assert {s.seconds for s in work(steps)} == {hold}
    assert {s.reps for s in work(steps)} == {2}


def test_moving_exercises_are_slow_movement_blocks_not_holds():
    steps = build_steps([TILTS, LUMBAR], hold_s=45, rounds=2)
    assert [s.phase for s in work(steps)] == ["move"] * 4
    assert {s.seconds for s in work(steps)} == {45}
    assert all(s.side is None for s in steps if s.exercise is LUMBAR)  # both ways each block
    assert [s.phase for s in steps if s.exercise is TILTS] == ["prepare", "move", "rest", "move"]


def test_moving_prompts_spell_out_the_direction():
    m = RoutineModel([LUMBAR], now=0.0, hold_s=30, position_s=2)
    walk(m, 0.0, 3.0)
    st = m.state()
    assert st.phase == "move"
    assert "left" in st.prompt and "right" in st.prompt and "slowly" in st.prompt
    assert "Hold" not in st.prompt
    m = RoutineModel([TILTS], now=0.0, hold_s=30, position_s=2)
    t = walk(m, 0.0, 3.0)
    first = m.state().prompt
    assert first.startswith("Tilt slowly") and "tailbone" in first
    walk(m, t, 2 + 16.0)  # past half of the 30 s block: circles, one way then the other
    second = m.state().prompt
    assert second.startswith("Circle slowly") and "other way" in second


def test_nerve_glide_is_ten_pumps_of_two_second_holds_per_leg_whatever_the_rounds():
    steps = build_steps([GLIDE], rounds=2)
    assert [(s.phase, s.side, s.pumps, s.pump_s, s.seconds) for s in work(steps)] == [
        ("pumps", "left", 10, 2.0, 40.0), ("pumps", "right", 10, 2.0, 40.0)]
    m = RoutineModel([GLIDE], now=0.0)
    t = walk(m, 0.0, POSITION_S + 0.5)
    st = m.state()
    assert (st.phase, st.side, st.pump, st.pump_phase) == ("pumps", "left", 1, "point")
    t = walk(m, t, POSITION_S + 2.5)
    assert (m.state().pump, m.state().pump_phase) == (1, "flex")
    t = walk(m, t, POSITION_S + 39.5)
    assert (m.state().pump, m.state().pump_phase) == (10, "flex")
    assert "Pull your toes" in m.state().prompt


def test_ten_seconds_to_get_into_position_when_the_place_changes():
    exercises = plan([GLUTES, CALF, HAMSTRINGS, TILTS])  # -> chair, chair, standing, floor
    steps = build_steps(exercises, hold_s=30)
    prepares = [(s.exercise.id, s.seconds, s.moved, s.text) for s in steps
                if s.phase == "prepare"]
    assert [p[:3] for p in prepares] == [
        ("hamstrings", POSITION_S, True), ("pelvic_tilts", TRANSITION_S, False),
        ("calf", POSITION_S, True), ("glutes", POSITION_S, True)]
    assert POSITION_S == 10 and TRANSITION_S == 5
    assert prepares[0][3] == "Get into position: sit down on your chair, feet on the floor."
    assert prepares[1][3] == "Next: Pelvic tilts and circles. Get ready."
    assert prepares[2][3] == "From the chair to standing: stand up, with room to move."
    assert prepares[3][3] == ("From standing to the floor: get down onto the floor (a mat "
                              "helps) and lie on your back.")
    m = RoutineModel(exercises, now=0.0, hold_s=30)
    assert m.state().prompt == prepares[0][3] and m.state().moved


def test_change_text_says_the_change_in_words_for_every_pair():
    places = ("chair", "standing", "floor")
    for before in places:
        for after in places:
            if before == after:
                continue
            text = change_text(before, after)
            assert text.startswith(f"From {'the ' if before != 'standing' else ''}{before}")
            assert after in text
    assert change_text("floor", "chair") == \
        "From the floor to the chair: get up slowly and sit on your chair."


def test_whole_rotation_covers_every_stretch():
    m = RoutineModel(plan(STRETCHES), now=0.0)
    ids = []
    for s in m.steps:
        if s.work and (not ids or ids[-1] != s.exercise.id):
            ids.append(s.exercise.id)
    assert ids == [e.id for e in plan(STRETCHES)]
    assert m.steps_total == sum(e.sides if e.style == "hold" else 1 for e in STRETCHES)


# --------------------------------------------------------------------------- walking


def test_countdown_counts_whole_seconds_down_and_moves_on():
    m = RoutineModel([GLUTES], now=100.0, position_s=3)
    st = m.state()
    assert (st.phase, st.seconds_left, st.step_number, st.steps_total) == ("prepare", 3, 1, 2)
    t = walk(m, 100.0, 103.0)
    st = m.state()
    assert (st.phase, st.side, st.seconds_left) == ("hold", "left", 30)
    assert st.prompt == "Hold still and breathe slowly."
    seen = []
    for _ in range(30):
        t = walk(m, t, t + 1.0)
        seen.append((m.state().phase, m.state().seconds_left))
    assert seen[:3] == [("hold", 29), ("hold", 28), ("hold", 27)]
    assert seen[28] == ("hold", 1)
    assert seen[29] == ("switch", 5)  # the hold ended exactly at 30 s
    assert m.state().steps_done == 1
    assert m.state().prompt.startswith("Switch sides: right side")


def test_pause_freezes_the_countdown_and_resume_continues():
    m = RoutineModel([GLUTES], now=0.0, hold_s=10, position_s=2)
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
    m = RoutineModel([GLUTES], now=0.0, hold_s=10, position_s=2)
    t = walk(m, 0.0, 4.0)
    events = m.tick(t + 600)  # laptop lid closed for 10 minutes
    st = m.state()
    assert events == ["auto_paused"]
    assert (st.paused, st.auto_paused, st.seconds_left, st.steps_done) == (True, True, 8, 0)


def test_skip_moves_on_and_makes_the_routine_partial():
    m = RoutineModel([GLUTES], now=0.0, hold_s=5, transition_s=1, position_s=1)
    assert m.advance(0.5) == ["hold"]  # skip the get-ready prompt
    assert m.advance(1.0) == ["switch"]  # skip the left hold
    st = m.state()
    assert (st.skipped, st.steps_done, st.side) == (1, 0, "right")
    walk(m, 1.0, 7.5)
    assert m.finished
    summary = m.summary()
    assert summary == {"complete": False, "steps_done": 1, "steps_total": 2, "skipped": 1,
                       "exercises": ["glutes"], "hold_s": 5.0, "rounds": 1, "run": 1}
    assert m.state().phase == "finished"


def test_finishing_every_step_is_complete():
    m = RoutineModel([GLUTES, TILTS], now=0.0, hold_s=2, transition_s=1, position_s=1)
    events: list[str] = []
    t = 0.0
    while not m.finished and t < 60:
        t += 0.25
        events += m.tick(t)
    assert events[-1] == "finished"
    assert events.count("hold") == 2 and events.count("move") == 1
    assert m.summary()["complete"] is True
    assert (m.summary()["steps_done"], m.summary()["steps_total"]) == (3, 3)
    # prepare, hold, switch, hold, prepare (floor -> chair), move
    assert m.ended == pytest.approx(1 + 2 + 1 + 2 + 1 + 2, abs=0.01)
    assert m.state().complete and m.state().seconds_left == 0


def test_once_more_runs_the_same_steps_again():
    m = RoutineModel([GLUTES], now=0.0, hold_s=2, transition_s=1, position_s=1)
    walk(m, 0.0, 10.0)
    assert m.finished and m.summary()["run"] == 1
    m.restart(20.0)
    st = m.state()
    assert (st.phase, st.steps_done, st.finished, m.started) == ("prepare", 0, False, 20.0)
    walk(m, 20.0, 30.0)
    assert m.complete and m.summary()["run"] == 2
    assert m.ended == pytest.approx(20 + 1 + 2 + 1 + 2, abs=0.01)


def test_stopping_early_is_partial_and_freezes_everything():
    m = RoutineModel([GLUTES], now=0.0, hold_s=3, transition_s=1, position_s=1)
    t = walk(m, 0.0, 4.5)  # left hold done at 4.0
    m.stop(t)
    st = m.state()
    assert (st.phase, st.stopped, st.steps_done) == ("stopped", True, 1)
    assert m.tick(t + 100) == []
    assert m.advance(t + 101) == []
    assert m.summary()["complete"] is False
    assert m.summary()["steps_done"] == 1 and m.summary()["steps_total"] == 2


def test_big_tick_runs_through_several_steps_without_losing_time():
    m = RoutineModel([GLUTES], now=0.0, hold_s=1, transition_s=1, position_s=1, max_gap_s=10)
    assert m.tick(2.5) == ["hold", "switch"]
    assert m.state().seconds_left == 1 and m.elapsed == pytest.approx(0.5)


def test_exercises_without_timing_of_their_own_get_one_step_of_the_hold():
    steps = build_steps([EXERCISES["sit_to_stand"]], hold_s=45)
    assert [(s.phase, s.seconds) for s in steps] == [("prepare", POSITION_S), ("free", 45)]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        RoutineModel([], now=0.0)
    with pytest.raises(ValueError):
        build_steps([GLUTES], rounds=3)
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
