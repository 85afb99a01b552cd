"""What a normal start imports from the modules this project owns: the optional heavy libraries
(python-xlib, Pillow's ImageDraw and ImageFont, filelock, tomli_w) stay out until something
really needs them (measured in README: Performance). One fresh interpreter on the test display."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from movebreak.adapters import storage

CODE = """
import json, sys
from movebreak import cli
from movebreak.adapters import history, storage
from movebreak.adapters.icons import icon_image
from movebreak.adapters.idle import make_idle_source
loaded = storage.load_config(sys.argv[1])  # an existing file: read, never locked
hist = history.open_history(storage.history_path())
hist.counts_for_day(__import__("datetime").date.today(), __import__("datetime").timezone.utc)
img = icon_image("waiting", 64)
src = make_idle_source("x11")
idle = src.idle_seconds()
src.close()
heavy = {m.split(".")[0] for m in sys.modules} & {"Xlib", "filelock", "tomli_w"}
heavy |= {m for m in ("PIL.ImageDraw", "PIL.ImageFont") if m in sys.modules}
print(json.dumps({"heavy": sorted(heavy), "idle": idle, "size": img.size,
                  "problems": [str(p) for p in loaded.problems]}))
"""


@pytest.mark.desktop
def test_a_normal_start_leaves_heavy_modules_unloaded(xdisplay, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(storage.default_config_text())
    res = subprocess.run([sys.executable, "-c", CODE, str(config)],
                         capture_output=True, text=True, timeout=60, check=False,
                         env=dict(xdisplay.env, MOVEBREAK_DATA_DIR=str(tmp_path)))
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout)
    assert got["size"] == [64, 64] and got["idle"] >= 0 and got["problems"] == []
    assert got["heavy"] == []
