"""The guided stretch routine window:
`python -m movebreak.ui.routine [--config FILE] [--exercise ID] [--hold-seconds N]`.

Its own process (the tray app spawns it; a notification's Start button passes --exercise).
The dose comes from the config's [routine] table (hold 30/45/60 s, 1 or 2 times each side,
desk only); `--hold-seconds` overrides the hold and shortens the prompts to match (a test and
demo hook). Everything runs on this process's Tk main thread: a 100 ms `after` timer feeds
`time.monotonic()` to the pure `RoutineModel` and redraws what changed. History writes are
short (open, one insert, close). Stopping or closing early records a partial `routine` event;
finishing records a complete one and offers a one-tap comfort check-in (`checkin` event) and
"Once more" (the same routine again, recorded again). The Tips button opens `ui.tips`.
With `general.sound` on and `[routine] chime` (the default), "switch sides", the end of each
hold and the end of the routine are heard (adapters/sound.py: GSound, on its own thread with
a bounded wait, so the countdown never stalls); otherwise the display's bell rings there.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tkinter as tk
from datetime import UTC, datetime
from pathlib import Path
from tkinter import ttk

from PIL import Image, ImageTk

from movebreak.adapters import sound, storage
from movebreak.core.catalog import EXERCISES, KINDS, STRETCHES, Exercise
from movebreak.core.l10n import N_, _, ngettext, pgettext
from movebreak.core.safety import pain_rule
from movebreak.core.settings import Settings, default_settings
from movebreak.ui import setup_language, tips
from movebreak.ui.common import (
    Look,
    apply_look,
    dump_visible_state,
    geometry,
    on_terminate,
    open_root,
    pin_label_colors,
    resource_file,
    safety_foot,
)
from movebreak.ui.routine_model import (
    DEFAULT_HOLD_S,
    POSITION_S,
    PUMP_S,
    TRANSITION_S,
    RoutineModel,
    RoutineState,
    Step,
    plan,
    sound_cue,
)

WINDOW_TITLE = N_("movebreak stretch routine")
TICK_MS = 100
#: Ring colours per phase (Okabe-Ito, as in the charts): working vs. getting ready.
RING = {"work": "#0072B2", "prompt": "#E69F00", "paused": "#8a8a8a"}


def kind_of(exercise: Exercise) -> str | None:
    """The reminder kind whose rotation holds `exercise` (for the history event)."""
    for kind in KINDS.values():
        if exercise in kind.exercises:
            return kind.id
    return None


#: Where an exercise is done, as the routine card says it (translated where shown).
PLACE_TEXT = {"chair": N_("On a chair"), "standing": N_("Standing"), "floor": N_("On the floor")}
#: The same inside a sentence: "Next: Calf stretch (standing)".
PLACE_IN_TEXT = {"chair": N_("on a chair"), "standing": N_("standing"),
                 "floor": N_("on the floor")}


def times_text(n: int) -> str:
    """'once', 'twice', '3 times'."""
    if n == 1:
        return _("once")
    if n == 2:
        return _("twice")
    return ngettext("{n} time", "{n} times", n).format(n=n)


def side_text(side: str) -> str:
    """'Left side' / 'Right side'."""
    return _("Left side") if side == "left" else _("Right side")


def dose_text(work: list[Step]) -> str:
    """What this routine does for one exercise, read from its work steps, e.g. 'This
    routine: hold 45 s, twice each side.'"""
    first = work[0]
    two_sided = first.exercise.sides == 2
    seconds = f"{first.seconds:g}"
    times = times_text(first.reps)
    if first.phase == "hold":
        if two_sided:
            # TRANSLATORS: {times} is "once", "twice" or "3 times".
            return _("This routine: hold {seconds} s, {times} each side.").format(
                seconds=seconds, times=times)
        # TRANSLATORS: {times} is "once", "twice" or "3 times".
        return _("This routine: hold {seconds} s, {times}.").format(seconds=seconds,
                                                                     times=times)
    if first.phase == "move":
        # TRANSLATORS: {times} is "once", "twice" or "3 times".
        return _("This routine: {seconds} s of slow movement, {times}.").format(
            seconds=seconds, times=times)
    if first.phase == "pumps":
        each = f"{first.pump_s:g}"
        if two_sided:
            # TRANSLATORS: ankle pumps: point the toes away, then pull them back; {seconds}
            # is how long each way is held.
            return ngettext("This routine: {n} pump with each leg, {seconds} s each way.",
                            "This routine: {n} pumps with each leg, {seconds} s each way.",
                            first.pumps).format(n=first.pumps, seconds=each)
        return ngettext("This routine: {n} pump, {seconds} s each way.",
                        "This routine: {n} pumps, {seconds} s each way.",
                        first.pumps).format(n=first.pumps, seconds=each)
    return _("This routine: {seconds} s.").format(seconds=seconds)


