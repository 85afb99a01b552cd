"""The safety notice window: `python -m movebreak.ui.safety [--config FILE] [--first-run]`.

A small Tk window in its own process (Tk must not share the tray's main thread), with the
shared look of `ui.common`: the title, a red "Red flags" banner holding the urgent paragraph,
the rest of the notice, the safety line at the foot, and the buttons.

Acknowledging: until the person presses "I have read this", the notice counts as unseen;
that button records it in ``state.toml`` beside the config file (`storage.acknowledge_safety`,
not the history) and closes the window. `--first-run` (the app's start while unacknowledged)
makes the window stay: Escape and the window manager's close only point at the button, and
the app opens it again at every start until it is pressed. Opened from the menu or
`movebreak safety`, Close / Escape close it without recording anything. Everything runs on
this process's main thread. Without a display the text goes to stdout.
MOVEBREAK_UI_DEBUG_FILE: writes what it shows as JSON (for tests).
"""

from __future__ import annotations

import argparse
import os
import sys

from movebreak.core import safety
from movebreak.core.l10n import N_, _, format_date

#: The window's texts in English (translated where shown).
RED_FLAG_HEADING = "\u26a0 " + N_("Red flags: get help straight away")
ACK_BUTTON = N_("I have read this")
UNACKED_NOTE = N_("movebreak shows this notice at every start until you confirm that you have "
                  "read it.")
STAY_NOTE = N_("Please read the notice and confirm with the button below.")


def red_flag_heading() -> str:
    """RED_FLAG_HEADING in the current language."""
    return "\u26a0 " + _("Red flags: get help straight away")


def notice_text() -> str:
    """The whole notice as plain text, for the terminal (no display)."""
    return f"{safety.title()}\n\n{safety.body()}\n\n{safety.ack_hint()}"


