"""The application menu entry: `movebreak menu-entry on|off|status` writes and removes a valid
desktop file and its icons in the user's XDG folders; the app writes it once on first run."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

from harness import AppHarness
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def cli(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, XDG_DATA_HOME=str(tmp / "share"))
    return subprocess.run([sys.executable, "-m", "movebreak", "menu-entry", *args], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=20, check=False)


def test_menu_entry_on_writes_a_valid_entry_and_icons_and_off_removes_them(tmp_path):
    res = cli(tmp_path, "on")
    assert res.returncode == 0, res.stderr
    entry = tmp_path / "share" / "applications" / "io.movebreak.desktop"
    assert entry.is_file() and "application menu entry: on" in res.stdout
    validator = shutil.which("desktop-file-validate")
    assert validator, "desktop-file-validate missing (apt desktop-file-utils)"
    check = subprocess.run([validator, str(entry)], capture_output=True, text=True)
    assert check.returncode == 0 and not check.stdout.strip(), check.stdout + check.stderr
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(entry)
    e = parser["Desktop Entry"]
    assert e["Exec"].endswith("-m movebreak run") and e["Icon"] == "io.movebreak"
    assert e["Categories"] == "Utility;" and e["Terminal"] == "false"
    for size in (32, 48, 64, 128, 256):
        icon = tmp_path / "share" / "icons" / "hicolor" / f"{size}x{size}" / "apps" / \
            "io.movebreak.png"
        with Image.open(icon) as img:
            assert img.size == (size, size)
    assert cli(tmp_path, "status").stdout.strip() == "on"
    res = cli(tmp_path, "off")
    assert res.returncode == 0 and "removed" in res.stdout
    assert not entry.exists() and not list((tmp_path / "share" / "icons").rglob("*.png"))
    assert cli(tmp_path, "status").stdout.strip() == "off"


def test_first_run_adds_the_entry_once_and_respects_its_removal(tmp_path, monkeypatch):
    from movebreak.adapters import menu_entry
    with AppHarness(tmp_path, monkeypatch):
        assert menu_entry.is_installed()
    menu_entry.remove()
    with AppHarness(tmp_path, monkeypatch):
        assert not menu_entry.is_installed()  # removed on purpose: not brought back


def test_menu_and_autostart_entries_carry_every_shipped_language():
    """The desktop shows an entry in its own language from `Key[lang]=` lines: one per shipped
    catalog, the catalog's wording."""
    from movebreak.adapters import autostart, menu_entry
    from movebreak.core import l10n
    text = menu_entry.menu_entry()
    for lang in ("es", "de"):
        l10n.install(lang, environ={})
        assert f"Comment[{lang}]={l10n._(menu_entry.COMMENT)}\n" in text
        assert f"GenericName[{lang}]={l10n._(menu_entry.GENERIC_NAME)}\n" in text
        assert f"Comment[{lang}]={l10n._(autostart.AUTOSTART_COMMENT)}\n" in \
            autostart.desktop_entry()
    assert "Comment=Reminds you to stand up" in text  # the English key stays first