def record_event(type_: str, kind: str | None, detail: dict) -> str | None:
    """Store one event in the history file; returns an error text instead of raising."""
    from movebreak.adapters.history import History, HistoryError
    try:
        with History(storage.history_path()) as hist:
            hist.record(type_, kind, at=datetime.now(UTC), detail=detail)
    except HistoryError as e:
        # TRANSLATORS: {error} is the reason.
        return _("Could not save this to your history: {error}").format(error=e)
    except (OSError, ValueError) as e:
        return _("Could not save this to your history: {error}").format(error=e)
    return None


class Chime:
    """The routine's sounds, for the window's Tk thread: "switch sides" and every hold's end
    ("hold_end"), the routine's end ("complete"), in the `general.sound` choice, when that is
    not "off" and `[routine] chime` is on (Linux: GSound; elsewhere the display's bell).
    `played` lists each cue with whether it played and when (time.monotonic())."""

    def __init__(self, settings: Settings) -> None:
        self.choice = settings.sound
        self.on = settings.sound != "off" and settings.routine_chime and sound.IS_LINUX
        self.player: sound.Player | None = sound.Player() if self.on else None
        self.played: list[dict] = []

    def __call__(self, events: list[str]) -> bool:
        """Play the cue for the phases the clock entered (routine_model.sound_cue), if any;
        True when a sound started."""
        cue = sound_cue(events)
        if cue is None or self.player is None:
            return False
        at = time.monotonic()
        ok = self.player.play(self.choice, cue)
        self.played.append({"cue": cue, "played": ok, "at": at})
        return ok


