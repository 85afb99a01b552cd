"""The tray icon and its live menu (pystray), and how it finds a tray host.

Rules:
- Where GTK is available (PyGObject), the tray runs its own GLib main loop on the main thread
  and *watches* for hosts instead of sampling once: a StatusNotifier watcher on the session bus
  (`org.kde.StatusNotifierWatcher`: GNOME with the AppIndicator extension, KDE, Xfce) means
  pystray's `appindicator` backend; otherwise its `gtk` backend, whose XEmbed icon embeds as
  soon as a tray manager takes `_NET_SYSTEM_TRAY_S0` (at login the panel may start after us, and
  panels restart). When the watcher appears or goes away the icon moves to the other protocol:
  one icon at a time, the old one removed before the new one is made. `PYSTRAY_BACKEND=gtk` or
  `appindicator` fixes the backend (still watched).
- On a Wayland display (sway, GNOME and KDE on Wayland) there is no XEmbed tray, and a
  GtkStatusIcon can never be embedded (GTK only logs criticals): there the tray waits, with no
  icon, until a StatusNotifier watcher appears (swaybar, the GNOME extension, Plasma), and
  goes back to waiting when it leaves.
- A StatusNotifierItem names its icon: a shipped PNG by name in its icon theme path
  (IconThemePath + IconName), not the temporary file pystray writes, whose path hosts that
  look icons up by name (swaybar) cannot show.
- "Shown" means really there, and is reported to the app on every change: for XEmbed the icon
  is embedded (GtkStatusIcon's `embedded`); for StatusNotifierItem our item is listed in the
  watcher's `RegisteredStatusNotifierItems`.
- Without GTK: pystray's `xorg` backend (no menu) when an XEmbed host is there at start, and on
  macOS and Windows pystray's own backend; these are not watched.

Threads: `run()` on the main thread (pystray rule) until `stop()`; `stop()` from any thread;
`show(status)` from the owner after each change. The tray never touches the engine or history:
it draws the owner's immutable status snapshot, and a menu action only hands a request to the
app (`app.request(...)`). Backend setters marshal to the loop (gtk/appindicator:
`GLib.idle_add`); xorg's setters block until its loop answers, so there they run on a helper
thread. Host changes are handed to the app with `app.submit(app.tray_changed, ...)`.

Signals are not handled here: the process blocks them in every thread and one thread takes them
(adapters/signals.py), so pystray resetting SIGINT to its default action is harmless.

Left click (gtk): the bold status line is the default item; it shows the status as a
notification. appindicator has no left-click action; xorg ignores clicks (pystray issue 151).
pystray 0.19.5 internals used (pinned, see tests/test_tray_contract.py): `_status_icon`,
`_appindicator`, `_create_menu`, `_menu_handle`, `_finalize`, `_mark_ready`, `_setup_thread`.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from movebreak.core import l10n
from movebreak.core.catalog import KINDS
from movebreak.core.l10n import _, pgettext
from movebreak.core.status import Status
from movebreak.core.texts import next_due_text, snooze_label, status_lines

log = logging.getLogger(__name__)

#: Pixel size of the image handed to pystray (GTK scales it to the tray's slot).
ICON_SIZE = 64
LINUX_ORDER = ("gtk", "appindicator", "xorg")
SNI_WATCHER = "org.kde.StatusNotifierWatcher"
SNI_WATCHER_PATH = "/StatusNotifierWatcher"
_GTK_BACKENDS = ("gtk", "appindicator")

_selected: tuple[str, Any] | None = None  # (backend name, pystray backend module)


# ---------------------------------------------------------------------- can we show a tray?
def tray_unavailable_reason() -> str | None:
    """None if a tray icon can be shown here (and remember the backend), else why not.

    Main thread, once at start-up (and `doctor`): connects briefly to X and the session bus.
    """
    global _selected
    _selected = None
    forced = os.environ.get("PYSTRAY_BACKEND", "").strip()
    if sys.platform in ("darwin", "win32"):
        order = (forced,) if forced else (None,)
    else:
        display = os.environ.get("DISPLAY", "")
        if not display and not os.environ.get("WAYLAND_DISPLAY"):
            return _("no display: DISPLAY is not set (nor WAYLAND_DISPLAY), so there is no "
                     "desktop to put a tray icon on")
        xembed, x_why = _xembed_host(display)
        sni, sni_why = _sni_watcher()
        if not xembed and not sni:
            # TRANSLATORS: {xembed} and {sni} say why each kind of tray is missing.
            return _("no system tray: {xembed}, and {sni}").format(xembed=x_why, sni=sni_why)
        if forced:
            order = (forced,)
        else:
            order = LINUX_ORDER if xembed else ("appindicator",)
    errors = []
    for name in order:
        try:
            _selected = _load_backend(name)
            return None
        except Exception as e:  # noqa: BLE001 - ImportError, Xlib DisplayNameError...
            errors.append(f"{name or 'default'}: {type(e).__name__}: {e}")
    return _("pystray could not load a tray backend ({errors})").format(
        errors="; ".join(errors))


def _load_backend(name: str | None) -> tuple[str, Any]:
    """Import pystray with backend `name` (None: pystray's own choice)."""
    if name:
        os.environ["PYSTRAY_BACKEND"] = name  # read by pystray on its first import
    if name in _GTK_BACKENDS and "pystray" not in sys.modules:
        _name_gtk_program()
    pystray = importlib.import_module("pystray")
    if name is None:
        module = sys.modules[pystray.Icon.__module__]
        name = module.__name__.rsplit("._", 1)[-1]
    else:
        module = importlib.import_module(f"pystray._{name}")
    return name, module


def _name_gtk_program() -> None:
    """Before GTK initialises: WM_CLASS / tray window class "movebreak", not "__main__.py"."""
    try:
        from gi.repository import GLib
        if GLib.get_prgname() in (None, "", "__main__.py", "python", "python3"):
            GLib.set_prgname("movebreak")
        if GLib.get_application_name() in (None, "", "__main__.py", "python", "python3"):
            GLib.set_application_name("movebreak")  # once: GLib warns when set twice
    except Exception:
        log.debug("could not set the GTK program name", exc_info=True)


def _xembed_host(display: str) -> tuple[bool, str]:
    """Does some window own the XEmbed tray selection of the default screen? (libxcb through
    adapters/xcb.py: no python-xlib in the app.)"""
    if not display:
        return False, _("DISPLAY is not set")
    from movebreak.adapters.xcb import XcbConnection, XcbError
    try:
        conn = XcbConnection(display)
    except (XcbError, OSError) as e:
        return False, _("cannot open X display {display} ({error})").format(display=display,
                                                                            error=e)
    try:
        sel = f"_NET_SYSTEM_TRAY_S{conn.screen}"
        owner = conn.selection_owner(sel)
        if owner:
            # TRANSLATORS: {selection} is an X11 selection name, {window} a window id.
            return True, _("{selection} is owned by window {window}").format(
                selection=sel, window=f"0x{owner:x}")
        return False, _("no tray host owns {selection} on display {display}").format(
            selection=sel, display=display)
    except XcbError as e:
        return False, _("X display {display}: {error}").format(display=display, error=e)
    finally:
        conn.close()


def _sni_watcher() -> tuple[bool, str]:
    """Is a StatusNotifier watcher (AppIndicator host) on the session bus?"""
    try:
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection
        from jeepney.wrappers import unwrap_msg
    except ImportError as e:
        return False, _("jeepney is missing to ask the session bus ({error})").format(error=e)
    try:
        conn = open_dbus_connection(bus="SESSION")
    except KeyError:
        return False, _("no session bus (DBUS_SESSION_BUS_ADDRESS is not set)")
    except Exception as e:  # noqa: BLE001
        return False, _("no session bus ({error})").format(error=e)
    try:
        reply = conn.send_and_get_reply(message_bus.NameHasOwner(SNI_WATCHER), timeout=1.0)
        if unwrap_msg(reply)[0]:
            # TRANSLATORS: {name} is a D-Bus name.
            return True, _("{name} is on the session bus").format(name=SNI_WATCHER)
        return False, _no_watcher()
    except Exception as e:  # noqa: BLE001
        return False, _("asking the session bus for {name} failed ({error})").format(
            name=SNI_WATCHER, error=e)
    finally:
        conn.close()


def _no_watcher() -> str:
    # TRANSLATORS: {name} is a D-Bus name.
    return _("no StatusNotifier watcher ({name}) on the session bus").format(name=SNI_WATCHER)


def xembed_display() -> bool:
    """Is GTK's display an X11 one, where XEmbed trays exist? False under Wayland (GDK's
    Wayland backend), where a GtkStatusIcon is never embedded. Main thread, GTK initialised."""
    from gi.repository import Gdk
    display = Gdk.Display.get_default()
    return display is not None and display.__gtype__.name.startswith("GdkX11")


def gtk_available() -> tuple[bool, str]:
    """Can GTK 3 run here (PyGObject installed and a display it can open)?"""
    try:
        import gi
        gi.require_version("Gtk", "3.0")
        _name_gtk_program()
        from gi.repository import Gtk
    except (ImportError, ValueError) as e:
        return False, _("PyGObject/GTK 3 is not available ({error})").format(error=e)
    if not Gtk.init_check([])[0]:
        return False, _("GTK could not open the display")
    return True, "GTK 3"


def watch_mode() -> tuple[tuple[str, ...] | None, str]:
    """Linux/BSD: the backends a watching tray may use here (("appindicator", "gtk"), or one
    of them when PYSTRAY_BACKEND forces it), or (None, why not: use `tray_unavailable_reason`).
    Main thread."""
    if sys.platform in ("darwin", "win32"):
        return None, _("not a freedesktop platform")
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        return None, _("no display")
    forced = os.environ.get("PYSTRAY_BACKEND", "").strip()
    if forced and forced not in _GTK_BACKENDS:
        return None, f"PYSTRAY_BACKEND={forced}"
    ok, why = gtk_available()
    if not ok:
        return None, why
    backends = (forced,) if forced else \
        ("appindicator", "gtk") if xembed_display() else ("appindicator",)
    for name in list(backends):
        try:
            importlib.import_module(f"pystray._{name}")
        except Exception as e:  # noqa: BLE001 - e.g. no AppIndicator typelib
            log.info("tray backend %s unavailable: %s", name, e)
            backends = tuple(b for b in backends if b != name)
    if not backends:
        return None, _("pystray could load neither its appindicator nor its gtk backend")
    return backends, why


def tray_report() -> dict[str, Any]:
    """For `movebreak doctor`: the desktop, the tray hosts there now, the backend and protocol
    the app would use, and what to do when there is none. CLI process."""
    desktop = os.environ.get("XDG_CURRENT_DESKTOP") or "unknown"
    display = os.environ.get("DISPLAY", "")
    report: dict[str, Any] = {"desktop": desktop}
    if sys.platform in ("darwin", "win32"):
        report.update(protocol="native", backend="pystray default")
        return report
    if not display and not os.environ.get("WAYLAND_DISPLAY"):
        report.update(protocol="none", advice=_(
            "no graphical session here (DISPLAY and WAYLAND_DISPLAY are unset): start "
            "movebreak from your desktop session; meanwhile reminders are printed on the "
            "terminal"))
        return report
    sni, sni_why = _sni_watcher()
    xembed, x_why = _xembed_host(display) if display else \
        (False, _("no X11 display (Wayland)"))
    backends, why = watch_mode()
    report.update(statusnotifier_watcher=sni_why, xembed_tray=x_why)
    if backends:
        backend = "appindicator" if sni and "appindicator" in backends else backends[-1]
        report["backend"] = backend
        report["watching"] = _("yes: the icon appears whenever a tray host comes (or comes "
                               "back)")
    else:
        report["backend"] = _("xorg (no menu)") if xembed else "none"
        report["watching"] = _("no ({why})").format(why=why)
    if sni:
        report["protocol"] = "StatusNotifierItem (AppIndicator)"
    elif xembed:
        report["protocol"] = _("XEmbed system tray")
    else:
        report["protocol"] = _("none right now")
        if "GNOME" in desktop.upper():
            report["advice"] = _(
                "GNOME shows tray icons only with the AppIndicator extension: install "
                "gnome-shell-extension-appindicator (Ubuntu has it on already) and turn it on "
                "in the Extensions app. Until then movebreak works from its notifications and "
                "the `movebreak status|snooze|pause` commands.")
        else:
            report["advice"] = _(
                "no system tray on this desktop yet: add one to your panel (Xfce: Status Tray "
                "plugin; KDE: System Tray; LXQt: Status Notifier; sway: swaybar shows one "
                "unless its bar block says `tray_output none`). movebreak shows its icon as "
                "soon as one appears; notifications and the CLI work meanwhile.")
    return report


def chosen_backend() -> str | None:
    """The backend the last `tray_unavailable_reason()` chose (for `doctor`)."""
    return _selected[0] if _selected else None


# ---------------------------------------------------------------------- what the tray shows
@dataclass(frozen=True)
class _View:
    """What the icon and menu show, derived from one status snapshot (compared to skip
    needless updates). The countdown in the first line is refreshed whenever it is shown."""

    state: str  # icon variant: normal / paused / waiting
    head: str  # first menu line and tooltip, as of the snapshot
    paused: bool
    pending_title: str | None
    snooze_label: str
    warnings: tuple[str, ...] = ()
    language: str = ""  # the menu is rebuilt in the new language when the setting changes


def _view(status: Status, now) -> _View:
    return _View(state=status.state, head=next_due_text(status, now), paused=status.paused,
                 pending_title=status.pending.title if status.pending else None,
                 snooze_label=snooze_label(status.snooze_s), warnings=status.warnings,
                 language=l10n.current())


class Tray:
    """The pystray icon with a menu built from the owner's status snapshots. See the module
    docstring."""

    def __init__(self, app: Any, status: Status,
                 watch: tuple[str, ...] | None = None) -> None:
        """Main thread. `watch`: the backends to switch between as hosts come and go (see
        `watch_mode()`); None: the one `tray_unavailable_reason()` chose, fixed."""
        import pystray

        from movebreak.adapters.icons import icon_image
        self._pystray = pystray
        self._icon_image = icon_image
        self.app = app
        self._status = status  # the latest snapshot (replaced whole; read without a lock)
        self._view = _view(status, app.clock())
        self._lock = threading.Lock()  # one update at a time: views never go back
        self._stop_requested = False
        self._live = False  # an icon's loop is ready; updates may go to the backend
        self._xorg_busy = threading.Lock()
        self._menus: list[Any] = []  # Gtk.Menu objects built by pystray (gtk backends)
        self._watch = watch
        self._loop: Any = None  # GLib.MainLoop (watching mode)
        self._icon: Any = None
        self.backend: str | None = None
        self._shown: tuple[bool, str] | None = None  # last reported (shown, detail)
        self._bus: Any = None  # Gio.DBusConnection (watching mode)
        self._watcher_owner: str | None = None
        self._sni_signal: int | None = None
        self._icon_dir: str | None = None  # "" when there is none (see indicator_icon_dir)
        if watch is None:
            if _selected is None and tray_unavailable_reason() is not None:
                raise RuntimeError("no tray available; call tray_unavailable_reason() first")
            assert _selected is not None
            self._make_icon(*_selected)
            if not getattr(self._icon, "HAS_MENU", True):
                from movebreak.app import say
                # TRANSLATORS: {backend} is a tray backend name (xorg).
                say("movebreak: " + _(
                    "tray backend '{backend}' has no menu (and ignores clicks); use "
                    "`movebreak status|snooze|pause|resume|break|quit` instead. Install "
                    "PyGObject (pip install 'movebreak[gtk]') for the menu.").format(
                    backend=self.backend))

    def _make_icon(self, backend: str, module: Any) -> None:
        """Main thread: build the pystray icon of `backend` (not shown yet)."""
        icon_class = module.Icon
        if backend in _GTK_BACKENDS and hasattr(icon_class, "_create_menu"):
            icon_class = _tracking_subclass(icon_class, self._menu_built)
        self.backend = backend
        self._icon = icon_class(
            "movebreak", icon=self._icon_image(self._view.state, ICON_SIZE),
            title=self._view.head, menu=self._pystray.Menu(self._items))
        status_icon = getattr(self._icon, "_status_icon", None)  # gtk: Gtk.StatusIcon
        if status_icon is not None:
            status_icon.set_has_tooltip(True)
            status_icon.connect("query-tooltip", self._on_query_tooltip)
            status_icon.connect("notify::embedded", lambda *_args: self._check_shown())
        indicator = getattr(self._icon, "_appindicator", None)
        if indicator is not None:
            indicator.connect("connection-changed", lambda *_args: self._check_shown())

    # -------------------------------------------------------------- lifecycle
    def run(self) -> None:
        """Main thread: show the icon and run the loop until `stop()`."""
        if self._stop_requested:
            return
        if self._watch is None:
            self._run_fixed()
            return
        from gi.repository import Gio, GLib
        self._loop = GLib.MainLoop.new(None, False)
        try:
            self._bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        except Exception as e:  # noqa: BLE001 - no session bus: XEmbed only
            log.info("tray: no session bus (%s); XEmbed only", e)
        watch_id = None
        if self._bus is not None and "appindicator" in self._watch:
            watch_id = Gio.bus_watch_name_on_connection(
                self._bus, SNI_WATCHER, Gio.BusNameWatcherFlags.NONE,
                self._on_watcher, self._on_no_watcher)
        else:
            GLib.idle_add(self._on_no_watcher)
        try:
            if not self._stop_requested:
                self._loop.run()
        finally:
            if watch_id is not None:
                Gio.bus_unwatch_name(watch_id)
            self._drop_icon()
            self._live = False

    def _run_fixed(self) -> None:
        """Main thread: pystray's own loop for a backend that is not watched."""
        try:
            self._icon.run(setup=self._setup)
        except Exception:
            log.exception("tray loop failed (%s backend)", self.backend)
            self._release_setup_thread()
        finally:
            self._live = False

    def stop(self) -> None:
        """Any thread: end `run()` (also when called before the loop started)."""
        self._stop_requested = True
        self._live = False
        if self._watch is not None:
            from gi.repository import GLib
            GLib.idle_add(self._quit_loop)
            return
        try:
            self._icon.stop()  # no-op until the loop is ready; `_setup` checks the flag then
        except Exception:
            log.exception("stopping the tray failed")

    def _quit_loop(self) -> bool:
        if self._loop is not None:
            self._loop.quit()
        return False

    def _setup(self, icon: Any) -> None:
        """pystray's setup thread, once the icon is ready: show it, apply the latest view."""
        if self._stop_requested or icon is not self._icon:
            if self._watch is None:
                icon.stop()
            return
        icon.visible = True
        self._live = True
        self.show(None, force=True)

    def _release_setup_thread(self) -> None:
        """pystray's setup thread waits for the loop to get ready; if it never did (the loop
        failed to start), let it go, or the non-daemon thread would keep the process alive."""
        thread = getattr(self._icon, "_setup_thread", None)
        if thread is not None and thread.is_alive() and not getattr(self._icon, "_running", True):
            self._stop_requested = True
            try:
                self._icon._mark_ready()
            except Exception:
                log.debug("releasing the tray setup thread failed", exc_info=True)

    # -------------------------------------------------------------- watching hosts
    def _on_watcher(self, conn, name: str, owner: str) -> None:
        """GLib loop: a StatusNotifier watcher is on the bus (now, or again)."""
        self._watcher_owner = owner
        self._use("appindicator" if "appindicator" in self._watch else "gtk")

    def _on_no_watcher(self, *_args: Any) -> bool:
        """GLib loop: no StatusNotifier watcher (any more): an XEmbed icon waits for a tray;
        on Wayland, where nothing can embed one, no icon waits for the next watcher."""
        self._watcher_owner = None
        if "gtk" in self._watch:
            self._use("gtk")
            return False
        if xembed_display():  # appindicator forced: libappindicator falls back to XEmbed
            self._use("appindicator")
            return False
        self._drop_icon()
        self.backend = "appindicator"
        self._report(False, _("waiting for a StatusNotifier host: a Wayland desktop has no "
                              "XEmbed tray, and no {name} is on the session bus").format(
                                  name=SNI_WATCHER))
        return False

    def _use(self, backend: str) -> None:
        """GLib loop: make sure the one icon is of `backend` (never two icons)."""
        if self._stop_requested:
            return
        if self.backend == backend and self._icon is not None:
            self._check_shown()
            return
        self._drop_icon()
        self._make_icon(backend, importlib.import_module(f"pystray._{backend}"))
        if backend == "appindicator" and self._bus is not None and self._sni_signal is None:
            self._sni_signal = self._bus.signal_subscribe(
                None, SNI_WATCHER, None, SNI_WATCHER_PATH, None,
                _gio_flags_none(), lambda *_args: self._check_shown())
        log.info("tray: using the %s backend", backend)
        self._icon.run_detached(setup=self._setup)
        self._check_shown()

    def _drop_icon(self) -> None:
        """GLib loop: hide and release the current icon (before another is made)."""
        icon, self._icon = self._icon, None
        self._live = False
        if icon is None:
            return
        status_icon = getattr(icon, "_status_icon", None)  # gtk
        indicator = getattr(icon, "_appindicator", None)  # appindicator
        try:
            if status_icon is not None:
                status_icon.set_visible(False)
            if indicator is not None:
                status = importlib.import_module("pystray._appindicator").AppIndicator
                indicator.set_status(status.IndicatorStatus.PASSIVE)
            icon._running = False  # detached: there is no loop of its own to stop
        except Exception:
            log.debug("hiding the %s icon failed", self.backend, exc_info=True)
        try:
            # the temp icon file; then pystray closes its own notification, which raises
            # when no notification server is there (before it lets go of the indicator)
            icon._finalize()
        except Exception:
            log.debug("releasing the %s icon failed", self.backend, exc_info=True)
        # Let go of the indicator even then: freed, it takes its D-Bus objects off the bus,
        # so the next indicator (same id, same path) can register them. pystray's atexit
        # hook would finalize this icon again at exit: it has nothing left to do.
        if indicator is not None:
            icon._appindicator = None
        icon._finalize = lambda: None
        for menu in self._menus:
            menu.destroy()
        self._menus.clear()

    def _check_shown(self) -> None:
        """GLib loop: is the icon really on a tray? Tell the app when the answer changes."""
        icon = self._icon
        if icon is None:
            return
        status_icon = getattr(icon, "_status_icon", None)
        if status_icon is not None:
            if status_icon.is_embedded():
                self._report(True, _("XEmbed: icon embedded in the system tray"))
            else:
                self._report(False, _("waiting for a system tray (no XEmbed tray manager owns "
                                      "_NET_SYSTEM_TRAY_S0, and no StatusNotifier watcher is "
                                      "on the session bus)"))
            return
        if self._bus is None or self._watcher_owner is None:
            self._report(False, _no_watcher())
            return
        from gi.repository import Gio, GLib
        self._bus.call(
            self._watcher_owner, SNI_WATCHER_PATH, "org.freedesktop.DBus.Properties", "Get",
            GLib.Variant("(ss)", (SNI_WATCHER, "RegisteredStatusNotifierItems")),
            GLib.VariantType.new("(v)"), Gio.DBusCallFlags.NONE, 2000, None,
            self._on_registered_items)

    def _on_registered_items(self, bus, result) -> None:
        """GLib loop: the watcher's list of registered items arrived."""
        try:
            items = bus.call_finish(result).unpack()[0]
        except Exception as e:  # noqa: BLE001
            self._report(False, _("the StatusNotifier watcher did not answer ({error})").format(
                error=e))
            return
        me = bus.get_unique_name() or ""
        # Xfce lists ":1.7/org/ayatana/...", GNOME's extension ":1.7@/org/ayatana/..."
        if any(item == me or item.startswith((me + "/", me + "@")) for item in items):
            self._report(True, _("StatusNotifierItem: registered with the watcher"))
        else:
            self._report(False, _("StatusNotifierItem not (yet) registered with the watcher"))

    def _report(self, shown: bool, detail: str) -> None:
        """GLib loop: hand a change of 'really shown' to the app's owner."""
        if self._shown == (shown, detail):
            return
        self._shown = (shown, detail)
        tray_changed = getattr(self.app, "tray_changed", None)
        if tray_changed is not None:
            self.app.submit(tray_changed, shown, self.backend, detail)

    # -------------------------------------------------------------- updates
    def show(self, status: Status | None, force: bool = False) -> None:
        """Owner: take a new snapshot; update icon, title and menu if what they show changed.
        pystray's setup thread passes None: apply the latest one (read under the lock, so a
        snapshot it read earlier can never replace a newer one from the owner). Never blocks
        on the GTK loop."""
        with self._lock:
            if status is not None:
                self._status = status
            status = self._status
            view = _view(status, self.app.clock())
            old, self._view = self._view, view
            if not self._live:
                return  # `_setup` applies the latest snapshot once the loop is ready
            changed = {
                "icon": force or view.state != old.state,
                "title": force or view.head != old.head,
                "menu": force or view != old,
            }
            if not any(changed.values()):
                return
            if self.backend == "xorg":
                self._apply_xorg(view, changed)
            else:
                self._apply(view, changed)

    def _apply(self, view: _View, changed: dict[str, bool]) -> None:
        """Backend setters that marshal to the loop thread themselves (gtk: GLib.idle_add)."""
        icon = self._icon
        try:
            if changed["icon"]:
                icon.icon = self._icon_image(view.state, ICON_SIZE)
            if changed["title"]:
                icon.title = view.head
            if changed["menu"]:
                icon.update_menu()
            if self.backend in _GTK_BACKENDS:
                from gi.repository import GLib
                GLib.idle_add(self._gtk_after_update, view.head if changed["title"] else None)
        except Exception:
            log.exception("tray update failed")

    def _apply_xorg(self, view: _View, changed: dict[str, bool]) -> None:
        """xorg's setters wait for its loop; never let them block the caller (the owner)."""
        if not self._xorg_busy.acquire(blocking=False):
            return  # an update is under way; the next snapshot catches up

        def work() -> None:
            try:
                if self._live:
                    self._apply(view, changed)
            finally:
                self._xorg_busy.release()

        threading.Thread(target=work, name="tray-update", daemon=True).start()

    def _fresh_head(self) -> str:
        """GLib loop (main thread): the status line with the countdown as of now (menus and
        tooltips are shown later than the last snapshot, which may be 30 s old)."""
        return next_due_text(self._status, self.app.clock())

    def _on_query_tooltip(self, status_icon, x, y, keyboard_mode, tooltip) -> bool:
        """GLib loop (main thread): GTK asks for the hover text."""
        tooltip.set_text(self._fresh_head())
        return True

    def _menu_built(self, menu: Any) -> None:
        """GLib loop (main thread): pystray built a menu; refresh its status line on show."""
        self._menus.append(menu)
        menu.connect("show", self._on_menu_show)

    def _on_menu_show(self, menu: Any) -> None:
        """GLib loop (main thread): the menu pops up; put the current countdown in line one."""
        from gi.repository import GLib
        items = menu.get_children()
        label = items[0].get_child() if items else None
        if label is not None and hasattr(label, "set_markup"):
            label.set_markup(f"<b>{GLib.markup_escape_text(self._fresh_head())}</b>")

    def _gtk_after_update(self, title: str | None) -> bool:
        """GLib loop (main thread): set the title, name the indicator's icon, destroy the
        menus pystray replaced."""
        status_icon = getattr(self._icon, "_status_icon", None)
        if title is not None and status_icon is not None:
            status_icon.set_title(title)  # pystray skips the title it was constructed with
        self._name_indicator_icon()
        current = getattr(self._icon, "_menu_handle", None)
        keep = []
        for menu in self._menus:
            # pystray drops replaced menus without destroying them; a menu that was popped
            # up keeps its popup window until destroyed.
            if menu is current or menu.get_visible():
                keep.append(menu)
            else:
                menu.destroy()
        self._menus[:] = keep
        return False

    def _name_indicator_icon(self) -> None:
        """GLib loop (main thread), appindicator: give the item its icon as a PNG by name in
        its icon theme path (IconThemePath + IconName), after pystray set it as the path of a
        temporary file. Hosts that look icons up by name only (swaybar) show a missing-image
        icon for a path; GNOME's extension, Plasma and Xfce take a name in a theme path too."""
        indicator = getattr(self._icon, "_appindicator", None)
        if indicator is None:
            return
        if self._icon_dir is None:
            self._icon_dir = indicator_icon_dir()
        if not self._icon_dir:  # no icons to name: pystray's file stays
            return
        indicator.set_icon_theme_path(self._icon_dir)
        indicator.set_icon_full(f"movebreak-{self._view.state}", "movebreak")

    # -------------------------------------------------------------- the menu
    def _items(self):
        """GLib loop / pystray: the menu items for the current view (a generator)."""
        item, sep, menu = self._pystray.MenuItem, self._pystray.Menu.SEPARATOR, self._pystray.Menu
        v = self._view
        req = self._request
        for e in menu_entries(v):
            if e.label is None:
                yield sep
            elif e.action == "status":
                yield item(e.label, self._show_status, default=True, enabled=False)
            elif e.action is None:
                yield item(e.label, None, enabled=False)
            elif e.submenu:
                yield item(e.label, menu(*[item(label, req(*request))
                                           for label, request in e.submenu]))
            else:
                yield item(e.label, req(e.action, *e.args), enabled=e.enabled)

    def _request(self, action: str, *args: Any) -> Callable[[], None]:
        """A menu callback (GLib loop) that hands `action` to the app without waiting: the
        owner applies it and publishes a new snapshot, which updates the menu."""
        def callback() -> None:
            self.app.request(action, *args)
        return callback

    def _show_status(self) -> None:
        """GLib loop: the left-click status as a (pystray) notification."""
        lines = status_lines(self._status, self.app.clock())
        if getattr(self._icon, "HAS_NOTIFICATION", False):
            self._icon.notify("\n".join(lines), "movebreak")  # the app's name: never translated


@dataclass(frozen=True)
class MenuEntry:
    """One tray menu line: `label` None is a separator; `action` a request for the app (with
    `args`), "status" (the bold status line) or None (a line to read); `submenu` lists
    (label, request) pairs, a request being the action and its args."""

    label: str | None
    action: str | None = None
    args: tuple = ()
    enabled: bool = True
    submenu: tuple[tuple[str, tuple], ...] = ()


def menu_entries(v: _View) -> list[MenuEntry]:
    """The menu for a view, in the current language, as plain data (pure: tests read it)."""
    sep = MenuEntry(None)
    out = [MenuEntry(v.head, "status")]
    # TRANSLATORS: a warning line at the top of the tray menu; {warning} says what is wrong.
    out += [MenuEntry(_("\u26a0 {warning}").format(warning=w)) for w in v.warnings]
    out.append(sep)
    if v.pending_title:
        # TRANSLATORS: the tray menu's line for the reminder waiting for an answer.
        out.append(MenuEntry(_("Waiting: {title}").format(title=v.pending_title)))
        out.append(MenuEntry(pgettext("button", "Done"), "done"))
        out.append(MenuEntry(v.snooze_label, "snooze"))
        out.append(MenuEntry(pgettext("button", "Skip"), "skip"))
    else:
        out.append(MenuEntry(v.snooze_label, "snooze", enabled=not v.paused))
    out.append(sep)
    out.append(MenuEntry(_("Take a break now"), "break_now", submenu=tuple(
        (k.title, ("break_now", kind)) for kind, k in KINDS.items())))
    if v.paused:
        out.append(MenuEntry(_("Resume"), "resume"))
    else:
        out.append(MenuEntry(_("Pause"), "pause", submenu=(
            (_("30 minutes"), ("pause", 30 * 60)),
            (_("1 hour"), ("pause", 3600)),
            (_("2 hours"), ("pause", 2 * 3600)),
            (_("Until tomorrow"), ("pause_until_tomorrow",)),
            (_("Until resumed"), ("pause", None)),
        )))
    out.append(sep)
    out += [MenuEntry(_("Settings..."), "settings"), MenuEntry(_("History..."), "history"),
            MenuEntry(_("Stretch routine..."), "routine"), MenuEntry(_("Tips..."), "tips"),
            MenuEntry(_("Safety info"), "safety")]
    out.append(sep)
    out.append(MenuEntry(_("Quit"), "quit"))
    return out


def _gio_flags_none() -> Any:
    from gi.repository import Gio
    return Gio.DBusSignalFlags.NONE


def indicator_icon_dir() -> str:
    """A folder with the icon of each state as movebreak-<state>.png, for a StatusNotifier
    host to read by name; "" if there is none. The shipped PNGs are copied to the session's
    runtime folder ($XDG_RUNTIME_DIR, which the tray host shares with us), because the host
    may not be able to read where movebreak is installed (a sandboxed bar, a private venv).
    Without a runtime folder the icon stays pystray's file (GNOME, Plasma and Xfce show it).
    GLib loop, once per tray."""
    import shutil
    from pathlib import Path

    from movebreak.adapters.icons import STATES, icon_path
    sources = {state: icon_path(state, ICON_SIZE) for state in STATES}
    if any(path is None for path in sources.values()):
        return ""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        folder = Path(runtime) / "movebreak-icons"
        try:
            folder.mkdir(exist_ok=True)
            folder.chmod(0o755)
            for state, path in sources.items():
                target = folder / f"movebreak-{state}.png"
                shutil.copyfile(path, target)
                target.chmod(0o644)
            return str(folder)
        except OSError as e:
            log.info("tray icons not copied to %s (%s)", folder, e)
    return ""


def _tracking_subclass(icon_class: type, on_built: Callable[[Any], None]) -> type:
    """The backend's Icon, reporting every top-level Gtk.Menu it builds to `on_built` (see
    `Tray._menu_built`). Menus are built in the GLib loop (main thread)."""
    depth = [0]  # submenus are built inside the outer call; their parent item owns them

    class Icon(icon_class):  # type: ignore[misc, valid-type]
        def _create_menu(self, descriptors):
            depth[0] += 1
            try:
                built = super()._create_menu(descriptors)
            finally:
                depth[0] -= 1
            if built is not None and depth[0] == 0:
                on_built(built)
            return built

    Icon.__name__ = icon_class.__name__
    return Icon


__all__ = ["ICON_SIZE", "MenuEntry", "Tray", "chosen_backend", "menu_entries",
           "tray_unavailable_reason"]
