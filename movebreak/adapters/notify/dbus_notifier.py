"""Desktop notifications with buttons over D-Bus (Linux), or desktop-notifier (macOS, Windows).

The notifier owns an asyncio loop in a daemon thread ("movebreak-notify"); every coroutine
below runs there. The public methods are called from app threads and wait for the loop with a
short timeout. `on_action` is called from a separate single worker thread
("movebreak-notify-cb"), never from the loop, so it may call back into this notifier.

On Linux we speak org.freedesktop.Notifications ourselves over one dbus-fast connection: ask
the server who it is and what it supports (GetServerInformation / GetCapabilities), escape
body markup only where the server interprets it, send with Notify, listen for ActionInvoked /
NotificationClosed, notice a server restart (a new owner of the name), and close a
notification after one of its actions (dunst leaves it open). We do not send through
desktop-notifier there because it always adds the "default" (body click) action, which
servers that list actions (dunst) show as an unlabelled menu entry, and it has no switch to
leave it out; see NO_DEFAULT_ACTION_SERVERS. A reminder's sound goes to the server as a hint
(`sound-name` message-new-instant, or `sound-file` for the chime) only where it lists the
`sound` capability; other servers get `suppress-sound` and the app plays the sound itself
(adapters/sound.py), after `show`.
macOS / Windows use desktop-notifier's native backend without any of the D-Bus parts.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import sys
import threading
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from movebreak.adapters.aio import start_loop_thread
from movebreak.adapters.notify.base import (
    CLICKED,
    DISMISSED,
    OnAction,
    button_actions,
    escape_markup,
)
from movebreak.adapters.sound import notification_hints
from movebreak.core.catalog import Reminder
from movebreak.core.l10n import _

log = logging.getLogger(__name__)

IS_LINUX = sys.platform.startswith("linux")

NOTIFICATIONS = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
_DBUS = "org.freedesktop.DBus"
_DBUS_PATH = "/org/freedesktop/DBus"
_NO_OWNER = "org.freedesktop.DBus.Error.NameHasNoOwner"

CALL_TIMEOUT = 1.5  # seconds for one D-Bus round trip
SEND_TIMEOUT = 2.0  # seconds show() waits for the send result


# --------------------------------------------------------------------------------------
# freedesktop server queries (Linux), shared with select.probe_notifications()


@dataclass(frozen=True)
class ServerInfo:
    """What GetServerInformation and GetCapabilities said, and who owns the name."""

    name: str
    vendor: str
    version: str
    spec_version: str
    capabilities: tuple[str, ...]
    owner: str  # unique bus name of the server process, changes when it restarts

    @property
    def actions(self) -> bool:
        return "actions" in self.capabilities

    @property
    def markup(self) -> bool:
        return "body-markup" in self.capabilities


class BusCallError(RuntimeError):
    """A D-Bus call came back as an error message."""

    def __init__(self, name: str, text: str) -> None:
        super().__init__(f"{name}: {text}")
        self.name = name


async def _bus_call(bus: Any, dest: str, path: str, iface: str, member: str,
                    signature: str = "", body: list | None = None,
                    timeout: float = CALL_TIMEOUT) -> list:
    from dbus_fast import Message, MessageType

    msg = Message(destination=dest, path=path, interface=iface, member=member,
                  signature=signature, body=body or [])
    reply = await asyncio.wait_for(bus.call(msg), timeout)
    if reply.message_type == MessageType.ERROR:
        text = reply.body[0] if reply.body else ""
        raise BusCallError(reply.error_name or "unknown", str(text))
    return reply.body


async def name_owner(bus: Any) -> str | None:
    """Unique name owning org.freedesktop.Notifications, or None."""
    try:
        return (await _bus_call(bus, _DBUS, _DBUS_PATH, _DBUS, "GetNameOwner", "s",
                                [NOTIFICATIONS]))[0]
    except BusCallError as exc:
        if exc.name == _NO_OWNER:
            return None
        raise


async def query_server(bus: Any) -> ServerInfo | None:
    """Ask the notification server about itself; None if nobody owns or can start it.

    A server that is only activatable is started by the first call (bus activation).
    """
    owner = await name_owner(bus)
    if owner is None:
        names = (await _bus_call(bus, _DBUS, _DBUS_PATH, _DBUS, "ListActivatableNames"))[0]
        if NOTIFICATIONS not in names:
            return None
    info = await _bus_call(bus, NOTIFICATIONS, NOTIFICATIONS_PATH, NOTIFICATIONS,
                           "GetServerInformation")
    caps = (await _bus_call(bus, NOTIFICATIONS, NOTIFICATIONS_PATH, NOTIFICATIONS,
                            "GetCapabilities"))[0]
    if owner is None:
        owner = await name_owner(bus) or ""
    name, vendor, version, spec = (list(info) + ["", "", "", ""])[:4]
    return ServerInfo(str(name), str(vendor), str(version), str(spec),
                      tuple(str(c) for c in caps), owner)


async def _probe_once(timeout: float) -> ServerInfo | None:
    from dbus_fast.aio import MessageBus

    bus = await asyncio.wait_for(MessageBus().connect(), timeout)
    try:
        return await asyncio.wait_for(query_server(bus), timeout)
    finally:
        bus.disconnect()



def no_server() -> str:
    """`probe_server`'s error when the bus answers but no notification server is on it."""
    # TRANSLATORS: {name} is a D-Bus name (org.freedesktop.Notifications).
    return _("no {name} server on the session bus").format(name=NOTIFICATIONS)


