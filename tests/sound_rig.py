"""A real audio path for tests: PulseAudio with a null sink, recorded from its monitor.

`SoundRig().start()` runs `pulseaudio` (no default modules: a null sink named `rig`, the
default one, and `away`, where `hush()` moves sounds nobody records; the native protocol on
a private socket, anonymous access) in a temp folder; `env_overrides`
point a process at it (PULSE_SERVER; CANBERRA_DRIVER=pulse so libcanberra never falls back
to a sound card of the machine). One `parec` records the sink's monitor for the whole session;
`record()` gives a test its stretch, and `Recording.rms_at(when)` measures a part of it with
sox.

`NotificationServer` is a tiny org.freedesktop.Notifications server on its own private bus
(dbus-daemon + dbus-fast in a thread) that lists the capabilities it is given (`sound` by
default), plays nothing, and keeps every Notify call (summary and hints) for the test.

Missing programs raise RuntimeError naming the Debian package (tests fail, never skip).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import select
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from desktop_rig import _BUS_CONF, _die_with_parent, _tail

PACKAGES = {"pulseaudio": "pulseaudio", "pactl": "pulseaudio-utils", "parec": "pulseaudio-utils",
            "sox": "sox", "dbus-daemon": "dbus"}
RATE = 44100
#: RMS (of full scale) above which a stretch of the recording counts as a heard sound; the
#: null sink's silence is exactly 0, the quietest sound played here is above 0.03.
HEARD_RMS = 0.005

_PA_SCRIPT = """\
load-module module-null-sink sink_name=rig rate={rate} sink_properties=device.description=rig
load-module module-null-sink sink_name=away sink_properties=device.description=away
load-module module-native-protocol-unix socket={socket} auth-anonymous=1
set-default-sink rig
"""


def _need(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        raise RuntimeError(f"sound rig: `{binary}` not found on PATH "
                           f"(install the Debian package `{PACKAGES.get(binary, '?')}`)")
    return path


class SoundRig:
    """PulseAudio with a null sink in a temp folder; start from a thread that outlives it."""

    def __init__(self) -> None:
        self.tmp: Path | None = None
        self._pa: subprocess.Popen | None = None
        self._parec: subprocess.Popen | None = None
        self._rec_out: Any = None
        self._log: Any = None
        self.monitor: Path | None = None
        self.started = 0.0

    @property
    def server(self) -> str:
        assert self.tmp is not None, "sound rig not started"
        return f"unix:{self.tmp / 'native'}"

    @property
    def pid(self) -> int:
        assert self._pa is not None, "sound rig not started"
        return self._pa.pid

    @property
    def env_overrides(self) -> dict[str, str]:
        return {"PULSE_SERVER": self.server, "CANBERRA_DRIVER": "pulse"}

    def start(self) -> SoundRig:
        for b in ("pulseaudio", "pactl", "parec", "sox"):
            _need(b)
        self.tmp = Path(tempfile.mkdtemp(prefix="movebreak-sound-"))
        (self.tmp / "run").mkdir(mode=0o700)
        script = self.tmp / "rig.pa"
        script.write_text(_PA_SCRIPT.format(rate=RATE, socket=self.tmp / "native"))
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DBUS_", "PULSE_", "DISPLAY", "WAYLAND"))}
        env.update(HOME=str(self.tmp), XDG_RUNTIME_DIR=str(self.tmp / "run"),
                   XDG_CONFIG_HOME=str(self.tmp / "config"))
        self._log = open(self.tmp / "pulseaudio.log", "ab")  # noqa: SIM115 - closed in stop()
        self._pa = subprocess.Popen(
            [_need("pulseaudio"), "-n", "-F", str(script), "--daemonize=no",
             "--exit-idle-time=-1", "--use-pid-file=no", "--disallow-exit",
             "--disable-shm", "--log-target=stderr"],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log, env=env,
            preexec_fn=_die_with_parent)  # noqa: PLW1509
        deadline = time.monotonic() + 10
        while self.pactl("info").returncode != 0:
            if self._pa.poll() is not None or time.monotonic() > deadline:
                log = _tail(self.tmp / "pulseaudio.log")
                self.stop()
                raise RuntimeError(f"sound rig: pulseaudio did not answer: {log}")
            time.sleep(0.05)
        self._start_recorder()
        return self

    def stop(self) -> None:
        if self._parec is not None:
            self._parec.terminate()
            self._parec.wait(3)
            self._parec = None
        if self._rec_out is not None:
            self._rec_out.close()
            self._rec_out = None
        if self._pa is not None:
            if self._pa.poll() is None:
                self._pa.terminate()
                try:
                    self._pa.wait(3)
                except subprocess.TimeoutExpired:
                    self._pa.kill()
                    self._pa.wait(3)
            self._pa = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def pactl(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([_need("pactl"), f"--server={self.server}", *args],
                              capture_output=True, text=True, timeout=5, check=False)

    def _start_recorder(self) -> None:
        """One `parec` of the sink's monitor for the whole session (10 ms fragments), so a
        test's recording is a stretch of it. The null sink renders in blocks of the lowest
        latency its streams ask for, but an idle one first finishes a 2 s block: suspending
        and resuming it makes the recorder's 10 ms apply at once."""
        assert self.tmp is not None
        self.monitor = self.tmp / "monitor.raw"
        self._rec_out = open(self.monitor, "wb")  # noqa: SIM115 - closed in stop()
        self._parec = subprocess.Popen(
            [_need("parec"), f"--server={self.server}", "-d", "rig.monitor",
             "--format=s16le", f"--rate={RATE}", "--channels=1",
             f"--latency={2 * RATE // 100}"],  # bytes: 10 ms (--latency-msec is ignored)
            stdin=subprocess.DEVNULL, stdout=self._rec_out, stderr=self._log,
            preexec_fn=_die_with_parent)  # noqa: PLW1509
        deadline = time.monotonic() + 5
        while not self.pactl("list", "short", "source-outputs").stdout.strip():
            if self._parec.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("sound rig: parec did not connect: "
                                   + _tail(self.tmp / "pulseaudio.log"))
            time.sleep(0.01)
        self.pactl("suspend-sink", "rig", "1")
        self.pactl("suspend-sink", "rig", "0")
        while self.monitor.stat().st_size == 0:
            if self._parec.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("sound rig: parec recorded nothing")
            time.sleep(0.005)
        # the first fragment is 10 ms of sound that began that long before it arrived
        self.started = time.monotonic() - self.monitor.stat().st_size / (2 * RATE)

    def _caught_up(self, started: float, timeout: float = 2.0) -> int:
        """Wait until the recording holds everything up to now (less 30 ms), on the clock
        anchor `started`; its size."""
        want = int((time.monotonic() - 0.03 - started) * RATE) * 2
        deadline = time.monotonic() + timeout
        while (size := self.monitor.stat().st_size) < want:
            if time.monotonic() > deadline:
                raise RuntimeError(f"sound rig: the recording lags ({size} < {want} bytes)")
            time.sleep(0.005)
        return size

    def _anchor(self) -> float:
        """time.monotonic() of the recording's first sample, from the arrival of a fresh
        fragment (10 ms). Taken anew for every `record()`: a sound server that was stopped
        (SIGSTOP) leaves a gap the samples do not show."""
        before = self.monitor.stat().st_size
        deadline = time.monotonic() + 2
        while (size := self.monitor.stat().st_size) == before:
            if time.monotonic() > deadline:
                raise RuntimeError("sound rig: the recording stopped")
            time.sleep(0.001)
        return time.monotonic() - size / (2 * RATE)

    @contextlib.contextmanager
    def record(self) -> Iterator[Recording]:
        """The sink's monitor while the block runs (mono, 16 bit, RATE). The block starts
        once the last 0.1 s were silent (a sound of an earlier test may still be ending);
        sounds still playing at its end are stopped."""
        quiet = 2 * RATE // 10
        deadline = time.monotonic() + 3
        while True:
            size = self.monitor.stat().st_size
            with open(self.monitor, "rb") as f:
                f.seek(max(0, size - quiet))
                if size >= quiet and not any(f.read(quiet)):
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("sound rig: the sink is not silent: something keeps playing")
            time.sleep(0.02)
        started = self._anchor()
        yield Recording(self.monitor, started)
        self._caught_up(started)
        self.hush()

    def hush(self) -> None:
        """Move every sound still playing to the unrecorded `away` sink (pactl cannot end
        another client's stream), so the next test need not wait for its tail."""
        for line in self.pactl("list", "short", "sink-inputs").stdout.splitlines():
            self.pactl("move-sink-input", line.split()[0], "away")


