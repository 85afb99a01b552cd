"""Reminder kinds, the exercise catalog and the tips, in our own words from the seed text.

Pure data plus tiny helpers (standard library only, no threads; any thread may read them).
Every text paraphrases `shared/seed/postpartum-sciatica.txt`, and `docs/CONTENT.md` lists the
source phrase behind each one. The source's doses, and nothing it does not support:
- held stretches: 30-60 s, 1-2 times each side;
- moving exercises (pelvic tilts and circles, lumbar rotation): slow movement in both
  directions for the same 30-60 s, 1-2 times (the source gives them no count of their own);
- the nerve glide: ankle pumps with 1-2 s holds, 10 times;
- movement, posture and core breathing: no counts (the source gives none).
How far to go is `safety.PAIN_RULE`, the one wording of the pain rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .safety import PAIN_RULE

__all__ = [
    "CORE", "EXERCISES", "Exercise", "KIND_IDS", "KINDS", "Kind", "MOVES", "NERVE_GLIDES",
    "PAIN_RULE", "PLACES", "POSTURE", "Reminder", "STRETCHES", "TIPS", "TIPS_TITLE", "Tip",
    "exercise_for", "reminder_body", "routine_exercise",
]

#: Where an exercise is done in the routine; the routine says so when this changes.
PLACES = ("chair", "standing", "floor")

#: Styles of exercise: how the routine times it and how its dose is worded.
STYLES = ("hold", "move", "glide", "free")


@dataclass(frozen=True)
class Exercise:
    """One concrete thing to do.

    `instruction` is the full text (routine window); `cue` the one short sentence of a
    notification. `style`: "hold" (a still stretch), "move" (slow movement, `moves` are the
    directions shown in turn), "glide" (ankle pumps) or "free" (no timing of its own).
    `place` is where the routine does it ("chair", "standing", "floor"); `elsewhere` names
    the other place the source allows, if any.
    """

    id: str
    name: str
    instruction: str
    cue: str
    style: str = "free"
    place: str = "chair"
    elsewhere: str = ""
    sides: int = 1  # 2 = do it on each side (left, then right)
    hold_s: tuple[int, int] | None = None  # (min, max) seconds of a hold or movement block
    rounds: tuple[int, int] | None = None  # (min, max) times (each side, for two sides)
    pumps: int | None = None  # glides: ankle pumps per leg
    pump_hold_s: tuple[int, int] | None = None  # glides: seconds held each way
    moves: tuple[str, ...] = ()  # moving exercises: what to do, in turn, during a block

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"{self.id}: unknown style {self.style!r}")
        if self.place not in PLACES:
            raise ValueError(f"{self.id}: unknown place {self.place!r}")

    def numbers(self) -> str:
        """The source's dose in words, e.g. 'Hold 30-60 s, 1-2 times each side.'"""
        each = " each side" if self.sides == 2 else ""
        if self.style in ("hold", "move") and self.hold_s and self.rounds:
            verb = "Hold" if self.style == "hold" else "Move slowly for"
            return f"{verb} {_span(self.hold_s)} s, {_span(self.rounds)} times{each}."
        if self.style == "glide" and self.pumps and self.pump_hold_s:
            legs = " with each leg" if self.sides == 2 else ""
            return (f"{self.pumps} ankle pumps{legs}, holding each way only "
                    f"{_span(self.pump_hold_s)} s.")
        return ""

    def text(self) -> str:
        """Instruction followed by the dose."""
        return f"{self.instruction} {self.numbers()}".strip()


def _span(rng: tuple[int, int]) -> str:
    lo, hi = rng
    return f"{lo}-{hi}" if lo != hi else str(lo)


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


STRETCH_DOSE = {"hold_s": (30, 60), "rounds": (1, 2)}

