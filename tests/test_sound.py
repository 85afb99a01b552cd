"""Reminder and routine sounds on a real audio path (issue 17).

A PulseAudio server with a null sink (tests/sound_rig.py) stands in for the sound card; a
recording of its monitor, measured with sox, says whether a sound was really played. The
app runs in-process (tests/harness.py) with the real D-Bus notifier and the real sound
adapter (GSound through PyGObject), against dunst (no `sound` capability: movebreak plays) or
a tiny notification server that lists `sound` (the server plays: movebreak stays silent), and
once as `movebreak run`. The routine's chimes are driven through its model on a fake clock
and once in the real window; the settings window's Test button is clicked once.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path

import pytest
from harness import AppHarness
from sound_rig import HEARD_RMS, NotificationServer
from tk_window import TkWindow

from movebreak.adapters import sound
from movebreak.adapters.notify.dbus_notifier import DbusNotifier
from movebreak.core.catalog import EXERCISES
from movebreak.core.settings import default_settings
from movebreak.ui.routine import Chime
from movebreak.ui.routine_model import RoutineModel, sound_cue

ROOT = Path(__file__).resolve().parents[1]
#: Silence: the null sink's monitor is exactly 0 when nothing plays.
SILENT_RMS = 0.0005

CONFIG = """
[general]
sound = "{sound}"
[reminders.posture]
enabled = false
[reminders.stretch]
enabled = false
"""


# --------------------------------------------------------------------------- pure parts


def test_the_chimes_are_short_and_exactly_what_the_script_makes():
    res = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_chime.py"), "--check"],
                         capture_output=True, text=True, timeout=30, check=False)
    assert res.returncode == 0, res.stderr
    for name in (sound.CHIME_FILE, sound.CHIME_END_FILE):
        with wave.open(str(sound.chime_path(name))) as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
            assert 0.5 < w.getnframes() / w.getframerate() < 1.5


@pytest.mark.parametrize(("choice", "notifier", "server", "has_sound", "linux", "by"), [
    ("off", "dbus", "dunst", False, True, "off"),
    ("theme", "dbus", "dunst", False, True, "gsound"),
    ("chime", "dbus", "Xfce Notify Daemon", False, True, "gsound"),
    ("theme", "dbus", "gnome-shell", True, True, "server"),
    ("chime", "dbus", "gnome-shell", True, True, "server"),
    ("theme", "dbus", None, False, True, "gsound"),  # no server yet: printed, and heard
    ("theme", "console", None, False, True, "gsound"),
    ("theme", "dbus", None, True, False, "native"),  # macOS / Windows: desktop-notifier
    ("chime", "plyer", None, False, False, "none"),
])
def test_who_plays_a_reminders_sound(choice, notifier, server, has_sound, linux, by):
    r = sound.route(choice, notifier=notifier, server=server, server_has_sound=has_sound,
                    linux=linux)
    assert r.by == by
    if server and by in ("server", "gsound"):
        assert server in r.why


def test_hints_give_the_sound_to_a_server_with_the_capability_and_silence_to_others():
    assert sound.notification_hints("theme", True) == {
        "sound-name": ("s", "message-new-instant")}
    assert sound.notification_hints("chime", True) == {
        "sound-file": ("s", str(sound.chime_path()))}
    for choice, has in (("theme", False), ("chime", False), ("off", True), ("off", False)):
        assert sound.notification_hints(choice, has) == {"suppress-sound": ("b", True)}


def test_routine_cues_switch_sides_hold_end_and_complete():
    model = RoutineModel([EXERCISES["piriformis"]], 0.0, hold_s=30, rounds=2)
    cues = []
    for t in range(1, 200):
        cues.append(sound_cue(model.tick(float(t))))
    # prepare, L, switch, R, rest, L, switch, R: three hold ends inside, then the end
    assert [c for c in cues if c] == ["hold_end"] * 3 + ["complete"]
    assert sound_cue(["hold"]) is None and sound_cue(["prepare", "hold"]) == "hold_end"


# --------------------------------------------------------------------------- real audio


def dbus_harness(tmp_path: Path, monkeypatch, choice: str, name: str = "") -> AppHarness:
    """The in-process app with the real D-Bus notifier on the session bus of os.environ."""
    folder = tmp_path / (name or choice)
    folder.mkdir()
    return AppHarness(folder, monkeypatch, config=CONFIG.format(sound=choice),
                      notifier=DbusNotifier(lambda rid, action: None))


@pytest.mark.desktop
def test_on_dunst_movebreak_plays_the_theme_sound_and_off_is_silent(
        xdisplay, sound_rig, tmp_path, monkeypatch):
    """dunst does not list `sound`: the app plays it through GSound once the notification is
    up (on the owner thread, within the show); "off" plays nothing."""
    xdisplay.close_all()
    got = {}
    with sound_rig.record() as rec:
        for choice in ("off", "theme"):
            with dbus_harness(tmp_path, monkeypatch, choice) as h:
                assert h.app._sound.route.by == ("off" if choice == "off" else "gsound")
                start = time.monotonic()
                h.app.break_now("move")
                took = time.monotonic() - start
                assert xdisplay.displayed_count() == 1  # the reminder is on screen
                time.sleep(0.35)
                got[choice] = (start, took, h.app.status().warnings)
    for choice, (start, took, warnings) in got.items():
        assert rec.rms_at(start - 0.25, 0.1) < SILENT_RMS, choice  # the sink runs ~50 ms ahead
        level = rec.rms_at(start, 0.3)
        assert (level < SILENT_RMS) if choice == "off" else (level > HEARD_RMS), (choice, level)
        assert warnings == ()
        assert took < 0.5, took  # Notify on dunst and starting the sound
    xdisplay.close_all()


@pytest.mark.desktop
@pytest.mark.parametrize(("capabilities", "choices"), [
    (("actions", "body", "sound"), ("theme", "chime")),
    (("actions", "body"), ("chime",)),  # the control: the same server without `sound`
])
def test_a_server_with_the_sound_capability_gets_the_hint_and_movebreak_stays_silent(
        sound_rig, tmp_path, monkeypatch, capabilities, choices):
    server = NotificationServer(capabilities).start()
    try:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", server.address)
        starts = {}
        with sound_rig.record() as rec:
            for choice in choices:
                with dbus_harness(tmp_path, monkeypatch, choice) as h:
                    starts[choice] = time.monotonic()
                    h.app.break_now("move")
                    time.sleep(0.3)
        hints = {choice: n["hints"] for choice, n in
                 zip(choices, [n for n in server.notes if n["summary"] == "Time to move"],
                     strict=True)}
    finally:
        server.stop()
    if "sound" in capabilities:
        assert hints["theme"].get("sound-name") == "message-new-instant"
        assert hints["chime"].get("sound-file") == str(sound.chime_path())
        assert not any("suppress-sound" in h for h in hints.values())
        for choice, start in starts.items():
            assert rec.rms_at(start, 0.3) < SILENT_RMS, choice  # never two sounds
    else:  # asked for silence, and movebreak plays the chime itself
        assert hints["chime"].get("suppress-sound") is True
        assert "sound-file" not in hints["chime"] and "sound-name" not in hints["chime"]
        assert rec.rms_at(starts["chime"], 0.3) > HEARD_RMS


@pytest.mark.desktop
def test_no_sound_device_is_one_line_in_status_and_doctor_never_an_error_per_reminder(
        xdisplay, tmp_path, monkeypatch, caplog, capsys):
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path}/no-such-sound-server")
    monkeypatch.setenv("CANBERRA_DRIVER", "pulse")  # no fallback to a real sound card
    caplog.set_level(logging.INFO, logger="movebreak.adapters.sound")
    with AppHarness(tmp_path, monkeypatch, config=CONFIG.format(sound="chime")) as h:
        # told at start, before any reminder
        [line] = [w for w in h.app.status().warnings if w.startswith("Sound:")]
        assert "no sound device" in line and "reminders are silent" in line
        for _ in range(3):
            h.app.break_now("move")
            h.app.done()
        assert [w for w in h.app.status().warnings if w.startswith("Sound:")] == [line]
        assert len(h.notifier.shown) == 3  # reminders still come
        from movebreak import cli
        # the CLI's log handler writes to this test's captured stderr: gone after the test
        monkeypatch.setattr(logging.getLogger("movebreak"), "handlers", [])
        capsys.readouterr()
        assert cli.main(["status"]) == 0  # over the app's control socket
        assert [ln for ln in capsys.readouterr().out.splitlines() if "Sound:" in ln] == [
            f"  {line}"]
    told = [r for r in caplog.records
            if r.name == "movebreak.adapters.sound" and r.levelno >= logging.WARNING]
    assert len(told) == 1, told

    from movebreak import doctor
    report = doctor.diagnose(h.config_path)
    assert report["sound"]["setting"] == "chime (general.sound)"
    text = doctor.render(report)
    [doctor_line] = [ln for ln in text.splitlines() if "no sound device" in ln]
    assert doctor_line.startswith("  reminder sound: none - no sound device")


@pytest.mark.desktop
def test_doctor_says_who_plays_the_sound(sound_rig):
    dunst = {"chosen": "dbus", "server": "dunst", "capabilities": ["actions", "body"]}
    out = sound.diagnose("theme", True, dunst)
    assert out["reminder sound"] == (
        "the sound theme's message-new-instant, played by movebreak (GSound): dunst does "
        "not list the sound capability; movebreak plays it through GSound")
    assert out["gsound"] == "yes, the sound device answers"
    assert "movebreak's chime (chime-end.wav) at the end" in \
        sound.diagnose("chime", True, dunst)["routine"]
    gnome = {"chosen": "dbus", "server": "gnome-shell", "capabilities": ["actions", "sound"]}
    out = sound.diagnose("chime", False, gnome)
    assert out["reminder sound"].startswith("movebreak's chime (chime.wav), played by the "
                                            "notification server: gnome-shell lists")
    assert (out["gsound"], out["routine"]) == ("not needed here", "silent (routine.chime = false)")
    assert sound.diagnose("off", True, dunst)["reminder sound"].startswith(
        'off: general.sound is "off"; "theme" or "chime" would be played by movebreak '
        '(GSound) (dunst does not list')


@pytest.mark.desktop
def test_a_hung_sound_server_holds_the_caller_at_most_the_timeout(sound_rig):
    player = sound.Player(timeout=0.3)
    os.kill(sound_rig.pid, signal.SIGSTOP)
    try:
        start = time.monotonic()
        assert player.play("theme") is False
        assert time.monotonic() - start < 0.6
        assert "did not answer within 0.3 s" in player.problem
        start = time.monotonic()
        assert player.play("chime") is False  # no queue behind the hung call
        assert time.monotonic() - start < 0.05
    finally:
        os.kill(sound_rig.pid, signal.SIGCONT)
    deadline = time.monotonic() + 5
    while not player.play("chime"):  # the server answers again: sound comes back
        assert time.monotonic() < deadline, player.problem
        time.sleep(0.05)
    assert player.problem is None
    sound_rig.hush()  # the hung call played its sound late


@pytest.mark.desktop
def test_real_app_loads_gsound_only_when_it_plays(xdisplay, sound_rig, tmp_path):
    """`movebreak run` on dunst: with sound off nothing is heard and libgsound is not in the
    process; switched to "theme" (a live reload) the next reminder is heard."""
    from test_cli_process import RunningApp

    from movebreak.adapters import ipc

    xdisplay.close_all()
    env = dict(xdisplay.env_overrides, MOVEBREAK_NOTIFIER="dbus", **sound_rig.env_overrides)
    app = RunningApp(tmp_path, CONFIG.format(sound="off"), extra_env=env)
    try:
        maps = Path(f"/proc/{app.proc.pid}/maps")
        run = tmp_path / "run"
        with sound_rig.record() as rec:
            off_at = time.monotonic()
            ipc.request(run, "break", kind="move")
            time.sleep(0.3)
            assert "libgsound" not in maps.read_text()
            (tmp_path / "cfg" / "config.toml").write_text(CONFIG.format(sound="theme"))
            ipc.request(run, "reload")
            assert "libgsound" in maps.read_text()  # the device is checked at the reload
            ipc.request(run, "done")
            on_at = time.monotonic()
            ipc.request(run, "break", kind="move")
            time.sleep(0.3)
        assert rec.rms_at(off_at, 0.3) < SILENT_RMS
        assert rec.rms_at(on_at, 0.3) > HEARD_RMS
        assert ipc.request(run, "status")["warnings"] == []
    finally:
        app.stop()
        xdisplay.close_all()


# --------------------------------------------------------------------------- the routine


@pytest.mark.desktop
def test_routine_chimes_at_switch_sides_only_when_sound_and_chime_are_on(sound_rig):
    """The routine's model on a fake clock and the real Chime (GSound): the clock passes the
    end of the left side's hold, which enters "switch sides"."""
    base = default_settings()
    cases = [("off", True), ("chime", False), ("chime", True)]  # the sound one last
    starts, played = {}, {}
    with sound_rig.record() as rec:
        for choice, on in cases:
            chime = Chime(base.with_changes(sound=choice, routine_chime=on))
            model = RoutineModel([EXERCISES["piriformis"]], 0.0, hold_s=30)
            events = [e for t in range(1, 41) for e in model.tick(t + 0.5)]
            assert events == ["hold", "switch"]  # prepare (10 s) ended, then the left hold
            starts[(choice, on)] = time.monotonic()
            played[(choice, on)] = chime(["switch"])
            time.sleep(0.3 if played[(choice, on)] else 0.25)
    assert played == {("off", True): False, ("chime", False): False, ("chime", True): True}
    for case, start in starts.items():  # (the sink runs up to 50 ms ahead of the clock)
        level = rec.rms_at(start, 0.3) if played[case] else rec.rms_at(start + 0.03, 0.17)
        assert (level > HEARD_RMS) if played[case] else (level < SILENT_RMS), (case, level)


