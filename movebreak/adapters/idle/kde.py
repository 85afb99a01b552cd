"""KDE Plasma (and other freedesktop screensavers): org.freedesktop.ScreenSaver idle time in ms."""

from __future__ import annotations

from ._dbus import DBusIdle


class KdeIdle(DBusIdle):
    """org.freedesktop.ScreenSaver /org/freedesktop/ScreenSaver GetSessionIdleTime (uint32 ms)."""

    name = "kde"
    bus_name = "org.freedesktop.ScreenSaver"
    object_path = "/org/freedesktop/ScreenSaver"
    interface = "org.freedesktop.ScreenSaver"
    method = "GetSessionIdleTime"
