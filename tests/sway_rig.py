"""A real headless sway desktop for tests and screenshots: a session bus of its own, then sway
1.7 (wlroots headless backend, pixman renderer, no input devices) with swaybar (a
StatusNotifier watcher and tray host, as in sway's default config), and mako on demand.

sway refuses to run as root, so as root the bus, sway and mako run as `nobody`, in a runtime
directory of their own (their working directory too: a CI clone may sit under a root-only
directory, where `nobody` cannot even start a program). The bus admits any local user, so root
(the tests, the app under test) uses it too.

    rig = SwayRig().start()
    rig.env            # WAYLAND_DISPLAY, SWAYSOCK, DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR
    rig.start_mako()
    rig.stop()
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from desktop_rig import DesktopRig

NOBODY = 65534
wait_for = DesktopRig.wait_for
NOTIFICATIONS = "org.freedesktop.Notifications"

SWAY_CONFIG = """output HEADLESS-1 resolution {width}x{height}
bar {{
    position top
    tray_output *
}}
"""

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


def as_nobody() -> list[str]:
    """The command prefix that runs a program as `nobody` (when we are root), else []."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


class SwayRig:
    def __init__(self, width: int = 1024, height: int = 768) -> None:
        self.size = (width, height)
        self.runtime = Path(tempfile.mkdtemp(prefix="movebreak-sway-"))
        self.env: dict[str, str] = {}
        self._procs: list[subprocess.Popen] = []  # the bus, then sway
        self._mako: subprocess.Popen | None = None
        self._log = None

    # ---- lifecycle -----------------------------------------------------------------------
    def start(self) -> SwayRig:
        for tool in ("sway", "swaymsg", "swaybar", "foot", "dbus-daemon", "busctl"):
            assert shutil.which(tool), f"{tool} is missing: make test installs sway and foot"
        runtime = self.runtime
        address = f"unix:path={runtime}/bus"
        (runtime / "config").write_text(SWAY_CONFIG.format(width=self.size[0],
                                                           height=self.size[1]))
        (runtime / "bus.conf").write_text(BUS_CONF.format(address=address))
        if os.geteuid() == 0:
            for path in (runtime, runtime / "config", runtime / "bus.conf"):
                os.chown(path, NOBODY, NOBODY)
        runtime.chmod(0o700)
        env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "HOME": str(runtime),
               "WLR_BACKENDS": "headless", "WLR_LIBINPUT_NO_DEVICES": "1",
               "WLR_RENDERER": "pixman", "DBUS_SESSION_BUS_ADDRESS": address}
        for var in ("DISPLAY", "WAYLAND_DISPLAY", "SWAYSOCK"):
            env.pop(var, None)
        self._log = open(runtime / "sway.log", "wb")  # noqa: SIM115 - closed in stop()
        try:
            self._procs.append(self._spawn(["dbus-daemon", f"--config-file={runtime}/bus.conf",
                                            "--nofork", "--nopidfile"], env))
            wait_for(lambda: (runtime / "bus").exists(), 10, "the session bus")
            self._procs.append(self._spawn(["sway", "-c", str(runtime / "config")], env))
            sock = wait_for(lambda: next(runtime.glob("sway-ipc.*.sock"), None), 10,
                            "sway's IPC socket")
        except BaseException:
            self.stop()
            raise
        env["SWAYSOCK"] = str(sock)
        env["WAYLAND_DISPLAY"] = "wayland-1"
        self.env = env
        return self

    def _spawn(self, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        return subprocess.Popen([*as_nobody(), *argv], env=env, cwd=self.runtime,
                                stdout=self._log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        """mako, sway (by its own `exit`, which closes its clients), the bus; the folder."""
        self.stop_mako()
        if "SWAYSOCK" in self.env:
            subprocess.run(["swaymsg", "exit"], env=self.env, capture_output=True, timeout=5,
                           check=False)
        elif len(self._procs) > 1:
            self._procs[1].terminate()
        for proc in reversed(self._procs):
            if proc is self._procs[0]:
                proc.terminate()
            _reap(proc)
        self._procs.clear()
        if self._log is not None:
            self._log.close()
            self._log = None
        shutil.rmtree(self.runtime, ignore_errors=True)

    # ---- what tests use ------------------------------------------------------------------
    def log(self) -> str:
        """What the bus, sway, swaybar, foot and mako printed."""
        return (self.runtime / "sway.log").read_text(errors="replace")

    def swaymsg(self, *args: str) -> str:
        return subprocess.run(["swaymsg", *args], env=self.env, check=True,
                              capture_output=True, text=True, timeout=10).stdout

    def bus_has(self, name: str) -> bool:
        res = subprocess.run(["busctl", "--user", "status", name], env=self.env,
                             capture_output=True, timeout=5, check=False)
        return res.returncode == 0

    def start_mako(self) -> None:
        """mako on this session bus, as the sway user; returns once it owns the name."""
        for tool in ("mako", "makoctl", "jq"):
            assert shutil.which(tool), \
                f"{tool} is missing: make test installs mako-notifier and jq"
        self._mako = self._spawn(["mako"], self.env)
        try:
            wait_for(lambda: self.bus_has(NOTIFICATIONS), 10, "mako on the bus")
        except TimeoutError as exc:
            raise AssertionError(f"{exc}; the rig's log ends:\n{self.log()[-3000:]}") from None

    def stop_mako(self) -> None:
        if self._mako is not None:
            self._mako.terminate()
            _reap(self._mako)
            self._mako = None


def _reap(proc: subprocess.Popen) -> None:
    try:
        proc.wait(2)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def mako_notifications(env: dict[str, str]) -> list[dict]:
    """What mako shows now, as `makoctl list` prints it (D-Bus JSON, unwrapped)."""
    import json
    res = subprocess.run(["makoctl", "list"], env=env, capture_output=True, text=True,
                         timeout=10, check=True)
    return [{key: value["data"] for key, value in note.items()}
            for note in json.loads(res.stdout)["data"][0]]