class SafetyWindow:
    """The notice on a Tk root. `acknowledged` is the stored time (None until confirmed)."""

    def __init__(self, root, config: str | None = None, *, first_run: bool = False,
                 debug_file: str | None = None) -> None:
        from tkinter import ttk

        from movebreak.adapters import storage
        from movebreak.ui.common import apply_look, pin_label_colors, safety_foot

        self.root = root
        self.config = config
        self.first_run = first_run
        self.debug_file = debug_file
        self.acknowledged = storage.safety_acknowledged(config)
        self.closed = False
        look = self.look = apply_look(root)
        root.title(safety.title())
        root.resizable(False, False)
        px = look.px
        wrap = px(460)
        self.paragraphs = list(safety.paragraphs())
        pain_rule = safety.pain_rule()

        frame = ttk.Frame(root, padding=(px(22), px(18), px(22), px(16)))
        frame.grid(sticky="nsew")
        frame.columnconfigure(0, weight=1)
        ttk.Label(frame, text=safety.title(), style="Subtitle.TLabel", wraplength=wrap,
                  justify="left").grid(row=0, sticky="w")
        banner = ttk.Frame(frame, style="Banner.TFrame", padding=px(12))
        banner.grid(row=1, sticky="ew", pady=(px(12), px(12)))
        self.heading = ttk.Label(banner, text=red_flag_heading(), style="BannerTitle.TLabel",
                                 wraplength=wrap, justify="left")
        self.heading.grid(row=0, sticky="w", pady=(0, px(4)))
        ttk.Label(banner, text=self.paragraphs[0], style="Banner.TLabel", wraplength=wrap,
                  justify="left").grid(row=1, sticky="w")
        row = 2
        for para in self.paragraphs[1:]:
            style = "Strong.TLabel" if para == pain_rule else "Body.TLabel"
            ttk.Label(frame, text=para, style=style, wraplength=wrap,
                      justify="left").grid(row=row, sticky="w", pady=(0, px(10)))
            row += 1
        self.foot = safety_foot(frame, look, wrap=460, pain_rule=False)
        self.foot.grid(row=row, sticky="w", pady=(px(2), px(10)))
        self.note = ttk.Label(frame, text="", style="Muted.TLabel", wraplength=wrap,
                              justify="left")
        self.note.grid(row=row + 1, sticky="w", pady=(0, px(8)))
        buttons = ttk.Frame(frame)
        buttons.grid(row=row + 2, sticky="e")
        self.ack_button = None
        self.close_button = None
        if self.acknowledged is None:
            self.note.configure(text=_(STAY_NOTE) if first_run else _(UNACKED_NOTE))
            if not first_run:
                self.close_button = ttk.Button(buttons, text=_("Close"), command=self.close)
                self.close_button.grid(row=0, column=0, padx=(0, px(8)))
            self.ack_button = ttk.Button(buttons, text=_(ACK_BUTTON), style="Accent.TButton",
                                         command=self.acknowledge, default="active")
            self.ack_button.grid(row=0, column=1)
            self.ack_button.focus_set()
        else:
            when = format_date(self.acknowledged.astimezone())
            # TRANSLATORS: {date} is a date such as "1 Dec 2026".
            self.note.configure(text=_("You confirmed that you read this on {date}.").format(
                date=when))
            self.close_button = ttk.Button(buttons, text=_("OK"), style="Accent.TButton",
                                           command=self.close, default="active")
            self.close_button.grid(row=0, column=1)
            self.close_button.focus_set()
        pin_label_colors(root)
        self.heading.configure(foreground=look.colors["error"])  # the red flag, after pinning
        root.bind("<Escape>", lambda _e: self.escape())
        for key in ("<Return>", "<KP_Enter>"):
            root.bind(key, lambda _e: self.default())
        root.protocol("WM_DELETE_WINDOW", self.escape)
        root.update_idletasks()
        w, h = root.winfo_reqwidth(), root.winfo_reqheight()
        root.geometry(f"+{max(0, (root.winfo_screenwidth() - w) // 2)}"
                      f"+{max(0, (root.winfo_screenheight() - h) // 3)}")
        root.after_idle(self._dump)

    # ------------------------------------------------------------------ actions
    def acknowledge(self) -> None:
        """The acknowledge button: record it; close only when it was stored."""
        from movebreak.adapters import storage
        try:
            storage.acknowledge_safety(self.config)
        except storage.ConfigError as e:
            self.root.bell()
            # TRANSLATORS: {error} says why the acknowledgement could not be stored.
            self.note.configure(text=_("Could not record it: {error}. Please try again.").format(
                error=e), style="Error.TLabel")
            self._dump("ack_failed")
            return
        self.acknowledged = storage.safety_acknowledged(self.config)
        self._dump("acknowledged")
        self.close()

    def escape(self) -> None:
        """Escape / window manager close: closes, except on first run before acknowledging."""
        if self.first_run and self.acknowledged is None:
            self.root.bell()
            self.note.configure(text=_(STAY_NOTE))
            if self.ack_button is not None:
                self.ack_button.focus_set()
            self._dump("kept_open")
            return
        self.close()

    def default(self) -> None:
        """Enter: the focused button, else the window's main button."""
        focused = self.root.focus_get()
        if focused is not None and focused.winfo_class() == "TButton":
            focused.invoke()
        elif self.ack_button is not None:
            self.acknowledge()
        else:
            self.close()

    def close(self) -> None:
        import tkinter as tk
        if self.closed:
            return
        self.closed = True
        self._dump("closed")
        try:
            self.root.destroy()
        except tk.TclError:  # already gone
            pass

    # ------------------------------------------------------------------ debug hook
    def visible_state(self) -> dict:
        """What the window shows now, read back from the widgets (for tests)."""
        from movebreak.ui.common import geometry
        return {
            "pid": os.getpid(),
            "title": self.root.title(),
            "heading": str(self.heading.cget("text")),
            "paragraphs": self.paragraphs,
            "foot": str(self.foot.cget("text")),
            "note": str(self.note.cget("text")),
            "first_run": self.first_run,
            "acknowledged": self.acknowledged.isoformat() if self.acknowledged else None,
            "buttons": {name: geometry(b) for name, b in (("ack", self.ack_button),
                                                         ("close", self.close_button))
                        if b is not None},
            "window": geometry(self.root),
        }

    def _dump(self, event: str = "shown") -> None:
        from movebreak.ui.common import dump_visible_state
        if not self.closed or event == "closed":
            dump_visible_state(self.root, self.debug_file, self.visible_state, event)


def main(argv: list[str] | None = None) -> int:
    """Show the notice; 0 when closed, 1 without a display (the text is printed instead)."""
    parser = argparse.ArgumentParser(prog="python -m movebreak.ui.safety",
                                     description="Show movebreak's safety notice.")
    parser.add_argument("--config", metavar="FILE",
                        help="config file; the acknowledgement is stored beside it")
    parser.add_argument("--first-run", action="store_true",
                        help="stay open until the notice is acknowledged")
    args = parser.parse_args(argv)
    from movebreak.ui import setup_language, try_open_root
    setup_language(args.config)  # before any text is built
    root = try_open_root("movebreak")
    if root is None:
        print(notice_text())
        return 1
    window = SafetyWindow(root, args.config, first_run=args.first_run,
                          debug_file=os.environ.get("MOVEBREAK_UI_DEBUG_FILE") or None)
    root.lift()
    root.focus_force()
    root.mainloop()
    window.closed = True
    return 0


if __name__ == "__main__":
    sys.exit(main())
