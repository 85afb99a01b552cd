"""Regenerate the stretch illustrations: movebreak/resources/ex-<exercise_id>.png (160x120)
and ex-<exercise_id>@2x.png (320x240), simple stick figures drawn with Pillow.

Run `python scripts/make_illustrations.py` (`--out DIR` writes elsewhere). Each figure is drawn
on a 160x120 grid, rendered 8x larger and scaled down, so lines come out smooth. The routine
window shows them; they are shipped through setup.cfg's package_data (resources/*.png).
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "movebreak" / "resources"
W, H = 160, 120
K = 8  # supersampling factor

CARD = "#eaf1f8"
BODY = "#24344d"
FAR = "#8797b0"  # the limb on the far side
PROP = "#c3cfdd"
PROP_DARK = "#9fb0c4"
FLOOR = "#b4c1d1"
ACCENT = "#d55e00"
BALL = "#f0c05a"

Pt = tuple[float, float]


class Canvas:
    """Drawing in 160x120 units on a supersampled image."""

    def __init__(self) -> None:
        self.img = Image.new("RGBA", (W * K, H * K), (0, 0, 0, 0))
        self.d = ImageDraw.Draw(self.img)
        self.d.rounded_rectangle((0, 0, W * K - 1, H * K - 1), radius=12 * K, fill=CARD)

    @staticmethod
    def _p(p: Pt) -> tuple[float, float]:
        return p[0] * K, p[1] * K

    def limb(self, *pts: Pt, color: str = BODY, width: float = 6.5) -> None:
        """A thick polyline with round joints and ends."""
        w = width * K
        scaled = [self._p(p) for p in pts]
        for a, b in itertools.pairwise(scaled):
            self.d.line((*a, *b), fill=color, width=round(w))
        for x, y in scaled:
            self.d.ellipse((x - w / 2, y - w / 2, x + w / 2, y + w / 2), fill=color)

    def head(self, c: Pt, r: float = 8.5, color: str = BODY) -> None:
        x, y = self._p(c)
        self.d.ellipse((x - r * K, y - r * K, x + r * K, y + r * K), fill=color)

    def rect(self, box: tuple[float, float, float, float], color: str = PROP,
             radius: float = 2) -> None:
        x0, y0, x1, y1 = box
        self.d.rounded_rectangle((x0 * K, y0 * K, x1 * K, y1 * K), radius=radius * K, fill=color)

    def circle(self, c: Pt, r: float, color: str) -> None:
        x, y = self._p(c)
        self.d.ellipse((x - r * K, y - r * K, x + r * K, y + r * K), fill=color)

    def floor(self, y: float = 106) -> None:
        self.d.line((10 * K, y * K, (W - 10) * K, y * K), fill=FLOOR, width=2 * K)

    def arc_arrow(self, c: Pt, r: float, start: float, end: float, both: bool = False,
                  color: str = ACCENT, width: float = 2.6) -> None:
        """An arc from `start` to `end` degrees (clockwise on screen) with arrow head(s)."""
        x, y = self._p(c)
        rr = r * K
        self.d.arc((x - rr, y - rr, x + rr, y + rr), start, end, fill=color,
                   width=round(width * K))
        self._head_at(c, r, end, +1, color)
        if both:
            self._head_at(c, r, start, -1, color)

    def _head_at(self, c: Pt, r: float, angle: float, direction: int, color: str) -> None:
        a = math.radians(angle)
        tip = (c[0] + r * math.cos(a), c[1] + r * math.sin(a))
        # tangent along increasing angle (clockwise on screen)
        tx, ty = -math.sin(a) * direction, math.cos(a) * direction
        nx, ny = math.cos(a), math.sin(a)
        size = 5.0
        p1 = (tip[0] + tx * size, tip[1] + ty * size)
        base = (tip[0] - tx * size * 0.4, tip[1] - ty * size * 0.4)
        p2 = (base[0] + nx * size * 0.8, base[1] + ny * size * 0.8)
        p3 = (base[0] - nx * size * 0.8, base[1] - ny * size * 0.8)
        self.d.polygon([self._p(p1), self._p(p2), self._p(p3)], fill=color)

    def arrow(self, a: Pt, b: Pt, color: str = ACCENT, width: float = 2.6,
              both: bool = False) -> None:
        self.d.line((*self._p(a), *self._p(b)), fill=color, width=round(width * K))
        for tip, tail in ((b, a), (a, b)) if both else ((b, a),):
            dx, dy = tip[0] - tail[0], tip[1] - tail[1]
            n = math.hypot(dx, dy) or 1
            ux, uy = dx / n, dy / n
            size = 5.0
            p1 = (tip[0] + ux * size * 0.6, tip[1] + uy * size * 0.6)
            p2 = (tip[0] - ux * size * 0.6 - uy * size * 0.8, tip[1] - uy * size * 0.6 + ux * size * 0.8)
            p3 = (tip[0] - ux * size * 0.6 + uy * size * 0.8, tip[1] - uy * size * 0.6 - ux * size * 0.8)
            self.d.polygon([self._p(p1), self._p(p2), self._p(p3)], fill=color)

    def chair(self, seat_x: tuple[float, float], seat_y: float, back: bool = True) -> None:
        x0, x1 = seat_x
        self.rect((x0, seat_y, x1, seat_y + 5), PROP_DARK)
        self.rect((x0 + 2, seat_y + 5, x0 + 6, 106), PROP)
        self.rect((x1 - 6, seat_y + 5, x1 - 2, 106), PROP)
        if back:
            self.rect((x0, seat_y - 34, x0 + 5, seat_y + 2), PROP_DARK)

    def mat(self, x0: float = 14, x1: float = 146, y: float = 101) -> None:
        self.rect((x0, y, x1, y + 5), "#9fc9e6", radius=2.5)

    def image(self, size: tuple[int, int]) -> Image.Image:
        return self.img.resize(size, Image.Resampling.LANCZOS)


def glutes(c: Canvas) -> None:
    """Lying on the back, one knee hugged to the chest, the other leg long."""
    c.floor()
    c.mat()
    c.limb((84, 96), (112, 97), (138, 97), color=FAR)  # long leg
    c.limb((34, 93), (84, 96))  # trunk
    c.head((24, 90))
    c.limb((84, 96), (66, 70), (90, 70))  # knee to chest
    c.limb((40, 93), (50, 76), (64, 70), width=5)  # arm round the knee
    c.arrow((84, 52), (68, 54))


def piriformis(c: Canvas) -> None:
    """Seated tall (no lean), one ankle resting on the opposite thigh; the arrow: for more,
    the knee and ankle drawn towards the opposite shoulder, as the text says."""
    c.floor()
    c.chair((38, 76), 74)
    c.limb((66, 74), (98, 76), (100, 104))  # supporting leg
    c.limb((100, 104), (110, 105), width=5)  # foot
    c.limb((66, 72), (68, 36))  # trunk, upright
    c.head((69, 22))
    c.limb((66, 74), (82, 58), (98, 70))  # crossed leg: knee out, ankle on the other thigh
    c.limb((98, 70), (105, 66), width=5)
    c.limb((68, 42), (80, 54), (92, 64), width=5)  # hand on the crossed shin
    c.arrow((108, 56), (90, 40))  # knee and ankle towards the shoulder


def hamstrings(c: Canvas) -> None:
    """Seated near the chair's edge, one leg straight, hinging forward with a long back."""
    c.floor()
    c.chair((30, 70), 74)
    c.limb((64, 74), (92, 76), (92, 104), color=FAR)  # bent leg, far side
    c.limb((64, 74), (96, 84), (128, 98))  # straight leg
    c.limb((128, 98), (132, 90), color=BODY, width=5.5)  # foot, toes up
    c.limb((64, 74), (90, 44))  # long back, hinged
    c.head((98, 33))
    c.limb((88, 47), (100, 66), (108, 82), width=5)  # hands towards the shin
    c.arc_arrow((64, 74), 68, 284, 312)


