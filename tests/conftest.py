"""Shared pytest fixtures. The desktop ones start one real headless desktop per session."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

# Every test (and every process it starts) runs in the C locale: English texts, 24-hour
# times, whatever the machine's LANG is. Tests of other languages say so themselves.
for _var in ("LANGUAGE", "LANG", "LC_MESSAGES", "LC_TIME"):
    os.environ.pop(_var, None)
os.environ["LC_ALL"] = "C.UTF-8"

from movebreak.core import l10n  # noqa: E402 - after the locale variables are set

l10n.reread_desktop_env()


#: The slowest files (seconds of test time, measured), run first: with `--dist loadfile` a
#: worker takes the next file when it is free, so the long ones must not come last.
SLOW_FILES = {
    "test_routine_window.py": 28, "test_settings_window.py": 22, "test_tray_desktop.py": 20,
    "test_bench_smoke.py": 20, "test_gnome_desktop.py": 19, "test_signals.py": 12,
    "test_app_desktop.py": 15, "test_faults.py": 14, "test_xfce_desktop.py": 13,
    "test_history_window.py": 11, "test_sound.py": 10, "test_safety_window.py": 9,
    "test_i18n_windows.py": 8, "test_cli_process.py": 7, "test_idle.py": 6,
}


def pytest_collection_modifyitems(items):
    """Longest files first (stable: each file's tests keep their order)."""
    items.sort(key=lambda item: -SLOW_FILES.get(item.path.name, 0))


@pytest.fixture
def fake_language(monkeypatch):
    """Every text through the fake «...» catalog (tests/fake_language.py) for this test."""
    from fake_language import Wrapped
    monkeypatch.setattr(l10n, "_translation", Wrapped())


@pytest.fixture(autouse=True)
def _english_between_tests():
    """A test that installs a language (cli.main, the app, a window model) leaves English."""
    yield
    l10n.install("en", environ={})
    l10n.set_formats(None)
    os.environ.pop("LANGUAGE", None)
    l10n.reread_desktop_env()

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
