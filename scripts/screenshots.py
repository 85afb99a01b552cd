#!/usr/bin/env python3
"""Take the README screenshots from the real app on a headless desktop (Xvfb, dunst, trayer).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Writes:
- tray-menu.png: the tray icon with its menu open (a reminder waiting, the Pause submenu open);
- notification.png: a reminder as dunst shows it; dunst lists a notification's buttons (Done,
  Snooze, Skip, Start) in its context menu, which it shows through dmenu: when `dmenu` is
  installed (apt `suckless-tools`) that menu is captured below the popup;
- safety.png: the Safety window as the first run opens it (taken first; "I have read this" is
  then pressed, so the other pictures have the desktop to themselves).

Uses `tests/desktop_rig.py` (needs apt xvfb dbus dunst trayer xdotool imagemagick x11-utils).
For nicer pictures it restarts the rig's dunst with a proportional font and dmenu.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONFIG = """\
schema_version = 1
[reminders.move]
enabled = true
interval = "25m"
[reminders.posture]
enabled = true
interval = "20m"
[reminders.stretch]
enabled = true
interval = "45m"
"""

DUNSTRC = """\
[global]
    monitor = 0
    follow = none
    width = 380
    height = 300
    origin = top-right
    offset = 16x44
    notification_limit = 0
    font = DejaVu Sans 10
    markup = full
    format = "<b>%s</b>\\n%b"
    alignment = left
    padding = 12
    horizontal_padding = 14
    frame_width = 2
    frame_color = "#2a8f86"
    separator_height = 2
    corner_radius = 6
    icon_position = left
    min_icon_size = 48
    max_icon_size = 48
    show_indicators = yes
    idle_threshold = 0
    history_length = 50
    dmenu = {dmenu}
    mouse_left_click = close_current
    mouse_middle_click = do_action, close_current
    mouse_right_click = close_all

[urgency_low]
    background = "#ffffff"
    foreground = "#1d2b2a"
    timeout = 0

[urgency_normal]
    background = "#ffffff"
    foreground = "#1d2b2a"
    timeout = 0

[urgency_critical]
    background = "#fff4f2"
    foreground = "#3b0d0a"
    frame_color = "#c62828"
    timeout = 0
