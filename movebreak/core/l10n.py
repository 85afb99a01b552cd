"""The language of every user-facing text: gettext lookups and the hooks that format times.

Pure (standard library only, no threads of its own); any thread may call the lookups.
- `_`, `ngettext`, `pgettext`, `npgettext` translate through the catalog chosen by
  `install()`; `N_` only marks a constant for extraction (translate it with `_` where it is
  shown: a module constant is built before the language is known).
- `install(setting)` chooses the language: the `general.language` setting ("auto" or a code
  such as "es") or, for "auto", the desktop's locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG, as
  GNU gettext reads them). English is the source language and needs no catalog. It also makes
  the stdlib's own texts (argparse's "usage:", "options") use our catalog.
- Times and dates: `format_time`, `format_weekday_time`, `format_date`, `format_day_month`,
  `format_weekday`. The default formats are the locale-neutral 24-hour ones; the composition
  root (`adapters/locale_formats.py`) installs Babel-backed ones for the chosen locale.

Catalogs: `movebreak/locale/<lang>/LC_MESSAGES/movebreak.po` and the compiled `.mo`; `make
i18n` extracts, updates and compiles them with Babel (README: "Adding a language").
"""

from __future__ import annotations

import gettext as _gettext
import os
from datetime import datetime
from pathlib import Path
from typing import Protocol

__all__ = [
    "DOMAIN", "LANGUAGE_NAMES", "LOCALE_DIR", "N_", "SOURCE_LANGUAGE", "Formats", "_",
    "available", "current", "format_date", "format_day_month", "format_time",
    "format_weekday", "format_weekday_time", "install", "locale_from_env", "ngettext",
    "npgettext", "pgettext", "resolve", "set_formats", "translations_of",
]

DOMAIN = "movebreak"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
SOURCE_LANGUAGE = "en"

#: Each shipped language in its own words (the settings window's language list).
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "es": "Español", "de": "Deutsch"}

_ENV_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_translation: _gettext.NullTranslations = _gettext.NullTranslations()
_current = SOURCE_LANGUAGE
_locale = ""  # the full locale the formats follow, e.g. "de_DE"; "" = C/POSIX


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a constant for extraction; returns it unchanged."""
    return message


def _(message: str) -> str:
    """The message in the current language."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Singular or plural by `n`, by the current language's plural rule."""
    return _translation.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A message whose English word has more than one meaning (`context` tells them apart)."""
    return _translation.pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    """`ngettext` with a context."""
    return _translation.npgettext(context, singular, plural, n)


def available() -> tuple[str, ...]:
    """Languages with a compiled catalog, English first, then in LANGUAGE_NAMES order."""
    found = {p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    listed = [c for c in LANGUAGE_NAMES if c in found and c != SOURCE_LANGUAGE]
    return (SOURCE_LANGUAGE, *listed, *sorted(found - set(listed) - {SOURCE_LANGUAGE}))


def _base(code: str) -> str:
    """'de_DE.UTF-8@euro' -> 'de_DE'; 'C', 'POSIX' -> ''."""
    code = code.split(".")[0].split("@")[0].strip()
    return "" if code in ("C", "POSIX") else code


def _desktop_env() -> dict[str, str]:
    return {v: os.environ[v] for v in (*_ENV_VARS, "LC_TIME") if os.environ.get(v)}


#: The desktop's locale variables as this process found them (`install` later sets LANGUAGE
#: for the stdlib's lookups; "auto" must keep following the desktop, not our own choice).
_DESKTOP: dict[str, str] = _desktop_env()


def reread_desktop_env() -> None:
    """Take the locale variables from os.environ again (tests that change them)."""
    global _DESKTOP
    _DESKTOP = _desktop_env()


def locale_from_env(environ: dict[str, str] | None = None) -> list[str]:
    """The locales the environment asks for, in order of preference (GNU gettext's rules:
    LANGUAGE may list several, separated by ':'; the first set variable wins). Default: the
    desktop's variables as the process started."""
    env = _DESKTOP if environ is None else environ
    for var in _ENV_VARS:
        value = env.get(var, "").strip()
        if value:
            codes = value.split(":") if var == "LANGUAGE" else [value]
            return [b for b in (_base(c) for c in codes) if b]
    return []


