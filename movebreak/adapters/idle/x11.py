"""X11: the MIT-SCREEN-SAVER extension's idle counter (ms since the last input), via python-xlib."""

from __future__ import annotations

import os
import threading
from typing import Any

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
        try:
            from Xlib import display as xdisplay
            from Xlib.ext import screensaver  # noqa: F401  (registers the request)
        except ImportError as e:
            raise IdleUnavailable(f"python-xlib is not installed ({e})") from e
        self._xdisplay = xdisplay
        self._lock = threading.Lock()
        self._d: Any = None
        try:
            self._d = self._connect()
            self._query()
        except IdleUnavailable:
            self.close()
            raise
        except Exception as e:
            self.close()
            raise IdleUnavailable(f"X display {self.display_name}: {e}") from e

    def _connect(self) -> Any:
        try:
            d = self._xdisplay.Display(self.display_name)
        except Exception as e:
            raise IdleUnavailable(f"cannot open X display {self.display_name}: {e}") from e
        if not d.has_extension("MIT-SCREEN-SAVER"):
            d.close()
            raise IdleUnavailable(f"X display {self.display_name} lacks MIT-SCREEN-SAVER")
        return d

    def _query(self) -> float:
        return self._d.screen().root.screensaver_query_info().idle / 1000.0

    def _drop(self) -> None:
        d, self._d = self._d, None
        if d is not None:
            try:
                d.close()
            except Exception:  # noqa: BLE001, S110 - server gone; the socket closes anyway
                pass

    def idle_seconds(self) -> float | None:
        """Seconds since the last keyboard/mouse input, or None if the X server has gone."""
        with self._lock:
            for _attempt in range(2):
                if self._d is None:
                    try:
                        self._d = self._connect()
                    except IdleUnavailable:
                        return None
                try:
                    return self._query()
                except Exception:  # noqa: BLE001 - python-xlib raises many kinds: reconnect
                    self._drop()
            return None

    def close(self) -> None:
        """Close the X connection."""
        with self._lock:
            self._drop()
