"""Starting window processes (settings, history, routine, safety) from the running app.

Rules:
- A window is its own process (Tk must not share pystray's main thread), in its own session,
  so closing the app's terminal does not close it.
- On POSIX it starts with `os.posix_spawn`, with the signal mask cleared and the quit/reload
  signals back at their default action: the app blocks them in every thread (see
  adapters/signals.py), and a window must stay closable with Ctrl+C or SIGTERM.
- Every window is reaped when it exits: one waiter thread per open window, blocked in
  `waitpid()` (no zombie, no polling).

Threads: `launch()` from the owner; the waiter threads only wait.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading

from movebreak.adapters.signals import HANDLED

log = logging.getLogger(__name__)


def display_available() -> bool:
    """Can a window be shown here? (Linux/BSD need X11 or Wayland; macOS/Windows always.)"""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def launch(argv: list[str]) -> int:
    """Start `argv` (argv[0] an executable path) as a window process; return its PID."""
    if hasattr(os, "posix_spawn"):
        pid = os.posix_spawn(argv[0], argv, os.environ, setsid=True, setsigmask=(),
                             setsigdef=HANDLED)
        threading.Thread(target=_reap, args=(pid,), name=f"movebreak-reap-{pid}",
                         daemon=True).start()
        return pid
    proc = subprocess.Popen(argv, creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0))
    threading.Thread(target=proc.wait, name=f"movebreak-reap-{proc.pid}", daemon=True).start()
    return proc.pid


def _reap(pid: int) -> None:
    """Waiter thread: collect the window's exit status as soon as it exits."""
    try:
        _, status = os.waitpid(pid, 0)
        log.debug("window process %s exited (%s)", pid, os.waitstatus_to_exitcode(status))
    except ChildProcessError:
        pass