def probe_server(timeout: float = SEND_TIMEOUT) -> tuple[ServerInfo | None, str | None]:
    """Blocking probe of the session bus: (server info or None, error text or None).

    Runs a throwaway asyncio loop in a helper thread, so any thread may call it, even one
    that already runs a loop. Linux only (returns an error elsewhere).
    """
    if not IS_LINUX:
        # TRANSLATORS: {platform} is e.g. darwin or win32.
        return None, _("no freedesktop notification bus on {platform}").format(
            platform=sys.platform)
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["info"] = asyncio.run(_probe_once(timeout))
        except BaseException as exc:  # noqa: BLE001 - reported, never raised
            out["error"] = f"{type(exc).__name__}: {exc}".rstrip(": ")

    thread = threading.Thread(target=run, name="movebreak-notify-probe", daemon=True)
    thread.start()
    thread.join(timeout * 2 + 0.5)
    if thread.is_alive():
        return None, _("session bus did not answer within {seconds} s").format(
            seconds=f"{timeout:g}")
    if "error" in out:
        return None, out["error"]
    info = out.get("info")
    return info, (None if info else no_server())


def native_backend_name() -> str:
    """Class name of the backend desktop-notifier would use here (e.g. DBusDesktopNotifier)."""
    from desktop_notifier.main import get_backend_class

    return get_backend_class().__name__


# --------------------------------------------------------------------------------------
# the notifier

#: Servers that list every action, the default one included, as a menu entry (dunst's
#: context menu shows it as an unlabelled "default" line). They get no default action; a click
#: on the body then does what the server does without one (dunst: left click closes the
#: note, reported as "dismissed"; "do_action" opens the menu of Done / Snooze / Skip).
#: Xfce's server draws the default action as an extra button (desktop-notifier skips it there
#: too). Names as GetServerInformation reports them, lower-case.
NO_DEFAULT_ACTION_SERVERS = frozenset({"dunst", "xfce notify daemon"})
DEFAULT_ACTION = "default"  # the freedesktop key for a click on the body
CLOSED_DISMISSED = 2  # NotificationClosed reason: closed by the user

_SIGNALS = (f"type='signal',interface='{NOTIFICATIONS}',path='{NOTIFICATIONS_PATH}'")
#: A notification server taking the name (started later, or restarted).
_OWNER_CHANGES = (f"type='signal',sender='{_DBUS}',interface='{_DBUS}',"
                  f"member='NameOwnerChanged',arg0='{NOTIFICATIONS}'")


def offers_default_action(server: ServerInfo) -> bool:
    """Whether a notification to this server carries the "default" (body click) action."""
    return server.name.strip().lower() not in NO_DEFAULT_ACTION_SERVERS


@dataclass
class _Shown:
    ident: str  # desktop-notifier identifier (macOS / Windows)
    platform_id: int | None  # the server's notification id (Linux)


