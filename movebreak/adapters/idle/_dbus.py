"""Shared code for idle sources that ask a session-bus service for an idle time in ms."""

from __future__ import annotations

import threading
from typing import Any

from .null import IdleUnavailable


class DBusIdle:
    """One jeepney connection kept open; reconnects once per call if it broke.

    Subclasses set name, bus_name, object_path, interface and method. Called from the driver
    thread (and `doctor`); a lock serialises calls.
    """

    name = "dbus"
    bus_name = ""
    object_path = ""
    interface = ""
    method = ""
    timeout_s = 1.0

    def __init__(self) -> None:
        try:
            from jeepney import DBusAddress, MessageFlag, new_method_call
            from jeepney.bus_messages import message_bus
            from jeepney.io.blocking import open_dbus_connection
        except ImportError as e:
            raise IdleUnavailable(f"jeepney is not installed ({e})") from e
        self._open = open_dbus_connection
        self._message_bus = message_bus
        self._new_call = new_method_call
        self._no_auto_start = MessageFlag.no_auto_start
        self._addr = DBusAddress(self.object_path, bus_name=self.bus_name,
                                 interface=self.interface)
        self._lock = threading.Lock()
        self._conn: Any = None
        try:
            self._conn = self._open(bus="SESSION")
            if not self._has_owner():
                raise IdleUnavailable(f"{self.bus_name} is not on the session bus")
            self._query()
        except IdleUnavailable:
            self.close()
            raise
        except KeyError as e:
            self.close()
            raise IdleUnavailable(f"no session bus ({e} is not set)") from e
        except Exception as e:  # OSError, jeepney errors, error replies
            self.close()
            raise IdleUnavailable(f"{self.bus_name}.{self.method} failed: {e}") from e

    def _has_owner(self) -> bool:
        from jeepney.wrappers import unwrap_msg
        reply = self._conn.send_and_get_reply(self._message_bus.NameHasOwner(self.bus_name),
                                              timeout=self.timeout_s)
        return bool(unwrap_msg(reply)[0])

    def _query(self) -> float:
        from jeepney.wrappers import unwrap_msg
        msg = self._new_call(self._addr, self.method)
        msg.header.flags |= self._no_auto_start
        reply = self._conn.send_and_get_reply(msg, timeout=self.timeout_s)
        return float(unwrap_msg(reply)[0]) / 1000.0

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except OSError:
                pass

    def idle_seconds(self) -> float | None:
        """Seconds since the last input, or None if the service or the bus has gone."""
        from jeepney import DBusErrorResponse
        with self._lock:
            for _attempt in range(2):
                if self._conn is None:
                    try:
                        self._conn = self._open(bus="SESSION")
                    except Exception:  # noqa: BLE001 - no bus or auth failure: unknown idle
                        return None
                try:
                    return self._query()
                except DBusErrorResponse:
                    return None  # the bus works but the service does not answer (gone)
                except Exception:  # noqa: BLE001 - socket or protocol error: reconnect
                    self._drop()  # broken connection: try once more with a new one
            return None

    def close(self) -> None:
        """Close the bus connection."""
        with self._lock:
            self._drop()
