"""A real, headless desktop for tests: Xvfb, a private D-Bus session bus, dunst, trayer.

`DesktopRig().start()` brings the pieces up one by one, waiting for each to be ready, and
raises RuntimeError naming the missing binary or package (tests fail, never skip, without
the rig). Everything lives in a private temp dir and is torn down by `stop()`.

Pressing a named notification button: dunst's `dmenu` setting points at a small script
that saves the context menu it is given (`#Snooze 10 min (Title) [id,key]` lines) and
prints the first line whose label contains the wanted text; `press_action()` sets that
text and runs `dunstctl context`.

`start_system_bus()` adds a second private bus standing in for the system bus (for logind
stand-ins; DESKTOP-TESTING.md: "a second dbus-daemon --session exported as
DBUS_SYSTEM_BUS_ADDRESS stands in for it"); its address is `system_bus_address`.

The bus is started with its own config file (no service directories) instead of
`--session`, so killing dunst really leaves the bus without a notification server: with
the system's service files the bus would re-activate dunst on the next Notify call.
Children get SIGTERM if the thread that started them dies (PR_SET_PDEATHSIG), so a
crashed test run leaves no Xvfb behind; start the rig from a thread that outlives it.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

# binary -> Debian package that provides it (for the error message)
PACKAGES = {
    "Xvfb": "xvfb",
    "xdpyinfo": "x11-utils",
    "dbus-daemon": "dbus",
    "dbus-send": "dbus",
    "dunst": "dunst",
    "dunstctl": "dunst",
    "busctl": "systemd",  # dunstctl history uses it
    "trayer": "trayer",
    "import": "imagemagick",
    "xdotool": "xdotool",
}

_MENU_RE = re.compile(r"^#(?P<label>.*?) \((?P<summary>.*)\) \[(?P<id>\d+),(?P<key>[^\]]*)\]$")

_PICK_SCRIPT = """\
#!{python} -IS
# dunst "dmenu": save the menu, print the first line whose label contains the wanted text.
import os, re, sys
here = {here!r}
lines = sys.stdin.read().splitlines()
with open(os.path.join(here, "menu.tmp"), "w") as f:
    f.write("\\n".join(lines))
try:
    want = open(os.path.join(here, "want")).read()
except OSError:
    want = ""
summary = ""
if os.path.exists(os.path.join(here, "want-summary")):
    summary = open(os.path.join(here, "want-summary")).read()
chosen = ""
for line in lines:
    m = re.match(r"^#(.*?) \\((.*)\\) \\[", line)
    if m and want and want in m.group(1) and (not summary or summary == m.group(2)):
        chosen = line
        break
if chosen:
    print(chosen)
sys.stdout.flush()
with open(os.path.join(here, "chosen.tmp"), "w") as f:
    f.write(chosen)
os.replace(os.path.join(here, "menu.tmp"), os.path.join(here, "menu.txt"))
os.replace(os.path.join(here, "chosen.tmp"), os.path.join(here, "chosen.txt"))
"""

_DUNSTRC = """\
[global]
    monitor = 0
    follow = none
    width = 360
    height = 300
    origin = top-right
    offset = 10x50
    notification_limit = 0
    font = Monospace 9
    markup = full
    format = "<b>%s</b>\\n%b"
    stack_duplicates = false
    hide_duplicate_count = false
    show_indicators = yes
    idle_threshold = 0
    history_length = 200
    sticky_history = yes
    always_run_script = false
    dmenu = {dmenu}
    mouse_left_click = close_current
    mouse_middle_click = do_action, close_current
    mouse_right_click = close_all

[urgency_low]
    timeout = 0

[urgency_normal]
    timeout = 0

[urgency_critical]
    timeout = 0
