"""Shared pytest fixtures. The desktop ones start one real headless desktop per session."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from desktop_rig import DesktopRig
from sound_rig import SoundRig


@pytest.fixture(scope="session")
def _desktop_rig() -> Iterator[DesktopRig]:
    """Xvfb + private bus + dunst for the whole session; os.environ points at it meanwhile."""
    rig = DesktopRig()
    rig.start(tray=False)
    saved = {k: os.environ.get(k) for k in (*rig.env_overrides, "WAYLAND_DISPLAY")}
    os.environ.update(rig.env_overrides)
    os.environ.pop("WAYLAND_DISPLAY", None)
    try:
        yield rig
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        rig.stop()


@pytest.fixture(scope="session")
def xdisplay(_desktop_rig: DesktopRig) -> DesktopRig:
    """The session desktop: Xvfb, bus, dunst (a tray too if some test asked for `desktop`).

    A test that kills dunst must start it again (`rig.start_dunst()`) before it ends.
    """
    return _desktop_rig


@pytest.fixture
def desktop(_desktop_rig: DesktopRig) -> DesktopRig:
    """The session desktop with trayer running as XEmbed tray host (started again for each test
    that asks, in case an earlier test stopped it)."""
    _desktop_rig.start_tray()
    return _desktop_rig


@pytest.fixture(scope="session")
def _sound_rig() -> Iterator[SoundRig]:
    rig = SoundRig().start()
    try:
        yield rig
    finally:
        rig.stop()


@pytest.fixture
def sound_rig(_sound_rig: SoundRig, monkeypatch) -> SoundRig:
    """PulseAudio with a null sink (tests/sound_rig.py); this test's process and the
    processes it starts with os.environ play into it."""
    for key, value in _sound_rig.env_overrides.items():
        monkeypatch.setenv(key, value)
    return _sound_rig