STRETCHES: tuple[Exercise, ...] = (
    Exercise(
        "glutes", "Glute stretch",
        "Lie on your back and draw one knee, or both together, up towards your chest.",
        "Glute stretch: on your back, draw one or both knees towards your chest.",
        style="hold", place="floor", sides=2, **STRETCH_DOSE,
    ),
    Exercise(
        "piriformis", "Piriformis stretch",
        "Sit tall and rest one ankle on the opposite thigh. For more stretch, draw that knee "
        "and ankle towards the opposite shoulder until you feel it in your buttock.",
        "Piriformis stretch: seated, rest one ankle on the opposite thigh.",
        style="hold", place="chair", elsewhere="or lying on your back", sides=2,
        **STRETCH_DOSE,
    ),
    Exercise(
        "hamstrings", "Seated hamstring hinge",
        "Sit near the front edge of your chair with one leg out straight and your back long. "
        "Hinge forward from the hips until the back of that thigh feels a stretch.",
        "Hamstring stretch: at the chair's edge, one leg straight, hinge forward.",
        style="hold", place="chair", sides=2, **STRETCH_DOSE,
    ),
    Exercise(
        "calf", "Calf stretch at the wall",
        "Stand facing a wall. Put the ball of one foot up against it with the heel on the "
        "floor, then lean towards the wall until the back of your lower leg stretches.",
        "Calf stretch: ball of one foot up the wall, heel down, lean in.",
        style="hold", place="standing", sides=2, **STRETCH_DOSE,
    ),
    Exercise(
        "pelvic_tilts", "Pelvic tilts and circles",
        "Seated on your chair or on an exercise ball, move your pelvis slowly: tip it "
        "forward (back arched, tailbone out), then back (back flat, tailbone tucked). Then draw "
        "slow circles with it, one way round and then the other. Stay in a range that feels "
        "good.",
        "Pelvic tilts: seated, rock your pelvis slowly forward and back, then circle it.",
        style="move", place="chair", elsewhere="or lying on your back", **STRETCH_DOSE,
        moves=("Tilt slowly: arch and tip your tailbone out, then flatten and tuck it. "
               "Keep rocking forward and back.",
               "Circle slowly: forward, to one side, back, to the other side. "
               "Halfway through, go the other way round."),
    ),
    Exercise(
        "lumbar_rotation", "Lumbar rotation",
        "Lie on your back, knees bent and feet flat on the floor. Keeping the knees "
        "together, let them fall slowly to one side, bring them back through the middle, and "
        "let them fall to the other side. Keep swaying gently from side to side.",
        "Lumbar rotation: lying, knees bent, let both knees fall slowly side to side.",
        style="move", place="floor", **STRETCH_DOSE,
        moves=("Knees together: let them fall slowly to the left, back through the middle, "
               "then to the right. Keep going, side to side.",),
    ),
)

NERVE_GLIDES: tuple[Exercise, ...] = (
    Exercise(
        "sciatic_glide", "Sciatic nerve glide",
        "Sit on your chair and straighten one knee until the back of the leg feels a slight "
        "stretch. Keep it there and move the ankle: point your toes away, then pull them "
        "back towards you.",
        "Nerve glide: one knee straight, point and flex the ankle 10 times.",
        style="glide", place="chair", elsewhere="or lying on your back", sides=2,
        pumps=10, pump_hold_s=(1, 2),
    ),
)

MOVES: tuple[Exercise, ...] = (
    Exercise("sit_to_stand", "Sit to stand",
             "Stand up from your chair. If you can work standing for a while, at a sit-stand "
             "desk or a counter, do; then sit again later.",
             "Stand up from your chair, and work standing for a while if you can.",
             place="standing"),
    Exercise("short_walk", "Short walk",
             "Get up and take a brief walk: to the window, the kettle or down the hall.",
             "Get up and take a brief walk, even just down the hall.",
             place="standing"),
    Exercise("change_seat", "Change your seat",
             "Stand for a moment, then change what you sit on: a seat cushion, an exercise "
             "ball or another chair.",
             "Stand up, then change what you sit on: a cushion, a ball, another chair.",
             place="standing"),
)