"""

DESKTOP_RGB = (91, 107, 112)  # root window colour behind the pictures

# dunst's setting is cut at a "#", so the colours use X's rgb: syntax.
DMENU = "/usr/bin/dmenu -b -l 6 -fn DejaVuSans-11 -nb rgb:ff/ff/ff -nf rgb:1d/2b/2a " \
        "-sb rgb:2a/8f/86 -sf rgb:ff/ff/ff -p actions:"


def load_rig():
    """tests/desktop_rig.py's DesktopRig, imported by path (tests/ is no package)."""
    path = ROOT / "tests" / "desktop_rig.py"
    spec = importlib.util.spec_from_file_location("desktop_rig", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["desktop_rig"] = module
    spec.loader.exec_module(module)
    return module.DesktopRig


class Shooter:
    def __init__(self, rig, out: Path, work: Path) -> None:
        self.rig, self.out, self.work = rig, out, work
        self.env = dict(rig.env)
        self.env.pop("PYSTRAY_BACKEND", None)
        for name in ("config", "data", "run"):
            (work / name).mkdir(mode=0o700)
        (work / "config" / "config.toml").write_text(CONFIG)
        self.env.update(MOVEBREAK_CONFIG_DIR=str(work / "config"),
                        MOVEBREAK_DATA_DIR=str(work / "data"),
                        MOVEBREAK_RUNTIME_DIR=str(work / "run"), MOVEBREAK_IDLE="none",
                        PYTHONUNBUFFERED="1")
        self.app: subprocess.Popen | None = None

    # ---- plumbing
    def sh(self, *argv: str, check: bool = True) -> str:
        res = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=20,
                             check=False)
        if check and res.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: {res.stderr.strip()}")
        return res.stdout

    def movebreak(self, *args: str) -> str:
        return self.sh(sys.executable, "-m", "movebreak", *args)

    def windows(self, *search: str) -> list[int]:
        out = self.sh("xdotool", "search", "--onlyvisible", *search, check=False)
        return [int(w) for w in out.split()]

    def box(self, win: int) -> tuple[int, int, int, int]:
        """(x, y, w, h) of a window on the root."""
        info = self.sh("xwininfo", "-id", str(win))
        val = {}
        for line in info.splitlines():
            key, _, rest = line.strip().partition(":")
            val[key] = rest.strip()
        return (int(val["Absolute upper-left X"]), int(val["Absolute upper-left Y"]),
                int(val["Width"]), int(val["Height"]))

    def screen(self) -> Image.Image:
        path = self.work / "screen.png"
        self.rig.screenshot(path)
        return Image.open(path).convert("RGB")

    @staticmethod
    def crop(img: Image.Image, boxes, pad: int = 10) -> Image.Image:
        x0 = max(0, min(b[0] for b in boxes) - pad)
        y0 = max(0, min(b[1] for b in boxes) - pad)
        x1 = min(img.width, max(b[0] + b[2] for b in boxes) + pad)
        y1 = min(img.height, max(b[1] + b[3] for b in boxes) + pad)
        return img.crop((x0, y0, x1, y1))

    @staticmethod
    def scaled(img: Image.Image, min_width: int = 700) -> Image.Image:
        if img.width < min_width:
            img = img.resize((img.width * 2, img.height * 2), Image.Resampling.LANCZOS)
        return img

    def save(self, img: Image.Image, name: str) -> None:
        path = self.out / name
        img.save(path, optimize=True)
        print(f"wrote {path} ({img.width}x{img.height})")

    # ---- the app
    def start_app(self) -> None:
        with open(self.work / "app.log", "wb") as log:
            self.app = subprocess.Popen([sys.executable, "-m", "movebreak", "run"], cwd=ROOT,
                                        env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.rig.wait_for(lambda: self.tray_icon(), 10, "the tray icon")
        time.sleep(1.0)  # the icon settles
        self.rig.close_all()

    def tray_icon(self) -> int | None:
        for win in self.windows("--class", "movebreak"):
            _, y, w, h = self.box(win)
            if y < 40 and 8 <= w <= 64 and h >= 8:
                return win
        return None

    def menus(self) -> list[tuple[int, int, int, int]]:
        icon = self.tray_icon()
        return [b for w in self.windows("--class", "movebreak") if w != icon
                and (b := self.box(w))[3] > 100]

    def stop_app(self) -> None:
        if self.app is not None and self.app.poll() is None:
            self.movebreak("quit")
            self.app.wait(10)

    # ---- the pictures
    def tray_menu(self) -> None:
        self.movebreak("break", "stretch")  # a waiting reminder: Done / Snooze / Skip lines
        time.sleep(0.8)
        self.rig.close_all()
        icon = self.tray_icon()
        x, y, w, h = self.box(icon)
        self.sh("xdotool", "mousemove", str(x + w // 2), str(y + h // 2), "click", "3")
        self.rig.wait_for(lambda: self.menus(), 5, "the tray menu")
        time.sleep(0.3)
        # Done, Snooze, Skip, Take a break now, Pause: open the Pause submenu
        self.sh("xdotool", "key", "--delay", "80", "Down", "Down", "Down", "Down", "Down",
                "Right")
        self.rig.wait_for(lambda: len(self.menus()) >= 2, 5, "the Pause submenu")
        time.sleep(0.4)
        img = self.screen()
        panel = [self.box(w) for w in self.windows("--class", "trayer")]
        boxes = self.menus() + [b for b in panel if b[3] <= 64] + [self.box(icon)]
        self.save(self.scaled(self.crop(img, boxes, pad=12), 1000), "tray-menu.png")
        self.sh("xdotool", "key", "Escape", "Escape")
        self.movebreak("done")

    def notification(self, name: str = "notification.png") -> None:
        self.rig.close_all()
        self.movebreak("break", "posture")
        self.rig.wait_for(lambda: self.rig.displayed_count() >= 1, 5, "the notification")
        self.sh("xdotool", "mousemove", "600", "500")
        time.sleep(0.8)
        dunst = [self.box(w) for w in self.windows("--class", "Dunst")]
        popup = self.crop(self.screen(), dunst, pad=6)
        parts = [popup]
        if shutil.which("dmenu"):
            ctx = subprocess.Popen(["dunstctl", "context"], env=self.env)
            try:
                self.rig.wait_for(lambda: self.windows("--class", "dmenu"), 5, "dmenu")
                time.sleep(0.6)
                bar = self.box(self.windows("--class", "dmenu")[0])
                menu = self.screen().crop((bar[0], bar[1], bar[0] + 560, bar[1] + bar[3]))
                parts.append(menu)
            finally:
                self.sh("xdotool", "key", "Escape", check=False)
                ctx.wait(5)
        width = max(p.width for p in parts)
        gap = 10
        sheet = Image.new("RGB", (width, sum(p.height for p in parts) + gap * (len(parts) - 1)),
                          DESKTOP_RGB)
        y = 0
        for p in parts:
            sheet.paste(p, (0, y))
            y += p.height + gap
        self.save(self.scaled(sheet, 700), name)
        self.movebreak("done")
        self.rig.close_all()

    def safety(self) -> None:
        """The first run's Safety window (the app opens it); Return acknowledges it."""
        name = "movebreak: safety first"
        self.rig.wait_for(lambda: [w for w in self.windows("--name", name)
                                   if self.box(w)[2] > 200], 10, "the safety window")
        time.sleep(0.8)
        win = next(w for w in self.windows("--name", name) if self.box(w)[2] > 200)
        self.save(self.crop(self.screen(), [self.box(win)], pad=0), "safety.png")
        self.sh("xdotool", "windowfocus", "--sync", str(win), check=False)
        self.sh("xdotool", "key", "Return")
        self.rig.wait_for(lambda: not [w for w in self.windows("--name", name)
                                       if self.box(w)[2] > 200], 10, "the acknowledgement")
        self.rig.close_all()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots",
                        help="folder for the PNGs (default: docs/screenshots)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rig = load_rig()()
    rig.start(tray=True)
    work = Path(tempfile.mkdtemp(prefix="movebreak-shots-"))
    shooter = Shooter(rig, args.out, work)
    try:
        dmenu = DMENU if shutil.which("dmenu") else str(rig.tmp / "pick-action")
        (rig.tmp / "dunstrc").write_text(DUNSTRC.format(dmenu=dmenu))
        rig.kill_dunst()
        rig.start_dunst()
        if shutil.which("xsetroot"):  # a calm desktop colour instead of black
            color = "#{:02x}{:02x}{:02x}".format(*DESKTOP_RGB)
            shooter.sh("xsetroot", "-solid", color, check=False)
        shooter.start_app()
        shooter.safety()
        shooter.tray_menu()
        shooter.notification()
        shooter.stop_app()
        shooter.env["LANGUAGE"] = "es"  # the same reminder on a Spanish desktop
        shooter.start_app()
        shooter.notification("notification-es.png")
        shooter.stop_app()
    finally:
        if shooter.app is not None and shooter.app.poll() is None:
            shooter.app.terminate()
            shooter.app.wait(10)
        rig.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
