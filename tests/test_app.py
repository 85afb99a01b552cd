"""The app's behaviour, in-process on a simulated clock (tests/harness.py): the real App, engine,
history (SQLite) and config storage; a recording notifier and a fake idle source stand in for
the desktop, whose real adapters have their own smoke tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from harness import AppHarness

UTC = timezone.utc
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday


@pytest.fixture
def h(tmp_path, monkeypatch):
    with AppHarness(tmp_path, monkeypatch, '[reminders.move]\ninterval = "10m"\n') as harness:
        yield harness


def test_reminder_shown_at_its_due_time_and_recorded(h):
    h.advance(minutes=9, seconds=59)
    assert h.notifier.kinds() == []
    h.advance(seconds=1)
    assert h.notifier.kinds() == ["move"]
    assert h.notifier.shown[0].due == T0 + timedelta(minutes=10)
    shown = h.events("shown")
    assert [(e["kind"], e["at"]) for e in shown] == [("move", T0 + timedelta(minutes=10))]
    assert h.app.status().pending.kind == "move"


def test_no_drift_over_a_day_of_reminders(h):
    h.app.request("pause", None)
    h.app.request("resume")  # restart all intervals at 09:00 exactly
    h.advance(hours=8)
    moves = [e["at"] for e in h.events("shown") if e["kind"] == "move"]
    # 20-min posture and 60-min stretch coincide with some moves: those are spaced 2 min.
    on_time = [t for t in moves if (t - T0).total_seconds() % 600 == 0]
    assert len(on_time) >= 40 and moves[-1] <= T0 + timedelta(hours=8)


def test_snooze_button_brings_it_back_after_the_snooze_length(h):
    h.advance(minutes=10)
    rid = h.notifier.shown[-1].id
    h.notifier.press(rid, "snooze")
    assert rid in h.notifier.withdrawn and rid not in h.notifier.open
    assert [e["type"] for e in h.events("snoozed")] == ["snoozed"]
    assert h.app.status().kind("move").snoozed
    h.advance(minutes=9, seconds=59)
    assert h.notifier.kinds() == ["move"]
    h.advance(seconds=1)
    assert h.notifier.kinds() == ["move", "move"]


def test_done_and_skip_buttons_restart_from_the_answer(h):
    h.advance(minutes=10)
    h.advance(minutes=3)
    h.notifier.press(h.notifier.shown[-1].id, "done")
    assert h.app.status().kind("move").due == T0 + timedelta(minutes=23)
    assert h.app.status().pending is None
    assert h.app.status().today["done"] == 1
    h.advance(minutes=10)
    h.notifier.press(h.notifier.shown[-1].id, "skip")
    assert [e["type"] for e in h.events("done", "skipped")] == ["done", "skipped"]


def test_pause_holds_everything_and_resume_restarts_intervals(h):
    out = h.command("pause", duration="1h")
    assert out[0]["type"] == "paused"
    assert h.app.status().paused and h.app.status().paused_until == T0 + timedelta(hours=1)
    h.advance(minutes=59)
    assert h.notifier.shown == []
    h.advance(minutes=1)  # the pause ends by itself
    assert not h.app.status().paused
    assert h.app.status().kind("move").due == T0 + timedelta(minutes=70)
    assert [e["type"] for e in h.events("paused", "resumed")] == ["paused", "resumed"]


def test_working_hours_hold_reminders_outside_them(tmp_path, monkeypatch):
    cfg = ('[general]\nworking_hours = "10:00-11:00"\n'
           'working_days = ["mon","tue","wed","thu","fri"]\n'
           '[reminders.move]\ninterval = "10m"\n')
    with AppHarness(tmp_path, monkeypatch, cfg) as h:
        h.advance(minutes=59)
        assert h.notifier.shown == []
        h.advance(minutes=11)  # 10:10: first move of the working day
        assert h.notifier.kinds() == ["move"]
        assert h.notifier.shown[0].due == T0 + timedelta(minutes=70)
        h.advance(hours=3)
        assert all(r.due < T0 + timedelta(hours=2) for r in h.notifier.shown)


def test_away_is_a_natural_break_and_answers_a_waiting_move(h):
    h.advance(minutes=10)
    waiting = h.notifier.shown[-1]
    h.idle.seconds = 0
    for _ in range(20):  # 5 minutes without input
        h.idle.seconds += 15
        h.advance(seconds=15)
    assert h.app.status().away
    h.idle.seconds = 1
    h.advance(seconds=30)  # idle is polled at each tick, at least every 30 s
    natural = h.events("natural")
    assert len(natural) == 1 and natural[0]["detail"]["away_s"] >= 180
    assert waiting.id in h.notifier.withdrawn and h.app.status().pending is None
    back = natural[0]["at"]
    assert h.app.status().kind("move").due == back + timedelta(minutes=10)


def test_a_long_suspend_makes_no_burst(h):
    h.advance(minutes=5)
    h.jump(hours=3)  # the machine slept: no tick for 3 hours
    h.advance(seconds=1)
    assert h.notifier.shown == []  # time asleep counts as away: a natural break
    assert [e["type"] for e in h.events("suspend", "natural")] == ["suspend", "natural"]
    h.advance(minutes=10)
    assert h.notifier.kinds() == ["move"]


def test_clock_set_back_keeps_remaining_time(h):
    h.advance(minutes=5)
    h.jump(hours=-1)
    h.advance(seconds=1)
    assert h.events("clock_jump")
    h.advance(minutes=5)
    assert h.notifier.kinds() == ["move"]


def test_newer_reminder_withdraws_the_unanswered_one_and_late_answers_count(h):
    h.advance(minutes=10)
    old = h.notifier.shown[-1]
    h.command("break", kind="stretch")
    new = h.notifier.shown[-1]
    assert new.kind == "stretch"
    assert old.id in h.notifier.withdrawn and old.id not in h.notifier.open
    sup = h.events("superseded")
    assert sup[0]["detail"]["reminder"] == old.id and sup[0]["detail"]["by"] == new.id
    # Done pressed on the replaced notification still counts for its kind ...
    h.notifier.press(old.id, "done")
    done = h.events("done")
    assert done[0]["kind"] == "move" and done[0]["detail"]["superseded"] is True
    assert h.app.status().pending.id == new.id
    # ... and a second press is not dropped either: recorded with the reason.
    h.notifier.press(old.id, "done")
    stale = h.events("stale_action")
    assert stale[0]["detail"]["reminder"] == old.id
    assert "already answered" in stale[0]["detail"]["reason"]


def test_config_edit_is_applied_at_the_next_tick(h):
    h.advance(minutes=1)
    h.config_path.write_text('[reminders.move]\ninterval = "2m"\n')
    h.advance(seconds=31)
    assert h.app.status().kind("move").interval_s == 120
    h.advance(minutes=1)
    assert h.notifier.kinds() == ["move"]


def test_broken_config_edit_keeps_the_last_good_values(h):
    h.config_path.write_text('[reminders.move]\ninterval = "5 parsecs"\n')
    result = h.command("reload")
    assert any("5 parsecs" in p for p in result["problems"])
    st = h.app.status()
    assert st.kind("move").interval_s == 600
    assert any("reminders.move.interval" in p for p in st.config_problems)


def test_notification_server_gone_retries_soon_and_loses_nothing(h):
    h.notifier.fail = True
    h.advance(minutes=10)
    assert h.notifier.shown == [] and h.app.status().pending.kind == "move"
    h.notifier.fail = False
    h.advance(seconds=5)
    assert h.notifier.kinds() == ["move"]


def test_status_command_reads_the_published_snapshot(h):
    h.advance(minutes=4)
    js = h.command("status")
    assert js["next"]["kind"] == "move" and js["next"]["in_s"] == 360
    assert js["kinds"]["move"]["in_s"] == 360 and js["notifier"] == "recording"
    h.clock.set(h.clock() + timedelta(seconds=30))  # no tick: relative times still move
    assert h.command("status")["next"]["in_s"] == 330


def test_start_button_opens_the_routine_on_that_exercise(h):
    h.command("break", kind="stretch")
    r = h.notifier.shown[-1]
    h.notifier.press(r.id, "start")
    assert h.launched[-1][-2:] == ["--exercise", r.exercise_id]
    assert "movebreak.ui.routine" in h.launched[-1]


def test_tray_requests_reach_the_owner(h):
    h.app.request("pause_until_tomorrow")
    assert h.app.status().paused_until == datetime(2026, 12, 2, tzinfo=UTC)
    h.app.request("resume")
    h.app.request("break_now", "posture")
    assert h.notifier.kinds() == ["posture"]
    h.app.request("settings")
    assert "movebreak.ui.settings" in h.launched[-1]
    with pytest.raises(ValueError, match="unknown request"):
        h.app.request("fly")


def test_bad_control_arguments_are_named(h):
    with pytest.raises(ValueError, match="unknown reminder kind 'yoga'"):
        h.command("break", kind="yoga")
    with pytest.raises(ValueError, match="unknown command 'fly'"):
        h.command("fly")
    with pytest.raises(Exception, match="no reminder is waiting"):
        h.command("done")
    with pytest.raises(ValueError, match="unknown reminder kind"):
        h.command("break", kind=["move"])
    with pytest.raises(ValueError, match="a reminder id is a whole number"):
        h.command("done", id="7")
    with pytest.raises(ValueError, match='duration is a text such as "10m"'):
        h.command("snooze", duration=600)


def test_first_run_opens_the_safety_window_until_it_is_acknowledged(tmp_path, monkeypatch):
    from movebreak.adapters import storage
    with AppHarness(tmp_path, monkeypatch, safety_seen=False) as h:
        windows = [c for c in h.launched if "movebreak.ui.safety" in c]
        assert len(windows) == 1 and windows[0][-1] == "--first-run"
        assert h.notifier.texts == [] and not h.events("safety_seen")
    with AppHarness(tmp_path, monkeypatch, safety_seen=False) as h:  # closed, not acknowledged
        assert any("movebreak.ui.safety" in c for c in h.launched)
    storage.acknowledge_safety(h.config_path)
    with AppHarness(tmp_path, monkeypatch, safety_seen=False) as h:
        assert not any("movebreak.ui.safety" in c for c in h.launched)


def test_without_a_display_the_safety_notice_is_printed_with_how_to_acknowledge(
        tmp_path, monkeypatch, capsys):
    from movebreak.core import safety
    with AppHarness(tmp_path, monkeypatch, safety_seen=False, display=False) as h:
        assert [t for t, _ in h.notifier.texts] == [safety.TITLE]
        assert h.launched == []
    out = capsys.readouterr().out
    assert safety.BODY.splitlines()[0] in out and "movebreak safety --ack" in out


def test_tray_routine_always_opens_a_stretch(h):
    h.command("break", kind="move")
    h.app.request("routine")
    args = h.launched[-1]
    assert "movebreak.ui.routine" in args
    from movebreak.core.catalog import KINDS
    stretches = {e.id for e in KINDS["stretch"].exercises}
    assert args[args.index("--exercise") + 1] in stretches
    h.app.request("tips")
    assert "movebreak.ui.tips" in h.launched[-1]


def test_quit_before_start_runs_nothing(tmp_path, monkeypatch):
    h = AppHarness(tmp_path, monkeypatch)
    h.app.quit()
    h.app.start()
    h.app.run_forever()  # returns at once and shuts down
    assert h.notifier.shown == [] and not h.driver.running


def test_a_missing_notification_server_is_a_warning_until_one_answers(h):
    h.notifier.fail = True
    h.command("break", kind="move")
    warnings = h.app.status().warnings
    assert len(warnings) == 1 and "No notification server" in warnings[0]
    assert h.command("status")["warnings"] == list(warnings)
    h.notifier.fail = False
    h.advance(seconds=5)
    assert h.notifier.kinds() == ["move"] and h.app.status().warnings == ()


def test_a_broken_config_edit_is_told_once_and_shown_in_the_menu_lines(h):
    h.config_path.write_text('[reminders.move]\ninterval = "5 parsecs"\n')
    h.advance(seconds=31)  # picked up at the next tick
    h.advance(seconds=61)  # more ticks: still one notification
    told = [(t, b) for t, b in h.notifier.texts if t == "movebreak: settings not applied"]
    assert len(told) == 1 and "reminders.move.interval" in told[0][1]
    assert any(w.startswith("Config: reminders.move.interval") for w in h.app.status().warnings)
    h.config_path.write_text('[reminders.move]\ninterval = "10m"\n')
    h.advance(seconds=31)
    assert not any(w.startswith("Config:") for w in h.app.status().warnings)


def test_notifications_coming_back_is_told_once(h):
    h.notifier.fail = True
    h.command("break", kind="move")
    h.advance(seconds=20)
    h.notifier.fail = False
    h.advance(seconds=5)
    assert [t for t, _ in h.notifier.texts] == ["movebreak: notifications are back"]


def test_a_corrupt_history_moved_aside_is_told_once_and_in_the_menu_lines(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "history.sqlite3").write_bytes(b"this is not a database" * 200)
    with AppHarness(tmp_path, monkeypatch) as h:
        h.advance(minutes=2)
        told = [t for t, _ in h.notifier.texts if t == "movebreak: history problem"]
        assert len(told) == 1
        assert any(w.startswith("History: ") for w in h.app.status().warnings)
    assert list((tmp_path / "data").glob("history.sqlite3.*"))  # kept aside, not deleted
