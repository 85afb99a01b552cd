"""Windows: GetLastInputInfo against the tick count, with wrap-safe 32-bit arithmetic."""

from __future__ import annotations

import ctypes
import sys
import threading

from .null import IdleUnavailable

TICK_MASK = 0xFFFFFFFF
HALF_RANGE = 0x80000000


def idle_ms_from_ticks(now_ticks: int, last_input_ticks: int) -> int:
    """Milliseconds between the last input and now, from millisecond tick counts.

    `last_input_ticks` is LASTINPUTINFO.dwTime, a 32-bit GetTickCount value that wraps every
    49.7 days; `now_ticks` may be the 64-bit GetTickCount64. Only the low 32 bits are compared,
    modulo 2**32, so a wrap between the two is harmless. A difference in the upper half of the
    range means the input arrived after `now_ticks` was read (a race between the two calls), so
    it counts as 0; idle times over 24.8 days therefore also read as 0.
    """
    diff = ((now_ticks & TICK_MASK) - (last_input_ticks & TICK_MASK)) & TICK_MASK
    return 0 if diff >= HALF_RANGE else diff


class _LastInputInfo(ctypes.Structure):
    _fields_ = [("cbSize", ctypes.c_uint32), ("dwTime", ctypes.c_uint32)]


class WindowsIdle:
    """Seconds since the last input in this session; called from the driver thread."""

    name = "windows"

    def __init__(self) -> None:
        if sys.platform != "win32":
            raise IdleUnavailable("GetLastInputInfo needs Windows")
        user32 = ctypes.WinDLL("user32")  # type: ignore[attr-defined]
        kernel32 = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined]
        self._get_last_input = user32.GetLastInputInfo
        self._get_last_input.argtypes = [ctypes.POINTER(_LastInputInfo)]
        self._get_last_input.restype = ctypes.c_int
        self._ticks = kernel32.GetTickCount64
        self._ticks.argtypes = []
        self._ticks.restype = ctypes.c_uint64
        self._lock = threading.Lock()
        self._closed = False

    def idle_seconds(self) -> float | None:
        with self._lock:
            if self._closed:
                return None
            info = _LastInputInfo(ctypes.sizeof(_LastInputInfo), 0)
            if not self._get_last_input(ctypes.byref(info)):
                return None
            now = self._ticks()
        return idle_ms_from_ticks(now, info.dwTime) / 1000.0

    def close(self) -> None:
        self._closed = True
