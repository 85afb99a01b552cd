"""Where movebreak keeps its files, and the config file itself (TOML read, atomic write, backups).

Paths follow platformdirs with env overrides (MOVEBREAK_CONFIG_DIR, MOVEBREAK_DATA_DIR,
MOVEBREAK_RUNTIME_DIR). `load_config` never changes an existing file: a broken one stays where
it is and a copy goes to ``config.toml.bad-<YYYYmmdd-HHMMSS>``. `save_config` replaces the file
atomically under a file lock. Beside config.toml, ``state.toml`` holds what the app records
for itself (the safety notice's acknowledgement): with the settings, not in the history, so a
history reset does not undo it. Safe to call from any thread (and from several processes).
"""

from __future__ import annotations

import datetime as dt
import errno
import glob
import importlib
import os
import re
import stat
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from movebreak.core import safety
from movebreak.core.catalog import KIND_IDS, KINDS
from movebreak.core.l10n import _, ngettext
from movebreak.core.settings import (
    Problem,
    Settings,
    default_settings,
    parse_config,
    settings_to_dict,
)


class _Lazy:
    """A module imported on its first attribute use. filelock (with its asyncio support, about
    25 ms and 1 MiB) and tomli_w are only needed to write or lock a file; reading the config,
    which every start and every CLI command does, needs neither."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str):
        return getattr(importlib.import_module(self._name), attr)


filelock = _Lazy("filelock")
tomli_w = _Lazy("tomli_w")

__all__ = [
    "APP_NAME",
    "CONFIG_NAME",
    "MAX_CONFIG_BYTES",
    "ConfigError",
    "LoadResult",
    "config_dir",
    "config_path",
    "data_dir",
    "runtime_dir",
    "history_path",
    "load_config",
    "save_config",
    "default_config_text",
    "config_mtime_ns",
    "state_path",
    "load_state",
    "safety_acknowledged",
    "acknowledge_safety",
    "StateFileError",
    "timers_path",
    "load_timers",
    "save_timers",
]

APP_NAME = "movebreak"
CONFIG_NAME = "config.toml"
HISTORY_NAME = "history.sqlite3"
STATE_NAME = "state.toml"
TIMERS_NAME = "timers.json"
MAX_TIMERS_BYTES = 64 * 1024
MAX_STATE_BYTES = 64 * 1024
MAX_CONFIG_BYTES = 1024 * 1024
LOCK_TIMEOUT_S = 5.0
_MAX_BACKUP_BYTES = 64 * 1024 * 1024  # larger broken files stay in place but are not copied
_SOCKET_DIR_MAX = 80  # keep room for a socket name within the ~104-byte AF_UNIX limit


class ConfigError(Exception):
    """The config file could not be written; the message says why (the old file is intact)."""


# --------------------------------------------------------------------------- paths


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    """Config folder: $MOVEBREAK_CONFIG_DIR, else platformdirs' user config folder."""
    return _env_path("MOVEBREAK_CONFIG_DIR") or platformdirs.user_config_path(APP_NAME)


def config_path(override: str | os.PathLike | None = None) -> Path:
    """The config file: `override` (``--config FILE``) if given, else config_dir()/config.toml."""
    if override is not None and str(override).strip():
        return Path(override).expanduser()
    return config_dir() / CONFIG_NAME


def data_dir(create: bool = False) -> Path:
    """Data folder (history): $MOVEBREAK_DATA_DIR, else platformdirs' user data folder."""
    path = _env_path("MOVEBREAK_DATA_DIR") or platformdirs.user_data_path(APP_NAME)
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def history_path() -> Path:
    """The SQLite history file inside `data_dir()` (folder not created here)."""
    return data_dir() / HISTORY_NAME


