"""Spanish and German as a user meets them: real `movebreak` processes started with the
desktop's language (LANGUAGE) or the `general.language` setting, a real notification in dunst.

"Fully translated" is checked against the English run of the same command: every line of two
or more words must differ from its English counterpart (numbers, names and config syntax
alone may stay the same)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from desktop_app import DesktopApp

from movebreak.core import l10n

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict[str, str] | None = None, **extra: str) -> subprocess.CompletedProcess:
    import os
    full = {**os.environ, **(env or {}), **extra}
    return subprocess.run([sys.executable, "-m", "movebreak", *args], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=30)


def wordy(line: str) -> bool:
    """A line a translator must have translated: two or more words of letters."""
    return len(re.findall(r"[^\W\d_]{2,}", line)) >= 2


def untranslated(english: str, other: str) -> list[str]:
    en_lines = english.splitlines()
    same = set(en_lines) & set(other.splitlines())
    return [line for line in en_lines if line in same and wordy(line)
            and not line.strip().startswith(("movebreak ", "--", "-v, --verbose"))]


@pytest.mark.parametrize("lang,usage", [("de", "Aufruf: "), ("es", "uso: ")])
def test_help_is_fully_translated(lang, usage, tmp_path):
    for args in (["--help"], ["pause", "--help"]):
        english = run(*args, LANGUAGE="en", MOVEBREAK_CONFIG_DIR=str(tmp_path))
        other = run(*args, LANGUAGE=lang, MOVEBREAK_CONFIG_DIR=str(tmp_path))
        assert english.returncode == other.returncode == 0, other.stderr
        assert other.stdout.startswith(usage), other.stdout[:80]
        assert not untranslated(english.stdout, other.stdout), (args, untranslated(
            english.stdout, other.stdout))


def test_errors_speak_the_language_but_durations_stay_config_syntax(tmp_path):
    env = {"MOVEBREAK_CONFIG_DIR": str(tmp_path), "MOVEBREAK_RUNTIME_DIR": str(tmp_path)}
    english = run("pause", "ten minutes", env=env, LANGUAGE="en")
    spanish = run("pause", "ten minutes", env=env, LANGUAGE="es")
    assert english.returncode == spanish.returncode == 2
    assert english.stderr != spanish.stderr
    for syntax in ("90s", "10m", "1h30m"):  # the accepted forms are named as they are typed
        assert syntax in spanish.stderr, spanish.stderr


@pytest.mark.desktop
def test_status_history_and_a_notification_in_spanish(xdisplay, tmp_path):
    """The desktop speaks Spanish: `status` and `history`, a reminder in dunst with Spanish
    buttons that still work; then the setting switches the running app to German live."""
    app = DesktopApp(xdisplay.env, tmp_path, '[reminders.move]\ninterval = "30m"\n',
                     LANGUAGE="es")
    try:
        app.wait_status(lambda s: s["pid"], "the app to answer", 15)
        spanish = app.cli("status")
        english = subprocess.run([sys.executable, "-m", "movebreak", "status"], cwd=ROOT,
                                 env={**app.env, "LANGUAGE": "en"}, capture_output=True,
                                 text=True, timeout=30).stdout
        assert spanish.splitlines() and len(spanish.splitlines()) == len(english.splitlines())
        assert not untranslated(english, spanish), untranslated(english, spanish)
        assert json.loads(app.cli("status", "--json"))["kinds"]["move"]  # JSON keys stay

        app.cli("break", "move")
        l10n.install("es", environ={})
        from movebreak.core.catalog import KINDS
        title = KINDS["move"].title
        xdisplay.wait_for(lambda: any(m["summary"] == title for m in xdisplay.context_menu()),
                          5, "the Spanish reminder in dunst")
        labels = {m["key"]: m["label"] for m in xdisplay.context_menu() if m["summary"] == title}
        assert set(labels) == {"done", "snooze", "skip"}
        assert labels["done"] not in ("Done",) and labels["skip"] not in ("Skip",)
        assert "Snooze" not in labels["snooze"]
        xdisplay.press_action(labels["snooze"], title)
        st = app.wait_status(lambda s: s["kinds"]["move"]["snoozed"], "snoozed by the button")
        assert st["pending"] is None

        history = app.cli("history", "--days", "1")
        english = subprocess.run([sys.executable, "-m", "movebreak", "history", "--days", "1"],
                                 cwd=ROOT, env={**app.env, "LANGUAGE": "en"},
                                 capture_output=True, text=True, timeout=30).stdout
        assert not untranslated(english, history), untranslated(english, history)

        # the setting overrides the desktop, live (SIGHUP re-reads the config): the app's
        # texts (here the next reminder's title in its status) turn German
        cfg = Path(app.env["MOVEBREAK_CONFIG_DIR"]) / "config.toml"
        cfg.write_text('[general]\nlanguage = "de"\n[reminders.move]\ninterval = "30m"\n')
        app.proc.send_signal(signal.SIGHUP)
        l10n.install("de", environ={})
        german = {k.title for k in KINDS.values()}
        app.wait_status(lambda s: s["next"] and s["next"]["title"] in german,
                        "the app to speak German", 5)
    finally:
        l10n.install("en", environ={})
        app.stop()
