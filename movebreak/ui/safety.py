"""The safety notice window: `python -m movebreak.ui.safety [--config FILE]` (`--config` is
accepted and ignored: the app passes it to every window).

A small Tk window in its own process (Tk must not share the tray's main thread), with the
shared look of `ui.common`: the title, a red "Red flags" banner holding the urgent paragraph,
the rest of the notice, and an OK button; Enter or Escape closes it. Without a display the text
goes to stdout. MOVEBREAK_UI_DEBUG_FILE: writes what it shows as JSON (for tests).
"""

from __future__ import annotations

import argparse
import os
import sys

from movebreak.core import safety

RED_FLAG_HEADING = "\u26a0 Red flags: get help straight away"


def build(root) -> dict:
    """Main thread: fill `root` with the notice; returns what is shown (for the debug file)."""
    from tkinter import ttk

    from movebreak.ui.common import apply_look, pin_label_colors

    look = apply_look(root)
    root.title(safety.TITLE)
    root.resizable(False, False)
    wrap = look.px(440)
    paragraphs = [p.strip() for p in safety.BODY.split("\n\n") if p.strip()]

    frame = ttk.Frame(root, padding=(look.px(22), look.px(18), look.px(22), look.px(16)))
    frame.grid(sticky="nsew")
    ttk.Label(frame, text=safety.TITLE, style="Subtitle.TLabel").grid(row=0, sticky="w")
    banner = ttk.Frame(frame, style="Banner.TFrame", padding=look.px(12))
    banner.grid(row=1, sticky="ew", pady=(look.px(12), look.px(12)))
    heading = ttk.Label(banner, text=RED_FLAG_HEADING, style="BannerTitle.TLabel")
    heading.grid(row=0, sticky="w", pady=(0, look.px(4)))
    ttk.Label(banner, text=paragraphs[0], style="Banner.TLabel", wraplength=wrap,
              justify="left").grid(row=1, sticky="w")
    for i, para in enumerate(paragraphs[1:]):
        ttk.Label(frame, text=para, style="Body.TLabel", wraplength=wrap,
                  justify="left").grid(row=2 + i, sticky="w", pady=(0, look.px(10)))
    ok = ttk.Button(frame, text="OK", style="Accent.TButton", command=root.destroy,
                    default="active")
    ok.grid(row=2 + len(paragraphs), sticky="e", pady=(look.px(6), 0))
    pin_label_colors(root)
    heading.configure(foreground=look.colors["error"])  # the red flag, after pinning
    for key in ("<Escape>", "<Return>", "<KP_Enter>"):
        root.bind(key, lambda _e: root.destroy())
    ok.focus_set()
    root.update_idletasks()
    w, h = root.winfo_reqwidth(), root.winfo_reqheight()
    root.geometry(f"+{max(0, (root.winfo_screenwidth() - w) // 2)}"
                  f"+{max(0, (root.winfo_screenheight() - h) // 3)}")
    return {"title": safety.TITLE, "heading": RED_FLAG_HEADING, "paragraphs": paragraphs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m movebreak.ui.safety",
                                     description="Show movebreak's safety notice.")
    parser.add_argument("--config", metavar="FILE", help="ignored (accepted for the app)")
    parser.parse_args(argv)
    try:
        from movebreak.ui.common import open_root, write_debug
        root = open_root("movebreak")
    except ImportError as e:  # no tkinter in this Python
        print(f"movebreak: cannot open a window ({e})", file=sys.stderr)
        root = None
    if root is None:
        print(f"{safety.TITLE}\n\n{safety.BODY}")
        return 1
    shown = build(root)
    root.lift()
    root.focus_force()
    root.after_idle(lambda: write_debug(os.environ.get("MOVEBREAK_UI_DEBUG_FILE"), shown))
    root.mainloop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
