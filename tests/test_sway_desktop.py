"""sway (wlroots, Wayland): the full-screen hold source asks sway's IPC tree, and mako's
do-not-disturb mode is read over D-Bus. A real headless sway 1.7 (pixman renderer, no input
devices) with a real foot terminal, made full screen by swaymsg, and a real mako on its own
session bus, put in do-not-disturb by makoctl. sway refuses to run as root, so as root the
test runs sway, the bus and mako as `nobody` (root may use a bus that `nobody` owns)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from movebreak.adapters.holds.bus import HoldBus
from movebreak.adapters.holds.dnd import NOTIFICATIONS, DoNotDisturb
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
    prefix = as_nobody() if as_root else []
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
        env["MOVEBREAK_TEST_RUNTIME"] = str(runtime)
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


def as_nobody() -> list[str]:
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


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


BUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>{address}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@pytest.fixture
def mako(sway):
    """A session bus and mako on it, both started by the sway user; the bus's address."""
    for tool in ("mako", "makoctl", "jq", "busctl", "dbus-daemon"):
        assert shutil.which(tool), f"{tool} is missing: make test installs mako-notifier and jq"
    runtime = Path(sway["MOVEBREAK_TEST_RUNTIME"])
    address = f"unix:path={runtime}/bus"
    # A session bus that lets any local user in: the test (root) and mako (nobody) share it;
    # the stock session.conf admits only the bus's own user.
    conf = runtime / "bus.conf"
    conf.write_text(BUS_CONF.format(address=address))
    as_root = os.geteuid() == 0
    if as_root:
        os.chown(conf, NOBODY, NOBODY)
    prefix = as_nobody() if as_root else []
    log = open(runtime / "mako.log", "wb")
    daemon = subprocess.Popen([*prefix, "dbus-daemon", f"--config-file={conf}", "--nofork",
                               "--nopidfile"], env=sway, cwd=runtime,
                              stdout=log, stderr=subprocess.STDOUT)
    env = {**sway, "DBUS_SESSION_BUS_ADDRESS": address}
    procs = [daemon]
    try:
        wait_for(lambda: (runtime / "bus").exists(), 10, "the session bus")
        procs.append(subprocess.Popen([*prefix, "mako"], env=env, cwd=runtime, stdout=log,
                                      stderr=subprocess.STDOUT))

        def mako_up() -> bool:
            res = subprocess.run(["busctl", "--user", "status", NOTIFICATIONS], env=env,
                                 capture_output=True, timeout=5, check=False)
            return res.returncode == 0
        try:
            wait_for(mako_up, 10, "mako on the bus")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; mako said: "
                                 f"{(runtime / 'mako.log').read_text(errors='replace')}") from None
        yield env
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(2)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(2)
        log.close()


def test_mako_do_not_disturb_mode_is_read_at_each_poll(mako):
    """mako has no change signal: the owner polls it at its tick. Its `do-not-disturb` mode,
    set and cleared with the real makoctl as a user would, is read over D-Bus (ListModes)."""
    from datetime import datetime, timezone

    got: list[bool] = []
    bus = HoldBus({"session": mako["DBUS_SESSION_BUS_ADDRESS"]})
    bus.start()
    try:
        dnd = DoNotDisturb(bus, lambda reason, on, at: got.append(on),
                           lambda: datetime.now(timezone.utc))
        assert dnd.describe() == "mako (makoctl mode) (now off)"
        assert dnd.poll() == {"dnd": False}
        subprocess.run(["makoctl", "mode", "-a", "do-not-disturb"], env=mako, check=True,
                       capture_output=True, timeout=10)
        assert dnd.poll() == {"dnd": True}
        assert dnd.describe() == "mako (makoctl mode) (now on)"
        subprocess.run(["makoctl", "mode", "-r", "do-not-disturb"], env=mako, check=True,
                       capture_output=True, timeout=10)
        assert dnd.poll() == {"dnd": False}
        assert got == []  # polled, not signalled: the answer is poll()'s
        dnd.close()
    finally:
        bus.stop()
