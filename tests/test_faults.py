"""Faults the real app must survive: signals, kills, stale files, hostile configs, a flood of
control messages, another user at the socket, and wall-clock jumps (suspend/resume).

Every test runs `python -m movebreak run` as a real process (`RunningApp` from
test_cli_process: private folders, console notifier, no display) and checks real files.
Clock jumps use libfaketime (apt `faketime`): the wall clock follows an offset file we rewrite,
monotonic time does not (what a suspend looks like to a process). MOVEBREAK_WATCHDOG_S=2 makes
the engine notice a jump within 2 s instead of 30 s.
"""

from __future__ import annotations

import glob
import json
import os
import re
import signal
import socket
import sqlite3
import stat
import struct
import subprocess
import sys
import time
from multiprocessing.connection import Client
from pathlib import Path

import pytest
from test_cli_process import ROOT, RunningApp

from movebreak.adapters import ipc

MOVE_10S = '[reminders.move]\ninterval = "10s"\n'
REMINDER_LINE = re.compile(r"^movebreak \d\d:\d\d:\d\d \| (?!!! )")  # not the safety notice
ALARMING = ("traceback", "error", "problem", "corrupt", "stale", "warning", "already running",
            "could not")
WATCHDOG_S = 2


# ---------------------------------------------------------------------- helpers
def history_events(tmp: Path) -> list[dict]:
    """Rows of the app's SQLite history file, oldest first (read beside the running app)."""
    db = tmp / "data" / "history.sqlite3"
    conn = sqlite3.connect(db, timeout=5)
    try:
        rows = conn.execute("SELECT ts, type, kind, detail FROM events ORDER BY id").fetchall()
    finally:
        conn.close()
    return [{"ts": ts, "type": t, "kind": k, "detail": json.loads(d) if d else None}
            for ts, t, k, d in rows]


def wait_event(tmp: Path, type_: str, timeout: float, after: int = 0) -> tuple[float, dict]:
    """(arrival time, event) of the first `type_` event with index >= after."""
    end = time.time() + timeout
    while time.time() < end:
        for ev in history_events(tmp)[after:]:
            if ev["type"] == type_:
                return time.time(), ev
        time.sleep(0.05)
    raise AssertionError(f"no {type_!r} event within {timeout}s: "
                         f"{[e['type'] for e in history_events(tmp)]}")


def reminders(app: RunningApp, after: int = 0, until: float | None = None) -> list[float]:
    """Arrival times of reminder headers printed by the console notifier."""
    return [stamp for stamp, line in app.lines[after:]
            if REMINDER_LINE.match(line) and (until is None or stamp <= until)]


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def pss_anon_kib(pid: int) -> int:
    """The anonymous part of PSS: where a leak grows. (The file part moves when other processes
    that share a library, like the previous test's app, start or exit.)"""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss_Anon:"):
            return int(line.split()[1])
    raise AssertionError("no Pss_Anon line in smaps_rollup")


