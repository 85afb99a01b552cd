"""Times and dates as the user's locale writes them, through Babel (CLDR data), and the one
call every entry point makes to choose its language: `setup(setting)`.

Babel (and a locale's CLDR data, about 7 MiB) is loaded only when the first time is formatted
under a real locale; under C/POSIX the core's neutral 24-hour formats stay, with no Babel at
all. Any thread may format (Babel's functions are pure; the data load is guarded by a lock).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from movebreak.core import l10n

log = logging.getLogger(__name__)


class BabelFormats:
    """`core.l10n.Formats` for one locale ("de", "en_US", "es_MX")."""

    def __init__(self, locale: str):
        self.locale_name = locale
        self._lock = threading.Lock()
        self._locale: Any = None

    def _loc(self) -> Any:
        with self._lock:
            if self._locale is None:
                from babel import Locale, UnknownLocaleError
                try:
                    self._locale = Locale.parse(self.locale_name)
                except (UnknownLocaleError, ValueError):
                    lang = self.locale_name.split("_")[0]
                    log.info("no CLDR data for %s; using %s", self.locale_name, lang)
                    self._locale = Locale.parse(lang)
            return self._locale

    def time(self, at: datetime, seconds: bool = False) -> str:
        from babel.dates import format_time
        # Naive times are local; Babel would treat them as UTC-less wall times already.
        return format_time(at.replace(tzinfo=None), "medium" if seconds else "short",
                           locale=self._loc())

    def weekday(self, at: datetime) -> str:
        from babel.dates import format_date
        return format_date(at.date(), "EEE", locale=self._loc())

    def date(self, at: datetime) -> str:
        from babel.dates import format_date
        return format_date(at.date(), "medium", locale=self._loc())

    def day_month(self, at: datetime) -> str:
        from babel.dates import format_skeleton
        return format_skeleton("MMMd", at.replace(tzinfo=None), locale=self._loc())


def configured_language(config) -> str:
    """The `general.language` of the config file `config` (None: the default file), read
    without writing or backing up anything; "auto" when it cannot be read (the language is
    never worth failing for: the commands that use the settings report a broken file)."""
    try:
        from movebreak.adapters import storage
        return storage.load_config(config, write_default=False, backup=False).settings.language
    except Exception:  # noqa: BLE001 - see the docstring
        return "auto"


def setup(setting: str = "auto") -> str:
    """Choose this process's language from the `general.language` setting (or the desktop's
    locale) and the matching time formats; returns the language code. Any entry point, before
    it builds a text; the app's owner thread again when the setting changes."""
    lang = l10n.install(setting)
    locale = l10n.current_locale()
    l10n.set_formats(BabelFormats(locale) if locale else None)
    return lang
