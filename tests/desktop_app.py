"""`movebreak run` as a subprocess on a test desktop (GNOME, Xfce), in its own folders, with
the safety notice already acknowledged (no first-run window), driven through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from desktop_rig import DesktopRig

from movebreak.adapters import storage

ROOT = Path(__file__).resolve().parent.parent


class DesktopApp:
    def __init__(self, env: dict[str, str], tmp: Path, config: str, **extra_env: str) -> None:
        for sub in ("cfg", "data", "run"):
            (tmp / sub).mkdir()
        (tmp / "cfg" / "config.toml").write_text(config)
        storage.acknowledge_safety(tmp / "cfg" / "config.toml")  # no first-run Safety window
        self.env = dict(env, MOVEBREAK_CONFIG_DIR=str(tmp / "cfg"),
                        MOVEBREAK_DATA_DIR=str(tmp / "data"), MOVEBREAK_RUNTIME_DIR=str(tmp / "run"),
                        PYTHONUNBUFFERED="1", **extra_env)
        self.env.pop("PYSTRAY_BACKEND", None)  # the app's own choice of tray backend
        self.log = tmp / "app.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "movebreak", "run"], cwd=ROOT,
                                         env=self.env, stdout=out, stderr=subprocess.STDOUT)

    def cli(self, *args: str) -> str:
        res = subprocess.run([sys.executable, "-m", "movebreak", *args], cwd=ROOT, env=self.env,
                             capture_output=True, text=True, timeout=15, check=False)
        assert res.returncode == 0, f"{args}: {res.stderr}\n{self.log.read_text()}"
        return res.stdout

    def status(self) -> dict:
        return json.loads(self.cli("status", "--json"))

    def wait_status(self, pred, what: str, timeout: float = 5.0) -> dict:
        return DesktopRig.wait_for(lambda: (st := self.status()) and pred(st) and st, timeout,
                                   what)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
