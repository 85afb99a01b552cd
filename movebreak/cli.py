"""Command line: `movebreak [run|status|snooze|pause|resume|break|done|skip|settings|history|
quit|autostart|doctor]`. Control commands talk to the running instance over `adapters.ipc`;
`run` builds the app; `history`, `doctor` and `settings` also work with no instance running."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from movebreak import __version__
from movebreak.core import safety
from movebreak.core.catalog import KINDS
from movebreak.core.durations import DurationError, format_countdown, parse_duration
from movebreak.core.l10n import N_, _, format_time, ngettext, pgettext

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2

#: Marked only (built before the language is chosen): shown as `_(DURATION_HELP)`.
DURATION_HELP = N_("a duration such as 90s, 10m or 1h30m")


def _argparse_texts() -> tuple[str, ...]:
    """Never called: argparse's own texts, for extraction only. argparse looks them up in the
    global gettext domain, which `core.l10n.install()` binds to our catalog, so they must be
    in movebreak.pot; these are its exact msgids (Python 3.11's argparse.py, trailing space
    of "usage: " included) that this CLI can show."""
    return (
        N_("usage: "),
        N_("positional arguments"),
        N_("options"),
        N_("show this help message and exit"),
        N_("argument %(argument_name)s: %(message)s"),
        N_("unrecognized arguments: %s"),
        N_("the following arguments are required: %s"),
        N_("expected one argument"),
        N_("expected at most one argument"),
        N_("expected at least one argument"),
        ngettext("expected %s argument", "expected %s arguments", 2),
        N_("ambiguous option: %(option)s could match %(matches)s"),
        N_("invalid %(type)s value: %(value)r"),
        N_("invalid choice: %(value)r (choose from %(choices)s)"),
        N_("ignored explicit argument %r"),
        N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    )


class _Parser(argparse.ArgumentParser):
    """argparse with our error format: usage, then one "movebreak: ..." line, exit 2.
    (Subcommand parsers are made with the same class.)"""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        # TRANSLATORS: {message} is argparse's error; {prog} e.g. "movebreak snooze".
        hint = _("{message} (see `{prog} --help`)").format(message=message, prog=self.prog)
        self.exit(EXIT_USAGE, f"movebreak: {hint}\n")


def _days(text: str) -> int:
    """--days: a whole number of at least 1 (argparse turns the error into exit 2)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            _("must be a whole number of at least 1, not {value}").format(value=repr(text)))
    return value


