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

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2

DURATION_HELP = "a duration such as 90s, 10m or 1h30m"


class _Parser(argparse.ArgumentParser):
    """argparse with our error format: usage, then one "movebreak: ..." line, exit 2.
    (Subcommand parsers are made with the same class.)"""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"movebreak: {message} (see `{self.prog} --help`)\n")


def _days(text: str) -> int:
    """--days: a whole number of at least 1 (argparse turns the error into exit 2)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--config", metavar="FILE", type=Path,
                        help="config file (default: the user config dir's config.toml; "
                             "MOVEBREAK_CONFIG_DIR overrides the folder)")
    p = _Parser(
        prog="movebreak", parents=[common],
        description="Tray app for movement breaks, posture checks, stretches and nerve glides. "
                    "With no command, `run` is assumed.",
        epilog=f"Safety: {safety.FOOT} More: movebreak safety")
    p.add_argument("--version", action="version", version=f"movebreak {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    r = sub.add_parser("run", parents=[common], help="start the tray app (one per user)")
    r.add_argument("--no-tray", action="store_true", help="no tray icon (terminal + notifications)")
    r.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")

    s = sub.add_parser("status", parents=[common], help="next reminder per kind, pause, today's counts")
    s.add_argument("--json", action="store_true", help="machine-readable output")

    sn = sub.add_parser("snooze", parents=[common], help="snooze the waiting or next reminder")
    sn.add_argument("duration", nargs="?", help=f"{DURATION_HELP} (default: the snooze setting)")
    sn.add_argument("--kind", choices=list(KINDS), help="snooze this kind instead")

    pa = sub.add_parser("pause", parents=[common], help="pause reminders")
    pa.add_argument("duration", nargs="?",
                    help=f"{DURATION_HELP}, or 'tomorrow'; omitted: until `movebreak resume`")
    sub.add_parser("resume", parents=[common], help="end a pause; intervals restart now")

    b = sub.add_parser("break", parents=[common], help="show a reminder now")
    b.add_argument("kind", nargs="?", choices=list(KINDS), help="which kind (default: the next due)")
    sub.add_parser("done", parents=[common], help="answer the waiting reminder: done")
    sub.add_parser("skip", parents=[common], help="answer the waiting reminder: skip")
    sub.add_parser("settings", parents=[common], help="open the settings window")
    sa = sub.add_parser("safety", parents=[common], help="show the safety notice")
    sa.add_argument("--ack", action="store_true",
                    help="record that you have read it (no window needed)")

    h = sub.add_parser("history", parents=[common], help="what was shown, done, snoozed, skipped")
    h.add_argument("--days", type=_days, default=7, help="how many days back (default 7)")
    h.add_argument("--json", action="store_true", help="machine-readable output")

    sub.add_parser("quit", parents=[common], help="stop the running instance cleanly")
    a = sub.add_parser("autostart", parents=[common], help="start at login: on or off")
    a.add_argument("state", choices=["on", "off", "status"])
    m = sub.add_parser("menu-entry", parents=[common],
                       help="the entry in the desktop's application menu: on or off")
    m.add_argument("state", choices=["on", "off", "status"])
    d = sub.add_parser("doctor", parents=[common], help="what works here and why")
    d.add_argument("--json", action="store_true", help="machine-readable output")
    return p


def main(argv: list[str] | None = None) -> int:
    """Parse, run one command, return its exit code: 0 ok, 1 failed, 2 bad argument.

    Every error is one "movebreak: ..." line on stderr. A reader that goes away early
    (`movebreak status | head -1`) is not an error: exit 0, no traceback.
    """
    argv = sys.argv[1:] if argv is None else argv
    # `run` takes Ctrl+C, SIGTERM and SIGHUP from this instant (adapters/signals.py).
    router = _signal_router() if _command_of(argv) in (None, "run") else None
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
    if command != "run":  # `run` sets up its own logging
        _log_like_errors()
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
    return storage.config_path(args.config)


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
        say("movebreak: no display found (DISPLAY/WAYLAND_DISPLAY unset): running without a "
            "tray icon; reminders are printed here. Control it from another terminal with "
            "`movebreak status`, `snooze`, `pause`, `quit`.")
    if signals.quit_requested:
        say("movebreak stopped")
        return EXIT_OK
    try:
        app = App(config, use_tray=has_display and not args.no_tray)
    except ipc.AlreadyRunning as e:
        return _err(str(e))
    if not has_display:
        app.tray_problem = "no display"
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
    from movebreak.core.texts import kind_countdown, next_due_text, sitting_text
    st, now = Status.from_json(data), datetime.now(timezone.utc)
    print(f"movebreak (PID {st.pid}): {next_due_text(st, now)}")
    if len(st.holds) > 1:
        from movebreak.core.texts import HOLD_TEXT
        print("  also held by: " + ", ".join(HOLD_TEXT[h] for h in st.holds[1:]))
    if st.pending is not None:
        print(f"  waiting for an answer: {st.pending.title}")
    for k in st.kinds:
        title = KINDS[k.kind].title
        if k.enabled and k.due is not None:
            snz = " (snoozed)" if k.snoozed else ""
            left = kind_countdown(st, k.due, now)
            at = f"  at {k.due.astimezone():%H:%M:%S}" if st.counting else ""
            print(f"  {title:<16} {left:>15}{at}{snz}")
        else:
            print(f"  {title:<16} off")
    sitting = sitting_text(st, now)
    if sitting:
        print(f"  {sitting.lower()}")
    print("  today: " + ", ".join(f"{st.today.get(t, 0)} {t}" for t in
                                  ("shown", "done", "snoozed", "skipped", "natural")))
    for problem in st.config_problems:
        print(f"  config: {problem}")
    for warning in st.warnings:  # the tray menu's first lines; config problems are above
        if not warning.startswith("Config: "):
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
        print(f"{safety.TITLE}\n\n{safety.BODY}\n\nRecorded that you have read this "
              f"(in {path}).")
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
    print(f"{safety.TITLE}\n\n{safety.BODY}")
    if storage.safety_acknowledged(_config_path(args)) is None:
        print(f"\n{safety.ACK_HINT}")
    return EXIT_OK


def cmd_quit(args) -> int:
    from movebreak.adapters import ipc
    try:
        res = _request("quit")
    except ipc.NotRunning as e:
        return _err(str(e))
    print(f"stopping movebreak (PID {res['quitting']})")
    return EXIT_OK


def cmd_settings(args) -> int:
    """Open the settings window in this process (the running app reloads on save)."""
    try:
        from movebreak.ui.settings import main as settings_main
    except ImportError as e:
        return _err(f"the settings window is not available here ({e}); edit "
                    f"{_config_path(args)} instead")
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
        print(f"{'day':<12}{'shown':>7}{'done':>7}{'snoozed':>9}{'skipped':>9}{'natural':>9}"
              f"{'longest sit':>13}")
        for d in days:
            longest = d.get("longest_sitting_s") or 0
            print(f"{str(d['day']):<12}{d.get('shown', 0):>7}{d.get('done', 0):>7}"
                  f"{d.get('snoozed', 0):>9}{d.get('skipped', 0):>9}{d.get('natural', 0):>9}"
                  f"{format_countdown(int(longest)) if longest else '-':>13}")
    except HistoryError as e:
        return _err(str(e))
    finally:
        hist.close()
    return EXIT_OK


def cmd_autostart(args) -> int:
    from movebreak.adapters import autostart
    if args.state == "status":
        print("on" if autostart.is_enabled() else "off")
        return EXIT_OK
    try:
        where = autostart.enable() if args.state == "on" else autostart.disable()
    except OSError as e:
        return _err(f"could not change start at login: {e}")
    print(f"start at login: {args.state} ({where})")
    return EXIT_OK


def cmd_menu_entry(args) -> int:
    from movebreak.adapters import menu_entry
    if not menu_entry.supported():
        return _err("an application menu entry is a Linux/BSD desktop feature; on this "
                    "system start movebreak at login with `movebreak autostart on`")
    if args.state == "status":
        print("on" if menu_entry.is_installed() else "off")
        return EXIT_OK
    try:
        files = menu_entry.install() if args.state == "on" else menu_entry.remove()
    except OSError as e:
        return _err(f"could not change the menu entry: {e}")
    print(f"application menu entry: {args.state} ({menu_entry.entry_path()})")
    for f in files:
        print(f"  {'wrote' if args.state == 'on' else 'removed'} {f}")
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
