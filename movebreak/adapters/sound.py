"""Reminder and routine sounds: who plays them, and playing them through GSound on Linux.

`general.sound` is "off", "theme" (the desktop's sound theme: `message-new-instant` for a
reminder and a routine's chime, `complete` when a routine ends) or "chime" (movebreak's own
short sounds, `resources/chime.wav` and `chime-end.wav`, made by scripts/make_chime.py).

Who plays a reminder's sound (`route`), so that it is heard once, never twice:
- a notification server that lists the `sound` capability (GNOME Shell, KDE): the notifier
  sends it the hint (`sound-name` or `sound-file`) and nothing else plays;
- any other server on Linux (dunst, xfce4-notifyd), and reminders printed on the terminal:
  the notifier asks the server for silence (`suppress-sound`) and `Player` plays the sound
  through GSound (libcanberra's GObject binding, via PyGObject) with the desktop's sound
  theme (XSETTINGS, adapters/xsettings.py) as the event-sound stream, so the user's theme
  and event volume apply;
- macOS / Windows: the native notification sound (desktop-notifier), never GSound.

GSound is imported on first use only (idle memory does not grow while sound is off or the
server plays it). A missing sound device or GSound is one `problem` line, kept until it is
gone, never an error per reminder.

Threads: `ReminderSound` runs on the app's owner thread (after the notifier's `show`);
`Player` is also used from a window's Tk main thread (the routine's chimes, the settings
window's Test button). A `Player` makes its GSound calls on its own daemon thread
("movebreak-sound") and waits at most `PLAY_TIMEOUT_S` for each (a few ms normally: GSound
returns once the sound has started; libcanberra plays it on its own threads). Only the
standard library is imported at module level (import-safe on every platform).
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from movebreak.core.l10n import _

log = logging.getLogger(__name__)

IS_LINUX = sys.platform.startswith("linux")

#: Sound-theme events (freedesktop sound naming specification).
REMINDER_EVENT = "message-new-instant"
COMPLETE_EVENT = "complete"
#: The bundled chimes (scripts/make_chime.py).
CHIME_FILE = "chime.wav"
CHIME_END_FILE = "chime-end.wav"
#: What is played: a reminder, a routine's hold ending (incl. "switch sides"), its end.
CUES = ("reminder", "hold_end", "complete")

#: Longest wait for a GSound call (it blocks up to 30 s on a hung sound server).
PLAY_TIMEOUT_S = 1.0

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
GSOUND_PACKAGE = "gir1.2-gsound-1.0"


def chime_path(name: str = CHIME_FILE) -> Path:
    """Path of a bundled chime (it may be missing in a broken install: `Player` says so)."""
    return RESOURCES / name


def source(choice: str, cue: str = "reminder") -> tuple[str | None, Path | None]:
    """(sound-theme event id, file) for `cue` under the `general.sound` choice; one is None."""
    if cue not in CUES:
        raise ValueError(f"unknown sound cue {cue!r}; one of {', '.join(CUES)}")
    if choice == "theme":
        return (COMPLETE_EVENT if cue == "complete" else REMINDER_EVENT), None
    if choice == "chime":
        return None, chime_path(CHIME_END_FILE if cue == "complete" else CHIME_FILE)
    raise ValueError(f"no sound for general.sound = {choice!r}")


def describe_source(choice: str, cue: str = "reminder") -> str:
    """In words: "the sound theme's message-new-instant" or "movebreak's chime (chime.wav)"."""
    event, path = source(choice, cue)
    # TRANSLATORS: {event} is a sound-theme event id (message-new-instant, complete).
    return _("the sound theme's {event}").format(event=event) if event else \
        _("movebreak's chime ({file})").format(file=path.name)


def notification_hints(choice: str, server_has_sound: bool) -> dict[str, tuple[str, Any]]:
    """Freedesktop hints for a reminder: {name: (D-Bus signature, value)}.

    The server gets the sound only where it lists the `sound` capability; everywhere else it
    is asked for silence, because `Player` plays the sound itself (never two sounds)."""
    if choice == "off" or not server_has_sound:
        return {"suppress-sound": ("b", True)}
    event, path = source(choice)
    if event:
        return {"sound-name": ("s", event)}
    return {"sound-file": ("s", str(path))}


@dataclass(frozen=True)
class Route:
    """Who plays a reminder's sound: `by` is "off", "server", "native", "gsound" or "none"."""

    by: str
    why: str


