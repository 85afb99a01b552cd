"""The tips window: `python -m movebreak.ui.tips [--config FILE]` (`--config` is accepted and
ignored: the app passes it to every window).

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

from movebreak.core.catalog import TIPS, TIPS_TITLE

WINDOW_TITLE = f"movebreak: {TIPS_TITLE.lower()}"
#: Suffix added to MOVEBREAK_UI_DEBUG_FILE for a tips window opened by another window, so the
#: two do not write the same file.
DEBUG_SUFFIX = ".tips.json"


def text() -> str:
    """The tips as plain text (terminal, no display)."""
    return "\n\n".join([TIPS_TITLE] + [f"{t.heading}: {t.text}" for t in TIPS])


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
        print(f"movebreak: could not open the tips window ({e})", file=sys.stderr)
        return None


def build(root) -> dict:
    """Main thread: fill `root` with the tips; returns what is shown (for the debug file)."""
    from tkinter import ttk

    from movebreak.ui.common import apply_look, pin_label_colors, safety_foot

    look = apply_look(root)
    root.title(WINDOW_TITLE)
    root.resizable(False, False)
    wrap = look.px(440)
    frame = ttk.Frame(root, padding=(look.px(22), look.px(18), look.px(22), look.px(16)))
    frame.grid(sticky="nsew")
    ttk.Label(frame, text=TIPS_TITLE, style="Subtitle.TLabel").grid(row=0, sticky="w",
                                                                    pady=(0, look.px(10)))
    row = 1
    for tip in TIPS:
        ttk.Label(frame, text=tip.heading, style="Strong.TLabel").grid(row=row, sticky="w")
        ttk.Label(frame, text=tip.text, style="Body.TLabel", wraplength=wrap,
                  justify="left").grid(row=row + 1, sticky="w", pady=(look.px(2), look.px(10)))
        row += 2
    foot = safety_foot(frame, look, wrap=440)
    foot.grid(row=row, sticky="w", pady=(look.px(4), look.px(10)))
    close = ttk.Button(frame, text="Close", style="Accent.TButton", command=root.destroy,
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
    return {"pid": os.getpid(), "title": WINDOW_TITLE,
            "tips": [[t.heading, t.text] for t in TIPS], "foot": str(foot.cget("text"))}


def main(argv: list[str] | None = None) -> int:
    """Show the tips; 0 when closed, 1 without a display (the text is printed instead)."""
    parser = argparse.ArgumentParser(prog="python -m movebreak.ui.tips",
                                     description="Show movebreak's tips between breaks.")
    parser.add_argument("--config", metavar="FILE", help="ignored (accepted for the app)")
    parser.parse_args(argv)
    from movebreak.ui import try_open_root
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
