"""Console notifier output, and the plyer fallback reaching a real dunst."""

from __future__ import annotations

import html
import io
import time
from datetime import UTC, datetime

import pytest

from movebreak.adapters.notify.base import Notifier
from movebreak.adapters.notify.console import ConsoleNotifier
from movebreak.adapters.notify.plyer_notifier import PlyerNotifier, plyer_backend
from movebreak.core import l10n
from movebreak.core.catalog import Reminder

DUE = datetime(2024, 5, 6, 12, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english():
    """English texts and the neutral 24-hour times, whatever an earlier test installed."""
    l10n.install("auto", environ={})
    l10n.set_formats(None)


def make(rid: int = 7, kind: str = "posture", title: str = "Posture check",
         body: str = "Ears over shoulders over hips.") -> Reminder:
    return Reminder(rid, kind, title, body, None, DUE)


# ---- console ------------------------------------------------------------------------


def test_console_prints_title_time_and_body(capsys):
    calls = []
    n = ConsoleNotifier(lambda *a: calls.append(a))
    n.start()
    assert n.show(make(), "Snooze 10 min") is True
    out = capsys.readouterr().out
    lines = out.splitlines()
    local = DUE.astimezone().strftime("%H:%M")
    assert f"| Posture check ({local})" in lines[1]
    assert lines[0] == lines[2] and set(lines[0]) == {"="}
    assert lines[3] == "Ears over shoulders over hips."
    assert "movebreak snooze" in out
    assert calls == []
    n.stop()


def test_console_hint_names_the_tray_only_when_there_is_one(capsys):
    n = ConsoleNotifier()
    n.show(make(), "Snooze 10 min")
    out = capsys.readouterr().out
    assert "tray" not in out
    assert "(Answer with `movebreak done`, `movebreak snooze` or `movebreak skip`)" in out
    n.tray_available = True
    n.show(make(), "Snooze 10 min")
    assert "(Use the tray menu or `movebreak done`" in capsys.readouterr().out


def test_console_show_text_marks_urgent_and_keeps_markup_literal(capsys):
    n = ConsoleNotifier()
    assert n.show_text("Safety", "Numbness <b>now</b> & pain: call", urgent=True)
    assert n.show_text("Paused", "until 14:00")
    out = capsys.readouterr().out
    assert "| !! Safety" in out
    assert "Numbness <b>now</b> & pain: call" in out  # a terminal shows text as is
    assert "| Paused" in out and "!! Paused" not in out


def test_console_flushes_each_reminder_to_its_stream():
    class Stream(io.StringIO):
        flushes = 0

        def flush(self) -> None:
            Stream.flushes += 1
            super().flush()

    s = Stream()
    n = ConsoleNotifier(stream=s)
    n.show(make(1), "Snooze 5 min")
    n.show(make(2, title="Time to move", body="Stand up."), "Snooze 5 min")
    assert Stream.flushes == 2
    rules = [line for line in s.getvalue().splitlines() if line and set(line) == {"="}]
    assert len(rules) == 4
    assert "Time to move" in s.getvalue() and "Stand up." in s.getvalue()


def test_console_capabilities_and_protocol():
    n = ConsoleNotifier()
    assert isinstance(n, Notifier)
    assert n.capabilities() == {"backend": "console", "server": None,
                                "actions": False, "markup": False}
    n.withdraw(7)  # nothing to take back, must not fail


# ---- plyer --------------------------------------------------------------------------


@pytest.mark.desktop
def test_plyer_reaches_dunst_through_notify_send(xdisplay):
    # no dbus-python in the venv, so plyer runs `notify-send` (if it is installed
    # one day, plyer talks D-Bus itself; both must reach dunst)
    assert type(plyer_backend()).__name__ in ("NotifySendNotification", "NotifyDbus")
    if not xdisplay.dunst_running():
        xdisplay.start_dunst()
    xdisplay.close_all()
    n = PlyerNotifier()
    assert isinstance(n, Notifier)
    n.start()
    caps = n.capabilities()
    assert caps["server"] == "dunst" and caps["actions"] is False and caps["markup"] is True

    r = make(body="Ribs over pelvis <b>not</b> flared & relaxed")
    assert n.show(r, "Snooze 10 min") is True
    xdisplay.wait_for(lambda: xdisplay.displayed_count() == 1, 5, "plyer's notification")
    xdisplay.close_all()
    h = xdisplay.history()[0]
    assert h["summary"] == r.title
    assert h["body"] == "Ribs over pelvis &lt;b&gt;not&lt;/b&gt; flared &amp; relaxed"
    assert html.unescape(h["body"]) == r.body
    assert h["appname"] == "movebreak"


@pytest.mark.desktop
def test_plyer_reports_failure_without_server(xdisplay):
    n = PlyerNotifier()
    xdisplay.kill_dunst()
    try:
        t0 = time.monotonic()
        assert n.show(make(), "Snooze 10 min") is False
        assert n.show_text("a", "b") is False
        assert time.monotonic() - t0 < 5
    finally:
        xdisplay.start_dunst()
    assert n.show_text("back", "again") is True
    xdisplay.wait_for(lambda: xdisplay.displayed_count() >= 1, 5, "notification after restart")
    xdisplay.close_all()
    assert xdisplay.history()[0]["summary"] == "back"