class Recording:
    """The raw recording; `started` is its first sample on the time.monotonic() clock."""

    def __init__(self, path: Path, started: float) -> None:
        self.path = path
        self.started = started

    @property
    def seconds(self) -> float:
        return self.path.stat().st_size / (2 * RATE)

    def rms(self, start: float = 0.0, length: float | None = None) -> float:
        """RMS amplitude (of full scale) of [start, start + length) seconds, measured by sox
        (`stat`); `start` < 0 counts from the end."""
        if start < 0:
            start = max(0.0, self.seconds + start)
        trim = ["trim", f"{start:.3f}"] + ([f"{length:.3f}"] if length is not None else [])
        res = subprocess.run(
            [_need("sox"), "-t", "raw", "-r", str(RATE), "-e", "signed", "-b", "16", "-c", "1",
             str(self.path), "-n", *trim, "stat"],
            capture_output=True, text=True, timeout=10, check=False)
        m = re.search(r"RMS\s+amplitude:\s+([0-9.]+)", res.stderr)
        if m is None:
            raise AssertionError(f"sox stat said: {res.stderr.strip() or res.stdout.strip()}")
        return float(m.group(1))

    def rms_at(self, when: float, length: float = 0.3) -> float:
        """RMS of `length` s from `when` (a time.monotonic() reading)."""
        return self.rms(max(0.0, when - self.started), length)


