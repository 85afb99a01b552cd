"""`movebreak doctor`: what works on this machine and why (tray, notifications, sound, idle,
the sources that hold reminders: do not disturb, full screen, screen lock and sleep; paths).

Runs in the CLI process; every probe is guarded so one broken part never hides the others.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from movebreak.core.l10n import N_, _


def _guard(fn) -> Any:
    try:
        return fn()
    except Exception as e:  # a probe failing is itself the diagnosis
        return {"error": f"{type(e).__name__}: {e}"}


def diagnose(config_path: Path) -> dict[str, Any]:
    from movebreak import __version__
    from movebreak.adapters import ipc, storage

    def tray():
        from movebreak.adapters.tray import tray_report
        return tray_report()

    def notifications():
        from movebreak.adapters.notify.select import probe_notifications
        return probe_notifications()

    def sound(notes: Any):
        from movebreak.adapters import sound as sound_
        res = storage.load_config(config_path, write_default=False, backup=False)
        facts = notes if isinstance(notes, dict) and "error" not in notes else {}
        return sound_.diagnose(res.settings.sound, res.settings.routine_chime, facts)

    def idle():
        from movebreak.adapters.idle import choose_idle_source
        from movebreak.adapters.idle.watch import POLL_WHILE_AWAY_S, make_return_watch
        src = choose_idle_source()
        watch = make_return_watch(src.name) if src.name == "x11" else None
        try:
            if src.name == "none":
                back = None  # no idle time: never away
            elif src.name == "gnome":  # Mutter's watch, on the app's D-Bus loop
                back = _("gnome (Mutter's user-active watch)")
            elif watch is not None:
                back = _("{name} (an alarm at the first input)").format(name=watch.name)
            else:
                back = _("none: while you are away the idle time is asked every {s} s").format(
                    s=POLL_WHILE_AWAY_S)
            return {"source": src.name, "idle_seconds": src.idle_seconds(),
                    "return_watch": back}
        finally:
            if watch is not None:
                watch.close()
            src.close()

    def language():
        from movebreak.core import l10n
        res = storage.load_config(config_path, write_default=False, backup=False)
        return {"setting": res.settings.language, "language": l10n.current(),
                "locale": l10n.current_locale() or "C",
                "available": ", ".join(l10n.available())}

    def holds():
        from datetime import datetime, timezone

        from movebreak.adapters.holds import choose_holds
        found = choose_holds(lambda *_args: None, lambda: datetime.now(timezone.utc))
        try:
            names = found.names()
        finally:
            found.close()
        return {"do_not_disturb": names.get("dnd", "none"),
                "full_screen": names.get("fullscreen", "none"),
                "screen_lock": names.get("locked", "none"),
                "suspend": names.get("sleep", "none")}

    def config():
        res = storage.load_config(config_path, write_default=False, backup=False)
        return {"path": str(config_path), "exists": config_path.exists(),
                "problems": [p.message for p in res.problems]}

    def instance():
        try:
            st = ipc.request(storage.runtime_dir(), "status", timeout=3)
        except ipc.NotRunning as e:
            return {"running": False, "detail": str(e)}
        return {"running": True, "pid": st.get("pid"),
                "tray icon shown": _("yes") if st.get("tray") else _("no: {why}").format(
                    why=st.get("tray_problem")),
                "notifications via": st.get("notifier"),
                "reminders held by": st.get("holds") or _("nothing"),
                "warnings": st.get("warnings") or []}

    def autostart():
        from movebreak.adapters import autostart as a
        return {"enabled": a.is_enabled()}

    notes = _guard(notifications)
    return {
        "version": __version__,
        "python": sys.version.split()[0],
        "platform": sys.platform,
        "display": os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"),
        "session_bus": os.environ.get("DBUS_SESSION_BUS_ADDRESS"),
        "tray": _guard(tray),
        "notifications": notes,
        "sound": _guard(lambda: sound(notes)),
        "idle": _guard(idle),
        "holds": _guard(holds),
        "language": _guard(language),
        "config": _guard(config),
        "paths": _guard(lambda: {"config": str(config_path),
                                 "data": str(storage.data_dir()),
                                 "history": str(storage.history_path()),
                                 "runtime": str(storage.runtime_dir())}),
        "instance": _guard(instance),
        "autostart": _guard(autostart),
    }


#: The report's section and item names as `render` shows them (the JSON keeps the keys).
#: Marked only: shown through `label()`. Names not listed here are shown as they are.
LABELS = {key: key for key in (
    # TRANSLATORS: section and item names of `movebreak doctor`'s report; the snake_case ones
    # may become plain words.
    N_("display"), N_("session bus"), N_("tray"), N_("notifications"), N_("sound"),
    N_("idle"), N_("holds"), N_("config"), N_("paths"), N_("instance"), N_("autostart"),
    N_("desktop"), N_("protocol"), N_("backend"), N_("advice"), N_("watching"),
    N_("statusnotifier_watcher"), N_("xembed_tray"), N_("platform"), N_("session_bus"),
    N_("server"), N_("vendor"), N_("version"), N_("capabilities"), N_("actions"),
    N_("markup"), N_("error"), N_("plyer"), N_("forced"), N_("chosen"), N_("reason"),
    N_("setting"), N_("reminder sound"), N_("gsound"), N_("routine"), N_("source"),
    N_("idle_seconds"), N_("do_not_disturb"), N_("full_screen"), N_("screen_lock"),
    N_("suspend"), N_("path"), N_("exists"), N_("problems"), N_("data"), N_("history"),
    N_("runtime"), N_("running"), N_("pid"), N_("detail"), N_("tray icon shown"),
    N_("notifications via"), N_("reminders held by"), N_("warnings"), N_("enabled"),
    N_("return_watch"), N_("language"), N_("locale"), N_("available"),
)}


def label(key: str) -> str:
    """A report name in the current language (unknown names as they are)."""
    return _(LABELS[key]) if key in LABELS else key


def word(value: Any) -> str:
    """A report value as people read it: yes / no / none, lists joined ("-" when empty);
    a "none: why" text from a probe gets its "none" translated."""
    if value is None:
        # TRANSLATORS: a value in `movebreak doctor`'s report: nothing there.
        return _("none")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (list, tuple)):
        return ", ".join(word(v) for v in value) or "-"
    if isinstance(value, dict):
        return ", ".join(f"{label(k)}={word(v)}" for k, v in value.items()) or "-"
    text = str(value)
    if text == "none" or text.startswith(("none: ", "none (")):  # hold sources: "none: why"
        return _("none") + text[4:]  # (the code reads that "none", so it stays in the data)
    return text


def render(report: dict[str, Any]) -> str:
    """Readable text: one section per part, problems first in each (the JSON form keeps
    null / true / false)."""
    # TRANSLATORS: the first line of `movebreak doctor`.
    lines = [_("movebreak {version} on Python {python} ({platform})").format(
                 version=report["version"], python=report["python"],
                 platform=report["platform"]),
             f"{label('display')}: {word(report['display'])}",
             f"{label('session bus')}: {word(report['session_bus'])}"]
    for section in ("tray", "notifications", "sound", "idle", "holds", "language", "config",
                    "paths", "instance", "autostart"):
        value = report.get(section)
        lines.append(f"{label(section)}:")
        if isinstance(value, dict):
            for k, v in value.items():
                lines.append(f"  {label(k)}: {word(v)}")
        else:
            lines.append(f"  {word(value)}")
    return "\n".join(lines)
