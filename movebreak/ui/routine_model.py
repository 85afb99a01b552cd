"""The guided stretch routine as a pure, clock-injected state machine (no Tk, no clock reads).

`plan` picks and orders the exercises, `build_steps` turns them and the `[routine]` settings
into timed steps, and `RoutineModel` walks the steps as the caller feeds it monotonic seconds
(`tick(now)`). The routine window calls it from its Tk main thread; tests call it with a fake
clock. Not thread-safe (one caller).

Rules (the doses are the source's; see core/catalog.py):
- a held stretch is held `hold_s` seconds (the setting: 30, 45 or 60 s), `rounds` times
  (1 or 2) on each side: left, switch, right (, switch, left, switch, right);
- a moving exercise (pelvic tilts and circles, lumbar rotation) is `rounds` blocks of `hold_s`
  seconds of slow movement; its `moves` (the directions) are shown in turn within a block;
- the nerve glide is one set of `pumps` ankle pumps per leg, each way held `pump_s` (2 s, the
  top of the source's 1-2 s), so 10 pumps take 40 s a leg; rounds do not apply;
- exercises without timing of their own (sit to stand, core breathing) get one `hold_s` step;
- before each exercise a "prepare" step: `position_s` (10 s) when the place changes (chair,
  standing, floor) or at the start, with the change in words; else `transition_s` (5 s).
  "switch" and "rest" between holds also take `transition_s`. Prompts are not counted:
  `steps_done`/`steps_total` count only the work steps.
A routine is `complete` when every work step ran its time: skipping one (because it hurt,
say) or stopping early makes it partial. `restart` runs the same steps again ("once more").
Texts are in the current language (core.l10n), looked up when the steps are built and when
`state()` is read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from movebreak.core.catalog import PLACES, Exercise
from movebreak.core.l10n import N_, _

SIDES = ("left", "right")
TRANSITION_S = 5.0
POSITION_S = 10.0
PUMP_S = 2.0
DEFAULT_HOLD_S = 30.0
#: A tick gap longer than this (the machine slept, the window froze) pauses the routine
#: instead of counting the lost time as stretching.
MAX_GAP_S = 5.0

#: The words for getting into each place at the start (whole sentences, for translators).
START_TEXT = {
    "chair": N_("Get into position: sit down on your chair, feet on the floor."),
    "standing": N_("Get into position: stand up, with room to move."),
    "floor": N_("Get into position: get down onto the floor (a mat helps) and lie on your "
                "back."),
}
#: The words for each change of place, (from, to) -> sentence.
CHANGE_TEXT = {
    ("chair", "standing"): N_("From the chair to standing: stand up, with room to move."),
    ("chair", "floor"): N_("From the chair to the floor: get down onto the floor (a mat helps) "
                           "and lie on your back."),
    ("standing", "chair"): N_("From standing to the chair: sit down on your chair, feet on the "
                              "floor."),
    ("standing", "floor"): N_("From standing to the floor: get down onto the floor (a mat "
                              "helps) and lie on your back."),
    ("floor", "chair"): N_("From the floor to the chair: get up slowly and sit on your chair."),
    ("floor", "standing"): N_("From the floor to standing: get up slowly and stand."),
}


def change_text(before: str | None, place: str) -> str:
    """The words for a change of position, e.g. 'From the chair to the floor: get down onto
    the floor (a mat helps) and lie on your back.' (`before` None: the start), in the current
    language."""
    return _(CHANGE_TEXT.get((before, place)) or START_TEXT[place]) if before is not None \
        else _(START_TEXT[place])


def switch_text(side: str | None) -> str:
    """The prompt between the sides of a stretch ("Switch sides: right side next.")."""
    if side == "left":
        return _("Switch sides: left side next.")
    if side == "right":
        return _("Switch sides: right side next.")
    return _("Switch sides.")


def sound_cue(entered: Sequence[str]) -> str | None:
    """The routine's sound for the phases the clock just entered (`RoutineModel.tick`):
    "complete" when the routine finished; "hold_end" when a timed work step ended, which is
    when "switch" (sides), "rest" (before the next round) or "prepare" (the next exercise)
    begins; None otherwise. The window plays it (adapters/sound.py) when the sound setting
    and `[routine] chime` are on, so someone on the floor need not watch the screen."""
    if "finished" in entered:
        return "complete"
    if any(phase in ("switch", "rest", "prepare") for phase in entered):
        return "hold_end"
    return None


def plan(exercises: Sequence[Exercise], desk_only: bool = False) -> tuple[Exercise, ...]:
    """The routine's exercises: without floor exercises when `desk_only` (unless that would
    leave none, e.g. one floor stretch asked for by name), grouped by place (chair, standing,
    floor) so the position changes as rarely as possible; order within a place is kept."""
    chosen = [e for e in exercises if not (desk_only and e.place == "floor")] or list(exercises)
    return tuple(sorted(chosen, key=lambda e: PLACES.index(e.place)))


@dataclass(frozen=True)
class Step:
    """One timed step. `work` steps are holds / movement blocks / pump sets / free steps;
    "prepare", "switch" and "rest" are prompts."""

    exercise: Exercise
    phase: str  # "prepare" | "hold" | "move" | "pumps" | "free" | "switch" | "rest"
    seconds: float
    side: str | None = None  # "left" | "right" for two-sided exercises
    rep: int = 1  # 1-based round on this side
    reps: int = 1  # rounds per side
    pumps: int = 0  # ankle pumps in a "pumps" step
    pump_s: float = 0.0  # seconds per half pump (point, then flex)
    text: str = ""  # a "prepare" step's words
    moved: bool = False  # a "prepare" step with a change of place

    @property
    def work(self) -> bool:
        return self.phase in ("hold", "move", "pumps", "free")


def build_steps(exercises: Sequence[Exercise], *, hold_s: float = DEFAULT_HOLD_S,
                rounds: int = 1, transition_s: float = TRANSITION_S,
                position_s: float = POSITION_S, pump_s: float = PUMP_S) -> list[Step]:
    """The routine's steps for `exercises`, in the given order (see the module text)."""
    if hold_s <= 0 or pump_s <= 0:
        raise ValueError(f"hold_s and pump_s must be positive, got {hold_s!r}, {pump_s!r}")
    if rounds not in (1, 2):
        raise ValueError(f"rounds must be 1 or 2, got {rounds!r}")
    steps: list[Step] = []
    place: str | None = None
    for ex in exercises:
        moved = ex.place != place
        # TRANSLATORS: {exercise} is the next exercise's name, e.g. "Glute stretch".
        text = change_text(place, ex.place) if moved else _("Next: {exercise}. Get ready.").format(
            exercise=ex.name)
        steps.append(Step(ex, "prepare", position_s if moved else transition_s, text=text,
                          moved=moved))
        place = ex.place
        sides: tuple[str | None, ...] = SIDES if ex.sides == 2 else (None,)
        n = min(rounds, ex.rounds[1]) if ex.rounds else 1
        work: list[Step] = []
        if ex.style == "glide":
            for side in sides:
                work.append(Step(ex, "pumps", (ex.pumps or 0) * 2 * pump_s, side, 1, 1,
                                 pumps=ex.pumps or 0, pump_s=pump_s))
        elif ex.style in ("hold", "move"):
            for rep in range(1, n + 1):
                for side in sides:
                    work.append(Step(ex, ex.style, float(hold_s), side, rep, n))
        else:
            work.append(Step(ex, "free", float(hold_s)))
        for i, step in enumerate(work):
            if i:
                phase = "switch" if step.side != work[i - 1].side else "rest"
                steps.append(Step(ex, phase, transition_s, step.side, step.rep, step.reps))
            steps.append(step)
    return steps


