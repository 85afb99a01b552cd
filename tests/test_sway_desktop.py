"""sway (wlroots, Wayland): the full-screen hold source asks sway's IPC tree. A real headless
sway 1.7 (pixman renderer, no input devices) with a real foot terminal, made full screen by
swaymsg. sway refuses to run as root, so as root the test runs it as `nobody`."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from movebreak.adapters.holds.fullscreen import SwayFullscreen, choose_fullscreen

pytestmark = pytest.mark.desktop
NOBODY = 65534


def wait_for(fn, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def sway():
    for tool in ("sway", "swaymsg", "foot"):
        assert shutil.which(tool), f"{tool} is missing: make test installs sway and foot"
    runtime = Path(tempfile.mkdtemp(prefix="movebreak-sway-"))
    (runtime / "config").write_text("output HEADLESS-1 resolution 1024x768\n")
    as_root = os.geteuid() == 0
    if as_root:
        os.chown(runtime, NOBODY, NOBODY)
        os.chown(runtime / "config", NOBODY, NOBODY)
    runtime.chmod(0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "HOME": str(runtime),
           "WLR_BACKENDS": "headless", "WLR_LIBINPUT_NO_DEVICES": "1",
           "WLR_RENDERER": "pixman"}
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "SWAYSOCK"):
        env.pop(var, None)
    prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] \
        if as_root else []
    log = open(runtime / "sway.log", "wb")
    # cwd: sway's children (foot) start in sway's directory, which `nobody` must be able to
    # enter (CI's clone lives under a root-only directory, where foot exits at once).
    proc = subprocess.Popen([*prefix, "sway", "-c", str(runtime / "config")], env=env,
                            cwd=runtime, stdout=log, stderr=subprocess.STDOUT)
    try:
        sock = wait_for(lambda: next(runtime.glob("sway-ipc.*.sock"), None), 10,
                        "sway's IPC socket")
        env["SWAYSOCK"] = str(sock)
        env["WAYLAND_DISPLAY"] = "wayland-1"
        env["MOVEBREAK_TEST_SWAY_LOG"] = str(runtime / "sway.log")
        yield env
    finally:
        if "SWAYSOCK" in env:  # sway's own way out (it closes its clients, foot too)
            subprocess.run(["swaymsg", "exit"], env=env, capture_output=True, timeout=5,
                           check=False)
        try:
            proc.wait(2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()
        shutil.rmtree(runtime, ignore_errors=True)


def swaymsg(env, *args):
    return subprocess.run(["swaymsg", *args], env=env, check=True, capture_output=True,
                          text=True, timeout=10).stdout


def test_sway_full_screen_window_is_seen(sway, monkeypatch):
    for var in ("SWAYSOCK", "WAYLAND_DISPLAY", "XDG_RUNTIME_DIR"):
        monkeypatch.setenv(var, sway[var])
    monkeypatch.delenv("DISPLAY", raising=False)
    source = choose_fullscreen()
    assert isinstance(source, SwayFullscreen)
    assert source.poll() == {"fullscreen": False}  # an empty workspace has focus
    swaymsg(sway, "exec", "foot")
    try:
        wait_for(lambda: '"app_id": "foot"' in swaymsg(sway, "-t", "get_tree"), 10,
                 "the foot window")
    except AssertionError as exc:  # what sway and foot said is the only clue in a CI log
        log = Path(sway["MOVEBREAK_TEST_SWAY_LOG"]).read_text(errors="replace")
        raise AssertionError(f"{exc}; sway's log ends:\n{log[-3000:]}") from None
    assert source.poll() == {"fullscreen": False}
    swaymsg(sway, "fullscreen", "enable")
    assert source.poll() == {"fullscreen": True}
    swaymsg(sway, "fullscreen", "disable")
    assert source.poll() == {"fullscreen": False}
    source.close()


def test_sway_gone_is_unknown_not_full_screen(tmp_path):
    """A socket that does not answer: the source reports nothing (the hold keeps its state)
    and choosing it names the socket."""
    with pytest.raises(Exception, match="does not answer"):
        SwayFullscreen(str(tmp_path / "missing.sock"))
