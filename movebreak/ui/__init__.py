"""Tk windows, each run as its own process (`python -m movebreak.ui.<name>`)."""

from __future__ import annotations

import sys

from movebreak.core.l10n import _


def setup_language(config=None, settings=None) -> str:
    """Choose this window process's language (the `general.language` setting of `settings`,
    else of the config file `config`, read without writing anything) and its time formats;
    returns the language code. Each window's `main()` calls it before it builds a text: the
    app starts windows as `python -m movebreak.ui.<name>`, not through the CLI."""
    from movebreak.adapters.locale_formats import configured_language, setup
    language = getattr(settings, "language", None)
    return setup(configured_language(config) if language is None else language)


def try_open_root(class_name: str = "Movebreak"):
    """A Tk root, or None (saying why on stderr) when this Python has no tkinter or there is
    no display. For windows that print their text instead (safety, tips). Main thread."""
    try:
        from movebreak.ui.common import open_root
    except ImportError as e:  # no tkinter in this Python
        # TRANSLATORS: {reason} is the system's reason.
        print(_("movebreak: cannot open a window ({reason})").format(reason=e), file=sys.stderr)
        return None
    return open_root(class_name)