def resolve(setting: str = "auto", environ: dict[str, str] | None = None) -> tuple[str, str]:
    """(language, locale) for a `general.language` setting: the first requested language
    that has a catalog (or English), and the locale its times follow: the desktop's own
    (LC_ALL, LC_TIME, LANG: "de_AT") when its language matches, else the bare language; for
    English texts under "auto", the desktop's locale whatever it is; "" = C/POSIX."""
    env = _DESKTOP if environ is None else environ
    auto = setting in ("", "auto")
    langs = available()
    wanted = locale_from_env(env) if auto else [setting]
    lang = next((w.split("_")[0].lower() for w in wanted
                 if w.split("_")[0].lower() in langs), SOURCE_LANGUAGE)
    regional = [b for b in (_base(env.get(v, "")) for v in ("LC_ALL", "LC_TIME", "LANG")) if b]
    full = next((r for r in regional if r.split("_")[0].lower() == lang), None)
    if full is not None:
        return lang, full
    if lang != SOURCE_LANGUAGE:
        return lang, lang
    # English texts: an English-speaking or unknown desktop keeps its own time formats.
    return lang, (next(iter(regional), "") if auto else "")


def install(setting: str = "auto", environ: dict[str, str] | None = None) -> str:
    """Choose the language for this process (see the module text); returns its code. Called
    by the composition roots (CLI, app, windows) before any text is built, and again by the
    app's owner thread when the setting changes. `environ` (tests) replaces the desktop's
    variables and leaves os.environ alone."""
    global _translation, _current, _locale
    lang, loc = resolve(setting, environ)
    if lang == SOURCE_LANGUAGE:
        trans: _gettext.NullTranslations = _gettext.NullTranslations()
    else:
        trans = _gettext.translation(DOMAIN, str(LOCALE_DIR), languages=[lang], fallback=True)
    _translation, _current, _locale = trans, lang, loc
    # The stdlib (argparse) looks its texts up in the global domain by the environment;
    # windows started from here inherit the same choice.
    _gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    _gettext.textdomain(DOMAIN)
    if environ is None:
        os.environ["LANGUAGE"] = lang
    return lang


def translations_of(message: str) -> dict[str, str]:
    """`message` in every shipped language that words it differently ({"de": ..., "es": ...}),
    for files that carry all languages at once (the desktop's menu entry)."""
    out = {}
    for lang in available()[1:]:
        trans = _gettext.translation(DOMAIN, str(LOCALE_DIR), languages=[lang], fallback=True)
        text = trans.gettext(message)
        if text != message:
            out[lang] = text
    return out


def current() -> str:
    """The language in use ("en", "es", "de")."""
    return _current


def current_locale() -> str:
    """The locale times follow ("" = C/POSIX: the neutral 24-hour formats)."""
    return _locale


# ------------------------------------------------------------------ times and dates
class Formats(Protocol):
    """What the formatting hooks need; `adapters/locale_formats.py` implements it with Babel."""

    def time(self, at: datetime, seconds: bool = False) -> str: ...

    def weekday(self, at: datetime) -> str: ...

    def date(self, at: datetime) -> str: ...

    def day_month(self, at: datetime) -> str: ...


class NeutralFormats:
    """Locale-neutral formats: 24-hour times, English weekday and month abbreviations (the
    C locale's, independent of the process locale)."""

    _DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    _MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
               "Dec")

    def time(self, at: datetime, seconds: bool = False) -> str:
        return f"{at:%H:%M:%S}" if seconds else f"{at:%H:%M}"

    def weekday(self, at: datetime) -> str:
        return self._DAYS[at.weekday()]

    def date(self, at: datetime) -> str:
        return f"{at.day} {self._MONTHS[at.month - 1]} {at.year}"

    def day_month(self, at: datetime) -> str:
        return f"{at.day} {self._MONTHS[at.month - 1]}"


_formats: Formats = NeutralFormats()


def set_formats(formats: Formats | None) -> None:
    """Install the formats for the chosen locale (None: the neutral ones)."""
    global _formats
    _formats = formats if formats is not None else NeutralFormats()


def format_time(at: datetime, seconds: bool = False) -> str:
    """A clock time as the locale writes it ("17:30", "5:30 PM")."""
    return _formats.time(at, seconds)


def format_weekday(at: datetime) -> str:
    """The abbreviated weekday name ("Mon", "lun", "Mo.")."""
    return _formats.weekday(at)


def format_weekday_time(at: datetime) -> str:
    """Weekday and time ("Mon 09:00")."""
    return f"{_formats.weekday(at)} {_formats.time(at)}"


def format_date(at: datetime) -> str:
    """A date with day, abbreviated month and year ("1 Dec 2026", "01.12.2026")."""
    return _formats.date(at)


def format_day_month(at: datetime) -> str:
    """Day and abbreviated month ("1 Dec", "1. Dez.")."""
    return _formats.day_month(at)
