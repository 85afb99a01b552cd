"""Start at login with real files: XDG autostart under a temp XDG_CONFIG_HOME, the macOS
LaunchAgent under a temp home, the Windows command line; and the CLI end to end."""

from __future__ import annotations

import configparser
import os
import plistlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from movebreak.adapters import autostart


@pytest.fixture
def xdg(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


def read_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def parse_exec(value: str) -> list[str]:
    """Reference reading of an Exec value (Desktop Entry spec), written independently."""
    value = re.sub(r"\\(.)", lambda m: {"s": " ", "n": "\n", "t": "\t", "r": "\r",
                                        "\\": "\\"}.get(m.group(1), "\\" + m.group(1)), value)
    args, i = [], 0
    while i < len(value):
        if value[i] == " ":
            i += 1
            continue
        arg = ""
        if value[i] == '"':
            i += 1
            while value[i] != '"':
                if value[i] == "\\":
                    assert value[i + 1] in '"`$\\', f"bad escape in {value!r}"
                    i += 1
                arg += value[i]
                i += 1
            i += 1
        else:
            while i < len(value) and value[i] != " ":
                assert value[i] not in '"\'\\$`', f"unquoted reserved char in {value!r}"
                arg += value[i]
                i += 1
        args.append(arg.replace("%%", "%"))
    return args


# --------------------------------------------------------------------------- XDG


def test_enable_writes_a_valid_desktop_file(xdg):
    where = autostart.enable()
    path = xdg / "autostart" / "movebreak.desktop"
    assert where == str(path)
    entry = read_entry(path)
    assert entry["Type"] == "Application"
    assert entry["Name"] == "movebreak"
    assert entry["Terminal"] == "false"
    assert entry.get("Hidden") == "false"
    assert parse_exec(entry["Exec"]) == [sys.executable, "-m", "movebreak", "run"]
    assert Path(entry["Icon"]).is_file() and entry["Icon"].endswith(".png")
    assert autostart.is_enabled() is True


def test_the_exec_line_starts_this_movebreak(xdg):
    autostart.enable()
    argv = parse_exec(read_entry(xdg / "autostart" / "movebreak.desktop")["Exec"])
    assert argv[-1] == "run"
    out = subprocess.run([*argv[:-1], "--version"], capture_output=True, text=True, timeout=30,
                         check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("movebreak ")


def test_disable_removes_it_and_is_idempotent(xdg):
    assert autostart.is_enabled() is False
    autostart.enable()
    autostart.enable()  # twice is fine
    assert autostart.is_enabled()
    where = autostart.disable()
    assert not Path(where).exists()
    assert autostart.is_enabled() is False
    assert autostart.disable() == where  # nothing to remove: still fine
    assert list((xdg / "autostart").iterdir()) == []  # no temp files left


@pytest.mark.parametrize("line", ["Hidden=true", "X-GNOME-Autostart-enabled=false"])
def test_a_hidden_entry_counts_as_off(xdg, line):
    path = Path(autostart.enable())
    text = path.read_text().replace("Hidden=false", "").replace(
        "X-GNOME-Autostart-enabled=true", "")
    path.write_text(text + line + "\n")
    assert autostart.is_enabled() is False


def test_garbage_file_counts_as_off(xdg):
    path = xdg / "autostart" / "movebreak.desktop"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xfe not a desktop file")
    assert autostart.is_enabled() is False
    autostart.enable()  # replaced by a good one
    assert autostart.is_enabled()


def test_without_xdg_config_home_it_uses_home_config(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert autostart.enable() == str(tmp_path / ".config" / "autostart" / "movebreak.desktop")
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")  # not absolute: ignored (XDG spec)
    assert autostart.is_enabled()


@pytest.mark.parametrize("python", [
    "/opt/my python/bin/python3",
    "/home/x/$HOME/`py`/bin/python",
    "/odd/back\\slash/100%/python",
    '/quote"d/python',
])
def test_exec_line_quotes_awkward_interpreter_paths(python, tmp_path):
    path = tmp_path / "movebreak.desktop"
    path.write_text(autostart.desktop_entry(python))
    assert parse_exec(read_entry(path)["Exec"]) == [python, "-m", "movebreak", "run"]


# --------------------------------------------------------------------------- macOS


def test_launch_agent_plist_is_pure_and_complete():
    data = plistlib.loads(autostart.launch_agent_plist("/usr/local/bin/python3"))
    assert data["Label"] == "io.movebreak"
    assert data["ProgramArguments"] == ["/usr/local/bin/python3", "-m", "movebreak", "run"]
    assert data["RunAtLoad"] is True
    assert data["KeepAlive"] is False
    assert autostart.launch_agent_plist("/x") == autostart.launch_agent_plist("/x")


def test_launch_agent_files(tmp_path):
    agent = autostart.LaunchAgent(tmp_path)
    assert agent.is_enabled() is False
    where = agent.enable()
    assert where == str(tmp_path / "Library" / "LaunchAgents" / "io.movebreak.plist")
    data = plistlib.loads(Path(where).read_bytes())
    assert data["ProgramArguments"] == [sys.executable, "-m", "movebreak", "run"]
    assert agent.is_enabled()
    Path(where).write_bytes(plistlib.dumps({**data, "Disabled": True}))
    assert agent.is_enabled() is False
    agent.disable()
    assert not Path(where).exists() and agent.is_enabled() is False


# --------------------------------------------------------------------------- Windows


def test_windows_command_prefers_pythonw_and_quotes(tmp_path):
    folder = tmp_path / "Program Files" / "Python311"
    folder.mkdir(parents=True)
    (folder / "python.exe").write_bytes(b"")
    assert autostart.windows_command(str(folder / "python.exe")) == \
        f'"{folder / "python.exe"}" -m movebreak run'
    (folder / "pythonw.exe").write_bytes(b"")
    assert autostart.windows_command(str(folder / "python.exe")) == \
        f'"{folder / "pythonw.exe"}" -m movebreak run'


def test_backend_per_platform_and_lazy_winreg():
    assert isinstance(autostart.backend("linux"), autostart.XdgAutostart)
    assert isinstance(autostart.backend("freebsd13"), autostart.XdgAutostart)
    assert isinstance(autostart.backend("darwin"), autostart.LaunchAgent)
    run_key = autostart.backend("win32")
    assert isinstance(run_key, autostart.RunKey)
    assert run_key.where.endswith(r"CurrentVersion\Run\movebreak")
    if sys.platform != "win32":
        assert "winreg" not in sys.modules
        with pytest.raises(ImportError):
            run_key.is_enabled()


# --------------------------------------------------------------------------- CLI


def test_cli_autostart_on_status_off(tmp_path):
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path)}
    env.pop("WAYLAND_DISPLAY", None)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "movebreak", "autostart", *args],
                              env=env, capture_output=True, text=True, timeout=30,
                              check=False)

    assert cli("status").stdout.strip() == "off"
    on = cli("on")
    assert on.returncode == 0, on.stderr
    assert str(tmp_path / "autostart" / "movebreak.desktop") in on.stdout
    assert cli("status").stdout.strip() == "on"
    assert cli("off").returncode == 0
    assert cli("status").stdout.strip() == "off"
    assert not (tmp_path / "autostart" / "movebreak.desktop").exists()
