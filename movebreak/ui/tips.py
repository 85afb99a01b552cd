"""The tips window: `python -m movebreak.ui.tips [--config FILE]` (`--config` only gives the
language, from `general.language`: the app passes it to every window).

A short read between breaks (motion is lotion, change the surface you sit on, a stool under
one foot, a massage ball or foam roller), paraphrased from the seed in `catalog.TIPS`. Its own
process, like every window: the routine window's Tips button and the tray open it with
`spawn()`. Everything runs on this process's Tk main thread. Without a display the text goes
to stdout. MOVEBREAK_UI_DEBUG_FILE: writes what it shows as JSON (for tests).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from movebreak.core.catalog import TIPS, tips_title
from movebreak.core.l10n import N_, _

#: The window's title in English (translated where shown).
WINDOW_TITLE = N_("movebreak: tips between breaks")
#: Suffix added to MOVEBREAK_UI_DEBUG_FILE for a tips window opened by another window, so the
#: two do not write the same file.
DEBUG_SUFFIX = ".tips.json"


def text() -> str:
    """The tips as plain text (terminal, no display)."""
    # TRANSLATORS: one tip as plain text: its heading, then the tip.
    line = _("{heading}: {text}")
    return "\n\n".join([tips_title()] + [line.format(heading=t.heading, text=t.text)
                                          for t in TIPS])


def spawn(config: str | None = None) -> subprocess.Popen | None:
    """Open the tips window in its own process (any thread; the routine window calls it from
    its Tk thread). A debug file of the caller gets DEBUG_SUFFIX for the child. None when the
    process cannot start."""
    env = dict(os.environ)
    if env.get("MOVEBREAK_UI_DEBUG_FILE"):
        env["MOVEBREAK_UI_DEBUG_FILE"] += DEBUG_SUFFIX
    cmd = [sys.executable, "-m", "movebreak.ui.tips", *(["--config", config] if config else [])]
    try:
        return subprocess.Popen(cmd, env=env, start_new_session=True)
    except OSError as e:
        # TRANSLATORS: {reason} is the system's reason.
        print(_("movebreak: could not open the tips window ({reason})").format(reason=e),
              file=sys.stderr)
        return None


def build(root) -> dict:
    """Main thread: fill `root` with the tips; returns what is shown (for the debug file)."""
    from tkinter import ttk

    from movebreak.ui.common import apply_look, pin_label_colors, safety_foot

    look = apply_look(root)
    title = _(WINDOW_TITLE)
    root.title(title)
    root.resizable(False, False)
    wrap = look.px(440)
    frame = ttk.Frame(root, padding=(look.px(22), look.px(18), look.px(22), look.px(16)))
    frame.grid(sticky="nsew")
    ttk.Label(frame, text=tips_title(), style="Subtitle.TLabel").grid(
        row=0, sticky="w", pady=(0, look.px(10)))
    row = 1
    for tip in TIPS:
        ttk.Label(frame, text=tip.heading, style="Strong.TLabel", wraplength=wrap,
                  justify="left").grid(row=row, sticky="w")
        ttk.Label(frame, text=tip.text, style="Body.TLabel", wraplength=wrap,
                  justify="left").grid(row=row + 1, sticky="w", pady=(look.px(2), look.px(10)))
        row += 2
    foot = safety_foot(frame, look, wrap=440)
    foot.grid(row=row, sticky="w", pady=(look.px(4), look.px(10)))
    close = ttk.Button(frame, text=_("Close"), style="Accent.TButton", command=root.destroy,
                       default="active")
    close.grid(row=row + 1, sticky="e")
    pin_label_colors(root)
    for key in ("<Escape>", "<Return>", "<KP_Enter>"):
        root.bind(key, lambda _e: root.destroy())
    close.focus_set()
    root.update_idletasks()
    w, h = root.winfo_reqwidth(), root.winfo_reqheight()
    root.geometry(f"+{max(0, (root.winfo_screenwidth() - w) // 2)}"
                  f"+{max(0, (root.winfo_screenheight() - h) // 3)}")
    return {"pid": os.getpid(), "title": title,
            "tips": [[t.heading, t.text] for t in TIPS], "foot": str(foot.cget("text"))}


def main(argv: list[str] | None = None) -> int:
    """Show the tips; 0 when closed, 1 without a display (the text is printed instead)."""
    parser = argparse.ArgumentParser(prog="python -m movebreak.ui.tips",
                                     description="Show movebreak's tips between breaks.")
    parser.add_argument("--config", metavar="FILE",
                        help="config file: only its language setting is used")
    args = parser.parse_args(argv)
    from movebreak.ui import setup_language, try_open_root
    setup_language(args.config)  # before any text is built
    root = try_open_root("movebreak")
    if root is None:
        print(text())
        return 1
    from movebreak.ui.common import write_debug
    shown = build(root)
    root.lift()
    root.after_idle(lambda: write_debug(os.environ.get("MOVEBREAK_UI_DEBUG_FILE"), shown))
    root.mainloop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
