"""Noticing the user's return at once: a one-shot "tell me at the next input" per platform.

While the user is away the app does not poll the idle time every second (that would wake the
process all lunch long); it arms a return watch and ticks when it fires, so coming back is
seen within a moment of the first key press or mouse move.
- X11: the SYNC extension's IDLETIME system counter, with an alarm that fires when the
  counter falls below 1 s (a negative transition: input resets it to 0). One X connection and
  one thread ("movebreak-return") blocked in select(); no wakeups while it waits.
- GNOME (X11 and Wayland): Mutter's IdleMonitor `AddUserActiveWatch`, whose `WatchFired`
  signal arrives on the hold sources' D-Bus loop (adapters/holds/bus.py); no thread of its own.
- Elsewhere (KDE, macOS, Windows, no idle source) `make_return_watch` returns None and the
  app polls the idle time every `POLL_WHILE_AWAY_S` while away instead.

`arm(callback)` may be called from any thread (the app calls it on the owner when the user
goes away); `callback()` is called once, from the watch's thread, at the next input (or at
once if the user is already back). Arming again replaces the callback. `close()` ends it.
"""

from __future__ import annotations

import logging
import os
import select
import struct
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

#: Seconds between idle polls while away where no return watch exists.
POLL_WHILE_AWAY_S = 1.5

_SYNC = b"SYNC"
_SYNC_INITIALIZE, _SYNC_LIST_COUNTERS, _SYNC_QUERY_COUNTER = 0, 1, 5
_SYNC_CREATE_ALARM, _SYNC_DESTROY_ALARM = 8, 11
_ALARM_NOTIFY = 1  # event offset from the extension's first event
_CA_COUNTER, _CA_VALUE_TYPE, _CA_VALUE, _CA_TEST_TYPE, _CA_DELTA, _CA_EVENTS = (
    1, 2, 4, 8, 16, 32)
_ABSOLUTE, _NEGATIVE_TRANSITION = 0, 1
#: The alarm fires when the idle counter drops below this (ms): input resets it to 0.
BACK_BELOW_MS = 1000


class ReturnWatch:
    """What the app needs from a return watch (see the module text)."""

    name: str

    def arm(self, callback: Callable[[], None]) -> None: ...

    def close(self) -> None: ...


