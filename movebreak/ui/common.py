"""Shared look for movebreak's Tk windows: sv_ttk theme, HiDPI scale, fonts, a few styles.

Each window runs in its own process and calls `apply_look(root)` once on its main thread,
right after creating the root. Env: MOVEBREAK_UI_SCALE forces a scale factor (2 = 200 %),
MOVEBREAK_UI_THEME light|dark forces the theme, MOVEBREAK_UI_DEBUG_FILE asks a window to write
what it shows as JSON (tests read it; see `write_debug`).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tkinter as tk
import tkinter.font as tkfont
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from tkinter import ttk

from movebreak.core import safety
from movebreak.core.l10n import _

#: sv_ttk's named fonts and their pixel sizes at 100 %.
SV_FONTS = {
    "SunValleyCaptionFont": (12, "normal"),
    "SunValleyBodyFont": (14, "normal"),
    "SunValleyBodyStrongFont": (14, "bold"),
    "SunValleyBodyLargeFont": (18, "normal"),
    "SunValleySubtitleFont": (20, "bold"),
    "SunValleyTitleFont": (28, "bold"),
}
TK_FONTS = ("TkDefaultFont", "TkTextFont", "TkMenuFont", "TkHeadingFont", "TkTooltipFont")
PREFERRED_FAMILIES = ("Segoe UI", "SF Pro Text", "Inter", "Cantarell", "Noto Sans", "Ubuntu",
                      "DejaVu Sans", "Nimbus Sans", "Helvetica")

PALETTE = {
    "light": {"bg": "#fafafa", "fg": "#1c1c1c", "error": "#c42b1c", "muted": "#5f5f5f",
              "banner_bg": "#fde7e9", "banner_fg": "#5c0a12", "note_bg": "#fff4ce",
              "note_fg": "#3b2a00", "chip": "#ececec", "accent": "#2f60d8",
              "track": "#e1e1e1", "tile": "#ffffff", "tile_border": "#e5e5e5"},
    "dark": {"bg": "#1c1c1c", "fg": "#fafafa", "error": "#ff99a4", "muted": "#a8a8a8",
             "banner_bg": "#442726", "banner_fg": "#fde7e9", "note_bg": "#433519",
             "note_fg": "#fff4ce", "chip": "#3d3d3d", "accent": "#5b8def",
             "track": "#3a3a3a", "tile": "#262626", "tile_border": "#333333"},
}


@dataclass
class Look:
    """The theme in use: scale factor, dark or light, and the colour palette."""

    scale: float
    dark: bool
    colors: dict[str, str] = field(default_factory=dict)
    family: str | None = None

    def px(self, n: float) -> int:
        """`n` pixels at 100 %, scaled."""
        return round(n * self.scale)

    def font(self, size: float, weight: str = "normal") -> tuple:
        """A Tk font tuple at `size` pixels (negative size = pixels in Tk)."""
        return (self.family or "TkDefaultFont", -round(size * self.scale), weight)


def system_prefers_dark() -> bool:
    """Cheap check of the desktop's dark preference (env, GNOME setting, macOS, Windows)."""
    forced = os.environ.get("MOVEBREAK_UI_THEME", "").strip().lower()
    if forced in ("light", "dark"):
        return forced == "dark"
    if os.environ.get("GTK_THEME", "").lower().endswith(":dark"):
        return True
    try:
        if sys.platform == "win32":
            import winreg
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, r"Software\Microsoft\Windows"
                                r"\CurrentVersion\Themes\Personalize") as key:
                return winreg.QueryValueEx(key, "AppsUseLightTheme")[0] == 0
        if sys.platform == "darwin":
            out = subprocess.run(["defaults", "read", "-g", "AppleInterfaceStyle"],
                                 capture_output=True, text=True, timeout=1, check=False)
            return out.stdout.strip().lower() == "dark"
        if shutil.which("gsettings") and os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            out = subprocess.run(["gsettings", "get", "org.gnome.desktop.interface",
                                  "color-scheme"], capture_output=True, text=True, timeout=1,
                                 check=False)
            return "dark" in out.stdout
    except (OSError, subprocess.SubprocessError):
        pass
    return False


def ui_scale(root: tk.Misc) -> float:
    """Scale factor (1.0 = 96 dpi). MOVEBREAK_UI_SCALE wins and sets `tk scaling` to match."""
    base = 96 / 72
    raw = os.environ.get("MOVEBREAK_UI_SCALE", "").strip()
    if raw:
        try:
            factor = float(raw)
        except ValueError:
            factor = 0
        if 0.5 <= factor <= 4:
            root.tk.call("tk", "scaling", base * factor)
            return factor
    current = float(root.tk.call("tk", "scaling"))
    return max(1.0, round(current / base * 4) / 4)


