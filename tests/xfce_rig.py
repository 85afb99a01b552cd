"""A real Xfce desktop, headless: Xvfb and a private bus (from DesktopRig, without dunst), then
xfconfd, `xfce4-panel` with only its system-tray plugin (XEmbed and StatusNotifierItem) and
`xfce4-notifyd` (buttons on the notification itself).

The panel's configuration is written to a private XDG_CONFIG_HOME before it starts, so it
never asks its first-run question. Missing programs fail with the Debian package to install.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from desktop_rig import DesktopRig, _need

XFCONFD = "/usr/lib/x86_64-linux-gnu/xfce4/xfconf/xfconfd"
NOTIFYD = "/usr/lib/x86_64-linux-gnu/xfce4/notifyd/xfce4-notifyd"
PACKAGES = {XFCONFD: "xfconf", NOTIFYD: "xfce4-notifyd", "xfce4-panel": "xfce4-panel"}

_PANEL_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-panel" version="1.0">
  <property name="configver" type="int" value="2"/>
  <property name="panels" type="array">
    <value type="int" value="1"/>
    <property name="panel-1" type="empty">
      <property name="position" type="string" value="p=6;x=0;y=0"/>
      <property name="length" type="uint" value="100"/>
      <property name="position-locked" type="bool" value="true"/>
      <property name="size" type="uint" value="32"/>
      <property name="plugin-ids" type="array">
        <value type="int" value="1"/>
      </property>
    </property>
  </property>
  <property name="plugins" type="empty">
    <property name="plugin-1" type="string" value="systray"/>
  </property>
</channel>
"""

SNI_WATCHER = "org.kde.StatusNotifierWatcher"


def _need_file(path: str) -> str:
    if not Path(path).exists():
        raise RuntimeError(f"xfce rig: {path} not found (install the Debian package "
                           f"`{PACKAGES[path]}`)")
    return path


class XfceRig(DesktopRig):
    """Xfce's panel and notification daemon on a private headless X display and bus."""

    def start(self, tray: bool = False, dunst: bool = False) -> XfceRig:  # noqa: ARG002
        for path in (XFCONFD, NOTIFYD):
            _need_file(path)
        _need("xfce4-panel")
        super().start(tray=False, dunst=False)
        assert self.tmp is not None
        conf = self.tmp / "xdg-config" / "xfce4" / "xfconf" / "xfce-perchannel-xml"
        conf.mkdir(parents=True)
        (conf / "xfce4-panel.xml").write_text(_PANEL_XML)
        self.spawn("xfconfd", [XFCONFD])
        self.wait_for(lambda: "org.xfce.Xfconf" in self.bus_names(), 10, "xfconfd on the bus")
        self._notifyd = self.spawn("notifyd", [NOTIFYD])
        self.wait_for(lambda: self.notification_server() == "Xfce", 10,  # "Xfce Notify Daemon"
                      "xfce4-notifyd to own org.freedesktop.Notifications")
        self._panel: subprocess.Popen | None = None
        return self

    @property
    def env_overrides(self) -> dict[str, str]:
        env = super().env_overrides
        assert self.tmp is not None
        env.update(XDG_CONFIG_HOME=str(self.tmp / "xdg-config"),
                   XDG_DATA_HOME=str(self.tmp / "xdg-data"),
                   XDG_CACHE_HOME=str(self.tmp / "xdg-cache"))
        return env

    # ---- the panel ------------------------------------------------------------------
    def start_panel(self) -> None:
        """Start xfce4-panel; wait until its tray owns the XEmbed selection and the
        StatusNotifier watcher is on the bus."""
        self._panel = self.spawn("panel", ["xfce4-panel", "--disable-wm-check"])
        self.wait_for(lambda: self.tray_owner() and SNI_WATCHER in self.bus_names(), 10,
                      "the Xfce panel's system tray (XEmbed selection and SNI watcher)")

    def kill_panel(self) -> None:
        """SIGKILL the panel (a crash) and wait until its tray is gone."""
        if self._panel is not None and self._panel.poll() is None:
            self._panel.kill()
            self._panel.wait(5)
        self.wait_for(lambda: not self.tray_owner() and SNI_WATCHER not in self.bus_names(),
                      5, "the panel's tray to go away")

    def registered_items(self) -> list[str]:
        """The watcher's RegisteredStatusNotifierItems."""
        out = self._dbus_send(SNI_WATCHER, "/StatusNotifierWatcher",
                              "org.freedesktop.DBus.Properties.Get",
                              f"string:{SNI_WATCHER}", "string:RegisteredStatusNotifierItems")
        return (out or "").split()[1:-1] if out else []

    # ---- notifications --------------------------------------------------------------
    def notification_box(self, want: int) -> tuple[int, int, int, int] | None:
        """(left, top, right, bottom) of the notification showing `want` buttons."""
        found = self._notification(want)
        return found[1] if found else None

    def notification_buttons(self, want: int) -> list[tuple[int, int]]:
        """Screen points at the centre of each button of the xfce4-notifyd notification that
        shows `want` buttons, left to right."""
        found = self._notification(want)
        return found[0] if found else []

    def _notification(self, want: int):
        """(button centres, window box) of the notification with `want` buttons, found by
        looking at its pixels: buttons are grey boxes on the white notification."""
        from PIL import Image
        from Xlib import X
        from Xlib import display as xdisplay
        d = xdisplay.Display(self.display)
        try:
            root = d.screen().root
            for win in root.query_tree().children:
                try:
                    attrs = win.get_attributes()
                    if attrs.map_state != X.IsViewable or "xfce4-notifyd" not in \
                            (win.get_wm_class() or ()):
                        continue
                    geo = win.get_geometry()
                    pos = root.translate_coords(win, 0, 0)
                    raw = win.get_image(0, 0, geo.width, geo.height, X.ZPixmap, 0xFFFFFFFF)
                except Exception:  # noqa: BLE001 - the window went away meanwhile
                    continue
                img = Image.frombytes("RGB", (geo.width, geo.height), raw.data, "raw", "BGRX")
                points = _buttons(img, want)
                if points:
                    return ([(pos.x + x, pos.y + y) for x, y in points],
                            (pos.x, pos.y, pos.x + geo.width, pos.y + geo.height))
        finally:
            d.close()
        return None


def _buttons(img, want: int) -> list[tuple[int, int]]:
    """Centres of `want` grey boxes side by side near the bottom of a notification image."""
    px = img.load()
    w, h = img.size

    def runs(y: int) -> list[tuple[int, int]]:
        out, start = [], None
        for x in range(w):
            dark = sum(px[x, y]) < 750
            if dark and start is None:
                start = x
            elif not dark and start is not None:
                out.append((start, x))
                start = None
        return [r for r in out if r[1] - r[0] >= 30]

    rows = [y for y in range(h - 1, h // 3, -1) if len(runs(y)) == want]
    if not rows:
        return []
    bottom = rows[0]
    band = [y for y in rows if bottom - y < 40]
    mid = band[len(band) // 2]
    return [((a + b) // 2, mid) for a, b in runs(mid)]
