"""Translations: the catalogs are complete, their placeholders intact, the compiled files
current, and the health content says exactly what the English says in every language.

Extraction runs in-process with Babel (what `make i18n-extract` runs), so a string added to the
code without a translation fails here, in `make test`, before it reaches a user.
"""

from __future__ import annotations

import io
import re
import string
from collections import Counter

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from movebreak.core import l10n

LANGS = [code for code in l10n.LANGUAGE_NAMES if code != l10n.SOURCE_LANGUAGE]
PACKAGE = l10n.LOCALE_DIR.parent


def extracted() -> dict[tuple[str, str | None], tuple]:
    """Every message the code marks: (msgid or (singular, plural), context) -> locations."""
    found: dict = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(PACKAGE), method_map=[("**.py", "python")], keywords=DEFAULT_KEYWORDS,
            comment_tags=("TRANSLATORS:",), strip_comment_tags=True):
        key = message if isinstance(message, str) else tuple(message)
        found.setdefault((key[0] if isinstance(key, tuple) else key, context), []).append(
            (filename, lineno, key))
    return found


def po(lang: str):
    path = l10n.LOCALE_DIR / lang / "LC_MESSAGES" / "movebreak.po"
    assert path.is_file(), f"no catalog for {lang}: run `make new-language CODE={lang}`"
    with path.open("rb") as f:
        return read_po(f, locale=lang)


def fields(text: str) -> Counter:
    """The placeholders of a message: str.format fields and %-style conversions."""
    out: Counter = Counter()
    try:
        for _lit, name, spec, conv in string.Formatter().parse(text):
            if name is not None:
                out[f"{{{name}{'!' + conv if conv else ''}{':' + spec if spec else ''}}}"] += 1
    except ValueError as e:
        out[f"<broken braces: {e}>"] += 1
    for m in re.finditer(r"%(\([^)]*\))?[-#0 +]*\d*(\.\d+)?[diouxXeEfFgGcrsa%]", text):
        if m.group() != "%%":
            out[m.group()] += 1
    return out


def test_languages_shipped_are_the_ones_offered():
    assert l10n.available() == tuple(l10n.LANGUAGE_NAMES)


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_has_every_string_of_the_code_translated(lang):
    catalog = po(lang)
    missing, untranslated, fuzzy = [], [], []
    for (msgid, context), where in extracted().items():
        msg = catalog.get(msgid, context=context)
        place = f"{where[0][0]}:{where[0][1]}"
        if msg is None:
            missing.append(f"{place} {msgid!r}")
        elif msg.fuzzy:
            fuzzy.append(f"{place} {msgid!r}")
        elif not (all(msg.string) if isinstance(msg.string, (list, tuple)) else msg.string):
            untranslated.append(f"{place} {msgid!r}")
    assert not missing, f"{lang}: not in the catalog (run `make i18n`):\n" + "\n".join(missing)
    assert not untranslated, f"{lang}: untranslated:\n" + "\n".join(untranslated)
    assert not fuzzy, f"{lang}: fuzzy (check and clear the flag):\n" + "\n".join(fuzzy)


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_survive_translation(lang):
    broken = []
    for msg in po(lang):
        if not msg.id:
            continue
        ids = msg.id if isinstance(msg.id, (list, tuple)) else (msg.id,)
        strs = msg.string if isinstance(msg.string, (list, tuple)) else (msg.string,)
        want = fields(ids[-1])
        for text in strs:
            got = fields(text)
            # a singular form may leave out the number ("un minuto"), never add or rename one
            ok = got == want or (len(ids) > 1 and not (got - want))
            if text and not ok:
                broken.append(f"{msg.id!r}: {dict(want)} -> {text!r} {dict(got)}")
    assert not broken, f"{lang}: placeholders changed:\n" + "\n".join(broken)


@pytest.mark.parametrize("lang", LANGS)
def test_plural_forms_and_python_format_checks(lang):
    catalog = po(lang)
    errors = [f"{msg.id!r}: {err}" for msg, errs in catalog.check() for err in errs]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalog_is_current(lang):
    """The shipped .mo is what `make i18n-compile` makes of the .po today."""
    buf = io.BytesIO()
    write_mo(buf, po(lang))
    mo = l10n.LOCALE_DIR / lang / "LC_MESSAGES" / "movebreak.mo"
    assert mo.is_file() and mo.read_bytes() == buf.getvalue(), \
        f"{mo} is stale: run `make i18n-compile`"


