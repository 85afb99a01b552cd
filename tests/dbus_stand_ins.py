"""Stand-ins for the system services movebreak listens to, on the rig's private buses.

- logind on the stand-in system bus: owns `org.freedesktop.login1`; `Manager.GetSession(s) -> o`
  and `GetSessionByPID(u) -> o` answer one session object; `Manager.PrepareForSleep(b)`; the
  session's `Lock()` / `Unlock()` signals and its `LockedHint` property (with
  PropertiesChanged). Names, paths and signatures are logind's (org.freedesktop.login1(5)).
- a screen saver on the session bus: owns `org.freedesktop.ScreenSaver` (or
  `org.gnome.ScreenSaver`), `GetActive() -> b` and `ActiveChanged(b)`.
- KDE Plasma's notification server (`PlasmaStandIn`): owns `org.freedesktop.Notifications`,
  names itself "Plasma" and has the `Inhibited` property (with PropertiesChanged).

They own the real names and emit the real signal signatures, so the app's watchers cannot tell
them from the real services; what they do not imitate is the policy (they emit whatever the
test asks for, whenever it asks). They run on their own asyncio loop thread (`_OnItsLoop`);
`emit_*` and `set_inhibited` wait until the signal is on the wire.

No `from __future__ import annotations` here: dbus-fast reads the D-Bus signatures from the
annotations.
"""

import asyncio
import threading

from dbus_fast import BusType, Message, RequestNameReply
from dbus_fast.aio import MessageBus
from dbus_fast.service import PropertyAccess, ServiceInterface, dbus_property, method, signal

SESSION_PATH = "/org/freedesktop/login1/session/_3c1"


class _Manager(ServiceInterface):
    def __init__(self) -> None:
        super().__init__("org.freedesktop.login1.Manager")
        self.asked: list[str] = []

    @method()
    def GetSession(self, session_id: "s") -> "o":  # noqa: F821, N802 - D-Bus names
        self.asked.append(f"GetSession {session_id}")
        return SESSION_PATH

    @method()
    def GetSessionByPID(self, pid: "u") -> "o":  # noqa: F821, N802
        self.asked.append(f"GetSessionByPID {pid}")
        return SESSION_PATH

    @signal()
    def PrepareForSleep(self, start: bool) -> "b":  # noqa: F821, N802
        return start


class _Session(ServiceInterface):
    def __init__(self) -> None:
        super().__init__("org.freedesktop.login1.Session")
        self.locked_hint = False

    @signal()
    def Lock(self) -> None:  # noqa: N802
        return None

    @signal()
    def Unlock(self) -> None:  # noqa: N802
        return None

    @dbus_property(access=PropertyAccess.READ)
    def LockedHint(self) -> "b":  # noqa: F821, N802
        return self.locked_hint


class _ScreenSaver(ServiceInterface):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.active = False

    @method()
    def GetActive(self) -> "b":  # noqa: F821, N802
        return self.active

    @signal()
    def ActiveChanged(self, active: bool) -> "b":  # noqa: F821, N802
        return active


