"""The guided stretch routine as a pure, clock-injected state machine (no Tk, no clock reads).

`build_steps` turns catalog numbers into timed steps; `RoutineModel` walks them as the caller
feeds it monotonic seconds (`tick(now)`). The routine window calls it from its Tk main thread;
tests call it with a fake clock. Not thread-safe (one caller).

Choices, from the catalog's ranges:
- a hold lasts the LOWER bound of `hold_s` (30 s of "30-60 s"): gentle and short enough to fit
  a work break; `hold_s=` overrides it (the window's --hold-seconds, tests);
- each side is done the LOWER bound of `reps` times (once of "1-2x") by default, `reps="max"`
  gives the full dose; a two-sided stretch goes left, switch, right (, switch, left, ...);
- a nerve glide is `reps` sets per side of `pulses` ankle pumps; a pump is "point" then "flex",
  each held the lower bound of `pulse_hold_s` (1 s): 10 pumps = 20 s per side;
- exercises without a hold (sit to stand, core breathing) get one paced step of their reps;
- "prepare", "switch" and "rest" are short prompts (`transition_s`), not counted as steps:
  `steps_done`/`steps_total` count only the holds (the real work).
A routine is `complete` when every hold ran its time: skipping one (because it hurt, say) or
stopping early makes it partial.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from movebreak.core.catalog import Exercise

SIDES = ("left", "right")
TRANSITION_S = 5.0
#: Seconds per repetition for paced exercises without a hold, by exercise id (default 5 s).
PACE_S = {"core_breath": 8.0, "sit_to_stand": 4.0}
#: Length of a step for exercises with neither hold nor reps (a short walk, a posture check).
FREE_STEP_S = {"short_walk": 120.0}
DEFAULT_FREE_S = 30.0
#: A tick gap longer than this (the machine slept, the window froze) pauses the routine
#: instead of counting the lost time as stretching.
MAX_GAP_S = 5.0


@dataclass(frozen=True)
class Step:
    """One timed step. `work` steps are holds / pump sets / paced sets; others are prompts."""

    exercise: Exercise
    phase: str  # "prepare" | "hold" | "pumps" | "paced" | "switch" | "rest"
    seconds: float
    side: str | None = None  # "left" | "right" for two-sided exercises
    rep: int = 1  # 1-based repeat on this side
    reps: int = 1  # repeats per side
    pumps: int = 0  # ankle pumps in a "pumps" step
    pump_s: float = 0.0  # seconds per half pump (point, then flex)
    count: int | None = None  # repetitions in a "paced" step

    @property
    def work(self) -> bool:
        return self.phase in ("hold", "pumps", "paced")


def _pick(rng: tuple[int, int] | None, which: str, default: int) -> int:
    if not rng:
        return default
    return rng[1] if which == "max" else rng[0]


def build_steps(exercises: Sequence[Exercise], *, hold_s: float | None = None,
                reps: str = "min", transition_s: float = TRANSITION_S) -> list[Step]:
    """The routine's steps for `exercises`, in order (see the module text for the rules)."""
    if reps not in ("min", "max"):
        raise ValueError(f"reps must be 'min' or 'max', got {reps!r}")
    if hold_s is not None and hold_s <= 0:
        raise ValueError(f"hold_s must be positive, got {hold_s!r}")
    steps: list[Step] = []
    for ex in exercises:
        steps.append(Step(ex, "prepare", transition_s))
        sides: tuple[str | None, ...] = SIDES if ex.sides == 2 else (None,)
        if ex.hold_s or ex.pulses:
            n = _pick(ex.reps, reps, 1)
            work: list[Step] = []
            for rep in range(1, n + 1):
                for side in sides:
                    if ex.pulses:
                        half = float(_pick(ex.pulse_hold_s, "min", 1))
                        if hold_s is not None:
                            half = min(half, hold_s)
                        work.append(Step(ex, "pumps", ex.pulses * 2 * half, side, rep, n,
                                         pumps=ex.pulses, pump_s=half))
                    else:
                        secs = float(hold_s if hold_s is not None else ex.hold_s[0])
                        work.append(Step(ex, "hold", secs, side, rep, n))
            for i, step in enumerate(work):
                if i:
                    phase = "switch" if step.side != work[i - 1].side else "rest"
                    steps.append(Step(ex, phase, transition_s, step.side, step.rep, n))
                steps.append(step)
        else:
            count = _pick(ex.reps, reps, 0) or None
            secs = count * PACE_S.get(ex.id, 5.0) if count else FREE_STEP_S.get(ex.id, DEFAULT_FREE_S)
            if hold_s is not None:
                secs = min(secs, hold_s)
            steps.append(Step(ex, "paced", secs, count=count))
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


def _position_text(ex: Exercise) -> str:
    pos = ex.position or "comfortable"
    return {"lying": "lie on your back", "seated": "sit on a chair",
            "standing": "stand up", "seated or lying": "sit or lie down",
            "seated or standing": "sit or stand tall"}.get(pos, pos)


def _side_text(side: str | None) -> str:
    return f"{side} side" if side else ""


class RoutineModel:
    """Walks `build_steps(exercises)` against an injected monotonic clock (seconds)."""

    def __init__(self, exercises: Sequence[Exercise], now: float, *, hold_s: float | None = None,
                 reps: str = "min", transition_s: float = TRANSITION_S,
                 max_gap_s: float = MAX_GAP_S) -> None:
        if not exercises:
            raise ValueError("a routine needs at least one exercise")
        self.exercises: tuple[Exercise, ...] = tuple(exercises)
        self.steps = build_steps(self.exercises, hold_s=hold_s, reps=reps,
                                 transition_s=transition_s)
        self.max_gap_s = max_gap_s
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
        """Skip the rest of the current step (a skipped hold counts as skipped, not done)."""
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
                prompt = "All done. Well done for taking the time!" if self.complete else \
                    "Routine finished."
            else:
                prompt = "Stopped. Every bit of movement counts."
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
            prompt = f"Get into position: {_position_text(ex)}."
        elif step.phase == "switch":
            prompt = f"Switch sides: {_side_text(step.side)} next."
        elif step.phase == "rest":
            prompt = "Relax for a moment, then once more."
        elif step.phase == "pumps":
            half = int(self.elapsed // step.pump_s) if step.pump_s else 0
            pump = min(step.pumps, half // 2 + 1)
            pump_phase = "point" if half % 2 == 0 else "flex"
            prompt = ("Point your toes away" if pump_phase == "point"
                      else "Pull your toes back towards you")
        elif step.phase == "paced":
            prompt = (f"{step.count} times, at your own pace." if step.count
                      else "At your own pace.")
        else:
            prompt = "Hold and breathe slowly. Ease off if it hurts."
        return RoutineState(
            phase=step.phase, exercise=ex, exercise_index=self.exercises.index(ex),
            side=step.side, rep=step.rep, reps=step.reps, seconds_left=seconds_left,
            seconds_total=step.seconds, fraction=fraction, prompt=prompt, pump=pump,
            pumps=step.pumps, pump_phase=pump_phase, **common)

    def summary(self) -> dict:
        """The `routine` history event's detail."""
        return {
            "complete": self.complete,
            "steps_done": self.steps_done,
            "steps_total": self.steps_total,
            "skipped": self.skipped,
            "exercises": [e.id for e in self.exercises],
        }
