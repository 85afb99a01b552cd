"""Per-user control channel between `movebreak <command>` and the running instance.

Transport: `multiprocessing.connection` (a Unix socket, mode 0600, in the 0700 runtime folder on
POSIX; a named pipe on Windows), carrying length-prefixed JSON (`send_bytes`/`recv_bytes`: never
pickle). No network port. The server runs in one daemon thread that blocks in `accept()`, so it
costs no wakeups while idle.

The single-instance rule uses a `filelock` lock file next to the socket (released by the OS
when a process dies, so a killed instance never blocks the next start) and a PID file that lets
a refused second start name the first instance.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Client as _Client
from multiprocessing.connection import Listener
from pathlib import Path
from typing import Any

import filelock

log = logging.getLogger(__name__)

MAX_MESSAGE = 64 * 1024
READ_TIMEOUT_S = 2.0
IS_WINDOWS = sys.platform == "win32"
#: multiprocessing.connection family: a named pipe on Windows, a Unix socket elsewhere.
FAMILY = "AF_PIPE" if IS_WINDOWS else "AF_UNIX"


class NotRunning(Exception):
    """No instance answers on the control channel."""


class AlreadyRunning(Exception):
    """Another instance holds the single-instance lock."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        who = f" (PID {pid})" if pid else ""
        super().__init__(f"movebreak is already running{who}; use `movebreak quit` to stop it")


class ProtocolError(Exception):
    """The peer sent something that is not a control message."""


def address(runtime_dir: Path) -> str:
    """Socket path (POSIX) or pipe name (Windows) for this user."""
    if IS_WINDOWS:
        user = os.environ.get("USERNAME", "user")
        return rf"\\.\pipe\movebreak-{user}"
    return str(runtime_dir / "movebreak.sock")


class InstanceLock:
    """Single-instance lock with a PID file. Acquire once at start-up (main thread)."""

    def __init__(self, runtime_dir: Path) -> None:
        self.lock_path = runtime_dir / "movebreak.lock"
        self.pid_path = runtime_dir / "movebreak.pid"
        self._lock = filelock.FileLock(str(self.lock_path), timeout=0)

    def acquire(self) -> None:
        try:
            self._lock.acquire()
        except filelock.Timeout:
            raise AlreadyRunning(self.running_pid()) from None
        tmp = self.pid_path.with_suffix(".pid.tmp")
        tmp.write_text(f"{os.getpid()}\n")
        os.replace(tmp, self.pid_path)

    def running_pid(self) -> int | None:
        try:
            return int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return None

    def release(self) -> None:
        if self._lock.is_locked:
            try:
                if self.running_pid() == os.getpid():
                    self.pid_path.unlink()
            except OSError:
                pass
            self._lock.release()


def encode(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), default=str).encode("utf-8")


def decode(data: bytes) -> dict[str, Any]:
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ProtocolError(f"not a JSON message: {e}") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("cmd"), str):
        raise ProtocolError('a message is a JSON object with a string "cmd"')
    return obj


class Server:
    """Accepts control messages and answers them with `handler(message) -> result`.

    The handler runs on the IPC thread; it returns JSON-able data or raises an exception whose
    text becomes the error shown by the CLI.
    """

    def __init__(self, runtime_dir: Path, handler: Callable[[dict], Any]) -> None:
        self.address = address(runtime_dir)
        self._handler = handler
        self._stopping = threading.Event()
        if not IS_WINDOWS:
            try:  # stale socket from a killed instance: we hold the lock, so it is ours to remove
                os.unlink(self.address)
            except FileNotFoundError:
                pass
        self._listener = Listener(self.address, family=FAMILY)
        if not IS_WINDOWS:
            os.chmod(self.address, 0o600)
        self._thread = threading.Thread(target=self._serve, name="movebreak-ipc", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                conn = self._listener.accept()
            except OSError:
                if self._stopping.is_set():
                    return
                log.exception("IPC accept failed")
                continue
            if self._stopping.is_set():
                conn.close()
                return
            with conn:
                self._answer(conn)

    def _answer(self, conn) -> None:
        try:
            if not conn.poll(READ_TIMEOUT_S):
                return
            message = decode(conn.recv_bytes(MAX_MESSAGE))
        except (OSError, EOFError, ProtocolError) as e:
            log.warning("rejected a malformed control message: %s", e)
            try:
                conn.send_bytes(encode({"ok": False, "error": f"malformed message: {e}"}))
            except OSError:
                pass
            return
        try:
            reply = {"ok": True, "result": self._handler(message)}
        except Exception as e:  # the handler's message is the user's error text
            reply = {"ok": False, "error": str(e) or type(e).__name__}
        try:
            conn.send_bytes(encode(reply))
        except OSError:
            pass

    def stop(self) -> None:
        """Stop accepting (any thread but the IPC thread itself is fine; so is that one)."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        if threading.current_thread() is not self._thread:
            try:  # wake the blocking accept()
                _Client(self.address, family=FAMILY).close()
            except OSError:
                pass
            self._thread.join(timeout=2)
        self._listener.close()


def request(runtime_dir: Path, cmd: str, timeout: float = 10.0, **args: Any) -> Any:
    """Send one command to the running instance and return its result (CLI side)."""
    addr = address(runtime_dir)
    if not IS_WINDOWS and not os.path.exists(addr):
        raise NotRunning("movebreak is not running (start it with `movebreak run`)")
    try:
        conn = _Client(addr, family=FAMILY)
    except (FileNotFoundError, ConnectionRefusedError, OSError):
        raise NotRunning("movebreak is not running (start it with `movebreak run`)") from None
    with conn:
        conn.send_bytes(encode({"cmd": cmd, "args": args}))
        if not conn.poll(timeout):
            raise NotRunning(f"the running movebreak did not answer within {timeout:.0f} s")
        try:
            reply = json.loads(conn.recv_bytes(MAX_MESSAGE * 16).decode("utf-8"))
        except (EOFError, OSError) as e:
            raise NotRunning(f"the running movebreak closed the connection ({e})") from None
    if not reply.get("ok"):
        raise RuntimeError(reply.get("error", "unknown error"))
    return reply.get("result")
