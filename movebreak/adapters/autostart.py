"""Start at login: XDG autostart (Linux/BSD), a LaunchAgent (macOS), the Run key (Windows).

One small adapter behind `enable() -> str`, `disable() -> str` (both return where they wrote)
and `is_enabled() -> bool`. Each platform is a class taking its base folder, so every branch
that writes files is testable on any OS; `winreg` is imported only on Windows. The command is
the current interpreter: `sys.executable -m movebreak run`. Called from the CLI
(`movebreak autostart`) and the settings window's main thread; raises OSError on failure.
"""

from __future__ import annotations

import configparser
import os
import plistlib
import subprocess
import sys
from pathlib import Path

from movebreak.core.l10n import N_, translations_of

__all__ = [
    "APP_ID",
    "LaunchAgent",
    "RunKey",
    "XdgAutostart",
    "backend",
    "command",
    "desktop_entry",
    "disable",
    "enable",
    "exec_line",
    "is_enabled",
    "launch_agent_plist",
    "windows_command",
]

APP_ID = "io.movebreak"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "movebreak"


def command(python: str | None = None) -> list[str]:
    """argv that starts the tray app with this interpreter."""
    return [python or sys.executable, "-m", "movebreak", "run"]


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# --------------------------------------------------------------------------- XDG (Linux, BSD)

_EXEC_RESERVED = set(' \t\n"\'\\><~|&;$*?#()`')


def _exec_arg(arg: str) -> str:
    """One Exec argument per the Desktop Entry spec: quote reserved chars, double `%`."""
    arg = arg.replace("%", "%%")
    if not arg or any(c in _EXEC_RESERVED for c in arg):
        inner = "".join("\\" + c if c in '"`$\\' else c for c in arg)
        arg = f'"{inner}"'
    return arg


def exec_line(argv: list[str]) -> str:
    """The Exec= value for `argv`, escaped for a desktop file (string escapes included)."""
    line = " ".join(_exec_arg(a) for a in argv)
    # A desktop file value is itself an escaped string: a backslash is written twice.
    return line.replace("\\", "\\\\")


def _icon() -> str | None:
    try:
        from movebreak.adapters.icons import icon_path
        path = icon_path("normal", 256)
    except (ImportError, OSError, ValueError):  # a nicety: never block start at login
        return None
    return str(path) if path is not None else None


#: The autostart entry's comment (carried in every shipped language, as Comment[lang]=).
AUTOSTART_COMMENT = N_("Movement breaks, posture checks and stretches")


def localized(key: str, message: str) -> str:
    """`Key=English` and one `Key[lang]=` line per shipped translation (desktop entry spec);
    the menu entry (menu_entry.py) uses it too."""
    lines = [f"{key}={message}"] + [f"{key}[{lang}]={text}"
                                     for lang, text in translations_of(message).items()]
    return "\n".join(lines) + "\n"


def desktop_entry(python: str | None = None, icon: str | None = None) -> str:
    """Contents of movebreak.desktop for XDG autostart (pure)."""
    icon_line = "Icon=" + icon.replace("\\", "\\\\") + "\n" if icon else ""
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Version=1.0\n"
        "Name=movebreak\n"
        + localized("Comment", AUTOSTART_COMMENT)
        + f"Exec={exec_line(command(python))}\n"
        f"{icon_line}"
        "Terminal=false\n"
        "Hidden=false\n"
        "NoDisplay=false\n"
        "X-GNOME-Autostart-enabled=true\n"
        "X-GNOME-Autostart-Delay=5\n"
    )


def _read_desktop(path: Path) -> configparser.ConfigParser | None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # keys are case-sensitive in desktop files
    try:
        parser.read_string(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, configparser.Error):
        return None
    return parser


