"""Run one scenario and write its outputs: the pipeline behind ``python -m sim``.

Outputs land in ``out_dir``, each file written under a temporary name and
renamed into place; the ``DONE`` marker (config hash, root seed) is written
last, so a directory without it is an unfinished or failed run, never a valid
one, and a sweep can skip exactly the jobs that finished (``sim.sweep``).
"""
from __future__ import annotations

import dataclasses
import os
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.config import Config
from sim.crime_metrics import areas, displacement_summary, koper_summary
from sim.kpi import cost_summary, kpi_summary, workload_summary
from sim.model import CommunityPolicingModel
from sim.outdir import PROGRAM, open_new
from sim.provenance import (DONE, config_hash, git_commit, package_versions, prepare_dir,  # noqa: F401
                            tmp_name, write_json_atomic)
from sim.records import summarize, units_table
from sim.window import window_summary
from sim.workforce import relief_factor

def simulate(cfg: Config, progress: bool = False) -> CommunityPolicingModel:
    """Build and run the model (no files)."""
    model = CommunityPolicingModel(cfg)
    run_model(model, progress)
    return model


def run_model(model: CommunityPolicingModel, progress: bool = False) -> None:
    cfg = model.cfg
    if progress:
        from tqdm import tqdm

        with tqdm(total=round(cfg.sim.days, 2), unit="day", desc="simulating", leave=False) as bar:
            model.run(progress=lambda day: bar.update(round(day, 2) - bar.n))
    else:
        model.run()


def record_logs(model: CommunityPolicingModel) -> dict:
    return {"calls": model.calls, "incidents": model.incidents, "timeseries": model.recorder.rows}


def results(model: CommunityPolicingModel) -> tuple[dict, dict[str, pa.Table]]:
    cfg = model.cfg
    if model.calls.streaming:  # a long run's calls: read back column by column (sim.records.Columns)
        tables = {"calls": model.calls.columns(), "incidents": model.incidents.table()}
    else:
        tables = {name: log.table() for name, log in record_logs(model).items()}
    busy, staffed = model.fleet.totals(model.env.now)
    if model.recorder.warmup_totals is not None:
        busy = busy - model.recorder.warmup_totals[0]
        staffed = staffed - model.recorder.warmup_totals[1]
    deterred = model.crime.deterred_after_warmup if model.crime else 0
    tables["units"] = units_table(model.fleet, busy, staffed, tables["calls"])
    summary = summarize(tables["calls"], tables["incidents"], busy, staffed, model.fleet.role_name,
                        cfg.sim.days, cfg.sim.warmup_days, deterred, model.dispatcher.mean_sizes())
    summary.update(crime_summary(model, tables["incidents"]))
    summary.update(community_summary(model, tables, busy))
    summary["residents"] = int(model.district.residents.sum())
    summary["offices"] = len(model.district.offices)
    summary["seed"] = cfg.seed
    summary["replicate"] = cfg.replicate
    summary["root_seed"] = cfg.root_seed
    return summary, tables


def crime_summary(model: CommunityPolicingModel, incidents: pa.Table) -> dict:
    """Arrests, displaced attempts, the Koper measure and the displacement areas."""
    cfg = model.cfg
    kinds = incidents["type"].to_pylist()
    inc = {"t_min": incidents["t_min"].to_numpy(), "x_m": incidents["x_m"].to_numpy(),
           "y_m": incidents["y_m"].to_numpy(),
           "contact": np.array([model.call_cfg[k].contact for k in kinds], dtype=bool)}
    out = {"arrests": int(model.arrests),
           "crimes_displaced": int(sum(o.displaced for o in model.offenders))}
    masks = areas(model.district, model.call_types, cfg.displacement.treated_cells,
                  cfg.displacement.buffer_m, cfg.displacement.control_gap_m, cfg.crime.concentration_exponent)
    out.update(displacement_summary(inc, model.district, masks, model.policy_start_min, model.warmup_min))
    stops = model.crime.patrol_stops if model.crime is not None else []
    stops = [s for s in stops if s[3] >= model.warmup_min]
    out.update(koper_summary(stops, inc, cfg.crime.guardian_radius_m, model.horizon_min))
    after_warmup = inc["t_min"] >= model.warmup_min
    out["crimes_street"] = int(np.sum(inc["contact"] & after_warmup))  # what patrols can deter
    return out


