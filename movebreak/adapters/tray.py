"""The tray icon and its live menu (pystray), plus the check whether a tray can be shown at all.

Backend (`tray_unavailable_reason()` picks it, `Tray` uses it): `PYSTRAY_BACKEND` wins; on
Linux/BSD with an XEmbed tray host (a window owns `_NET_SYSTEM_TRAY_S<n>`) `gtk`, then
`appindicator`, then `xorg` (no menu: we say so, the CLI still works); with only a
StatusNotifier watcher on the session bus (GNOME with the AppIndicator extension, KDE on Wayland)
`appindicator`; macOS/Windows: pystray's default.

Threads: `run()` on the main thread (pystray rule) until `stop()`; `stop()` and `refresh()` from
any thread. Menu actions run on a short-lived "tray-action" thread, so a slow command never
freezes the GTK loop. `refresh()` only touches the backend through pystray calls that marshal to
the loop thread (gtk/appindicator: `GLib.idle_add`); xorg's setters block until its loop answers,
so there they run on a helper thread.

Signals: pystray's gtk loop resets SIGINT to SIG_DFL (Ctrl+C would kill the app uncleanly), and
Python handlers run only when the loop calls back into Python. So with gtk/appindicator, `run()`
keeps cli.py's handlers and adds `GLib.unix_signal_add` sources for SIGTERM, SIGINT and SIGHUP
(GLib wakes the loop on the signal itself; no polling timer) that call them (`app.quit()` /
reload); after the loop they are removed and the Python handlers re-installed. xorg's loop is
Python blocked in select(), which Python's own signal handling interrupts.

Left click (gtk; xorg ignores clicks, appindicator has none): the bold status line is the
default item; it shows the status (next reminder per kind, today's counts) as a notification.

If the tray host goes away (trayer killed), GTK keeps the icon alive unembedded and re-embeds it
when a new host takes the tray selection; the app, its notifications and the CLI carry on.
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from movebreak.core.catalog import KINDS

log = logging.getLogger(__name__)

#: Pixel size of the image handed to pystray (GTK scales it to the tray's slot).
ICON_SIZE = 64
LINUX_ORDER = ("gtk", "appindicator", "xorg")
SNI_WATCHER = "org.kde.StatusNotifierWatcher"
_GTK_BACKENDS = ("gtk", "appindicator")
_SIGNALS = ("SIGTERM", "SIGINT", "SIGHUP")

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
    """One snapshot of what the icon and menu show (compared to skip needless updates)."""

    state: str  # icon variant: normal / paused / waiting
    head: str  # first menu line and tooltip
    paused: bool
    pending_title: str | None
    snooze_label: str


class Tray:
    """The pystray icon with a menu built from the app's status. See the module docstring."""

    def __init__(self, app: Any) -> None:
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
        self._lock = threading.Lock()  # guards _view
        self._refresh_lock = threading.Lock()  # one refresh at a time: views never go back
        self._view = self._snapshot()
        self._stop_requested = False
        self._live = False  # pystray loop ready; updates may go to the backend
        self._xorg_busy = threading.Lock()
        self._signal_sources: list[int] = []
        self._saved_handlers: dict[int, Any] = {}
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
        gtk = self.backend in _GTK_BACKENDS
        if gtk:
            from gi.repository import GLib
            for name in _SIGNALS:  # cli.py's handlers, before pystray resets SIGINT
                sig = getattr(signal, name, None)
                if sig is not None:
                    self._saved_handlers[sig] = signal.getsignal(sig)
            GLib.idle_add(self._install_signal_sources)  # runs inside the loop
        try:
            self._icon.run(setup=self._setup)
        except Exception:
            log.exception("tray loop failed (%s backend)", self.backend)
            self._release_setup_thread()
        finally:
            self._live = False
            if gtk:
                self._remove_signal_sources()

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
        self.refresh(force=True)

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

    # -------------------------------------------------------------- signals (gtk loop)
    def _install_signal_sources(self) -> bool:
        """GLib loop (main thread): route SIGTERM/SIGINT/SIGHUP to the Python handlers."""
        from gi.repository import GLib
        for sig in self._saved_handlers:
            self._signal_sources.append(
                GLib.unix_signal_add(GLib.PRIORITY_HIGH, sig, self._on_signal, sig))
        return False  # one-shot idle callback

    def _on_signal(self, sig: int) -> bool:
        """GLib loop (main thread): a signal arrived; do what cli.py's handler would do."""
        handler = self._saved_handlers.get(sig)
        try:
            if callable(handler):
                handler(sig, None)
            elif sig != getattr(signal, "SIGHUP", None) and handler != signal.SIG_IGN:
                self.app.quit()
        except Exception:
            log.exception("signal %s handler failed", sig)
        return True  # keep the source

    def _remove_signal_sources(self) -> None:
        """Main thread, after the loop: drop the GLib sources, give signals back to Python."""
        from gi.repository import GLib
        for source in self._signal_sources:
            try:
                GLib.source_remove(source)
            except Exception:  # noqa: BLE001 - already gone with the loop
                log.debug("signal source %s already removed", source)
        self._signal_sources.clear()
        for sig, handler in self._saved_handlers.items():
            try:
                signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
            except (ValueError, TypeError, OSError):
                pass
        self._saved_handlers.clear()

    # -------------------------------------------------------------- refresh
    def refresh(self, force: bool = False) -> None:
        """Any thread (never while holding the app's lock): re-read the app status; update icon,
        title and menu if they changed."""
        with self._refresh_lock:
            self._refresh(force)

    def _refresh(self, force: bool) -> None:
        try:
            view = self._snapshot()
        except Exception:
            log.exception("tray refresh: status failed")
            return
        with self._lock:
            old, self._view = self._view, view
        if not self._live:
            return  # `_setup` applies the latest view once the loop is ready
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
        """xorg's setters wait for its loop; never let them block the caller (scheduler)."""
        if not self._xorg_busy.acquire(blocking=False):
            return  # an update is under way; the next refresh catches up

        def work() -> None:
            try:
                if self._live:
                    self._apply(view, changed)
            finally:
                self._xorg_busy.release()

        threading.Thread(target=work, name="tray-update", daemon=True).start()

    def _fresh_head(self) -> str:
        """Main thread: the status line computed now (menus and tooltips are shown later than
        the last refresh, which may be up to 30 s old)."""
        from movebreak.app import next_due_text
        try:
            return next_due_text(self.app.status())
        except Exception:  # noqa: BLE001
            with self._lock:
                return self._view.head

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
    def _snapshot(self) -> _View:
        """Any thread: the app's status turned into what the tray shows."""
        from movebreak.app import next_due_text, snooze_label
        st = self.app.status()
        pending = st.get("pending")
        paused = bool(st.get("paused"))
        state = "paused" if paused else "waiting" if pending else "normal"
        snooze_s = getattr(getattr(self.app, "settings", None), "snooze_s", 600)
        return _View(state=state, head=next_due_text(st), paused=paused,
                     pending_title=pending["title"] if pending else None,
                     snooze_label=snooze_label(snooze_s))

    def _items(self):
        """GLib loop / pystray: the menu items for the current view (a generator)."""
        item, sep, menu = self._pystray.MenuItem, self._pystray.Menu.SEPARATOR, self._pystray.Menu
        with self._lock:
            v = self._view
        app = self.app
        yield item(v.head, self._action(self._show_status), default=True, enabled=False)
        yield sep
        if v.pending_title:
            yield item(f"Waiting: {v.pending_title}", None, enabled=False)
            yield item("Done", self._action(app.done))
            yield item(v.snooze_label, self._action(app.snooze))
            yield item("Skip", self._action(app.skip))
        else:
            yield item(v.snooze_label, self._action(app.snooze), enabled=not v.paused)
        yield sep
        yield item("Take a break now", menu(*[
            item(k.title, self._action(app.break_now, kind)) for kind, k in KINDS.items()]))
        if v.paused:
            yield item("Resume", self._action(app.resume))
        else:
            yield item("Pause", menu(
                item("30 minutes", self._action(app.pause, 30 * 60)),
                item("1 hour", self._action(app.pause, 3600)),
                item("2 hours", self._action(app.pause, 2 * 3600)),
                item("Until tomorrow", self._action(app.pause_until_tomorrow)),
                item("Until resumed", self._action(app.pause, None)),
            ))
        yield sep
        yield item("Settings...", self._action(app.open_settings))
        yield item("History...", self._action(app.open_history))
        yield item("Stretch routine...", self._action(app.start_routine))
        yield item("Safety info", self._action(app.show_safety))
        yield sep
        yield item("Quit", self._action(app.quit))

    def _action(self, fn: Callable[..., Any], *args: Any) -> Callable[[], None]:
        """A menu callback that runs `fn(*args)` on its own thread (never in the GTK loop)."""
        def run() -> None:
            try:
                fn(*args)
            except Exception as e:  # noqa: BLE001 - EngineError: answered meanwhile
                log.warning("tray: %s failed: %s", getattr(fn, "__name__", fn), e)
            self.refresh()

        def callback() -> None:
            threading.Thread(target=run, name="tray-action", daemon=True).start()
        return callback

    def _show_status(self) -> None:
        """tray-action thread: the left-click status as a (pystray) notification."""
        from movebreak.app import next_due_text
        from movebreak.core.durations import format_countdown
        st = self.app.status()
        lines = [next_due_text(st)]
        if st.get("pending"):
            lines.append(f"Waiting: {st['pending']['title']}")
        for kind, k in (st.get("kinds") or {}).items():
            if k.get("enabled") and k.get("in_s") is not None:
                lines.append(f"{KINDS[kind].title}: in {format_countdown(max(0, k['in_s']))}")
        today = st.get("today") or {}
        lines.append("Today: " + ", ".join(
            f"{today.get(t, 0)} {t}" for t in ("done", "snoozed", "skipped", "natural")))
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