class XdgAutostart:
    """`$XDG_CONFIG_HOME/autostart/movebreak.desktop` (XDG Autostart spec)."""

    def __init__(self, config_home: Path | None = None) -> None:
        if config_home is None:
            env = os.environ.get("XDG_CONFIG_HOME")
            config_home = Path(env) if env and os.path.isabs(env) else Path.home() / ".config"
        self.path = config_home / "autostart" / "movebreak.desktop"

    def enable(self) -> str:
        _write_atomic(self.path, desktop_entry(icon=_icon()).encode("utf-8"))
        return str(self.path)

    def disable(self) -> str:
        self.path.unlink(missing_ok=True)
        return str(self.path)

    def is_enabled(self) -> bool:
        if not self.path.is_file():
            return False
        parser = _read_desktop(self.path)
        if parser is None or not parser.has_section("Desktop Entry"):
            return False
        entry = parser["Desktop Entry"]
        if entry.get("Hidden", "false").strip().lower() == "true":
            return False
        return entry.get("X-GNOME-Autostart-enabled", "true").strip().lower() != "false"


# --------------------------------------------------------------------------- macOS


def launch_agent_plist(python: str | None = None) -> bytes:
    """Contents of ~/Library/LaunchAgents/io.movebreak.plist (pure; XML plist)."""
    return plistlib.dumps({
        "Label": APP_ID,
        "ProgramArguments": command(python),
        "RunAtLoad": True,
        "KeepAlive": False,
        "ProcessType": "Interactive",
        "LimitLoadToSessionType": "Aqua",
    }, fmt=plistlib.FMT_XML, sort_keys=True)


class LaunchAgent:
    """A per-user LaunchAgent; launchd starts it at the next login."""

    def __init__(self, home: Path | None = None) -> None:
        self.path = (home or Path.home()) / "Library" / "LaunchAgents" / f"{APP_ID}.plist"

    def enable(self) -> str:
        _write_atomic(self.path, launch_agent_plist())
        return str(self.path)

    def disable(self) -> str:
        self.path.unlink(missing_ok=True)
        return str(self.path)

    def is_enabled(self) -> bool:
        try:
            data = plistlib.loads(self.path.read_bytes())
        except (OSError, plistlib.InvalidFileException, ValueError):
            return False
        return isinstance(data, dict) and data.get("Label") == APP_ID and \
            not data.get("Disabled", False)


# --------------------------------------------------------------------------- Windows


def windows_command(python: str | None = None) -> str:
    """Run-key command line; prefers pythonw.exe next to python.exe (no console window)."""
    exe = Path(python or sys.executable)
    if exe.name.lower() == "python.exe" and exe.with_name("pythonw.exe").exists():
        exe = exe.with_name("pythonw.exe")
    return subprocess.list2cmdline(command(str(exe)))


class RunKey:
    """`HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run`, value `movebreak`."""

    where = rf"HKCU\{RUN_KEY}\{RUN_VALUE}"

    def enable(self) -> str:
        import winreg
        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            winreg.SetValueEx(key, RUN_VALUE, 0, winreg.REG_SZ, windows_command())
        return self.where

    def disable(self) -> str:
        import winreg
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0,
                                winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, RUN_VALUE)
        except FileNotFoundError:
            pass
        return self.where

    def is_enabled(self) -> bool:
        import winreg
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                value, _ = winreg.QueryValueEx(key, RUN_VALUE)
        except OSError:
            return False
        return bool(value)


# --------------------------------------------------------------------------- facade


def backend(platform: str | None = None) -> XdgAutostart | LaunchAgent | RunKey:
    """The start-at-login mechanism of this platform (read env/home at call time)."""
    platform = platform or sys.platform
    if platform == "win32":
        return RunKey()
    if platform == "darwin":
        return LaunchAgent()
    return XdgAutostart()


def enable() -> str:
    """Register start at login; returns the file or registry value written."""
    return backend().enable()


def disable() -> str:
    """Remove start at login (fine when it was off); returns the file or registry value."""
    return backend().disable()


def is_enabled() -> bool:
    """Whether movebreak starts at login."""
    return backend().is_enabled()
