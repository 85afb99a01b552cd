"""A few X11 requests through libxcb (ctypes): the screen saver's idle counter, the owner of
a selection, atoms and window properties (the focused window's full-screen state, the
XSETTINGS of adapters/xsettings.py). Why not python-xlib: GTK already has libX11/libxcb in the
process, and python-xlib's `Display` imports and initialises a module per server extension
(about 2.7 MiB of memory for an idle counter); why not libX11: its I/O error handler ends the
process when the server goes away, while xcb just marks the connection as broken.

`XcbConnection(display)` is one connection; not thread-safe (callers hold their own lock).
Raises `XcbError` when the library is missing or the display cannot be opened; a request on a
broken connection raises `XcbError` too, and `broken` then says so (close it, open a new one).
Linux and other X11 systems; importing this module never loads the library (macOS and Windows
import it safely).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import struct
from typing import Any

__all__ = ["XcbConnection", "XcbError"]

_SCREENSAVER = b"MIT-SCREEN-SAVER"
_SS_QUERY_INFO = 1  # ScreenSaverQueryInfo, minor opcode
_REQUEST_CHECKED = 1  # XCB_REQUEST_CHECKED


class XcbError(Exception):
    """The X connection could not be made or a request failed."""


class _Iovec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


class _ProtocolRequest(ctypes.Structure):  # xcb_protocol_request_t
    _fields_ = [("count", ctypes.c_size_t), ("ext", ctypes.c_void_p),
                ("opcode", ctypes.c_uint8), ("isvoid", ctypes.c_uint8)]


class _ScreenIterator(ctypes.Structure):  # xcb_screen_iterator_t
    _fields_ = [("data", ctypes.c_void_p), ("rem", ctypes.c_int), ("index", ctypes.c_int)]


class _Cookie(ctypes.Structure):  # every xcb_*_cookie_t
    _fields_ = [("sequence", ctypes.c_uint)]


_lib: Any = None
_libc: Any = None


def _load() -> Any:
    """libxcb with the prototypes used here (loaded once, on first use)."""
    global _lib, _libc
    if _lib is not None:
        return _lib
    name = ctypes.util.find_library("xcb") or "libxcb.so.1"
    try:
        lib = ctypes.CDLL(name)
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError as e:
        raise XcbError(f"libxcb is not available ({e})") from e
    p, u8, u16, u32 = ctypes.c_void_p, ctypes.c_uint8, ctypes.c_uint16, ctypes.c_uint32
    perr = ctypes.POINTER(ctypes.c_void_p)
    for fname, res, args in (
        ("xcb_connect", p, [ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]),
        ("xcb_connection_has_error", ctypes.c_int, [p]),
        ("xcb_disconnect", None, [p]),
        ("xcb_get_setup", p, [p]),
        ("xcb_setup_roots_iterator", _ScreenIterator, [p]),
        ("xcb_screen_next", None, [ctypes.POINTER(_ScreenIterator)]),
        ("xcb_query_extension", _Cookie, [p, u16, ctypes.c_char_p]),
        ("xcb_query_extension_reply", p, [p, _Cookie, perr]),
        ("xcb_intern_atom", _Cookie, [p, u8, u16, ctypes.c_char_p]),
        ("xcb_intern_atom_reply", p, [p, _Cookie, perr]),
        ("xcb_get_selection_owner", _Cookie, [p, u32]),
        ("xcb_get_selection_owner_reply", p, [p, _Cookie, perr]),
        ("xcb_get_property", _Cookie, [p, u8, u32, u32, u32, u32, u32]),
        ("xcb_get_property_reply", p, [p, _Cookie, perr]),
        ("xcb_send_request", ctypes.c_uint, [p, ctypes.c_int, ctypes.POINTER(_Iovec),
                                             ctypes.POINTER(_ProtocolRequest)]),
        ("xcb_wait_for_reply", p, [p, ctypes.c_uint, perr]),
        ("xcb_generate_id", u32, [p]),
        ("xcb_get_file_descriptor", ctypes.c_int, [p]),
        ("xcb_poll_for_event", p, [p]),
        ("xcb_flush", ctypes.c_int, [p]),
    ):
        fn = getattr(lib, fname)
        fn.restype, fn.argtypes = res, args
    libc.free.restype, libc.free.argtypes = None, [ctypes.c_void_p]
    _lib, _libc = lib, libc
    return lib


class XcbConnection:
    """One connection to `display` (None: $DISPLAY) and its default screen."""

    def __init__(self, display: str | None = None) -> None:
        lib = _load()
        screen = ctypes.c_int(0)
        conn = lib.xcb_connect(display.encode() if display else None, ctypes.byref(screen))
        if not conn or lib.xcb_connection_has_error(conn):
            lib.xcb_disconnect(conn)  # a no-op for xcb's static error connection
            raise XcbError(f"cannot open X display {display or '$DISPLAY'}")
        self._lib, self._conn = lib, conn
        self.screen = screen.value
        it = lib.xcb_setup_roots_iterator(lib.xcb_get_setup(conn))
        for _ in range(self.screen):
            lib.xcb_screen_next(ctypes.byref(it))
        if not it.data:
            self.close()
            raise XcbError(f"X display {display} has no screen {self.screen}")
        self.root = ctypes.c_uint32.from_address(it.data).value  # xcb_screen_t.root
        self._saver_opcode: int | None = None

    @property
    def broken(self) -> bool:
        """Whether the connection failed (server gone, protocol error); closed counts too."""
        return self._conn is None or bool(self._lib.xcb_connection_has_error(self._conn))

    def _reply(self, fetch: Any, cookie: Any, size: int | None, what: str) -> bytes:
        """`size` bytes of the reply `fetch(conn, cookie, &error)` gives (None: the whole
        reply, 32 bytes plus its length field in 4-byte units); both freed here."""
        error = ctypes.c_void_p()
        ptr = fetch(self._live(), cookie, ctypes.byref(error))
        if error.value:
            code = ctypes.string_at(error.value, 2)[1]  # xcb_generic_error_t.error_code
            _libc.free(error.value)
            raise XcbError(f"{what}: X error {code}")
        if not ptr:
            raise XcbError(f"{what}: no reply" + (" (connection broken)" if self.broken else ""))
        try:
            if size is None:
                size = 32 + 4 * struct.unpack_from("=I", ctypes.string_at(ptr, 8), 4)[0]
            return ctypes.string_at(ptr, size)
        finally:
            _libc.free(ptr)

    def _live(self) -> Any:
        if self._conn is None:
            raise XcbError("the X connection is closed")
        return self._conn

    def extension_info(self, name: bytes) -> tuple[int, int] | None:
        """(major opcode, first event code) of extension `name`, or None if it is missing."""
        conn = self._live()
        cookie = self._lib.xcb_query_extension(conn, len(name), name)
        data = self._reply(self._lib.xcb_query_extension_reply, cookie, 12,
                           f"QueryExtension {name.decode()}")
        return (data[9], data[10]) if data[8] else None  # present, major_opcode, first_event

    def request(self, opcode: int, minor: int, payload: bytes, *, reply: int | None = None,
                what: str = "request") -> bytes | None:
        """Send extension request (`opcode`, `minor`) with `payload` (the bytes after the
        4-byte header, a multiple of 4). `reply`: bytes of the reply to return (0: the whole
        reply); None: a request without reply (an X error then arrives as an event)."""
        conn = self._live()
        # [major, minor, length (xcb fills it in), payload]; xcb writes byte 0 (the opcode
        # given below) and the length, and needs two spare iovecs before the first.
        size = 4 + len(payload)
        body = ctypes.create_string_buffer(struct.pack("=BBH", 0, minor, 0) + payload, size)
        vec = (_Iovec * 3)()
        vec[2].iov_base, vec[2].iov_len = ctypes.addressof(body), size
        first = ctypes.cast(ctypes.addressof(vec) + 2 * ctypes.sizeof(_Iovec),
                            ctypes.POINTER(_Iovec))
        req = _ProtocolRequest(count=1, ext=None, opcode=opcode, isvoid=int(reply is None))
        flags = _REQUEST_CHECKED if reply is not None else 0
        seq = self._lib.xcb_send_request(conn, flags, first, ctypes.byref(req))
        if not seq:
            raise XcbError(f"{what} could not be sent (connection broken)")
        if reply is None:
            return None
        return self._reply(self._lib.xcb_wait_for_reply, seq, reply or None, what)

    def idle_ms(self) -> int:
        """Milliseconds since the last keyboard or mouse input (MIT-SCREEN-SAVER QueryInfo)."""
        if self._saver_opcode is None:
            info = self.extension_info(_SCREENSAVER)
            if info is None:
                raise XcbError("the X server lacks the MIT-SCREEN-SAVER extension")
            self._saver_opcode = info[0]
        data = self.request(self._saver_opcode, _SS_QUERY_INFO, struct.pack("=I", self.root),
                            reply=32, what="ScreenSaverQueryInfo")
        assert data is not None
        return struct.unpack_from("=I", data, 16)[0]  # ms_since_user_input

    def generate_id(self) -> int:
        """A new resource id for this client (an alarm, a window)."""
        return int(self._lib.xcb_generate_id(self._live()))

    def fileno(self) -> int:
        """The connection's socket, to wait on with select() for events."""
        return int(self._lib.xcb_get_file_descriptor(self._live()))

    def flush(self) -> None:
        """Send what is queued; raises XcbError if the connection broke."""
        if self._lib.xcb_flush(self._live()) <= 0:
            raise XcbError("flush failed (connection broken)")

    def poll_event(self) -> bytes | None:
        """The next queued event (32 bytes; byte 0 is its code, 0 = an X error), or None.
        Raises XcbError when the connection broke."""
        ptr = self._lib.xcb_poll_for_event(self._live())
        if not ptr:
            if self.broken:
                raise XcbError("the X connection broke")
            return None
        try:
            return ctypes.string_at(ptr, 32)
        finally:
            _libc.free(ptr)

    def atom(self, name: str) -> int:
        """The atom called `name`, or 0 if no client ever created it (only-if-exists: asking
        never creates one)."""
        conn = self._live()
        raw = name.encode()
        data = self._reply(self._lib.xcb_intern_atom_reply,
                           self._lib.xcb_intern_atom(conn, 1, len(raw), raw), 12,
                           f"InternAtom {name}")
        return struct.unpack_from("=I", data, 8)[0]

    def property_values(self, window: int, prop: int, max_values: int = 64) -> list[int]:
        """The 32-bit values of a window property (e.g. WINDOW or ATOM lists); [] when the
        window does not have it. Raises XcbError for a window that does not exist."""
        data = self._reply(self._lib.xcb_get_property_reply,
                           self._lib.xcb_get_property(self._live(), 0, window, prop, 0, 0,
                                                      max_values), None,
                           f"GetProperty {prop} of window {window:#x}")
        fmt, value_len = data[1], struct.unpack_from("=I", data, 16)[0]
        if fmt != 32 or not value_len:
            return []
        return list(struct.unpack_from(f"={value_len}I", data, 32))

    def selection_owner(self, selection: str) -> int:
        """The window owning selection `selection` (0: none), e.g. "_NET_SYSTEM_TRAY_S0"."""
        conn = self._live()
        atom = self.atom(selection)
        if not atom:
            return 0  # only_if_exists: an atom nobody created has no owner
        data = self._reply(self._lib.xcb_get_selection_owner_reply,
                           self._lib.xcb_get_selection_owner(conn, atom), 12,
                           f"GetSelectionOwner {selection}")
        return struct.unpack_from("=I", data, 8)[0]

    def property_bytes(self, window: int, name: str, max_bytes: int = 1 << 16) -> bytes:
        """The bytes of an 8-bit window property called `name` (e.g. the XSETTINGS manager's
        _XSETTINGS_SETTINGS); b"" when the window or the atom does not have it."""
        atom = self.atom(name)
        if not atom:
            return b""
        data = self._reply(self._lib.xcb_get_property_reply,
                           self._lib.xcb_get_property(self._live(), 0, window, atom, 0, 0,
                                                      max_bytes // 4), None,
                           f"GetProperty {name} of window {window:#x}")
        fmt, value_len = data[1], struct.unpack_from("=I", data, 16)[0]
        return data[32:32 + value_len] if fmt == 8 else b""

    def close(self) -> None:
        """Disconnect (idempotent); closes the socket even when the connection broke."""
        conn, self._conn = self._conn, None
        if conn is not None:
            self._lib.xcb_disconnect(conn)