@pytest.mark.desktop
def test_routine_window_chimes_at_switch_sides_and_the_end(desktop, sound_rig, tmp_path):
    (tmp_path / "config.toml").write_text('[general]\nsound = "chime"\n')
    w = None
    try:
        with sound_rig.record() as rec:
            w = TkWindow(desktop, tmp_path, "movebreak.ui.routine", "movebreak stretch routine",
                         "--exercise", "piriformis", "--hold-seconds", "0.5")
            st = w.wait(lambda s: s["view"] == "checkin", 15, "the routine to finish")
            time.sleep(0.55)
        assert st["chime_on"] is True
        assert [(c["cue"], c["played"]) for c in st["chimes"]] == [
            ("hold_end", True), ("complete", True)]
        switch, end = (c["at"] for c in st["chimes"])
        assert 0.5 < end - switch < 1.0  # the switch prompt and the right side's hold (0.5 s)
        assert rec.rms_at(switch - 0.45, 0.35) < SILENT_RMS  # quiet during the left hold
        assert rec.rms_at(switch, 0.3) > HEARD_RMS
        # the end's chime (1.25 s) still sounds once the switch's (0.85 s) is over
        assert rec.rms_at(switch + 0.9, 0.2) > HEARD_RMS
        assert st["errors"] == []
    finally:
        if w is not None:
            w.close()