def route(choice: str, *, notifier: str | None, server: str | None = None,
          server_has_sound: bool = False, linux: bool = IS_LINUX) -> Route:
    """Who plays a reminder's sound here, and why (pure; `doctor` prints it)."""
    if choice == "off":
        return Route("off", _('general.sound is "off"'))
    if not linux:
        if notifier == "dbus":
            return Route("native", _("the system's notification sound (desktop-notifier)"))
        # TRANSLATORS: {notifier} is a notifier name (plyer, console).
        return Route("none", _("the {notifier} notifier cannot ask for a sound, and GSound is "
                               "for Linux").format(notifier=notifier) if notifier else
                     _("no notifier can ask for a sound, and GSound is for Linux"))
    if notifier == "dbus" and server_has_sound:
        # TRANSLATORS: {server} is the notification server's name (e.g. gnome-shell).
        return Route("server", _("{server} lists the sound capability: it plays the sound")
                     .format(server=server) if server else
                     _("the notification server lists the sound capability: it plays the "
                       "sound"))
    if notifier == "dbus" and server:
        why = _("{server} does not list the sound capability; movebreak plays it through "
                "GSound").format(server=server)
    elif notifier == "dbus":
        why = _("no notification server answers yet; movebreak plays it through GSound")
    else:
        why = _("reminders go through the {notifier} notifier; movebreak plays it through "
                "GSound").format(notifier=notifier or "console")
    return Route("gsound", why)


# --------------------------------------------------------------------------- GSound


