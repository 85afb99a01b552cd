"""Tray and app icons drawn with Pillow: a white figure stretching up on a calm teal tile.

States: `normal`; `paused` (grey tile, dimmed figure, dark pause badge); `waiting` (a reminder
is waiting: warm accent dot). `draw_icon` draws them at any size by supersampling, so they stay
crisp from 16 px to 512 px; `assets/make_icons.py` writes the same art to `movebreak/resources/`
so it ships in the wheel. `icon_image` (what the tray asks for) decodes the shipped PNG when one
has the size asked for and draws only otherwise: the idle app then never imports ImageDraw
(with ImageFont and FreeType) nor draws 256 px canvases. Any thread may call; results are
cached per (state, size).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

if TYPE_CHECKING:
    from PIL import ImageDraw

STATES: tuple[str, ...] = ("normal", "paused", "waiting")
SIZES: tuple[int, ...] = (16, 22, 24, 32, 48, 64, 128, 256)
RESOURCES = Path(__file__).resolve().parent.parent / "resources"

_TEAL_TOP, _TEAL_BOTTOM = (52, 178, 166), (24, 128, 124)
_GREY_TOP, _GREY_BOTTOM = (160, 168, 172), (112, 121, 126)
_WHITE = (255, 255, 255, 255)
_DIMMED = (236, 239, 241, 255)
_ACCENT = (255, 138, 61, 255)
_BADGE = (44, 56, 64, 255)

Point = tuple[float, float]


def _tile(size: int, top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    """A rounded square with a soft top-to-bottom gradient, filling the canvas."""
    from PIL import ImageDraw
    grad = Image.new("RGBA", (1, 256))
    for y in range(256):
        t = y / 255
        grad.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom)) + (255,))
    grad = grad.resize((size, size), Image.Resampling.BILINEAR)
    mask = Image.new("L", (size, size), 0)
    inset = size * 0.02
    ImageDraw.Draw(mask).rounded_rectangle(
        (inset, inset, size - inset - 1, size - inset - 1), radius=size * 0.23, fill=255
    )
    out = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    out.paste(grad, (0, 0), mask)
    return out


def _stroke(draw: ImageDraw.ImageDraw, pts: list[Point], width: float, fill: tuple) -> None:
    """A polyline with round caps and joins (Pillow lines have square ends)."""
    draw.line(pts, fill=fill, width=round(width))
    r = width / 2
    for x, y in pts:
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)


def _figure(draw: ImageDraw.ImageDraw, s: float, fill: tuple, small: bool) -> None:
    """A person standing tall, arms up in a V: "get up and stretch"."""
    w = s * (0.12 if small else 0.105)  # thicker limbs keep 16-24 px icons readable
    head_r = s * (0.085 if small else 0.088)
    hx, hy = 0.5 * s, 0.22 * s
    draw.ellipse((hx - head_r, hy - head_r, hx + head_r, hy + head_r), fill=fill)
    neck, hip = (0.5 * s, 0.40 * s), (0.5 * s, 0.61 * s)
    _stroke(draw, [neck, hip], w * 1.15, fill)
    (ex, ey), (hx_, hy_) = ((0.30, 0.38), (0.24, 0.17)) if small else ((0.31, 0.33), (0.26, 0.14))
    for sign in (-1, 1):  # arms raised in a wide V, elbows out, hands clear of the head
        _stroke(draw, [neck, ((0.5 + sign * (0.5 - ex)) * s, ey * s),
                       ((0.5 + sign * (0.5 - hx_)) * s, hy_ * s)], w, fill)
        _stroke(draw, [hip, ((0.5 + sign * 0.11) * s, 0.83 * s)], w, fill)  # legs


def _badge_ring(draw: ImageDraw.ImageDraw, c: Point, r: float, ring: float, fill: tuple) -> None:
    x, y = c
    draw.ellipse((x - r - ring, y - r - ring, x + r + ring, y + r + ring), fill=_WHITE)
    draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)


def _draw(state: str, s: int, small: bool) -> Image.Image:
    """The icon at canvas size `s` (a multiple of the target size)."""
    from PIL import ImageDraw
    if state == "paused":
        img = _tile(s, _GREY_TOP, _GREY_BOTTOM)
    else:
        img = _tile(s, _TEAL_TOP, _TEAL_BOTTOM)
    draw = ImageDraw.Draw(img)
    _figure(draw, s, _DIMMED if state == "paused" else _WHITE, small)
    if state == "paused":
        c, r = (0.765 * s, 0.765 * s), 0.195 * s
        _badge_ring(draw, c, r, 0.04 * s, _BADGE)
        bar_w, bar_h, gap = 0.07 * s, 0.19 * s, 0.045 * s
        for dx in (-gap - bar_w / 2, gap + bar_w / 2):
            x0, y0 = c[0] + dx - bar_w / 2, c[1] - bar_h / 2
            draw.rounded_rectangle((x0, y0, x0 + bar_w, y0 + bar_h), radius=bar_w * 0.3,
                                   fill=_WHITE)
    elif state == "waiting":
        _badge_ring(draw, (0.815 * s, 0.185 * s), 0.145 * s, 0.04 * s, _ACCENT)
    return img


@lru_cache(maxsize=48)
def _render(state: str, size: int) -> Image.Image:
    factor = max(4, -(-256 // size))  # draw at >= 256 px, then average down
    big = _draw(state, size * factor, small=size <= 24)
    return big.resize((size, size), Image.Resampling.LANCZOS)


def _check(state: str, size: int) -> None:
    if state not in STATES:
        raise ValueError(f"unknown icon state {state!r}; allowed: {', '.join(STATES)}")
    if not 1 <= size <= 1024:
        raise ValueError(f"icon size must be 1..1024 px, got {size}")


def draw_icon(state: str = "normal", size: int = 64) -> Image.Image:
    """The icon for `state` drawn now, as a `size` x `size` RGBA image (the source art: the
    shipped PNGs are made from it). Returns a copy, so callers may modify it."""
    _check(state, size)
    return _render(state, size).copy()


@lru_cache(maxsize=len(STATES) * len(SIZES))
def _shipped(state: str, size: int) -> Image.Image | None:
    path = RESOURCES / f"icon-{state}-{size}.png"
    try:
        with Image.open(path, formats=["PNG"]) as img:
            img.load()
            out = img.copy() if img.mode == "RGBA" else img.convert("RGBA")
            return out if out.size == (size, size) else None
    except (OSError, ValueError):  # missing or unreadable resource: draw instead
        return None


def icon_image(state: str = "normal", size: int = 64) -> Image.Image:
    """The icon for `state` ("normal", "paused", "waiting") as a `size` x `size` RGBA image:
    the shipped PNG when there is one of that size (see SIZES), else drawn.

    Returns a copy, so callers may modify it.
    """
    _check(state, size)
    shipped = _shipped(state, size) if size in SIZES else None
    return (shipped if shipped is not None else _render(state, size)).copy()


def icon_path(state: str = "normal", size: int = 64) -> Path | None:
    """The shipped PNG closest to `size` (smallest that is not smaller), for notifiers and
    desktop files that want a file; None if the resources are missing."""
    if state not in STATES:
        raise ValueError(f"unknown icon state {state!r}; allowed: {', '.join(STATES)}")
    fitting = [s for s in SIZES if s >= size] or [SIZES[-1]]
    path = RESOURCES / f"icon-{state}-{fitting[0]}.png"
    return path if path.is_file() else None