"""

_BUS_CONF = """\
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:path={socket}</listen>
  <servicedir>{servicedir}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def _die_with_parent() -> None:
    """preexec_fn: SIGTERM this child when the starting thread dies (Linux)."""
    with contextlib.suppress(Exception):  # best effort
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _need(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        pkg = PACKAGES.get(binary, "?")
        raise RuntimeError(f"desktop rig: `{binary}` not found on PATH "
                           f"(install the Debian package `{pkg}`)")
    return path


def _tail(path: Path, n: int = 1500) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


class DesktopRig:
    """Start/stop a real headless desktop; query and drive dunst from tests."""

    def __init__(self, width: int = 1280, height: int = 800, ready_timeout: float = 10.0):
        self.width, self.height = width, height
        self.ready_timeout = ready_timeout
        self.tmp: Path | None = None
        self.display: str | None = None
        self.bus_address: str | None = None
        self.runtime_dir: Path | None = None
        self._xvfb: subprocess.Popen | None = None
        self._bus: subprocess.Popen | None = None
        self._system_bus: subprocess.Popen | None = None
        self.system_bus_address: str | None = None
        self._dunst: subprocess.Popen | None = None
        self._trayer: subprocess.Popen | None = None
        self._extra: list[subprocess.Popen] = []
        self._logs: list[Any] = []

    # ---- lifecycle -------------------------------------------------------------------

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, tray: bool = True, dunst: bool = True) -> DesktopRig:
        """Xvfb, then the bus, then dunst, then (optionally) trayer; each waited for.
        `dunst=False`: no notification server (another desktop brings its own)."""
        if self.tmp is not None:
            raise RuntimeError("desktop rig already started")
        for b in ("Xvfb", "dbus-daemon", "dbus-send") + (("dunst", "dunstctl") if dunst else ()):
            _need(b)
        self.tmp = Path(tempfile.mkdtemp(prefix="movebreak-rig-"))
        try:
            self.runtime_dir = self.tmp / "run"
            self.runtime_dir.mkdir(mode=0o700)
            os.chmod(self.runtime_dir, 0o700)
            self._start_xvfb()
            self._start_bus()
            self._write_dunst_config()
            if dunst:
                self.start_dunst()
            if tray:
                self.start_tray()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop everything started (tray, dunst, bus, Xvfb) and delete the temp dir."""
        for proc in reversed(self._extra):
            self._terminate(proc)
        self._extra.clear()
        for attr in ("_trayer", "_dunst", "_system_bus", "_bus", "_xvfb"):
            proc = getattr(self, attr)
            setattr(self, attr, None)
            if proc is not None:
                self._terminate(proc)
        for f in self._logs:
            f.close()
        self._logs.clear()
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp = self.display = self.bus_address = self.runtime_dir = None
        self.system_bus_address = None

    @staticmethod
    def _terminate(proc: subprocess.Popen, timeout: float = 3.0) -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        if proc.stdout is not None:
            proc.stdout.close()

    def spawn(self, name: str, argv: list[str], **kw: Any) -> subprocess.Popen:
        """Start a program of this desktop (its output in `<name>.log`); `stop()` ends it."""
        proc = self._spawn(name, argv, env=kw.pop("env", self.env), **kw)
        self._extra.append(proc)
        return proc

    def log(self, name: str) -> str:
        assert self.tmp is not None
        return _tail(self.tmp / f"{name}.log", 3000)

    def bus_names(self) -> list[str]:
        out = self._dbus_send("org.freedesktop.DBus", "/org/freedesktop/DBus",
                              "org.freedesktop.DBus.ListNames") or ""
        return re.findall(r"\b[\w.:-]+\b", out)

    def _spawn(self, name: str, argv: list[str], **kw: Any) -> subprocess.Popen:
        assert self.tmp is not None
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 - closed in stop()
        self._logs.append(log)
        kw.setdefault("stdout", log)
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stderr=log,
                                preexec_fn=_die_with_parent, **kw)  # noqa: PLW1509

    def _start_xvfb(self) -> None:
        assert self.tmp is not None
        rfd, wfd = os.pipe()
        try:
            self._xvfb = self._spawn(
                "xvfb",
                [_need("Xvfb"), "-displayfd", str(wfd), "-nolisten", "tcp", "-noreset",
                 "-screen", "0", f"{self.width}x{self.height}x24"],
                pass_fds=(wfd,))
            os.close(wfd)
            wfd = -1
            data = b""
            deadline = time.monotonic() + self.ready_timeout
            while not data.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0 or self._xvfb.poll() is not None:
                    raise RuntimeError("desktop rig: Xvfb did not report a display: "
                                       + _tail(self.tmp / "xvfb.log"))
                if select.select([rfd], [], [], left)[0]:
                    chunk = os.read(rfd, 64)
                    if not chunk:
                        raise RuntimeError("desktop rig: Xvfb exited: "
                                           + _tail(self.tmp / "xvfb.log"))
                    data += chunk
        finally:
            os.close(rfd)
            if wfd >= 0:
                os.close(wfd)
        self.display = ":" + data.decode().strip()
        if shutil.which("xdpyinfo"):  # the display answers a real client
            self.wait_for(lambda: subprocess.run(
                ["xdpyinfo", "-display", self.display], capture_output=True, check=False).returncode == 0,
                self.ready_timeout, f"Xvfb {self.display} answering xdpyinfo")

    def _start_bus(self) -> None:
        self._bus, self.bus_address = self._bus_daemon("dbus", "bus")
        self.wait_for(lambda: self._dbus_send("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                              "org.freedesktop.DBus.GetId") is not None,
                      self.ready_timeout, "the private bus to answer")

    def start_system_bus(self) -> str:
        """A second private bus standing in for the system bus (started once); its address."""
        if self._system_bus is None or self._system_bus.poll() is not None:
            self._system_bus, self.system_bus_address = self._bus_daemon("system-dbus",
                                                                        "system-bus")
        assert self.system_bus_address is not None
        return self.system_bus_address

    def _bus_daemon(self, name: str, socket: str) -> tuple[subprocess.Popen, str]:
        """A dbus-daemon (log `name`.log) listening on `socket` in the rig's folder, with its
        own config (no service files: no bus activation)."""
        assert self.tmp is not None
        sock = self.tmp / socket
        services = self.tmp / "dbus-services"  # empty: no bus activation
        services.mkdir(exist_ok=True)
        conf = self.tmp / f"{name}.conf"
        conf.write_text(_BUS_CONF.format(socket=sock, servicedir=services))
        proc = self._spawn(
            name,
            [_need("dbus-daemon"), f"--config-file={conf}", "--nofork", "--nopidfile",
             "--print-address=1"],
            stdout=subprocess.PIPE)
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        if not select.select([fd], [], [], self.ready_timeout)[0]:
            raise RuntimeError("desktop rig: dbus-daemon printed no address: "
                               + _tail(self.tmp / f"{name}.log"))
        line = proc.stdout.readline().decode().strip()
        if not line.startswith("unix:"):
            raise RuntimeError(f"desktop rig: dbus-daemon said {line!r}: "
                               + _tail(self.tmp / f"{name}.log"))
        return proc, line

    def _write_dunst_config(self) -> None:
        assert self.tmp is not None
        if " " in str(self.tmp):
            raise RuntimeError(f"desktop rig: temp dir {self.tmp} contains a space; "
                               "dunst's dmenu setting cannot hold it")
        script = self.tmp / "pick-action"
        script.write_text(_PICK_SCRIPT.format(python=sys.executable, here=str(self.tmp)))
        script.chmod(0o755)
        (self.tmp / "dunstrc").write_text(_DUNSTRC.format(dmenu=script))

    # ---- environment -----------------------------------------------------------------

    @property
    def env_overrides(self) -> dict[str, str]:
        """The variables that point a process at this desktop."""
        if self.display is None or self.bus_address is None:
            raise RuntimeError("desktop rig not started")
        return {
            "DISPLAY": self.display,
            "DBUS_SESSION_BUS_ADDRESS": self.bus_address,
            "NO_AT_BRIDGE": "1",
            "XDG_RUNTIME_DIR": str(self.runtime_dir),
            "XDG_DATA_HOME": str(self.tmp / "xdg-data"),  # menu entries stay in the rig
        }

    @property
    def env(self) -> dict[str, str]:
        """A full environment for subprocesses (os.environ + overrides, no Wayland)."""
        env = {k: v for k, v in os.environ.items() if k != "WAYLAND_DISPLAY"}
        env.update(self.env_overrides)
        return env

    def run(self, argv: list[str], timeout: float = 10.0,
            check: bool = True) -> subprocess.CompletedProcess:
        """Run a command on this desktop, capturing text output."""
        if argv[0] in PACKAGES:
            _need(argv[0])
        res = subprocess.run(argv, env=self.env, capture_output=True, text=True,
                             timeout=timeout, check=False)
        if check and res.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({res.returncode}): "
                               f"{res.stderr.strip() or res.stdout.strip()}")
        return res

    def _dbus_send(self, dest: str, path: str, method: str, *args: str) -> str | None:
        if self.bus_address is None:
            return None
        res = subprocess.run(
            ["dbus-send", "--session", "--print-reply=literal", "--reply-timeout=2000",
             f"--dest={dest}", path, method, *args],
            env=self.env, capture_output=True, text=True, timeout=5, check=False)
        return res.stdout if res.returncode == 0 else None

    # ---- waiting ---------------------------------------------------------------------

    @staticmethod
    def wait_for(predicate: Callable[[], Any], timeout: float = 5.0,
                 what: str | None = None, interval: float = 0.05) -> Any:
        """Poll until predicate() is truthy and return its value; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        last_exc: BaseException | None = None
        while True:
            try:
                value = predicate()
                if value:
                    return value
            except Exception as exc:  # noqa: BLE001 - keep polling; report the last one
                last_exc = exc
            if time.monotonic() >= deadline:
                desc = what or getattr(predicate, "__name__", "condition")
                extra = f" (last error: {last_exc!r})" if last_exc else ""
                raise TimeoutError(f"timed out after {timeout:g} s waiting for {desc}{extra}")
            time.sleep(interval)

    # ---- dunst -----------------------------------------------------------------------

    def notification_server(self) -> str | None:
        """GetServerInformation's first field (e.g. 'dunst'), or None when no server."""
        out = self._dbus_send("org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                              "org.freedesktop.Notifications.GetServerInformation")
        return out.split()[0] if out else None

    def start_dunst(self) -> None:
        """Start dunst on this display and bus; wait until it owns the name and answers."""
        assert self.tmp is not None
        if self._dunst is not None and self._dunst.poll() is None:
            raise RuntimeError("dunst is already running")
        env = dict(self.env, XDG_CONFIG_HOME=str(self.tmp / "config"))  # no user drop-ins
        self._dunst = self._spawn("dunst", [_need("dunst"), "-config", str(self.tmp / "dunstrc")],
                                  env=env)

        def ready() -> bool:
            if self._dunst is None or self._dunst.poll() is not None:
                raise RuntimeError("dunst exited: " + _tail(self.tmp / "dunst.log"))
            return self.notification_server() == "dunst"

        try:
            self.wait_for(ready, self.ready_timeout, "dunst to own org.freedesktop.Notifications")
        except (TimeoutError, RuntimeError) as exc:
            raise RuntimeError(f"desktop rig: {exc}; dunst log: "
                               + _tail(self.tmp / "dunst.log")) from exc

    def kill_dunst(self) -> None:
        """SIGKILL dunst (a crash, not a clean exit) and wait until its bus name is gone."""
        proc, self._dunst = self._dunst, None
        if proc is None:
            return
        proc.kill()
        proc.wait(5)
        self.wait_for(lambda: self.notification_server() is None, self.ready_timeout,
                      "org.freedesktop.Notifications to disappear")

    def dunst_running(self) -> bool:
        return self._dunst is not None and self._dunst.poll() is None

    def dunstctl(self, *args: str) -> str:
        _need("dunstctl")
        return self.run(["dunstctl", *args]).stdout

    def displayed_count(self) -> int:
        """Notifications dunst shows right now."""
        return int(self.dunstctl("count", "displayed").strip())

    def history(self) -> list[dict[str, Any]]:
        """Closed notifications, newest first, as plain dicts ({'summary': 'x', ...})."""
        _need("busctl")
        data = json.loads(self.dunstctl("history"))
        return [{k: v.get("data") for k, v in n.items()} for n in data["data"][0]]

    def close_all(self) -> None:
        """Close every displayed notification (they move to the history)."""
        self.dunstctl("close-all")
        self.wait_for(lambda: self.displayed_count() == 0, 5, "dunst to close all")

    def _context(self, want: str, summary: str | None, timeout: float) -> tuple[list[str], str]:
        assert self.tmp is not None
        for name in ("menu.txt", "chosen.txt"):
            (self.tmp / name).unlink(missing_ok=True)
        (self.tmp / "want").write_text(want)
        want_summary = self.tmp / "want-summary"
        if summary is None:
            want_summary.unlink(missing_ok=True)
        else:
            want_summary.write_text(summary)
        if self.displayed_count() == 0:
            raise AssertionError("dunst shows no notification, so it has no context menu")
        # dunst refuses a new menu until it has handled the previous dmenu's output (in
        # its main loop, after the script exited), so ask again until the script runs.
        # The menu cannot run twice: the script writes chosen.txt before it exits, and we
        # only ask again while that file is missing, i.e. while dunst still refuses.
        chosen_file = self.tmp / "chosen.txt"
        deadline = time.monotonic() + timeout
        while not chosen_file.exists():
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"dunst did not run its dmenu script within {timeout:g} s (it opens "
                    "no menu when no displayed notification has actions); dunst log: "
                    + _tail(self.tmp / "dunst.log", 600))
            self.dunstctl("context")
            try:
                self.wait_for(chosen_file.exists, 0.5, "the dmenu script")
            except TimeoutError:
                pass
        menu = (self.tmp / "menu.txt").read_text().splitlines()
        return menu, chosen_file.read_text()

    def context_menu(self, timeout: float = 5.0) -> list[dict[str, str]]:
        """The actions dunst offers for displayed notifications, without pressing any.

        Each entry: {'label', 'summary', 'id', 'key', 'line'}.
        """
        menu, _ = self._context("", None, timeout)
        return [dict(m.groupdict(), line=line) for line in menu if (m := _MENU_RE.match(line))]

    def press_action(self, label_substring: str, summary: str | None = None,
                     timeout: float = 5.0) -> dict[str, str]:
        """Press the first notification button whose label contains `label_substring`
        (optionally only on notifications titled `summary`); returns the menu entry."""
        if not label_substring:
            raise ValueError("label_substring must not be empty")
        menu, chosen = self._context(label_substring, summary, timeout)
        m = _MENU_RE.match(chosen)
        if not m:
            raise AssertionError(f"no action labelled like {label_substring!r}"
                                 f"{f' on {summary!r}' if summary else ''} in dunst's menu: {menu}")
        return dict(m.groupdict(), line=chosen)

    def click_popup(self, button: int, timeout: float = 2.0) -> list[str] | None:
        """Click the body of the first dunst popup with a real mouse button (xdotool).

        If dunst answers the click with its context menu, the dmenu script records the menu
        and picks nothing; its lines are returned. None: no menu opened within `timeout`.
        """
        assert self.tmp is not None
        for name in ("menu.txt", "chosen.txt", "want-summary"):
            (self.tmp / name).unlink(missing_ok=True)
        (self.tmp / "want").write_text("")
        windows = self.run(["xdotool", "search", "--onlyvisible", "--class", "Dunst"],
                           check=False).stdout.split()
        if not windows:
            raise AssertionError("no dunst popup on screen to click")
        geometry = self.run(["xdotool", "getwindowgeometry", "--shell", windows[0]]).stdout
        g = dict(line.split("=", 1) for line in geometry.split())
        x = int(g["X"]) + int(g["WIDTH"]) // 2
        y = int(g["Y"]) + min(12, int(g["HEIGHT"]) // 2)  # inside the first popup
        self.run(["xdotool", "mousemove", str(x), str(y), "click", str(button)])
        try:
            self.wait_for((self.tmp / "chosen.txt").exists, timeout, "dunst's context menu")
        except TimeoutError:
            return None
        return (self.tmp / "menu.txt").read_text().splitlines()

    # ---- tray and screen -------------------------------------------------------------

    def tray_owner(self) -> int:
        """X window id owning _NET_SYSTEM_TRAY_S0 (0 = no tray)."""
        try:
            from Xlib import X
            from Xlib import display as xdisplay
        except ImportError as exc:
            raise RuntimeError("desktop rig: python-xlib is needed to check the tray "
                               "(pip install python-xlib)") from exc
        d = xdisplay.Display(self.display)
        try:
            owner = d.get_selection_owner(d.intern_atom("_NET_SYSTEM_TRAY_S0"))
            return 0 if owner == X.NONE else int(getattr(owner, "id", owner))
        finally:
            d.close()

    def start_tray(self) -> None:
        """Start trayer as the XEmbed tray host; wait until it owns the tray selection."""
        assert self.tmp is not None
        if self._trayer is not None and self._trayer.poll() is None:
            return
        self._trayer = self._spawn(
            "trayer",
            [_need("trayer"), "--edge", "top", "--align", "left", "--widthtype", "pixel",
             "--width", "200", "--height", "32", "--SetDockType", "true"],
            env=self.env)

        def ready() -> int:
            if self._trayer is None or self._trayer.poll() is not None:
                raise RuntimeError("trayer exited: " + _tail(self.tmp / "trayer.log"))
            return self.tray_owner()

        try:
            self.wait_for(ready, self.ready_timeout, "trayer to own _NET_SYSTEM_TRAY_S0")
        except (TimeoutError, RuntimeError) as exc:
            raise RuntimeError(f"desktop rig: {exc}; trayer log: "
                               + _tail(self.tmp / "trayer.log")) from exc

    def stop_tray(self) -> None:
        """Kill trayer as a crash would (SIGKILL); `start_tray()` brings a new one."""
        if self._trayer is not None and self._trayer.poll() is None:
            self._trayer.kill()
            self._trayer.wait(5)

    def tray_running(self) -> bool:
        return self._trayer is not None and self._trayer.poll() is None

    def screenshot(self, path: str | os.PathLike) -> Path:
        """Save the whole screen as an image (format from the file name)."""
        _need("import")
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        self.run(["import", "-display", self.display or "", "-window", "root", str(out)],
                 timeout=20)
        return out
