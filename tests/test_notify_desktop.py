"""The dbus notifier against a real dunst on a private bus (see desktop_rig.py)."""

from __future__ import annotations

import html
import itertools
import threading
import time
from datetime import UTC, datetime

import pytest

from movebreak.adapters.notify import choose_notifier, probe_notifications
from movebreak.adapters.notify.dbus_notifier import DbusNotifier, ServerInfo, offers_default_action
from movebreak.core.catalog import KINDS, Reminder, exercise_for, reminder_body

pytestmark = pytest.mark.desktop

SNOOZE = "Snooze 10 min"
_ids = itertools.count(1000)


def reminder(kind: str = "stretch", title: str | None = None, body: str | None = None) -> Reminder:
    ex = exercise_for(kind, 0)
    return Reminder(id=next(_ids), kind=kind, title=title or KINDS[kind].title,
                    body=body or reminder_body(kind, ex), exercise_id=ex.id,
                    due=datetime.now(UTC))


class Recorder:
    """on_action target: remembers calls and the threads they came from."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, str]] = []
        self.threads: set[str] = set()
        self._cond = threading.Condition()

    def __call__(self, rid: int, action: str) -> None:
        with self._cond:
            self.calls.append((rid, action))
            self.threads.add(threading.current_thread().name)
            self._cond.notify_all()

    def wait(self, n: int = 1, timeout: float = 5.0) -> list[tuple[int, str]]:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.calls) >= n, timeout):
                raise AssertionError(f"expected {n} on_action call(s), got {self.calls}")
            return list(self.calls)


@pytest.fixture(autouse=True)
def clean_dunst(xdisplay):
    """Each test starts with dunst running and nothing displayed."""
    if not xdisplay.dunst_running():
        xdisplay.start_dunst()
    xdisplay.close_all()
    yield xdisplay
    if not xdisplay.dunst_running():
        xdisplay.start_dunst()


@pytest.fixture
def notifier():
    rec = Recorder()
    n = DbusNotifier(rec)
    n.start()
    yield n, rec
    n.stop()


def entry_for(rig, notification_id: int) -> dict:
    """The history entry with this dunst id (after it was closed)."""
    for h in rig.history():
        if h["id"] == notification_id:
            return h
    raise AssertionError(f"notification {notification_id} not in dunst history")


def pango_text(markup: str) -> str:
    """What Pango (dunst's renderer) displays for a piece of markup."""
    import gi

    gi.require_version("Pango", "1.0")
    from gi.repository import Pango

    ok, _attrs, text, _accel = Pango.parse_markup(markup, -1, "\0")
    assert ok
    return text


# (a) ---------------------------------------------------------------------------------


def test_reminder_reaches_dunst_with_summary_body_and_buttons(xdisplay, notifier):
    n, _ = notifier
    r = reminder("stretch")
    assert n.show(r, SNOOZE) is True
    xdisplay.wait_for(lambda: xdisplay.displayed_count() == 1, 3, "one notification")

    menu = [m for m in xdisplay.context_menu() if m["summary"] == r.title]
    # exactly the buttons: no unlabelled "default" (body click) entry in dunst's list
    assert sorted((m["key"], m["label"]) for m in menu) == [
        ("done", "Done"), ("skip", "Skip"), ("snooze", SNOOZE), ("start", "Start")]

    xdisplay.close_all()
    h = entry_for(xdisplay, int(menu[0]["id"]))
    assert h["summary"] == r.title
    assert html.unescape(h["body"]) == r.body
    assert h["appname"] == "movebreak"


def test_move_reminder_has_no_start_button_and_custom_snooze_label(xdisplay, notifier):
    n, _ = notifier
    r = reminder("move")
    assert n.show(r, "Snooze 25 min")
    xdisplay.wait_for(lambda: xdisplay.displayed_count() == 1, 3, "one notification")
    labels = sorted(m["label"] for m in xdisplay.context_menu())
    assert labels == ["Done", "Skip", "Snooze 25 min"]


def test_show_text_is_delivered_without_buttons(xdisplay, notifier):
    n, rec = notifier
    assert n.show_text("Paused", "Reminders resume at 14:00", urgent=True)
    xdisplay.wait_for(lambda: xdisplay.displayed_count() == 1, 3, "one notification")
    xdisplay.close_all()
    h = xdisplay.history()[0]
    assert (h["summary"], h["body"]) == ("Paused", "Reminders resume at 14:00")
    time.sleep(0.2)
    assert rec.calls == []  # no reminder id, so nothing to report


# (b) ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("label", "action"), [
    (SNOOZE, "snooze"), ("Done", "done"), ("Skip", "skip"), ("Start", "start"),
])
def test_pressing_a_named_button_calls_on_action(xdisplay, notifier, label, action):
    n, rec = notifier
    other = reminder("posture")  # a second notification must not be affected
    r = reminder("stretch")
    assert n.show(other, SNOOZE) and n.show(r, SNOOZE)
    xdisplay.wait_for(lambda: xdisplay.displayed_count() == 2, 3, "two notifications")

    pressed = xdisplay.press_action(label, summary=r.title)
    assert pressed["key"] == action
    assert rec.wait(1) == [(r.id, action)]
    # we close the notification after an action (dunst itself leaves it open)
    xdisplay.wait_for(lambda: xdisplay.displayed_count() == 1, 3, "the pressed one to close")
    time.sleep(0.2)
    assert rec.calls == [(r.id, action)]  # no "dismissed" for our own close
    assert rec.threads == {"movebreak-notify-cb_0"}


