#!/usr/bin/env python3
"""README screenshots from real desktops: GNOME Shell 43 (headless Wayland, AppIndicator
extension), Xfce (xfce4-panel, xfce4-notifyd under Xvfb) and sway (headless Wayland, swaybar,
mako), with the real app.

    .venv/bin/python scripts/screenshot_desktops.py [--out docs/screenshots] [--only sway]

Writes gnome-menu.png (the top bar with the icon and its menu open), gnome-notification.png
(a reminder banner with its buttons), xfce-menu.png, xfce-notification.png and sway.png
(swaybar with the icon in its tray, and a reminder on mako; taken with grim). GNOME's
screenshot comes from the shell's own Screenshot D-Bus API, which the test rig unlocks by
switching the shell to unsafe mode (tests/gnome_rig.py).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from desktop_rig import DesktopRig  # noqa: E402
from gnome_rig import GnomeRig  # noqa: E402
from sway_rig import SwayRig, mako_notifications  # noqa: E402
from xfce_rig import XfceRig  # noqa: E402

CONFIG = '[reminders.move]\ninterval = "25m"\n[reminders.posture]\ninterval = "20m"\n'


def start_app(env: dict, tmp: Path) -> tuple[subprocess.Popen, dict]:
    for sub in ("cfg", "data", "run"):
        (tmp / sub).mkdir(parents=True, exist_ok=True)
    (tmp / "cfg" / "config.toml").write_text(CONFIG)
    env = dict(env, MOVEBREAK_CONFIG_DIR=str(tmp / "cfg"), MOVEBREAK_DATA_DIR=str(tmp / "data"),
               MOVEBREAK_RUNTIME_DIR=str(tmp / "run"), MOVEBREAK_IDLE="none")
    env.pop("PYSTRAY_BACKEND", None)
    # the first-run safety notice is a screenshot of its own: not here
    subprocess.run([sys.executable, "-m", "movebreak", "safety", "--ack"], env=env, cwd=ROOT,
                   capture_output=True, check=False)
    proc = subprocess.Popen([sys.executable, "-m", "movebreak", "run"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    DesktopRig.wait_for(lambda: cli(env, "status", "--json", check=False).returncode == 0 and
                        json.loads(cli(env, "status", "--json").stdout)["tray"], 20,
                        "the app with its icon")
    return proc, env


def cli(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    res = subprocess.run([sys.executable, "-m", "movebreak", *args], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=20, check=False)
    if check and res.returncode:
        raise RuntimeError(f"movebreak {' '.join(args)}: {res.stderr}")
    return res


def crop(src: Path, dest: Path, box: tuple[int, int, int, int]) -> None:
    with Image.open(src) as img:
        img.crop(box).save(dest)


def gnome(out: Path, tmp: Path) -> None:
    rig = GnomeRig().start()
    try:
        proc, env = start_app(rig.env, tmp / "gnome")
        try:
            rig.eval("imports.ui.main.messageTray.getSources().forEach(s => s.destroy()), true")
            time.sleep(0.5)
            cli(env, "break", "stretch")
            DesktopRig.wait_for(lambda: rig.notifications(), 5, "the banner")
            time.sleep(1.0)  # the banner slides in
            # as on pointer hover: the banner expands and shows its buttons
            rig.eval("imports.ui.main.messageTray._expandBanner(false), true")
            time.sleep(0.8)
            full = rig.screenshot(tmp / "gnome-notification-full.png")
            crop(full, out / "gnome-notification.png", (340, 0, 940, 240))
            rig.eval("(() => { imports.ui.main.messageTray._hideNotification?.(false); "
                     "const area = imports.ui.main.panel.statusArea; "
                     "const key = Object.keys(area).find(k => k.includes('movebreak')); "
                     "area[key].menu.open(); return key; })()")
            time.sleep(0.8)
            full = rig.screenshot(tmp / "gnome-menu-full.png")
            crop(full, out / "gnome-menu.png", (760, 0, 1280, 600))
        finally:
            proc.terminate()
            proc.wait(10)
    finally:
        rig.stop()


def xfce(out: Path, tmp: Path) -> None:
    rig = XfceRig().start()
    try:
        rig.start_panel()
        proc, env = start_app(rig.env, tmp / "xfce")
        try:
            cli(env, "break", "stretch")
            DesktopRig.wait_for(lambda: rig.notification_buttons(4), 5, "the notification")
            time.sleep(0.5)
            full = rig.screenshot(tmp / "xfce-notification-full.png")
            left, top, right, bottom = rig.notification_box(4)
            crop(full, out / "xfce-notification.png", (left - 8, top - 8, right + 8, bottom + 8))
            rig.run(["xdotool", "mousemove", "12", "16", "click", "1"])
            time.sleep(0.8)
            full = rig.screenshot(tmp / "xfce-menu-full.png")
            crop(full, out / "xfce-menu.png", (0, 0, 300, 390))
            rig.run(["xdotool", "key", "Escape"])
        finally:
            proc.terminate()
            proc.wait(10)
    finally:
        rig.stop()


def sway(out: Path, tmp: Path) -> None:
    rig = SwayRig(1024, 600).start()
    try:
        rig.start_mako()
        proc, env = start_app(rig.env, tmp / "sway")
        try:
            cli(env, "break", "stretch")
            DesktopRig.wait_for(lambda: mako_notifications(rig.env), 5, "the notification")
            time.sleep(0.8)  # mako draws it
            full = tmp / "sway-full.png"
            subprocess.run(["grim", str(full)], env=rig.env, check=True, timeout=20)
            crop(full, out / "sway.png", (1024 - 560, 0, 1024, 180))
        finally:
            proc.terminate()
            proc.wait(10)
    finally:
        rig.stop()


DESKTOPS = {"xfce": xfce, "gnome": gnome, "sway": sway}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", choices=sorted(DESKTOPS), action="append",
                        help="only this desktop (repeatable; default: all)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    chosen = args.only or list(DESKTOPS)
    with tempfile.TemporaryDirectory() as tmp:
        for name in chosen:
            DESKTOPS[name](args.out, Path(tmp))
    print(f"wrote the {', '.join(chosen)} screenshots to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