class _OnItsLoop:
    """Services on their own asyncio loop thread, on the buses `_start` connects (appended to
    `_buses`). Use as a context manager; `_emit(fn)` runs `fn` on the loop and returns once
    what it sent reached the bus daemon."""

    _thread_name = "test-stand-ins"

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=self._thread_name,
                                        daemon=True)
        self._buses: list[MessageBus] = []

    def __enter__(self):
        self._thread.start()
        self._run(self._start())
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            for bus in self._buses:
                bus.disconnect()
        self._run(stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def _run(self, coro, timeout: float = 5.0):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    async def _start(self) -> None:
        raise NotImplementedError

    def _emit(self, fn) -> None:
        self._run(self._emit_async(fn))

    async def _emit_async(self, fn) -> None:
        fn()
        for bus in self._buses:  # a round trip after the signal: it reached the bus daemon
            await bus.call(Message(destination="org.freedesktop.DBus",
                                   path="/org/freedesktop/DBus",
                                   interface="org.freedesktop.DBus", member="GetId"))


class StandIns(_OnItsLoop):
    """logind on `system_address` and a screen saver named `screensaver` on
    `session_address`. Use as a context manager."""

    def __init__(self, session_address: str, system_address: str,
                 screensaver: str = "org.freedesktop.ScreenSaver") -> None:
        super().__init__()
        self._addresses = {"session": session_address, "system": system_address}
        self._saver_name = screensaver
        self.manager = _Manager()
        self.session = _Session()
        self.saver = _ScreenSaver(screensaver)

    async def _start(self) -> None:
        system = await MessageBus(bus_address=self._addresses["system"],
                                  bus_type=BusType.SYSTEM).connect()
        system.export("/org/freedesktop/login1", self.manager)
        system.export(SESSION_PATH, self.session)
        reply = await system.request_name("org.freedesktop.login1")
        assert reply == RequestNameReply.PRIMARY_OWNER, reply
        session = await MessageBus(bus_address=self._addresses["session"]).connect()
        session.export("/" + self._saver_name.replace(".", "/"), self.saver)
        reply = await session.request_name(self._saver_name)
        assert reply == RequestNameReply.PRIMARY_OWNER, reply
        self._buses += [system, session]

    # ---- what the test makes happen ------------------------------------------------------
    def emit_sleep(self, going: bool) -> None:
        """logind's PrepareForSleep(going)."""
        self._emit(lambda: self.manager.PrepareForSleep(going))

    def emit_lock(self, locked: bool) -> None:
        """The session's Lock() / Unlock() signal, then LockedHint changing (as logind and
        a screen locker do one after the other)."""
        def both() -> None:
            (self.session.Lock if locked else self.session.Unlock)()
            self.session.locked_hint = locked
            self.session.emit_properties_changed({"LockedHint": locked})
        self._emit(both)

    def emit_screensaver(self, active: bool) -> None:
        """The screen saver's ActiveChanged(active)."""
        def change() -> None:
            self.saver.active = active
            self.saver.ActiveChanged(active)
        self._emit(change)


class _PlasmaNotifications(ServiceInterface):
    """KDE Plasma's notification server as movebreak's do-not-disturb source sees it: the
    server's name, and its `Inhibited` property (Plasma's do-not-disturb switch), announced
    with PropertiesChanged on org.freedesktop.Notifications."""

    def __init__(self) -> None:
        super().__init__("org.freedesktop.Notifications")
        self.inhibited = False

    @method()
    def GetServerInformation(self) -> "ssss":  # noqa: F821, N802
        return ["Plasma", "KDE", "5.27.5", "1.2"]

    @method()
    def GetCapabilities(self) -> "as":  # noqa: F821, N802
        return ["body", "actions", "inhibitions"]

    @dbus_property(access=PropertyAccess.READ)
    def Inhibited(self) -> "b":  # noqa: F821, N802
        return self.inhibited


class PlasmaStandIn(_OnItsLoop):
    """Plasma's notification server on the bus at `address`. Use as a context manager;
    `set_inhibited(on)` flips the switch and waits until the change is on the wire."""

    _thread_name = "test-plasma"

    def __init__(self, address: str) -> None:
        super().__init__()
        self._address = address
        self.server = _PlasmaNotifications()

    async def _start(self) -> None:
        bus = await MessageBus(bus_address=self._address).connect()
        bus.export("/org/freedesktop/Notifications", self.server)
        reply = await bus.request_name("org.freedesktop.Notifications")
        assert reply == RequestNameReply.PRIMARY_OWNER, reply
        self._buses.append(bus)

    def set_inhibited(self, on: bool) -> None:
        def change() -> None:
            self.server.inhibited = on
            self.server.emit_properties_changed({"Inhibited": on})
        self._emit(change)
