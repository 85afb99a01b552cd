"""Full screen: whether the focused window fills the screen (a presentation, a video, a call).

Rules:
- X11 (any EWMH window manager: GNOME on Xorg, Xfce, KDE on X11, i3, Openbox...): the window
  in the root's `_NET_ACTIVE_WINDOW` has `_NET_WM_STATE_FULLSCREEN` in its `_NET_WM_STATE`.
  Read through libxcb (adapters/xcb.py), two round trips, nothing loaded that GTK has not.
- X11 has no cheap change signal for "the focused window's state", so this source is polled:
  by the owner at its tick (at most every 30 s, and at every due time, so a reminder is never
  shown over a full-screen window), never on a heartbeat of its own.
- sway (and i3 on X11 alike, though EWMH covers i3): its IPC socket (`SWAYSOCK`), GET_TREE,
  the focused window's `fullscreen_mode`. Polled the same way; one short-lived connection
  per poll (sway closes idle clients' sockets on reload).
- Other Wayland compositors keep other programs' windows private: on GNOME (and any Wayland
  session without sway) there is no way to know; `why` says so and do not disturb covers
  meetings and presentations there. Under Wayland, X11's view (XWayland) only shows X
  clients, so it is not used.
- No window manager (a bare X server) or no active window: not full screen.
- Threads: built, polled and closed on the owner only.
"""

from __future__ import annotations

import os
import sys
import threading

from movebreak.adapters.xcb import XcbError
from movebreak.core.l10n import _

_I3_MAGIC = b"i3-ipc"
_GET_TREE = 4


class FullscreenUnavailable(Exception):
    """No full-screen source here; the message says why (for `doctor`)."""


class X11Fullscreen:
    """Polled X11 full-screen source (reason "fullscreen")."""

    name = "x11"
    reasons = ("fullscreen",)

    def __init__(self, display: str | None = None) -> None:
        self.display_name = display or os.environ.get("DISPLAY", "")
        if not self.display_name:
            raise FullscreenUnavailable(_("DISPLAY is not set"))
        from movebreak.adapters.xcb import XcbConnection
        self._connection_class = XcbConnection
        self._lock = threading.Lock()  # `doctor` may call from another thread
        self._conn = None
        self._atoms: dict[str, int] = {}
        try:
            self._conn = XcbConnection(self.display_name)
        except XcbError as e:
            raise FullscreenUnavailable(_("X display {display}: {error}").format(
                display=self.display_name, error=e)) from e

    def describe(self) -> str:
        return f"x11 (_NET_WM_STATE_FULLSCREEN of _NET_ACTIVE_WINDOW on {self.display_name})"

    def _atom(self, name: str) -> int:
        atom = self._atoms.get(name, 0)
        if not atom:  # 0 is not cached: a window manager may create it later
            atom = self._conn.atom(name)
            if atom:
                self._atoms[name] = atom
        return atom

    def fullscreen(self) -> bool | None:
        """Whether the focused window is full screen; None if the X server cannot be asked."""
        with self._lock:
            for _attempt in range(2):
                try:
                    if self._conn is None:
                        self._conn = self._connection_class(self.display_name)
                    return self._ask()
                except XcbError:
                    if self._conn is not None and not self._conn.broken:
                        return False  # e.g. the active window closed meanwhile (BadWindow)
                    self._drop()
            return None

    def _ask(self) -> bool:
        active_atom = self._atom("_NET_ACTIVE_WINDOW")
        full = self._atom("_NET_WM_STATE_FULLSCREEN")
        state = self._atom("_NET_WM_STATE")
        if not (active_atom and full and state):
            return False  # no EWMH window manager has ever run here
        active = self._conn.property_values(self._conn.root, active_atom, 1)
        if not active or not active[0]:
            return False
        return full in self._conn.property_values(active[0], state)

    def poll(self) -> dict[str, bool]:
        """Owner, at its tick: {"fullscreen": state} ({} when the X server cannot be asked)."""
        on = self.fullscreen()
        return {} if on is None else {"fullscreen": on}

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def close(self) -> None:
        with self._lock:
            self._drop()


class SwayFullscreen:
    """Polled sway full-screen source through its IPC socket (reason "fullscreen")."""

    name = "sway"
    reasons = ("fullscreen",)
    timeout_s = 1.0

    def __init__(self, socket_path: str | None = None) -> None:
        self.socket_path = socket_path or os.environ.get("SWAYSOCK", "")
        if not self.socket_path:
            raise FullscreenUnavailable(_("SWAYSOCK is not set"))
        if self.fullscreen() is None:
            raise FullscreenUnavailable(_("sway's IPC socket {path} does not answer").format(
                path=self.socket_path))

    def describe(self) -> str:
        return f"sway (fullscreen_mode of the focused window, IPC {self.socket_path})"

    def _tree(self) -> dict:
        import json
        import socket
        import struct
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(self.timeout_s)
            sock.connect(self.socket_path)
            sock.sendall(_I3_MAGIC + struct.pack("=II", 0, _GET_TREE))
            head = _recv_exactly(sock, 14)
            if head[:6] != _I3_MAGIC:
                raise OSError("not an i3/sway IPC reply")
            size, kind = struct.unpack("=II", head[6:])
            if kind != _GET_TREE:
                raise OSError(f"unexpected IPC reply type {kind}")
            return json.loads(_recv_exactly(sock, size))

    def fullscreen(self) -> bool | None:
        """Whether the focused window is full screen; None if sway cannot be asked."""
        try:
            tree = self._tree()
        except (OSError, ValueError):
            return None
        node = _focused(tree)
        # Only a window counts (sway marks an empty focused workspace fullscreen_mode 1).
        return bool(node and node.get("type") in ("con", "floating_con")
                    and node.get("fullscreen_mode", 0))

    def poll(self) -> dict[str, bool]:
        """Owner, at its tick: {"fullscreen": state} ({} when sway cannot be asked)."""
        on = self.fullscreen()
        return {} if on is None else {"fullscreen": on}

    def close(self) -> None:
        """Nothing held between polls."""


def _recv_exactly(sock, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise OSError("sway closed the IPC connection")
        data += chunk
    return data


def _focused(node: dict) -> dict | None:
    """The focused node of a sway/i3 tree (depth first through tiling and floating nodes)."""
    if node.get("focused"):
        return node
    for child in (*node.get("nodes", ()), *node.get("floating_nodes", ())):
        found = _focused(child)
        if found is not None:
            return found
    return None


def wayland_session() -> bool:
    return os.environ.get("XDG_SESSION_TYPE", "").lower() == "wayland" \
        or bool(os.environ.get("WAYLAND_DISPLAY"))


def choose_fullscreen() -> X11Fullscreen | SwayFullscreen:
    """The full-screen source for this session; FullscreenUnavailable says why there is none."""
    if sys.platform in ("darwin", "win32"):
        raise FullscreenUnavailable(_("not available on {platform}").format(
            platform=sys.platform))
    if os.environ.get("SWAYSOCK"):
        return SwayFullscreen()
    if wayland_session():
        desktop = os.environ.get("XDG_CURRENT_DESKTOP", "") or _("this desktop")
        # TRANSLATORS: {desktop} is the desktop's name, e.g. GNOME.
        raise FullscreenUnavailable(_(
            "Wayland ({desktop}) does not tell other programs which window is full screen; "
            "turn on do not disturb for meetings and presentations").format(desktop=desktop))
    return X11Fullscreen()
