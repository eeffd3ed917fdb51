"""End to end: ``python -m sim`` writes every promised output in the run folder."""
import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
SUMMARY_KEYS = {"calls_total", "calls_served", "response_time_mean_min", "response_time_p50_min",
                "response_time_p90_min", "emergency_share_within_3min", "share_within_10min",
                "wait_mean_min", "p_wait", "crimes_total", "crimes_reported", "utilization_officer",
                "utilization_auxiliary", "utilization_volunteer", "sim_days", "wall_seconds"}
CALL_COLUMNS = {"call_id", "type", "priority", "t_arrival_min", "t_dispatch_min", "t_on_scene_min",
                "t_clear_min", "unit_id", "unit_role", "x_m", "y_m", "outcome"}


def test_run_writes_summary_tables_manifest_and_figures(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "sim", f"hydra.run.dir={out}", "sim.days=3",
                           "policy=random_patrol", "seed=3"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "response mean (min)" in proc.stdout  # the console table
    summary = json.loads((out / "summary.json").read_text())
    assert SUMMARY_KEYS <= set(summary)
    assert all(v is None or isinstance(v, (int, float)) for v in summary.values())  # flat numbers
    assert summary["sim_days"] == 3.0
    calls = pq.read_table(out / "calls.parquet")
    assert CALL_COLUMNS <= set(calls.column_names)
    assert len(calls) == summary["calls_total"]
    incidents = pq.read_table(out / "incidents.parquet")
    assert len(incidents) == summary["crimes_total"]
    assert sum(incidents["reported"].to_pylist()) == summary["crimes_reported"]
    ts = pq.read_table(out / "timeseries.parquet")
    assert len(ts) == 3 * 24 and ts["t_min"].to_pylist()[-1] == 3 * 1440.0  # hourly
    assert sum(ts["calls_arrived"].to_pylist()) == summary["calls_total"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["root_seed"] == 3 and len(manifest["config_hash"]) == 64
    assert {"mesa", "simpy", "hydra-core", "pyarrow"} <= set(manifest["packages"])
    assert manifest["git_commit"] and manifest["wall_seconds"] > 0
    assert "policy=random_patrol" in manifest["overrides"]
    for png in ("response_times.png", "incident_map.png"):
        data = (out / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