def community_summary(model: CommunityPolicingModel, tables: dict, busy: np.ndarray) -> dict:
    """Trust, disputes, the window, staff over time, workload, cost and the KPI."""
    cfg, warm = model.cfg, model.warmup_min
    out: dict = {}
    if model.community is not None:
        out.update(model.community.summary(warm))
        out.update(model.disputes.summary(warm))
    rep = tables["incidents"]
    after = rep["t_min"].to_numpy() >= warm
    out["reporting_rate"] = (float(rep["reported"].to_numpy(zero_copy_only=False)[after].mean())
                             if after.any() else None)
    records = [w.records() for w in model.windows]
    if records:
        merged = {k: np.concatenate([r[k] for r in records]) for k in records[0]}
        out.update(window_summary(merged, warm))
    roles = np.asarray(model.fleet.role_name)[:model.n_rostered]  # an exercise's reserves are not staff
    clerks = cfg.window.clerks_per_office * len(model.district.offices) if cfg.window.enabled else 0
    headcount = {r: int((roles == r).sum()) for r in ("officer", "auxiliary", "volunteer", "grid_worker")}
    headcount["auxiliary"] += clerks
    out["window_clerks"] = clerks
    for role in ("officer", "auxiliary"):
        sel = roles == role
        out[f"relief_factor_{role}"] = relief_factor(int(sel.sum()), float(model.duty_min[:model.n_rostered][sel].sum()),
                                                     model.horizon_min)
    out["staff_departures"] = model.workforce.departures(warm)
    posts = len(model.workforce.careers)
    out["vacancy_share"] = (sum(model.workforce.vacant_minutes(p, model.horizon_min) for p in range(posts))
                            / (posts * model.horizon_min)) if posts else None
    out["efficiency_mean"] = (float(np.mean([model.workforce.efficiency(p, model.env.now) for p in range(posts)]))
                              if posts else None)
    out.update(workload_summary(tables["units"], busy))
    out.update(cost_summary(headcount, cfg, len(model.district.offices)))
    out.update(kpi_summary(out, tables["calls"], cfg, warm))
    return out


def run_scenario(cfg: Config, out_dir: str | Path, overrides: list[str] | None = None,
                 progress: bool = True) -> dict:
    if is_exercise(cfg):  # a tabletop exercise: injects, decisions, counterfactual (sim.exercise)
        from sim.exercise.run import run_exercise

        return run_exercise(cfg, out_dir, overrides, progress)
    out = prepare_dir(out_dir, cfg)
    started = time.perf_counter()
    model = CommunityPolicingModel(cfg)
    model.stream_records(out)  # flat memory however long the run (sim.logs)
    try:
        run_model(model, progress=progress and cfg.sim.progress and cfg.sim.days >= 7)
    except BaseException:
        for log in record_logs(model).values():
            log.abandon()
        raise
    model.release_inputs()
    return write_outputs(model, out, overrides, started)


def is_exercise(cfg: Config) -> bool:
    ex = cfg.exercise
    return ex.name is not None or bool(ex.injects or ex.actions or ex.replay)


def write_outputs(model: CommunityPolicingModel, out: Path, overrides: list[str] | None, started: float,
                  extra: dict | None = None, done: bool = True) -> dict:
    """Tables, figures, manifest and summary of a finished model (plus ``extra``
    summary keys); the DONE marker last, unless ``done`` is false (the caller
    has more to write)."""
    cfg = model.cfg
    summary, tables = results(model)
    summary.update(extra or {})
    units = tables["units"]
    del tables  # a long run's calls table is large: the figures read back only what they draw
    for name, log in record_logs(model).items():
        log.write(out / f"{name}.parquet")
    path = out / "units.parquet"
    with open_new(tmp_name(path), "wb") as f:
        pq.write_table(units, f)
    os.replace(tmp_name(path), path)
    if cfg.sim.plots:
        from sim.plots import incident_map_figure, response_time_figure  # matplotlib: 1 s to import

        for name, draw in (("response_times.png",
                            lambda p: response_time_figure(model.calls.table(["response_min", "priority"]), p)),
                           ("incident_map.png",
                            lambda p: incident_map_figure(model.district, model.incidents.table(), p))):
            with open_new(tmp_name(out / name), "wb") as f:
                draw(f)
            os.replace(tmp_name(out / name), out / name)
    wall = time.perf_counter() - started
    summary["wall_seconds"] = round(wall, 3)
    manifest = {
        "program": PROGRAM,
        "status": "finished",
        "config_hash": config_hash(cfg),
        "seed": cfg.seed,
        "replicate": cfg.replicate,
        "root_seed": cfg.root_seed,
        "overrides": list(overrides or []),
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "packages": package_versions(),
        "wall_seconds": round(wall, 3),
        "config": dataclasses.asdict(cfg),
    }
    write_json_atomic(out / "manifest.json", manifest)
    write_json_atomic(out / "summary.json", summary)
    if done:
        mark_done(out, cfg)
    return summary


def mark_done(out: Path, cfg: Config) -> None:
    write_json_atomic(out / DONE, {"config_hash": config_hash(cfg), "root_seed": cfg.root_seed,
                                    "finished_utc": datetime.now(timezone.utc).isoformat(timespec="seconds")})
