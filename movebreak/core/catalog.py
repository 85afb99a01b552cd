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

The catalog is built at import, before the language is known, so it holds the English source
texts (marked `N_`); the attributes the app reads (`Exercise.name`, `.instruction`, `.cue`,
`.elsewhere`, `.moves`, `.numbers()`, `.text()`, `Kind.title`, `.summary`, `Tip.heading`,
`.text`, `tips_title()`, `reminder_body()`) translate them into the installed language each
time they are read. The `*_src` fields keep the English (config-file comments, tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from . import safety
from .l10n import N_, _, ngettext, pgettext
from .safety import PAIN_RULE

__all__ = [
    "CORE", "EXERCISES", "Exercise", "KIND_IDS", "KINDS", "Kind", "MOVES", "NERVE_GLIDES",
    "PAIN_RULE", "PLACES", "POSTURE", "Reminder", "STRETCHES", "TIPS", "TIPS_TITLE", "Tip",
    "exercise_for", "reminder_body", "routine_exercise", "tips_title",
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

    The texts are stored in English (`name_src`, `instruction_src`, `cue_src`,
    `elsewhere_src`, `moves_src`: the catalog is built at import, before the language is
    known); `name`, `instruction`, `cue`, `elsewhere`, `moves`, `numbers()` and `text()` give
    them in the installed language each time they are read.
    """

    id: str
    name_src: str
    instruction_src: str
    cue_src: str
    style: str = "free"
    place: str = "chair"
    elsewhere_src: str = ""
    sides: int = 1  # 2 = do it on each side (left, then right)
    hold_s: tuple[int, int] | None = None  # (min, max) seconds of a hold or movement block
    rounds: tuple[int, int] | None = None  # (min, max) times (each side, for two sides)
    pumps: int | None = None  # glides: ankle pumps per leg
    pump_hold_s: tuple[int, int] | None = None  # glides: seconds held each way
    moves_src: tuple[str, ...] = ()  # moving exercises: what to do, in turn, during a block

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"{self.id}: unknown style {self.style!r}")
        if self.place not in PLACES:
            raise ValueError(f"{self.id}: unknown place {self.place!r}")

    @property
    def name(self) -> str:
        return _(self.name_src)

    @property
    def instruction(self) -> str:
        return _(self.instruction_src)

    @property
    def cue(self) -> str:
        return _(self.cue_src)

    @property
    def elsewhere(self) -> str:
        return _(self.elsewhere_src) if self.elsewhere_src else ""

    @property
    def moves(self) -> tuple[str, ...]:
        return tuple(_(m) for m in self.moves_src)

    def numbers(self) -> str:
        """The source's dose in words, e.g. 'Hold 30-60 s, 1-2 times each side.'"""
        if self.style in ("hold", "move") and self.hold_s and self.rounds:
            hold, rounds, n = _span(self.hold_s), _span(self.rounds), self.rounds[1]
            if self.style == "hold" and self.sides == 2:
                # TRANSLATORS: the dose of a held stretch. {hold} is seconds ("30-60"),
                # {rounds} how many times ("1-2"); "s" = seconds.
                text = ngettext("Hold {hold} s, {rounds} time each side.",
                                "Hold {hold} s, {rounds} times each side.", n)
            elif self.style == "hold":
                # TRANSLATORS: the dose of a held stretch. {hold} is seconds ("30-60"),
                # {rounds} how many times ("1-2"); "s" = seconds.
                text = ngettext("Hold {hold} s, {rounds} time.",
                                "Hold {hold} s, {rounds} times.", n)
            elif self.sides == 2:
                # TRANSLATORS: the dose of a moving exercise (no hold: keep moving slowly).
                # {hold} is seconds ("30-60"), {rounds} how many times ("1-2").
                text = ngettext("Move slowly for {hold} s, {rounds} time each side.",
                                "Move slowly for {hold} s, {rounds} times each side.", n)
            else:
                # TRANSLATORS: the dose of a moving exercise (no hold: keep moving slowly).
                # {hold} is seconds ("30-60"), {rounds} how many times ("1-2").
                text = ngettext("Move slowly for {hold} s, {rounds} time.",
                                "Move slowly for {hold} s, {rounds} times.", n)
            return text.format(hold=hold, rounds=rounds)
        if self.style == "glide" and self.pumps and self.pump_hold_s:
            if self.sides == 2:
                # TRANSLATORS: the dose of the nerve glide. {pumps} ankle pumps (point the
                # toes away, pull them back) per leg; {hold} seconds ("1-2") each way.
                text = ngettext("{pumps} ankle pump with each leg, holding each way only "
                                "{hold} s.",
                                "{pumps} ankle pumps with each leg, holding each way only "
                                "{hold} s.", self.pumps)
            else:
                # TRANSLATORS: the dose of the nerve glide. {pumps} ankle pumps (point the
                # toes away, pull them back); {hold} seconds ("1-2") each way.
                text = ngettext("{pumps} ankle pump, holding each way only {hold} s.",
                                "{pumps} ankle pumps, holding each way only {hold} s.",
                                self.pumps)
            return text.format(pumps=self.pumps, hold=_span(self.pump_hold_s))
        return ""

    def text(self) -> str:
        """Instruction followed by the dose."""
        return f"{self.instruction} {self.numbers()}".strip()


def _span(rng: tuple[int, int]) -> str:
    """A number or a range of numbers ("30-60"), as the installed language writes a range."""
    lo, hi = rng
    # TRANSLATORS: a range of numbers in a dose, e.g. "30-60" (seconds) or "1-2" (times).
    return pgettext("range", "{lo}-{hi}").format(lo=lo, hi=hi) if lo != hi else str(lo)


@dataclass(frozen=True)
class Kind:
    """A reminder kind with its defaults and its rotation of exercises.

    `title` and `summary` are read in the installed language; `title_src` and `summary_src`
    are the English source texts (config-file comments use them).
    """

    id: str
    title_src: str
    summary_src: str
    default_interval_s: int
    default_enabled: bool
    exercises: tuple[Exercise, ...] = field(default_factory=tuple)

    @property
    def title(self) -> str:
        return _(self.title_src)

    @property
    def summary(self) -> str:
        return _(self.summary_src)


@dataclass(frozen=True)
class Reminder:
    """One reminder as shown to the user (the notifier and tray render this). Its texts are
    in the language that was installed when it was built."""

    id: int
    kind: str
    title: str
    body: str
    exercise_id: str | None
    due: datetime


STRETCH_DOSE = {"hold_s": (30, 60), "rounds": (1, 2)}

STRETCHES: tuple[Exercise, ...] = (
    Exercise(
        "glutes", N_("Glute stretch"),
        N_("Lie on your back and draw one knee, or both together, up towards your chest."),
        # TRANSLATORS: a notification: one short sentence (20 words at most with the pain rule).
        N_("Glute stretch: on your back, draw one or both knees towards your chest."),
        style="hold", place="floor", sides=2, **STRETCH_DOSE,
    ),
    Exercise(
        "piriformis", N_("Piriformis stretch"),
        N_("Sit tall and rest one ankle on the opposite thigh. For more stretch, draw that knee "
           "and ankle towards the opposite shoulder until you feel it in your buttock."),
        # TRANSLATORS: a notification: one short sentence (20 words at most with the pain rule).
        N_("Piriformis stretch: seated, rest one ankle on the opposite thigh."),
        style="hold", place="chair", elsewhere_src=N_("or lying on your back"), sides=2,
        **STRETCH_DOSE,
    ),
    Exercise(
        "hamstrings", N_("Seated hamstring hinge"),
        N_("Sit near the front edge of your chair with one leg out straight and your back long. "
           "Hinge forward from the hips until the back of that thigh feels a stretch."),
        # TRANSLATORS: a notification: one short sentence (20 words at most with the pain rule).
        N_("Hamstring stretch: at the chair's edge, one leg straight, hinge forward."),
        style="hold", place="chair", sides=2, **STRETCH_DOSE,
    ),
    Exercise(
        "calf", N_("Calf stretch at the wall"),
        N_("Stand facing a wall. Put the ball of one foot up against it with the heel on the "
           "floor, then lean towards the wall until the back of your lower leg stretches."),
        # TRANSLATORS: a notification: one short sentence (20 words at most with the pain rule).
        N_("Calf stretch: ball of one foot up the wall, heel down, lean in."),
        style="hold", place="standing", sides=2, **STRETCH_DOSE,
    ),
    Exercise(
        "pelvic_tilts", N_("Pelvic tilts and circles"),
        N_("Seated on your chair or on an exercise ball, move your pelvis slowly: tip it "
           "forward (back arched, tailbone out), then back (back flat, tailbone tucked). Then draw "
           "slow circles with it, one way round and then the other. Stay in a range that feels "
           "good."),
        # TRANSLATORS: a notification: one short sentence (20 words at most with the pain rule).
        N_("Pelvic tilts: seated, rock your pelvis slowly forward and back, then circle it."),
        style="move", place="chair", elsewhere_src=N_("or lying on your back"), **STRETCH_DOSE,
        moves_src=(N_("Tilt slowly: arch and tip your tailbone out, then flatten and tuck it. "
                      "Keep rocking forward and back."),
                   N_("Circle slowly: forward, to one side, back, to the other side. "
                      "Halfway through, go the other way round.")),
    ),
    Exercise(
        "lumbar_rotation", N_("Lumbar rotation"),
        N_("Lie on your back, knees bent and feet flat on the floor. Keeping the knees "
           "together, let them fall slowly to one side, bring them back through the middle, and "
           "let them fall to the other side. Keep swaying gently from side to side."),
        # TRANSLATORS: a notification: one short sentence (20 words at most with the pain rule).
        N_("Lumbar rotation: lying, knees bent, let both knees fall slowly side to side."),
        style="move", place="floor", **STRETCH_DOSE,
        moves_src=(N_("Knees together: let them fall slowly to the left, back through the "
                      "middle, then to the right. Keep going, side to side."),),
    ),
)

NERVE_GLIDES: tuple[Exercise, ...] = (
    Exercise(
        "sciatic_glide", N_("Sciatic nerve glide"),
        N_("Sit on your chair and straighten one knee until the back of the leg feels a slight "
           "stretch. Keep it there and move the ankle: point your toes away, then pull them "
           "back towards you."),
        # TRANSLATORS: a notification: one short sentence (20 words at most with the pain rule).
        N_("Nerve glide: one knee straight, point and flex the ankle 10 times."),
        style="glide", place="chair", elsewhere_src=N_("or lying on your back"), sides=2,
        pumps=10, pump_hold_s=(1, 2),
    ),
)

MOVES: tuple[Exercise, ...] = (
    Exercise("sit_to_stand", N_("Sit to stand"),
             N_("Stand up from your chair. If you can work standing for a while, at a sit-stand "
                "desk or a counter, do; then sit again later."),
             # TRANSLATORS: a notification: one short sentence (20 words at most with the pain rule).
             N_("Stand up from your chair, and work standing for a while if you can."),
             place="standing"),
    Exercise("short_walk", N_("Short walk"),
             N_("Get up and take a brief walk: to the window, the kettle or down the hall."),
             # TRANSLATORS: a notification: one short sentence (20 words at most with the pain rule).
             N_("Get up and take a brief walk, even just down the hall."),
             place="standing"),
    Exercise("change_seat", N_("Change your seat"),
             N_("Stand for a moment, then change what you sit on: a seat cushion, an exercise "
                "ball or another chair."),
             # TRANSLATORS: a notification: one short sentence (20 words at most with the pain rule).
             N_("Stand up, then change what you sit on: a cushion, a ball, another chair."),
             place="standing"),
)

POSTURE: tuple[Exercise, ...] = (
    Exercise("stack", N_("Stack up"),
             N_("Ears over shoulders over hips; when standing, hips over ankles too."),
             # TRANSLATORS: a notification: one short sentence (20 words at most with the pain rule).
             N_("Ears over shoulders over hips; standing, hips over ankles too.")),
    Exercise("ribs", N_("Ribs over pelvis"),
             N_("Arch your back with the ribs forward, then round it with the ribs back, and "
                "settle in between, with your ribs stacked above your pelvis."),
             # TRANSLATORS: a notification: one short sentence (20 words at most with the pain rule).
             N_("Arch, then round your back; settle with your ribs stacked above your pelvis.")),
    Exercise("neutral_pelvis", N_("Neutral pelvis"),
             N_("Arch your back and tip the tailbone out, then flatten it and tuck the tailbone "
                "under. Settle in a middle that feels fine to you."),
             # TRANSLATORS: a notification: one short sentence (20 words at most with the pain rule).
             N_("Tip your tailbone out, then tuck it under; settle in a comfortable middle.")),
    Exercise("stool", N_("Standing tip"),
             N_("Standing gets uncomfortable? Rest one foot on a low stool, and swap feet now "
                "and then."),
             # TRANSLATORS: a notification: one short sentence (20 words at most with the pain rule).
             N_("If standing gets uncomfortable, rest one foot on a low stool, swapping feet."),
             place="standing"),
)

CORE: tuple[Exercise, ...] = (
    Exercise("core_breath", N_("Core breathing"),
             N_("Breathe slowly. As you breathe out, gently connect with the pelvic floor and the "
                "lower belly; let them soften as you breathe in. A pelvic physical therapist can "
                "teach you the technique."),
             # TRANSLATORS: a notification: one short sentence (20 words at most with the pain rule).
             N_("Breathe slowly; breathing out, gently connect with the pelvic floor and lower "
                "belly.")),
)

KINDS: dict[str, Kind] = {
    k.id: k
    for k in (
        Kind("move", N_("Time to move"), N_("Sit-to-stand / movement break"), 30 * 60, True,
             MOVES),
        Kind("posture", N_("Posture check"), N_("Ears, shoulders, hips stacked; neutral pelvis"),
             20 * 60, True, POSTURE),
        Kind("stretch", N_("Stretch break"), N_("One short stretch from a rotation"), 60 * 60,
             True, STRETCHES),
        Kind("nerve_glide", N_("Nerve glide"), N_("Seated or lying sciatic nerve glide"),
             120 * 60, False, NERVE_GLIDES),
        Kind("core", N_("Core breathing"), N_("Breathing for pelvic floor and lower belly"),
             180 * 60, False, CORE),
    )
}

KIND_IDS: tuple[str, ...] = tuple(KINDS)

EXERCISES: dict[str, Exercise] = {e.id: e for k in KINDS.values() for e in k.exercises}

#: Kinds whose reminders open the guided routine (and carry the pain rule).
ROUTINE_KINDS = ("stretch", "nerve_glide")


@dataclass(frozen=True)
class Tip:
    """One short tip of the tips text (ui/tips.py shows them). `heading` and `text` are read
    in the installed language; `heading_src` and `text_src` are the English source texts."""

    heading_src: str
    text_src: str

    @property
    def heading(self) -> str:
        return _(self.heading_src)

    @property
    def text(self) -> str:
        return _(self.text_src)


#: The tips' title, English source text: show `tips_title()`.
TIPS_TITLE = N_("Tips between breaks")


def tips_title() -> str:
    """The tips' title in the installed language."""
    return _(TIPS_TITLE)


TIPS: tuple[Tip, ...] = (
    Tip(N_("Motion is lotion"),
        N_("Try not to sit or stand in one place for too long. Notice when your body asks to "
           "move, and set reminders (like this app) if that helps.")),
    Tip(N_("Change the surface"),
        N_("Change what you sit on now and then: a seat cushion, an exercise ball, another "
           "chair, or standing for a while.")),
    Tip(N_("A stool under one foot"),
        N_("If standing gets uncomfortable, rest one foot on a low stool and swap feet from "
           "time to time.")),
    Tip(N_("Massage ball or foam roller"),
        N_("Work into your buttock muscles with a tennis ball, a racquetball or a massage ball, "
           "and along the back of the thigh and lower leg. A foam roller works on the same "
           "areas.")),
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
        return f"{exercise.cue} {safety.pain_rule()}"
    return exercise.cue