# --------------------------------------------------------------------------- notification server


class NotificationServer:
    """org.freedesktop.Notifications on a private bus, listing `capabilities`; records the
    Notify calls in `notes` ({"summary", "hints"}) and plays nothing."""

    def __init__(self, capabilities: tuple[str, ...] = ("actions", "body", "sound"),
                 name: str = "movebreak-test-server") -> None:
        self.capabilities = capabilities
        self.name = name
        self.notes: list[dict[str, Any]] = []
        self.address: str | None = None
        self.tmp: Path | None = None
        self._bus: subprocess.Popen | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> NotificationServer:
        self.tmp = Path(tempfile.mkdtemp(prefix="movebreak-notes-"))
        (self.tmp / "services").mkdir()
        conf = self.tmp / "bus.conf"
        conf.write_text(_BUS_CONF.format(socket=self.tmp / "bus", servicedir=self.tmp / "services"))
        self._bus = subprocess.Popen(
            [_need("dbus-daemon"), f"--config-file={conf}", "--nofork", "--nopidfile",
             "--print-address=1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent)  # noqa: PLW1509
        assert self._bus.stdout is not None
        if not select.select([self._bus.stdout], [], [], 5)[0]:
            raise RuntimeError("notification server: dbus-daemon printed no address")
        self.address = self._bus.stdout.readline().decode().strip()
        ready = threading.Event()
        errors: list[BaseException] = []
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            try:
                self._loop.run_until_complete(self._serve())
            except BaseException as exc:  # noqa: BLE001 - reported by start()
                errors.append(exc)
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="test-notification-server",
                                        daemon=True)
        self._thread.start()
        ready.wait(5)
        if errors or not ready.is_set():
            raise RuntimeError(f"notification server did not start: {errors}")
        return self

    async def _serve(self) -> None:
        """Loop thread: own the name and answer the four calls movebreak makes."""
        from dbus_fast import Message, MessageType
        from dbus_fast.aio import MessageBus

        def handle(msg: Message) -> Message | None:
            if (msg.message_type != MessageType.METHOD_CALL
                    or msg.interface != "org.freedesktop.Notifications"):
                return None
            if msg.member == "GetCapabilities":
                return Message.new_method_return(msg, "as", [list(self.capabilities)])
            if msg.member == "GetServerInformation":
                return Message.new_method_return(msg, "ssss",
                                                 [self.name, "movebreak tests", "1.0", "1.2"])
            if msg.member == "Notify":
                summary, hints = msg.body[3], msg.body[6]
                self.notes.append({"summary": summary,
                                   "hints": {k: v.value for k, v in hints.items()}})
                return Message.new_method_return(msg, "u", [len(self.notes)])
            if msg.member == "CloseNotification":
                return Message.new_method_return(msg)
            return None

        bus = await MessageBus(bus_address=self.address).connect()
        bus.add_message_handler(handle)
        await bus.request_name("org.freedesktop.Notifications")

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                self._thread.join(3)
            self._loop = None
        if self._bus is not None:
            self._bus.terminate()
            self._bus.wait(3)
            if self._bus.stdout:
                self._bus.stdout.close()
            self._bus = None
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
