"""GNOME (X11 and Wayland): Mutter's IdleMonitor on the session bus, GetIdletime in ms."""

from __future__ import annotations

from ._dbus import DBusIdle


class GnomeIdle(DBusIdle):
    """org.gnome.Mutter.IdleMonitor /org/gnome/Mutter/IdleMonitor/Core GetIdletime (uint64 ms)."""

    name = "gnome"
    bus_name = "org.gnome.Mutter.IdleMonitor"
    object_path = "/org/gnome/Mutter/IdleMonitor/Core"
    interface = "org.gnome.Mutter.IdleMonitor"
    method = "GetIdletime"
