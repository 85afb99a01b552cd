"""History charts drawn with Pillow only (no Tk): the week of breaks and the comfort check-ins.

The history window turns the returned images into Tk photos; tests read their pixels. Pure
functions of their arguments (plus the fonts found on the system), safe from any thread.

Colours are the Okabe-Ito colour-blind-safe set; segments are also separated by a thin gap and
the sitting line has its own shape (line + ringed dots), so nothing relies on hue alone.
Texts are in the current language (core.l10n), looked up when a chart is drawn.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from movebreak.core.l10n import N_, _, format_day_month, format_weekday, pgettext

#: Stack order, bottom to top: keys in a daily_summary row.
SEGMENTS: tuple[str, ...] = ("done", "natural", "snoozed", "skipped")


def segment_labels() -> dict[str, str]:
    """The legend's label of each segment, in the current language."""
    return {
        # TRANSLATORS: breaks done (a chart's legend and the history's list of events).
        "done": pgettext("breaks", "Done"),
        "natural": _("Natural break"),
        "snoozed": _("Snoozed"),
        "skipped": _("Skipped"),
    }

COLORS: dict[str, dict[str, str]] = {
    "light": {
        "bg": "#fafafa", "fg": "#1c1c1c", "muted": "#5f5f5f", "grid": "#e4e4e4",
        "axis": "#9a9a9a", "done": "#0072B2", "natural": "#56B4E9", "snoozed": "#E69F00",
        "skipped": "#D55E00", "line": "#1c1c1c", "dot": "#ffffff", "comfort": "#009E73",
        "today": "#eef3f8",
    },
    "dark": {
        "bg": "#1c1c1c", "fg": "#fafafa", "muted": "#a8a8a8", "grid": "#333333",
        "axis": "#6a6a6a", "done": "#1f8fd6", "natural": "#56B4E9", "snoozed": "#E69F00",
        "skipped": "#D55E00", "line": "#f2f2f2", "dot": "#1c1c1c", "comfort": "#1fbf8f",
        "today": "#262b31",
    },
}

EMPTY_TITLE = N_("No breaks recorded yet")
EMPTY_COMFORT = N_("No comfort check-ins yet")

_REGULAR = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "C:/Windows/Fonts/segoeui.ttf",
    "DejaVuSans.ttf",
)
_BOLD = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    "/System/Library/Fonts/Supplemental/Arial Bold.ttf",
    "C:/Windows/Fonts/segoeuib.ttf",
    "DejaVuSans-Bold.ttf",
)