def build_parser() -> argparse.ArgumentParser:
    """The parser, its texts in the current language (call after `locale_formats.setup`)."""
    duration_help = _(DURATION_HELP)
    common = _Parser(add_help=False)
    # SUPPRESS: a subcommand's --config must not reset one given before the command
    # (`movebreak --config FILE status`); `_config_path` reads it with getattr.
    common.add_argument("--config", metavar=_("FILE"), type=Path, default=argparse.SUPPRESS,
                        help=_("config file (default: the user config dir's config.toml; "
                               "MOVEBREAK_CONFIG_DIR overrides the folder)"))
    p = _Parser(
        prog="movebreak", parents=[common],
        description=_("Tray app for movement breaks, posture checks, stretches and nerve "
                      "glides. With no command, `run` is assumed."),
        # TRANSLATORS: {foot} is the safety foot line; `movebreak safety` is a command.
        epilog=_("Safety: {foot} More: movebreak safety").format(foot=safety.foot()))
    p.add_argument("--version", action="version", version=f"movebreak {__version__}",
                   help=_("show program's version number and exit"))
    sub = p.add_subparsers(dest="command", metavar=_("COMMAND"))

    r = sub.add_parser("run", parents=[common], help=_("start the tray app (one per user)"))
    r.add_argument("--no-tray", action="store_true",
                   help=_("no tray icon (terminal + notifications)"))
    r.add_argument("-v", "--verbose", action="store_true", help=_("log details to stderr"))

    s = sub.add_parser("status", parents=[common],
                       help=_("next reminder per kind, pause, today's counts"))
    s.add_argument("--json", action="store_true", help=_("machine-readable output"))

    sn = sub.add_parser("snooze", parents=[common],
                        help=_("snooze the waiting or next reminder"))
    # TRANSLATORS: {duration} is "a duration such as 90s, 10m or 1h30m".
    sn.add_argument("duration", nargs="?", metavar=_("duration"),
                    help=_("{duration} (default: the snooze setting)").format(
                        duration=duration_help))
    sn.add_argument("--kind", choices=list(KINDS), help=_("snooze this kind instead"))

    pa = sub.add_parser("pause", parents=[common], help=_("pause reminders"))
    # TRANSLATORS: {duration} is "a duration such as 90s, 10m or 1h30m"; 'tomorrow' and
    # `movebreak resume` are typed as they are.
    pa.add_argument("duration", nargs="?", metavar=_("duration"),
                    help=_("{duration}, or 'tomorrow'; omitted: until `movebreak resume`")
                    .format(duration=duration_help))
    sub.add_parser("resume", parents=[common], help=_("end a pause; intervals restart now"))

    b = sub.add_parser("break", parents=[common], help=_("show a reminder now"))
    b.add_argument("kind", nargs="?", choices=list(KINDS),
                   help=_("which kind (default: the next due)"))
    sub.add_parser("done", parents=[common], help=_("answer the waiting reminder: done"))
    sub.add_parser("skip", parents=[common], help=_("answer the waiting reminder: skip"))
    sub.add_parser("settings", parents=[common], help=_("open the settings window"))
    sa = sub.add_parser("safety", parents=[common], help=_("show the safety notice"))
    sa.add_argument("--ack", action="store_true",
                    help=_("record that you have read it (no window needed)"))

    h = sub.add_parser("history", parents=[common],
                       help=_("what was shown, done, snoozed, skipped"))
    h.add_argument("--days", type=_days, default=7, help=_("how many days back (default 7)"))
    h.add_argument("--json", action="store_true", help=_("machine-readable output"))

    sub.add_parser("quit", parents=[common], help=_("stop the running instance cleanly"))
    # TRANSLATORS: on and off are typed as they are.
    a = sub.add_parser("autostart", parents=[common], help=_("start at login: on or off"))
    a.add_argument("state", choices=["on", "off", "status"])
    m = sub.add_parser("menu-entry", parents=[common],
                       help=_("the entry in the desktop's application menu: on or off"))
    m.add_argument("state", choices=["on", "off", "status"])
    d = sub.add_parser("doctor", parents=[common], help=_("what works here and why"))
    d.add_argument("--json", action="store_true", help=_("machine-readable output"))
    return p