@dataclass(frozen=True)
class RoutineState:
    """What the window shows now; read-only snapshot."""

    phase: str  # a Step phase, or "finished" / "stopped"
    exercise: Exercise | None
    exercise_index: int  # 0-based position of the exercise in the routine
    exercise_count: int
    side: str | None
    rep: int
    reps: int
    seconds_left: int  # whole seconds, rounded up (30 at the start of a 30 s hold)
    seconds_total: float
    fraction: float  # 0..1 of the current step elapsed
    prompt: str
    paused: bool
    auto_paused: bool  # paused by a long gap between ticks (sleep), not by the user
    finished: bool
    stopped: bool
    complete: bool
    steps_done: int
    steps_total: int
    skipped: int
    step_number: int  # 1-based number of the current (or next) work step
    pump: int = 0  # 1-based ankle pump in a "pumps" step
    pumps: int = 0
    pump_phase: str | None = None  # "point" | "flex"
    moved: bool = False  # a "prepare" step with a change of place


class RoutineModel:
    """Walks `build_steps(exercises, ...)` against an injected monotonic clock (seconds)."""

    def __init__(self, exercises: Sequence[Exercise], now: float, *,
                 hold_s: float = DEFAULT_HOLD_S, rounds: int = 1,
                 transition_s: float = TRANSITION_S, position_s: float = POSITION_S,
                 pump_s: float = PUMP_S, max_gap_s: float = MAX_GAP_S) -> None:
        if not exercises:
            raise ValueError("a routine needs at least one exercise")
        self.exercises: tuple[Exercise, ...] = tuple(exercises)
        self.hold_s = float(hold_s)
        self.rounds = rounds
        self.steps = build_steps(self.exercises, hold_s=hold_s, rounds=rounds,
                                 transition_s=transition_s, position_s=position_s,
                                 pump_s=pump_s)
        self.max_gap_s = max_gap_s
        self.runs = 0  # 1 for the first run, 2 after one "once more", ...
        self.restart(now)

    def restart(self, now: float) -> None:
        """Start the same steps again from the first ("once more")."""
        self.index = 0
        self.elapsed = 0.0  # seconds spent in the current step
        self.started = now
        self.ended: float | None = None
        self.paused = False
        self.auto_paused = False
        self.stopped = False
        self.steps_done = 0
        self.skipped = 0
        self._last = now
        self.runs += 1

    # ------------------------------------------------------------------ time
    @property
    def finished(self) -> bool:
        return self.index >= len(self.steps)

    @property
    def over(self) -> bool:
        """Finished or stopped: nothing moves any more."""
        return self.finished or self.stopped

    @property
    def current(self) -> Step | None:
        return None if self.finished else self.steps[self.index]

    def _settle(self, now: float) -> list[str]:
        dt = now - self._last
        self._last = now
        if self.over or self.paused or dt <= 0:
            return []
        if dt > self.max_gap_s:
            self.paused = self.auto_paused = True
            return ["auto_paused"]
        self.elapsed += dt
        entered: list[str] = []
        while not self.finished and self.elapsed >= self.steps[self.index].seconds:
            step = self.steps[self.index]
            self.elapsed -= step.seconds
            if step.work:
                self.steps_done += 1
            entered.extend(self._enter(self.index + 1, now - self.elapsed))
        if self.finished:
            self.elapsed = 0.0
        return entered

    def _enter(self, index: int, at: float) -> list[str]:
        self.index = index
        if self.finished:
            self.ended = at
            return ["finished"]
        return [self.steps[index].phase]

    def tick(self, now: float) -> list[str]:
        """Advance the clock to `now`; returns the phases entered ("finished" at the end)."""
        return self._settle(now)

    # ------------------------------------------------------------------ user actions
    def pause(self, now: float) -> None:
        self._settle(now)
        if not self.over:
            self.paused = True

    def resume(self, now: float) -> None:
        self._settle(now)
        self._last = now
        self.paused = self.auto_paused = False

    def toggle_pause(self, now: float) -> bool:
        """Pause or resume; returns the new paused state."""
        if self.paused:
            self.resume(now)
        else:
            self.pause(now)
        return self.paused

    def advance(self, now: float) -> list[str]:
        """Skip the rest of the current step (a skipped work step counts as skipped)."""
        events = self._settle(now)
        if self.over:
            return events
        if self.steps[self.index].work:
            self.skipped += 1
        self.elapsed = 0.0
        return events + self._enter(self.index + 1, now)

    def stop(self, now: float) -> None:
        """End the routine early (Stop, Escape, window closed)."""
        self._settle(now)
        if not self.over:
            self.stopped = True
            self.ended = now

    # ------------------------------------------------------------------ reading
    @property
    def steps_total(self) -> int:
        return sum(1 for s in self.steps if s.work)

    @property
    def complete(self) -> bool:
        return self.finished and self.steps_done == self.steps_total

    def state(self) -> RoutineState:
        """A snapshot of what to show now (call `tick` first to bring the clock up to date)."""
        total = self.steps_total
        done_or_skipped = self.steps_done + self.skipped
        step_number = min(total, done_or_skipped + 1)
        common = {"paused": self.paused, "auto_paused": self.auto_paused,
                  "finished": self.finished, "stopped": self.stopped, "complete": self.complete,
                  "steps_done": self.steps_done, "steps_total": total, "skipped": self.skipped,
                  "step_number": step_number, "exercise_count": len(self.exercises)}
        step = self.current
        if step is None or self.stopped:
            last = step or self.steps[-1]
            if self.finished:
                prompt = _("All done. Well done for taking the time!") if self.complete else \
                    _("Routine finished.")
            else:
                prompt = _("Stopped. Every bit of movement counts.")
            return RoutineState(
                phase="finished" if self.finished else "stopped", exercise=last.exercise,
                exercise_index=self.exercises.index(last.exercise), side=None, rep=last.rep,
                reps=last.reps, seconds_left=0, seconds_total=0.0, fraction=1.0, prompt=prompt,
                **common)
        left = max(0.0, step.seconds - self.elapsed)
        seconds_left = max(1, math.ceil(left - 1e-9)) if left > 0 else 0
        fraction = min(1.0, self.elapsed / step.seconds) if step.seconds else 1.0
        pump = 0
        pump_phase = None
        ex = step.exercise
        if step.phase == "prepare":
            prompt = step.text
        elif step.phase == "switch":
            prompt = switch_text(step.side)
        elif step.phase == "rest":
            prompt = _("Relax for a moment, then go again.")
        elif step.phase == "pumps":
            half = int(self.elapsed // step.pump_s) if step.pump_s else 0
            pump = min(step.pumps, half // 2 + 1)
            pump_phase = "point" if half % 2 == 0 else "flex"
            prompt = (_("Point your toes away") if pump_phase == "point"
                      else _("Pull your toes back towards you"))
        elif step.phase == "move":
            moves = ex.moves or (_("Move slowly, in a range that feels good."),)
            prompt = moves[min(len(moves) - 1, int(fraction * len(moves)))]
        elif step.phase == "free":
            prompt = _("At your own pace.")
        else:
            prompt = _("Hold still and breathe slowly.")
        return RoutineState(
            phase=step.phase, exercise=ex, exercise_index=self.exercises.index(ex),
            side=step.side, rep=step.rep, reps=step.reps, seconds_left=seconds_left,
            seconds_total=step.seconds, fraction=fraction, prompt=prompt, pump=pump,
            pumps=step.pumps, pump_phase=pump_phase, moved=step.moved, **common)

    def summary(self) -> dict:
        """The `routine` history event's detail."""
        return {
            "complete": self.complete,
            "steps_done": self.steps_done,
            "steps_total": self.steps_total,
            "skipped": self.skipped,
            "exercises": [e.id for e in self.exercises],
            "hold_s": self.hold_s,
            "rounds": self.rounds,
            "run": self.runs,
        }
