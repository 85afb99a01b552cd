"""The tray icon and its live menu (pystray), plus the check whether a tray can be shown at all.

Backend (`tray_unavailable_reason()` picks it, `Tray` uses it): `PYSTRAY_BACKEND` wins; on
Linux/BSD with an XEmbed tray host (a window owns `_NET_SYSTEM_TRAY_S<n>`) `gtk`, then
`appindicator`, then `xorg` (no menu: we say so, the CLI still works); with only a
StatusNotifier watcher on the session bus (GNOME with the AppIndicator extension, KDE on Wayland)
`appindicator`; macOS/Windows: pystray's default.

Threads: `run()` on the main thread (pystray rule) until `stop()`; `stop()` from any thread;
`show(status)` from the owner after each change. The tray never touches the engine or history:
it draws the owner's immutable status snapshot, and a menu action only hands a request to the
app (`app.request(...)`), which the owner applies. `show()` only touches the backend through
pystray calls that marshal to the loop thread (gtk/appindicator: `GLib.idle_add`); xorg's
setters block until its loop answers, so there they run on a helper thread.

Signals are not handled here: the process blocks them in every thread and one thread takes them
(adapters/signals.py), so pystray resetting SIGINT to its default action is harmless.

Left click (gtk; xorg ignores clicks, appindicator has none): the bold status line is the
default item; it shows the status (next reminder per kind, today's counts) as a notification.

If the tray host goes away (trayer killed), GTK keeps the icon alive unembedded and re-embeds it
when a new host takes the tray selection; the app, its notifications and the CLI carry on.
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

from movebreak.core.catalog import KINDS
from movebreak.core.status import Status
from movebreak.core.texts import next_due_text, snooze_label, status_lines

log = logging.getLogger(__name__)

#: Pixel size of the image handed to pystray (GTK scales it to the tray's slot).
ICON_SIZE = 64
LINUX_ORDER = ("gtk", "appindicator", "xorg")
SNI_WATCHER = "org.kde.StatusNotifierWatcher"
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
            return ("no display: DISPLAY is not set (nor WAYLAND_DISPLAY), so there is no "
                    "desktop to put a tray icon on")
        xembed, x_why = _xembed_host(display)
        sni, sni_why = _sni_watcher()
        if not xembed and not sni:
            return f"no system tray: {x_why}, and {sni_why}"
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
    return "pystray could not load a tray backend (" + "; ".join(errors) + ")"


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
        GLib.set_application_name("movebreak")
    except Exception:
        log.debug("could not set the GTK program name", exc_info=True)


def _xembed_host(display: str) -> tuple[bool, str]:
    """Does some window own the XEmbed tray selection of the default screen?"""
    if not display:
        return False, "DISPLAY is not set"
    try:
        from Xlib import X
        from Xlib import display as xdisplay
    except ImportError as e:
        return False, f"python-xlib is missing ({e})"
    try:
        d = xdisplay.Display(display)
    except Exception as e:  # noqa: BLE001
        return False, f"cannot open X display {display} ({e})"
    try:
        sel = f"_NET_SYSTEM_TRAY_S{d.get_default_screen()}"
        owner = d.get_selection_owner(d.intern_atom(sel))
        owner_id = 0 if owner == X.NONE else int(getattr(owner, "id", owner))
        if owner_id:
            return True, f"{sel} is owned by window 0x{owner_id:x}"
        return False, f"no tray host owns {sel} on display {display}"
    except Exception as e:  # noqa: BLE001
        return False, f"X display {display}: {e}"
    finally:
        d.close()


def _sni_watcher() -> tuple[bool, str]:
    """Is a StatusNotifier watcher (AppIndicator host) on the session bus?"""
    try:
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection
        from jeepney.wrappers import unwrap_msg
    except ImportError as e:
        return False, f"jeepney is missing to ask the session bus ({e})"
    try:
        conn = open_dbus_connection(bus="SESSION")
    except KeyError:
        return False, "no session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
    except Exception as e:  # noqa: BLE001
        return False, f"no session bus ({e})"
    try:
        reply = conn.send_and_get_reply(message_bus.NameHasOwner(SNI_WATCHER), timeout=1.0)
        if unwrap_msg(reply)[0]:
            return True, f"{SNI_WATCHER} is on the session bus"
        return False, f"no StatusNotifier watcher ({SNI_WATCHER}) on the session bus"
    except Exception as e:  # noqa: BLE001
        return False, f"asking the session bus for {SNI_WATCHER} failed ({e})"
    finally:
        conn.close()


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


def _view(status: Status, now) -> _View:
    return _View(state=status.state, head=next_due_text(status, now), paused=status.paused,
                 pending_title=status.pending.title if status.pending else None,
                 snooze_label=snooze_label(status.snooze_s))


class Tray:
    """The pystray icon with a menu built from the owner's status snapshots. See the module
    docstring."""

    def __init__(self, app: Any, status: Status) -> None:
        """Main thread, after `tray_unavailable_reason()` returned None."""
        if _selected is None and tray_unavailable_reason() is not None:
            raise RuntimeError("no tray available; call tray_unavailable_reason() first")
        assert _selected is not None
        self.backend, module = _selected
        import pystray

        from movebreak.adapters.icons import icon_image
        self._pystray = pystray
        self._icon_image = icon_image
        self.app = app
        self._status = status  # the latest snapshot (replaced whole; read without a lock)
        self._view = _view(status, app.clock())
        self._lock = threading.Lock()  # one update at a time: views never go back
        self._stop_requested = False
        self._live = False  # pystray loop ready; updates may go to the backend
        self._xorg_busy = threading.Lock()
        self._menus: list[Any] = []  # Gtk.Menu objects built by pystray (gtk backends)
        icon_class = module.Icon
        if self.backend in _GTK_BACKENDS and hasattr(icon_class, "_create_menu"):
            icon_class = _tracking_subclass(icon_class, self._menu_built)
        self._icon = icon_class(
            "movebreak", icon=icon_image(self._view.state, ICON_SIZE),
            title=self._view.head, menu=pystray.Menu(self._items))
        status_icon = getattr(self._icon, "_status_icon", None)  # gtk: Gtk.StatusIcon
        if status_icon is not None:
            status_icon.set_has_tooltip(True)
            status_icon.connect("query-tooltip", self._on_query_tooltip)
        if not getattr(icon_class, "HAS_MENU", True):
            from movebreak.app import say
            say(f"movebreak: tray backend '{self.backend}' has no menu (and ignores clicks); "
                "use `movebreak status|snooze|pause|resume|break|quit` instead. Install "
                "PyGObject (pip install 'movebreak[gtk]') for the menu.")

    # -------------------------------------------------------------- lifecycle
    def run(self) -> None:
        """Main thread: show the icon and run the backend loop until `stop()`."""
        if self._stop_requested:
            return
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
        try:
            self._icon.stop()  # no-op until the loop is ready; `_setup` checks the flag then
        except Exception:
            log.exception("stopping the tray failed")

    def _setup(self, icon: Any) -> None:
        """pystray's setup thread, once the loop is ready: show the icon, apply the view."""
        icon.visible = True
        if self._stop_requested:
            icon.stop()
            return
        self._live = True
        self.show(self._status, force=True)

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

    # -------------------------------------------------------------- updates
    def show(self, status: Status, force: bool = False) -> None:
        """Owner (or pystray's setup thread): take a new snapshot; update icon, title and
        menu if what they show changed. Never blocks on the GTK loop."""
        with self._lock:
            self._status = status
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
        """GLib loop (main thread): set the title, destroy the menus pystray replaced."""
        status_icon = getattr(self._icon, "_status_icon", None)
        if title is not None and status_icon is not None:
            status_icon.set_title(title)  # pystray skips the title it was constructed with
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

    # -------------------------------------------------------------- the menu
    def _items(self):
        """GLib loop / pystray: the menu items for the current view (a generator)."""
        item, sep, menu = self._pystray.MenuItem, self._pystray.Menu.SEPARATOR, self._pystray.Menu
        v = self._view
        req = self._request
        yield item(v.head, self._show_status, default=True, enabled=False)
        yield sep
        if v.pending_title:
            yield item(f"Waiting: {v.pending_title}", None, enabled=False)
            yield item("Done", req("done"))
            yield item(v.snooze_label, req("snooze"))
            yield item("Skip", req("skip"))
        else:
            yield item(v.snooze_label, req("snooze"), enabled=not v.paused)
        yield sep
        yield item("Take a break now", menu(*[
            item(k.title, req("break_now", kind)) for kind, k in KINDS.items()]))
        if v.paused:
            yield item("Resume", req("resume"))
        else:
            yield item("Pause", menu(
                item("30 minutes", req("pause", 30 * 60)),
                item("1 hour", req("pause", 3600)),
                item("2 hours", req("pause", 2 * 3600)),
                item("Until tomorrow", req("pause_until_tomorrow")),
                item("Until resumed", req("pause", None)),
            ))
        yield sep
        yield item("Settings...", req("settings"))
        yield item("History...", req("history"))
        yield item("Stretch routine...", req("routine"))
        yield item("Safety info", req("safety"))
        yield sep
        yield item("Quit", req("quit"))

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
            self._icon.notify("\n".join(lines), "movebreak")


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


__all__ = ["ICON_SIZE", "Tray", "chosen_backend", "tray_unavailable_reason"]
