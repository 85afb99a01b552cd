"""The settings window (Tk + ttk + sv_ttk): `python -m movebreak.ui.settings --config FILE`.

Runs in its own process (the tray owns the app's main thread); everything here happens on this
process's main thread. The form logic lives in `settings_form` (no Tk); this module only draws
it, marks invalid fields, and on Save writes the file atomically, switches start at login and
asks the running instance to reload.

Env (see ui/common.py): MOVEBREAK_UI_SCALE forces a scale factor (2 = 200 %),
MOVEBREAK_UI_THEME light|dark; MOVEBREAK_UI_DEBUG_FILE receives the window's visible state as
JSON after every change (tests).
"""

from __future__ import annotations

import argparse
import os
import sys
import tkinter as tk
from pathlib import Path
from tkinter import ttk

from movebreak.adapters import autostart, ipc, storage
from movebreak.core.catalog import KIND_IDS, KINDS
from movebreak.core.l10n import N_, _, ngettext, pgettext
from movebreak.core.settings import DAY_NAMES
from movebreak.ui import setup_language
from movebreak.ui.common import (
    apply_look,
    dump_visible_state,
    geometry,
    open_root,
    safety_foot,
)
from movebreak.ui.settings_form import (
    DAYS_KEY,
    FIELDS,
    FormState,
    day_labels,
    form_state,
    human_duration,
    preview,
    to_settings,
    validate,
)

WINDOW_TITLE = N_("movebreak settings")

# --------------------------------------------------------------------------- scrolling


class _Scrolled(ttk.Frame):
    """A vertically scrolling area whose content stretches to the width; the bar shows only
    when the content is taller than the window (e.g. at 200 % on a small screen)."""

    def __init__(self, master: tk.Misc, background: str) -> None:
        super().__init__(master)
        self.canvas = tk.Canvas(self, highlightthickness=0, borderwidth=0, background=background)
        self.bar = ttk.Scrollbar(self, orient="vertical", command=self.canvas.yview)
        self.canvas.configure(yscrollcommand=self._on_scroll)
        self.body = ttk.Frame(self.canvas)
        self._item = self.canvas.create_window(0, 0, window=self.body, anchor="nw")
        self.canvas.grid(row=0, column=0, sticky="nsew")
        self.columnconfigure(0, weight=1)
        self.rowconfigure(0, weight=1)
        self.max_size: tuple[int, int] | None = None
        self.body.bind("<Configure>", self._on_body)
        self.canvas.bind("<Configure>", self._on_canvas)
        for seq in ("<MouseWheel>", "<Button-4>", "<Button-5>"):
            self.bind_all(seq, self._on_wheel, add="+")

    def _on_body(self, _event=None) -> None:
        w, h = self.body.winfo_reqwidth(), self.body.winfo_reqheight()
        self.canvas.configure(scrollregion=(0, 0, w, h))
        if self.max_size is not None:  # grow with the content (an error line, a banner)
            self.canvas.configure(height=min(h, self.max_size[1]))

    def _on_canvas(self, event) -> None:
        self.canvas.itemconfigure(self._item, width=event.width)

    def _on_scroll(self, first: str, last: str) -> None:
        self.bar.set(first, last)
        if float(first) <= 0 and float(last) >= 1:
            self.bar.grid_remove()
        else:
            self.bar.grid(row=0, column=1, sticky="ns")

    def _on_wheel(self, event) -> None:
        if not self.bar.winfo_ismapped():
            return
        if event.num == 4 or getattr(event, "delta", 0) > 0:
            self.canvas.yview_scroll(-2, "units")
        elif event.num == 5 or getattr(event, "delta", 0) < 0:
            self.canvas.yview_scroll(2, "units")

    def show(self, widget: tk.Misc) -> None:
        """Scroll so that `widget` (inside the body) is visible (keyboard focus moved to it)."""
        if not self.bar.winfo_ismapped() or self.canvas.winfo_height() <= 1:
            return
        total = max(1, self.body.winfo_height())
        top = widget.winfo_rooty() - self.body.winfo_rooty()
        bottom = top + widget.winfo_height()
        view_top = self.canvas.canvasy(0)
        view_h = self.canvas.winfo_height()
        if top < view_top:
            self.canvas.yview_moveto(max(0, top - 12) / total)
        elif bottom > view_top + view_h:
            self.canvas.yview_moveto((bottom + 12 - view_h) / total)


# --------------------------------------------------------------------------- the window