class Player:
    """Plays sound-theme events and the chime files through GSound (libcanberra).

    The caller (the owner thread, or a window's Tk thread) never waits more than `timeout`
    seconds: every GSound call runs on this player's own daemon thread ("movebreak-sound",
    started at the first call), because libcanberra blocks for up to 30 s on a sound server
    that accepts the connection but does not answer. While such a call hangs, further calls
    return False at once instead of queueing behind it.

    `problem` is None while sound works, else one line saying why nothing is heard; it is
    logged once per new text. A context that cannot open (no sound server, no sound card)
    is tried again at the next `play` / `check`, so a sound server that starts after
    movebreak is picked up.
    """

    def __init__(self, app_name: str = "movebreak", timeout: float = PLAY_TIMEOUT_S) -> None:
        self._app_name = app_name
        self.timeout = timeout
        self._gs: Any = None  # the GSound module, once imported (sound thread)
        self._glib: Any = None
        self._ctx: Any = None  # the open GSound.Context (sound thread only)
        self._jobs: queue.SimpleQueue | None = None
        self._hung: Future | None = None  # a call that overran `timeout` and still runs
        self.problem: str | None = None
        self.gsound_missing = False  # GSound (its typelib) is not installed

    # ---- caller's thread -----------------------------------------------------------

    def check(self) -> str | None:
        """Open the sound context now (so `status` can tell a missing device before the
        first reminder); returns the problem or None."""
        self._call(self._check)
        return self.problem

    def play(self, choice: str, cue: str = "reminder") -> bool:
        """Start `cue`'s sound for `choice` ("theme" / "chime"); False when nothing plays
        (see `problem`). Returns once the sound has started, not when it ends."""
        event, path = source(choice, cue)
        if path is not None and not path.is_file():
            self._set_problem(_("the chime {path} is missing (a broken install)").format(
                path=path))
            return False
        return bool(self._call(self._play, event, path, cue))

    def _call(self, fn: Any, *args: Any) -> Any:
        """Run `fn(*args)` on the sound thread; wait at most `timeout` seconds."""
        if self._hung is not None:
            if not self._hung.done():
                return None  # still stuck: the problem says so already
            self._hung = None
        if self._jobs is None:
            self._jobs = queue.SimpleQueue()
            threading.Thread(target=self._serve, args=(self._jobs,), name="movebreak-sound",
                             daemon=True).start()
        fut: Future = Future()
        self._jobs.put((fut, fn, args))
        try:
            return fut.result(self.timeout)
        except FutureTimeout:
            self._hung = fut
            self._set_problem(_("the sound server did not answer within {seconds} s "
                                "(reminders may be silent)").format(
                seconds=f"{self.timeout:g}"))
            return None
        except Exception as exc:  # a bug here must not take a reminder down
            log.exception("sound call failed")
            self._set_problem(_("sound failed: {error}").format(error=exc))
            return None

    def _set_problem(self, text: str | None) -> None:
        if text is not None and text != self.problem:
            log.warning("sound: %s", text)
        elif text is None and self.problem is not None:
            log.info("sound works again")
        self.problem = text

    # ---- sound thread --------------------------------------------------------------

    @staticmethod
    def _serve(jobs: queue.SimpleQueue) -> None:
        while True:
            fut, fn, args = jobs.get()
            if fut.set_running_or_notify_cancel():
                try:
                    fut.set_result(fn(*args))
                except BaseException as exc:  # noqa: BLE001 - handed to the caller
                    fut.set_exception(exc)

    def _import(self) -> bool:
        if self._gs is not None:
            return True
        if not IS_LINUX:
            self._set_problem(_("GSound is for Linux; this system plays its own "
                                "notification sound"))
            return False
        try:
            import gi

            gi.require_version("GSound", "1.0")
            from gi.repository import GLib, GSound
        except (ImportError, ValueError) as exc:
            self.gsound_missing = True
            # TRANSLATORS: {package} is a Debian package name, {error} the import error.
            self._set_problem(_("GSound is not installed (Debian / Ubuntu: {package}; "
                                "{error}): reminders are silent").format(
                package=GSOUND_PACKAGE, error=exc))
            return False
        self._gs, self._glib = GSound, GLib
        return True

    def _context(self) -> Any:
        """The open GSound context, or None (problem set)."""
        if self._ctx is not None:
            return self._ctx
        if not self._import():
            return None
        gs = self._gs
        try:
            ctx = gs.Context.new(None)
            ctx.set_attributes({gs.ATTR_APPLICATION_NAME: self._app_name,
                                gs.ATTR_APPLICATION_ID: "io.movebreak"})
            ctx.open()
        except self._glib.Error as exc:
            self._set_problem(self._describe(exc, None))
            return None
        self._ctx = ctx
        return ctx

    def _describe(self, exc: Any, what: str | None, theme: bool = False) -> str:
        gs = self._gs
        code = getattr(exc, "code", None)
        message = getattr(exc, "message", str(exc))
        if code in (gs.Error.NOTAVAILABLE, gs.Error.NODRIVER, gs.Error.DISCONNECTED,
                    gs.Error.ACCESS, gs.Error.IO):
            # TRANSLATORS: {error} is libcanberra's message.
            return _("no sound device: no sound server or sound card answers (libcanberra: "
                     "{error}); reminders are silent").format(error=message)
        if code == gs.Error.NOTFOUND and what:
            # TRANSLATORS: {what} is a sound, e.g. "the chime /path/chime.wav".
            return (_("{what} was not found (libcanberra: {error}; install "
                      "sound-theme-freedesktop)") if theme else
                    _("{what} was not found (libcanberra: {error})")).format(what=what,
                                                                           error=message)
        if code == gs.Error.DISABLED:
            return _("event sounds are turned off for this session (libcanberra: {error})")\
                .format(error=message)
        return _("sound failed (libcanberra: {error})").format(error=message)

    def _check(self) -> None:
        if self._context() is not None:
            self._set_problem(None)

    def _play(self, event: str | None, path: Path | None, cue: str) -> bool:
        for attempt in (1, 2):
            ctx = self._context()
            if ctx is None:
                return False
            gs = self._gs
            attrs = {gs.ATTR_EVENT_DESCRIPTION: f"movebreak {cue.replace('_', ' ')}",
                     gs.ATTR_MEDIA_ROLE: "event"}
            if event:
                attrs[gs.ATTR_EVENT_ID] = event
                theme = _theme_name()
                if theme:
                    attrs[gs.ATTR_CANBERRA_XDG_THEME_NAME] = theme
            else:
                attrs[gs.ATTR_MEDIA_FILENAME] = str(path)
            try:
                ctx.play_simple(attrs, None)
            except self._glib.Error as exc:
                if attempt == 1 and exc.code in (gs.Error.DISCONNECTED, gs.Error.STATE):
                    self._ctx = None  # the sound server went away: open a fresh context
                    continue
                what = _("the sound theme's {event} sound").format(event=event) if event \
                    else _("the chime {path}").format(path=path)
                self._set_problem(self._describe(exc, what, theme=bool(event)))
                return False
            self._set_problem(None)
            return True
        return False


def _theme_name() -> str | None:
    """The desktop's sound theme (XSETTINGS `Net/SoundThemeName`, as GTK reads it), or None:
    libcanberra then uses `freedesktop`, which every theme falls back to."""
    if not os.environ.get("DISPLAY"):
        return None
    from movebreak.adapters.xsettings import sound_theme

    return sound_theme()


# --------------------------------------------------------------------------- the app's side