def test_body_clicks_on_dunst_close_it_or_open_the_button_menu(xdisplay, notifier):
    """dunst gets no default action, so its clicks do what dunst does without one: the left
    button (close_current) closes the note, reported as dismissed; the middle button
    (do_action) opens the list of the buttons, which holds only the buttons."""
    n, rec = notifier
    assert n.capabilities()["click_action"] is False
    r = reminder("stretch")
    assert n.show(r, SNOOZE)
    xdisplay.wait_for(lambda: xdisplay.displayed_count() == 1, 3, "one notification")
    menu = xdisplay.click_popup(2)
    assert menu is not None, "the middle click opened no menu"
    assert sorted(line.split(" (")[0] for line in menu) == \
        ["#Done", "#Skip", f"#{SNOOZE}", "#Start"]
    time.sleep(0.2)
    assert rec.calls == []  # nothing chosen: nothing reported
    assert xdisplay.click_popup(1, timeout=0.5) is None  # left click: no menu...
    xdisplay.wait_for(lambda: xdisplay.displayed_count() == 0, 3, "the clicked note to close")
    assert rec.wait(1) == [(r.id, "dismissed")]  # ...it closes the note


def test_click_and_dismiss_are_reported(xdisplay):
    """Where the server invokes the default action for a body click (forced on here, as it is
    for GNOME, KDE and others), a click is reported as "clicked"."""
    rec = Recorder()
    n = DbusNotifier(rec, click_action=True)
    n.start()
    try:
        clicked, dismissed = reminder("move"), reminder("posture")
        assert n.show(clicked, SNOOZE)
        xdisplay.wait_for(lambda: xdisplay.displayed_count() == 1, 3, "one notification")
        xdisplay.dunstctl("action", "0")  # dunst's default action = a click on the body
        assert rec.wait(1) == [(clicked.id, "clicked")]

        xdisplay.wait_for(lambda: xdisplay.displayed_count() == 0, 3, "clicked one to close")
        assert n.show(dismissed, SNOOZE)
        xdisplay.wait_for(lambda: xdisplay.displayed_count() == 1, 3, "one notification")
        xdisplay.dunstctl("close")  # the user closes it
        assert rec.wait(2)[1] == (dismissed.id, "dismissed")
    finally:
        n.stop()


def test_default_action_only_where_a_click_invokes_it():
    def server(name: str) -> ServerInfo:
        return ServerInfo(name, "v", "1", "1.2", ("actions", "body"), ":1.1")

    assert not offers_default_action(server("dunst"))
    assert not offers_default_action(server("Xfce Notify Daemon"))
    for name in ("gnome-shell", "Plasma", "mako", "notification-daemon"):
        assert offers_default_action(server(name))