@dataclass
class _State:
    """Loop-thread-only state."""

    dn: Any = None  # desktop_notifier.DesktopNotifier (macOS / Windows)
    bus: Any = None  # our own dbus_fast MessageBus (Linux)
    server: ServerInfo | None = None
    native_caps: frozenset = frozenset()  # desktop-notifier capabilities (non-Linux)
    shown: dict[int, _Shown] = field(default_factory=dict)  # reminder id -> note
    # Linux: server id -> (reminder id or None, button keys), for notes we sent to `sent_owner`
    sent: dict[int, tuple[int | None, frozenset[str]]] = field(default_factory=dict)
    sent_owner: str | None = None


class DbusNotifier:
    """Notifications with Done / Snooze / Skip (+ Start) buttons and click/dismiss callbacks.

    Linux: we speak org.freedesktop.Notifications ourselves over dbus-fast (Notify, the
    ActionInvoked / NotificationClosed signals, CloseNotification). desktop-notifier (6.x)
    always adds an unlabelled "default" action wherever the server is not Xfce's and has no
    public switch to leave it out, so servers that list actions (dunst) would show it as a menu
    entry. We add it only where a body click invokes it (see NO_DEFAULT_ACTION_SERVERS).
    macOS / Windows: desktop-notifier's native backend.
    """

    name = "dbus"

    def __init__(self, on_action: OnAction, app_name: str = "movebreak",
                 icon_path: str | Path | None = None, expire_s: int | None = None,
                 send_timeout: float = SEND_TIMEOUT, click_action: bool | None = None) -> None:
        """`expire_s`: None = server default, 0 = stay until acted on. `click_action`: send
        the default (body click) action: None = where the server does not list it (Linux)."""
        self._on_action = on_action
        self._app_name = app_name
        self._icon_path = Path(icon_path) if icon_path else None
        self._expire = -1 if expire_s is None else int(expire_s)
        self._send_timeout = send_timeout
        self._click_action = click_action
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._callbacks: concurrent.futures.ThreadPoolExecutor | None = None
        self._st = _State()
        self._last_caps: dict = self._caps_dict()
        #: the `general.sound` choice ("off" / "theme" / "chime"), set by the app (owner)
        self.sound = "off"
        #: the server plays sound hints (lists `sound`; macOS / Windows: always), as of the
        #: last send or server query. Written on the loop thread; the owner reads it after
        #: `show` / `start` returned (adapters/sound.py decides who plays from it).
        self.sound_capability = not IS_LINUX
        self.server_name: str | None = None
        #: Called (on the callback thread) when a notification server takes the name: the app
        #: re-delivers a reminder that found no server, at once instead of at its next retry.
        self.on_server: Callable[[], None] | None = None

    # ---- public API (app threads) ----------------------------------------------------

    def start(self) -> None:
        """Start the loop thread and look for the server (it may also appear later)."""
        with self._lock:
            if self._loop is not None:
                return
            self._loop, self._thread = start_loop_thread("movebreak-notify")
            self._callbacks = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="movebreak-notify-cb")
        caps = self._run(self._refresh(), self._send_timeout, None)
        if caps is not None:
            self._last_caps = caps

    def capabilities(self) -> dict:
        """Live server capabilities (falls back to the last known ones on timeout)."""
        caps = self._run(self._refresh(), self._send_timeout, None)
        if caps is not None:
            self._last_caps = caps
        return dict(self._last_caps)

    def show(self, reminder: Reminder, snooze_label: str) -> bool:
        """Show a reminder with its buttons; False if the server is gone (waits <= ~2 s)."""
        return bool(self._run(
            self._send(reminder.id, reminder.title, reminder.body,
                       button_actions(reminder, snooze_label), urgent=False),
            self._send_timeout, False))

    def show_text(self, title: str, body: str, urgent: bool = False) -> bool:
        """Show plain information without buttons (safety notice, pause state...)."""
        return bool(self._run(self._send(None, title, body, [], urgent=urgent),
                              self._send_timeout, False))

    def withdraw(self, reminder_id: int) -> None:
        """Close a reminder's notification if it is still open."""
        self._run(self._withdraw(reminder_id), self._send_timeout, None)

    def stop(self) -> None:
        """Close our open notifications, disconnect, and end the loop thread."""
        with self._lock:
            loop, thread, callbacks = self._loop, self._thread, self._callbacks
            self._loop = self._thread = self._callbacks = None
        if loop is None:
            return
        fut = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
        try:
            fut.result(self._send_timeout)
        except Exception:  # best effort on the way out
            log.debug("notifier shutdown incomplete", exc_info=True)
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(2)
            if not thread.is_alive():
                loop.close()
        if callbacks is not None:
            callbacks.shutdown(wait=False)

    # ---- plumbing --------------------------------------------------------------------

    def _run(self, coro: Coroutine, timeout: float, default: Any) -> Any:
        """Run a coroutine on the loop thread and wait at most `timeout` seconds."""
        loop = self._loop
        if loop is None or not loop.is_running():
            coro.close()
            log.debug("notifier used while not started")
            return default
        fut = asyncio.run_coroutine_threadsafe(coro, loop)
        if threading.current_thread() is self._thread:
            log.warning("notifier called from its own loop thread; not waiting for the result")
            return default
        try:
            return fut.result(timeout)
        except concurrent.futures.TimeoutError:
            fut.cancel()
            log.warning("notification server did not answer within %.1f s", timeout)
            return default
        except Exception:  # a notifier must never take the app down
            log.warning("notification call failed", exc_info=True)
            return default

    def _caps_dict(self) -> dict:
        st = self._st
        if IS_LINUX:
            s = st.server
            self.sound_capability = bool(s and "sound" in s.capabilities)
            self.server_name = s.name if s else None
            return {
                "backend": self.name,
                "server": s.name if s else None,
                "vendor": s.vendor if s else None,
                "version": s.version if s else None,
                "spec_version": s.spec_version if s else None,
                "capabilities": list(s.capabilities) if s else [],
                "actions": bool(s and s.actions),
                "markup": bool(s and s.markup),
                "sound": self.sound_capability,
                "click_action": bool(s and self._wants_click(s)),
            }
        from desktop_notifier import Capability

        return {
            "backend": self.name,
            "server": native_backend_name() if st.dn is not None else None,
            "capabilities": sorted(c.name.lower() for c in st.native_caps),
            "actions": Capability.BUTTONS in st.native_caps,
            "markup": False,
            "sound": Capability.SOUND in st.native_caps,
        }

    def _wants_click(self, server: ServerInfo) -> bool:
        if self._click_action is not None:
            return self._click_action
        return offers_default_action(server)

    # ---- loop thread -----------------------------------------------------------------

    async def _refresh(self) -> dict:
        """Find the server (Linux), or make sure a DesktopNotifier exists (elsewhere)."""
        st = self._st
        if IS_LINUX:
            await self._server()
        else:
            self._ensure_dn()
            try:
                st.native_caps = await st.dn.get_capabilities()
            except Exception:
                log.debug("capability query failed", exc_info=True)
        return self._caps_dict()

    async def _server(self) -> ServerInfo | None:
        """Current server info; re-queried when its owner changed. None = no server."""
        st = self._st
        try:
            if st.bus is None or not st.bus.connected:
                from dbus_fast.aio import MessageBus

                bus = await asyncio.wait_for(MessageBus().connect(), CALL_TIMEOUT)
                st.bus = bus
                bus.add_message_handler(self._on_message)
                await _bus_call(bus, _DBUS, _DBUS_PATH, _DBUS, "AddMatch", "s", [_SIGNALS])
                await _bus_call(bus, _DBUS, _DBUS_PATH, _DBUS, "AddMatch", "s",
                                [_OWNER_CHANGES])
            owner = await name_owner(st.bus)
            if owner is None or st.server is None or st.server.owner != owner:
                st.server = await query_server(st.bus)
        except Exception as exc:  # noqa: BLE001 - no bus / no server = not delivered
            log.debug("notification server lookup failed: %s", exc)
            self._drop_bus()
            st.server = None
        return st.server

    def _drop_bus(self) -> None:
        bus, self._st.bus = self._st.bus, None
        if bus is not None:
            with contextlib.suppress(Exception):
                bus.disconnect()

    def _ensure_dn(self) -> None:
        """macOS / Windows: create the DesktopNotifier (in this thread) once."""
        st = self._st
        if st.dn is None:
            from desktop_notifier import DesktopNotifier, Icon

            icon = Icon(path=self._icon_path) if self._icon_path else None
            st.dn = DesktopNotifier(app_name=self._app_name, app_icon=icon)

    async def _send(self, rid: int | None, title: str, body: str,
                    buttons: list[tuple[str, str]], urgent: bool) -> bool:
        if IS_LINUX:
            return await self._send_linux(rid, title, body, buttons, urgent)
        return await self._send_native(rid, title, body, buttons, urgent)

    async def _send_linux(self, rid: int | None, title: str, body: str,
                          buttons: list[tuple[str, str]], urgent: bool) -> bool:
        """Notify() on the freedesktop server; remember its id for the signals."""
        from dbus_fast import Variant

        st = self._st
        server = await self._server()
        if server is None:
            return False
        if st.sent_owner != server.owner:  # a new server: the old ids mean nothing now
            st.sent.clear()
            st.shown.clear()
            st.sent_owner = server.owner
        if server.markup:
            body = escape_markup(body)
        actions: list[str] = []
        if rid is not None and self._wants_click(server):
            actions += [DEFAULT_ACTION, ""]
        for key, label in buttons:
            actions += [key, label]
        hints = {"urgency": Variant("y", 2 if urgent else 1)}
        # The sound goes to the server only where it lists `sound`; elsewhere the app plays
        # it through GSound after this send, and the server is asked for silence.
        has_sound = "sound" in server.capabilities
        self.sound_capability, self.server_name = has_sound, server.name
        for name, (sig, value) in notification_hints(self.sound if rid is not None else "off",
                                                     has_sound).items():
            hints[name] = Variant(sig, value)
        icon = self._icon_path.resolve().as_uri() if self._icon_path else ""
        timeout_ms = self._expire * 1000 if self._expire > 0 else self._expire
        try:
            (platform_id,) = await _bus_call(
                st.bus, NOTIFICATIONS, NOTIFICATIONS_PATH, NOTIFICATIONS, "Notify",
                "susssasa{sv}i", [self._app_name, 0, icon, title, body, actions, hints,
                                  timeout_ms])
        except Exception as exc:  # noqa: BLE001 - server gone or refused: not delivered
            log.debug("Notify failed: %s", exc)
            self._drop_bus()
            st.server = None
            return False
        st.sent[int(platform_id)] = (rid, frozenset(key for key, _ in buttons))
        if rid is not None:
            st.shown[rid] = _Shown("", int(platform_id))
        return True

    def _on_message(self, msg: Any) -> None:
        """Loop thread (dbus-fast handler): ActionInvoked / NotificationClosed of our notes.

        Signals go to every client of the server, so only ids we sent to the server that
        sends the signal count; the first signal for a note wins (dunst sends
        NotificationClosed after an action, and after our own close)."""
        from dbus_fast import MessageType

        st = self._st
        if (msg.message_type == MessageType.SIGNAL and msg.member == "NameOwnerChanged"
                and msg.interface == _DBUS and len(msg.body) >= 3
                and msg.body[0] == NOTIFICATIONS):
            if msg.body[2] and self.on_server is not None and self._callbacks is not None:
                with contextlib.suppress(RuntimeError):  # shutting down
                    self._callbacks.submit(self._server_appeared)
            return
        if (msg.message_type != MessageType.SIGNAL or msg.interface != NOTIFICATIONS
                or msg.sender != st.sent_owner or not msg.body):
            return
        try:
            platform_id = int(msg.body[0])
        except (TypeError, ValueError):
            return
        if msg.member == "ActionInvoked" and len(msg.body) >= 2:
            entry = st.sent.get(platform_id)
            key = str(msg.body[1])
            if entry is None or (key != DEFAULT_ACTION and key not in entry[1]):
                return
            del st.sent[platform_id]
            action = CLICKED if key == DEFAULT_ACTION else key
            # dunst, for one, leaves a notification open after an action
            asyncio.get_running_loop().create_task(self._close(platform_id))
        elif msg.member == "NotificationClosed":
            entry = st.sent.pop(platform_id, None)
            if entry is None:
                return
            reason = msg.body[1] if len(msg.body) >= 2 else None
            action = DISMISSED if reason == CLOSED_DISMISSED else ""
        else:
            return
        rid = entry[0]
        if rid is None:
            return
        shown = st.shown.get(rid)
        if shown is not None and shown.platform_id == platform_id:
            del st.shown[rid]
        if action:
            self._hand_on(rid, action)

    async def _send_native(self, rid: int | None, title: str, body: str,
                           buttons: list[tuple[str, str]], urgent: bool) -> bool:
        """macOS / Windows: through desktop-notifier."""
        from desktop_notifier import DEFAULT_SOUND, Button, Notification, Urgency

        st = self._st
        self._ensure_dn()
        ident = str(uuid.uuid4())
        dispatched: list[bool] = []
        note = Notification(
            title=title,
            message=body,
            urgency=Urgency.Critical if urgent else Urgency.Normal,
            buttons=tuple(
                Button(title=label, identifier=action,
                       on_pressed=partial(self._acted, rid, ident, action))
                for action, label in buttons),
            on_dispatched=lambda: dispatched.append(True),
            on_clicked=partial(self._acted, rid, ident, CLICKED) if rid is not None else None,
            on_dismissed=partial(self._acted, rid, ident, DISMISSED) if rid is not None else None,
            timeout=self._expire,
            sound=DEFAULT_SOUND if self.sound != "off" and rid is not None else None,
            identifier=ident,
        )
        await st.dn.send_notification(note)
        if not dispatched:  # desktop-notifier logs and swallows send errors
            return False
        if rid is not None:
            st.shown[rid] = _Shown(ident, None)
        return True

    def _acted(self, rid: int | None, ident: str, action: str) -> None:
        """desktop-notifier callback (loop thread, macOS / Windows): hand the action on."""
        st = self._st
        entry = st.shown.get(rid) if rid is not None else None
        if entry is not None and entry.ident == ident:
            del st.shown[rid]
        if rid is not None:
            self._hand_on(rid, action)

    def _server_appeared(self) -> None:
        """Callback thread: tell the app a notification server took the name."""
        try:
            if self.on_server is not None:
                self.on_server()
        except Exception:  # the app's bug: log it, keep the loop alive
            log.exception("on_server failed")

    def _hand_on(self, rid: int, action: str) -> None:
        """Loop thread: queue `on_action(rid, action)` for the callback thread."""
        callbacks = self._callbacks
        if callbacks is None:
            return
        try:
            callbacks.submit(self._deliver, rid, action)
        except RuntimeError:  # executor shut down: we are stopping
            pass

    def _deliver(self, rid: int, action: str) -> None:
        """Callback thread: call the app; its errors are logged, never propagated."""
        try:
            self._on_action(rid, action)
        except Exception:  # the app's bug: log it, keep the loop alive
            log.exception("on_action(%s, %r) failed", rid, action)

    async def _close(self, platform_id: int) -> None:
        st = self._st
        if not IS_LINUX or st.bus is None:
            return
        with contextlib.suppress(Exception):  # already closed, or server gone
            await _bus_call(st.bus, NOTIFICATIONS, NOTIFICATIONS_PATH, NOTIFICATIONS,
                            "CloseNotification", "u", [platform_id])

    async def _withdraw(self, rid: int) -> None:
        st = self._st
        entry = st.shown.pop(rid, None)
        if entry is None:
            return
        if IS_LINUX and entry.platform_id is not None:
            st.sent.pop(entry.platform_id, None)  # our own close reports nothing
            if st.bus is None:
                await self._server()
            await self._close(entry.platform_id)
        elif st.dn is not None:
            with contextlib.suppress(Exception):  # already gone
                await st.dn.clear(entry.ident)

    async def _shutdown(self) -> None:
        for rid in list(self._st.shown):
            await self._withdraw(rid)
        self._st.sent.clear()
        self._st.dn = None
        self._drop_bus()
        current = asyncio.current_task()
        for task in asyncio.all_tasks():
            if task is not current:
                task.cancel()