def main(argv: list[str] | None = None) -> int:
    """Parse, run one command, return its exit code: 0 ok, 1 failed, 2 bad argument.

    Every error is one "movebreak: ..." line on stderr. A reader that goes away early
    (`movebreak status | head -1`) is not an error: exit 0, no traceback.
    """
    argv = sys.argv[1:] if argv is None else argv
    # `run` takes Ctrl+C, SIGTERM and SIGHUP from this instant (adapters/signals.py).
    router = _signal_router() if _command_of(argv) in (None, "run") else None
    from movebreak.adapters.locale_formats import setup
    setup("auto")  # the desktop's language, for --help and argparse's errors
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit:  # --help, --version or a usage error: flush here, where a closed
        _flush_stdout()  # pipe can still be handled quietly
        raise
    args.signals = router
    command = args.command or "run"
    if args.command is None:  # defaults of the run subcommand
        args.no_tray, args.verbose = False, False
    if command != "run":  # `run` sets up its own logging and language (App)
        _log_like_errors()
        _use_language(args)
    try:
        handler = COMMANDS[command]
        code = handler(args)
    except DurationError as e:
        print(f"movebreak: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader left while we printed: it had what it wanted
        _drop_stdout()
        return EXIT_OK
    except PermissionError as e:  # e.g. storage's checks of the private runtime folder
        return _err(str(e))
    except KeyboardInterrupt:
        return 130
    _flush_stdout()
    return code


def _use_language(args) -> None:
    """The `general.language` setting, if not "auto" (read only: nothing is written, a
    broken file is reported by the commands that use the settings)."""
    from movebreak.adapters import locale_formats
    language = locale_formats.configured_language(_config_path(args))
    if language != "auto":  # "auto" is what main() set up already
        locale_formats.setup(language)


def _log_like_errors() -> None:
    """Warnings that parts of movebreak log while a short command runs are shown as
    "movebreak: ..." lines (not as raw log text)."""
    logger = logging.getLogger("movebreak")
    if not any(getattr(h, "_movebreak_cli", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("movebreak: %(message)s"))
        handler.setLevel(logging.WARNING)
        handler._movebreak_cli = True  # type: ignore[attr-defined]
        logger.addHandler(handler)


def _flush_stdout() -> None:
    """Flush stdout now; a reader that has gone away (`| head`) is not an error."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _drop_stdout()


def _drop_stdout() -> None:
    """stdout's reader has gone: send what is left to /dev/null so the interpreter's final
    flush does not print a BrokenPipeError."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _command_of(argv: list[str]) -> str | None:
    """The subcommand named in `argv` (None: the default, run), without argparse."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--config":
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def _signal_router():
    from movebreak.adapters.signals import SignalRouter
    return SignalRouter().start()


def _err(text: str) -> int:
    print(f"movebreak: {text}", file=sys.stderr)
    return EXIT_ERROR


def _config_path(args) -> Path:
    from movebreak.adapters import storage
    return storage.config_path(getattr(args, "config", None))


def _request(cmd: str, **kw):
    from movebreak.adapters import ipc, storage
    return ipc.request(storage.runtime_dir(), cmd, **kw)


def _control(cmd: str, **kw) -> int:
    """Send one command; print what happened; non-zero with a clear message on failure."""
    from movebreak.adapters import ipc
    try:
        result = _request(cmd, **kw)
    except ipc.NotRunning as e:
        return _err(str(e))
    except RuntimeError as e:
        return _err(str(e))
    from movebreak.core.texts import event_line
    for ev in result or []:
        print(event_line(ev))
    return EXIT_OK


# ---------------------------------------------------------------------- commands
def cmd_run(args) -> int:
    signals = args.signals or _signal_router()
    from movebreak.adapters import ipc
    from movebreak.app import App, say
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(threadName)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per job otherwise
    config = _config_path(args)
    has_display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or \
        not sys.platform.startswith("linux")
    if not has_display:
        say("movebreak: " + _(
            "no display found (DISPLAY/WAYLAND_DISPLAY unset): running without a tray icon; "
            "reminders are printed here. Control it from another terminal with "
            "`movebreak status`, `snooze`, `pause`, `quit`."))
    if signals.quit_requested:
        say(_("movebreak stopped"))
        return EXIT_OK
    try:
        app = App(config, use_tray=has_display and not args.no_tray)
    except ipc.AlreadyRunning as e:
        return _err(str(e))
    if not has_display:
        app.tray_problem = _("no display")
    elif args.no_tray:
        app.tray_problem = "--no-tray"
    signals.route(on_quit=app.quit, on_reload=lambda: app.request("reload"))
    try:
        app.start()
    finally:
        app.run_forever()  # returns at once (and shuts down) if a quit came during start()
    return EXIT_OK


def cmd_status(args) -> int:
    from movebreak.adapters import ipc
    try:
        data = _request("status")
    except ipc.NotRunning as e:
        return _err(str(e))
    if args.json:
        print(json.dumps(data, indent=2, sort_keys=True))
        return EXIT_OK
    from movebreak.core.status import Status
    from movebreak.core.texts import kind_countdown, next_due_text, today_text
    st, now = Status.from_json(data), datetime.now(timezone.utc)
    # TRANSLATORS: {pid} is a process id; {next} e.g. "Next: Stretch in 12 min".
    print(_("movebreak (PID {pid}): {next}").format(pid=st.pid, next=next_due_text(st, now)))
    if len(st.holds) > 1:
        from movebreak.core.texts import hold_text
        # TRANSLATORS: {reasons} e.g. "do not disturb, full-screen window".
        print("  " + _("also held by: {reasons}").format(
            reasons=", ".join(hold_text(h) for h in st.holds[1:])))
    if st.pending is not None:
        print("  " + _("waiting for an answer: {title}").format(title=st.pending.title))
    width = max([16] + [len(KINDS[k.kind].title) for k in st.kinds])  # translations run long
    for k in st.kinds:
        title = KINDS[k.kind].title
        if k.enabled and k.due is not None:
            # TRANSLATORS: after a kind's countdown in `movebreak status`.
            snz = " " + _("(snoozed)") if k.snoozed else ""
            left = kind_countdown(st, k.due, now)
            # TRANSLATORS: when a kind is due; {time} a clock time such as 17:30:05.
            at = "  " + _("at {time}").format(time=format_time(k.due.astimezone(),
                                                               seconds=True)) \
                if st.counting else ""
            print(f"  {title:<{width}} {left:>15}{at}{snz}")
        else:
            # TRANSLATORS: a reminder kind that is turned off, in `movebreak status`.
            off = pgettext("reminder kind", "off")
            print(f"  {title:<{width}} {off}")
    if st.sitting_since is not None:
        secs = max(0, int((now - st.sitting_since).total_seconds()))
        # TRANSLATORS: {time} is a duration such as "25 min".
        print("  " + _("sitting for {time}").format(time=format_countdown(secs)))
    # TRANSLATORS: {counts} e.g. "4 shown, 3 done, 1 snoozed, 0 skipped, 0 natural".
    print("  " + _("today: {counts}").format(counts=today_text(st.today, shown=True)))
    for problem in st.config_problems:
        # TRANSLATORS: {problem} is what is wrong in the config file.
        print("  " + _("config: {problem}").format(problem=problem))
    for warning in st.warnings:  # the tray menu's first lines; config problems are above
        if not (st.config_problems and st.config_problems[0] in warning):
            print(f"  {warning}")
    return EXIT_OK


def cmd_snooze(args) -> int:
    if args.duration:
        parse_duration(args.duration)  # validate before sending
    return _control("snooze", duration=args.duration, kind=args.kind)


def cmd_pause(args) -> int:
    if args.duration and args.duration != "tomorrow":
        parse_duration(args.duration)
    return _control("pause", duration=args.duration)


def cmd_resume(args) -> int:
    return _control("resume")


def cmd_break(args) -> int:
    return _control("break", kind=args.kind)


def cmd_done(args) -> int:
    return _control("done")


def cmd_skip(args) -> int:
    return _control("skip")


def cmd_safety(args) -> int:
    """Show the notice (through the running app, else a window here, else the terminal);
    `--ack` records the acknowledgement beside the config file, headless."""
    from movebreak.adapters import ipc, storage
    if args.ack:
        try:
            path = storage.acknowledge_safety(_config_path(args))
        except storage.ConfigError as e:
            return _err(str(e))
        # TRANSLATORS: {path} is the file the acknowledgement is recorded in.
        recorded = _("Recorded that you have read this (in {path}).").format(path=path)
        print(f"{safety.title()}\n\n{safety.body()}\n\n{recorded}")
        return EXIT_OK
    try:
        _request("safety")
        return EXIT_OK
    except ipc.NotRunning:
        pass
    has_display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or \
        not sys.platform.startswith("linux")
    if has_display:
        try:
            from movebreak.ui.safety import main as safety_main
        except ImportError:
            safety_main = None
        if safety_main is not None:  # a window here; it prints the notice if it cannot open
            safety_main(["--config", str(_config_path(args))])
            return EXIT_OK
    print(f"{safety.title()}\n\n{safety.body()}")
    if storage.safety_acknowledged(_config_path(args)) is None:
        print(f"\n{safety.ack_hint()}")
    return EXIT_OK


def cmd_quit(args) -> int:
    from movebreak.adapters import ipc
    try:
        res = _request("quit")
    except ipc.NotRunning as e:
        return _err(str(e))
    print(_("stopping movebreak (PID {pid})").format(pid=res["quitting"]))
    return EXIT_OK


def cmd_settings(args) -> int:
    """Open the settings window in this process (the running app reloads on save)."""
    try:
        from movebreak.ui.settings import main as settings_main
    except ImportError as e:
        # TRANSLATORS: {error} is the import error; {path} the config file.
        return _err(_("the settings window is not available here ({error}); edit {path} "
                      "instead").format(error=e, path=_config_path(args)))
    return settings_main(["--config", str(_config_path(args))])


def cmd_history(args) -> int:
    from movebreak.adapters import storage
    from movebreak.adapters.history import HistoryError, open_history
    hist_log = logging.getLogger("movebreak.adapters.history")

    def unlogged(record: logging.LogRecord) -> bool:  # open_history() also returns what it
        return False                                  # logs, as .open_error: print that once

    hist_log.addFilter(unlogged)
    try:
        # Only reads: no full integrity scan at open (a damaged page is reported when read).
        hist = open_history(storage.history_path(), check=False)
    finally:
        hist_log.removeFilter(unlogged)
    problem = getattr(hist, "open_error", None)
    if problem:
        print(f"movebreak: {problem}", file=sys.stderr)
    try:
        local = datetime.now().astimezone()
        days = hist.daily_summary(args.days, local.tzinfo, local.date())
        if args.json:
            # {"days": [...], "events": [...]} with one event per line, written as they are
            # read so memory stays flat however many events there are.
            since = datetime.now(timezone.utc) - timedelta(days=args.days)
            out = sys.stdout
            head = json.dumps(days, indent=2, default=str).replace("\n", "\n  ")
            try:
                out.write(f'{{\n  "days": {head},\n  "events": [')
                sep = "\n    "
                for ev in hist.iter_events(since=since):
                    out.write(sep + json.dumps(ev, default=str))
                    sep = ",\n    "
                out.write("\n  ]\n}\n" if sep != "\n    " else "]\n}\n")
                out.flush()
            except BrokenPipeError:  # e.g. `movebreak history --json | head`: not an error
                os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
            return EXIT_OK
        cols = _history_columns()
        print("".join(head.ljust(w) if key == "day" else head.rjust(w)
                      for key, head, w in cols))
        for d in days:
            longest = d.get("longest_sitting_s") or 0
            cells = {"day": str(d["day"]),
                     "longest": format_countdown(int(longest)) if longest else "-"}
            print("".join(cells[key].ljust(w) if key == "day" else
                          str(cells.get(key, d.get(key, 0))).rjust(w) for key, _h, w in cols))
    except HistoryError as e:
        return _err(str(e))
    finally:
        hist.close()
    return EXIT_OK


def _history_columns() -> list[tuple[str, str, int]]:
    """`movebreak history`'s columns: (key, heading, width); a long heading widens its
    column."""
    cols = [
        # TRANSLATORS: column headings of `movebreak history` (short: a terminal table).
        ("day", pgettext("history column", "day"), 12),
        ("shown", pgettext("history column", "shown"), 7),
        ("done", pgettext("history column", "done"), 7),
        ("snoozed", pgettext("history column", "snoozed"), 9),
        ("skipped", pgettext("history column", "skipped"), 9),
        ("natural", pgettext("history column", "natural"), 9),
        ("longest", pgettext("history column", "longest sit"), 13),
    ]
    return [(key, head, max(width, len(head) + (1 if key == "day" else 2)))
            for key, head, width in cols]


def cmd_autostart(args) -> int:
    from movebreak.adapters import autostart
    if args.state == "status":
        print("on" if autostart.is_enabled() else "off")
        return EXIT_OK
    try:
        where = autostart.enable() if args.state == "on" else autostart.disable()
    except OSError as e:
        return _err(_("could not change start at login: {error}").format(error=e))
    # TRANSLATORS: {state} is on or off (as typed); {where} the file or registry value.
    print(_("start at login: {state} ({where})").format(state=args.state, where=where))
    return EXIT_OK


def cmd_menu_entry(args) -> int:
    from movebreak.adapters import menu_entry
    if not menu_entry.supported():
        return _err(_("an application menu entry is a Linux/BSD desktop feature; on this "
                      "system start movebreak at login with `movebreak autostart on`"))
    if args.state == "status":
        print("on" if menu_entry.is_installed() else "off")
        return EXIT_OK
    try:
        files = menu_entry.install() if args.state == "on" else menu_entry.remove()
    except OSError as e:
        return _err(_("could not change the menu entry: {error}").format(error=e))
    # TRANSLATORS: {state} is on or off (as typed); {path} the menu entry's file.
    print(_("application menu entry: {state} ({path})").format(
        state=args.state, path=menu_entry.entry_path()))
    for f in files:
        # TRANSLATORS: {path} is a file written or removed.
        print("  " + (_("wrote {path}") if args.state == "on" else _("removed {path}"))
              .format(path=f))
    return EXIT_OK


def cmd_doctor(args) -> int:
    from movebreak.doctor import diagnose, render
    report = diagnose(_config_path(args))
    print(json.dumps(report, indent=2, default=str) if args.json else render(report))
    return EXIT_OK


COMMANDS = {
    "run": cmd_run, "status": cmd_status, "snooze": cmd_snooze, "pause": cmd_pause,
    "resume": cmd_resume, "break": cmd_break, "done": cmd_done, "skip": cmd_skip,
    "safety": cmd_safety, "quit": cmd_quit, "settings": cmd_settings, "history": cmd_history,
    "autostart": cmd_autostart, "menu-entry": cmd_menu_entry, "doctor": cmd_doctor,
}