def test_withdraw_closes_without_a_dismissed_callback(xdisplay, notifier):
    n, rec = notifier
    r = reminder("posture")
    assert n.show(r, SNOOZE)
    xdisplay.wait_for(lambda: xdisplay.displayed_count() == 1, 3, "one notification")
    n.withdraw(r.id)
    xdisplay.wait_for(lambda: xdisplay.displayed_count() == 0, 3, "withdrawn note to close")
    n.withdraw(r.id)  # twice is harmless
    time.sleep(0.2)
    assert rec.calls == []


def test_a_failing_callback_does_not_break_the_notifier(xdisplay):
    calls: list[tuple[int, str]] = []

    def explode(rid: int, action: str) -> None:
        calls.append((rid, action))
        raise ValueError("app bug")

    n = DbusNotifier(explode)
    n.start()
    try:
        first, second = reminder("move"), reminder("move")
        assert n.show(first, SNOOZE)
        xdisplay.wait_for(lambda: xdisplay.displayed_count() == 1, 3, "one notification")
        xdisplay.press_action("Done")
        xdisplay.wait_for(lambda: calls == [(first.id, "done")], 3, "first callback")
        assert n.show(second, SNOOZE)
        xdisplay.wait_for(lambda: xdisplay.displayed_count() == 1, 3, "second notification")
        xdisplay.press_action("Skip")
        xdisplay.wait_for(lambda: calls[-1:] == [(second.id, "skip")], 3, "second callback")
    finally:
        n.stop()


# (c) ---------------------------------------------------------------------------------


def test_body_markup_is_escaped_and_shown_literally(xdisplay, notifier):
    n, _ = notifier
    assert n.capabilities()["markup"] is True  # dunst advertises body-markup
    body = "Keep <b>knees</b> soft & breathe > 3 times"
    r = reminder("posture", title="Ribs & pelvis", body=body)
    assert n.show(r, SNOOZE)
    xdisplay.wait_for(lambda: xdisplay.displayed_count() == 1, 3, "one notification")
    nid = int(xdisplay.context_menu()[0]["id"])
    xdisplay.close_all()
    h = entry_for(xdisplay, nid)
    assert h["body"] == "Keep &lt;b&gt;knees&lt;/b&gt; soft &amp; breathe &gt; 3 times"
    assert h["summary"] == "Ribs & pelvis"  # summaries are plain text: not escaped by us
    # dunst renders its message with Pango: the tags must come out as text
    assert pango_text(h["message"]) == f"Ribs & pelvis\n{body}"


# (d) ---------------------------------------------------------------------------------


def test_server_crash_then_restart(xdisplay, notifier):
    n, rec = notifier
    # a fresh dunst numbers notifications from the start again, so the reminder shown
    # before the crash and the one after it get the same server id
    xdisplay.kill_dunst()
    xdisplay.start_dunst()
    before = reminder("stretch")
    assert n.show(before, SNOOZE)
    xdisplay.wait_for(lambda: xdisplay.displayed_count() == 1, 3, "first notification")
    id_before = xdisplay.context_menu()[0]["id"]

    xdisplay.kill_dunst()
    t0 = time.monotonic()
    assert n.show(reminder("move"), SNOOZE) is False
    assert n.show_text("x", "y") is False
    assert time.monotonic() - t0 < 3.0
    assert n.capabilities()["server"] is None

    xdisplay.start_dunst()
    after = reminder("stretch")
    assert n.show(after, SNOOZE) is True
    xdisplay.wait_for(lambda: xdisplay.displayed_count() == 1, 3, "notification after restart")
    assert xdisplay.context_menu()[0]["id"] == id_before
    xdisplay.press_action("Done")
    assert rec.wait(1) == [(after.id, "done")]
    time.sleep(0.2)
    assert rec.calls == [(after.id, "done")]  # nothing for the reminder lost in the crash
    assert n.capabilities()["server"] == "dunst"


# (e) ---------------------------------------------------------------------------------


