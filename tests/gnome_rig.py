"""A real GNOME Shell 43, headless on Wayland, for tests: `gnome-shell --headless --wayland
--no-x11 --virtual-monitor 1280x800` on a private session bus (and a stand-in system bus, or
the shell dies on logind), with the AppIndicator extension enabled.

How it is set up (facts checked on Debian bookworm):
- The buses activate only what GNOME needs: the shell's notification helper (gjs) and dconf
  (`notifications=False` leaves the helper out: a session whose notification service is
  missing). The bus daemons get the session's XDG folders in their environment, so the dconf
  service they start writes where the shell reads.
- The extension is enabled with `gsettings` before the shell starts.
- Input: Mutter's RemoteDesktop D-Bus API types real key presses. Tests use it once to open
  Looking Glass (Alt+F2, `lg`) and switch the shell to unsafe mode, which allows
  `org.gnome.Shell.Eval` (to read notifications and press their buttons through the shell's own
  code) and `org.gnome.Shell.Screenshot` (for `make screenshots`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from desktop_rig import _BUS_CONF, DesktopRig, _need, _tail

EXTENSION = "ubuntu-appindicators@ubuntu.com"
SNI_WATCHER = "org.kde.StatusNotifierWatcher"
SERVICES = "/usr/share/dbus-1/services"
PACKAGES = {"gnome-shell": "gnome-shell", "gjs": "gjs", "gsettings": "libglib2.0-bin"}
_KEYS = {"alt": 0xFFE9, "f2": 0xFFBF, "return": 0xFF0D, "escape": 0xFF1B}


class GnomeRig:
    """Start/stop a headless GNOME Shell with its own buses; drive it over D-Bus."""

    def __init__(self, notifications: bool = True, unsafe: bool = True) -> None:
        """`notifications=False`: no notification service; `unsafe=False`: no Eval, no
        screenshots (saves the ~4 s of typing into Looking Glass)."""
        self.with_notifications = notifications
        self.unsafe = unsafe
        self.tmp: Path | None = None
        self.env: dict[str, str] = {}
        self._procs: list[subprocess.Popen] = []
        self._shell: subprocess.Popen | None = None
        self._bus: Any = None  # Gio.DBusConnection of this process to the rig's bus

    # ---- lifecycle -------------------------------------------------------------------
    def start(self) -> GnomeRig:
        for b in ("gnome-shell", "gjs", "gsettings", "dbus-daemon"):
            if shutil.which(b) is None:
                raise RuntimeError(f"gnome rig: `{b}` not found (install the Debian package "
                                   f"`{PACKAGES.get(b, 'dbus')}`)")
        ext = Path("/usr/share/gnome-shell/extensions") / EXTENSION
        if not ext.exists():
            raise RuntimeError("gnome rig: the AppIndicator extension is missing (install the "
                               "Debian package `gnome-shell-extension-appindicator`)")
        self.tmp = Path(tempfile.mkdtemp(prefix="movebreak-gnome-"))
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        assert self.tmp is not None
        services = self.tmp / "services"
        services.mkdir()
        wanted = ["ca.desrt.dconf.service"]
        if self.with_notifications:
            wanted.append("org.gnome.Shell.Notifications.service")
        for name in wanted:
            shutil.copy(Path(SERVICES) / name, services)
        run = self.tmp / "run"
        run.mkdir(mode=0o700)
        base = {k: v for k, v in os.environ.items()
                if k not in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS")}
        base.update(XDG_RUNTIME_DIR=str(run), XDG_CONFIG_HOME=str(self.tmp / "config"),
                    XDG_DATA_HOME=str(self.tmp / "data"), XDG_CACHE_HOME=str(self.tmp / "cache"),
                    NO_AT_BRIDGE="1", GSETTINGS_BACKEND="dconf")
        addresses = {}
        for name in ("session", "system"):
            conf = self.tmp / f"{name}.conf"
            conf.write_text(_BUS_CONF.format(socket=self.tmp / f"{name}.sock",
                                             servicedir=services))
            proc = subprocess.Popen([_need("dbus-daemon"), f"--config-file={conf}", "--nofork",
                                     "--print-address=1"], env=base, stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
            self._procs.append(proc)
            assert proc.stdout is not None
            addresses[name] = proc.stdout.readline().decode().strip()
        self.env = dict(base, DBUS_SESSION_BUS_ADDRESS=addresses["session"],
                        DBUS_SYSTEM_BUS_ADDRESS=addresses["system"],
                        WAYLAND_DISPLAY="wayland-0")
        subprocess.run(["gsettings", "set", "org.gnome.shell", "enabled-extensions",
                        f"['{EXTENSION}']"], env=self.env, check=True, timeout=10)
        log = open(self.tmp / "shell.log", "wb")  # noqa: SIM115 - closed with the process
        self._shell = subprocess.Popen(
            ["gnome-shell", "--headless", "--wayland", "--no-x11", "--virtual-monitor",
             "1280x800"], env={k: v for k, v in self.env.items() if k != "WAYLAND_DISPLAY"},
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self._procs.append(self._shell)
        log.close()
        DesktopRig.wait_for(lambda: self._alive() and SNI_WATCHER in self.bus_names(), 30,
                            "GNOME Shell with the AppIndicator extension's watcher")
        DesktopRig.wait_for(lambda: (run / "wayland-0").exists(), 5, "the Wayland socket")
        DesktopRig.wait_for(lambda: "org.gnome.Mutter.RemoteDesktop" in self.bus_names(), 10,
                            "Mutter's RemoteDesktop service")
        if self.unsafe:
            self._unsafe_mode()

    def _alive(self) -> bool:
        if self._shell is None or self._shell.poll() is not None:
            raise RuntimeError("gnome-shell exited: " + self.log())
        return True

    def stop(self) -> None:
        if self._bus is not None:
            self._bus.close_sync(None)
            self._bus = None
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
            if proc.stdout is not None:
                proc.stdout.close()
        self._procs.clear()
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def log(self) -> str:
        return _tail(self.tmp / "shell.log", 3000) if self.tmp else ""

    # ---- D-Bus -----------------------------------------------------------------------
    @property
    def bus(self):
        from gi.repository import Gio
        if self._bus is None:
            self._bus = Gio.DBusConnection.new_for_address_sync(
                self.env["DBUS_SESSION_BUS_ADDRESS"],
                Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
                | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        return self._bus

    def call(self, dest: str, path: str, iface: str, method: str, args: Any = None,
             reply: str | None = None, timeout_ms: int = 5000) -> Any:
        from gi.repository import GLib
        result = self.bus.call_sync(dest, path, iface, method, args,
                                    GLib.VariantType.new(reply) if reply else None, 0,
                                    timeout_ms, None)
        return result.unpack() if result is not None else None

    def bus_names(self) -> list[str]:
        return self.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                         "ListNames", None, "(as)")[0]

    def get_property(self, dest: str, path: str, iface: str, name: str) -> Any:
        from gi.repository import GLib
        return self.call(dest, path, "org.freedesktop.DBus.Properties", "Get",
                         GLib.Variant("(ss)", (iface, name)), "(v)")[0]

    def registered_items(self) -> list[str]:
        return list(self.get_property(SNI_WATCHER, "/StatusNotifierWatcher", SNI_WATCHER,
                                      "RegisteredStatusNotifierItems"))

    def eval(self, js: str) -> Any:
        """Run JavaScript in the shell (unsafe mode); returns its JSON-decoded result."""
        from gi.repository import GLib
        ok, out = self.call("org.gnome.Shell", "/org/gnome/Shell", "org.gnome.Shell", "Eval",
                            GLib.Variant("(s)", (js,)), "(bs)")
        if not ok:
            raise RuntimeError(f"shell Eval failed: {out}")
        return json.loads(out) if out else None

    def idle_ms(self) -> int:
        return self.call("org.gnome.Mutter.IdleMonitor", "/org/gnome/Mutter/IdleMonitor/Core",
                         "org.gnome.Mutter.IdleMonitor", "GetIdletime", None, "(t)")[0]

    # ---- input -----------------------------------------------------------------------
    def type_keys(self, *steps: str | tuple[str, ...]) -> None:
        """Real key presses through Mutter's RemoteDesktop API: each step is a text to type or
        a tuple of key names pressed together (e.g. ("alt", "f2"))."""
        from gi.repository import GLib
        rd = "org.gnome.Mutter.RemoteDesktop"
        session = self.call(rd, "/org/gnome/Mutter/RemoteDesktop", rd, "CreateSession", None,
                            "(o)")[0]
        iface = rd + ".Session"
        self.call(rd, session, iface, "Start")

        def key(sym: int, down: bool) -> None:  # not waiting for each reply: order is kept
            self.bus.call(rd, session, iface, "NotifyKeyboardKeysym",
                          GLib.Variant("(ub)", (sym, down)), None, 0, 5000, None, None)

        try:
            for step in steps:
                if isinstance(step, tuple):  # keys held together, released in reverse
                    syms = [_KEYS[k] for k in step]
                    for sym in syms:
                        key(sym, True)
                    for sym in reversed(syms):
                        key(sym, False)
                    self.call(rd, session, iface, "NotifyKeyboardKeysym",  # a sync call: all
                              GLib.Variant("(ub)", (0xFFE1, False)))  # sent, then Shift_L up
                else:
                    for ch in step:
                        key(ord(ch), True)
                        key(ord(ch), False)
        finally:
            self.call(rd, session, iface, "Stop")

    def _unsafe_mode(self) -> None:
        """Open Looking Glass with real key presses and turn on unsafe mode (see module doc)."""
        def works() -> bool:
            try:
                return self.eval("1 + 1") == 2
            except Exception:  # noqa: BLE001 - not yet
                return False

        # Keys typed during the start-up animation are dropped; it ends in the overview.
        DesktopRig.wait_for(lambda: self.get_property("org.gnome.Shell", "/org/gnome/Shell",
                                                      "org.gnome.Shell", "OverviewActive"),
                            15, "the shell's start-up animation to end (overview shown)")
        for attempt in range(4):
            time.sleep(0.5 * attempt)
            self.type_keys(("alt", "f2"))
            time.sleep(0.4)
            self.type_keys("lg", ("return",))
            time.sleep(0.6)
            self.type_keys("global.context.unsafe_mode = true", ("return",), ("escape",))
            try:
                DesktopRig.wait_for(works, 1.5, "unsafe mode")
                self.eval("imports.ui.main.overview.hide(), true")  # the plain desktop
                return
            except TimeoutError:
                self.type_keys(("escape",))
        raise RuntimeError("gnome rig: could not switch the shell to unsafe mode")

    # ---- the shell's own view --------------------------------------------------------
    def notifications(self) -> list[dict]:
        """Notifications the shell holds: [{title, body, actions: [labels]}]."""
        return self.eval(
            "imports.ui.main.messageTray.getSources().flatMap(s => "
            "s.notifications.map(n => ({source: s.title, title: n.title, body: n.bannerBodyText,"
            " actions: (n.actions || []).map(a => a.label)})))")

    def press(self, title: str, label: str) -> None:
        """Press a notification's button the way its banner button does: the shell runs the
        action's callback, and its notification daemon emits ActionInvoked on the bus."""
        js = ("(() => { for (const s of imports.ui.main.messageTray.getSources()) "
              "for (const n of s.notifications) if (n.title === %s) { "
              "const a = n.actions.find(a => a.label === %s); "
              "if (a) { a.callback(); n.destroy(); return 'pressed'; } } return 'none'; })()"
              % (json.dumps(title), json.dumps(label)))
        from gi.repository import GLib
        ok, out = self.call("org.gnome.Shell", "/org/gnome/Shell", "org.gnome.Shell", "Eval",
                            GLib.Variant("(s)", (js,)), "(bs)")
        if not ok or json.loads(out) != "pressed":
            raise AssertionError(f"no button {label!r} on a notification {title!r}: "
                                 f"{self.notifications()}")

    def screenshot(self, path: str | os.PathLike) -> Path:
        """The whole virtual monitor as PNG (org.gnome.Shell.Screenshot, allowed in unsafe
        mode)."""
        from gi.repository import GLib
        out = Path(path).resolve()
        out.parent.mkdir(parents=True, exist_ok=True)
        ok, _name = self.call("org.gnome.Shell", "/org/gnome/Shell/Screenshot",
                              "org.gnome.Shell.Screenshot", "Screenshot",
                              GLib.Variant("(bbs)", (False, False, str(out))), "(bs)")
        if not ok:
            raise RuntimeError("the shell refused the screenshot")
        return out
