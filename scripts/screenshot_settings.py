"""Screenshot of the settings window for the docs, taken on a private headless desktop.

    python scripts/screenshot_settings.py [--out docs/screenshots/settings.png]
                                          [--scale 2] [--theme dark] [--kind stretch]

Starts Xvfb + bus + dunst through tests/desktop_rig.py, opens the real window with a throwaway
config, moves the keyboard focus to one reminder row (so the preview shows that reminder) and
saves just the window with ImageMagick's `import`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from desktop_rig import DesktopRig

from movebreak.core import l10n
from movebreak.core.catalog import KIND_IDS
from movebreak.ui import settings as settings_window


def _state(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "settings.png")
    p.add_argument("--scale", default="1", help="MOVEBREAK_UI_SCALE for the window")
    p.add_argument("--theme", choices=["light", "dark"], default="light")
    p.add_argument("--lang", default="en", help="the desktop's language (LANGUAGE)")
    p.add_argument("--kind", choices=KIND_IDS, default="stretch",
                   help="reminder row to focus (its text shows in the preview)")
    args = p.parse_args(argv)

    with DesktopRig() as rig, tempfile.TemporaryDirectory(prefix="mb-shot-") as tmp:
        tmpdir = Path(tmp)
        debug = tmpdir / "ui.json"
        env = dict(rig.env, MOVEBREAK_CONFIG_DIR=str(tmpdir / "cfg"),
                   MOVEBREAK_RUNTIME_DIR=str(tmpdir / "run"), XDG_CONFIG_HOME=str(tmpdir / "xdg"),
                   MOVEBREAK_UI_DEBUG_FILE=str(debug), MOVEBREAK_UI_SCALE=args.scale,
                   MOVEBREAK_UI_THEME=args.theme, LANGUAGE=args.lang)
        l10n.install(args.lang, environ={})
        title = l10n._(settings_window.WINDOW_TITLE)
        proc = subprocess.Popen([sys.executable, "-m", "movebreak.ui.settings"], env=env,
                                cwd=ROOT)
        try:
            wid = rig.run(["xdotool", "search", "--sync", "--onlyvisible", "--name",
                           f"^{title}$"], timeout=30).stdout.split()[0]
            rig.wait_for(lambda: _state(debug).get("window", [0, 0, 0])[2] > 100, 10,
                         "the window to be laid out")
            rig.run(["xdotool", "windowmove", "--sync", wid, "24", "24"])
            rig.run(["xdotool", "windowfocus", "--sync", wid])
            rig.wait_for(lambda: _state(debug).get("has_focus"), 10, "keyboard focus")
            target = f"reminders.{args.kind}.enabled"
            for _ in range(2 * len(KIND_IDS)):
                if _state(debug).get("focus") == target:
                    break
                rig.run(["xdotool", "key", "Tab"])
                time.sleep(0.15)
            rig.wait_for(lambda: _state(debug).get("focus") == target, 5, f"focus on {target}")
            time.sleep(0.5)  # let the last redraw land
            args.out.parent.mkdir(parents=True, exist_ok=True)
            rig.run(["import", "-window", wid, str(args.out)], timeout=30)
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    os.environ.pop("WAYLAND_DISPLAY", None)
    sys.exit(main())