def test_probe_reports_dunst_and_its_capabilities(xdisplay, monkeypatch):
    monkeypatch.delenv("MOVEBREAK_NOTIFIER", raising=False)
    p = probe_notifications()
    assert (p["server"], p["vendor"]) == ("dunst", "knopwob")
    assert p["version"].startswith("1.")
    assert p["actions"] is True and p["markup"] is True
    assert {"actions", "body-markup"} <= set(p["capabilities"])
    assert p["chosen"] == "dbus"
    assert "dunst" in p["reason"]


def test_probe_without_server(xdisplay, monkeypatch):
    monkeypatch.delenv("MOVEBREAK_NOTIFIER", raising=False)
    xdisplay.kill_dunst()
    p = probe_notifications()
    assert p["server"] is None and p["actions"] is False
    # the bus answers: the D-Bus notifier is chosen and uses a server as soon as one appears
    assert p["chosen"] == "dbus"
    assert "no notification server yet" in p["reason"]


# (f) ---------------------------------------------------------------------------------


@pytest.mark.parametrize("forced", ["console", "plyer", "dbus", " Console "])
def test_choose_notifier_honours_env(xdisplay, monkeypatch, forced):
    monkeypatch.setenv("MOVEBREAK_NOTIFIER", forced)
    assert choose_notifier(lambda *a: None).name == forced.strip().lower()


def test_choose_notifier_prefer_beats_env_and_bad_values_are_ignored(xdisplay, monkeypatch):
    monkeypatch.setenv("MOVEBREAK_NOTIFIER", "dbus")
    assert choose_notifier(lambda *a: None, prefer="console").name == "console"
    monkeypatch.setenv("MOVEBREAK_NOTIFIER", "carrier-pigeon")
    assert choose_notifier(lambda *a: None).name == "dbus"
    assert "carrier-pigeon" in probe_notifications()["reason"]


def test_auto_choice_is_dbus_and_it_delivers(xdisplay, monkeypatch):
    monkeypatch.delenv("MOVEBREAK_NOTIFIER", raising=False)
    rec = Recorder()
    n = choose_notifier(rec)
    assert n.name == "dbus"
    n.start()
    try:
        r = reminder("nerve_glide")
        assert n.show(r, SNOOZE)
        xdisplay.wait_for(lambda: xdisplay.displayed_count() == 1, 3, "one notification")
        xdisplay.press_action("Start")
        assert rec.wait(1) == [(r.id, "start")]
    finally:
        n.stop()


def test_no_bus_falls_back_to_console(xdisplay, monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("MOVEBREAK_NOTIFIER", raising=False)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-such-bus")
    n = choose_notifier(lambda *a: None)
    assert n.name == "console"
    p = probe_notifications()
    assert p["chosen"] == "console" and p["server"] is None and p["error"]

    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))  # no $XDG_RUNTIME_DIR/bus either
    assert choose_notifier(lambda *a: None).name == "console"
    assert "no session bus" in probe_notifications()["reason"]


def test_dbus_notifier_without_bus_returns_false_quickly(monkeypatch, tmp_path):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-such-bus")
    n = DbusNotifier(lambda *a: None)
    n.start()
    try:
        t0 = time.monotonic()
        assert n.show(reminder("move"), SNOOZE) is False
        assert time.monotonic() - t0 < 3.0
        assert n.capabilities()["actions"] is False
    finally:
        n.stop()


# the rig itself ----------------------------------------------------------------------


def test_notification_is_drawn_and_tray_host_runs(desktop, notifier, tmp_path):
    from PIL import Image

    n, _ = notifier
    assert desktop.tray_owner() != 0  # trayer owns _NET_SYSTEM_TRAY_S0

    def popup_pixels(name: str) -> int:
        shot = Image.open(desktop.screenshot(tmp_path / name)).convert("L")
        w, _h = shot.size
        region = shot.crop((w - 400, 40, w, 200))  # dunst: top-right, offset 10x50
        return sum(region.histogram()[31:])  # pixels brighter than the black root

    assert popup_pixels("empty.png") == 0
    assert n.show(reminder("posture"), SNOOZE)
    desktop.wait_for(lambda: desktop.displayed_count() == 1, 3, "one notification")
    desktop.wait_for(lambda: popup_pixels("shown.png") > 1000, 3, "dunst to draw the popup")