def runtime_dir() -> Path:
    """Private per-user folder for the control socket and instance lock, created with mode 0700.

    $MOVEBREAK_RUNTIME_DIR, else $XDG_RUNTIME_DIR/movebreak on Linux/BSD, else platformdirs on
    macOS/Windows. Without a usable XDG_RUNTIME_DIR (or when the path is too long for a Unix
    socket) it is ``<tempdir>/movebreak-<uid>``, checked to be ours and not a symlink.
    Raises PermissionError if the folder exists but belongs to someone else.
    """
    override = _env_path("MOVEBREAK_RUNTIME_DIR")
    if override is not None:
        return _private_dir(override)
    if sys.platform.startswith(("win", "darwin")):
        path = platformdirs.user_runtime_path(APP_NAME)
        if sys.platform == "win32" or len(str(path)) <= _SOCKET_DIR_MAX:
            return _private_dir(path)
    else:
        xdg = os.environ.get("XDG_RUNTIME_DIR", "").strip()
        if xdg and os.path.isabs(xdg) and os.path.isdir(xdg) and os.access(xdg, os.W_OK):
            path = Path(xdg) / APP_NAME
            if len(str(path)) <= _SOCKET_DIR_MAX:
                return _private_dir(path)
    uid = os.getuid() if hasattr(os, "getuid") else os.getpid()
    return _private_dir(Path(tempfile.gettempdir()) / f"{APP_NAME}-{uid}")