POSTURE: tuple[Exercise, ...] = (
    Exercise("stack", "Stack up",
             "Ears over shoulders over hips; when standing, hips over ankles too.",
             "Ears over shoulders over hips; standing, hips over ankles too."),
    Exercise("ribs", "Ribs over pelvis",
             "Arch your back with the ribs forward, then round it with the ribs back, and "
             "settle in between, with your ribs stacked above your pelvis.",
             "Arch, then round your back; settle with your ribs stacked above your pelvis."),
    Exercise("neutral_pelvis", "Neutral pelvis",
             "Arch your back and tip the tailbone out, then flatten it and tuck the tailbone "
             "under. Settle in a middle that feels fine to you.",
             "Tip your tailbone out, then tuck it under; settle in a comfortable middle."),
    Exercise("stool", "Standing tip",
             "Standing gets uncomfortable? Rest one foot on a low stool, and swap feet now "
             "and then.",
             "If standing gets uncomfortable, rest one foot on a low stool, swapping feet.",
             place="standing"),
)

CORE: tuple[Exercise, ...] = (
    Exercise("core_breath", "Core breathing",
             "Breathe slowly. As you breathe out, gently connect with the pelvic floor and the "
             "lower belly; let them soften as you breathe in. A pelvic physical therapist can "
             "teach you the technique.",
             "Breathe slowly; breathing out, gently connect with the pelvic floor and lower "
             "belly."),
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

#: Kinds whose reminders open the guided routine (and carry the pain rule).
ROUTINE_KINDS = ("stretch", "nerve_glide")


@dataclass(frozen=True)
class Tip:
    """One short tip of the tips text (ui/tips.py shows them)."""

    heading: str
    text: str


TIPS_TITLE = "Tips between breaks"

TIPS: tuple[Tip, ...] = (
    Tip("Motion is lotion",
        "Try not to sit or stand in one place for too long. Notice when your body asks to "
        "move, and set reminders (like this app) if that helps."),
    Tip("Change the surface",
        "Change what you sit on now and then: a seat cushion, an exercise ball, another "
        "chair, or standing for a while."),
    Tip("A stool under one foot",
        "If standing gets uncomfortable, rest one foot on a low stool and swap feet from "
        "time to time."),
    Tip("Massage ball or foam roller",
        "Work into your buttock muscles with a tennis ball, a racquetball or a massage ball, "
        "and along the back of the thigh and lower leg. A foam roller works on the same "
        "areas."),
)


def exercise_for(kind_id: str, rotation: int, desk_only: bool = False) -> Exercise:
    """The exercise a kind shows at a given rotation step (wraps around); `desk_only` skips
    floor exercises when the kind has others."""
    exercises = KINDS[kind_id].exercises
    if desk_only:
        exercises = tuple(e for e in exercises if e.place != "floor") or exercises
    return exercises[rotation % len(exercises)]


def routine_exercise(pending_kind: str | None, pending_exercise_id: str | None,
                     rotation: int, desk_only: bool = False) -> str:
    """The exercise the tray's "Stretch routine..." opens: the waiting reminder's exercise if
    it is a stretch or glide, else the stretch at `rotation` (the stretch kind's next one).
    Pure; the app calls it with the engine's pending reminder and stretch rotation."""
    if pending_kind in ROUTINE_KINDS and pending_exercise_id in EXERCISES:
        return pending_exercise_id
    return exercise_for("stretch", rotation, desk_only).id


def reminder_body(kind_id: str, exercise: Exercise) -> str:
    """Notification body: one short sentence (the exercise's cue), plus the pain rule for the
    kinds that stretch. The full instruction and dose are in the routine window."""
    if kind_id in ROUTINE_KINDS:
        return f"{exercise.cue} {PAIN_RULE}"
    return exercise.cue
