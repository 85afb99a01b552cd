"""Per-user control channel between `movebreak <command>` and the running instance.

Wire format (unchanged, so every client keeps working): one request per connection, each
message a 4-byte big-endian signed length and that many bytes of UTF-8 JSON, exactly what
`multiprocessing.connection`'s `send_bytes`/`recv_bytes` write and read (never pickle). The
request is an object with a string "cmd"; the reply is `{"ok": true, "result": ...}` or
`{"ok": false, "error": "text for the user"}`. No network port.

Rules the server enforces, so that one client can never delay another:
- **Access** (POSIX): the socket lives in the 0700 runtime folder, is bound under a temporary
  name, made 0600 and only then renamed into place (the path never exists with looser modes),
  and every connection's peer uid (SO_PEERCRED on Linux, getpeereid() on macOS/BSD) must be
  ours, whatever the file modes say; another user is refused, logged once per connection
  with its uid, and closed. Windows: a named pipe whose default ACL gives other (non-admin)
  users no write access; the client's user is not checked beyond that.
- **Deadline**: a connection has READ_TIMEOUT_S (2 s) from accept to send its whole request;
  a silent or partial (slowloris) client is dropped then.
- **Size**: a length over MAX_MESSAGE (64 KiB) is answered with an error at once, without
  reading the body; JSON nested too deeply to decode is an error, not a crash.
- **Concurrency**: on POSIX one IPC thread ("movebreak-ipc") multiplexes the listening socket
  and every connection still sending its request with `selectors`, and never blocks on one
  client. A complete request is handed to a small worker pool ("movebreak-ipc-worker-N",
  WORKERS daemon threads) that runs `handler(message)` (which may block, e.g. waiting for
  the engine's owner thread), sends the reply (WRITE_TIMEOUT_S at most) and closes the
  connection. At most MAX_CONNECTIONS connections are open at once; beyond that the IPC
  thread stops accepting and newcomers wait in the listen backlog (BACKLOG) until a slot
  frees, which the deadline guarantees within 2 s for clients that do not send. While nothing
  is connected the IPC thread sleeps in `select()` with no timeout: no wakeups.
- On Windows (`multiprocessing.connection` named pipe) the IPC thread only accepts; each
  connection gets its own short-lived thread (at most MAX_CONNECTIONS) that reads with the
  deadline, runs the handler and answers. Pipe messages arrive whole, so there are no partial
  frames to time out there.

The single-instance rule uses a `filelock` lock file next to the socket (released by the OS
when a process dies, so a killed instance never blocks the next start) and a PID file that lets
a refused second start name the first instance.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import selectors
import socket
import struct
import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Client as _Client
from multiprocessing.connection import Listener
from pathlib import Path
from typing import Any

import filelock

from movebreak.core.l10n import N_, _

log = logging.getLogger(__name__)

MAX_MESSAGE = 64 * 1024
READ_TIMEOUT_S = 2.0
WRITE_TIMEOUT_S = 2.0
#: listen() backlog: room for a burst of clients while the IPC thread is busy or at its cap
#: (the kernel caps it at net.core.somaxconn, 4096 on current Linux).
BACKLOG = 1024
#: open connections at once (reading + being answered); the rest wait in the backlog.
MAX_CONNECTIONS = 256
#: threads that run handlers and send replies (handlers may block on the engine's thread).
WORKERS = 4
IS_WINDOWS = sys.platform == "win32"
#: multiprocessing.connection family: a named pipe on Windows, a Unix socket elsewhere.
FAMILY = "AF_PIPE" if IS_WINDOWS else "AF_UNIX"

_HEADER = struct.Struct("!i")
_NOT_RUNNING = N_("not running (start it with `movebreak run`)")  # shown as _(_NOT_RUNNING)


class NotRunning(Exception):
    """No instance answers on the control channel."""


class AlreadyRunning(Exception):
    """Another instance holds the single-instance lock."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        # TRANSLATORS: {pid} is a process id.
        super().__init__(_("already running (PID {pid}); use `movebreak quit` to stop it")
                         .format(pid=pid) if pid else
                         _("already running; use `movebreak quit` to stop it"))


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
    """A request's JSON body as a dict with a string "cmd"; ProtocolError for anything else."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ProtocolError(_("not a JSON message: {error}").format(error=e)) from None
    except RecursionError:
        raise ProtocolError(_("JSON nested too deeply")) from None
    if not isinstance(obj, dict) or not isinstance(obj.get("cmd"), str):
        raise ProtocolError(_('a message is a JSON object with a string "cmd"'))
    return obj


def frame(obj: Any) -> bytes:
    """One message as it goes on the wire: length header + JSON."""
    data = encode(obj)
    return _HEADER.pack(len(data)) + data


# ---------------------------------------------------------------------- peer credentials
def peer_uid(sock: socket.socket) -> int | None:
    """The uid of the process at the other end of a connected Unix socket.

    Linux: SO_PEERCRED; macOS and the BSDs: getpeereid(). None where the platform offers
    neither (the file modes are then the only check). Raises OSError if the call fails.
    Any thread; import-safe on every OS (the C library is only loaded when needed).
    """
    if hasattr(socket, "SO_PEERCRED"):  # Linux
        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        _pid, uid, _gid = struct.unpack("3i", creds)
        return uid
    if sys.platform == "darwin" or "bsd" in sys.platform:
        return _getpeereid(sock.fileno())
    return None


def _getpeereid(fd: int) -> int:
    import ctypes
    import ctypes.util

    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    uid, gid = ctypes.c_uint32(), ctypes.c_uint32()
    if libc.getpeereid(fd, ctypes.byref(uid), ctypes.byref(gid)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return uid.value


def _our_uid() -> int | None:
    return os.geteuid() if hasattr(os, "geteuid") else None


# ---------------------------------------------------------------------- server
class _Workers:
    """A fixed set of daemon threads running queued calls. Not concurrent.futures' pool: its
    threads are joined at interpreter exit, so one handler stuck at quit would hold up the
    process. `submit` from any thread; `stop` lets each thread finish its current call."""

    def __init__(self, count: int, name: str) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._run, name=f"{name}-{i}", daemon=True)
                         for i in range(count)]
        self._lock = threading.Lock()  # a job is queued before the stop marks, or refused
        self._stopped = False

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def submit(self, fn: Callable[..., None], *args: Any) -> None:
        with self._lock:
            if self._stopped:
                raise RuntimeError("the worker pool is stopped")
            self._queue.put((fn, args))

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            for _ in self._threads:
                self._queue.put(None)

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            fn, args = job
            try:
                fn(*args)
            except Exception:  # a bug in one call must not end the thread
                log.exception("control channel worker failed")


@dataclass(eq=False)
class _Pending:
    """A connection still sending its request (IPC thread only)."""

    sock: socket.socket
    deadline: float
    buf: bytearray = field(default_factory=bytearray)


class Server:
    """Accepts control messages and answers each with `handler(message) -> result`.

    The handler runs on a worker thread (never the IPC thread) and may block; it returns
    JSON-able data or raises an exception whose text becomes the error shown by the CLI.
    Construct and `start()` from the main thread; `stop()` from any thread.
    """

    def __init__(self, runtime_dir: Path, handler: Callable[[dict], Any]) -> None:
        self.address = address(runtime_dir)
        self._handler = handler
        self._stopping = threading.Event()
        self._uid = _our_uid()
        self._lock = threading.Lock()  # guards _busy and _accept_paused
        self._busy = 0  # connections handed to the workers and not yet closed
        self._accept_paused = False
        self._workers: _Workers | None = None
        self._wake_r: socket.socket | None = None  # closed by the IPC thread, under _lock
        self._wake_w: socket.socket | None = None
        self._sock: socket.socket | None = None
        self._listener: Listener | None = None
        self._slots: threading.BoundedSemaphore | None = None
        if IS_WINDOWS:
            self._listener = Listener(self.address, family=FAMILY)
            self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
            target = self._serve_pipe
        else:
            self._sock = _listen_private(self.address)
            # removed by stop(), or at interpreter exit if the app ends without stopping us
            self._remove_socket = weakref.finalize(
                self, _remove_socket, self.address, os.stat(self.address).st_ino)
            self._wake_r, self._wake_w = socket.socketpair()
            self._wake_r.setblocking(False)
            self._wake_w.setblocking(False)
            self._workers = _Workers(WORKERS, "movebreak-ipc-worker")
            target = self._serve
        self._thread = threading.Thread(target=target, name="movebreak-ipc", daemon=True)
        self._started = False

    def start(self) -> None:
        if self._workers is not None:
            self._workers.start()
        self._thread.start()
        self._started = True

    def stop(self) -> None:
        """Stop accepting, drop connections still sending, remove the socket (any thread;
        also from a handler). Requests already being handled get their answer."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        if IS_WINDOWS:
            self._stop_pipe()
            return
        self._wake()
        if not self._started:
            self._close_loop_resources()
        elif threading.current_thread() is not self._thread:
            self._thread.join(timeout=2)
        if self._workers is not None:
            self._workers.stop()
        self._remove_socket()

    # ---- IPC thread (POSIX) -------------------------------------------------------------
    def _serve(self) -> None:
        """IPC thread: accept, check the peer, read requests with a deadline, hand them on."""
        assert self._sock is not None
        sel = selectors.DefaultSelector()
        pending: dict[socket.socket, _Pending] = {}  # in accept order = deadline order
        listening = True
        sel.register(self._sock, selectors.EVENT_READ, None)
        sel.register(self._wake_r, selectors.EVENT_READ, "wake")  # type: ignore[arg-type]
        try:
            while not self._stopping.is_set():
                timeout = None
                if pending:
                    first = next(iter(pending.values()))
                    timeout = max(0.0, first.deadline - time.monotonic())
                for key, _ in sel.select(timeout):
                    if key.data is None:
                        self._accept(sel, pending)
                    elif key.data == "wake":
                        with contextlib.suppress(OSError):
                            self._wake_r.recv(4096)  # type: ignore[union-attr]
                    else:
                        self._read(sel, pending, key.data)
                now = time.monotonic()
                while pending:
                    first = next(iter(pending.values()))
                    if first.deadline > now:
                        break
                    log.info("dropped a control connection that sent no complete request "
                             "within %.0f s (%d bytes)", READ_TIMEOUT_S, len(first.buf))
                    self._forget(sel, pending, first)
                    first.sock.close()
                full = len(pending) + self._busy >= MAX_CONNECTIONS
                if full and listening:
                    with self._lock:
                        self._accept_paused = True
                    sel.unregister(self._sock)
                    listening = False
                elif not full and not listening:
                    with self._lock:
                        self._accept_paused = False
                    sel.register(self._sock, selectors.EVENT_READ, None)
                    listening = True
        except Exception:  # a bug here must not leave the app without a control channel
            log.exception("control channel loop failed")
        finally:
            for conn in pending.values():
                conn.sock.close()
            sel.close()
            self._close_loop_resources()

    def _close_loop_resources(self) -> None:
        """The listening socket and the wake pair, once the loop is over (or never ran)."""
        assert self._sock is not None
        self._sock.close()
        with self._lock:  # _wake() never writes to a closed (possibly reused) descriptor
            for s in (self._wake_r, self._wake_w):
                if s is not None:
                    s.close()
            self._wake_r = self._wake_w = None

    def _accept(self, sel: selectors.BaseSelector, pending: dict) -> None:
        """Take every waiting connection (up to the cap); refuse other users."""
        assert self._sock is not None
        while len(pending) + self._busy < MAX_CONNECTIONS:
            try:
                sock, _ = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:  # e.g. EMFILE: leave the rest in the backlog for now
                log.warning("control channel could not accept a connection: %s", e)
                return
            if not self._peer_allowed(sock):
                sock.close()
                continue
            sock.setblocking(False)
            conn = _Pending(sock, time.monotonic() + READ_TIMEOUT_S)
            pending[sock] = conn
            sel.register(sock, selectors.EVENT_READ, conn)

    def _peer_allowed(self, sock: socket.socket) -> bool:
        """Our own uid only; another user gets a short refusal and a log line."""
        if self._uid is None:
            return True
        try:
            uid = peer_uid(sock)
        except OSError as e:
            log.warning("refused a control connection: its user could not be checked (%s)", e)
            return False
        if uid is None or uid == self._uid:
            return True
        log.warning("refused a control connection from uid %d (only uid %d may control "
                    "this movebreak)", uid, self._uid)
        with contextlib.suppress(OSError):  # tiny: fits the empty socket buffer, never blocks
            sock.setblocking(False)
            sock.send(frame({"ok": False, "error": _("refused: this movebreak belongs to "
                                                     "another user")}))
        return False

    def _read(self, sel: selectors.BaseSelector, pending: dict, conn: _Pending) -> None:
        """Take what the client sent; hand on a whole request, a bad length, or drop on EOF."""
        try:
            chunk = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:  # hung up before a whole request: nobody to answer
            self._forget(sel, pending, conn)
            conn.sock.close()
            return
        conn.buf += chunk
        if len(conn.buf) < _HEADER.size:
            return
        (size,) = _HEADER.unpack_from(conn.buf)
        if size < 0 or size > MAX_MESSAGE:  # -1 announces an 8-byte length: > 2 GiB
            self._hand_on(sel, pending, conn, ProtocolError(
                _("a message of over 2 GiB is over the {limit} KiB limit").format(
                    limit=MAX_MESSAGE // 1024) if size == -1 else
                _("a message of {size} bytes is over the {limit} KiB limit").format(
                    size=size, limit=MAX_MESSAGE // 1024)))
            return
        if len(conn.buf) >= _HEADER.size + size:
            self._hand_on(sel, pending, conn, bytes(conn.buf[_HEADER.size:_HEADER.size + size]))

    def _forget(self, sel: selectors.BaseSelector, pending: dict, conn: _Pending) -> None:
        sel.unregister(conn.sock)
        del pending[conn.sock]

    def _hand_on(self, sel: selectors.BaseSelector, pending: dict, conn: _Pending,
                 request: bytes | ProtocolError) -> None:
        """The request is complete (or hopeless): a worker answers it and closes it."""
        self._forget(sel, pending, conn)
        assert self._workers is not None
        with self._lock:
            self._busy += 1
        try:
            self._workers.submit(self._answer, conn.sock, request)
        except RuntimeError:  # stopping: the pool takes no more work
            self._done_with(conn.sock)

    # ---- worker threads (POSIX) -----------------------------------------------------------
    def _answer(self, sock: socket.socket, request: bytes | ProtocolError) -> None:
        """Worker thread: run the handler, send the reply (bounded), close the connection."""
        try:
            reply = self._reply(request)
            try:
                data = frame(reply)
            except (TypeError, ValueError) as e:  # a result JSON cannot hold
                data = frame({"ok": False,
                              "error": _("could not encode the answer: {error}").format(error=e)})
            sock.setblocking(True)
            sock.settimeout(WRITE_TIMEOUT_S)
            sock.sendall(data)
        except OSError:  # the client left or does not read: nothing more to do
            pass
        except Exception:
            log.exception("control request failed")
        finally:
            self._done_with(sock)

    def _reply(self, request: bytes | ProtocolError) -> dict[str, Any]:
        """The reply object for one request (worker or connection thread)."""
        try:
            if isinstance(request, ProtocolError):
                raise request
            message = decode(request)
        except ProtocolError as e:
            log.warning("rejected a malformed control message: %s", e)
            return {"ok": False, "error": _("malformed message: {error}").format(error=e)}
        if self._stopping.is_set():
            return {"ok": False, "error": _("movebreak is stopping")}
        try:
            return {"ok": True, "result": self._handler(message)}
        except Exception as e:  # the handler's message is the user's error text
            return {"ok": False, "error": str(e) or type(e).__name__}

    def _done_with(self, sock: socket.socket) -> None:
        sock.close()
        with self._lock:
            self._busy -= 1
            paused = self._accept_paused
        if paused:
            self._wake()

    def _wake(self) -> None:
        """Make the IPC thread look at its state again (any thread)."""
        with self._lock, contextlib.suppress(OSError):  # a full buffer is awake enough
            if self._wake_w is not None:
                self._wake_w.send(b"x")

    # ---- Windows: named pipe ----------------------------------------------------------------
    def _serve_pipe(self) -> None:
        """IPC thread (Windows): accept; each connection gets its own bounded thread."""
        assert self._listener is not None and self._slots is not None
        while not self._stopping.is_set():
            self._slots.acquire()
            try:
                conn = self._listener.accept()
            except OSError:
                self._slots.release()
                if self._stopping.is_set():
                    return
                log.exception("IPC accept failed")
                time.sleep(0.1)
                continue
            if self._stopping.is_set():
                conn.close()
                self._slots.release()
                return
            threading.Thread(target=self._answer_pipe, args=(conn,), daemon=True,
                             name="movebreak-ipc-conn").start()

    def _answer_pipe(self, conn) -> None:
        """Connection thread (Windows): read with the deadline, answer, close."""
        assert self._slots is not None
        try:
            with conn:
                if not conn.poll(READ_TIMEOUT_S):
                    return
                try:
                    request: bytes | ProtocolError = conn.recv_bytes(MAX_MESSAGE)
                except OSError as e:  # over the size limit
                    request = ProtocolError(str(e))
                conn.send_bytes(encode(self._reply(request)))
        except (OSError, EOFError):
            pass
        finally:
            self._slots.release()

    def _stop_pipe(self) -> None:
        assert self._listener is not None
        if threading.current_thread() is not self._thread:
            try:  # wake the blocking accept()
                _Client(self.address, family=FAMILY).close()
            except OSError:
                pass
            self._thread.join(timeout=2)
        self._listener.close()


def _remove_socket(path: str, inode: int) -> None:
    """Unlink our socket file, not a successor's (any thread; also at interpreter exit)."""
    with contextlib.suppress(OSError):
        if os.stat(path).st_ino == inode:
            os.unlink(path)


def _listen_private(path: str) -> socket.socket:
    """A listening, non-blocking Unix socket at `path` that never exists with modes looser
    than 0600: bound under a temporary name, chmod-ed, then renamed over any stale socket
    (we hold the instance lock, so a socket left there is a dead instance's)."""
    tmp = f"{path}.new"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(tmp)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        sock.listen(BACKLOG)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return sock


# ---------------------------------------------------------------------- client
def request(runtime_dir: Path, cmd: str, timeout: float = 10.0, **args: Any) -> Any:
    """Send one command to the running instance and return its result (CLI side).

    Raises NotRunning when nothing answers, RuntimeError with the app's text for a refused
    command.
    """
    addr = address(runtime_dir)
    if not IS_WINDOWS and not os.path.exists(addr):
        raise NotRunning(_(_NOT_RUNNING))
    try:
        conn = _Client(addr, family=FAMILY)
    except (FileNotFoundError, ConnectionRefusedError, OSError):
        raise NotRunning(_(_NOT_RUNNING)) from None
    with conn:
        with contextlib.suppress(OSError):  # a refusing server hangs up; its reply still waits
            conn.send_bytes(encode({"cmd": cmd, "args": args}))
        try:
            if not conn.poll(timeout):
                raise NotRunning(_("the running instance did not answer within {seconds} s")
                                 .format(seconds=f"{timeout:.0f}"))
            reply = json.loads(conn.recv_bytes(MAX_MESSAGE * 16).decode("utf-8"))
        except (EOFError, OSError) as e:
            raise NotRunning(_("the running instance closed the connection ({error})").format(
                error=e) if str(e) else _("the running instance closed the connection")) \
                from None
    if not reply.get("ok"):
        raise RuntimeError(reply.get("error") or _("unknown error"))
    return reply.get("result")