# --------------------------------------------------------------------------- settings


@pytest.mark.desktop
def test_settings_test_button_plays_the_chosen_sound_before_it_is_saved(desktop, sound_rig,
                                                                         tmp_path):
    """Driven by keyboard (the row may be scrolled out of a small screen's view): from the
    first checkbox back to Chime, pick it, Tab to Test, press it."""
    (tmp_path / "config.toml").write_text('[general]\nsound = "off"\n')
    w = TkWindow(desktop, tmp_path, "movebreak.ui.settings", "movebreak settings")
    try:
        st = w.wait(lambda s: s["window"][2] > 100 and s["focus"] == "reminders.move.enabled",
                    10, "the window")
        assert st["sound_test_enabled"] is False  # nothing to test while sound is off
        # back from the first checkbox: Save, Cancel, start at login, Language, Chime (Test
        # and "in the routine" are disabled while sound is off)
        w.key(*["shift+Tab"] * 5)
        w.wait(lambda s: s["focus"] == "sound_chime", 5, "focus on Chime")
        w.key("space")
        w.wait(lambda s: s["values"]["general.sound"] == "chime" and s["sound_test_enabled"],
               5, "Chime picked and Test enabled")
        w.key("Tab")
        w.wait(lambda s: s["focus"] == "sound_test", 5, "focus on Test")
        with sound_rig.record() as rec:
            pressed = time.monotonic()
            w.key("space")
            st = w.wait(lambda s: s["sound_test"], 5, "the Test result")
            time.sleep(0.3)
        assert st["sound_test"] == "Playing movebreak's chime (chime.wav)."
        assert rec.rms_at(pressed, 0.6) > HEARD_RMS
        assert st["saved"] is False and "chime" not in (tmp_path / "config.toml").read_text()
    finally:
        w.close()