def setup_fonts(root: tk.Misc, factor: float) -> str | None:
    """Size sv_ttk's and Tk's named fonts for `factor`; returns the family chosen (or None)."""
    families = set(tkfont.families(root))
    family = next((f for f in PREFERRED_FAMILIES if f in families), None)
    for name, (size, weight) in SV_FONTS.items():
        opts = {"size": -round(size * factor)}
        if family:
            opts.update(family=family, weight=weight)
        try:
            tkfont.nametofont(name, root=root).configure(**opts)
        except tk.TclError:
            pass
    for name in TK_FONTS:
        opts = {"size": -round(14 * factor)}
        if family:
            opts["family"] = family
        try:
            tkfont.nametofont(name, root=root).configure(**opts)
        except tk.TclError:
            pass
    return family


def apply_look(root: tk.Tk) -> Look:
    """Theme, fonts and shared styles for `root`; call once, on the main thread."""
    scale = ui_scale(root)
    dark = system_prefers_dark()
    import sv_ttk
    sv_ttk.set_theme("dark" if dark else "light", root)
    family = setup_fonts(root, scale)
    colors = dict(PALETTE["dark" if dark else "light"])
    bg = ttk.Style(root).lookup(".", "background")
    if bg:
        colors["bg"] = bg
    look = Look(scale, dark, colors, family)
    s = ttk.Style(root)
    c = colors
    s.configure("Title.TLabel", font="SunValleyTitleFont")
    s.configure("Subtitle.TLabel", font="SunValleySubtitleFont")
    s.configure("Section.TLabel", font="SunValleyBodyStrongFont")
    s.configure("Strong.TLabel", font="SunValleyBodyStrongFont")
    s.configure("Large.TLabel", font="SunValleyBodyLargeFont")
    s.configure("Muted.TLabel", foreground=c["muted"], font="SunValleyCaptionFont")
    s.configure("Body.TLabel", font="SunValleyBodyFont")
    s.configure("Error.TLabel", foreground=c["error"], font="SunValleyCaptionFont")
    s.configure("Safety.TLabel", foreground=c["muted"], font="SunValleyCaptionFont")
    s.configure("Banner.TFrame", background=c["banner_bg"])
    s.configure("Banner.TLabel", background=c["banner_bg"], foreground=c["banner_fg"])
    s.configure("BannerTitle.TLabel", background=c["banner_bg"], foreground=c["banner_fg"],
                font="SunValleyBodyStrongFont")
    s.configure("Note.TFrame", background=c["note_bg"])
    s.configure("Note.TLabel", background=c["note_bg"], foreground=c["note_fg"],
                font="SunValleyCaptionFont")
    s.configure("Chip.TLabel", background=c["chip"], font="SunValleyCaptionFont",
                padding=(look.px(10), look.px(3)))
    return look


#: The line at the foot of every window: both red flags, worsening leg pain, the pain rule
#: (in English; `foot_text()` gives it in the current language).
FOOT_TEXT = f"\u26a0  {safety.FOOT}"
#: The same without the pain rule, for windows that show the rule just above it.
SHORT_FOOT_TEXT = f"\u26a0  {safety.SHORT}"


def foot_text(pain_rule: bool = True) -> str:
    """FOOT_TEXT (or SHORT_FOOT_TEXT without the pain rule) in the current language."""
    return f"\u26a0  {safety.foot() if pain_rule else safety.short()}"


def safety_foot(parent: tk.Misc, look: Look, wrap: int = 600, style: str = "Safety.TLabel",
                pain_rule: bool = True) -> ttk.Label:
    """The safety line for the foot of a window (`wrap`: width at 100 %); the caller grids
    it. Every window uses this, so the line reads the same everywhere; `pain_rule=False`
    where the window already shows the pain rule right above. Tk main thread."""
    return ttk.Label(parent, text=foot_text(pain_rule), style=style,
                     justify="left", wraplength=look.px(wrap))


