"""Regenerate movebreak's own chimes: movebreak/resources/chime.wav (a reminder, the end of a
hold in the routine) and chime-end.wav (the routine is over).

Run `python scripts/make_chime.py` (`--out DIR` writes elsewhere, `--check` only compares).
Each note is a small bell: a sine with two quieter overtones, a 6 ms fade-in (no click) and
an exponential decay (higher overtones fade faster); notes overlap like struck bars. Mono,
22,050 Hz, 16 bit: small files that libcanberra (GSound) plays directly. Deterministic, so the
shipped files are exactly what this script makes (tests/test_sound.py checks that).
"""

from __future__ import annotations

import argparse
import io
import math
import struct
import sys
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "movebreak" / "resources"
RATE = 22050
PEAK = 0.6  # of full scale: clearly audible, well below clipping
#: (overtone ratio, amplitude, decay time constant in s)
PARTIALS = ((1.0, 1.0, 0.28), (2.0, 0.30, 0.16), (3.0, 0.10, 0.09))
ATTACK_S = 0.006

C6, E6, G5, G6 = 1046.50, 1318.51, 783.99, 1567.98
#: file name -> (notes as (start s, frequency Hz), length s)
CHIMES = {
    "chime.wav": (((0.0, C6), (0.16, E6)), 0.85),
    "chime-end.wav": (((0.0, G5), (0.13, C6), (0.26, E6), (0.39, G6)), 1.25),
}


def render(notes: tuple[tuple[float, float], ...], length_s: float) -> bytes:
    """The WAV file's bytes for `notes`."""
    n = int(RATE * length_s)
    samples = [0.0] * n
    for start, freq in notes:
        first = int(start * RATE)
        for i in range(first, n):
            t = (i - first) / RATE
            env = min(1.0, t / ATTACK_S)
            value = sum(amp * math.exp(-t / tau) * math.sin(2 * math.pi * freq * ratio * t)
                        for ratio, amp, tau in PARTIALS)
            samples[i] += env * value
    tail = int(0.05 * RATE)  # fade the last 50 ms to silence
    for k in range(tail):
        samples[n - 1 - k] *= k / tail
    scale = PEAK / max(abs(s) for s in samples)
    frames = struct.pack(f"<{n}h", *(round(s * scale * 32767) for s in samples))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(frames)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESOURCES, help="folder to write into")
    parser.add_argument("--check", action="store_true",
                        help="only compare with the files in --out; exit 1 if they differ")
    args = parser.parse_args(argv)
    differ = []
    for name, (notes, length) in CHIMES.items():
        data = render(notes, length)
        path = args.out / name
        if args.check:
            if not path.is_file() or path.read_bytes() != data:
                differ.append(name)
            continue
        path.write_bytes(data)
        print(f"wrote {path} ({len(data):,} bytes, {length:g} s)")
    if differ:
        print(f"differ from this script: {', '.join(differ)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
