"""The desktop's sound theme from XSETTINGS (`Net/SoundThemeName`), where GTK reads it too.

X11 desktops publish their settings on the window that owns the `_XSETTINGS_S<screen>`
selection (xfsettingsd on Xfce, gsd-xsettings on GNOME, MATE's and Cinnamon's daemons), in
its `_XSETTINGS_SETTINGS` property. libcanberra on its own plays the `freedesktop` theme;
adapters/sound.py passes this name so the user's theme applies. Read through libxcb
(adapters/xcb.py: no D-Bus, no GSettings, which would tie the process to the session bus).
Any thread; one short X connection per call. Import-safe everywhere (nothing loaded here).
"""

from __future__ import annotations

import struct

SOUND_THEME = "Net/SoundThemeName"
_TYPES = {0: "int", 1: "string", 2: "color"}


def parse(data: bytes) -> dict[str, object]:
    """The settings in an _XSETTINGS_SETTINGS property: {name: int | str | (r, g, b, a)}.
    Stops quietly at a truncated or unknown entry (what was read before it is kept)."""
    if len(data) < 12:
        return {}
    order = ">" if data[0] else "<"  # 0: LSBFirst, 1: MSBFirst
    count = struct.unpack_from(order + "I", data, 8)[0]
    out: dict[str, object] = {}
    pos = 12
    try:
        for _ in range(count):
            kind, name_len = data[pos], struct.unpack_from(order + "H", data, pos + 2)[0]
            if pos + 4 + name_len > len(data):
                break
            name = data[pos + 4:pos + 4 + name_len].decode("utf-8", "replace")
            pos += 4 + _pad(name_len) + 4  # the name, then last-change-serial
            if kind == 0:
                out[name] = struct.unpack_from(order + "i", data, pos)[0]
                pos += 4
            elif kind == 1:
                length = struct.unpack_from(order + "I", data, pos)[0]
                if pos + 4 + length > len(data):
                    break
                out[name] = data[pos + 4:pos + 4 + length].decode("utf-8", "replace")
                pos += 4 + _pad(length)
            elif kind == 2:
                out[name] = struct.unpack_from(order + "4H", data, pos)
                pos += 8
            else:
                break
    except (struct.error, IndexError):
        pass
    return out


def _pad(n: int) -> int:
    return (n + 3) & ~3


def sound_theme(display: str | None = None) -> str | None:
    """`Net/SoundThemeName` of the display (None: $DISPLAY), or None where no XSETTINGS
    manager runs, there is no X display, or libxcb is missing."""
    from movebreak.adapters.xcb import XcbConnection, XcbError

    try:
        conn = XcbConnection(display)
    except XcbError:
        return None
    try:
        owner = conn.selection_owner(f"_XSETTINGS_S{conn.screen}")
        if not owner:
            return None
        value = parse(conn.property_bytes(owner, "_XSETTINGS_SETTINGS")).get(SOUND_THEME)
    except XcbError:
        return None
    finally:
        conn.close()
    return value if isinstance(value, str) and value else None
