"""Contract with pystray's internals. The tray adapter uses a few private parts of pystray
0.19.5 (listed in adapters/tray.py's docstring); the version is pinned in setup.cfg and this
test fails loudly when an upgrade moves any of them. It reads pystray's source instead of
importing its GTK backends (which need a display)."""

from __future__ import annotations

import configparser
import importlib.metadata
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def source(module: str) -> str:
    spec = importlib.util.find_spec("pystray")
    assert spec is not None and spec.submodule_search_locations
    return (Path(list(spec.submodule_search_locations)[0]) / module).read_text()


def test_pystray_is_pinned_to_the_version_the_adapter_was_written_for():
    assert importlib.metadata.version("pystray") == "0.19.5"
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    assert "pystray==0.19.5" in cfg["options"]["install_requires"]


def test_the_private_parts_the_tray_uses_are_there():
    base, util = source("_base.py"), source("_util/gtk.py")
    gtk, appind = source("_gtk.py"), source("_appindicator.py")
    assert "def _mark_ready(self):" in base and "self._setup_thread = " in base
    assert "def run_detached(self, setup=None):" in base
    assert "def _create_menu(self, descriptors):" in util
    assert "def _finalize(self):" in util and "atexit.register(lambda: self._finalize())" in util
    assert "self._status_icon = Gtk.StatusIcon.new()" in gtk
    assert "self._appindicator = AppIndicator.Indicator.new(" in appind
    assert "del self._appindicator" in appind and "self._menu_handle" in appind
    assert "signal.signal(signal.SIGINT, signal.SIG_DFL)" in util  # harmless: see signals.py