@pytest.mark.desktop
def test_a_reminder_waiting_for_the_server_is_heard_once_not_at_every_retry(
        sound_rig, tmp_path, monkeypatch):
    """No notification server: the reminder is printed and retried every 5 s; its sound is
    started once (the real player, counted)."""
    class CountingPlayer(sound.Player):
        def play(self, choice, cue="reminder"):
            self.calls = getattr(self, "calls", 0) + 1
            return super().play(choice, cue)

    player = CountingPlayer()
    with AppHarness(tmp_path, monkeypatch, config=CONFIG.format(sound="theme"),
                    sound=sound.ReminderSound(player)) as h:
        h.notifier.fail = True
        h.app.break_now("move")
        h.advance(seconds=30)  # six retries
        assert h.notifier.shown == [] and player.calls == 1
        h.notifier.fail = False
        h.advance(seconds=5)  # delivered at last: no second sound for the same reminder
        assert len(h.notifier.shown) == 1 and player.calls == 1
        h.app.done()
        h.app.break_now("move")
        assert player.calls == 2 and player.problem is None
    sound_rig.hush()


# --------------------------------------------------------------------------- the user's theme

SETTINGS_TYPE = "_XSETTINGS_SETTINGS"


def xsettings_blob(values: dict[str, str]) -> bytes:
    """An _XSETTINGS_SETTINGS property holding string settings (LSB first)."""
    import struct

    def pad(b: bytes) -> bytes:
        return b + b"\0" * (-len(b) % 4)

    out = struct.pack("<B3xII", 0, 1, len(values))
    for name, value in values.items():
        n, v = name.encode(), value.encode()
        out += struct.pack("<BxH", 1, len(n)) + pad(n) + struct.pack("<I", 0)
        out += struct.pack("<I", len(v)) + pad(v)
    return out


