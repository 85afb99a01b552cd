"""The real app as a user runs it with no display: `movebreak run` in a subprocess printing
reminders to the terminal, controlled by `movebreak <command>` over the real Unix socket.

Smoke tests of the process, the socket and the CLI; nothing here waits for an interval (the
scheduling rules are tested in-process in test_app.py and test_engine.py)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from movebreak.adapters import ipc, storage

ROOT = Path(__file__).resolve().parents[1]


class RunningApp:
    """`python -m movebreak run` with private dirs; stdout lines collected with arrival times.
    The safety notice counts as acknowledged unless `ack_safety=False` (its first run)."""

    def __init__(self, tmp: Path, config: str, extra_env: dict | None = None,
                 ack_safety: bool = True):
        self.tmp = tmp
        (tmp / "cfg").mkdir(exist_ok=True)
        (tmp / "cfg" / "config.toml").write_text(config)
        if ack_safety:
            storage.acknowledge_safety(tmp / "cfg" / "config.toml")
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS")}
        self.env.update(MOVEBREAK_CONFIG_DIR=str(tmp / "cfg"), MOVEBREAK_DATA_DIR=str(tmp / "data"),
                        MOVEBREAK_RUNTIME_DIR=str(tmp / "run"), MOVEBREAK_NOTIFIER="console",
                        MOVEBREAK_IDLE="none", XDG_RUNTIME_DIR=str(tmp / "xdg"),
                        PYTHONUNBUFFERED="1")
        self.env.update(extra_env or {})
        self.lines: list[tuple[float, str]] = []
        self.proc = subprocess.Popen([sys.executable, "-m", "movebreak", "run"], env=self.env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     cwd=ROOT)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.wait_for("movebreak running", 15)

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append((time.time(), line.rstrip("\n")))

    def wait_for(self, text: str, timeout: float, after: int = 0) -> tuple[float, str]:
        end = time.time() + timeout
        while time.time() < end:
            for stamp, line in self.lines[after:]:
                if text in line:
                    return stamp, line
            if self.proc.poll() is not None and not any(text in ln for _, ln in self.lines):
                break
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not printed within {timeout}s; output:\n" +
                             "\n".join(ln for _, ln in self.lines))

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        res = subprocess.run([sys.executable, "-m", "movebreak", *args], env=self.env,
                             capture_output=True, text=True, timeout=30, cwd=ROOT)
        if check:
            assert res.returncode == 0, res.stderr
        return res

    def status(self) -> dict:
        return json.loads(self.cli("status", "--json").stdout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture
def app(tmp_path):
    running = RunningApp(tmp_path, '[reminders.move]\ninterval = "10s"\n')
    yield running
    running.stop()


def test_start_line_says_why_there_is_no_tray(app):
    _, line = app.wait_for("movebreak running", 1)
    assert "tray: no - no display" in line and "notifications via console" in line


def test_snooze_from_another_shell_delays_and_status_reports_it(app):
    before = datetime.fromisoformat(app.status()["kinds"]["move"]["due"])
    out = app.cli("snooze", "20s").stdout
    assert "snoozed Time to move until" in out
    st = app.status()
    after = datetime.fromisoformat(st["kinds"]["move"]["due"])
    assert (after - before).total_seconds() == pytest.approx(20, abs=0.5)
    assert st["kinds"]["move"]["snoozed"] is True


def test_status_text_pause_resume_break_and_history(app):
    text = app.cli("status").stdout
    assert "Next: Time to move in" in text and "Posture check" in text
    assert "paused until" in app.cli("pause", "1h").stdout
    st = app.status()
    assert st["paused"] is True and st["paused_until"]
    assert "resumed" in app.cli("resume").stdout
    assert app.status()["paused"] is False
    n = len(app.lines)
    app.cli("break", "stretch")
    _, line = app.wait_for("Stretch break", 5, after=n)
    assert app.status()["pending"]["kind"] == "stretch"
    assert "done Stretch break" in app.cli("done").stdout
    assert app.status()["today"]["done"] == 1
    hist = json.loads(app.cli("history", "--json").stdout)
    types = [e["type"] for e in hist["events"]]
    assert {"paused", "resumed", "shown", "done"} <= set(types)


def test_second_instance_refused_naming_first_pid(app):
    res = subprocess.run([sys.executable, "-m", "movebreak", "run"], env=app.env,
                         capture_output=True, text=True, timeout=20, cwd=ROOT)
    assert res.returncode == 1
    assert f"already running (PID {app.proc.pid})" in res.stderr


def test_socket_is_private_and_malformed_messages_are_refused(app):
    sock = Path(app.env["MOVEBREAK_RUNTIME_DIR"]) / "movebreak.sock"
    assert stat.S_IMODE(sock.stat().st_mode) == 0o600
    assert stat.S_IMODE(sock.parent.stat().st_mode) == 0o700
    from multiprocessing.connection import Client
    for payload in (b"\xff\xfe not json", b'["cmd"]', b'{"cmd": 5}'):
        with Client(str(sock), family="AF_UNIX") as conn:
            conn.send_bytes(payload)
            reply = json.loads(conn.recv_bytes())
            assert reply["ok"] is False and "malformed" in reply["error"]
    with pytest.raises(RuntimeError, match="unknown command 'fly'"):
        ipc.request(sock.parent, "fly")
    assert app.status()["pid"] == app.proc.pid  # still answering


def test_bad_duration_and_unknown_kind_are_clear_errors(app):
    res = app.cli("snooze", "5 parsecs", check=False)
    assert res.returncode == 2 and "5 parsecs" in res.stderr
    res = app.cli("break", "yoga", check=False)
    assert res.returncode == 2 and "invalid choice" in res.stderr


def test_quit_stops_cleanly_and_commands_then_say_not_running(app):
    assert f"stopping movebreak (PID {app.proc.pid})" in app.cli("quit").stdout
    assert app.proc.wait(10) == 0
    app.wait_for("movebreak stopped", 5)
    res = app.cli("status", check=False)
    assert res.returncode == 1 and "not running" in res.stderr


def test_sigterm_stops_cleanly(app):
    app.proc.terminate()
    assert app.proc.wait(10) == 0
    app.wait_for("movebreak stopped", 5)


def test_invalid_config_value_is_named_with_range_and_backup_kept(tmp_path):
    running = RunningApp(tmp_path, '[reminders.move]\ninterval = "5 parsecs"\n')
    try:
        _, line = running.wait_for("5 parsecs", 5)
        assert "reminders.move.interval" in line and "10s to 24h" in line
        backups = list((tmp_path / "cfg").glob("config.toml.bad-*"))
        assert len(backups) == 1
        assert (tmp_path / "cfg" / "config.toml").read_text() == \
            '[reminders.move]\ninterval = "5 parsecs"\n'
        st = running.status()
        assert st["kinds"]["move"]["interval_s"] == 1800
        assert any("5 parsecs" in p for p in st["config_problems"])
    finally:
        running.stop()


def test_commands_without_instance_fail_clearly(tmp_path):
    env = dict(os.environ, MOVEBREAK_RUNTIME_DIR=str(tmp_path / "run"))
    for args in (["status"], ["snooze"], ["pause"], ["quit"], ["break"]):
        res = subprocess.run([sys.executable, "-m", "movebreak", *args], env=env,
                             capture_output=True, text=True, timeout=20, cwd=ROOT)
        assert res.returncode == 1, args
        assert res.stderr.startswith("movebreak: not running"), res.stderr


def test_help_lists_every_command():
    res = subprocess.run([sys.executable, "-m", "movebreak", "--help"], capture_output=True,
                         text=True, timeout=20, cwd=ROOT)
    for cmd in ("run", "status", "snooze", "pause", "resume", "break", "settings", "history",
                "quit", "autostart", "doctor"):
        assert cmd in res.stdout


def test_doctor_without_a_desktop_says_why(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS")}
    env.update(MOVEBREAK_CONFIG_DIR=str(tmp_path / "c"), MOVEBREAK_RUNTIME_DIR=str(tmp_path / "r"),
               MOVEBREAK_DATA_DIR=str(tmp_path / "d"), XDG_RUNTIME_DIR=str(tmp_path / "x"))
    res = subprocess.run([sys.executable, "-m", "movebreak", "doctor"], env=env,
                         capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert res.returncode == 0
    assert "protocol: none" in res.stdout and "no graphical session here" in res.stdout
    assert "chosen: console" in res.stdout and "no session bus" in res.stdout
    assert "running: no" in res.stdout and "None" not in res.stdout
