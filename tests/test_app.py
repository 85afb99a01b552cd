"""The app's behaviour, in-process on a simulated clock (tests/harness.py): the real App, engine,
history (SQLite) and config storage; a recording notifier and a fake idle source stand in for
the desktop, whose real adapters have their own smoke tests."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from harness import AppHarness

from movebreak.adapters import storage

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


def _go_away(h, minutes: int = 5) -> None:
    h.idle.seconds = 0
    for _ in range(minutes * 4):  # no input
        h.idle.seconds += 15
        h.advance(seconds=15)
    assert h.app.status().away


def test_return_is_noticed_at_the_first_input_not_at_the_next_tick(h):
    """Away (no input): the return watch is armed once; its firing ticks at once, so the
    natural break ends at the moment of the input, long before the 30 s watchdog tick."""
    _go_away(h)
    assert h.watch.arms == 1 and h.watch.callback is not None
    planned = h.driver.planned()
    h.clock.set(h.clock() + timedelta(seconds=1))
    h.idle.seconds = 0.2  # a key press, 0.2 s ago
    h.watch.fire()
    natural = h.events("natural")
    assert len(natural) == 1 and natural[0]["at"] == h.clock() - timedelta(seconds=0.2)
    assert h.clock() < planned  # before the tick the app had planned
    assert not h.app.status().away and h.watch.arms == 1  # back: not armed again


def test_return_watch_rearmed_while_still_away_and_each_away_period(h):
    _go_away(h)
    h.watch.fire()  # fired, but idle still says away (e.g. a spurious event): arm again
    assert h.app.status().away and h.watch.arms == 2
    h.idle.seconds = 0
    h.watch.fire()
    assert not h.app.status().away
    _go_away(h)
    assert h.watch.arms == 3


def test_without_a_return_watch_the_app_polls_while_away(tmp_path, monkeypatch):
    with AppHarness(tmp_path, monkeypatch, '[reminders.move]\ninterval = "10m"\n',
                    return_watch=None) as h:
        planned = h.driver.planned()
        assert planned - h.clock() >= timedelta(seconds=30)  # active: no polling
        _go_away(h)
        assert h.driver.planned() - h.clock() <= timedelta(seconds=1.5)
        h.idle.seconds = 0
        h.advance(seconds=1.5)
        assert not h.app.status().away and h.events("natural")


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


# ---------------------------------------------------------------------- holds
def test_reminder_held_during_dnd_shows_once_after(h):
    h.signal("dnd", True)
    h.advance(hours=1)
    assert h.notifier.shown == []  # move, posture and stretch all fell due meanwhile
    st = h.command("status")
    assert st["held"] == "dnd" and st["holds"] == ["dnd"]
    assert st["hold_sources"]["dnd"] == "fake (signal)"
    from movebreak.core.texts import next_due_text
    assert next_due_text(h.app.status(), h.clock(), UTC) == \
        "Held: do not disturb (Time to move waits)"
    h.signal("dnd", False)
    assert h.notifier.kinds() == ["move"]  # at once, and only one
    h.advance(minutes=9)
    assert h.notifier.kinds() == ["move"]  # the others follow their intervals
    shown = h.events("shown")
    assert shown[0]["detail"]["held_by"] == "dnd"
    assert set(shown[0]["detail"]["also_due"]) == {"posture", "stretch"}
    assert not h.events("hold")  # holds steer the runtime; history keeps what the user did


def test_respect_dnd_off_shows_reminders_and_turning_it_on_holds_at_once(tmp_path, monkeypatch):
    cfg = '[general]\nrespect_dnd = false\n[reminders.move]\ninterval = "10m"\n'
    with AppHarness(tmp_path, monkeypatch, cfg) as h:
        h.signal("dnd", True)
        h.advance(minutes=10)
        assert h.notifier.kinds() == ["move"]
        h.config_path.write_text(cfg.replace("false", "true"))
        h.command("reload")
        assert h.app.status().held == "dnd"
        h.advance(minutes=10)
        assert h.notifier.kinds() == ["move"]


def test_full_screen_is_polled_at_the_tick_and_held_until_it_ends(h):
    h.holds.polled["fullscreen"] = True
    polls = h.holds.polls
    h.advance(minutes=15)
    assert h.notifier.shown == [] and h.app.status().held == "fullscreen"
    ticks = h.holds.polls - polls
    assert 15 * 2 - 2 <= ticks <= 15 * 2 + 2  # at the tick (every 30 s), not more often
    h.holds.polled["fullscreen"] = False
    h.advance(seconds=30)  # noticed at the next tick
    assert h.notifier.kinds() == ["move"]


def test_hold_when_fullscreen_off_ignores_full_screen(tmp_path, monkeypatch):
    cfg = '[general]\nhold_when_fullscreen = false\n[reminders.move]\ninterval = "10m"\n'
    with AppHarness(tmp_path, monkeypatch, cfg) as h:
        h.holds.polled["fullscreen"] = True
        h.advance(minutes=10)
        assert h.notifier.kinds() == ["move"] and h.app.status().holds == ()


def test_screen_lock_is_away_and_a_long_one_is_a_natural_break(h):
    h.advance(minutes=5)
    h.signal("locked", True)
    assert h.command("status")["held"] == "locked"
    away = h.events("away")
    assert len(away) == 1 and away[0]["at"] == T0 + timedelta(minutes=5)
    assert away[0]["detail"]["reason"] == "locked"
    h.advance(minutes=20)
    assert h.notifier.shown == []
    h.signal("locked", False)
    natural = h.events("natural")
    assert len(natural) == 1 and natural[0]["detail"]["away_s"] == 20 * 60
    assert h.app.status().kind("move").due == T0 + timedelta(minutes=35)
    assert h.app.status().holds == ()


def test_sleep_and_wake_are_recorded_when_they_happen_and_save_the_timers(h):
    h.advance(minutes=5)
    h.signal("sleep", True)
    saved = json.loads(storage.timers_path().read_text())
    assert saved["saved_at"] == (T0 + timedelta(minutes=5)).isoformat()
    h.clock.set(T0 + timedelta(hours=2))  # the machine sleeps: nothing runs
    h.signal("sleep", False)
    types = [(e["type"], e["at"]) for e in h.events("suspend", "wake", "natural")]
    assert types == [("suspend", T0 + timedelta(minutes=5)), ("wake", T0 + timedelta(hours=2)),
                     ("natural", T0 + timedelta(hours=2))]
    h.advance(seconds=30)
    assert len(h.events("suspend")) == 1  # the tick-gap fallback did not record it again


# ---------------------------------------------------------------------- restart
def test_timers_are_saved_at_most_once_a_minute(h):
    path = storage.timers_path()
    h.advance(minutes=5, seconds=10)
    saved_at = datetime.fromisoformat(json.loads(path.read_text())["saved_at"])
    assert timedelta(0) <= h.clock() - saved_at <= timedelta(minutes=1)
    writes = []
    real = storage.save_timers
    storage.save_timers = lambda data: writes.append(data) or real(data)
    try:
        h.advance(minutes=10)
    finally:
        storage.save_timers = real
    assert 9 <= len(writes) <= 11


def test_quit_and_restart_soon_continues_the_countdowns(tmp_path, monkeypatch, capsys):
    cfg = '[reminders.move]\ninterval = "10m"\n'
    with AppHarness(tmp_path, monkeypatch, cfg) as h:
        h.advance(minutes=4)
        h.command("snooze", duration="5m", kind="posture")
        before = h.command("status")["kinds"]
    restart = T0 + timedelta(minutes=4, seconds=20)
    with AppHarness(tmp_path, monkeypatch, cfg, start=restart) as h:
        after = h.command("status")["kinds"]
        for kind in ("move", "posture", "stretch"):
            assert after[kind]["due"] == before[kind]["due"]
        assert after["posture"]["snoozed"] is True
        assert "countdowns continued" in capsys.readouterr().out
        h.advance(minutes=6)
        assert [r.due for r in h.notifier.shown] == [T0 + timedelta(minutes=10)]
        assert not h.events("natural")


def test_restart_after_longer_than_a_natural_break_records_time_away(tmp_path, monkeypatch):
    with AppHarness(tmp_path, monkeypatch, "") as h:
        h.advance(minutes=15)
        posture_left = h.app.status().kind("posture").due - h.clock()
    restart = T0 + timedelta(minutes=45)
    with AppHarness(tmp_path, monkeypatch, "", start=restart) as h:
        natural = h.events("natural")
        assert len(natural) == 1 and natural[0]["at"] == restart
        assert natural[0]["detail"]["away_s"] == 30 * 60 and natural[0]["detail"]["restart"]
        st = h.app.status()
        assert st.kind("move").due == restart + timedelta(minutes=30)
        assert st.kind("posture").due - restart == posture_left


@pytest.mark.parametrize("content,why", [
    ("{broken", "is not JSON"),
    (json.dumps({"version": 1, "saved_at": (T0 + timedelta(days=1)).isoformat(), "kinds": {},
                 "paused": False, "sitting_since": T0.isoformat()}), "in the future"),
])
def test_corrupt_or_future_timers_are_reported_and_ignored(tmp_path, monkeypatch, capsys,
                                                           content, why):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "timers.json").write_text(content)
    with AppHarness(tmp_path, monkeypatch, "") as h:
        out = capsys.readouterr().out
        assert "timers not restored" in out and why in out
        assert h.app.status().kind("move").due == T0 + timedelta(minutes=30)  # fresh
    assert json.loads((tmp_path / "data" / "timers.json").read_text())["version"] == 1