def calf(c: Canvas) -> None:
    """Facing a wall, ball of the front foot up on it, heel down, leaning in."""
    c.floor()
    c.rect((138, 10, 148, 106), PROP_DARK, radius=1.5)  # wall
    c.limb((98, 62), (82, 84), (68, 104), color=FAR)  # back leg, straight
    c.limb((68, 104), (60, 105), color=FAR, width=5)
    c.limb((98, 62), (116, 80), (128, 102))  # front leg
    c.limb((128, 102), (137, 90), width=5)  # foot up the wall
    c.limb((98, 62), (112, 30))  # trunk, leaning
    c.head((118, 18))
    c.limb((110, 34), (124, 44), (137, 42), width=5)  # hand on the wall
    c.arrow((96, 22), (106, 18))


def pelvic_tilts(c: Canvas) -> None:
    """Sitting tall on a ball, rocking and circling the pelvis."""
    c.floor()
    c.circle((70, 90), 16, BALL)
    c.limb((72, 72), (100, 74), (102, 104))  # leg
    c.limb((102, 104), (112, 105), width=5)
    c.limb((72, 72), (72, 36))  # trunk
    c.head((72, 22))
    c.limb((72, 40), (84, 58), (98, 70), width=5)  # hand on the knee
    c.arc_arrow((72, 70), 14, 110, 250, both=True)


