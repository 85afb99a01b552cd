"""Tk windows, each run as its own process (`python -m movebreak.ui.<name>`)."""

from __future__ import annotations

import sys


def try_open_root(class_name: str = "Movebreak"):
    """A Tk root, or None (saying why on stderr) when this Python has no tkinter or there is
    no display. For windows that print their text instead (safety, tips). Main thread."""
    try:
        from movebreak.ui.common import open_root
    except ImportError as e:  # no tkinter in this Python
        print(f"movebreak: cannot open a window ({e})", file=sys.stderr)
        return None
    return open_root(class_name)
