"""The CLI's messages and exit codes, mostly in-process (`cli.main(argv)`): one
"movebreak: ..." line per error, exit 2 for every bad argument, a closed stdout is not an
error, and `doctor` prints words. Control commands talk to a real in-process `ipc.Server`."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from movebreak import cli
from movebreak.adapters import ipc
from movebreak.core.status import Status
from movebreak.doctor import render

ROOT = Path(__file__).resolve().parents[1]

_NOW = datetime.now(timezone.utc)
STATUS = Status(at=_NOW).with_app(pid=4242, today={"shown": 1}).to_json(_NOW)


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    """Private folders for config, data and runtime; no instance running."""
    for name, sub in (("MOVEBREAK_CONFIG_DIR", "c"), ("MOVEBREAK_DATA_DIR", "d"),
                      ("MOVEBREAK_RUNTIME_DIR", "r")):
        monkeypatch.setenv(name, str(tmp_path / sub))
    (tmp_path / "r").mkdir(mode=0o700)
    return tmp_path


@pytest.fixture
def instance(dirs):
    """A control server answering `status` like the app does (in this process)."""
    calls: list[dict] = []

    def handler(message):
        calls.append(message)
        if message["cmd"] == "status":
            return STATUS
        return []

    srv = ipc.Server(dirs / "r", handler)
    srv.start()
    yield calls
    srv.stop()


def run_main(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as e:  # argparse's way out
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    """The stderr of a failed command: usage lines aside, exactly one "movebreak: " line."""
    lines = [ln for ln in err.splitlines() if ln and not ln.startswith(("usage:", " "))]
    assert len(lines) == 1, err
    assert lines[0].startswith("movebreak: ") and not lines[0].startswith("movebreak: movebreak")
    return lines[0]


@pytest.mark.parametrize("argv", [
    ("history", "--days", "0"), ("history", "--days", "-3"), ("history", "--days", "abc"),
    ("history", "--days", "1.5"), ("snooze", "5"), ("snooze", "5 parsecs"), ("pause", "soon"),
    ("break", "yoga"), ("snooze", "--kind", "yoga"), ("autostart", "maybe"), ("status", "--jsn"),
    ("fly",),
])
def test_every_bad_argument_exits_2_with_one_line(dirs, capsys, argv):
    code, out, err = run_main(capsys, *argv)
    assert code == cli.EXIT_USAGE
    assert out == ""
    one_error_line(err)


def test_days_errors_say_what_is_allowed(dirs, capsys):
    for bad in ("0", "abc"):
        _, _, err = run_main(capsys, "history", "--days", bad)
        line = one_error_line(err)
        assert f"at least 1, not '{bad}'" in line and "movebreak history --help" in line


def test_duration_error_does_not_repeat_itself(dirs, capsys):
    _, _, err = run_main(capsys, "snooze", "45")
    line = one_error_line(err)
    assert line == 'movebreak: "45" is not a valid duration: add a unit: s, m or h ' \
                   '(e.g. "90s", "10m" or "1h30m")'
    _, _, err = run_main(capsys, "pause", "5 parsecs")
    line = one_error_line(err)
    assert line.count("s, m or h") == 1 and 'unknown unit "parsecs"' in line


@pytest.mark.parametrize("argv", [("status",), ("snooze",), ("pause", "10m"), ("resume",),
                                  ("break",), ("done",), ("skip",), ("quit",)])
def test_control_commands_without_an_instance_say_so_once(dirs, capsys, argv):
    code, out, err = run_main(capsys, *argv)
    assert code == cli.EXIT_ERROR and out == ""
    assert one_error_line(err) == "movebreak: not running (start it with `movebreak run`)"


def test_a_runtime_folder_that_is_a_link_is_one_error_line(dirs, capsys, monkeypatch):
    (dirs / "real").mkdir(mode=0o700)
    (dirs / "link").symlink_to(dirs / "real")
    monkeypatch.setenv("MOVEBREAK_RUNTIME_DIR", str(dirs / "link"))
    code, out, err = run_main(capsys, "status")
    assert code == cli.EXIT_ERROR and out == ""
    assert "must be a real folder, not a link" in one_error_line(err)


def test_control_commands_reach_the_instance(instance, capsys):
    code, out, err = run_main(capsys, "status")
    assert (code, err) == (0, "")
    assert out.startswith("movebreak (PID 4242): No reminders enabled")
    assert run_main(capsys, "snooze", "10m")[0] == 0
    assert [c["cmd"] for c in instance] == ["status", "snooze"]
    assert instance[1]["args"] == {"duration": "10m", "kind": None}


def test_an_error_from_the_instance_is_one_line_exit_1(dirs, capsys):
    def handler(message):
        raise ValueError("nothing is waiting for an answer")

    srv = ipc.Server(dirs / "r", handler)
    srv.start()
    try:
        code, out, err = run_main(capsys, "done")
    finally:
        srv.stop()
    assert code == cli.EXIT_ERROR
    assert one_error_line(err) == "movebreak: nothing is waiting for an answer"


def _closed_stdout(args: list[str], env: dict) -> subprocess.CompletedProcess:
    """Run `movebreak ARGS` with stdout a pipe whose reader is already gone (`| head -0`)."""
    r, w = os.pipe()
    os.close(r)
    try:
        return subprocess.run([sys.executable, "-m", "movebreak", *args], stdout=w,
                              stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT, timeout=30)
    finally:
        os.close(w)


def test_closed_stdout_is_quiet_and_exit_0(instance, dirs):
    env = dict(os.environ)  # the fixtures' folders are in os.environ (monkeypatched)
    for args in (["status"], ["status", "--json"], ["history", "--days", "3"], ["--help"]):
        res = _closed_stdout(args, env)
        assert (res.returncode, res.stderr) == (0, ""), (args, res.stderr)
    assert [c["cmd"] for c in instance] == ["status", "status"]  # it did run


def test_corrupt_history_is_reported_once(dirs):
    """A subprocess: in pytest's process its log capture would hide a raw log line."""
    (dirs / "d").mkdir()
    (dirs / "d" / "history.sqlite3").write_bytes(b"this is not a database" * 100)
    res = subprocess.run([sys.executable, "-m", "movebreak", "history", "--days", "2"],
                         capture_output=True, text=True, env=dict(os.environ), cwd=ROOT,
                         timeout=30)
    assert res.returncode == 0 and res.stdout.startswith("day")
    line = one_error_line(res.stderr)
    assert "moved it to" in line and "corrupt" in line