@pytest.mark.desktop
def test_the_desktops_sound_theme_from_xsettings_is_the_one_played(xdisplay, sound_rig,
                                                                   tmp_path, monkeypatch):
    """An XSETTINGS manager (as xfsettingsd or gsd-xsettings) names a sound theme whose
    message-new-instant is silence: GSound plays that theme's sound, so nothing is heard;
    without the manager the freedesktop theme's sound is heard."""
    from Xlib import X
    from Xlib import display as xdisplay_

    from movebreak.adapters import xsettings

    theme = tmp_path / "sounds" / "movebreak-silent"
    (theme / "stereo").mkdir(parents=True)
    (theme / "index.theme").write_text("[Sound Theme]\nName=movebreak silent\n"
                                       "Inherits=freedesktop\nDirectories=stereo\n\n"
                                       "[stereo]\nOutputProfile=stereo\n")
    with wave.open(str(theme / "stereo" / "message-new-instant.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22050)
        w.writeframes(b"\0\0" * 11025)
    monkeypatch.setenv("XDG_DATA_DIRS", f"{tmp_path}:/usr/share")
    assert xsettings.sound_theme() is None  # no manager on the rig

    d = xdisplay_.Display(xdisplay.display)
    try:
        win = d.screen().root.create_window(0, 0, 1, 1, 0, X.CopyFromParent)
        win.change_property(d.intern_atom(SETTINGS_TYPE), d.intern_atom(SETTINGS_TYPE), 8,
                            xsettings_blob({"Net/ThemeName": "Adwaita",
                                            "Net/SoundThemeName": "movebreak-silent"}))
        win.set_selection_owner(d.intern_atom("_XSETTINGS_S0"), X.CurrentTime)
        d.sync()
        assert xsettings.sound_theme() == "movebreak-silent"
        player = sound.Player()
        with sound_rig.record() as rec:
            themed = time.monotonic()
            assert player.play("theme") is True
            time.sleep(0.3)
        assert rec.rms_at(themed, 0.3) < SILENT_RMS
    finally:
        win.destroy()
        d.close()
    assert xsettings.sound_theme() is None  # the manager is gone: freedesktop again
    with sound_rig.record() as rec:
        plain = time.monotonic()
        assert player.play("theme") is True
        time.sleep(0.3)
    assert rec.rms_at(plain, 0.3) > HEARD_RMS


def test_xsettings_parser_reads_ints_strings_and_colors_in_both_byte_orders():
    import struct

    from movebreak.adapters.xsettings import parse

    blob = xsettings_blob({"Net/SoundThemeName": "ocean"})
    assert parse(blob) == {"Net/SoundThemeName": "ocean"}
    big = struct.pack(">B3xII", 1, 7, 2) + struct.pack(">BxH", 0, 4) + b"Xft/" + \
        struct.pack(">Ii", 0, -3) + struct.pack(">BxH", 2, 1) + b"C\0\0\0" + \
        struct.pack(">I4H", 0, 1, 2, 3, 4)
    assert parse(big) == {"Xft/": -3, "C": (1, 2, 3, 4)}
    assert parse(blob[:-6]) == {} and parse(b"") == {}  # truncated: nothing invented
