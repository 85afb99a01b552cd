"""Window processes: started with the app's blocked signals cleared (so a window still closes
on Ctrl+C or SIGTERM) and reaped as soon as they exit (no zombies)."""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

from movebreak.adapters import launcher
from movebreak.adapters.signals import HANDLED


def proc_field(pid: int, name: str) -> str | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return line.split(None, 1)[1].strip()
    except OSError:
        return None
    return None


def test_window_gets_a_clean_signal_mask_and_is_reaped_when_it_exits():
    result: dict[str, int] = {}

    def from_a_blocked_thread() -> None:  # like the app's owner thread
        signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED)
        result["pid"] = launcher.launch([sys.executable, "-c", "import time; time.sleep(0.4)"])

    t = threading.Thread(target=from_a_blocked_thread)
    t.start()
    t.join()
    pid = result["pid"]
    assert int(proc_field(pid, "SigBlk"), 16) == 0
    end = time.monotonic() + 5
    while proc_field(pid, "State") is not None:  # gone from /proc = reaped
        assert not proc_field(pid, "State").startswith("Z") or time.monotonic() < end, \
            "window process left as a zombie"
        assert time.monotonic() < end, "window process never exited"
        time.sleep(0.02)


def test_display_available_follows_the_environment(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert launcher.display_available() is False
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert launcher.display_available() is True
