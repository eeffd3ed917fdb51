"""Run one scenario and write its outputs: the pipeline behind ``python -m sim``.

Outputs land in ``out_dir``; ``summary.json`` is written last and atomically,
so a directory without it is an unfinished or failed run, never a valid one.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import time
from importlib import metadata
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from omegaconf import OmegaConf

from sim.config import Config
from sim.model import CommunityPolicingModel
from sim.plots import incident_map_figure, response_time_figure
from sim.records import calls_table, incidents_table, summarize, timeseries_table, units_table

PACKAGES = ("mesa", "simpy", "numpy", "scipy", "pyarrow", "hydra-core", "omegaconf", "matplotlib")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def config_hash(cfg: Config) -> str:
    return hashlib.sha256(OmegaConf.to_yaml(OmegaConf.structured(cfg)).encode()).hexdigest()


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"],
                             capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "-C", str(PROJECT_ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return out.stdout.strip() + ("-dirty" if dirty else "") if out.returncode == 0 else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")
    os.replace(tmp, path)


def simulate(cfg: Config, progress: bool = False) -> CommunityPolicingModel:
    """Build and run the model (no files)."""
    model = CommunityPolicingModel(cfg)
    if progress:
        from tqdm import tqdm

        with tqdm(total=round(cfg.sim.days, 2), unit="day", desc="simulating", leave=False) as bar:
            model.run(progress=lambda day: bar.update(round(day, 2) - bar.n))
    else:
        model.run()
    return model


def results(model: CommunityPolicingModel) -> tuple[dict, dict[str, pa.Table]]:
    cfg = model.cfg
    tables = {
        "calls": calls_table(model.calls, model.fleet),
        "incidents": incidents_table(model.incidents),
        "timeseries": timeseries_table(model.recorder.rows),
    }
    busy, staffed = model.fleet.totals(model.env.now)
    if model.recorder.warmup_totals is not None:
        busy = busy - model.recorder.warmup_totals[0]
        staffed = staffed - model.recorder.warmup_totals[1]
    deterred = sum(t >= model.warmup_min for _, t, _ in model.crime.deterred) if model.crime else 0
    tables["units"] = units_table(model.fleet, busy, staffed, tables["calls"])
    summary = summarize(tables["calls"], tables["incidents"], busy, staffed, model.fleet.role_name,
                        cfg.sim.days, cfg.sim.warmup_days, deterred, model.dispatcher.mean_sizes())
    summary["residents"] = int(model.district.residents.sum())
    summary["offices"] = len(model.district.offices)
    summary["seed"] = cfg.seed
    return summary, tables


def run_scenario(cfg: Config, out_dir: str | Path, overrides: list[str] | None = None) -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").unlink(missing_ok=True)
    started = time.perf_counter()
    model = simulate(cfg, progress=cfg.sim.progress and cfg.sim.days >= 7)
    summary, tables = results(model)
    for name, table in tables.items():
        pq.write_table(table, out / f"{name}.parquet")
    if cfg.sim.plots:
        response_time_figure(tables["calls"], str(out / "response_times.png"))
        incident_map_figure(model.district, tables["incidents"], str(out / "incident_map.png"))
    wall = time.perf_counter() - started
    summary["wall_seconds"] = round(wall, 3)
    manifest = {
        "config_hash": config_hash(cfg),
        "root_seed": cfg.seed,
        "overrides": list(overrides or []),
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "packages": {p: metadata.version(p) for p in PACKAGES},
        "wall_seconds": round(wall, 3),
        "config": OmegaConf.to_container(OmegaConf.structured(cfg)),
    }
    _write_json_atomic(out / "manifest.json", manifest)
    _write_json_atomic(out / "summary.json", summary)
    return summary