def pin_label_colors(root: tk.Misc, widget: tk.Misc | None = None) -> None:
    """Give styled labels their colours explicitly: sv_ttk runs tk_setPalette on every
    <<ThemeChanged>>, which recolours labels whose foreground is still the default, and its
    label layout ignores a style's background. Call after building (and for added parts)."""
    style = ttk.Style(root)
    for child in (widget or root).winfo_children():
        if child.winfo_class() == "TLabel" and str(child.cget("style")):
            name = str(child.cget("style"))
            for option in ("foreground", "background"):
                color = style.lookup(name, option)
                if color and (option == "foreground" or color != style.lookup(".", option)):
                    child.configure(**{option: color})
        pin_label_colors(root, child)


def resource_file(name: str) -> Path | None:
    """Path of a file shipped in movebreak/resources, or None if it is missing."""
    try:
        path = resources.files("movebreak") / "resources" / name
        if path.is_file():
            return Path(str(path))
    except (ModuleNotFoundError, OSError):
        pass
    return None


def geometry(widget: tk.Misc) -> list[int] | None:
    """[x, y, width, height] on the screen, or None when not mapped."""
    try:
        if not widget.winfo_ismapped():
            return None
        return [widget.winfo_rootx(), widget.winfo_rooty(), widget.winfo_width(),
                widget.winfo_height()]
    except tk.TclError:
        return None


def dump_visible_state(root: tk.Misc, path: str | None, state, event: str) -> None:
    """Write what a window shows (`state()`, a dict) plus `event` to the debug file, after Tk has
    laid it out; no-op without a file or once the window is gone. Tk main thread."""
    if not path:
        return
    try:
        root.update_idletasks()
        data = state()
    except tk.TclError:
        return
    data["event"] = event
    data.setdefault("texts", visible_texts(root))
    write_debug(path, data)


def visible_texts(root: tk.Misc) -> list[dict]:
    """Every mapped widget's text, and whether it is cut off: the widget got less width than
    its text asks for, or it reaches past the right edge of its window at the size the window
    asks for (at most the screen's width). Tests read this (via the
    debug file) to check a language's longer words fit. Tk main thread."""
    out: list[dict] = []

    def walk(widget: tk.Misc) -> None:
        for child in widget.winfo_children():
            try:
                if not child.winfo_ismapped():
                    continue
                try:
                    text = str(child.cget("text"))
                except tk.TclError:
                    text = ""
                if text.strip():
                    top = child.winfo_toplevel()
                    req, width = child.winfo_reqwidth(), child.winfo_width()
                    right = child.winfo_rootx() + width
                    # the size the window asks for (the window manager grants it, up to
                    # the screen), not a size caught while it is still being mapped
                    edge = top.winfo_rootx() + min(max(top.winfo_width(), top.winfo_reqwidth()),
                                                   top.winfo_screenwidth())
                    out.append({"text": text, "class": child.winfo_class(), "req": req,
                                "width": width,
                                "clipped": req > width + 1 or right > edge + 1})
            except tk.TclError:
                continue
            walk(child)

    walk(root)
    return out


def write_debug(path: str | None, data: dict) -> None:
    """Atomically write `data` as JSON to `path` (MOVEBREAK_UI_DEBUG_FILE); no-op without one."""
    if not path:
        return
    tmp = f"{path}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, default=str)
        os.replace(tmp, path)
    except OSError:
        pass


def on_terminate(root: tk.Tk, callback) -> None:
    """Run `callback` on the Tk main thread when the process gets SIGTERM (session end, the
    app quitting). Tk blocks in its own notifier, so on Unix a wake-up pipe watched by Tk makes
    the signal handler run at once instead of at the next window event."""
    def handler(_signum, _frame) -> None:
        try:
            root.after(0, callback)
        except (tk.TclError, RuntimeError):
            pass

    try:
        signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError, AttributeError):  # not the main thread, or no SIGTERM
        return
    if not hasattr(root.tk, "createfilehandler") or os.name != "posix":
        return
    try:
        r, w = os.pipe()
        os.set_blocking(r, False)
        os.set_blocking(w, False)
        signal.set_wakeup_fd(w, warn_on_full_buffer=False)
    except (OSError, ValueError):
        return

    def drain(_fd, _mask) -> None:
        try:
            while os.read(r, 512):
                pass
        except OSError:
            pass

    root.tk.createfilehandler(r, tk.READABLE, drain)


def open_root(class_name: str = "Movebreak") -> tk.Tk | None:
    """A Tk root, or None (with a message on stderr) when there is no display."""
    try:
        return tk.Tk(className=class_name)
    except tk.TclError as e:
        # TRANSLATORS: {reason} is the system's reason.
        print(_("movebreak: cannot open a window ({reason})").format(reason=e), file=sys.stderr)
        return None