class ReminderSound:
    """The app's reminder sound (owner thread): plays it after `show` where nobody else does,
    at most once per reminder, and keeps the one-line `problem` for `status`."""

    def __init__(self, player: Player | None = None) -> None:
        self.player = player or Player()
        self.route: Route | None = None
        self._sounded: int | None = None  # the last reminder id a sound was started for

    @staticmethod
    def _route(choice: str, notifier: Any) -> Route:
        return route(choice, notifier=getattr(notifier, "name", None),
                     server=getattr(notifier, "server_name", None),
                     server_has_sound=bool(getattr(notifier, "sound_capability", False)))

    @property
    def problem(self) -> str | None:
        """Why reminders are silent although sound is on (None: fine or off)."""
        if self.route is None or self.route.by != "gsound" or self.player.problem is None:
            return None
        return _("Sound: {problem}").format(problem=self.player.problem)

    def prepare(self, choice: str, notifier: Any) -> Route:
        """Start-up and reload: decide who plays; where movebreak will, open the sound device
        now so a missing one is reported before the first reminder."""
        self.route = self._route(choice, notifier)
        if self.route.by == "gsound":
            self.player.check()
        return self.route

    def after_show(self, choice: str, notifier: Any, reminder_id: int) -> bool:
        """After the notifier's `show` (delivered or not): play the reminder's sound unless the
        server does, once per reminder (a retried delivery is not played again)."""
        self.route = self._route(choice, notifier)
        if self.route.by != "gsound" or reminder_id == self._sounded:
            return False
        self._sounded = reminder_id
        return self.player.play(choice, "reminder")


def try_sound(choice: str, player: Player | None = None) -> str:
    """The settings window's Test button: play `choice`'s reminder sound here; one line
    saying what was played or why nothing was."""
    if choice == "off":
        return _("Sound is off.")
    if not IS_LINUX:
        return _("Reminders use the system's notification sound.")
    player = player or Player()
    if player.play(choice, "reminder"):
        # TRANSLATORS: {sound} e.g. "the sound theme's message-new-instant".
        return _("Playing {sound}.").format(sound=describe_source(choice))
    return _("No sound: {problem}").format(problem=player.problem)


def diagnose(choice: str, routine_chime: bool, notifications: dict,
             player: Player | None = None) -> dict[str, str]:
    """`movebreak doctor`'s sound section (CLI process): the setting, who plays a reminder's
    sound here and why (from the notifications probe: chosen backend, server, capabilities),
    whether GSound can play (opened only when movebreak would play), and the routine."""
    caps = notifications.get("capabilities") or []
    where = {"notifier": notifications.get("chosen"), "server": notifications.get("server"),
             "server_has_sound": "sound" in caps}
    r = route(choice, **where)
    out = {"setting": f"{choice} (general.sound)"}
    would = r if r.by != "off" else route("theme", **where)
    gsound, problem = _("not needed here"), None
    if would.by == "gsound":
        player = player or Player(timeout=2.0)
        problem = player.check()
        gsound = _("yes, the sound device answers") if problem is None else \
            _("not installed") if getattr(player, "gsound_missing", False) else _("installed")
    if r.by == "off":
        # TRANSLATORS: {why} says why sound is off; {by} who would play it ("the system"),
        # {how} why; "theme" and "chime" are setting values, typed as they are.
        text = _('off: {why}; "theme" or "chime" would be played by {by} ({how})').format(
            why=r.why, by=_by(would.by), how=would.why)
        out["reminder sound"] = text + ("; " + _("but {problem}").format(problem=problem)
                                        if problem else "")
    elif r.by == "gsound" and problem:
        out["reminder sound"] = _("none - {problem}").format(problem=problem)
    else:
        # TRANSLATORS: {sound} is what plays, {by} who plays it, {why} why.
        out["reminder sound"] = _("{sound}, played by {by}: {why}").format(
            sound=describe_source(choice) if IS_LINUX else _("the system sound"),
            by=_by(r.by), why=r.why)
    out["gsound"] = gsound
    if choice == "off":
        out["routine"] = _("silent (sound is off)")
    elif not routine_chime:
        out["routine"] = _("silent (routine.chime = false)")
    else:
        # TRANSLATORS: {hold_end} and {complete} are sounds; "switch sides" is what the
        # routine window says between the sides.
        out["routine"] = _('{hold_end} at "switch sides" and each hold\'s end, {complete} at '
                           "the end, through GSound in the routine window").format(
            hold_end=describe_source(choice, "hold_end"),
            complete=describe_source(choice, "complete"))
    return out


def _by(who: str) -> str:
    """Who plays a sound, in words (`Route.by`)."""
    return {"server": _("the notification server"), "native": _("the system"),
            "gsound": _("movebreak (GSound)"), "none": _("nobody")}[who]