def _private_dir(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    if os.name != "posix":
        return path
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise PermissionError(_("{path} must be a real folder, not a link or a file").format(
            path=path))
    if st.st_uid != os.getuid():
        # TRANSLATORS: {uid} is a user id number.
        raise PermissionError(_("{path} belongs to another user (uid {uid}); set "
                                "MOVEBREAK_RUNTIME_DIR to a private folder").format(
            path=path, uid=st.st_uid))
    if stat.S_IMODE(st.st_mode) != 0o700:
        os.chmod(path, 0o700)
    return path


def config_mtime_ns(path: str | os.PathLike) -> int | None:
    """Modification time of the config file in ns, or None if it does not exist (for watching)."""
    try:
        return os.stat(path).st_mtime_ns
    except (FileNotFoundError, NotADirectoryError):
        return None


# --------------------------------------------------------------------------- load


@dataclass
class LoadResult:
    """What `load_config` found.

    `settings` are ready to use. `problems` hold errors (value rejected, last good kept),
    warnings (unknown keys, which are in `extra` and survive `save_config`) and info notes
    (migration). `backup` is the ``.bad-<ts>`` copy made for a broken file (or the identical one
    that already existed). `created` is True when a default file was just written.
    """

    settings: Settings
    problems: list[Problem] = field(default_factory=list)
    backup: Path | None = None
    created: bool = False
    extra: dict = field(default_factory=dict)
    path: Path | None = None
    mtime_ns: int | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def load_config(path: str | os.PathLike | None = None, fallback: Settings | None = None,
                *, write_default: bool = True, backup: bool = True,
                now: dt.datetime | None = None) -> LoadResult:
    """Read the config file; never raises for bad content and never rewrites an existing file.

    Missing file: defaults, and a commented default file is written (``created=True``).
    Not a regular file, over MAX_CONFIG_BYTES, binary, not UTF-8, or a TOML syntax error:
    one file-level Problem (with line/column where known), `fallback` or defaults, and a
    ``.bad-<ts>`` copy. Invalid values: good values are used, bad ones keep `fallback`'s value,
    and the file is copied the same way. `write_default=False` / `backup=False` make a pure
    read (for `doctor`). `now` (local time) names the backup; tests pass it.
    """
    path = config_path(path)
    base = fallback or default_settings()
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        if not write_default:
            return LoadResult(default_settings(), path=path)
        return _create_default(path)
    except OSError as exc:
        return LoadResult(base, [_file_problem(path, _unreadable(path, exc))], path=path)
    if not stat.S_ISREG(st.st_mode):
        return LoadResult(base, [_file_problem(path, _(
            "{path} is not a regular file; using the current settings").format(path=path))],
            path=path)
    if st.st_size > MAX_CONFIG_BYTES:
        # TRANSLATORS: the start of a sentence about the config file: "{path} is 2.0 MiB; ..."
        return _broken(path, base, backup, None, st.st_size, now,
                       _("{path} is {size}; a config file is at most {most}").format(
                           path=path, size=_size(st.st_size), most=_size(MAX_CONFIG_BYTES)))
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        return LoadResult(base, [_file_problem(path, _unreadable(path, exc))], path=path)
    if len(raw) > MAX_CONFIG_BYTES:  # grew since stat
        return _broken(path, base, backup, None, None, now,
                       _("{path} is larger than {most}, the most a config file may be").format(
                           path=path, most=_size(MAX_CONFIG_BYTES)))
    if b"\0" in raw:
        return _broken(path, base, backup, raw, None, now,
                       _("{path} contains binary data (NUL bytes); expected a TOML text file")
                       .format(path=path))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _line_col(raw, exc.start)
        # TRANSLATORS: {byte} is a byte value such as 0xff.
        return _broken(path, base, backup, raw, None, now,
                       _("{path} is not UTF-8 text (bad byte {byte} at line {line}, column "
                         "{column}); save it as UTF-8").format(
                           path=path, byte=f"0x{raw[exc.start]:02x}", line=line, column=col),
                       line, col)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line, col = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        detail = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", msg)
        # TRANSLATORS: {error} is the TOML parser's message (in English).
        what = _("{path} has a TOML syntax error at line {line}, column {column}: {error}") \
            if m else _("{path} has a TOML syntax error: {error}")
        return _broken(path, base, backup, raw, None, now,
                       what.format(path=path, line=line, column=col, error=detail), line, col)

    parsed = parse_config(data, fallback)
    result = LoadResult(parsed.settings, list(parsed.problems), extra=parsed.extra, path=path,
                        mtime_ns=st.st_mtime_ns)
    if result.errors and backup:
        result.backup, note = _backup(path, raw, None, now)
        if note:
            result.problems.append(note)
    return result


def _create_default(path: Path) -> LoadResult:
    settings = default_settings()
    try:
        _make_parent(path)
        with _lock(path):
            if path.exists():  # someone created it meanwhile: leave it for the next load
                return LoadResult(settings, path=path, mtime_ns=config_mtime_ns(path))
            _atomic_write(path, default_config_text().encode("utf-8"), mode=0o600)
    except (OSError, ConfigError, filelock.Timeout) as exc:
        what = str(exc) if isinstance(exc, ConfigError) else \
            _("could not create the default config file {path}: {reason}").format(
                path=path, reason=_reason(exc))
        return LoadResult(settings, [Problem(
            "", str(path), _("a writable config folder"),
            _("{problem}; using the default settings").format(problem=what),
            "warning")], path=path)
    return LoadResult(settings, created=True, path=path, mtime_ns=config_mtime_ns(path))


def _broken(path: Path, base: Settings, keep_copy: bool, raw: bytes | None, size: int | None,
            now: dt.datetime | None, what: str, line: int | None = None,
            col: int | None = None) -> LoadResult:
    backup, note = _backup(path, raw, size, now) if keep_copy else (None, None)
    where = (_("a copy is at {path}").format(path=backup) if backup else
             _("no copy could be made") if keep_copy else _("no copy was made"))
    # TRANSLATORS: {problem} says what is wrong with the file (a sentence without its full
    # stop); {copy} e.g. "a copy is at /path/config.toml.bad-20260101-120000".
    message = (_("{problem}. The file was left as it is ({copy}); using the last good "
                 "settings.") if base != default_settings() else
               _("{problem}. The file was left as it is ({copy}); using the default "
                 "settings.")).format(problem=what, copy=where)
    problem = Problem("", str(path), _("a UTF-8 TOML file of at most 1 MiB"), message, "error",
                      line, col)
    problems = [problem] + ([note] if note else [])
    return LoadResult(base, problems, backup=backup, path=path, mtime_ns=config_mtime_ns(path))


def _file_problem(path: Path, message: str) -> Problem:
    """A file-level error (`message` names the file)."""
    return Problem("", str(path), _("a readable regular file"), message, "error")


def _unreadable(path: Path, exc: OSError) -> str:
    """The message for a config file that cannot be read."""
    return _("{path} cannot be read ({reason}); using the current settings").format(
        path=path, reason=_reason(exc))


def _backup(path: Path, raw: bytes | None, size: int | None, now: dt.datetime | None,
            locked: bool = False) -> tuple[Path | None, Problem | None]:
    """Copy the broken file next to itself as ``<name>.bad-<ts>``, reusing an identical copy.

    Takes the config lock (unless the caller holds it) so two processes loading the same broken
    file make one copy.
    """
    if not locked:
        try:
            with _lock(path):
                return _backup(path, raw, size, now, locked=True)
        except filelock.Timeout:
            pass  # copy without the lock rather than not at all
        except OSError as exc:
            return None, Problem("", str(path), "", _no_copy(path, _reason(exc)), "warning")
    try:
        if raw is None:
            size = os.stat(path).st_size if size is None else size
            if size > _MAX_BACKUP_BYTES:
                return None, Problem("", str(path), "", _("{path} is too large to copy; it "
                                                          "was left in place untouched").format(
                    path=path), "warning")
            with open(path, "rb") as fh:
                raw = fh.read()
        prefix = f"{path.name}.bad-"
        for old in sorted(path.parent.glob(glob.escape(prefix) + "*")):
            try:
                if old.is_file() and old.stat().st_size == len(raw) and old.read_bytes() == raw:
                    return old, None
            except OSError:
                continue
        stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
        target = path.with_name(prefix + stamp)
        n = 1
        while target.exists():
            target = path.with_name(f"{prefix}{stamp}-{n}")
            n += 1
        _atomic_write(target, raw, mode=stat.S_IMODE(os.stat(path).st_mode) or 0o600,
                      exclusive=True)
        return target, None
    except (OSError, ConfigError) as exc:
        reason = str(exc) if isinstance(exc, ConfigError) else _reason(exc)
        return None, Problem("", str(path), "", _no_copy(path, reason), "warning")


def _no_copy(path: Path, reason: str) -> str:
    # TRANSLATORS: {reason} says why, e.g. "the disk is full".
    return _("could not keep a copy of {path}: {reason}; the file itself was left "
             "untouched").format(path=path, reason=reason)


# --------------------------------------------------------------------------- save


def save_config(path: str | os.PathLike | None, settings: Settings, extra: dict | None = None,
                *, expected_mtime_ns: int | None = None) -> Path:
    """Write `settings` atomically (temp file in the same folder, fsync, os.replace) under a lock.

    `extra` = unknown keys to keep (from LoadResult.extra); None keeps those of the file on disk,
    ``{}`` drops them. Comments in the old file do not survive a save. A file on disk that does
    not parse is first copied to ``.bad-<ts>``. With `expected_mtime_ns`, refuses (ConfigError)
    if the file changed since it was read. Raises ConfigError on any failure; the old file is
    then unchanged. Returns the path written.
    """
    path = config_path(path)
    _make_parent(path)
    try:
        with _lock(path):
            mode = 0o600
            current = _read_current(path)
            if current is not None:
                raw, st = current
                mode = stat.S_IMODE(st.st_mode)
                if expected_mtime_ns is not None and st.st_mtime_ns != expected_mtime_ns:
                    raise ConfigError(_("{path} was changed by someone else since it was "
                                        "read; not saving over it (reload and try again)")
                                      .format(path=path))
                data = _parse_toml(raw) if raw is not None else None
                if data is None:  # never overwrite a broken file without keeping a copy
                    backup, note = _backup(path, raw, st.st_size, None, locked=True)
                    if backup is None:
                        raise ConfigError(_("{problem}; not saving over it").format(
                            problem=note))
                elif extra is None:
                    extra = parse_config(data).extra
            text = tomli_w.dumps(settings_to_dict(settings, extra))
            _atomic_write(path, text.encode("utf-8"), mode=mode)
    except filelock.Timeout as exc:
        raise ConfigError(_("could not save settings to {path}: another process is writing "
                            "it (waited {seconds} s); the file is unchanged").format(
            path=path, seconds=f"{LOCK_TIMEOUT_S:g}")) from exc
    except OSError as exc:
        raise ConfigError(_save_failed(path, exc)) from exc
    return path


def _make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:  # a regular file where the folder should be
        raise ConfigError(_("could not save settings to {path}: {folder} is a file, not a "
                            "folder; the previous file is unchanged").format(
            path=path, folder=path.parent)) from exc
    except OSError as exc:
        raise ConfigError(_save_failed(path, exc)) from exc


def _read_current(path: Path) -> tuple[bytes | None, os.stat_result] | None:
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(_("could not save settings: {path} is not a regular file").format(
            path=path))
    if st.st_size > MAX_CONFIG_BYTES:
        return None, st  # too big to be a config: treated as broken
    with open(path, "rb") as fh:
        return fh.read(MAX_CONFIG_BYTES + 1), st


def _parse_toml(raw: bytes) -> dict | None:
    try:
        return tomllib.loads(raw.decode("utf-8-sig")) if b"\0" not in raw else None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None


def _lock(path: Path) -> filelock.FileLock:
    return filelock.FileLock(str(path) + ".lock", timeout=LOCK_TIMEOUT_S)


def _atomic_write(path: Path, data: bytes, mode: int, exclusive: bool = False,
                  sync: bool = True) -> None:
    """Write `data` to a temp file beside `path`, fsync, then rename over (or link to) `path`.
    `sync=False` skips both fsyncs: the file is still never half written, but a power cut may
    leave the previous version (for state that is rewritten every minute)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if exclusive and hasattr(os, "link"):
            os.link(tmp, path)  # raises FileExistsError instead of replacing a file
        else:
            os.replace(tmp, path)
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
    if sync:
        _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _reason(exc: OSError) -> str:
    code = getattr(exc, "errno", None)
    if code == errno.ENOSPC or code == getattr(errno, "EDQUOT", None):
        return _("the disk is full")
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return _("the folder or file is read-only or not yours")
    if code == errno.ENOTDIR:
        return _("a file is in the way of its folder")
    return exc.strerror or str(exc)


def _save_failed(path: Path, exc: OSError) -> str:
    return _("could not save settings to {path}: {reason}; the previous file is "
             "unchanged").format(path=path, reason=_reason(exc))


def _line_col(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    line = before.count(b"\n") + 1
    col = offset - (before.rfind(b"\n") + 1) + 1
    return line, col


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MiB"
    return ngettext("{n} byte", "{n} bytes", n).format(n=n)


# --------------------------------------------------------------------------- state file

_STATE_HEADER = ("# What movebreak records for itself (not settings). Deleting this file shows "
                 "the safety notice again.\n")


def state_path(config: str | os.PathLike | None = None) -> Path:
    """``state.toml`` in the config file's folder (so ``--config`` and MOVEBREAK_CONFIG_DIR
    move it along with the settings)."""
    return config_path(config).with_name(STATE_NAME)


def load_state(config: str | os.PathLike | None = None) -> dict:
    """The state file as a dict; {} when it is missing, too big, unreadable or not TOML (the
    safe reading: an unreadable acknowledgement shows the notice again). Never raises."""
    try:
        with open(state_path(config), "rb") as fh:
            raw = fh.read(MAX_STATE_BYTES + 1)
    except OSError:
        return {}
    if len(raw) > MAX_STATE_BYTES:
        return {}
    return _parse_toml(raw) or {}


def safety_acknowledged(config: str | os.PathLike | None = None,
                        version: int = safety.NOTICE_VERSION) -> dt.datetime | None:
    """When the safety notice was acknowledged (at `version` or a later one), else None."""
    table = load_state(config).get("safety")
    if not isinstance(table, dict):
        return None
    at, seen = table.get("acknowledged"), table.get("version")
    if not isinstance(at, dt.datetime) or isinstance(seen, bool) or not isinstance(seen, int):
        return None
    return at if seen >= version else None


def acknowledge_safety(config: str | os.PathLike | None = None, *,
                       now: dt.datetime | None = None,
                       version: int = safety.NOTICE_VERSION) -> Path:
    """Record that the person acknowledged the safety notice: atomic write under the config
    lock, keeping the file's other keys (a broken file is replaced). Raises ConfigError with a
    readable reason when it cannot be written. Returns the path."""
    path = state_path(config)
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    _make_parent(path)
    try:
        with _lock(path):
            data = load_state(config)
            data["safety"] = {"acknowledged": when, "version": version}
            text = _STATE_HEADER + tomli_w.dumps(data)
            _atomic_write(path, text.encode("utf-8"), mode=0o600)
    except filelock.Timeout as exc:
        raise ConfigError(_("could not record the acknowledgement in {path}: another process "
                            "is writing it").format(path=path)) from exc
    except OSError as exc:
        raise ConfigError(_("could not record the acknowledgement in {path}: {reason}").format(
            path=path, reason=_reason(exc))) from exc
    return path


# --------------------------------------------------------------------------- timers

class StateFileError(Exception):
    """The saved timers could not be read; the message says why (the file is left alone)."""


def timers_path() -> Path:
    """``timers.json`` in the data folder: the engine's saved timers (core/engine.py
    `export_state`), so a restart continues the countdowns."""
    return data_dir() / TIMERS_NAME


def load_timers(path: str | os.PathLike | None = None) -> dict | None:
    """The saved timers as a dict, None when there are none. Raises StateFileError naming
    the problem for a file that cannot be read, is too big, or is not a JSON object."""
    import json
    path = Path(path) if path is not None else timers_path()
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_TIMERS_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateFileError(_("{path} cannot be read ({reason})").format(
            path=path, reason=_reason(exc))) from exc
    if len(raw) > MAX_TIMERS_BYTES:
        raise StateFileError(_("{path} is larger than {most}").format(
            path=path, most=_size(MAX_TIMERS_BYTES)))
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise StateFileError(_("{path} is not JSON ({error})").format(path=path,
                                                                      error=exc)) from exc
    if not isinstance(data, dict):
        raise StateFileError(_("{path} is not a JSON object").format(path=path))
    return data


def save_timers(data: dict, path: str | os.PathLike | None = None) -> Path:
    """Write the timers atomically (temp file, rename; mode 0600). Raises OSError. Not
    fsynced: it is rewritten every minute, and a file lost to a power cut only means the
    countdowns start afresh. Only the running instance writes it (it holds the instance
    lock), so no file lock."""
    import json
    path = Path(path) if path is not None else timers_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8"),
                  mode=0o600, sync=False)
    return path


# --------------------------------------------------------------------------- default file


def default_config_text() -> str:
    """The commented config written on first run; parses to exactly `default_settings()`."""
    d = settings_to_dict(default_settings())
    g = d["general"]

    def val(v: object) -> str:
        if isinstance(v, list):  # keep arrays on one line
            return "[" + ", ".join(val(x) for x in v) + "]"
        return tomli_w.dumps({"v": v}).strip()[4:]

    lines = [
        "# movebreak settings. Edit and save: the running app reloads this file.",
        '# Durations: whole numbers with a unit s, m or h, e.g. "90s", "10m", "1h30m".',
        "# On/off values are true or false, without quotes.",
        f"schema_version = {d['schema_version']}",
        "",
        "[general]",
        "# How long Snooze waits (1m to 2h).",
        f"snooze = {val(g['snooze'])}",
        "# Being away from the computer this long counts as a movement break (30s to 1h).",
        f"natural_break = {val(g['natural_break'])}",
        "# Remind only within working hours on working days. Remove the # to turn it on.",
        '# working_hours = "09:00-17:30"',
        f"working_days = {val(g['working_days'])}",
        '# A sound with each reminder: "off", "theme" (your desktop\'s sound theme) or "chime"',
        "# (movebreak's own).",
        f"sound = {val(g['sound'])}",
        "# Start movebreak when you log in.",
        f"autostart = {val(g['autostart'])}",
        "# Hold reminders while the desktop's do-not-disturb is on (shown once it ends).",
        f"respect_dnd = {val(g['respect_dnd'])}",
        "# Hold reminders while a full-screen window has focus (a presentation, a video call).",
        f"hold_when_fullscreen = {val(g['hold_when_fullscreen'])}",
        '# The language of every text: "auto" (your desktop\'s) or "en", "es", "de".',
        f"language = {val(g['language'])}",
        "# History keeps every event; to drop events older than N days (7 to 3650) at each",
        "# start, remove the # below.",
        "# keep_history_days = 365",
        "",
        "# One section per reminder: enabled (true/false) and interval (10s to 24h).",
    ]
    for kind in KIND_IDS:
        r = d["reminders"][kind]
        lines += [
            "",
            f"[reminders.{kind}]",
            f"# {KINDS[kind].title_src}: {KINDS[kind].summary_src}",  # comments stay English
            f"enabled = {val(r['enabled'])}",
            f"interval = {val(r['interval'])}",
        ]
    rt = d["routine"]
    lines += [
        "",
        "# The guided stretch routine.",
        "[routine]",
        '# Seconds per hold: "30s", "45s" or "60s" (hold most stretches 30-60 s).',
        f"hold = {val(rt['hold'])}",
        "# Times each side: 1 or 2.",
        f"rounds = {val(rt['rounds'])}",
        "# true: leave out the stretches done lying on the floor.",
        f"desk_only = {val(rt['desk_only'])}",
        '# Sound at "switch sides" and when a hold ends (only when sound is not "off").',
        f"chime = {val(rt['chime'])}",
    ]
    return "\n".join(lines) + "\n"