class SettingsWindow:
    """The form on a Tk root. `result` is 0 after Save or Cancel (set before the root closes)."""

    def __init__(self, root: tk.Tk, path: Path, loaded: storage.LoadResult, *,
                 debug_file: str | None = None) -> None:
        self.root = root
        self.path = path
        self.loaded = loaded
        self.debug_file = debug_file
        self.saved = False
        self.status_text = ""
        self.result = 0
        self.state: FormState = form_state(loaded.settings)
        try:  # the OS registration is the truth for "start at login"
            self.state.set("general.autostart", autostart.is_enabled())
        except OSError:
            pass
        self._autostart_was = bool(self.state.get("general.autostart"))
        self._overwrite_ok = False  # set after warning about an edit made outside the window
        self.vars: dict[str, tk.Variable] = {}
        self.inputs: dict[str, tk.Widget] = {}
        self.error_labels: dict[str, ttk.Label] = {}
        self.error_partners: dict[str, ttk.Label] = {}  # hint text an error replaces
        self._wrapped: list[tuple[ttk.Label, ttk.Label]] = []
        self.unit_labels: dict[str, ttk.Label] = {}
        self.choice_buttons: dict[str, ttk.Radiobutton] = {}  # "routine.hold=45" -> button
        self.errors: dict[str, str] = {}
        self.preview_kind = KIND_IDS[0]
        self._dump_pending = False
        self.has_focus = False  # the window has the keyboard (FocusIn seen on the toplevel)
        self.sound_test = ""  # what the Test button said

        self.look = apply_look(root)  # sv_ttk theme, scale, fonts, shared styles
        self.scale = self.look.scale
        self.colors = self.look.colors
        self._styles()

        root.title(_(WINDOW_TITLE))
        self._load_icons()
        root.columnconfigure(0, weight=1)
        root.rowconfigure(0, weight=1)
        bg = ttk.Style(root).lookup(".", "background") or "#fafafa"
        self.scroller = _Scrolled(root, bg)
        self.scroller.grid(row=0, column=0, sticky="nsew")
        body = self.scroller.body
        body.columnconfigure(0, weight=1)
        pad = self.px(20)
        self._header(body).grid(row=0, column=0, sticky="ew", padx=pad, pady=(self.px(16), 0))
        banner = self._banner(body)
        if banner is not None:
            banner.grid(row=1, column=0, sticky="ew", padx=pad, pady=(self.px(12), 0))
        self._section(body, _("Reminders"), 2)
        self._reminders(body).grid(row=3, column=0, sticky="ew", padx=pad)
        lower = ttk.Frame(body)
        lower.grid(row=5, column=0, sticky="nsew", padx=pad, pady=(0, self.px(12)))
        body.rowconfigure(5, weight=1)
        lower.columnconfigure(0, weight=3, uniform="lower")
        lower.columnconfigure(1, weight=2, uniform="lower")
        lower.rowconfigure(1, weight=1)
        # TRANSLATORS: the heading of the general settings.
        self._section(lower, _("General"), 0, column=0, padx=0)
        # TRANSLATORS: the heading of the pane that shows what a reminder looks like.
        self._section(lower, _("Preview"), 0, column=1, padx=(self.px(16), 0))
        self._general(lower).grid(row=1, column=0, sticky="nsew")
        self._preview_pane(lower).grid(row=1, column=1, sticky="nsew", padx=(self.px(16), 0))
        self._footer(root).grid(row=1, column=0, sticky="ew")

        for var_key, var in self.vars.items():
            var.trace_add("write", lambda *_a, k=var_key: self._changed(k))
        root.bind("<Return>", self._on_return)
        root.bind("<KP_Enter>", self._on_return)
        root.bind("<Escape>", lambda _e: self.cancel())
        root.protocol("WM_DELETE_WINDOW", self.cancel)
        self._pin_label_colors(root)
        root.bind("<Map>", lambda _e: self._schedule_dump(), add="+")
        root.bind("<FocusIn>", lambda e: self._on_focus(e, True), add="+")
        root.bind("<FocusOut>", lambda e: self._on_focus(e, False), add="+")
        self._refresh()
        self._fit()
        first = self.inputs[f"reminders.{KIND_IDS[0]}.enabled"]
        root.after_idle(first.focus_set)

    # ------------------------------------------------------------------ helpers
    def px(self, n: float) -> int:
        return round(n * self.scale)

    def _styles(self) -> None:
        s = ttk.Style(self.root)
        s.configure("Kind.TCheckbutton", font="SunValleyBodyStrongFont")
        s.configure("Status.TLabel", foreground=self.colors["error"])
        s.configure("Choice.Toggle.TButton", padding=(self.px(6), self.px(1)))

    def _pin_label_colors(self, widget: tk.Misc) -> None:
        """Give styled labels their colours explicitly: sv_ttk runs tk_setPalette on every
        <<ThemeChanged>>, which recolours labels whose colours are still the defaults."""
        style = ttk.Style(self.root)
        for child in widget.winfo_children():
            if child.winfo_class() == "TLabel" and str(child.cget("style")):
                for option in ("foreground", "background"):
                    color = style.lookup(str(child.cget("style")), option)
                    if color and color != style.lookup(".", option):
                        child.configure(**{option: color})
            self._pin_label_colors(child)

    def _section(self, parent, text: str, row: int, column: int = 0, padx=None) -> None:
        pad = self.px(20) if padx is None else padx
        ttk.Label(parent, text=text, style="Section.TLabel").grid(
            row=row, column=column, sticky="w", padx=pad, pady=(self.px(12), self.px(5)))

    def _card(self, parent) -> ttk.Frame:
        card = ttk.Frame(parent, style="Card.TFrame", padding=self.px(14))
        return card

    def _var(self, key: str) -> tk.Variable:
        value = self.state.get(key)
        var = tk.BooleanVar(self.root, value) if isinstance(value, bool) \
            else tk.StringVar(self.root, value)
        self.vars[key] = var
        return var

    def _text_input(self, parent, key: str, width: int) -> ttk.Widget:
        f = FIELDS[key]
        var = self._var(key)
        if f.presets:
            widget = ttk.Combobox(parent, textvariable=var, values=list(f.presets),
                                  width=width, justify="right")
        else:
            widget = ttk.Entry(parent, textvariable=var, width=width, justify="center")
        widget.bind("<FocusOut>", lambda e: e.widget.selection_clear(), add="+")
        widget.bind("<Control-a>", self._select_all)
        widget.bind("<Control-A>", self._select_all)
        widget.bind("<<TraverseIn>>", lambda _e, w=widget: self.scroller.show(w), add="+")
        self.inputs[key] = widget
        return widget

    @staticmethod
    def _select_all(event) -> str:
        event.widget.selection_range(0, "end")
        event.widget.icursor("end")
        return "break"

    def _error_label(self, parent, key: str, wrap: int = 0) -> ttk.Label:
        label = ttk.Label(parent, text="", style="Error.TLabel", justify="left",
                          wraplength=self.px(wrap))
        self.error_labels[key] = label
        return label

    # ------------------------------------------------------------------ parts
    def _header(self, parent) -> ttk.Frame:
        frame = ttk.Frame(parent)
        frame.columnconfigure(1, weight=1)
        if self.icon is not None:
            ttk.Label(frame, image=self.icon).grid(row=0, column=0, rowspan=2, sticky="w",
                                                   padx=(0, self.px(12)))
        ttk.Label(frame, text=_(WINDOW_TITLE), style="Subtitle.TLabel").grid(
            row=0, column=1, sticky="sw")
        ttk.Label(frame, text=_("Reminders to stand up, check your posture and stretch. "
                                "Changes apply as soon as you save."),
                  style="Muted.TLabel").grid(row=1, column=1, sticky="nw", pady=(self.px(2), 0))
        return frame

    def _load_icons(self) -> None:
        """Window icon and header picture from the packaged PNGs (skipped if missing)."""
        self.icon = None
        try:
            from movebreak.adapters.icons import icon_path
            big = icon_path("normal", 64)
            if big is not None:
                self._window_icon = tk.PhotoImage(master=self.root, file=str(big))
                self.root.iconphoto(True, self._window_icon)
            header = icon_path("normal", 64 if self.scale >= 1.5 else 32)
            if header is not None:
                self.icon = tk.PhotoImage(master=self.root, file=str(header))
        except (ImportError, tk.TclError, OSError):
            self.icon = None

    def _banner(self, parent) -> ttk.Frame | None:
        problems = [p for p in self.loaded.problems if p.severity in ("error", "warning")]
        if self.loaded.backup is not None:
            # TRANSLATORS: {path} is a file's path.
            note = _("A copy of the file as it was is kept at {path}.").format(
                path=self.loaded.backup)
        else:
            note = ""
        if not problems:
            return None
        errors = any(p.severity == "error" for p in problems)
        kind = "Banner" if errors else "Note"  # red-ish for errors, yellow for notes
        frame = ttk.Frame(parent, style=f"{kind}.TFrame", padding=self.px(12))
        frame.columnconfigure(0, weight=1)
        if errors:
            title = "⚠  " + _("The settings file has problems. Values that could not be read "
                              "show their defaults; Save writes a clean file.")
        else:
            title = "ⓘ  " + _("The settings file has entries movebreak does not know. They are "
                              "kept as they are when you save.")
        ttk.Label(frame, text=title, style=f"{kind}.TLabel",
                  font="SunValleyBodyStrongFont").grid(row=0, column=0, sticky="w")
        lines = [f"•  {p.message}" for p in problems[:6]]
        if len(problems) > 6:
            more = len(problems) - 6
            # TRANSLATORS: after a list of six problems of the settings file.
            lines.append(ngettext("…and {n} more", "…and {n} more", more).format(n=more))
        if note:
            lines.append(note)
        text = ttk.Label(frame, text="\n".join(lines), style=f"{kind}.TLabel", justify="left")
        text.grid(row=1, column=0, sticky="ew", pady=(self.px(4), 0))
        frame.bind("<Configure>", lambda e: text.configure(wraplength=max(200, e.width - 30)))
        self.banner_label = text
        return frame

    def _reminders(self, parent) -> ttk.Frame:
        card = self._card(parent)
        card.columnconfigure(1, weight=1)
        r = -1
        for kind in KIND_IDS:
            r += 1
            k = KINDS[kind]
            ekey, ikey = f"reminders.{kind}.enabled", f"reminders.{kind}.interval"
            check = ttk.Checkbutton(card, text=k.title, variable=self._var(ekey),
                                    style="Kind.TCheckbutton")
            check.grid(row=r, column=0, sticky="w", pady=self.px(2))
            self.inputs[ekey] = check
            summary = ttk.Label(card, text=k.summary, style="Muted.TLabel", takefocus=False)
            summary.grid(row=r, column=1, sticky="w", padx=(self.px(12), self.px(12)))
            err = self._error_label(card, ikey)
            err.grid(row=r, column=1, sticky="w", padx=(self.px(12), self.px(12)))
            err.grid_remove()
            self.error_partners[ikey] = summary
            # TRANSLATORS: before a reminder's interval: "every [30] min".
            ttk.Label(card, text=_("every")).grid(row=r, column=2, sticky="e",
                                                  padx=(0, self.px(8)))
            combo = self._text_input(card, ikey, 7)
            combo.grid(row=r, column=3, sticky="e", pady=self.px(2))
            unit = ttk.Label(card, text=self._minutes_unit(), width=self._unit_width())
            unit.grid(row=r, column=4, sticky="w", padx=(self.px(8), 0))
            self.unit_labels[ikey] = unit
            for w in (check, summary, combo):
                w.bind("<Enter>", lambda _e, kd=kind: self._show_preview(kd), add="+")
            for w in (check, combo):
                w.bind("<FocusIn>", lambda _e, kd=kind: self._show_preview(kd), add="+")
            check.bind("<<TraverseIn>>", lambda _e, w=check: self.scroller.show(w), add="+")
            self._wrapped.append((summary, err))
            if kind == "stretch":
                r += 1
                self._routine(card).grid(row=r, column=0, columnspan=5, sticky="w",
                                         padx=(self.px(28), 0), pady=(0, self.px(2)))

        def wrap(_event=None) -> None:  # narrow window (large scale): wrap the summaries
            width = max(self.px(120), card.grid_bbox(1, 0)[2] - self.px(24))
            for pair in self._wrapped:
                for label in pair:
                    if int(label.cget("wraplength") or 0) != width:
                        label.configure(wraplength=width)
        card.bind("<Configure>", wrap, add="+")
        return card

    def _general(self, parent) -> ttk.Frame:
        card = self._card(parent)
        card.columnconfigure(3, weight=1)
        py = self.px(4)

        def duration_row(row: int, key: str, before: str, after: str) -> None:
            ttk.Label(card, text=before).grid(row=row, column=0, sticky="w", pady=py)
            self._text_input(card, key, 6).grid(row=row, column=1, sticky="w",
                                                padx=self.px(8), pady=py)
            unit = ttk.Label(card, text=self._minutes_unit(), width=self._unit_width())
            unit.grid(row=row, column=2, sticky="w")
            self.unit_labels[key] = unit
            hint = ttk.Label(card, text=after, style="Muted.TLabel")
            hint.grid(row=row, column=3, sticky="w", padx=(self.px(4), 0))
            err = self._error_label(card, key, wrap=220)
            err.grid(row=row, column=3, sticky="w", padx=(self.px(4), 0))
            err.grid_remove()
            self.error_partners[key] = hint

        duration_row(0, "general.snooze", _("Snooze for"), _("when you press Snooze"))
        duration_row(1, "general.natural_break", _("Natural break after"),
                     _("away from the computer"))

        hours_key = "general.working_hours.enabled"
        hours = ttk.Checkbutton(card, text=_("Only remind during working hours"),
                                variable=self._var(hours_key), style="Switch.TCheckbutton")
        hours.grid(row=4, column=0, columnspan=4, sticky="w", pady=(self.px(10), py))
        self.inputs[hours_key] = hours

        times = ttk.Frame(card)
        times.grid(row=5, column=0, columnspan=4, sticky="w", padx=(self.px(28), 0))
        # TRANSLATORS: working hours: "from [09:00] to [17:30]".
        ttk.Label(times, text=pgettext("working hours", "from")).grid(
            row=0, column=0, padx=(0, self.px(8)))
        self._text_input(times, "general.working_hours.start", 6).grid(row=0, column=1)
        # TRANSLATORS: working hours: "from [09:00] to [17:30]".
        ttk.Label(times, text=pgettext("working hours", "to")).grid(
            row=0, column=2, padx=self.px(8))
        self._text_input(times, "general.working_hours.end", 6).grid(row=0, column=3)
        for col, key in ((4, "general.working_hours.start"), (5, "general.working_hours.end")):
            err = self._error_label(times, key, wrap=200)
            err.grid(row=0, column=col, sticky="w", padx=(self.px(10), 0))
            err.grid_remove()

        days = ttk.Frame(card)
        days.grid(row=8, column=0, columnspan=4, sticky="w", padx=(self.px(28), 0),
                  pady=(self.px(6), 0))
        for i, (day, label) in enumerate(zip(DAY_NAMES, day_labels())):
            key = f"general.working_days.{day}"
            b = ttk.Checkbutton(days, text=label, variable=self._var(key),
                                style="Toggle.TButton", width=-4)
            b.grid(row=0, column=i, padx=(0, self.px(4)))
            self.inputs[key] = b
        err = self._error_label(days, DAYS_KEY, wrap=160)
        err.grid(row=0, column=7, sticky="w", padx=(self.px(6), 0))
        err.grid_remove()

        for row, key in enumerate(("general.respect_dnd", "general.hold_when_fullscreen"),
                                  start=10):
            c = ttk.Checkbutton(card, text=FIELDS[key].label, variable=self._var(key),
                                style="Switch.TCheckbutton")
            c.grid(row=row, column=0, columnspan=4, sticky="w",
                   pady=(self.px(8) if row == 10 else py, py))
            self.inputs[key] = c
        self._sound_row(card).grid(row=12, column=0, columnspan=4, sticky="w", pady=(py, py))
        # Before "start at login": that switch stays the last field before Cancel and Save.
        self._language_row(card).grid(row=13, column=0, columnspan=4, sticky="w",
                                      pady=(py, py))
        key = "general.autostart"
        c = ttk.Checkbutton(card, text=FIELDS[key].label, variable=self._var(key),
                            style="Switch.TCheckbutton")
        c.grid(row=14, column=0, columnspan=4, sticky="w", pady=(py, py))
        self.inputs[key] = c
        for key in (hours_key, "general.respect_dnd", "general.hold_when_fullscreen",
                    "routine.chime", "general.language", "general.autostart"):
            w = self.inputs[key]
            w.bind("<<TraverseIn>>", lambda _e, w=w: self.scroller.show(w), add="+")
        return card

    def _sound_row(self, parent) -> ttk.Frame:
        """Sound: Off / Theme sound / Chime; Test, which plays the choice here (not yet
        saved) through adapters/sound.py and says what happened in the preview; and whether
        the routine sounds at "switch sides" and each hold's end (`routine.chime`)."""
        line = ttk.Frame(parent)
        key = "general.sound"
        ttk.Label(line, text=FIELDS[key].label).grid(row=0, column=0, padx=(0, self.px(8)))
        var = self._var(key)
        for i, (value, label) in enumerate(FIELDS[key].choices):
            b = ttk.Radiobutton(line, text=label, value=value, variable=var,
                                style="Choice.Toggle.TButton", name=f"sound_{value}")
            b.grid(row=0, column=1 + i, padx=(0, self.px(4)))
            b.bind("<<TraverseIn>>", lambda _e, w=b: self.scroller.show(w), add="+")
            if i == 0:
                self.inputs[key] = b
            self.choice_buttons[f"{key}={value}"] = b
        # TRANSLATORS: a button that plays the chosen reminder sound.
        self.sound_test_button = ttk.Button(line, text=_("Test"), width=-6,
                                            command=self.test_sound, name="sound_test")
        self.sound_test_button.grid(row=0, column=5, padx=(self.px(8), 0))
        key = "routine.chime"
        chime = ttk.Checkbutton(line, text=FIELDS[key].label, variable=self._var(key))
        chime.grid(row=0, column=6, padx=(self.px(12), 0))
        self.inputs[key] = chime
        self.sound_test_button.bind("<<TraverseIn>>", lambda _e, w=line: self.scroller.show(w),
                                    add="+")
        self._sound_player = None
        return line

    def _language_row(self, parent) -> ttk.Frame:
        """Language: a read-only list of "Automatic (desktop language)" and each shipped
        language in its own name. The form keeps the code ("auto", "es"); the list shows the
        names. New texts follow after Save (the app and every window opened from then on)."""
        line = ttk.Frame(parent)
        key = "general.language"
        f = FIELDS[key]
        ttk.Label(line, text=f.label).grid(row=0, column=0, padx=(0, self.px(8)))
        var = self._var(key)  # the code; _changed() writes it into the form
        labels = [label for _value, label in f.choices]
        shown = tk.StringVar(self.root, self._choice_label(key, str(var.get())))
        combo = ttk.Combobox(line, textvariable=shown, values=labels, state="readonly",
                             width=max(len(label) for label in labels) + 1, name="language")
        combo.grid(row=0, column=1, sticky="w")

        def picked(_event=None) -> None:
            index = combo.current()
            if index >= 0:
                var.set(f.choices[index][0])
            combo.selection_clear()
        combo.bind("<<ComboboxSelected>>", picked)
        combo.bind("<FocusOut>", lambda _e: combo.selection_clear(), add="+")
        self.inputs[key] = combo
        err = self._error_label(line, key, wrap=220)
        err.grid(row=0, column=2, sticky="w", padx=(self.px(10), 0))
        err.grid_remove()
        return line

    @staticmethod
    def _choice_label(key: str, value: str) -> str:
        """What a choice field shows for `value` (the value itself if it is not a choice)."""
        return next((label for v, label in FIELDS[key].choices if v == value), value)

    @staticmethod
    def _minutes_unit() -> str:
        # TRANSLATORS: the unit after a number of minutes typed in a field; keep it short.
        return _("min")

    def _unit_width(self) -> int:
        """Characters the unit label keeps free (it is blank while the text is not a bare
        number, so the fields do not move)."""
        return max(4, len(self._minutes_unit()) + 1)

    def test_sound(self) -> None:
        """Test button: play the chosen reminder sound now (GSound on this thread's player;
        waits at most a second)."""
        from movebreak.adapters import sound
        if self._sound_player is None:
            self._sound_player = sound.Player()
        choice = str(self.state.get("general.sound"))
        self.sound_test = sound.try_sound(choice, self._sound_player)
        # TRANSLATORS: {result} says what happened when the sound was tried.
        self.pv_sound.configure(text=_("Sound: {result}").format(result=self.sound_test))
        self.pv_sound.grid()
        self._schedule_dump()

    def _routine(self, parent) -> ttk.Frame:
        """One line under the stretch reminder: the guided routine's hold length, times each
        side and desk only (the [routine] settings)."""
        line = ttk.Frame(parent)
        # TRANSLATORS: the stretch routine's settings: "Routine: hold [30 s] each side [once]".
        ttk.Label(line, text=_("Routine: hold"), style="Muted.TLabel").grid(
            row=0, column=0, padx=(0, self.px(8)))
        col = 1
        # TRANSLATORS: the stretch routine's settings: "Routine: hold [30 s] each side [once]".
        for key, after in (("routine.hold", _("each side")), ("routine.rounds", "")):
            var = self._var(key)
            for i, (value, label) in enumerate(FIELDS[key].choices):
                b = ttk.Radiobutton(line, text=label, value=value, variable=var,
                                    style="Choice.Toggle.TButton", width=-6,
                                    name=f"{key.split('.')[1]}_{value}")
                b.grid(row=0, column=col, padx=(0, self.px(4)))
                b.bind("<<TraverseIn>>", lambda _e, w=b: self.scroller.show(w), add="+")
                if i == 0:
                    self.inputs[key] = b
                self.choice_buttons[f"{key}={value}"] = b
                col += 1
            if after:
                ttk.Label(line, text=after, style="Muted.TLabel").grid(
                    row=0, column=col, padx=(self.px(4), self.px(16)))
                col += 1
        key = "routine.desk_only"
        desk = ttk.Checkbutton(line, text=_("Desk only (no floor stretches)"),
                               variable=self._var(key))
        desk.grid(row=0, column=col, padx=(self.px(16), 0))
        desk.bind("<<TraverseIn>>", lambda _e, w=desk: self.scroller.show(w), add="+")
        self.inputs[key] = desk
        return line

    def _preview_pane(self, parent) -> ttk.Frame:
        card = self._card(parent)
        card.columnconfigure(0, weight=1)
        # TRANSLATORS: the preview's header, as a notification shows the app and the time.
        self.pv_app = ttk.Label(card, text=_("movebreak · now"), style="Muted.TLabel")
        self.pv_app.grid(row=0, column=0, sticky="w")
        self.pv_title = ttk.Label(card, text="", style="Strong.TLabel")
        self.pv_title.grid(row=1, column=0, sticky="w", pady=(self.px(4), 0))
        self.pv_body = ttk.Label(card, text="", justify="left", wraplength=self.px(260))
        self.pv_body.grid(row=2, column=0, sticky="new", pady=(self.px(4), 0))
        actions = ttk.Frame(card)
        actions.grid(row=3, column=0, sticky="w", pady=(self.px(12), 0))
        self.pv_actions = []
        for i in range(3):
            chip = ttk.Label(actions, text="", style="Chip.TLabel")
            chip.grid(row=0, column=i, padx=(0, self.px(6)), sticky="w")
            self.pv_actions.append(chip)
        self.pv_when = ttk.Label(card, text="", style="Muted.TLabel", justify="left",
                                 wraplength=self.px(260))
        self.pv_when.grid(row=4, column=0, sticky="w", pady=(self.px(6), 0))
        self.pv_sound = ttk.Label(card, text="", style="Muted.TLabel", justify="left")
        self.pv_sound.grid(row=5, column=0, sticky="w", pady=(self.px(6), 0))
        self.pv_sound.grid_remove()  # until Test is pressed
        card.rowconfigure(6, weight=1)
        tip = ttk.Label(card, text=_("Point at a reminder or Tab to it to preview it."),
                        style="Muted.TLabel", justify="left")
        tip.grid(row=6, column=0, sticky="sw", pady=(self.px(10), 0))

        def wrap(event) -> None:
            width = max(self.px(160), event.width - self.px(32))
            self.pv_body.configure(wraplength=width)
            self.pv_sound.configure(wraplength=width)
            self.pv_when.configure(wraplength=width)
            tip.configure(wraplength=width)
        card.bind("<Configure>", wrap)
        return card

    def _footer(self, parent) -> ttk.Frame:
        frame = ttk.Frame(parent, padding=(self.px(20), self.px(10), self.px(20), self.px(16)))
        frame.columnconfigure(0, weight=1)
        ttk.Separator(frame).grid(row=0, column=0, columnspan=3, sticky="ew",
                                  pady=(0, self.px(10)))
        self.status = ttk.Label(frame, text="", style="Status.TLabel", justify="left")
        self.status.grid(row=1, column=0, columnspan=3, sticky="w", pady=(0, self.px(6)))
        self.status.grid_remove()
        self.safety_label = safety_foot(frame, self.look)
        self.safety_label.grid(row=2, column=0, sticky="w", padx=(0, self.px(16)))
        frame.bind("<Configure>", lambda e: (
            self.safety_label.configure(wraplength=max(self.px(200), e.width - self.px(260))),
            self.status.configure(wraplength=max(self.px(200), e.width - self.px(40)))))
        self.cancel_button = ttk.Button(frame, text=_("Cancel"), command=self.cancel,
                                        width=-10, name="cancel")
        self.cancel_button.grid(row=2, column=1, padx=(0, self.px(8)))
        self.save_button = ttk.Button(frame, text=_("Save"), command=self.save,
                                      style="Accent.TButton", width=-10, name="save")
        self.save_button.grid(row=2, column=2)
        return frame

    def _fit(self) -> None:
        """Size the window to its content, scrolling only beyond the screen's height."""
        body = self.scroller.body
        footer_h = self.root.grid_slaves(row=1, column=0)[0].winfo_reqheight()
        room_h = self.root.winfo_screenheight() - footer_h - 48  # window title bar, panel
        room_w = self.root.winfo_screenwidth() - 32
        self.scroller.max_size = (room_w, room_h)
        want_w = want_h = 0
        # Wraplengths follow each layout, which can change the width the body asks for
        # (longer languages): size the canvas again until the request settles.
        for _unused in range(6):
            self.root.update_idletasks()
            if (body.winfo_reqwidth(), body.winfo_reqheight()) == (want_w, want_h):
                break
            want_w, want_h = body.winfo_reqwidth(), body.winfo_reqheight()
            self.scroller.canvas.configure(width=min(want_w, room_w),
                                           height=min(want_h, room_h))
        self.root.minsize(min(want_w, room_w) // 2, min(want_h, room_h) // 2)

    # ------------------------------------------------------------------ behaviour
    def _changed(self, key: str) -> None:
        var = self.vars[key]
        try:
            value = var.get()
        except tk.TclError:
            return
        self.state.set(key, bool(value) if FIELDS[key].type == "bool" else str(value))
        if self.status_text and not self.saved:
            self._set_status("")
        self._refresh()

    def _refresh(self) -> None:
        """Re-validate and update every mark, the Save button, units and the preview."""
        self.errors = validate(self.state)
        for key, label in self.error_labels.items():
            text = self.errors.get(key, "")
            label.configure(text=text)
            partner = self.error_partners.get(key)
            if text:
                if partner is not None:
                    partner.grid_remove()
                label.grid()
            else:
                label.grid_remove()
                if partner is not None:
                    partner.grid()
        for key, widget in self.inputs.items():
            if isinstance(widget, (ttk.Entry, ttk.Combobox)):
                widget.state(["invalid"] if key in self.errors else ["!invalid"])
        for key, unit in self.unit_labels.items():
            text = str(self.state.get(key)).strip()
            unit.configure(text=self._minutes_unit() if text.isdigit() else "")
        sound_on = self.state.get("general.sound") != "off"
        self.sound_test_button.state(["!disabled"] if sound_on else ["disabled"])
        self.inputs["routine.chime"].state(["!disabled"] if sound_on else ["disabled"])
        hours_on = bool(self.state.get("general.working_hours.enabled"))
        language = self.inputs["general.language"]
        if isinstance(language, ttk.Combobox):  # follow the form (e.g. a value set in code)
            label = self._choice_label("general.language", str(self.state.get("general.language")))
            if language.get() != label:
                language.set(label)
        for key in ("general.working_hours.start", "general.working_hours.end",
                    *(f"general.working_days.{d}" for d in DAY_NAMES)):
            self.inputs[key].state(["!disabled"] if hours_on else ["disabled"])
        self.save_button.state(["disabled"] if self.errors else ["!disabled"])
        self._show_preview(self.preview_kind)
        self._schedule_dump()

    def _show_preview(self, kind: str) -> None:
        self.preview_kind = kind
        p = preview(kind)
        self.pv_title.configure(text=p.title)
        self.pv_body.configure(text=p.body)
        snooze = str(self.state.get("general.snooze")).strip()
        # The notification's own buttons (adapters/notify, core/texts.snooze_label).
        snooze_text = ngettext("Snooze {n} min", "Snooze {n} min", int(snooze)).format(
            n=int(snooze)) if snooze.isdigit() else pgettext("button", "Snooze")
        actions = (pgettext("button", "Done"), snooze_text, pgettext("button", "Skip"))
        for chip, text in zip(self.pv_actions, actions):
            chip.configure(text=text)
        if f"reminders.{kind}.interval" in self.errors:
            when = _("Fix the interval to see when it comes.")
        elif not self.state.get(f"reminders.{kind}.enabled"):
            when = _("This reminder is off.")
        else:
            interval = str(self.state.get(f"reminders.{kind}.interval")).strip()
            if interval.isdigit():
                interval = human_duration(int(interval) * 60)
            # TRANSLATORS: {interval} is a duration such as "30 min" or "1h30m".
            when = _("Shown every {interval} while you are at the computer.").format(
                interval=interval)
        self.pv_when.configure(text=when)

    def _set_status(self, text: str) -> None:
        self.status_text = text
        self.status.configure(text=text)
        if text:
            self.status.grid()
        else:
            self.status.grid_remove()
        self._schedule_dump()

    def _on_return(self, event) -> str:
        widget = self.root.focus_get()
        if isinstance(widget, ttk.Button):
            widget.invoke()
        else:
            self.save()
        return "break"

    def save(self) -> bool:
        """Validate, write the file, switch start at login, tell the app; close on success."""
        self.errors = validate(self.state)
        if self.errors:
            self._refresh()
            self.root.bell()
            first = next(k for k in FIELDS if k in self.errors) if any(
                k in FIELDS for k in self.errors) else None
            if first is not None:
                self.inputs[first].focus_set()
            count = len(self.errors)
            self._set_status(ngettext("Not saved: {n} field marked in red needs a valid value.",
                                      "Not saved: {n} fields marked in red need a valid value.",
                                      count).format(n=count))
            return False
        settings = to_settings(self.state)
        now_on_disk = storage.config_mtime_ns(self.path) if Path(self.path).is_file() else None
        if not self._overwrite_ok and self.loaded.mtime_ns is not None and \
                now_on_disk not in (None, self.loaded.mtime_ns):
            # Someone edited config.toml while this window was open: don't drop their edit
            # silently; a second Save overwrites it on purpose.
            self._overwrite_ok = True
            self.root.bell()
            self._set_status(_("Not saved: config.toml was changed outside this window since it "
                               "opened. Press Save again to replace it with what you see here, "
                               "or Cancel to keep the other change."))
            return False
        try:
            storage.save_config(self.path, settings, self.loaded.extra)
        except storage.ConfigError as e:
            self.root.bell()
            # TRANSLATORS: {problem} says why the file could not be written.
            self._set_status(_("Not saved: {problem}. Your changes are still here; fix the "
                               "problem and press Save again.").format(problem=e))
            return False
        notes = []
        want = settings.autostart
        if want != self._autostart_was:
            try:
                autostart.enable() if want else autostart.disable()
            except OSError as e:
                # TRANSLATORS: {error} is the system's reason.
                notes.append(_("could not change start at login ({error})").format(error=e))
        try:
            ipc.request(storage.runtime_dir(), "reload", timeout=5)
        except ipc.NotRunning:
            pass  # nothing running; the next start reads the file
        except (RuntimeError, OSError) as e:
            # TRANSLATORS: {error} is the reason.
            notes.append(_("the running movebreak did not take the change ({error}); it will "
                           "pick it up within a minute").format(error=e))
        self.saved = True
        if notes:
            # TRANSLATORS: {problems} is one or two of "could not change start at login (...)"
            # and "the running movebreak did not take the change (...)", joined by "; ".
            self._set_status(_("Saved, but {problems}.").format(problems="; ".join(notes)))
            self.save_button.configure(text=_("Close"), command=self.close)
            self._dump()
            return True
        self._dump(event="saved")
        self.close()
        return True

    def cancel(self) -> None:
        self._dump(event="cancelled")
        self.close()

    def close(self) -> None:
        try:
            self.root.destroy()
        except tk.TclError:
            pass

    def _on_focus(self, event, inside: bool) -> None:
        if event.widget is self.root:
            self.has_focus = inside
        self._schedule_dump()

    # ------------------------------------------------------------------ debug hook
    def _schedule_dump(self) -> None:
        if self.debug_file and not self._dump_pending:
            self._dump_pending = True
            self.root.after_idle(self._dump)

    def visible_state(self) -> dict:
        """What the window shows now (read back from the widgets)."""
        focus = self.root.focus_get()
        focus_key = next((k for k, w in self.inputs.items() if w is focus),
                         str(focus).rsplit(".", 1)[-1] if focus is not None else None)
        shown = {k: str(lbl.cget("text")) for k, lbl in self.error_labels.items()
                 if lbl.winfo_ismapped() and lbl.cget("text")}
        return {
            "pid": os.getpid(),
            "title": self.root.title(),
            "scale": self.scale,
            "values": {k: v.get() for k, v in self.vars.items()},
            "language_shown": str(self.inputs["general.language"].get()),
            "errors": dict(self.errors),
            "shown_errors": shown,
            "error_geometry": {k: geometry(self.error_labels[k]) for k in shown},
            "input_geometry": {k: geometry(w) for k, w in self.inputs.items()},
            "choice_geometry": {k: geometry(w) for k, w in self.choice_buttons.items()},
            "save_enabled": not self.save_button.instate(["disabled"]),
            "focus": focus_key,
            "has_focus": self.has_focus,
            "status": self.status_text,
            "foot": str(self.safety_label.cget("text")) if self.safety_label.winfo_ismapped()
            else None,
            "saved": self.saved,
            "sound_test": self.sound_test,
            "sound_test_button": geometry(self.sound_test_button),
            "sound_test_enabled": not self.sound_test_button.instate(["disabled"]),
            "banner": getattr(self, "banner_label", None) is not None,
            "window": [self.root.winfo_rootx(), self.root.winfo_rooty(),
                       self.root.winfo_width(), self.root.winfo_height()],
            "yview": list(self.scroller.canvas.yview()),
            "fits": {"req_w": self.root.winfo_reqwidth(), "req_h": self.root.winfo_reqheight()},
        }

    def _dump(self, event: str = "changed") -> None:
        self._dump_pending = False
        dump_visible_state(self.root, self.debug_file, self.visible_state, event)


def main(argv: list[str] | None = None) -> int:
    """Open the window for `--config FILE`; returns when it closes (0), 1 without a display."""
    parser = argparse.ArgumentParser(prog="movebreak settings")
    parser.add_argument("--config", metavar="FILE", type=Path, help="config file to edit")
    args = parser.parse_args(argv)
    path = storage.config_path(args.config)
    setup_language(path)  # before any text is built (the problems below are texts too)
    loaded = storage.load_config(path)
    root = open_root()
    if root is None:
        # TRANSLATORS: {path} is the config file's path.
        print(_("movebreak settings: edit {path} instead").format(path=path), file=sys.stderr)
        return 1
    window = SettingsWindow(root, path, loaded,
                            debug_file=os.environ.get("MOVEBREAK_UI_DEBUG_FILE") or None)
    root.mainloop()
    return window.result


if __name__ == "__main__":
    sys.exit(main())