class RoutineWindow:
    """The routine on a Tk root. `model` walks the steps; this class only draws and records."""

    def __init__(self, root: tk.Tk, exercises: list[Exercise], *,
                 settings: Settings | None = None, hold_s: float | None = None,
                 config: str | None = None, debug_file: str | None = None) -> None:
        """`settings` gives the dose ([routine]); `hold_s` overrides the hold and scales the
        prompts and pumps by hold_s / 30 s, never above their normal length (tests, demos)."""
        self.root = root
        self.debug_file = debug_file
        self.config = config
        settings = settings or default_settings()
        self.settings = settings
        exercises = list(plan(exercises, settings.desk_only))
        hold = float(settings.routine_hold_s) if hold_s is None else hold_s
        scale = 1.0 if hold_s is None else min(1.0, hold_s / DEFAULT_HOLD_S)
        fast = {} if hold_s is None else {
            "transition_s": TRANSITION_S * scale, "position_s": POSITION_S * scale,
            "pump_s": PUMP_S * scale}
        self.model = RoutineModel(exercises, time.monotonic(), hold_s=hold,
                                  rounds=settings.routine_rounds, **fast)
        self.tips_process = None
        self.kind = kind_of(exercises[0])
        #: what a work step is called on screen: "hold" for stretches, "step" otherwise
        self.unit = "hold" if all(s.phase == "hold" for s in self.model.steps if s.work) \
            else "step"
        self.look: Look = apply_look(root)
        self.view = "routine"  # "routine" -> "checkin" -> "closing"
        self.routine_detail: dict | None = None
        self.checkin_score: int | None = None
        self.errors: list[str] = []
        self._shown: tuple | None = None
        self._photo_for: str | None = None
        self._photo: ImageTk.PhotoImage | None = None
        self._timer: str | None = None
        self._closing = False
        self.checkin_buttons: dict[int, ttk.Button] = {}
        self.chime = Chime(settings)

        px = self.look.px
        root.title(_(WINDOW_TITLE))
        root.columnconfigure(0, weight=1)
        root.rowconfigure(0, weight=1)
        self.outer = ttk.Frame(root, padding=(px(24), px(18), px(24), px(18)))
        self.outer.grid(row=0, column=0, sticky="nsew")
        self.outer.columnconfigure(0, weight=1)

        header = ttk.Frame(self.outer)
        header.grid(row=0, column=0, sticky="ew")
        header.columnconfigure(0, weight=1)
        title = KINDS[self.kind].title if self.kind in KINDS else _("Stretch break")
        ttk.Label(header, text=title, style="Title.TLabel").grid(row=0, column=0, sticky="w")
        self.progress_text = ttk.Label(header, text="", style="Muted.TLabel")
        self.progress_text.grid(row=0, column=1, sticky="e")
        self.tips_button = ttk.Button(header, text=_("Tips"), width=-6, command=self.open_tips,
                                      takefocus=False)
        self.tips_button.grid(row=0, column=2, sticky="e", padx=(px(12), 0))
        self.progress = ttk.Progressbar(self.outer, mode="determinate",
                                        maximum=max(1, self.model.steps_total))
        self.progress.grid(row=1, column=0, sticky="ew", pady=(px(8), px(14)))

        self.body = ttk.Frame(self.outer)
        self.body.grid(row=2, column=0, sticky="nsew")
        self.body.columnconfigure(0, weight=1)
        self._routine_view(self.body)

        self.status = ttk.Label(self.outer, text="", style="Error.TLabel", justify="left",
                                wraplength=px(600))
        self.status.grid(row=4, column=0, sticky="w", pady=(px(8), 0))
        self.status.grid_remove()

        note = ttk.Frame(self.outer, style="Note.TFrame", padding=(px(12), px(8)))
        note.grid(row=5, column=0, sticky="ew", pady=(px(14), 0))
        note.columnconfigure(0, weight=1)
        self.pain_label = ttk.Label(note, text=pain_rule(), style="Note.TLabel",
                                    font="SunValleyBodyStrongFont", justify="left",
                                    wraplength=px(600))
        self.pain_label.grid(row=0, column=0, sticky="w")
        self.safety_label = safety_foot(note, self.look, wrap=600, style="Note.TLabel",
                                        pain_rule=False)
        self.safety_label.grid(row=1, column=0, sticky="w", pady=(px(2), 0))

        root.bind("<Escape>", lambda _e: self.close_early())
        root.bind("<space>", lambda _e: self._key_pause())
        root.bind("<Right>", lambda _e: self._key_skip())
        root.bind("<Key>", self._on_key, add="+")
        root.protocol("WM_DELETE_WINDOW", self.close_early)
        on_terminate(root, self.close_early)
        root.bind("<Destroy>", self._on_destroy, add="+")
        pin_label_colors(root)
        self._centered = False  # no debug dump before the window has its place
        self._render(force=True)
        self._center()
        self._centered = True
        self._dump("shown")
        root.after_idle(root.focus_force)
        if self.chime.on:  # open the sound device before the first chime is due
            root.after_idle(self.chime.player.check)
        self._timer = root.after(TICK_MS, self._tick)

    # ------------------------------------------------------------------ building
    def _routine_view(self, parent: ttk.Frame) -> None:
        px = self.look.px
        self.routine_frame = ttk.Frame(parent)
        self.routine_frame.grid(row=0, column=0, sticky="nsew")
        self.routine_frame.columnconfigure(0, weight=1)

        card = ttk.Frame(self.routine_frame, style="Card.TFrame", padding=px(14))
        card.grid(row=0, column=0, sticky="ew")
        card.columnconfigure(1, weight=1)
        self.picture = ttk.Label(card)
        self.picture.grid(row=0, column=0, rowspan=4, sticky="nw", padx=(0, px(16)))
        self.name_label = ttk.Label(card, text="", style="Subtitle.TLabel")
        self.name_label.grid(row=0, column=1, sticky="w")
        self.position_label = ttk.Label(card, text="", style="Muted.TLabel")
        self.position_label.grid(row=1, column=1, sticky="w", pady=(px(2), px(6)))
        self.instruction = ttk.Label(card, text="", style="Body.TLabel", justify="left",
                                     wraplength=px(330))
        self.instruction.grid(row=2, column=1, sticky="nw")
        self.numbers = ttk.Label(card, text="", style="Muted.TLabel", justify="left",
                                 wraplength=px(330))
        self.numbers.grid(row=3, column=1, sticky="nw", pady=(px(6), 0))

        timer = ttk.Frame(self.routine_frame)
        timer.grid(row=1, column=0, pady=(px(16), 0))
        size = px(170)
        self.ring_size = size
        self.ring = tk.Canvas(timer, width=size, height=size, highlightthickness=0,
                              borderwidth=0, background=self.look.colors["bg"])
        self.ring.grid(row=0, column=0, rowspan=3, padx=(0, px(20)))
        m, w = px(10), px(12)
        self.ring_width = w
        self.ring.create_oval(m, m, size - m, size - m, outline=self.look.colors["track"],
                              width=w)
        self.ring_arc = self.ring.create_arc(m, m, size - m, size - m, start=90, extent=-359.9,
                                             style="arc", outline=RING["work"], width=w)
        self.ring_text = self.ring.create_text(size / 2, size / 2 - px(8), text="",
                                               font=self.look.font(54, "bold"),
                                               fill=self.look.colors["fg"])
        self.ring_unit = self.ring.create_text(size / 2, size / 2 + px(30),
                                               text=self._seconds_word(30),
                                               font=self.look.font(13),
                                               fill=self.look.colors["muted"])
        self.side_label = ttk.Label(timer, text="", style="Subtitle.TLabel")
        self.side_label.grid(row=0, column=1, sticky="sw")
        self.prompt_label = ttk.Label(timer, text="", style="Large.TLabel", justify="left",
                                      wraplength=px(300))
        self.prompt_label.grid(row=1, column=1, sticky="w", pady=(px(4), 0))
        self.next_label = ttk.Label(timer, text="", style="Muted.TLabel", justify="left",
                                    wraplength=px(300))
        self.next_label.grid(row=2, column=1, sticky="nw", pady=(px(6), 0))

        buttons = ttk.Frame(self.routine_frame)
        buttons.grid(row=2, column=0, sticky="ew", pady=(px(16), 0))
        buttons.columnconfigure(0, weight=1)
        # No keyboard focus on these: Space, Right and Escape always mean pause, skip, close
        # (a focused button would take Space for itself).
        # TRANSLATORS: a button that pauses the routine's countdown.
        self.pause_button = ttk.Button(buttons, text=pgettext("routine button", "Pause"),
                                       width=-10, style="Accent.TButton",
                                       command=self.toggle_pause, takefocus=False)
        self.pause_button.grid(row=0, column=1, padx=(0, px(8)))
        self.skip_button = ttk.Button(buttons, text=_("Skip step"), width=-10, command=self.skip,
                                      takefocus=False)
        self.skip_button.grid(row=0, column=2, padx=(0, px(8)))
        self.stop_button = ttk.Button(buttons, text=pgettext("routine button", "Stop"),
                                      width=-8, command=self.stop, takefocus=False)
        self.stop_button.grid(row=0, column=3)
        # TRANSLATORS: the routine's keys: Space, the right arrow, Escape.
        # Longer words (some languages) wrap instead of pushing the buttons out.
        ttk.Label(buttons, text=_("Space pauses · → skips · Esc closes"), style="Muted.TLabel",
                  justify="left", wraplength=px(300)).grid(row=0, column=0, sticky="w")

    def _checkin_view(self) -> None:
        px = self.look.px
        self.routine_frame.grid_remove()
        frame = ttk.Frame(self.body)
        frame.grid(row=0, column=0, sticky="nsew")
        frame.columnconfigure(0, weight=1)
        self.checkin_frame = frame
        st = self.model.state()
        done, total = st.steps_done, st.steps_total
        holds = self.unit == "hold"
        if st.complete:
            head = _("Well done!")
            sub = (_("Every hold done ({done} of {total}).") if holds else
                   _("Every step done ({done} of {total}).")).format(done=total, total=total)
        elif st.finished:
            head = _("Routine finished")
            sub = (ngettext("{done} of {total} hold done; skipping one is fine.",
                            "{done} of {total} holds done; skipping one is fine.", total)
                   if holds else
                   ngettext("{done} of {total} step done; skipping one is fine.",
                            "{done} of {total} steps done; skipping one is fine.", total)
                   ).format(done=done, total=total)
        else:
            head = _("Stopped early, and that's fine")
            sub = (ngettext("{done} of {total} hold done. Every bit of movement counts.",
                            "{done} of {total} holds done. Every bit of movement counts.", total)
                   if holds else
                   ngettext("{done} of {total} step done. Every bit of movement counts.",
                            "{done} of {total} steps done. Every bit of movement counts.", total)
                   ).format(done=done, total=total)
        wrap = px(560)
        ttk.Label(frame, text=head, style="Subtitle.TLabel", wraplength=wrap,
                  justify="left").grid(row=0, column=0, sticky="w")
        ttk.Label(frame, text=sub, style="Muted.TLabel", wraplength=wrap,
                  justify="left").grid(row=1, column=0, sticky="w", pady=(px(2), px(16)))
        card = ttk.Frame(frame, style="Card.TFrame", padding=px(16))
        card.grid(row=2, column=0, sticky="ew")
        card.columnconfigure(0, weight=1)
        ttk.Label(card, text=_("How comfortable do you feel right now?"), wraplength=wrap,
                  justify="left", style="Strong.TLabel").grid(row=0, column=0, sticky="w")
        ttk.Label(card, text=_("Optional, one tap. It shows up in your history next to your "
                               "breaks."), wraplength=wrap, justify="left",
                  style="Muted.TLabel").grid(row=1, column=0, sticky="w")
        row = ttk.Frame(card)
        row.grid(row=2, column=0, sticky="w", pady=(px(12), px(4)))
        for n in range(11):
            b = ttk.Button(row, text=str(n), width=3, command=lambda n=n: self.checkin(n))
            b.grid(row=0, column=n, padx=(0, px(4)))
            self.checkin_buttons[n] = b
        ends = ttk.Frame(card)
        ends.grid(row=3, column=0, sticky="ew")
        ends.columnconfigure(1, weight=1)
        ttk.Label(ends, text=_("0 = very uncomfortable"), style="Muted.TLabel").grid(
            row=0, column=0, sticky="w")
        ttk.Label(ends, text=_("10 = very comfortable"), style="Muted.TLabel").grid(
            row=0, column=2, sticky="e")
        bottom = ttk.Frame(frame)
        bottom.grid(row=3, column=0, sticky="ew", pady=(px(16), 0))
        bottom.columnconfigure(0, weight=1)
        self.thanks = ttk.Label(bottom, text="", style="Strong.TLabel")
        self.thanks.grid(row=0, column=0, sticky="w")
        # TRANSLATORS: a button: do the same stretch routine again.
        self.once_more_button = ttk.Button(bottom, text=_("Once more"), width=-10,
                                           command=self.once_more)
        self.once_more_button.grid(row=0, column=1, padx=(0, px(8)))
        # TRANSLATORS: a button: skip the comfort question and close the window.
        self.skip_checkin = ttk.Button(bottom, text=pgettext("check-in", "Skip"), width=-10,
                                       command=self.close)
        self.skip_checkin.grid(row=0, column=2)
        pin_label_colors(self.root, frame)
        self.progress.configure(value=self.model.steps_done)
        # TRANSLATORS: the routine's progress: work steps done of all.
        self.progress_text.configure(text=_("{done} of {total} done").format(
            done=st.steps_done, total=st.steps_total))
        self.root.after_idle(self.skip_checkin.focus_set)

    def _center(self) -> None:
        self.root.update_idletasks()
        w, h = self.root.winfo_reqwidth(), self.root.winfo_reqheight()
        sw, sh = self.root.winfo_screenwidth(), self.root.winfo_screenheight()
        self.root.geometry(f"+{max(0, (sw - w) // 2)}+{max(0, (sh - h) // 3)}")

    # ------------------------------------------------------------------ time
    def _tick(self) -> None:
        self._timer = None
        if self.view != "routine":
            return
        events = self.model.tick(time.monotonic())
        self._after_events(events, timed=True)
        if self.view == "routine":
            self._timer = self.root.after(TICK_MS, self._tick)

    def _after_events(self, events: list[str], timed: bool = False) -> None:
        """Sound and redraw after the model moved on; `timed`: the clock moved it (a skip
        by key or button gets no chime: the person is at the screen)."""
        chimed = timed and self._chime(events)
        if not chimed and any(e in ("switch", "prepare") for e in events):
            self.root.bell()
        self._render()
        if self.model.finished and self.view == "routine":
            if not chimed:
                self.root.bell()
            self._finish()

    def _chime(self, events: list[str]) -> bool:
        """The chime for the clock's `events`; False if nothing played (the window then rings
        the display's bell, as without the setting). A problem is shown once."""
        played = self.chime(events)
        # TRANSLATORS: {problem} says why the sound could not play.
        text = _("No chime: {problem}").format(problem=self.chime.player.problem) \
            if self.chime.player else ""
        if not played and self.chime.player and self.chime.player.problem \
                and text not in self.errors:
            self._error(text)
        return played

    def _finish(self) -> None:
        self._record_routine()
        self.view = "checkin"
        self._checkin_view()
        self._dump("checkin")

    # ------------------------------------------------------------------ actions
    def toggle_pause(self) -> None:
        if self.view != "routine":
            return
        self.model.toggle_pause(time.monotonic())
        self._render()

    def skip(self) -> None:
        if self.view != "routine":
            return
        self._after_events(self.model.advance(time.monotonic()))

    def stop(self) -> None:
        """Stop button: record what was done, then offer the check-in."""
        if self.view != "routine":
            return
        self.model.stop(time.monotonic())
        self._record_routine()
        self.view = "checkin"
        self._checkin_view()
        self._dump("checkin")

    def once_more(self) -> None:
        """Once more (check-in view): the same routine again from the start, recorded as its
        own `routine` event. The check-in frame is hidden, not destroyed (see _on_destroy)."""
        if self.view != "checkin" or self.checkin_score is not None:
            return
        self.checkin_frame.grid_remove()
        self.model.restart(time.monotonic())
        self.routine_detail = None
        self.view = "routine"
        self.routine_frame.grid()
        self._shown = None
        self._render(force=True)
        self._timer = self.root.after(TICK_MS, self._tick)
        self._dump("once_more")

    def open_tips(self) -> None:
        """Tips button: the tips window in its own process (not a second one while open)."""
        if self.tips_process is None or self.tips_process.poll() is not None:
            self.tips_process = tips.spawn(self.config)
        self._dump("tips")

    def close_early(self) -> None:
        """Escape / window closed / SIGTERM: record a partial routine if none was, then close."""
        if self.view == "routine":
            self.model.stop(time.monotonic())
            self._record_routine()
        self.close()

    def _on_destroy(self, _event) -> None:
        """The window is being destroyed from outside (no WM_DELETE_WINDOW, e.g. `xdotool
        windowclose`): record the partial routine at the first widget to go, since Xlib may
        end the process with a BadWindow error before Tk reaches the toplevel itself. This
        window never destroys widgets of its own before `close`."""
        if not self._closing:
            self._closing = True
            if self.view == "routine":
                self.model.stop(time.monotonic())
                self._record_routine()

    def checkin(self, score: int) -> None:
        if self.view != "checkin" or self.checkin_score is not None:
            return
        error = record_event("checkin", None, {"comfort": score, "score": score})
        if error:
            self._error(error)
            return
        self.checkin_score = score
        for n, b in self.checkin_buttons.items():
            b.state(["disabled"] if n != score else ["pressed"])
        # TRANSLATORS: the comfort check-in was saved; {score} is 0 to 10.
        self.thanks.configure(text=_("Saved: {score}/10. Thank you!").format(score=score))
        self._dump("checkin_saved")
        self.root.after(900, self.close)

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        self.view = "closing"
        self._dump("closed")
        if self._timer is not None:
            try:
                self.root.after_cancel(self._timer)
            except tk.TclError:
                pass
        try:
            self.root.destroy()
        except tk.TclError:
            pass

    def _record_routine(self) -> None:
        if self.routine_detail is not None:
            return
        detail = self.model.summary()
        ended = self.model.ended if self.model.ended is not None else time.monotonic()
        detail["duration_s"] = round(max(0.0, ended - self.model.started))
        self.routine_detail = detail
        error = record_event("routine", self.kind, detail)
        if error:
            self._error(error)

    def _error(self, text: str) -> None:
        self.errors.append(text)
        print(f"movebreak routine: {text}", file=sys.stderr)
        try:
            self.status.configure(text=text)
            self.status.grid()
        except tk.TclError:
            pass

    def _on_key(self, event) -> None:
        if self.view == "checkin" and event.char and event.char.isdigit():
            self.checkin(int(event.char))

    def _key_pause(self) -> str | None:
        if self.view == "routine":
            self.toggle_pause()
            return "break"
        return None

    def _key_skip(self) -> None:
        self.skip()

    # ------------------------------------------------------------------ drawing
    def _render(self, force: bool = False) -> None:
        st = self.model.state()
        key = (st.phase, st.exercise.id if st.exercise else None, st.side, st.rep,
               st.seconds_left, st.paused, st.pump, st.pump_phase, st.steps_done, st.skipped,
               st.prompt)
        self._draw_ring(st)
        if key == self._shown and not force:
            return
        self._shown = key
        ex = st.exercise
        if ex is not None and ex.id != self._photo_for:
            self._show_exercise(ex)
        self.progress.configure(value=st.steps_done + st.skipped)
        self.progress_text.configure(text=self._progress_text(st))
        self.ring.itemconfigure(self.ring_text, text=str(st.seconds_left))
        self.ring.itemconfigure(self.ring_unit,
                                # TRANSLATORS: under the countdown while it is paused.
                                text=pgettext("countdown", "paused") if st.paused else
                                self._seconds_word(st.seconds_left))
        side = ""
        if st.side and st.phase in ("hold", "pumps", "move"):
            side = side_text(st.side)
        elif st.phase == "prepare":
            side = _("Change position") if st.moved and st.exercise_index else _("Get ready")
        elif st.phase == "switch":
            side = _("Switch sides")
        elif st.phase == "rest":
            side = _("Short rest")
        elif st.phase in ("hold", "move", "free"):
            # TRANSLATORS: what to do now: "Hold" (a stretch still), "Move slowly", "Go".
            side = {"hold": pgettext("routine phase", "Hold"), "move": _("Move slowly"),
                    "free": pgettext("routine phase", "Go")}[st.phase]
        if st.reps > 1 and st.phase in ("hold", "move"):
            # TRANSLATORS: {what} is e.g. "Left side" or "Hold"; then the round, "1 of 2".
            side = _("{what} · {rep} of {reps}").format(what=side, rep=st.rep, reps=st.reps)
        self.side_label.configure(text=side)
        prompt = st.prompt
        if st.phase == "pumps":
            # TRANSLATORS: ankle pumps of the nerve glide; {pump} counts them ("3 of 10").
            prompt = (_("Pump {pump} of {pumps}: point your toes away")
                      if st.pump_phase == "point" else
                      _("Pump {pump} of {pumps}: pull your toes back towards you")).format(
                pump=st.pump, pumps=st.pumps)
        if st.paused:
            prompt = _("Paused while the computer slept. Press Resume when you are ready.") \
                if st.auto_paused else _("Paused. Press Resume when you are ready.")
        self.prompt_label.configure(text=prompt)
        self.next_label.configure(text=self._next_text())
        self.pause_button.configure(text=_("Resume") if st.paused else
                                    pgettext("routine button", "Pause"))
        self._dump()

    @staticmethod
    def _seconds_word(n: int) -> str:
        """The word under the countdown's number."""
        # TRANSLATORS: under the countdown's number (the number itself is shown above it).
        return ngettext("second", "seconds", n)

    def _progress_text(self, st: RoutineState) -> str:
        """'Exercise 2 of 5 · hold 3 of 8', or 'Hold 1 of 2' for a single exercise."""
        values = {"exercise": st.exercise_index + 1, "exercises": st.exercise_count,
                  "step": st.step_number, "steps": st.steps_total}
        if st.exercise_count > 1:
            # TRANSLATORS: the routine's progress: the exercise, then the hold (a stretch held
            # still) or step among all of the routine.
            text = _("Exercise {exercise} of {exercises} · hold {step} of {steps}") \
                if self.unit == "hold" else \
                _("Exercise {exercise} of {exercises} · step {step} of {steps}")
        else:
            text = _("Hold {step} of {steps}") if self.unit == "hold" else \
                _("Step {step} of {steps}")
        return text.format(**values)

    def _next_text(self) -> str:
        """What comes after the current step: the other side, the next stretch, or the end."""
        m = self.model
        cur = m.current
        if cur is None:
            return ""
        for step in m.steps[m.index + 1:]:
            if not step.work:
                continue
            if step.exercise is not cur.exercise:
                if step.exercise.place == cur.exercise.place:
                    # TRANSLATORS: {exercise} is the next exercise's name.
                    return _("Next: {exercise}").format(exercise=step.exercise.name)
                # TRANSLATORS: {exercise} is the next exercise's name; {place} is where it is
                # done: "on a chair", "standing" or "on the floor".
                return _("Next: {exercise} ({place})").format(
                    exercise=step.exercise.name, place=_(PLACE_IN_TEXT[step.exercise.place]))
            if not cur.work:  # a prompt before this exercise's next hold
                return self._next_side(step.side) if step.side else ""
            if step.side and step.side != cur.side:
                return self._next_side(step.side)
            return _("Next: round {rep} of {reps}").format(rep=step.rep, reps=step.reps)
        return _("Last one, nearly there") if cur.work else ""

    @staticmethod
    def _next_side(side: str) -> str:
        return _("Next: left side") if side == "left" else _("Next: right side")

    def _draw_ring(self, st: RoutineState) -> None:
        if st.paused:
            color = RING["paused"]
        elif st.phase in ("hold", "pumps", "move", "free"):
            color = RING["work"]
        else:
            color = RING["prompt"]
        left = max(0.0, 1.0 - st.fraction)
        extent = -359.9 * left if left > 0.001 else 0
        self.ring.itemconfigure(self.ring_arc, extent=extent, outline=color)

    def _show_exercise(self, ex: Exercise) -> None:
        self._photo_for = ex.id
        self.name_label.configure(text=ex.name)
        where = _(PLACE_TEXT[ex.place])
        if ex.elsewhere:
            # TRANSLATORS: where an exercise is done, and where else it may be, e.g. "On a
            # chair (or lying on your back)".
            where = _("{place} ({elsewhere})").format(place=where, elsewhere=ex.elsewhere)
        sides = _("each side") if ex.sides == 2 else ""
        self.position_label.configure(text=" · ".join(p for p in (where, sides) if p))
        self.instruction.configure(text=ex.instruction)
        # TRANSLATORS: {dose} is the source's dose, e.g. "Hold 30-60 s, 1-2 times each side."
        usual = _("Usual dose: {dose}").format(dose=ex.numbers()) + "\n" if ex.numbers() else ""
        work = [s for s in self.model.steps if s.exercise is ex and s.work]
        self.numbers.configure(text=usual + dose_text(work))
        path = resource_file(f"ex-{ex.id}@2x.png") or resource_file(f"ex-{ex.id}.png")
        if path is None:
            self.picture.configure(image="")
            self.picture.grid_remove()
            return
        try:
            img = Image.open(path).convert("RGBA")
        except OSError:
            self.picture.grid_remove()
            return
        w, h = self.look.px(240), self.look.px(180)
        img = img.resize((w, h), Image.Resampling.LANCZOS)
        bg = Image.new("RGBA", img.size, self.look.colors["bg"])
        bg.alpha_composite(img)
        self._photo = ImageTk.PhotoImage(bg.convert("RGB"), master=self.root)
        self.picture.configure(image=self._photo)
        self.picture.grid()

    # ------------------------------------------------------------------ debug hook
    def visible_state(self) -> dict:
        """What the window shows now (for tests), read back from the widgets."""
        st = self.model.state()
        data = {
            "pid": os.getpid(),
            "title": self.root.title(),
            "view": self.view,
            "phase": st.phase,
            "exercise": st.exercise.id if st.exercise else None,
            "side": st.side,
            "seconds_left": int(self.ring.itemcget(self.ring_text, "text") or 0),
            "side_text": str(self.side_label.cget("text")),
            "prompt": str(self.prompt_label.cget("text")),
            "paused": st.paused,
            "steps_done": st.steps_done,
            "steps_total": st.steps_total,
            "routine_recorded": self.routine_detail,
            "checkin": self.checkin_score,
            "errors": list(self.errors),
            "status": str(self.status.cget("text")),
            "buttons": {name: geometry(b) for name, b in (
                ("pause", self.pause_button), ("skip", self.skip_button),
                ("stop", self.stop_button), ("tips", self.tips_button),
                ("once_more", getattr(self, "once_more_button", None)),
                ("skip_checkin", getattr(self, "skip_checkin", None))) if b is not None},
            "exercises": [e.id for e in self.model.exercises],
            "name": str(self.name_label.cget("text")),
            "position": str(self.position_label.cget("text")),
            "instruction": str(self.instruction.cget("text")),
            "numbers": str(self.numbers.cget("text")),
            "next": str(self.next_label.cget("text")),
            "pain_rule": str(self.pain_label.cget("text")),
            "foot": str(self.safety_label.cget("text")),
            "seconds_total": st.seconds_total,
            "run": self.model.runs,
            "tips_pid": self.tips_process.pid if self.tips_process else None,
            "chime_on": self.chime.on,
            "chimes": list(self.chime.played),
            "checkin_buttons": {str(n): geometry(b) for n, b in self.checkin_buttons.items()},
            "window": geometry(self.root),
        }
        return data

    def _dump(self, event: str = "changed") -> None:
        if self._centered:
            dump_visible_state(self.root, self.debug_file, self.visible_state, event)


