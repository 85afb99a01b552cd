"""The Pillow charts: sizes, bars whose pixel heights follow the counts, the empty states."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image, ImageChops, ImageColor

from movebreak.ui.charts import COLORS, comfort_chart, plot_box, weekly_chart

TODAY = date(2025, 5, 14)
LIGHT = COLORS["light"]


def week(**per_key: list[int]) -> list[dict]:
    rows = [{"day": TODAY - timedelta(days=6 - i)} for i in range(7)]
    for key, values in per_key.items():
        for row, v in zip(rows, values):
            row[key] = v
    return rows


def column_heights(img: Image.Image, color: str, size=(720, 360), scale=1.0) -> list[int]:
    """Per day slot: the number of rows in the plot whose slot holds `color` at least once."""
    x0, y0, x1, y1 = plot_box(size, scale)
    rgb = ImageColor.getrgb(color)
    px = img.load()
    slot = (x1 - x0) / 7
    out = []
    for i in range(7):
        xs = range(int(x0 + slot * i) + 1, int(x0 + slot * (i + 1)) - 1)
        out.append(sum(1 for y in range(y0, y1 + 1) if any(px[x, y] == rgb for x in xs)))
    return out


def count_color(img: Image.Image, color: str, box=None, tol: int = 0) -> int:
    """Pixels within `tol` (per channel) of `color`, in `box` or the whole image."""
    rgb = ImageColor.getrgb(color)
    region = img.crop(box) if box else img
    px = region.load()
    w, h = region.size
    return sum(1 for y in range(h) for x in range(w)
               if all(abs(a - b) <= tol for a, b in zip(px[x, y], rgb)))


def test_size_and_mode():
    img = weekly_chart(week(done=[1] * 7), today=TODAY)
    assert (img.size, img.mode) == ((720, 360), "RGB")
    big = weekly_chart(week(done=[1] * 7), size=(1440, 720), scale=2, today=TODAY)
    assert big.size == (1440, 720)
    assert comfort_chart([], size=(640, 180)).size == (640, 180)
    assert weekly_chart([], size=(300, 200)).size == (300, 200)


def test_more_done_breaks_means_a_taller_bar_in_the_done_colour():
    counts = [1, 2, 4, 8, 0, 3, 6]
    img = weekly_chart(week(done=counts), today=TODAY)
    heights = column_heights(img, LIGHT["done"])
    assert heights[4] == 0
    order = sorted(range(7), key=lambda i: counts[i])
    assert [heights[i] for i in order] == sorted(heights)
    assert len(set(heights)) == 7  # every different count has a different height
    # proportional: 8 breaks are 8x as tall as 1 (within a couple of pixels of rounding)
    assert heights[3] == pytest.approx(8 * heights[0], abs=3)
    # nothing else in the plot uses the other bar colours
    for key in ("natural", "snoozed", "skipped"):
        assert column_heights(img, LIGHT[key]) == [0] * 7


def test_segments_stack_done_natural_snoozed_skipped_bottom_up():
    img = weekly_chart(week(done=[3] * 7, natural=[2] * 7, snoozed=[1] * 7, skipped=[1] * 7),
                       today=TODAY)
    x0, y0, x1, y1 = plot_box((720, 360))
    cx = round(x0 + (x1 - x0) / 14)  # centre of the first day's slot
    px = img.load()
    tops = {}
    for key in ("done", "natural", "snoozed", "skipped"):
        ys = [y for y in range(y0, y1 + 1) if px[cx, y] == ImageColor.getrgb(LIGHT[key])]
        assert ys, key
        tops[key] = (min(ys), max(ys))
    assert tops["done"][0] > tops["natural"][1] > tops["natural"][0] > tops["snoozed"][1]
    assert tops["snoozed"][0] > tops["skipped"][1]
    done_h = tops["done"][1] - tops["done"][0]
    natural_h = tops["natural"][1] - tops["natural"][0]
    assert done_h > natural_h


def test_sitting_line_is_drawn_only_where_there_is_sitting_data():
    box = plot_box((720, 360))
    plain = weekly_chart(week(done=[2] * 7), today=TODAY)
    with_line = weekly_chart(week(done=[2] * 7, longest_sitting_s=[3600] * 7), today=TODAY)
    # the line is anti-aliased (drawn large, then scaled down): match nearby shades
    dark_plain = count_color(plain, LIGHT["line"], box, tol=40)
    dark_line = count_color(with_line, LIGHT["line"], box, tol=40)
    assert dark_plain == 0
    assert dark_line > 7 * 20


def test_empty_week_draws_the_friendly_state():
    empty = weekly_chart(week(), today=TODAY)
    data = weekly_chart(week(done=[1, 0, 0, 0, 0, 0, 2]), today=TODAY)
    assert ImageChops.difference(empty, data).getbbox() is not None
    for key in ("done", "natural", "snoozed", "skipped"):
        assert count_color(empty, LIGHT[key]) == 0
    # the message sits in the middle of the plot: dark text pixels there, none in data's middle
    x0, y0, x1, y1 = plot_box((720, 360))
    mid = ((x0 + x1) // 2 - 120, (y0 + y1) // 2 - 30, (x0 + x1) // 2 + 120, (y0 + y1) // 2)
    assert count_color(empty, LIGHT["fg"], mid) > 50
    assert count_color(data, LIGHT["fg"], mid) == 0
    # no history at all is the same friendly state
    assert count_color(weekly_chart([]), LIGHT["fg"]) > 50


def test_dark_theme_and_custom_background():
    img = weekly_chart(week(done=[2] * 7), today=TODAY, dark=True)
    assert img.getpixel((2, 2)) == ImageColor.getrgb(COLORS["dark"]["bg"])
    assert count_color(img, COLORS["dark"]["done"]) > 100
    img = weekly_chart(week(done=[2] * 7), today=TODAY, bg="#123456")
    assert img.getpixel((2, 2)) == (0x12, 0x34, 0x56)


def test_weekly_chart_accepts_iso_days_and_bad_values():
    rows = [{"day": (TODAY - timedelta(days=1)).isoformat(), "done": "3", "skipped": None},
            {"day": TODAY.isoformat(), "done": -4, "snoozed": "x"}]
    img = weekly_chart(rows, today=TODAY)
    assert count_color(img, LIGHT["done"]) > 100
    assert count_color(img, LIGHT["skipped"], plot_box((720, 360))) == 0


def _comfort_rows(img: Image.Image) -> list[int]:
    """Rows of pixels close to the comfort colour (dots and line are anti-aliased)."""
    rgb = ImageColor.getrgb(LIGHT["comfort"])
    w, h = img.size
    px = img.load()
    return [y for y in range(h) for x in range(w)
            if all(abs(a - b) <= 30 for a, b in zip(px[x, y], rgb))]


def test_comfort_chart_plots_higher_scores_higher():
    now = datetime(2025, 5, 14, 15, 0, tzinfo=UTC)
    low = comfort_chart([{"at": now - timedelta(hours=2), "comfort": 1}], now=now, tz=UTC)
    high = comfort_chart([{"at": now - timedelta(hours=2), "comfort": 9}], now=now, tz=UTC)
    low_rows, high_rows = _comfort_rows(low), _comfort_rows(high)
    assert low_rows and high_rows
    assert max(high_rows) < min(low_rows)  # y grows downwards
    # "score" is accepted as well as "comfort"
    same = comfort_chart([{"at": now - timedelta(hours=2), "score": 9}], now=now, tz=UTC)
    assert ImageChops.difference(same, high).getbbox() is None


def test_comfort_chart_empty_and_out_of_range_points():
    now = datetime(2025, 5, 14, 15, 0, tzinfo=UTC)
    empty = comfort_chart([], now=now, tz=UTC)
    old = comfort_chart([{"at": now - timedelta(days=30), "comfort": 5}], now=now, tz=UTC)
    assert ImageChops.difference(empty, old).getbbox() is None
    assert not _comfort_rows(empty)
    some = comfort_chart([{"at": now - timedelta(days=2), "comfort": 5},
                          {"at": now - timedelta(days=1), "comfort": 7}], now=now, tz=UTC)
    assert ImageChops.difference(empty, some).getbbox() is not None
    assert len(_comfort_rows(some)) > 100
