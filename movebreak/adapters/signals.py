"""Ctrl+C, SIGTERM and SIGHUP as requests to the app, with no moment in which a signal's
default action could kill it.

Rules:
- POSIX: `SignalRouter.start()` blocks SIGINT, SIGTERM and SIGHUP in the calling thread (the
  main thread, first thing in `movebreak run`, before any other thread exists), so every thread
  started later inherits the block, and starts one thread that takes them with `sigwait()`.
  No handler ever runs asynchronously: a library that resets SIGINT to its default action (as
  pystray's GTK backend does) cannot make Ctrl+C kill the app, and a signal that arrives during
  start-up waits in the kernel until it is taken. The signal thread sleeps in `sigwait()`: no
  wakeups.
- A signal that arrives before the app is ready to take it is kept: a quit is remembered
  (`quit_requested`) and handed over by `route()`; a reload before that is dropped (the app
  reads the config when it starts anyway).
- Child processes inherit the blocked set; a window process calls `unblock()` first.
- Windows: plain Python handlers for SIGINT and SIGBREAK (there is no sigwait).

Threads: `start()` and `route()` on the main thread; the handler runs on the signal thread.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

#: Signals that stop the app; SIGHUP asks it to re-read its config.
QUIT_SIGNALS = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGBREAK")
                     if hasattr(signal, n))
RELOAD_SIGNALS = tuple(getattr(signal, n) for n in ("SIGHUP",) if hasattr(signal, n))
HANDLED = QUIT_SIGNALS + RELOAD_SIGNALS
_CAN_WAIT = hasattr(signal, "pthread_sigmask") and hasattr(signal, "sigwait")


class SignalRouter:
    """Takes the process's quit and reload signals and hands them to `on_quit`/`on_reload`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._on_quit: Callable[[], None] | None = None
        self._on_reload: Callable[[], None] | None = None
        self._quit = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def quit_requested(self) -> bool:
        return self._quit.is_set()

    def start(self) -> SignalRouter:
        """Main thread, before any other thread exists: block the signals, start taking them."""
        if _CAN_WAIT:
            signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED)
            self._thread = threading.Thread(target=self._wait, name="movebreak-signals",
                                            daemon=True)
            self._thread.start()
        else:  # Windows
            for sig in HANDLED:
                signal.signal(sig, lambda signum, _frame: self._take(signum))
        return self

    def route(self, on_quit: Callable[[], None], on_reload: Callable[[], None]) -> None:
        """Main thread: from now on signals go to these; a quit that came earlier is handed
        on at once."""
        with self._lock:
            self._on_quit, self._on_reload = on_quit, on_reload
        if self._quit.is_set():
            on_quit()

    def _wait(self) -> None:
        """Signal thread: take each signal as it comes."""
        while True:
            try:
                signum = signal.sigwait(HANDLED)
            except Exception:  # noqa: BLE001 - never let this thread die silently
                log.exception("sigwait failed; signals now use their default action")
                return
            self._take(signum)

    def _take(self, signum: int) -> None:
        if signum in QUIT_SIGNALS:
            self._quit.set()
        with self._lock:
            handler = self._on_quit if signum in QUIT_SIGNALS else self._on_reload
        if handler is None:
            return
        try:
            handler()
        except Exception:  # noqa: BLE001
            log.exception("handling signal %s failed", signum)


def unblock() -> None:
    """A child process (window) started by the app: take signals the default way again."""
    if _CAN_WAIT:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HANDLED)