def lumbar_rotation(c: Canvas) -> None:
    """Lying on the back, seen from the feet: both knees, together, fall to one side (pale),
    then to the other (dark); the arrow goes both ways."""
    c.rect((12, 86, 148, 110), "#d7e7f4", radius=4)  # the mat
    c.limb((30, 90), (130, 90), color=FAR, width=4.5)  # arms out on the floor
    c.head((80, 76), r=7.5)
    c.rect((67, 86, 93, 102), BODY, radius=7)  # pelvis, end on
    pivot = (80, 96)
    for angle, color in ((-50, FAR), (50, BODY)):  # degrees from upright
        a = math.radians(angle)
        knee = (pivot[0] + 44 * math.sin(a), pivot[1] - 44 * math.cos(a))
        foot = (pivot[0] + math.copysign(14, angle), 106)
        for dx in (-3, 3):  # the two legs, together
            c.limb((pivot[0] + dx, pivot[1]),
                   (knee[0] + dx * math.cos(a), knee[1] + dx * math.sin(a)),
                   (foot[0] + dx, foot[1]), color=color, width=4.5)
    c.arc_arrow(pivot, 56, 228, 312, both=True)


def sciatic_glide(c: Canvas) -> None:
    """Seated, one knee straightened forward, the ankle pumping up and down."""
    c.floor()
    c.chair((30, 70), 74)
    c.limb((62, 74), (90, 76), (92, 104), color=FAR)  # other leg, foot down
    c.limb((62, 74), (96, 76), (126, 78))  # straight leg
    c.limb((126, 78), (130, 68), width=5)  # foot flexed
    c.limb((62, 74), (62, 38))  # trunk, upright
    c.head((63, 24))
    c.limb((62, 42), (70, 58), (82, 72), width=5)
    c.arc_arrow((126, 78), 17, 250, 330, both=True)


DRAWINGS: dict[str, Callable[[Canvas], None]] = {
    "glutes": glutes,
    "piriformis": piriformis,
    "hamstrings": hamstrings,
    "calf": calf,
    "pelvic_tilts": pelvic_tilts,
    "lumbar_rotation": lumbar_rotation,
    "sciatic_glide": sciatic_glide,
}


def illustration(exercise_id: str, size: tuple[int, int] = (W, H)) -> Image.Image:
    """The illustration for `exercise_id` as an RGBA image of `size`."""
    c = Canvas()
    DRAWINGS[exercise_id](c)
    return c.image(size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESOURCES, help="output folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for ex_id in DRAWINGS:
        for suffix, size in (("", (W, H)), ("@2x", (W * 2, H * 2))):
            path = args.out / f"ex-{ex_id}{suffix}.png"
            illustration(ex_id, size).save(path, optimize=True)
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
