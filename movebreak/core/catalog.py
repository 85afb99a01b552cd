"""Reminder kinds and the exercise catalog, written in our own words from the seed text.

Pure data plus tiny helpers (standard library only). Every text here paraphrases
`shared/seed/postpartum-sciatica.txt`: hold most stretches 30-60 s, 1-2 times each side,
aim for "sore but safe" and never push into pain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Exercise:
    """One concrete thing to do, with its numbers (hold seconds, reps, sides)."""

    id: str
    name: str
    instruction: str
    hold_s: tuple[int, int] | None = None  # (min, max) seconds per hold
    reps: tuple[int, int] | None = None  # (min, max) repetitions per side
    sides: int = 1  # 2 = do it on each side
    position: str = ""  # where to do it: "seated", "lying", "standing"
    pulses: int | None = None  # for glides: ankle pumps per set
    pulse_hold_s: tuple[int, int] | None = None

    def numbers(self) -> str:
        """Human text for the hold/repeat numbers, e.g. 'Hold 30-60 s, 1-2x each side.'"""
        parts: list[str] = []
        if self.hold_s:
            lo, hi = self.hold_s
            parts.append(f"Hold {lo}-{hi} s" if lo != hi else f"Hold {lo} s")
        if self.pulses:
            ph = self.pulse_hold_s
            hold = f", {ph[0]}-{ph[1]} s each" if ph else ""
            parts.append(f"{self.pulses} ankle pumps{hold}")
        if self.reps:
            lo, hi = self.reps
            reps = f"{lo}-{hi}x" if lo != hi else f"{lo}x"
            parts.append(f"{reps} each side" if self.sides == 2 else reps)
        elif self.sides == 2:
            parts.append("each side")
        return (", ".join(parts) + ".") if parts else ""

    def text(self) -> str:
        """Instruction followed by the numbers."""
        nums = self.numbers()
        return f"{self.instruction} {nums}".strip()


@dataclass(frozen=True)
class Kind:
    """A reminder kind with its defaults and its rotation of exercises."""

    id: str
    title: str
    summary: str
    default_interval_s: int
    default_enabled: bool
    exercises: tuple[Exercise, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Reminder:
    """One reminder as shown to the user (the notifier and tray render this)."""

    id: int
    kind: str
    title: str
    body: str
    exercise_id: str | None
    due: datetime


PAIN_RULE = "Sore but safe: stop if it hurts."

STRETCHES: tuple[Exercise, ...] = (
    Exercise(
        "glutes",
        "Glute stretch",
        "Lie on your back and draw one knee, or both, up towards your chest.",
        hold_s=(30, 60), reps=(1, 2), sides=2, position="lying",
    ),
    Exercise(
        "piriformis",
        "Piriformis stretch",
        "Lying down or seated, rest one ankle across the other thigh; for more, ease knee and "
        "ankle towards the opposite shoulder until you feel it in your buttock.",
        hold_s=(30, 60), reps=(1, 2), sides=2, position="seated or lying",
    ),
    Exercise(
        "hamstrings",
        "Seated hamstring hinge",
        "Sit near the front of your chair, one leg out straight, back long; hinge forward from "
        "the hips until the back of the thigh feels a stretch.",
        hold_s=(30, 60), reps=(1, 2), sides=2, position="seated",
    ),
    Exercise(
        "calf",
        "Calf stretch at the wall",
        "Face a wall, put the ball of one foot up against it with the heel down, and lean in "
        "until the back of your lower leg stretches.",
        hold_s=(30, 60), reps=(1, 2), sides=2, position="standing",
    ),
    Exercise(
        "pelvic_tilts",
        "Pelvic tilts and circles",
        "Seated on a chair or ball (or lying down), rock your pelvis forward and back, then "
        "circle it slowly, staying in a range that feels good.",
        hold_s=(30, 60), reps=(1, 2), sides=1, position="seated or lying",
    ),
    Exercise(
        "lumbar_rotation",
        "Lumbar rotation",
        "Lie on your back with knees bent and let both knees sway together from side to side.",
        hold_s=(30, 60), reps=(1, 2), sides=2, position="lying",
    ),
)

NERVE_GLIDES: tuple[Exercise, ...] = (
    Exercise(
        "sciatic_glide",
        "Sciatic nerve glide",
        "Seated (or lying on your back), straighten one knee until the back of the leg feels "
        "a light stretch, then point and flex the ankle.",
        reps=(1, 1), sides=2, position="seated or lying", pulses=10, pulse_hold_s=(1, 2),
    ),
)

MOVES: tuple[Exercise, ...] = (
    Exercise("sit_to_stand", "Sit to stand",
             "Stand up from your chair, sit back down with control, and repeat a few times.",
             reps=(5, 5), position="standing"),
    Exercise("short_walk", "Short walk",
             "Get up and take a short walk: to the window, the kettle or down the hall.",
             position="standing"),
    Exercise("change_seat", "Change your seat",
             "Stand for a moment, then swap the surface you sit on: a cushion, a ball, "
             "or standing for a while.", position="standing"),
)

POSTURE: tuple[Exercise, ...] = (
    Exercise("stack", "Stack up",
             "Ears over shoulders over hips; if standing, hips over ankles too.",
             position="seated or standing"),
    Exercise("ribs", "Ribs over pelvis",
             "Arch and round your back a little, then settle where your ribs sit "
             "stacked over your pelvis.", position="seated"),
    Exercise("neutral_pelvis", "Neutral pelvis",
             "Tip the tailbone out, then tuck it under; settle in a comfortable middle.",
             position="seated"),
    Exercise("stool", "Standing tip",
             "Standing for long? Rest one foot on a low stool, and swap feet now and then.",
             position="standing"),
)

CORE: tuple[Exercise, ...] = (
    Exercise("core_breath", "Core breathing",
             "Breathe in and let your belly and pelvic floor relax; breathe out and gently "
             "lift the pelvic floor and draw in the lower belly.",
             reps=(5, 10), position="seated or lying"),
)

KINDS: dict[str, Kind] = {
    k.id: k
    for k in (
        Kind("move", "Time to move", "Sit-to-stand / movement break", 30 * 60, True, MOVES),
        Kind("posture", "Posture check", "Ears, shoulders, hips stacked; neutral pelvis",
             20 * 60, True, POSTURE),
        Kind("stretch", "Stretch break", "One short stretch from a rotation", 60 * 60, True,
             STRETCHES),
        Kind("nerve_glide", "Nerve glide", "Seated or lying sciatic nerve glide", 120 * 60,
             False, NERVE_GLIDES),
        Kind("core", "Core breathing", "Breathing for pelvic floor and lower belly", 180 * 60,
             False, CORE),
    )
}

KIND_IDS: tuple[str, ...] = tuple(KINDS)

EXERCISES: dict[str, Exercise] = {e.id: e for k in KINDS.values() for e in k.exercises}


def exercise_for(kind_id: str, rotation: int) -> Exercise:
    """The exercise a kind shows at a given rotation step (wraps around)."""
    exercises = KINDS[kind_id].exercises
    return exercises[rotation % len(exercises)]


def reminder_body(kind_id: str, exercise: Exercise) -> str:
    """Notification body: one instruction, its numbers, and the pain rule where it matters."""
    text = exercise.text()
    if kind_id in ("stretch", "nerve_glide"):
        text = f"{exercise.name}: {text} {PAIN_RULE}"
    return text