@lru_cache(maxsize=64)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """A TrueType font of `size` px: DejaVu/Noto/Arial/Segoe where found, Pillow's own otherwise."""
    for candidate in (_BOLD if bold else _REGULAR):
        if "/" in candidate and not Path(candidate).exists():
            continue
        try:
            return ImageFont.truetype(candidate, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def _palette(dark: bool, bg: str | None) -> dict[str, str]:
    colors = dict(COLORS["dark" if dark else "light"])
    if bg:
        colors["bg"] = bg
    return colors


def _px(n: float, scale: float) -> int:
    return max(1, round(n * scale))


def plot_box(size: tuple[int, int], scale: float = 1.0) -> tuple[int, int, int, int]:
    """The bars' area (x0, y0, x1, y1) inside a weekly chart of `size`; y1 is the baseline."""
    w, h = size
    return (_px(52, scale), _px(86, scale), w - _px(62, scale), h - _px(46, scale))


def _nice_step(top: float, max_ticks: int, steps: Sequence[float]) -> float:
    for step in steps:
        if top / step <= max_ticks:
            return step
    return steps[-1] * math.ceil(top / (steps[-1] * max_ticks))


def _minutes_label(m: float) -> str:
    m = round(m)
    if m < 60:
        # TRANSLATORS: minutes on a chart's axis ("45m"); keep it short.
        return _("{minutes}m").format(minutes=m)
    h, rest = divmod(m, 60)
    if rest == 0:
        # TRANSLATORS: hours on a chart's axis ("2h"); keep it short.
        return _("{hours}h").format(hours=h)
    # TRANSLATORS: hours and minutes on a chart's axis ("1h30"); keep it short.
    return _("{hours}h{minutes}").format(hours=h, minutes=f"{rest:02d}")


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _count(row: dict, key: str) -> int:
    value = row.get(key) or 0
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def _text_width(draw: ImageDraw.ImageDraw, text: str, f) -> int:
    box = draw.textbbox((0, 0), text, font=f)
    return box[2] - box[0]


def _day_labels(draw, days: list[date], centers: list[float], y: int, slot: float, today: date,
                colors: dict[str, str], scale: float, faded: bool = False) -> None:
    """Weekday over day-of-month under each slot; thinned out when the slots get narrow."""
    f = font(_px(12, scale))
    fb = font(_px(12, scale), bold=True)
    need = _px(54, scale)
    every = max(1, math.ceil(need / max(slot, 1)))
    muted = colors["axis"] if faded else colors["muted"]
    for i, (d, cx) in enumerate(zip(days, centers)):
        is_today = d == today
        if (len(days) - 1 - i) % every and not is_today:
            continue
        at = datetime.combine(d, time())
        top = _("Today") if is_today else format_weekday(at)
        fill = colors["fg"] if is_today and not faded else muted
        draw.text((cx, y), top, font=fb if is_today else f, fill=fill, anchor="ma")
        draw.text((cx, y + _px(15, scale)), format_day_month(at), font=f, fill=muted,
                  anchor="ma")


def _legend(draw, items: list[tuple[str, str, str]], x_right: int, y: int,
            colors: dict[str, str], scale: float, x_left: int = 0) -> None:
    """Right-aligned legend row: (kind 'box'|'line', colour, label). Labels too long for one
    row between `x_left` and `x_right` (some languages) continue on a second row below."""
    f = font(_px(12, scale))
    sw = _px(12, scale)
    gap = _px(6, scale)
    space = _px(16, scale)
    widths = []
    for kind, _color, label in items:
        mark = sw if kind == "box" else _px(22, scale)
        widths.append(mark + gap + _text_width(draw, label, f))
    rows: list[list[int]] = [[]]
    for i, width in enumerate(widths):
        row = rows[-1]
        used = sum(widths[j] for j in row) + space * len(row)
        if row and used + width > x_right - x_left:
            rows.append([i])
        else:
            row.append(i)
    for r, row in enumerate(rows):
        _legend_row(draw, [items[i] for i in row], [widths[i] for i in row], x_right,
                    y + r * _px(18, scale), colors, scale, f)


def _legend_row(draw, items: list[tuple[str, str, str]], widths: list[int], x_right: int,
                y: int, colors: dict[str, str], scale: float, f) -> None:
    sw = _px(12, scale)
    gap = _px(6, scale)
    space = _px(16, scale)
    x = x_right - sum(widths) - space * (len(items) - 1)
    cy = y + sw // 2
    for (kind, color, label), width in zip(items, widths):
        if kind == "box":
            draw.rounded_rectangle((x, y, x + sw, y + sw), radius=_px(2, scale), fill=color)
            tx = x + sw + gap
        else:
            lw = _px(22, scale)
            draw.line((x, cy, x + lw, cy), fill=color, width=_px(2, scale))
            r = _px(4, scale)
            draw.ellipse((x + lw / 2 - r, cy - r, x + lw / 2 + r, cy + r), fill=colors["dot"],
                         outline=color, width=_px(2, scale))
            tx = x + lw + gap
        draw.text((tx, cy), label, font=f, fill=colors["fg"], anchor="lm")
        x += width + space


def _smooth_layer(size: tuple[int, int], factor: int = 4) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    layer = Image.new("RGBA", (size[0] * factor, size[1] * factor), (0, 0, 0, 0))
    return layer, ImageDraw.Draw(layer)


def _paste_smooth(img: Image.Image, layer: Image.Image) -> None:
    small = layer.resize(img.size, Image.Resampling.LANCZOS)
    img.paste(small, (0, 0), small)


def weekly_chart(days: list[dict], size: tuple[int, int] = (720, 360), *, scale: float = 1.0,
                 dark: bool = False, bg: str | None = None, today: date | None = None,
                 title: str | None = None) -> Image.Image:
    """Stacked bars per day (done, natural, snoozed, skipped) plus the longest sitting stretch.

    `days` are `History.daily_summary` rows (day, done, snoozed, skipped, natural,
    longest_sitting_s), oldest first. The sitting line uses the right axis (minutes); a day
    without sitting data gets no dot. A week with nothing in it says so instead of drawing
    empty axes. `scale` multiplies fonts and strokes (2 = HiDPI); returns an RGB image.
    `title` defaults to "Breaks per day" (in the current language).
    """
    if title is None:
        title = _("Breaks per day")
    w = size[0]
    colors = _palette(dark, bg)
    img = Image.new("RGB", size, colors["bg"])
    draw = ImageDraw.Draw(img)
    today = today or date.today()
    rows = list(days)
    dates = [_as_date(r.get("day")) for r in rows]
    totals = [sum(_count(r, k) for k in SEGMENTS) for r in rows]
    sitting = [_count(r, "longest_sitting_s") / 60 for r in rows]
    empty = not rows or (not any(totals) and not any(sitting))

    pad = _px(16, scale)
    draw.text((pad, _px(14, scale)), title, font=font(_px(16, scale), bold=True),
              fill=colors["fg"])
    x0, y0, x1, y1 = plot_box(size, scale)
    n = max(1, len(rows))
    slot = (x1 - x0) / n
    centers = [x0 + slot * (i + 0.5) for i in range(n)]

    if empty:
        draw.line((x0, y1, x1, y1), fill=colors["grid"], width=_px(2, scale))
        if rows:
            _day_labels(draw, dates, centers, y1 + _px(8, scale), slot, today, colors, scale,
                        faded=True)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        draw.text((cx, cy - _px(6, scale)), _(EMPTY_TITLE), font=font(_px(18, scale), bold=True),
                  fill=colors["fg"], anchor="ms")
        draw.text((cx, cy + _px(8, scale)),
                  _("Take a break when a reminder comes; each day's breaks will show here."),
                  font=font(_px(13, scale)), fill=colors["muted"], anchor="ma")
        return img

    labels = segment_labels()
    legend = [("box", colors[k], labels[k]) for k in SEGMENTS]
    legend.append(("line", colors["line"], _("Longest sitting")))
    _legend(draw, legend, w - pad, _px(44, scale), colors, scale, x_left=pad)

    # Left axis: breaks.
    top = max(max(totals), 1)
    step = _nice_step(top, 5, (1, 2, 5, 10, 20, 25, 50, 100))
    ymax = step * math.ceil(top / step)
    if ymax == top and top >= 4:  # leave room for the total above the tallest bar
        ymax += step
    ymax = max(ymax, 4 if step == 1 else ymax)

    def y_of(v: float) -> float:
        return y1 - (y1 - y0) * v / ymax

    small = font(_px(11, scale))
    tick = 0.0
    while tick <= ymax + 1e-9:
        y = round(y_of(tick))
        draw.line((x0, y, x1, y), fill=colors["axis"] if tick == 0 else colors["grid"],
                  width=_px(1, scale))
        draw.text((x0 - _px(8, scale), y), f"{tick:g}", font=small, fill=colors["muted"],
                  anchor="rm")
        tick += step
    # TRANSLATORS: the chart's left axis: the number of breaks.
    draw.text((x0 - _px(8, scale), y0 - _px(12, scale)), _("breaks"), font=small,
              fill=colors["muted"], anchor="rs")

    # Right axis: longest sitting, minutes.
    smax_raw = max(max(sitting), 1)
    sstep = _nice_step(smax_raw, 4, (5, 10, 15, 20, 30, 60, 90, 120, 180, 240))
    smax = sstep * math.ceil(smax_raw / sstep)

    def ys_of(m: float) -> float:
        return y1 - (y1 - y0) * m / smax

    m = 0.0
    while m <= smax + 1e-9:
        draw.text((x1 + _px(8, scale), round(ys_of(m))), _minutes_label(m), font=small,
                  fill=colors["muted"], anchor="lm")
        m += sstep
    # TRANSLATORS: the chart's right axis: the longest time spent sitting, in minutes.
    draw.text((w - _px(8, scale), y0 - _px(12, scale)), _("longest sitting"), font=small,
              fill=colors["muted"], anchor="rs")

    # Today's slot gets a faint backdrop so the eye finds it.
    for d, cx in zip(dates, centers):
        if d == today:
            draw.rectangle((cx - slot / 2 + 1, y0, cx + slot / 2 - 1, y1 - 1), fill=colors["today"])
            tick = step
            while tick <= ymax + 1e-9:
                y = round(y_of(tick))
                draw.line((cx - slot / 2 + 1, y, cx + slot / 2 - 1, y), fill=colors["grid"],
                          width=_px(1, scale))
                tick += step

    # Bars.
    bar_w = max(_px(4, scale), min(slot * 0.56, _px(46, scale)))
    gap = _px(1, scale) if slot > _px(10, scale) else 0
    for r, cx, total in zip(rows, centers, totals):
        if not total:
            continue
        left, right = round(cx - bar_w / 2), round(cx + bar_w / 2)
        acc = 0
        parts = [(k, _count(r, k)) for k in SEGMENTS if _count(r, k)]
        for j, (key, value) in enumerate(parts):
            bottom = round(y_of(acc)) - 1 - (gap if j else 0)
            acc += value
            box = (left, round(y_of(acc)), right - 1, max(bottom, round(y_of(acc))))
            if j == len(parts) - 1 and box[3] - box[1] > _px(6, scale):
                draw.rounded_rectangle(box, radius=_px(3, scale), fill=colors[key],
                                       corners=(True, True, False, False))
            else:
                draw.rectangle(box, fill=colors[key])
    # Longest sitting: smooth line + ringed dots on a supersampled layer.
    k = 4
    layer, ld = _smooth_layer(size, k)
    pts = [(cx, ys_of(mins)) if mins > 0 else None for cx, mins in zip(centers, sitting)]
    lw = max(2, round(2.5 * scale * k))
    for a, b in itertools.pairwise(pts):
        if a and b:
            ld.line((a[0] * k, a[1] * k, b[0] * k, b[1] * k), fill=colors["line"], width=lw)
    r = 4.5 * scale * k
    for p in pts:
        if p:
            ld.ellipse((p[0] * k - r, p[1] * k - r, p[0] * k + r, p[1] * k + r),
                       fill=colors["dot"], outline=colors["line"], width=max(2, round(2.2 * scale * k)))
    _paste_smooth(img, layer)

    # Totals above the bars, drawn last with a halo so the sitting line never hides them.
    if slot >= _px(22, scale):
        for cx, total in zip(centers, totals):
            if total:
                draw.text((cx, round(y_of(total)) - _px(4, scale)), str(total), font=small,
                          fill=colors["muted"], anchor="ms", stroke_width=_px(2, scale),
                          stroke_fill=colors["bg"])
    _day_labels(draw, dates, centers, y1 + _px(8, scale), slot, today, colors, scale)
    return img


def _comfort_value(point: dict) -> int | None:
    value = point.get("comfort", point.get("score"))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(min(10, max(0, value)))


def comfort_chart(series: Iterable[dict], size: tuple[int, int] = (720, 200), *, days: int = 7,
                  now: datetime | None = None, tz: tzinfo | None = None, scale: float = 1.0,
                  dark: bool = False, bg: str | None = None) -> Image.Image:
    """Comfort check-ins (0-10) over the last `days` local days ending today.

    `series` holds `{"at": aware datetime, "comfort": 0..10}` (as `History.comfort_series`
    returns; "score" is accepted too). Points outside the window are left out. With none
    inside, the chart says so. Returns an RGB image.
    """
    w, h = size
    colors = _palette(dark, bg)
    img = Image.new("RGB", size, colors["bg"])
    draw = ImageDraw.Draw(img)
    now = now or datetime.now().astimezone()
    if now.tzinfo is None:
        now = now.astimezone()
    tz = tz or now.astimezone().tzinfo
    today = now.astimezone(tz).date()
    days = max(1, days)
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=tz)

    points: list[tuple[datetime, int]] = []
    for p in series:
        at, value = p.get("at"), _comfort_value(p)
        if not isinstance(at, datetime) or value is None or at.tzinfo is None:
            continue
        if start <= at < end:
            points.append((at, value))
    points.sort(key=lambda t: t[0])

    pad = _px(16, scale)
    title, note = (_("Comfort after stretch routines"),
                   _("0 = very uncomfortable, 10 = very comfortable"))
    title_font, note_font = font(_px(16, scale), bold=True), font(_px(12, scale))
    draw.text((pad, _px(12, scale)), title, font=title_font, fill=colors["fg"])
    if _text_width(draw, title, title_font) + _px(16, scale) + \
            _text_width(draw, note, note_font) <= w - 2 * pad:
        draw.text((w - pad, _px(15, scale)), note, font=note_font, fill=colors["muted"],
                  anchor="ra")
    else:  # longer words (some languages): the scale goes under the title
        draw.text((pad, _px(31, scale)), note, font=note_font, fill=colors["muted"])
    x0, y0, x1, y1 = _px(52, scale), _px(44, scale), w - _px(62, scale), h - _px(42, scale)
    span = (end - start).total_seconds()
    slot = (x1 - x0) / days
    dates = [first + timedelta(days=i) for i in range(days)]
    centers = [x0 + slot * (i + 0.5) for i in range(days)]

    if not points:
        draw.line((x0, y1, x1, y1), fill=colors["grid"], width=_px(2, scale))
        _day_labels(draw, dates, centers, y1 + _px(6, scale), slot, today, colors, scale,
                    faded=True)
        draw.text(((x0 + x1) / 2, (y0 + y1) / 2), _(EMPTY_COMFORT),
                  font=font(_px(15, scale), bold=True), fill=colors["muted"], anchor="mm")
        return img

    def x_of(at: datetime) -> float:
        return x0 + (x1 - x0) * (at - start).total_seconds() / span

    def y_of(v: float) -> float:
        return y1 - (y1 - y0) * v / 10

    small = font(_px(11, scale))
    for v in (0, 5, 10):
        y = round(y_of(v))
        draw.line((x0, y, x1, y), fill=colors["axis"] if v == 0 else colors["grid"],
                  width=_px(1, scale))
        draw.text((x0 - _px(8, scale), y), str(v), font=small, fill=colors["muted"], anchor="rm")
    for i in range(1, days):
        x = round(x0 + slot * i)
        draw.line((x, y1 - _px(4, scale), x, y1), fill=colors["axis"], width=_px(1, scale))

    k = 4
    layer, ld = _smooth_layer(size, k)
    xy = [(x_of(at), y_of(v)) for at, v in points]
    if len(xy) > 1:
        ld.line([(x * k, y * k) for x, y in xy], fill=colors["comfort"],
                width=max(2, round(2.5 * scale * k)), joint="curve")
    r = 5 * scale * k
    for x, y in xy:
        ld.ellipse((x * k - r, y * k - r, x * k + r, y * k + r), fill=colors["comfort"],
                   outline=colors["bg"], width=max(2, round(1.5 * scale * k)))
    _paste_smooth(img, layer)
    last_x, last_y = xy[-1]
    draw.text((min(last_x + _px(9, scale), x1 + _px(4, scale)), last_y), f"{points[-1][1]}/10",
              font=font(_px(12, scale), bold=True), fill=colors["fg"], anchor="lm")
    _day_labels(draw, dates, centers, y1 + _px(6, scale), slot, today, colors, scale)
    return img
