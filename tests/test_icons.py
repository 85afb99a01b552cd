"""Icons: sizes, modes, visibly different states, and shipped PNGs that match the generator."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from movebreak.adapters import icons
from movebreak.adapters.icons import RESOURCES, SIZES, STATES, draw_icon, icon_image, icon_path

ROOT = Path(__file__).resolve().parent.parent


def max_channel_diff(a: Image.Image, b: Image.Image) -> int:
    return max(hi for _lo, hi in ImageChops.difference(a, b).getextrema())


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("size", [16, 64])
def test_each_state_has_size_and_mode(state, size):
    img = icon_image(state, size)
    assert img.size == (size, size) and img.mode == "RGBA"
    alpha = img.getchannel("A")
    assert alpha.getpixel((size // 2, size // 2)) == 255  # the tile is opaque in the middle
    assert alpha.getpixel((0, 0)) < 128  # rounded corners are see-through


@pytest.mark.parametrize("size", SIZES)
def test_paused_and_waiting_differ_from_normal(size):
    normal, paused, waiting = (icon_image(s, size) for s in STATES)
    assert max_channel_diff(normal, paused) > 60
    assert max_channel_diff(normal, waiting) > 60
    # paused is grey: far less colour saturation than the teal icon
    sat = [ImageStat.Stat(i.convert("RGB").convert("HSV")).mean[1] for i in (normal, paused)]
    assert sat[1] < sat[0] / 2


def test_waiting_badge_is_warm_in_the_top_right():
    img = icon_image("waiting", 64).convert("RGB")
    r, g, b = img.getpixel((52, 12))
    assert r > 200 and r - b > 100  # orange accent, not teal
    r, g, b = icon_image("normal", 64).convert("RGB").getpixel((52, 12))
    assert g > r  # the normal icon is teal there


def test_figure_is_white_on_the_tile():
    img = icon_image("normal", 64).convert("RGB")
    assert min(img.getpixel((32, 38))) > 240  # torso
    assert img.getpixel((10, 50))[1] > img.getpixel((10, 50))[0] + 40  # teal background


def test_cached_images_are_copies():
    a = icon_image("normal", 32)
    a.paste((255, 0, 0, 255), (0, 0, 32, 32))
    assert icon_image("normal", 32).getpixel((16, 16)) != (255, 0, 0, 255)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="allowed"):
        icon_image("sleepy")
    with pytest.raises(ValueError, match="size"):
        icon_image("normal", 0)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("size", SIZES)
def test_shipped_png_matches_the_generator(state, size):
    path = RESOURCES / f"icon-{state}-{size}.png"
    assert path.is_file(), f"missing {path}; run python assets/make_icons.py"
    with Image.open(path) as shipped:
        shipped.load()
        assert shipped.size == (size, size) and shipped.mode == "RGBA"
        # a small tolerance absorbs resampling differences between Pillow builds
        assert max_channel_diff(shipped, draw_icon(state, size)) <= 3
        # the tray gets the shipped file itself (no drawing at run time)
        assert ImageChops.difference(shipped, icon_image(state, size)).getbbox() is None


def test_sizes_without_a_shipped_png_are_drawn(monkeypatch, tmp_path):
    assert max_channel_diff(icon_image("waiting", 40), draw_icon("waiting", 40)) == 0
    monkeypatch.setattr(icons, "RESOURCES", tmp_path)  # resources missing: drawn instead
    icons._shipped.cache_clear()
    try:
        img = icon_image("paused", 32)
        assert img.size == (32, 32) and max_channel_diff(img, draw_icon("paused", 32)) == 0
    finally:
        icons._shipped.cache_clear()


def test_icon_path_picks_the_nearest_shipped_size():
    assert icon_path("paused", 20) == RESOURCES / "icon-paused-22.png"
    assert icon_path("normal", 64) == RESOURCES / "icon-normal-64.png"
    assert icon_path("normal", 4096) == RESOURCES / "icon-normal-256.png"


def test_make_icons_script_writes_what_ships(tmp_path):
    res = subprocess.run([sys.executable, str(ROOT / "assets" / "make_icons.py"),
                          "--out", str(tmp_path)], check=False, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    made = sorted(p.name for p in tmp_path.glob("icon-*-*.png"))
    assert made == sorted(p.name for p in RESOURCES.glob("icon-*.png"))
    assert len(made) == len(STATES) * len(SIZES)
    for name in made:
        with Image.open(tmp_path / name) as new, Image.open(RESOURCES / name) as old:
            assert max_channel_diff(new, old) <= 3, name
    with Image.open(tmp_path / "icon-512.png") as new, \
            Image.open(ROOT / "assets" / "icon-512.png") as old:
        assert new.size == (512, 512) and max_channel_diff(new, old) <= 3


def test_desktop_entry_runs_movebreak_with_its_icon():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(ROOT / "assets" / "movebreak.desktop")
    d = entry["Desktop Entry"]
    assert d["Type"] == "Application" and d["Exec"] == "movebreak run"
    assert d["Icon"] == "movebreak" and d["Terminal"] == "false"
    assert d["Categories"].endswith(";")


def test_resources_ship_in_the_wheel():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    assert "resources/*.png" in cfg["options.package_data"]["movebreak"]