def test_doctor_prints_words_not_python_values(dirs, capsys):
    code, out, _ = run_main(capsys, "doctor")
    assert code == 0
    for python_word in ("None", "True", "False"):
        assert python_word not in out
    assert "running: no" in out


def test_render_turns_values_into_words():
    report = {"version": "1", "python": "3", "platform": "linux", "display": None,
              "session_bus": ":1", "tray": {"available": False, "backend": None, "ok": True},
              "notifications": {"capabilities": [], "caps": ["a", None]},
              "idle": {"error": "x"}, "config": {"nested": {"a": None}}, "paths": {},
              "instance": None, "autostart": {"enabled": True}}
    text = render(report)
    assert "display: none" in text and "available: no" in text and "backend: none" in text
    assert "ok: yes" in text and "capabilities: -" in text and "caps: a, none" in text
    assert "nested: a=none" in text and "enabled: yes" in text
    assert "None" not in text and "True" not in text and "False" not in text


def test_status_says_why_reminders_are_held_and_shows_no_dead_countdown(dirs, capsys):
    from movebreak.core.engine import Engine
    from movebreak.core.settings import default_settings
    eng = Engine(default_settings(), _NOW)
    eng.set_hold("dnd", True, _NOW)
    eng.set_hold("locked", True, _NOW)
    held = eng.status(_NOW).with_app(pid=7).to_json(_NOW)
    srv = ipc.Server(dirs / "r", lambda message: held)
    srv.start()
    try:
        code, out, err = run_main(capsys, "status")
    finally:
        srv.stop()
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "movebreak (PID 7): Held: screen locked"
    assert lines[1] == "  also held by: do not disturb"
    move = next(line for line in lines if "Time to move" in line)
    assert move.split() == ["Time", "to", "move", "held"]  # no countdown, no time
    assert not any("sitting" in line for line in lines)


def test_doctor_lists_the_hold_sources(dirs, capsys, monkeypatch):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(dirs / "r"))
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "GNOME")
    code, out, _ = run_main(capsys, "doctor")
    assert code == 0
    section = out.split("\nholds:\n", 1)[1].split("\nconfig:\n", 1)[0]
    assert "do_not_disturb: none:" in section
    assert "full_screen: none: Wayland (GNOME) does not tell other programs" in section
    assert "turn on do not disturb for meetings" in section
    assert "screen_lock:" in section and "suspend:" in section
