"""The desktop's application menu entry (Linux/BSD): so that after `pip install` or
`pipx install` a person finds movebreak among their applications, not only in a terminal.

Rules:
- `install()` writes `$XDG_DATA_HOME/applications/io.movebreak.desktop` (Desktop Entry spec)
  and the icon into the user's hicolor theme (`$XDG_DATA_HOME/icons/hicolor/<n>x<n>/apps/
  io.movebreak.png`), atomically; `remove()` deletes exactly those files.
- The app installs it once, on its first run (a marker in the data folder remembers that), so
  an entry the person removed with `movebreak menu-entry off` is not brought back.
- macOS and Windows have no such folder: `supported()` is False there and the CLI says so.

Threads: the CLI process, or the owner once at start. Raises OSError when a file cannot be
written.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from movebreak.adapters.autostart import APP_ID, _write_atomic, command, exec_line, localized
from movebreak.core.l10n import N_

ICON_SIZES = (32, 48, 64, 128, 256)


def supported(platform: str | None = None) -> bool:
    return (platform or sys.platform) not in ("darwin", "win32")


def data_home() -> Path:
    env = os.environ.get("XDG_DATA_HOME")
    return Path(env) if env and os.path.isabs(env) else Path.home() / ".local" / "share"


def entry_path(base: Path | None = None) -> Path:
    return (base or data_home()) / "applications" / f"{APP_ID}.desktop"


def icon_paths(base: Path | None = None) -> dict[int, Path]:
    root = (base or data_home()) / "icons" / "hicolor"
    return {n: root / f"{n}x{n}" / "apps" / f"{APP_ID}.png" for n in ICON_SIZES}


#: The menu entry's texts; the entry carries them in every shipped language (Key[lang]=).
GENERIC_NAME = N_("Movement break reminders")
COMMENT = N_("Reminds you to stand up, check your posture and stretch")


def menu_entry(python: str | None = None) -> str:
    """Contents of the application menu entry (pure)."""
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Version=1.0\n"
        "Name=movebreak\n"
        + localized("GenericName", GENERIC_NAME)
        + localized("Comment", COMMENT)
        + f"Exec={exec_line(command(python))}\n"
        f"Icon={APP_ID}\n"
        "Terminal=false\n"
        "Categories=Utility;\n"
        "Keywords=break;stretch;posture;sciatica;health;timer;\n"
        "StartupNotify=false\n"
    )


def install(base: Path | None = None) -> list[str]:
    """Write the menu entry and its icons; returns the files written."""
    from movebreak.adapters.icons import icon_path
    written = []
    for size, dest in icon_paths(base).items():
        src = icon_path("normal", size)
        if src is None:
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
        written.append(str(dest))
    path = entry_path(base)
    _write_atomic(path, menu_entry().encode("utf-8"))
    written.append(str(path))
    return written


def remove(base: Path | None = None) -> list[str]:
    """Delete the menu entry and its icons (fine when absent); returns what was removed."""
    removed = []
    for path in [entry_path(base), *icon_paths(base).values()]:
        try:
            path.unlink()
            removed.append(str(path))
        except FileNotFoundError:
            pass
    return removed


def is_installed(base: Path | None = None) -> bool:
    return entry_path(base).is_file()


def install_once(marker: Path, base: Path | None = None) -> list[str]:
    """First run: install unless it was done before (then the person's choice stands)."""
    if not supported() or marker.exists():
        return []
    written = install(base)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("the application menu entry was written on the first run\n")
    return written
