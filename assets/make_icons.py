"""Regenerate the shipped icon PNGs from `movebreak.adapters.icons` (the single source of art).

Writes movebreak/resources/icon-<state>-<size>.png for every state and size, and
assets/icon-512.png (the normal icon at 512 px, the source art for installers and stores).
Run `python assets/make_icons.py`; `--out DIR` writes all files flat into DIR instead.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from movebreak.adapters.icons import RESOURCES, SIZES, STATES, draw_icon


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write every file into this folder")
    args = parser.parse_args(argv)
    res_dir = args.out or RESOURCES
    big = (args.out or ROOT / "assets") / "icon-512.png"
    res_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for state in STATES:
        for size in SIZES:
            path = res_dir / f"icon-{state}-{size}.png"
            draw_icon(state, size).save(path, optimize=True)
            written.append(path)
    draw_icon("normal", 512).save(big, optimize=True)
    written.append(big)
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
