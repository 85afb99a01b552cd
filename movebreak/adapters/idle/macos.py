"""macOS: CoreGraphics CGEventSourceSecondsSinceLastEventType via ctypes (no PyObjC needed)."""

from __future__ import annotations

import math
import sys
import threading

from .null import IdleUnavailable

COMBINED_SESSION_STATE = 0  # kCGEventSourceStateCombinedSessionState
ANY_INPUT_EVENT = 0xFFFFFFFF  # kCGAnyInputEventType

_LIBRARIES = (
    "/System/Library/Frameworks/CoreGraphics.framework/CoreGraphics",
    "/System/Library/Frameworks/ApplicationServices.framework/ApplicationServices",
)


class MacIdle:
    """Seconds since any input event in the login session; called from the driver thread."""

    name = "macos"

    def __init__(self) -> None:
        if sys.platform != "darwin":
            raise IdleUnavailable("CoreGraphics idle time needs macOS")
        import ctypes

        fn = None
        errors = []
        for path in _LIBRARIES:
            try:
                fn = ctypes.CDLL(path).CGEventSourceSecondsSinceLastEventType
                break
            except (OSError, AttributeError) as e:
                errors.append(str(e))
        if fn is None:
            raise IdleUnavailable(f"CoreGraphics not loadable: {'; '.join(errors)}")
        fn.argtypes = [ctypes.c_int32, ctypes.c_uint32]
        fn.restype = ctypes.c_double
        self._fn = fn
        self._lock = threading.Lock()

    def idle_seconds(self) -> float | None:
        with self._lock:
            if self._fn is None:
                return None
            value = self._fn(COMBINED_SESSION_STATE, ANY_INPUT_EVENT)
        return value if math.isfinite(value) and value >= 0 else None

    def close(self) -> None:
        self._fn = None