class XSyncReturnWatch(ReturnWatch):
    """X11 SYNC IDLETIME alarm (see the module text). Raises XcbError if the display or the
    extension is missing. Thread: "movebreak-return" owns the connection after start."""

    name = "x11-sync"

    def __init__(self, display: str | None = None, back_below_ms: int = BACK_BELOW_MS):
        from movebreak.adapters.xcb import XcbConnection, XcbError
        self.back_below_ms = back_below_ms
        self._error = XcbError
        self._conn = XcbConnection(display or os.environ.get("DISPLAY") or None)
        try:
            info = self._conn.extension_info(_SYNC)
            if info is None:
                raise XcbError("the X server lacks the SYNC extension")
            self._opcode, first_event = info
            self._alarm_event = first_event + _ALARM_NOTIFY
            self._conn.request(self._opcode, _SYNC_INITIALIZE, struct.pack("=BBxx", 3, 1),
                               reply=32, what="SyncInitialize")
            self._counter = self._idle_counter()
        except XcbError:
            self._conn.close()
            raise
        self._lock = threading.Lock()
        self._callback: Callable[[], None] | None = None
        self._want_arm = False
        self._alarm = 0
        self._stop = False
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name="movebreak-return", daemon=True)
        self._thread.start()

    def _idle_counter(self) -> int:
        data = self._conn.request(self._opcode, _SYNC_LIST_COUNTERS, b"", reply=0,
                                  what="SyncListSystemCounters")
        assert data is not None
        count = struct.unpack_from("=I", data, 8)[0]
        pos = 32
        for _i in range(count):
            counter, _hi, _lo, name_len = struct.unpack_from("=IiIH", data, pos)
            name = data[pos + 14:pos + 14 + name_len]
            if name == b"IDLETIME":
                return counter
            pos += (14 + name_len + 3) & ~3
        raise self._error("the X server's SYNC extension has no IDLETIME counter")

    # ---- any thread ------------------------------------------------------------------
    def arm(self, callback: Callable[[], None]) -> None:
        with self._lock:
            self._callback, self._want_arm = callback, True
        self._poke()

    def close(self) -> None:
        self._stop = True
        self._poke()
        self._thread.join(2)
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass

    def _poke(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            pass

    # ---- the watch's thread ----------------------------------------------------------
    def _run(self) -> None:
        try:
            fd = self._conn.fileno()
            while not self._stop:
                ready, _w, _x = select.select([fd, self._wake_r], [], [])
                if self._wake_r in ready:
                    os.read(self._wake_r, 64)
                    if self._stop:
                        break
                    self._maybe_arm()
                self._drain()
        except (self._error, OSError, ValueError) as e:
            log.info("return watch stopped: %s", e)
            self._fire()  # the app then falls back to polling at its ticks
        finally:
            self._conn.close()

    def _maybe_arm(self) -> None:
        with self._lock:
            want, self._want_arm = self._want_arm, False
        if not want:
            return
        if not self._alarm:
            self._alarm = self._conn.generate_id()
            mask = _CA_COUNTER | _CA_VALUE_TYPE | _CA_VALUE | _CA_TEST_TYPE | _CA_DELTA \
                | _CA_EVENTS
            self._conn.request(self._opcode, _SYNC_CREATE_ALARM, struct.pack(
                "=IIIIiIIiII", self._alarm, mask, self._counter, _ABSOLUTE, 0, self.back_below_ms,
                _NEGATIVE_TRANSITION, 0, 0, 1), what="SyncCreateAlarm")
        self._conn.flush()
        # Back already (between the app's tick and now)? Then the transition has happened.
        data = self._conn.request(self._opcode, _SYNC_QUERY_COUNTER,
                                  struct.pack("=I", self._counter), reply=16,
                                  what="SyncQueryCounter")
        assert data is not None
        hi, lo = struct.unpack_from("=iI", data, 8)
        if (hi << 32) + lo < self.back_below_ms:
            self._fire()

    def _drain(self) -> None:
        while True:
            event = self._conn.poll_event()
            if event is None:
                return
            code = event[0] & 0x7F
            if code == self._alarm_event and struct.unpack_from("=I", event, 4)[0] == self._alarm:
                self._fire()
            elif code == 0:
                log.debug("X error %d in the return watch", event[1])

    def _fire(self) -> None:
        """Call the armed callback once and drop the alarm (it would fire at every input)."""
        if self._alarm and not self._conn.broken:
            try:
                self._conn.request(self._opcode, _SYNC_DESTROY_ALARM,
                                   struct.pack("=I", self._alarm), what="SyncDestroyAlarm")
                self._conn.flush()
            except self._error:
                pass
        self._alarm = 0
        with self._lock:
            callback, self._callback = self._callback, None
        if callback is not None:
            try:
                callback()
            except Exception:  # the app's submit: never let it end the thread
                log.exception("return watch callback failed")


class MutterReturnWatch(ReturnWatch):
    """GNOME: org.gnome.Mutter.IdleMonitor AddUserActiveWatch on the hold sources' bus loop.
    The watch is one-shot on Mutter's side too."""

    name = "gnome"
    DEST = "org.gnome.Mutter.IdleMonitor"
    PATH = "/org/gnome/Mutter/IdleMonitor/Core"
    IFACE = "org.gnome.Mutter.IdleMonitor"

    def __init__(self, bus: Any):
        self._bus = bus
        self._lock = threading.Lock()
        self._callback: Callable[[], None] | None = None
        self._watch_id: int | None = None
        ok = bus.run(bus.watch("session", f"type='signal',interface='{self.IFACE}',"
                                          f"member='WatchFired',path='{self.PATH}'",
                               self._on_signal))
        if not ok:
            raise ConnectionError(bus.errors.get("session", "no session bus"))

    def arm(self, callback: Callable[[], None]) -> None:
        with self._lock:
            self._callback = callback
        self._bus.spawn(self._add())

    async def _add(self) -> None:
        try:
            (watch_id,) = await self._bus.call("session", self.DEST, self.PATH, self.IFACE,
                                               "AddUserActiveWatch")
        except Exception as e:  # noqa: BLE001 - Mutter gone: the app's ticks still poll
            log.info("AddUserActiveWatch failed: %s", e)
            self._fire()
            return
        with self._lock:
            self._watch_id = int(watch_id)

    def _on_signal(self, msg: Any) -> None:
        if msg.member != "WatchFired" or msg.path != self.PATH:
            return
        with self._lock:
            mine = msg.body and int(msg.body[0]) == self._watch_id
        if mine:
            self._fire()

    def _fire(self) -> None:
        with self._lock:
            callback, self._callback, self._watch_id = self._callback, None, None
        if callback is not None:
            callback()

    def close(self) -> None:
        self._bus.unwatch("session", self._on_signal)


def make_return_watch(idle_name: str, bus: Any = None) -> ReturnWatch | None:
    """The return watch that matches the chosen idle source ("x11", "gnome"), or None (the
    app then polls while away). `bus`: the hold sources' HoldBus (for GNOME). Owner, at
    start; never raises."""
    try:
        if idle_name == "x11":
            return XSyncReturnWatch()
        if idle_name == "gnome" and bus is not None:
            return MutterReturnWatch(bus)
    except Exception as e:  # noqa: BLE001 - no watch: polling while away still works
        log.info("no return watch for %s: %s", idle_name, e)
    return None