def test_wheel_ships_the_compiled_catalogs():
    import configparser
    cfg = configparser.ConfigParser()
    cfg.read(PACKAGE.parent / "setup.cfg")
    assert "locale/*/LC_MESSAGES/*.mo" in cfg["options.package_data"]["movebreak"]


# ---------------------------------------------------------------- the health content
def numbers(text: str) -> Counter:
    return Counter(re.findall(r"\d+", text))


def content_texts() -> dict[str, str]:
    """Every exercise, kind and safety text a user reads, in the installed language."""
    from movebreak.core import catalog, safety
    texts: dict[str, str] = {}
    for ex in catalog.EXERCISES.values():
        texts[f"{ex.id}.text"] = ex.text()
        texts[f"{ex.id}.cue"] = ex.cue
        texts[f"{ex.id}.numbers"] = ex.numbers()
        texts[f"{ex.id}.name"] = ex.name
    for kind in catalog.KINDS.values():
        texts[f"{kind.id}.title"] = kind.title
        texts[f"{kind.id}.summary"] = kind.summary
    for i, para in enumerate(safety.paragraphs()):
        texts[f"safety.{i}"] = para
    texts["safety.foot"] = safety.foot()
    return texts


@pytest.mark.parametrize("lang", LANGS)
def test_every_dose_and_the_safety_notice_say_what_the_english_says(lang):
    """Seconds, repetitions, pumps and sides: the same numbers, in every text, in every
    language; and every text is really translated (not left in English)."""
    l10n.install("en", environ={})
    english = content_texts()
    assert l10n.install(lang, environ={}) == lang
    translated = content_texts()
    wrong = [f"{key}: {english[key]!r} -> {translated[key]!r}"
             for key in english if numbers(english[key]) != numbers(translated[key])]
    assert not wrong, f"{lang}: numbers differ:\n" + "\n".join(wrong)
    same = [key for key in english
            if english[key] == translated[key] and len(english[key].split()) > 1]
    assert not same, f"{lang}: left in English: {same}"


@pytest.mark.parametrize("lang", LANGS)
def test_red_flags_are_named_in_the_translated_safety_notice(lang):
    """The two red flags and 'straight away' must be in the urgent paragraph (a reviewer
    checks the wording; this guards against a paragraph swapped or cut)."""
    l10n.install(lang, environ={})
    from movebreak.core import safety
    urgent = safety.urgent().lower()
    words = {"es": ("silla de montar", "intestin", "vejiga", "inmediat"),
             "de": ("reithose", "darm", "blase", "sofort")}[lang]
    for word in words:
        assert word in urgent, f"{lang}: {word!r} missing from {urgent!r}"


# ---------------------------------------------------------------- choosing the language
@pytest.mark.parametrize("env,setting,want", [
    ({"LANGUAGE": "es"}, "auto", ("es", "es")),
    ({"LANG": "de_AT.UTF-8"}, "auto", ("de", "de_AT")),
    ({"LANGUAGE": "fr:de", "LANG": "fr_FR.UTF-8"}, "auto", ("de", "de")),
    ({"LC_ALL": "es_MX.UTF-8", "LANG": "de_DE.UTF-8"}, "auto", ("es", "es_MX")),
    ({"LANG": "C.UTF-8"}, "auto", ("en", "")),
    ({}, "auto", ("en", "")),
    ({"LANG": "fr_FR.UTF-8"}, "auto", ("en", "fr_FR")),
    ({"LANG": "en_US.UTF-8"}, "auto", ("en", "en_US")),
    ({"LANG": "de_DE.UTF-8"}, "es", ("es", "es")),
    ({"LANG": "es_ES.UTF-8"}, "en", ("en", "")),
])
def test_language_follows_the_desktop_unless_the_setting_says(env, setting, want):
    assert l10n.resolve(setting, env) == want


def test_times_follow_the_locale_with_babel():
    from datetime import datetime

    from movebreak.adapters.locale_formats import BabelFormats
    at = datetime(2026, 12, 1, 17, 5, 9)  # a Tuesday
    de, us, es = BabelFormats("de_DE"), BabelFormats("en_US"), BabelFormats("es")
    assert de.time(at) == "17:05" and de.weekday(at) == "Di."
    assert us.time(at).replace("\u202f", " ") == "5:05 PM" and us.weekday(at) == "Tue"
    assert es.time(at, seconds=True) == "17:05:09" and es.weekday(at) == "mar"
    assert de.day_month(at) == "1. Dez."
    neutral = l10n.NeutralFormats()  # C/POSIX: what the app always printed
    assert (neutral.time(at), neutral.weekday(at), neutral.day_month(at)) == \
        ("17:05", "Tue", "1 Dec")
