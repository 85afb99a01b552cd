"""X11: the MIT-SCREEN-SAVER extension's idle counter (ms since the last input), through libxcb
(`adapters/xcb.py`: the X library GTK already loaded, not a second one in Python)."""

from __future__ import annotations

import os
import threading

from .null import IdleUnavailable


class X11Idle:
    """One X connection kept open; if it breaks, one reconnect per call, else None.

    Called from the driver thread (and `doctor`); a lock serialises calls.
    """

    name = "x11"

    def __init__(self, display: str | None = None):
        self.display_name = display or os.environ.get("DISPLAY", "")
        if not self.display_name:
            raise IdleUnavailable("DISPLAY is not set")
        from movebreak.adapters.xcb import XcbConnection, XcbError
        self._connection_class, self._error = XcbConnection, XcbError
        self._lock = threading.Lock()
        self._conn: XcbConnection | None = None
        try:
            self._conn = self._connect()
            self._conn.idle_ms()
        except XcbError as e:
            self.close()
            raise IdleUnavailable(f"X display {self.display_name}: {e}") from e

    def _connect(self):
        return self._connection_class(self.display_name)

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def idle_seconds(self) -> float | None:
        """Seconds since the last keyboard/mouse input, or None if the X server has gone."""
        with self._lock:
            for _attempt in range(2):
                if self._conn is None:
                    try:
                        self._conn = self._connect()
                    except self._error:
                        return None
                try:
                    return self._conn.idle_ms() / 1000.0
                except self._error:
                    self._drop()  # broken connection: try once more with a new one
            return None

    def close(self) -> None:
        """Close the X connection."""
        with self._lock:
            self._drop()
