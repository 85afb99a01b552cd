"""The runtime texts go through gettext and the time-format hooks: the status line, the tray's
menu, notifications' buttons, the CLI (with argparse's own texts), and the language wiring of
the CLI and of the app's config reload. In-process, with a fake translation that wraps every
message in «...», so a text that escaped gettext shows up unwrapped."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from fake_language import Wrapped

from movebreak import cli
from movebreak.adapters import locale_formats
from movebreak.core import l10n
from movebreak.core.status import KindStatus, PendingStatus, Status

UTC = timezone.utc
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday


class TaggedFormats:
    """Formats that say which hook made them."""

    def time(self, at, seconds=False):
        return f"<{'T' if seconds else 't'}{at:%H%M%S}>"

    def weekday(self, at):
        return f"<wd{at.weekday()}>"

    def date(self, at):
        return f"<d{at:%Y%m%d}>"

    def day_month(self, at):
        return f"<dm{at:%m%d}>"


@pytest.fixture
def tagged():
    l10n.set_formats(TaggedFormats())


def is_wrapped(text: str) -> bool:
    return text.startswith("«") and text.endswith("»")


def status(**kw) -> Status:
    base = dict(at=NOW, next_kind="move", next_due=NOW + timedelta(minutes=12),
                kinds=(KindStatus("move", True, 1800, NOW + timedelta(minutes=12)),
                       KindStatus("posture", True, 1200, NOW + timedelta(minutes=3),
                                  snoozed=True),
                       KindStatus("stretch", False, 3600, None)),
                sitting_since=NOW - timedelta(minutes=25))
    base.update(kw)
    return Status(**base).with_app(today={"shown": 4, "done": 1, "snoozed": 1}, pid=4242)


# ---------------------------------------------------------------------- core/texts.py
def test_status_texts_are_translated(fake_language):
    from movebreak.core.texts import (
        event_line,
        kind_countdown,
        next_due_text,
        snooze_label,
        status_lines,
    )

    st = status()
    assert next_due_text(st, NOW).startswith("«Next: ")
    assert snooze_label(600) == "«Snooze {n} min»".replace("{n}", "10")
    lines = status_lines(st.with_app(today={"done": 1}), NOW)
    assert lines and all(is_wrapped(line) for line in lines), lines
    assert any(line.startswith("«Today: ") and "«{n} done»".format(n=1) in line
               for line in lines)
    assert kind_countdown(st, NOW + timedelta(minutes=3), NOW).startswith("«in ")
    paused = status(paused=True)
    assert next_due_text(paused, NOW) == "«Paused»"
    for held in ("locked", "hours", "dnd"):
        text = next_due_text(status(holds=(held,), held_until=NOW + timedelta(hours=1)), NOW)
        assert text.startswith("«Held: ") and "«" in text[1:], text
    for ev in ({"type": "done", "kind": "move", "at": NOW.isoformat()},
               {"type": "paused", "at": NOW.isoformat(), "until": None},
               {"type": "snoozed", "kind": "move", "at": NOW.isoformat(),
                "due": (NOW + timedelta(minutes=10)).isoformat()}):
        assert is_wrapped(event_line(ev)), ev


def test_times_in_texts_use_the_format_hooks(tagged):
    from movebreak.adapters.history import _prune_message
    from movebreak.core.texts import event_line, next_due_text

    until = NOW + timedelta(hours=1)
    local = until.astimezone()
    assert next_due_text(status(paused=True, paused_until=until), NOW) == \
        f"Paused until <t{local:%H%M%S}>"
    held = status(holds=("hours",), held_until=until)
    assert next_due_text(held, NOW).endswith(f"(until <wd{local.weekday()}> <t{local:%H%M%S}>)")
    snoozed = {"type": "snoozed", "kind": None, "at": NOW.isoformat(), "due": until.isoformat()}
    assert event_line(snoozed) == f"snoozed until <T{local:%H%M%S}>"
    assert f"<t{local:%H%M%S}>" in _prune_message(3, until, 30)


def test_times_of_the_console_notifier_use_the_format_hooks(tagged, capsys):
    from movebreak.adapters.notify.console import ConsoleNotifier
    from movebreak.core.catalog import Reminder

    due = NOW + timedelta(minutes=10)
    ConsoleNotifier().show(Reminder(1, "move", "Move", "Stand up.", None, due), "Snooze 10 min")
    out = capsys.readouterr().out
    assert f"Move (<t{due.astimezone():%H%M%S}>)" in out and "movebreak <T" in out


def test_english_stays_as_it_was():
    from movebreak.core.texts import next_due_text, snooze_label, status_lines

    st = status(paused=True, paused_until=NOW.replace(hour=16, minute=30))
    assert next_due_text(st, NOW, tz=UTC) == "Paused until 16:30"
    assert snooze_label(600) == "Snooze 10 min"
    assert status_lines(status(), NOW)[-1] == "Today: 1 done, 1 snoozed, 0 skipped, 0 natural"


# ---------------------------------------------------------------------- notifications, tray
def test_notification_buttons_are_translated(fake_language):
    from movebreak.adapters.notify.base import button_actions
    from movebreak.core.catalog import Reminder

    reminder = Reminder(1, "stretch", "Stretch", "Hold it.", "glutes", NOW)
    labels = [label for _action, label in button_actions(reminder, "«Snooze 10 min»")]
    assert len(labels) == 4 and all(is_wrapped(label) for label in labels), labels


def test_tray_menu_is_translated_and_rebuilt_when_the_language_changes(fake_language, monkeypatch):
    from movebreak.adapters import tray

    pending = PendingStatus(7, "move", "Time to move", "Stand up.")
    for st in (status(pending=pending).with_app(warnings=["Sound: no sound device"]),
               status(paused=True)):
        view = tray._view(st, NOW)
        entries = tray.menu_entries(view)
        labels = [e.label for e in entries if e.label is not None and e.label != view.head]
        labels += [label for e in entries for label, _request in e.submenu]
        labels = [x for x in labels if x != "Waiting: Time to move"]
        assert labels and all(is_wrapped(x) for x in labels), labels
        assert is_wrapped(view.head)
    before = tray._view(status(), NOW)
    monkeypatch.setattr(l10n, "_current", "es")
    assert tray._view(status(), NOW) != before  # a new language: title and menu redrawn


# ---------------------------------------------------------------------- CLI
def _catalog_dir(tmp_path, messages: list[str]):
    """A compiled catalog for a made-up language "xx" that wraps `messages` in «...»."""
    catalog = Catalog(locale="en", domain=l10n.DOMAIN)
    for msg in messages:
        catalog.add(msg, f"«{msg}»")
    folder = tmp_path / "locale" / "xx" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / f"{l10n.DOMAIN}.mo", "wb") as f:
        write_mo(f, catalog)
    return tmp_path / "locale"


@pytest.fixture
def xx_language(tmp_path, monkeypatch):
    """Language "xx" from the environment: argparse's texts from a real compiled catalog in
    the global gettext domain (as `l10n.install` binds it), ours wrapped by `Wrapped`."""
    argparse_texts = [m for m in cli._argparse_texts() if isinstance(m, str)]
    monkeypatch.setattr(l10n, "LOCALE_DIR", _catalog_dir(tmp_path, argparse_texts))
    monkeypatch.setenv("LANGUAGE", "xx")
    l10n.reread_desktop_env()  # the desktop's language, as a process started here sees it
    monkeypatch.setenv("COLUMNS", "200")  # argparse fills lines to the terminal's width
    real_setup = locale_formats.setup

    def setup(setting="auto"):
        lang = real_setup(setting)
        l10n._translation = Wrapped()
        return lang

    monkeypatch.setattr(locale_formats, "setup", setup)


def test_help_is_translated_with_argparse_texts(xx_language, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    assert l10n.current() == "xx"
    out = capsys.readouterr().out
    assert out.startswith("«usage: »movebreak ")
    for text in ("«options»:", "«positional arguments»:", "«show this help message and exit»",
                 "«show program's version number and exit»", "«Tray app for movement breaks",
                 "«Safety: ", "«start the tray app (one per user)»", "«FILE»"):
        assert text in out, text


def test_argparse_errors_are_translated(xx_language, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["snooze", "--kind", "nope"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "«usage: »" in err
    assert "movebreak: ««argument --kind: «invalid choice: 'nope'" in err, err


def test_argparse_texts_are_argparse_msgids():
    """Each marked text is one argparse.py looks up (a typo would never be translated)."""
    import argparse
    import inspect

    source = inspect.getsource(argparse)
    for text in cli._argparse_texts():
        assert f"'{text}'" in source or f'"{text}"' in source, text


def test_setup_chooses_a_language_only_with_its_catalog():
    want = "de" if "de" in l10n.available() else "en"
    assert locale_formats.setup("de") == want and l10n.current() == want


def test_auto_follows_the_desktop_again_after_a_setting():
    at = datetime(2026, 1, 1, 17, 30)
    locale_formats.setup("auto")
    locale_formats.setup("de")
    assert locale_formats.setup("auto") == "en"  # the C locale: English, 24-hour times
    assert l10n.current_locale() == "" and l10n.format_time(at) == "17:30"


@pytest.mark.parametrize("before", [False, True], ids=["status --config", "--config status"])
def test_cli_uses_the_language_setting_of_the_config(tmp_path, monkeypatch, capsys, before):
    calls = []
    monkeypatch.setattr(locale_formats, "setup", lambda setting="auto": calls.append(setting))
    config = tmp_path / "config.toml"
    config.write_text('[general]\nlanguage = "es"\n')
    monkeypatch.setenv("MOVEBREAK_RUNTIME_DIR", str(tmp_path / "run"))
    argv = ["--config", str(config), "status"] if before else ["status", "--config", str(config)]
    assert cli.main(argv) == 1  # nothing runs: an error line
    assert calls == ["auto", "es"]
    assert "not running" in capsys.readouterr().err


# ---------------------------------------------------------------------- the app
def test_a_config_reload_switches_the_language_live(tmp_path, monkeypatch):
    from harness import AppHarness

    calls = []
    monkeypatch.setattr(locale_formats, "setup", lambda setting="auto": calls.append(setting))
    with AppHarness(tmp_path, monkeypatch, '[general]\nlanguage = "en"\n') as h:
        assert calls == ["en"]
        h.config_path.write_text('[general]\nlanguage = "es"\n')
        h.command("reload")
        h.command("reload")  # unchanged: nothing to do
        assert calls == ["en", "es"]