def dead_pid() -> int:
    """The PID of a process that has exited and been reaped."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def faketime_env(tmp: Path) -> tuple[dict[str, str], Path]:
    """Env that puts the app's wall clock on an offset file (`+0` now); the file to rewrite."""
    libs = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1")) + \
        sorted(glob.glob("/usr/lib/faketime/libfaketime.so.1"))
    assert libs, "libfaketime not found: apt-get install faketime (Makefile APT_TEST has it)"
    offset = tmp / "faketime-offset"
    offset.write_text("+0\n")
    return {"LD_PRELOAD": libs[0], "FAKETIME_TIMESTAMP_FILE": str(offset),
            "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "MOVEBREAK_WATCHDOG_S": str(WATCHDOG_S)}, offset


def started(tmp: Path, config: str, **env: str) -> RunningApp:
    return RunningApp(tmp, config, env or None)


# ---------------------------------------------------------------------- signals and kills
def test_sigint_shuts_down_cleanly_with_history_flushed(tmp_path):
    app = started(tmp_path, MOVE_10S)
    try:
        n = len(app.lines)
        app.cli("break", "stretch")
        app.wait_for("Stretch break", 5, after=n)
        app.proc.send_signal(signal.SIGINT)
        assert app.proc.wait(10) == 0
        app.wait_for("movebreak stopped", 5)
    finally:
        app.stop()
    out = "\n".join(line for _, line in app.lines)
    assert "Traceback" not in out and "KeyboardInterrupt" not in out
    run = tmp_path / "run"
    assert not (run / "movebreak.sock").exists() and not (run / "movebreak.pid").exists()
    wal = tmp_path / "data" / "history.sqlite3-wal"
    assert not wal.exists() or wal.stat().st_size == 0, "history WAL not checkpointed on exit"
    events = history_events(tmp_path)
    assert events[-1]["type"] == "shown" and events[-1]["kind"] == "stretch"
    assert events[-1]["detail"]["manual"] is True


def test_sigkill_loses_nothing_finished_and_the_next_start_is_quiet(tmp_path):
    app = started(tmp_path, MOVE_10S)
    try:
        app.cli("break", "posture")
        app.cli("snooze", "5m")
        app.proc.kill()
        assert app.proc.wait(10) == -signal.SIGKILL
    finally:
        app.stop()
    run = tmp_path / "run"
    assert (run / "movebreak.sock").exists()  # left behind by the kill
    assert int((run / "movebreak.pid").read_text()) == app.proc.pid
    types = [e["type"] for e in history_events(tmp_path)]
    assert types[-2:] == ["shown", "snoozed"], types  # both answered before the kill

    again = started(tmp_path, MOVE_10S)
    try:
        assert again.status()["pid"] == again.proc.pid
        said = [line for _, line in again.lines]
        assert not [line for line in said if any(w in line.lower() for w in ALARMING)], said
        hist = json.loads(again.cli("history", "--json").stdout)
        assert [e["type"] for e in hist["events"]][-2:] == ["shown", "snoozed"]
        assert int((run / "movebreak.pid").read_text()) == again.proc.pid
    finally:
        again.stop()


def test_stale_socket_and_pid_file_without_a_process_do_not_block_a_start(tmp_path):
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(run / "movebreak.sock"))
    sock.close()  # the file stays; nobody listens
    (run / "movebreak.pid").write_text(f"{dead_pid()}\n")
    (run / "movebreak.lock").write_text("")
    env = dict(os.environ, MOVEBREAK_RUNTIME_DIR=str(run))
    res = subprocess.run([sys.executable, "-m", "movebreak", "status"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=20, check=False)
    assert res.returncode == 1 and "movebreak: not running" in res.stderr
    app = started(tmp_path, MOVE_10S)
    try:
        assert app.status()["pid"] == app.proc.pid
        assert not any(w in line.lower() for _, line in app.lines for w in ALARMING)
        assert stat.S_ISSOCK((run / "movebreak.sock").stat().st_mode)
    finally:
        app.stop()


# ---------------------------------------------------------------------- hostile config files
@pytest.mark.parametrize("content, expected", [
    (("#" + "x" * 62 + "\n") * 163_840,  # exactly 10 MiB of comment lines
     ("is 10.0 MiB", "at most 1.0 MiB")),
    (bytes(range(256)).decode("latin-1") * 64, ("binary data",)),
], ids=["10MB", "binary"])
def test_oversized_or_binary_config_is_refused_fast_and_defaults_run(tmp_path, content,
                                                                     expected):
    t0 = time.time()
    app = started(tmp_path, content)
    try:
        stamp, line = app.wait_for("config.toml", 1)
        # from before the process started: the interpreter's own start-up is in it, which a
        # busy 2-core machine can stretch past a second (the refusal itself reads nothing)
        assert stamp - t0 < 3.0, f"config verdict after {stamp - t0:.2f} s"
        for text in expected:
            assert text in line
        assert "using the default settings" in line
        cfg = tmp_path / "cfg" / "config.toml"
        assert cfg.read_bytes() == content.encode()  # left as it was
        assert len(list(cfg.parent.glob("config.toml.bad-*"))) == 1
        st = app.status()
        assert st["kinds"]["move"]["interval_s"] == 1800  # the default
        assert st["config_problems"]
    finally:
        app.stop()


# ---------------------------------------------------------------------- the control socket
MALFORMED_FRAMES = [  # whole frames with bad content: each gets an error reply
    b"\xff\xfe not json", b"[1, 2]", b'{"cmd": 5}', b'{"cmd": "status", "args": [1]}',
    b'{"cmd": "pause", "args": {"duration": "5 parsecs"}}', b'{"cmd": "fly"}',
]


def _raw(path: str, data: bytes) -> bytes:
    """Send raw bytes (no framing rules) and read until the server hangs up."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(path)
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        out = b""
        try:
            while chunk := s.recv(4096):
                out += chunk
        except ConnectionResetError:  # it hung up on bytes it did not read: fine
            pass
        return out


def _flood(run: Path, count: int) -> None:
    """`count` control messages: mostly valid commands, every 10th malformed."""
    addr = str(run / "movebreak.sock")
    for i in range(count):
        step = i % 10
        if step < 6:
            assert ipc.request(run, "status")["pid"]
        elif step == 6:
            assert ipc.request(run, "snooze", duration="10m")[0]["type"] == "snoozed"
        elif step == 7:
            assert ipc.request(run, "pause", duration="1h")[0]["type"] == "paused"
        elif step == 8:
            ipc.request(run, "resume")
        else:
            bad = (i // 10) % (len(MALFORMED_FRAMES) + 3)
            if bad < len(MALFORMED_FRAMES):
                with Client(addr, family="AF_UNIX") as conn:
                    conn.send_bytes(MALFORMED_FRAMES[bad])
                    assert json.loads(conn.recv_bytes())["ok"] is False
            elif bad == len(MALFORMED_FRAMES):
                _raw(addr, b"")  # connect and hang up
            elif bad == len(MALFORMED_FRAMES) + 1:
                _raw(addr, struct.pack("!i", 50_000_000) + b"{")  # absurd length header
            else:
                _raw(addr, struct.pack("!i", 100) + b'{"cmd"')  # truncated frame


def test_a_thousand_rapid_commands_leave_it_responsive_without_leaks(tmp_path):
    app = started(tmp_path, MOVE_10S)
    run = tmp_path / "run"
    try:
        _flood(run, 100)  # warm caches (SQLite pages, imports) before measuring
        fds, pss = fd_count(app.proc.pid), pss_anon_kib(app.proc.pid)
        t0 = time.monotonic()
        _flood(run, 1000)
        took = time.monotonic() - t0
        with socket.socket(socket.AF_UNIX) as silent:  # a client that never sends: costs at
            silent.connect(str(run / "movebreak.sock"))  # most the 2 s read timeout
            t1 = time.monotonic()
            assert ipc.request(run, "status", timeout=5)["pid"] == app.proc.pid
            assert time.monotonic() - t1 < ipc.READ_TIMEOUT_S + 1
        assert fd_count(app.proc.pid) <= fds + 2
        grown = pss_anon_kib(app.proc.pid) - pss
        # ~300 history rows were written: SQLite's page cache grows with the file (by ~250 KiB
        # here; it is capped at 2 MiB); a leak per message would show as megabytes
        assert grown < 1024, f"anonymous PSS grew {grown} KiB over 1,000 commands"
        assert took < 60, f"1,000 commands took {took:.1f} s"
        ipc.request(run, "resume")
        n = len(app.lines)
        app.cli("break", "move")
        app.wait_for("Time to move", 3, after=n)
        assert app.proc.poll() is None
        assert not any("Traceback" in line for _, line in app.lines)
    finally:
        app.stop()


def test_control_socket_refuses_another_user(tmp_path):
    assert os.geteuid() == 0, "needs root to drop a child to uid 65534 (nobody)"
    app = started(tmp_path, MOVE_10S)
    run = tmp_path / "run"
    addr = str(run / "movebreak.sock")

    def as_nobody() -> str:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: drop to nobody, try to connect, report, exit
            try:
                os.close(r)
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
                try:
                    Client(addr, family="AF_UNIX").close()
                    out = "connected"
                except PermissionError:
                    out = "PermissionError"
                except Exception as e:  # noqa: BLE001 - reported to the parent
                    out = f"{type(e).__name__}: {e}"
            except BaseException as e:  # noqa: BLE001
                out = f"could not drop privileges: {e!r}"
            os.write(w, out.encode())
            os._exit(0)
        os.close(w)
        with os.fdopen(r) as fh:
            out = fh.read()
        os.waitpid(pid, 0)
        return out

    try:
        assert as_nobody() == "PermissionError"  # the 0700 folder stops it
        run.chmod(0o755)  # even with the folder open, the 0600 socket refuses
        try:
            assert as_nobody() == "PermissionError"
        finally:
            run.chmod(0o700)
        assert app.status()["pid"] == app.proc.pid
    finally:
        app.stop()


# ---------------------------------------------------------------------- suspend and clock jumps
def test_wall_clock_jump_forward_is_a_suspend_natural_break_and_no_burst(tmp_path):
    env, offset = faketime_env(tmp_path)
    app = started(tmp_path, MOVE_10S, **env)
    try:
        time.sleep(1)
        n, seen = len(app.lines), len(history_events(tmp_path))
        t_jump = time.time()
        offset.write_text("+3h\n")  # the machine "slept" three hours
        t_suspend, suspend = wait_event(tmp_path, "suspend", WATCHDOG_S + 3, seen)
        assert t_suspend - t_jump <= WATCHDOG_S + 1.5
        assert abs(suspend["detail"]["gap_s"] - 3 * 3600) < 30
        _, natural = wait_event(tmp_path, "natural", 1, seen)
        assert natural["kind"] == "move" and natural["detail"]["away_s"] > 3 * 3600 - 30
        time.sleep(1)
        assert len(reminders(app, n)) == 0, "a reminder right after resume"
        status = app.status()
        assert status["today"]["natural"] == 1
        # the move interval restarted at resume (in_s is read about 1 s later)
        assert 7 <= status["kinds"]["move"]["in_s"] <= 10
    finally:
        app.stop()


def test_wall_clock_jump_back_keeps_reminders_coming_without_a_burst(tmp_path):
    env, offset = faketime_env(tmp_path)
    t_start = time.time()
    app = started(tmp_path, MOVE_10S, **env)
    try:
        due = t_start + 10  # first move reminder, in real (elapsed) seconds, give or take
        time.sleep(3)  # past start-up, whose work can delay a tick on a busy machine
        n, seen = len(app.lines), len(history_events(tmp_path))
        offset.write_text("-1h\n")  # the clock is set back an hour
        t_jump, jump = wait_event(tmp_path, "clock_jump", WATCHDOG_S + 3, seen)
        assert abs(jump["detail"]["jump_s"] + 3600) < WATCHDOG_S + 1
        # remaining time kept: still due when it was due (in real seconds), not an hour later
        left = app.status()["kinds"]["move"]["in_s"]
        assert abs((time.time() + left) - due) <= WATCHDOG_S + 1, f"{left=}"
        assert len(reminders(app, n)) == 0, "a reminder at the jump"
    finally:
        app.stop()
