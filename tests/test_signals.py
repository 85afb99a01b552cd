"""Ctrl+C, SIGTERM and SIGHUP at any moment of start-up: the real `movebreak run` in a
subprocess, with and without a tray icon (trayer on Xvfb), signalled at spread-out moments from
the first instant its own code runs (when its signal mask shows the three signals blocked)
through the icon appearing, windows opening and ticks (the tick period is 1 s here).

A quit signal must always end the app with exit 0 within 2 s, its socket and lock gone; a
SIGHUP must never kill it (it re-reads the config)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from movebreak.adapters import storage

ROOT = Path(__file__).resolve().parent.parent
SENDS = 24  # SIGINT and SIGTERM, with and without a tray: 6 moments each
SPAN_S = 1.2  # delays spread over this much time after the mask is set (start-up + ticks)
HANDLED_BITS = (1 << (signal.SIGHUP - 1)) | (1 << (signal.SIGINT - 1)) | \
    (1 << (signal.SIGTERM - 1))


def blocked_mask(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("SigBlk:"):
            return int(line.split()[1], 16)
    return 0


class Start:
    """One `movebreak run` in its own folders; output kept for failure messages."""

    def __init__(self, tmp: Path, env: dict[str, str], tray: bool) -> None:
        self.tmp = tmp
        for sub in ("cfg", "data", "run"):
            (tmp / sub).mkdir(parents=True, exist_ok=True)
        (tmp / "cfg" / "config.toml").write_text('[reminders.move]\ninterval = "10s"\n')
        storage.acknowledge_safety(tmp / "cfg" / "config.toml")  # no first-run Safety window
        self.env = dict(env, MOVEBREAK_CONFIG_DIR=str(tmp / "cfg"),
                        MOVEBREAK_DATA_DIR=str(tmp / "data"), MOVEBREAK_RUNTIME_DIR=str(tmp / "run"),
                        MOVEBREAK_NOTIFIER="console", MOVEBREAK_IDLE="none",
                        MOVEBREAK_WATCHDOG_S="1", PYTHONUNBUFFERED="1")
        argv = [sys.executable, "-m", "movebreak", "run"] + ([] if tray else ["--no-tray"])
        self.out = open(tmp / "out.txt", "w")  # noqa: SIM115 - closed in finish()
        self.proc = subprocess.Popen(argv, env=self.env, cwd=ROOT, stdout=self.out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def wait_masked(self, timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while blocked_mask(self.proc.pid) & HANDLED_BITS != HANDLED_BITS:
            assert self.proc.poll() is None, f"exited early: {self.output()}"
            assert time.monotonic() < end, "signals never blocked"
            time.sleep(0.002)

    def output(self) -> str:
        self.out.flush()
        return (self.tmp / "out.txt").read_text(errors="replace")

    def finish(self, sig: int, what: str) -> None:
        os.kill(self.proc.pid, sig)
        try:
            rc = self.proc.wait(2.0)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"{what}: still running 2 s after {sig.name}:\n{self.output()}")
        finally:
            self.out.close()
        assert rc == 0, f"{what}: exit {rc} after {sig.name}:\n{self.output()}"
        run = self.tmp / "run"
        assert not (run / "movebreak.sock").exists(), f"{what}: socket left behind"
        assert not (run / "movebreak.pid").exists(), f"{what}: PID file left behind"


def _quit_at(tmp: Path, env: dict, tray: bool, sig: signal.Signals, delay: float,
             window: bool) -> None:
    s = Start(tmp, env, tray)
    s.wait_masked()
    if window:  # once it answers, open the settings window, then signal
        while "movebreak running" not in s.output():
            assert s.proc.poll() is None, s.output()
            time.sleep(0.01)
        from movebreak.adapters import ipc
        assert ipc.request(tmp / "run", "settings") == {"opened": True}
    time.sleep(delay)
    try:
        s.finish(sig, f"{sig.name} {delay:.3f}s after the mask{' (tray)' if tray else ''}"
                 f"{' with a window open' if window else ''}")
    finally:
        kill_windows(tmp / "cfg" / "config.toml")


def kill_windows(config: Path) -> None:
    """End window processes the app started for `config` (they outlive it by design)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(config).encode() in cmd and b"movebreak.ui.settings" in cmd:
            try:
                os.kill(int(proc.name), signal.SIGTERM)
            except ProcessLookupError:
                pass


@pytest.mark.desktop
def test_quit_signal_at_any_moment_of_start_up_exits_0_within_2s(desktop, tmp_path):
    """SENDS moments spread over start-up; SIGINT (Ctrl+C) and SIGTERM, with and without a
    tray, take turns, so each of the four pairs is tried every 4th moment (0.2 s apart)."""
    env = desktop.env
    jobs = []
    for i in range(SENDS):
        delay = SPAN_S * i / (SENDS - 1)
        tray = i % 2 == 0
        sig = signal.SIGINT if (i // 2) % 2 == 0 else signal.SIGTERM
        window = i in (SENDS - 3, SENDS - 2)
        jobs.append((tmp_path / f"r{i}", env, tray, sig, delay, window))
    with ThreadPoolExecutor(3) as pool:  # three at a time: most of each run is waiting
        for fut in [pool.submit(_quit_at, *job) for job in jobs]:
            fut.result()


@pytest.mark.desktop
def test_sighup_at_any_moment_of_start_up_never_kills_it(desktop, tmp_path):
    def one(i: int) -> None:
        s = Start(tmp_path / f"h{i}", desktop.env, tray=i % 2 == 0)
        s.wait_masked()
        for k in range(5):  # 5 HUPs spread over start-up, then a quit
            time.sleep(SPAN_S / 5 * (k + i / 4))
            os.kill(s.proc.pid, signal.SIGHUP)
            assert s.proc.poll() is None, f"killed by SIGHUP #{k}: {s.output()}"
        s.finish(signal.SIGTERM, f"SIGTERM after 5 SIGHUPs (run {i})")

    errors: list[BaseException] = []

    def guarded(i: int) -> None:
        try:
            one(i)
        except BaseException as e:  # noqa: BLE001 - re-raised below
            errors.append(e)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
