"""Idle sources: the Windows tick arithmetic (pure), and real X11 and D-Bus sources on the
headless desktop rig, including servers that go away and come back."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from movebreak.adapters.idle import (
    IdleSource,
    NullIdle,
    choose_idle_source,
    make_idle_source,
)
from movebreak.adapters.idle.null import IdleUnavailable
from movebreak.adapters.idle.windows import idle_ms_from_ticks

WRAP = 2**32


# ---------------------------------------------------------------- Windows tick arithmetic
def test_ticks_without_wrap():
    assert idle_ms_from_ticks(10_000, 4_000) == 6_000
    assert idle_ms_from_ticks(5, 5) == 0


def test_ticks_across_the_32_bit_wrap():
    # last input 1 s before the 49.7-day wrap, now 2 s after it
    assert idle_ms_from_ticks(2_000, WRAP - 1_000) == 3_000


def test_64_bit_now_against_32_bit_last_input():
    # GetTickCount64 after 60 days; dwTime holds only the low 32 bits of the input time
    input_at = 60 * 86_400_000 - 90_000
    now = 60 * 86_400_000
    assert idle_ms_from_ticks(now, input_at % WRAP) == 90_000
    assert idle_ms_from_ticks(now, input_at) == 90_000  # extra high bits are ignored


def test_input_newer_than_now_counts_as_zero():
    # GetLastInputInfo read after GetTickCount64: dwTime can be a few ms ahead
    assert idle_ms_from_ticks(1_000, 1_016) == 0
    assert idle_ms_from_ticks(10, WRAP - 5) == 15  # ... but a real wrap is not "ahead"


@given(st.integers(0, 2**64 - 2**32), st.integers(0, 2**31 - 1))
def test_tick_difference_is_exact_below_half_the_range(last, delta):
    assert idle_ms_from_ticks(last + delta, (last % WRAP)) == delta


# ---------------------------------------------------------------- selection without a desktop
def test_forced_none_gives_null_idle(monkeypatch):
    monkeypatch.setenv("MOVEBREAK_IDLE", "none")
    src = choose_idle_source()
    assert isinstance(src, NullIdle) and src.name == "none"
    assert src.idle_seconds() is None
    assert "MOVEBREAK_IDLE=none" in src.reason
    assert isinstance(src, IdleSource)


def test_forced_source_that_cannot_work_falls_back_with_reason(monkeypatch, tmp_path):
    monkeypatch.setenv("MOVEBREAK_IDLE", "x11")
    monkeypatch.setenv("DISPLAY", ":4711")  # no such display
    src = choose_idle_source()
    assert isinstance(src, NullIdle)
    assert "x11" in src.reason and ":4711" in src.reason


@pytest.mark.parametrize("name", ["macos", "windows"])
def test_other_platform_sources_import_and_refuse_here(name):
    with pytest.raises(IdleUnavailable, match="needs (macOS|Windows)"):
        make_idle_source(name)


def test_unknown_source_name_is_an_error():
    with pytest.raises(ValueError, match="allowed"):
        make_idle_source("amiga")


# ---------------------------------------------------------------- helpers for real servers
def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def start_xvfb(display: str | None = None) -> tuple[subprocess.Popen, str]:
    """A private Xvfb (the shared rig's cannot be killed mid-session)."""
    rfd, wfd = os.pipe()
    where = [display] if display else ["-displayfd", str(wfd)]
    proc = subprocess.Popen(["Xvfb", *where, "-nolisten", "tcp", "-noreset",
                             "-screen", "0", "320x240x24"],
                            pass_fds=(wfd,), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    os.close(wfd)
    try:
        data = b""
        while display is None and not data.endswith(b"\n"):  # keep reading: EPIPE kills Xvfb
            assert select.select([rfd], [], [], 10)[0], "Xvfb reported no display"
            chunk = os.read(rfd, 32)
            assert chunk, "Xvfb exited before reporting its display"
            data += chunk
        display = display or ":" + data.decode().strip()
    finally:
        os.close(rfd)
    deadline = time.monotonic() + 10
    while subprocess.run(["xdpyinfo", "-display", display], check=False,
                         capture_output=True).returncode:
        assert proc.poll() is None and time.monotonic() < deadline, f"Xvfb {display} not up"
        time.sleep(0.05)
    return proc, display


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        proc.wait(10)


SERVICE = r"""
import sys
from jeepney import HeaderFields, MessageType, new_error, new_method_return
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection
from jeepney.wrappers import unwrap_msg
name, path, method, sig, value = sys.argv[1:6]
conn = open_dbus_connection(bus="SESSION")
assert unwrap_msg(conn.send_and_get_reply(message_bus.RequestName(name, 4)))[0] == 1
print("ready", flush=True)
while True:
    msg = conn.receive()
    f = msg.header.fields
    if msg.header.message_type != MessageType.method_call:
        continue
    if f.get(HeaderFields.member) == method and f.get(HeaderFields.path) == path:
        conn.send(new_method_return(msg, sig, (int(value),)))
    else:
        conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", ("no",)))
"""

GNOME = ("org.gnome.Mutter.IdleMonitor", "/org/gnome/Mutter/IdleMonitor/Core", "GetIdletime", "t")
KDE = ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", "GetSessionIdleTime", "u")


def has_owner(name: str) -> bool:
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection
    from jeepney.wrappers import unwrap_msg
    with open_dbus_connection(bus="SESSION") as conn:
        return bool(unwrap_msg(conn.send_and_get_reply(message_bus.NameHasOwner(name),
                                                       timeout=2))[0])


class IdleService:
    """A stand-in desktop service answering the idle-time call on the session bus."""

    def __init__(self, spec: tuple[str, str, str, str], ms: int):
        self.spec, self.ms = spec, ms
        self.proc: subprocess.Popen | None = None

    def start(self) -> IdleService:
        name, path, method, sig = self.spec
        self.proc = subprocess.Popen([sys.executable, "-c", SERVICE, name, path, method, sig,
                                      str(self.ms)], stdout=subprocess.PIPE)
        try:
            assert select.select([self.proc.stdout], [], [], 10)[0], "service did not start"
            assert self.proc.stdout.readline().strip() == b"ready"
        except BaseException:
            self.proc.kill()
            self.proc.wait()
            self.proc.stdout.close()
            raise
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)
            self.proc.stdout.close()
            self.proc = None
            deadline = time.monotonic() + 5
            while has_owner(self.spec[0]):
                assert time.monotonic() < deadline
                time.sleep(0.02)


@pytest.fixture
def services(xdisplay):
    started: list[IdleService] = []

    def start(spec, ms):
        started.append(IdleService(spec, ms).start())
        return started[-1]

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def auto_env(monkeypatch):
    """An X11 session of an unnamed desktop: automatic selection, no forced source."""
    for var in ("MOVEBREAK_IDLE", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "XDG_CURRENT_DESKTOP"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


# ---------------------------------------------------------------- X11 on the rig
@pytest.mark.desktop
def test_x11_idle_follows_real_input(xdisplay, auto_env):
    src = choose_idle_source()
    try:
        assert src.name == "x11" and src.display_name == xdisplay.display
        xdisplay.run(["xdotool", "mousemove", "100", "100"])
        xdisplay.run(["xdotool", "mousemove", "200", "150"])
        assert src.idle_seconds() < 0.5
        time.sleep(1.2)
        idle = src.idle_seconds()
        assert 1.0 <= idle < 10
        xdisplay.run(["xdotool", "mousemove", "120", "90"])
        assert src.idle_seconds() < 0.5
    finally:
        src.close()


@pytest.mark.desktop
def test_x11_keeps_one_connection(xdisplay):
    src = make_idle_source("x11")
    try:
        src.idle_seconds()
        before = open_fds()
        values = [src.idle_seconds() for _ in range(200)]
        assert open_fds() == before
        assert all(isinstance(v, float) for v in values)
    finally:
        src.close()
    before = open_fds()
    for _ in range(20):
        make_idle_source("x11").close()
    assert open_fds() == before


@pytest.mark.desktop
def test_none_overrides_a_working_display(xdisplay, auto_env):
    auto_env.setenv("MOVEBREAK_IDLE", "none")
    assert isinstance(choose_idle_source(), NullIdle)


@pytest.mark.desktop
def test_wayland_session_never_trusts_x11(xdisplay, auto_env):
    auto_env.setenv("XDG_SESSION_TYPE", "wayland")
    src = choose_idle_source()
    assert isinstance(src, NullIdle)
    assert "org.gnome.Mutter.IdleMonitor is not on the session bus" in src.reason
    assert "x11" not in src.reason


@pytest.mark.desktop
def test_x11_server_gone_gives_none_then_reconnects():
    proc, display = start_xvfb()
    try:
        src = make_idle_source_on(display)
        assert src.idle_seconds() is not None
        with_conn = open_fds()
        stop(proc)
        assert src.idle_seconds() is None
        for _ in range(20):
            assert src.idle_seconds() is None
        assert open_fds() < with_conn  # the dead connection was closed, nothing piled up
        proc, _ = start_xvfb(display)
        assert src.idle_seconds() is not None  # same source, new connection
        assert open_fds() == with_conn
        src.close()
    finally:
        stop(proc)


def make_idle_source_on(display: str):
    from movebreak.adapters.idle.x11 import X11Idle
    return X11Idle(display)


# ---------------------------------------------------------------- D-Bus sources on the rig
@pytest.mark.desktop
def test_gnome_idle_monitor_is_preferred_and_read_in_ms(services, auto_env):
    services(KDE, 9_000)
    gnome = services(GNOME, 4_321)
    src = choose_idle_source()
    try:
        assert src.name == "gnome"
        assert src.idle_seconds() == pytest.approx(4.321)
        gnome.stop()  # gnome-shell went away: None, not an exception
        assert src.idle_seconds() is None
        services(GNOME, 1_500)  # and back: the same connection answers again
        assert src.idle_seconds() == pytest.approx(1.5)
    finally:
        src.close()


@pytest.mark.desktop
def test_kde_screensaver_when_no_gnome(services, auto_env):
    services(KDE, 61_000)
    auto_env.setenv("XDG_CURRENT_DESKTOP", "KDE")
    src = choose_idle_source()
    try:
        assert src.name == "kde" and src.idle_seconds() == pytest.approx(61.0)
    finally:
        src.close()
    auto_env.delenv("XDG_CURRENT_DESKTOP")
    other = choose_idle_source()  # outside KDE, exact X11 idle goes first
    assert other.name == "x11"
    other.close()
    auto_env.setenv("MOVEBREAK_IDLE", "kde")
    forced = choose_idle_source()
    assert forced.name == "kde"
    forced.close()


@pytest.mark.desktop
def test_dbus_source_survives_its_bus_dying(tmp_path, monkeypatch):
    sock = tmp_path / "bus"
    conf = tmp_path / "bus.conf"
    conf.write_text(
        '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"'
        ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd"><busconfig>'
        f"<type>session</type><listen>unix:path={sock}</listen>"
        '<policy context="default"><allow send_destination="*" eavesdrop="true"/>'
        '<allow eavesdrop="true"/><allow own="*"/></policy>'
        "</busconfig>")

    def start_bus() -> subprocess.Popen:
        bus = subprocess.Popen(["dbus-daemon", f"--config-file={conf}", "--nofork",
                                "--nopidfile", "--print-address=1"], stdout=subprocess.PIPE)
        assert select.select([bus.stdout], [], [], 10)[0]
        assert bus.stdout.readline().startswith(b"unix:")
        return bus

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={sock}")
    procs: list[subprocess.Popen] = []
    src = None
    try:
        procs.append(start_bus())
        svc = IdleService(GNOME, 2_000).start()
        procs.append(svc.proc)
        src = make_idle_source("gnome")
        assert src.idle_seconds() == pytest.approx(2.0)
        with_conn = open_fds()
        for p in procs:
            stop(p)
        assert src.idle_seconds() is None
        assert open_fds() < with_conn
        sock.unlink(missing_ok=True)
        procs.append(start_bus())
        procs.append(IdleService(GNOME, 3_000).start().proc)
        assert src.idle_seconds() == pytest.approx(3.0)  # reconnected by itself
    finally:
        if src is not None:
            src.close()
        for p in reversed(procs):
            stop(p)
            p.stdout.close()


# ---------------------------------------------------------------- the xcb requests themselves
@pytest.mark.desktop
def test_xcb_answers_as_python_xlib_does(desktop):
    from Xlib import display as xlib_display
    from Xlib.ext import screensaver  # noqa: F401  (registers the request)

    from movebreak.adapters.xcb import XcbConnection, XcbError
    conn = XcbConnection(desktop.display)
    ref = xlib_display.Display(desktop.display)
    try:
        assert conn.root == ref.screen().root.id and conn.screen == ref.get_default_screen()
        owner = conn.selection_owner("_NET_SYSTEM_TRAY_S0")
        assert owner != 0 and owner == desktop.tray_owner()
        assert conn.selection_owner("MOVEBREAK_NO_SUCH_SELECTION") == 0
        desktop.run(["xdotool", "mousemove", "10", "10"])
        desktop.run(["xdotool", "mousemove", "30", "20"])
        ours, theirs = conn.idle_ms(), ref.screen().root.screensaver_query_info().idle
        assert ours < 1000 and abs(ours - theirs) < 1000
        conn.root = 1  # no such window: the server answers with an X error (BadDrawable 9)
        with pytest.raises(XcbError, match="X error 9"):
            conn.idle_ms()
        assert not conn.broken  # an X error is not a broken connection
        assert conn.selection_owner("_NET_SYSTEM_TRAY_S0") == owner
    finally:
        conn.close()
        ref.close()
    assert conn.broken
    with pytest.raises(XcbError, match="closed"):
        conn.idle_ms()
    with pytest.raises(XcbError, match="cannot open X display"):
        XcbConnection(":4242")


# ---------------------------------------------------------------- return watches
@pytest.mark.desktop
def test_x11_return_watch_fires_at_the_next_input_only(xdisplay):
    """The SYNC IDLETIME alarm: nothing while there is no input, the callback within a
    moment of the first mouse move, once (one-shot), and at once when armed while active."""
    import threading

    from movebreak.adapters.idle.watch import XSyncReturnWatch, make_return_watch
    chosen = make_return_watch("x11")
    assert chosen is not None and chosen.name == "x11-sync"
    chosen.close()
    watch = XSyncReturnWatch(back_below_ms=300)  # the app's 1 s, shortened for the test
    fired = threading.Event()
    calls: list[float] = []

    def back() -> None:
        calls.append(time.monotonic())
        fired.set()
    try:
        time.sleep(0.4)  # idle above the alarm's threshold
        watch.arm(back)
        assert not fired.wait(0.6), "fired without input"
        moved = time.monotonic()
        xdisplay.run(["xdotool", "mousemove", "101", "77"])
        assert fired.wait(2), "no callback after input"
        assert calls[0] - moved < 1.0
        time.sleep(0.4)
        xdisplay.run(["xdotool", "mousemove", "140", "60"])  # not armed: no second call
        time.sleep(0.3)
        assert len(calls) == 1
        fired.clear()
        xdisplay.run(["xdotool", "mousemove", "150", "65"])
        watch.arm(back)  # the user is active right now: it fires at once
        assert fired.wait(1) and len(calls) == 2
    finally:
        watch.close()
    assert not watch._thread.is_alive()


def test_no_return_watch_where_none_can_work():
    from movebreak.adapters.idle.watch import make_return_watch
    assert make_return_watch("kde") is None
    assert make_return_watch("none") is None
    assert make_return_watch("gnome", bus=None) is None


@pytest.mark.desktop
def test_doctor_names_the_return_watch(xdisplay, auto_env, tmp_path):
    from movebreak.doctor import diagnose, render
    report = diagnose(tmp_path / "config.toml")
    assert report["idle"]["source"] == "x11"
    assert report["idle"]["return_watch"] == "x11-sync (an alarm at the first input)"
    assert report["language"]["language"] == "en" and report["language"]["locale"] == "C"
    assert "return_watch: x11-sync" in render(report)
