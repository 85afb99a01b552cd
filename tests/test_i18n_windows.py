"""The windows in German (the longest of our languages) and Spanish, as real Tk windows on the
test desktop: every text translated, nothing cut off at the default size.

Each window reports its texts and whether each fits (`ui/common.visible_texts`, written to
the debug file). A German screenshot of each is kept in the test's tmp dir for a look."""

from __future__ import annotations

import re
import subprocess
import time
from datetime import datetime, timedelta, timezone

import pytest
from tk_window import TkWindow

from movebreak.adapters.history import History
from movebreak.core import l10n

pytestmark = pytest.mark.desktop

# (module, English title msgid or None for the safety notice's own title, extra args)
WINDOWS = [
    ("movebreak.ui.settings", "settings"),
    ("movebreak.ui.history", "history"),
    ("movebreak.ui.routine", "routine"),
    ("movebreak.ui.safety", "safety"),
]


def title_in(lang: str, which: str) -> str:
    l10n.install(lang, environ={})
    try:
        from movebreak.core import safety
        from movebreak.ui import history, routine, settings
        return {"settings": lambda: l10n._(settings.WINDOW_TITLE),
                "history": lambda: l10n._(history.WINDOW_TITLE),
                "routine": lambda: l10n._(routine.WINDOW_TITLE),
                "safety": safety.title}[which]()
    finally:
        l10n.install("en", environ={})


class LangWindow(TkWindow):
    """A window opened on a desktop whose language is `lang` (LANGUAGE)."""

    def __init__(self, desktop, tmp_path, module, which, lang):
        super().__init__(_Speaking(desktop, lang), tmp_path, module, title_in(lang, which))


class _Speaking:
    """The desktop rig, with LANGUAGE set in the environment it gives programs."""

    def __init__(self, rig, lang: str) -> None:
        self._rig = rig
        self.env = dict(rig.env, LANGUAGE=lang)

    def __getattr__(self, name: str):
        return getattr(self._rig, name)


def seed_history(tmp_path):
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    now = datetime.now(timezone.utc)
    with History(data / "history.sqlite3") as h:
        for i, (kind, typ) in enumerate([("move", "done"), ("stretch", "snoozed"),
                                         ("posture", "skipped"), ("move", "natural")]):
            h.record(typ, kind, at=now - timedelta(minutes=10 * i + 1))


def wordy(text: str) -> bool:
    return len(re.findall(r"[^\W\d_]{3,}", text)) >= 2


def english_msgids(lang: str) -> set[str]:
    """The English texts of the catalog that `lang` words differently (a window showing one
    of these, in that language, left it untranslated)."""
    from babel.messages.pofile import read_po
    path = l10n.LOCALE_DIR / lang / "LC_MESSAGES" / "movebreak.po"
    with path.open("rb") as f:
        catalog = read_po(f)
    out = set()
    for msg in catalog:
        ids = msg.id if isinstance(msg.id, (list, tuple)) else (msg.id,)
        strs = msg.string if isinstance(msg.string, (list, tuple)) else (msg.string,)
        out.update(i for i in ids if i and wordy(i) and i not in strs)
    return out


@pytest.mark.parametrize("module,which", WINDOWS, ids=[w[1] for w in WINDOWS])
def test_window_is_translated_and_nothing_is_cut_off_in_german(xdisplay, tmp_path, module,
                                                               which):
    if which == "history":
        seed_history(tmp_path)
    w = LangWindow(xdisplay, tmp_path, module, which, "de")
    try:
        state = w.wait(lambda s: s.get("texts"), what="the window's texts")
        if which == "settings":  # it reports once while still growing to its size:
            time.sleep(0.5)  # move the focus for a report of the laid-out window
            first = state.get("focus")
            w.key("Tab")
            state = w.wait(lambda s: s.get("texts") and s.get("focus") != first,
                           what="a report after a Tab")
        subprocess.run(["import", "-window", w.wid, str(tmp_path / f"{which}-de.png")],
                       env=xdisplay.env, timeout=10, check=False)
    finally:
        w.close()
    texts = state["texts"]
    assert len(texts) >= 5, texts  # the window, not an error page
    clipped = [t for t in texts if t["clipped"]]
    assert not clipped, "cut off in German: " + "; ".join(
        f"{t['class']} {t['text']!r} needs {t['req']} px, has {t['width']}" for t in clipped)
    english = english_msgids("de")
    still_english = [t["text"] for t in texts if t["text"] in english
                     or any(line in english for line in t["text"].splitlines())]
    assert not still_english, f"left in English: {still_english}"
