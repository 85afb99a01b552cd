"""`scripts/bench.py --quick` end to end on the real rig: it runs, measures, and its JSON holds
plausible numbers (so `make bench` cannot silently rot). Short phases (1 s warm-up, a 3 s idle
window, one lateness reminder, 2,000 history events): about 15 s."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.desktop
def test_quick_bench_measures_every_figure(tmp_path):
    out = tmp_path / "bench.json"
    res = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"), "--quick", "--skip-anchors",
         "--json", "--out", str(out), "--warmup", "1", "--window", "3", "--reminders", "1",
         "--history-events", "2000"],
        capture_output=True, text=True, timeout=150, cwd=ROOT, check=False)
    assert res.returncode in (0, 1), f"bench could not run:\n{res.stderr[-3000:]}"
    data = json.loads(res.stdout)
    assert json.loads(out.read_text()) == data
    assert data["mode"] == "quick" and data["window_s"] == 3 and data["runs"] == 1

    mb = data["apps"]["movebreak"]
    assert mb["measured"] is True and len(mb["runs"]) == 1
    assert 5 < mb["pss_mib"] < 500 and 1 < mb["anon_mib"] <= mb["pss_mib"] + 1
    assert mb["pss_mib_min"] <= mb["pss_mib"] and mb["anon_mib_min"] <= mb["anon_mib"]
    assert 0 <= mb["cpu_ms_per_min"] < 6000
    assert mb["wakeups_per_s"] >= 0 and mb["involuntary_per_s"] >= 0
    run = mb["runs"][0]
    assert run["voluntary_switches"] == sum(t["voluntary"]
                                            for t in run["switches_by_thread"].values())
    assert mb["threads"] >= 2 and mb["icon_in_tray"] is True
    assert 3 <= mb["window_s"] < 8

    for key in ("safeeyes", "workrave"):
        assert data["apps"][key]["measured"] is False
        assert data["apps"][key]["reason"] == "--skip-anchors"

    st = data["startup"]
    assert st["icon_in_tray"] is True and len(st["runs"]) == 3
    assert all(0 < r["icon_s"] < 20 for r in st["runs"])
    assert st["runs"][0]["first_run"] and not st["runs"][1]["first_run"]

    late = data["lateness"]
    assert "error" not in late, late.get("error")
    assert late["count"] == late["wanted"] == 1 and len(late["reminders"]) == 1
    assert [r["due_s"] for r in late["reminders"]] == pytest.approx([10], abs=0.01)
    assert 0 <= late["min_s"] <= late["median_s"] <= late["max_s"] < 1.0  # the SPEC bar
    assert abs(late["drift_s"]) <= 1.0

    hist = data["history"]
    assert "error" not in hist, hist.get("error")
    assert hist["events"] == 2_000 and hist["file_mb"] > 0
    for key in ("days30", "json30", "json_all"):
        assert 0 < hist[key]["wall_s"] < 30 and 5 < hist[key]["peak_rss_mb"] < 500
    assert 0 <= hist["counts"]["median_ms"] <= hist["counts"]["max_ms"] < 1000
    assert hist["counts"]["today_events"] > 0
    assert 0 < hist["window"]["median_s"] < 20

    ipc = data["ipc"]
    assert ipc["measured"] is True and ipc["ok"] is True
    for key in ("without_hostile", "with_hostile"):
        assert ipc[key]["answered"] == ipc[key]["requests"] == 200
        assert 0 < ipc[key]["p50_ms"] <= ipc[key]["p99_ms"] < 2000
    assert ipc["with_hostile"]["hostile_connected_throughout"] is True

    mem = data["memory"]
    assert "error" not in mem, mem.get("error")
    assert 3 < mem["steps"][0]["mib"] < 20  # the interpreter alone
    assert mem["total_mib"] == pytest.approx(sum(s["mib"] for s in mem["steps"]), abs=0.1)
    assert len(mem["candidates"]) == 5

    results = {b["bar"].split(":")[0]: b["result"] for b in data["bars"]}
    assert results["PSS under 0.75 x Safe Eyes (same run)"] == "NOT MEASURED"
    assert results["reminders within 1 s of due"] == "PASS"
    assert results["History window opens under 1 s"] in ("PASS", "FAIL")
    assert set(results.values()) <= {"PASS", "FAIL", "NOT MEASURED"}
    assert len(results) == 12
