"""`scripts/bench.py --quick` end to end on the real rig: it runs, measures, and its JSON holds
plausible numbers (so `make bench` cannot silently rot). About 40 s."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.desktop
def test_quick_bench_measures_memory_cpu_startup_and_lateness(tmp_path):
    out = tmp_path / "bench.json"
    res = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"), "--quick", "--skip-anchors",
         "--json", "--out", str(out)],
        capture_output=True, text=True, timeout=150, cwd=ROOT, check=False)
    assert res.returncode in (0, 1), f"bench could not run:\n{res.stderr[-3000:]}"
    data = json.loads(res.stdout)
    assert json.loads(out.read_text()) == data
    assert data["mode"] == "quick" and data["window_s"] == 10

    mb = data["apps"]["movebreak"]
    assert mb["measured"] is True
    assert 5 < mb["pss_mib"] < 500 and 1 < mb["anon_mib"] <= mb["pss_mib"] + 1
    assert 0 <= mb["cpu_ms_per_min"] < 6000 and mb["wakeups_per_s"] >= 0
    assert mb["threads"] >= 2 and mb["icon_in_tray"] is True
    assert 8 <= mb["window_s"] < 15

    for key in ("safeeyes", "workrave"):
        assert data["apps"][key]["measured"] is False
        assert data["apps"][key]["reason"] == "--skip-anchors"

    st = data["startup"]
    assert st["icon_in_tray"] is True and len(st["runs"]) == 3
    assert all(0 < r["icon_s"] < 20 for r in st["runs"])
    assert st["runs"][0]["first_run"] and not st["runs"][1]["first_run"]

    late = data["lateness"]
    assert "error" not in late, late.get("error")
    assert late["count"] == late["wanted"] == 3 and len(late["reminders"]) == 3
    assert [r["due_s"] for r in late["reminders"]] == pytest.approx([10, 20, 30], abs=0.01)
    assert 0 <= late["min_s"] <= late["median_s"] <= late["max_s"] < 1.0  # the SPEC bar
    assert abs(late["drift_s"]) <= 1.0

    results = {b["bar"].split(":")[0]: b["result"] for b in data["bars"]}
    assert results["PSS below Safe Eyes and Workrave (same run)"] == "NOT MEASURED"
    assert results["reminders within 1 s of due"] == "PASS"
    assert set(results.values()) <= {"PASS", "FAIL", "NOT MEASURED"}
