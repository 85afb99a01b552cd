"""The D-Bus side of the hold sources: one asyncio loop in a daemon thread ("movebreak-holds")
holding a dbus-fast connection to the session bus and one to the system bus, each opened on
first use.

Rules:
- Everything that touches a connection runs on the loop thread: sources schedule coroutines
  there (`run` from another thread, waiting at most its timeout; `spawn` without waiting) and
  their signal handlers are called there. Handlers must not block; they hand what they learn
  to the app (`report`), which submits it to the owner thread.
- A bus that cannot be reached is remembered as unavailable with the reason (`errors`), so
  `doctor` can say why; the caller gets None, never an exception from connecting.
- Calls never start a service by bus activation unless asked (`autostart=True`): asking a
  screen saver whether it is active must not start one.
- Linux (and other freedesktop systems) only; importing this module never imports dbus-fast.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from movebreak.core.l10n import _

log = logging.getLogger(__name__)

DBUS = "org.freedesktop.DBus"
DBUS_PATH = "/org/freedesktop/DBus"
PROPERTIES = "org.freedesktop.DBus.Properties"
CALL_TIMEOUT = 1.0  # seconds for one round trip
CONNECT_TIMEOUT = 2.0


class BusCallError(RuntimeError):
    """A D-Bus call came back as an error (`name` is the D-Bus error name)."""

    def __init__(self, name: str, text: str) -> None:
        super().__init__(f"{name}: {text}")
        self.name = name


class HoldBus:
    """One loop thread, up to two connections ("session", "system"). See the module docstring.

    `addresses` overrides where each bus is (tests point them at stand-in buses); by default
    dbus-fast finds them (DBUS_SESSION_BUS_ADDRESS, DBUS_SYSTEM_BUS_ADDRESS or the standard
    system socket).
    """

    def __init__(self, addresses: dict[str, str] | None = None) -> None:
        self._addresses = dict(addresses or {})
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._buses: dict[str, Any] = {}  # loop thread only
        self._handlers: dict[str, list[Callable[[Any], None]]] = {"session": [], "system": []}
        self.errors: dict[str, str] = {}  # bus -> why it is not available

    # ---- any thread --------------------------------------------------------------------
    def start(self) -> None:
        """Start the loop thread (idempotent)."""
        if self._loop is not None:
            return
        from movebreak.adapters.aio import start_loop_thread
        self._loop, self._thread = start_loop_thread("movebreak-holds")

    def run(self, coro: Coroutine, timeout: float = CONNECT_TIMEOUT + CALL_TIMEOUT) -> Any:
        """Run `coro` on the loop thread and wait for its result (not from the loop thread)."""
        loop = self._loop
        if loop is None or threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("HoldBus.run needs a started loop and another thread")
        fut = asyncio.run_coroutine_threadsafe(coro, loop)
        try:
            return fut.result(timeout)
        except concurrent.futures.TimeoutError:
            fut.cancel()
            raise TimeoutError(f"D-Bus did not answer within {timeout:g} s") from None

    def spawn(self, coro: Coroutine) -> None:
        """Schedule `coro` on the loop thread without waiting (its failure is logged)."""
        loop = self._loop
        if loop is None:
            coro.close()
            return
        fut = asyncio.run_coroutine_threadsafe(coro, loop)
        fut.add_done_callback(_log_failure)

    def stop(self) -> None:
        """Disconnect and end the loop thread."""
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is None:
            return

        async def close() -> None:
            for bus in self._buses.values():
                if bus is not None:
                    try:
                        bus.disconnect()
                    except Exception:  # noqa: BLE001 - best effort on the way out
                        pass
            self._buses.clear()

        try:
            asyncio.run_coroutine_threadsafe(close(), loop).result(2)
        except Exception:  # noqa: BLE001
            log.debug("hold bus shutdown incomplete", exc_info=True)
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(2)
            if not thread.is_alive():
                loop.close()

    # ---- loop thread -------------------------------------------------------------------
    async def bus(self, which: str) -> Any:
        """The connection to `which` ("session" or "system"), opened once; None if it cannot
        be reached (the reason goes to `errors`)."""
        if which in self._buses and (self._buses[which] is None or self._buses[which].connected):
            return self._buses[which]
        try:
            from dbus_fast import BusType
            from dbus_fast.aio import MessageBus
        except ImportError as e:
            self.errors[which] = _("dbus-fast is not installed ({error})").format(error=e)
            self._buses[which] = None
            return None
        kind = BusType.SYSTEM if which == "system" else BusType.SESSION
        try:
            bus = await asyncio.wait_for(
                MessageBus(bus_address=self._addresses.get(which), bus_type=kind).connect(),
                CONNECT_TIMEOUT)
        except Exception as e:  # noqa: BLE001 - no such bus here: the reason is the answer
            why = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
            # TRANSLATORS: {error} says why the bus cannot be reached.
            self.errors[which] = (_("no system bus ({error})") if which == "system" else
                                  _("no session bus ({error})")).format(error=why)
            self._buses[which] = None
            return None
        self.errors.pop(which, None)

        def handler(msg: Any) -> None:  # dbus-fast wants exactly one parameter
            self._dispatch(which, msg)

        bus.add_message_handler(handler)
        self._buses[which] = bus
        return bus

    def _dispatch(self, which: str, msg: Any) -> None:
        from dbus_fast import MessageType
        if msg.message_type != MessageType.SIGNAL:
            return
        for handler in list(self._handlers[which]):
            try:
                handler(msg)
            except Exception:  # a bad handler must not stop the others
                log.exception("hold source signal handler failed")

    async def call(self, which: str, dest: str, path: str, iface: str, member: str,
                   signature: str = "", body: list | None = None, *,
                   autostart: bool = False, timeout: float = CALL_TIMEOUT) -> list:
        """One method call; raises BusCallError (an error reply), TimeoutError, or
        ConnectionError (no such bus)."""
        from dbus_fast import Message, MessageFlag, MessageType
        bus = await self.bus(which)
        if bus is None:
            raise ConnectionError(self.errors.get(which, f"no {which} bus"))
        msg = Message(destination=dest, path=path, interface=iface, member=member,
                      signature=signature, body=body or [],
                      flags=MessageFlag.NONE if autostart else MessageFlag.NO_AUTOSTART)
        reply = await asyncio.wait_for(bus.call(msg), timeout)
        if reply.message_type == MessageType.ERROR:
            text = reply.body[0] if reply.body else ""
            raise BusCallError(reply.error_name or "unknown", str(text))
        return reply.body

    async def get_property(self, which: str, dest: str, path: str, iface: str,
                           name: str, **kw: Any) -> Any:
        """A property's value (unwrapped from its variant)."""
        (value,) = await self.call(which, dest, path, PROPERTIES, "Get", "ss", [iface, name],
                                   **kw)
        return getattr(value, "value", value)

    async def has_owner(self, which: str, name: str) -> bool:
        return bool((await self.call(which, DBUS, DBUS_PATH, DBUS, "NameHasOwner", "s",
                                     [name]))[0])

    async def watch(self, which: str, rule: str, handler: Callable[[Any], None]) -> bool:
        """Ask the bus for the signals `rule` matches and call `handler(msg)` for every signal
        of this connection (handlers filter what they need). False if the bus is missing."""
        bus = await self.bus(which)
        if bus is None:
            return False
        if handler not in self._handlers[which]:
            self._handlers[which].append(handler)
        await self.call(which, DBUS, DBUS_PATH, DBUS, "AddMatch", "s", [rule])
        return True

    def unwatch(self, which: str, handler: Callable[[Any], None]) -> None:
        """Stop calling `handler` (its match rules stay until the connection closes)."""
        if handler in self._handlers[which]:
            self._handlers[which].remove(handler)


def _log_failure(fut: concurrent.futures.Future) -> None:
    if not fut.cancelled() and fut.exception() is not None:
        log.warning("hold source task failed", exc_info=fut.exception())