def main(argv: list[str] | None = None) -> int:
    """Run the routine window; 0 when it closes, 1 without a display, 2 for bad arguments."""
    parser = argparse.ArgumentParser(prog="movebreak routine window")
    parser.add_argument("--config", metavar="FILE", type=Path,
                        help="config file: the [routine] table sets hold, rounds, desk only")
    parser.add_argument("--exercise", metavar="ID",
                        help="one exercise from the catalog (default: the whole stretch "
                             f"rotation); one of: {', '.join(EXERCISES)}")
    parser.add_argument("--hold-seconds", type=float, metavar="N",
                        help="hold N seconds instead of the [routine] hold; shorter holds "
                             "shorten the prompts in proportion (for tests and demos)")
    args = parser.parse_args(argv)
    if args.exercise is not None and args.exercise not in EXERCISES:
        parser.error(f"unknown exercise {args.exercise!r}; one of: {', '.join(EXERCISES)}")
    if args.hold_seconds is not None and not 0 < args.hold_seconds <= 600:
        parser.error(f"--hold-seconds must be above 0 and at most 600 (got {args.hold_seconds})")
    exercises = [EXERCISES[args.exercise]] if args.exercise else list(STRETCHES)
    loaded = storage.load_config(args.config, write_default=False, backup=False)
    setup_language(settings=loaded.settings)  # before any text is built
    root = open_root()
    if root is None:
        return 1
    RoutineWindow(root, exercises, settings=loaded.settings, hold_s=args.hold_seconds,
                  config=str(storage.config_path(args.config)),
                  debug_file=os.environ.get("MOVEBREAK_UI_DEBUG_FILE") or None)
    root.mainloop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
