"""Run one scenario and write its outputs: the pipeline behind ``python -m sim``.

Outputs land in ``out_dir``, each file written under a temporary name and
renamed into place; the ``DONE`` marker (config hash, root seed) is written
last, so a directory without it is an unfinished or failed run, never a valid
one, and a sweep can skip exactly the jobs that finished (``sim.study.sweep``).
"""
from __future__ import annotations

import dataclasses
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.config import Config
from sim.core.outdir import PROGRAM, write_atomic
from sim.core.records import summarize, units_table, with_lonlat
from sim.core.subsystem import RunTotals
from sim.i18n import Translator, language
from sim.model import CommunityPolicingModel
from sim.output.kpi import cost_summary, kpi_summary, workload_summary
from sim.output.provenance import DONE, config_hash, git_commit, package_versions, prepare_dir, write_json_atomic
from sim.policing.tiers import staff_cost_kyuan_per_year

_ = Translator("cli")


def simulate(cfg: Config, progress: bool = False) -> CommunityPolicingModel:
    """Build and run the model (no files)."""
    model = CommunityPolicingModel(cfg)
    run_model(model, progress)
    return model


def run_model(model: CommunityPolicingModel, progress: bool = False) -> None:
    cfg = model.cfg
    if progress:
        from tqdm import tqdm

        with tqdm(total=round(cfg.sim.days, 2), unit=_("day"), desc=_("simulating"), leave=False) as bar:
            model.run(progress=lambda day: bar.update(round(day, 2) - bar.n))
    else:
        model.run()


def record_logs(model: CommunityPolicingModel) -> dict:
    logs = {"calls": model.calls, "incidents": model.incidents, "timeseries": model.recorder.rows}
    if model.station_area is not None:  # the station's own calls (sim.policing.tiers)
        logs["station_calls"] = model.station_area.calls
    return logs


def place_records(model: CommunityPolicingModel) -> None:
    """Calls and incidents of a real place carry longitude and latitude
    (sim.core.records.with_lonlat); before the logs make their first table."""
    fill = with_lonlat(model.district.geo)
    for name, log in record_logs(model).items():
        if name != "timeseries":
            log.finish_table = fill


def results(model: CommunityPolicingModel) -> tuple[dict, dict[str, pa.Table]]:
    """summary.json and the tables of a finished model: the calls' and crimes'
    numbers (sim.core.records), then each part's keys in turn
    (sim.core.subsystem), then workload, cost and the KPI over all of them."""
    cfg = model.cfg
    if model.calls.streaming:  # a long run's calls: read back column by column (sim.core.records.Columns)
        tables = {"calls": model.calls.columns(), "incidents": model.incidents.table()}
    else:
        tables = {name: log.table() for name, log in record_logs(model).items()}
    busy, staffed = model.fleet.totals(model.env.now)
    if model.recorder.warmup_totals is not None:
        busy = busy - model.recorder.warmup_totals[0]
        staffed = staffed - model.recorder.warmup_totals[1]
    tables["units"] = units_table(model.fleet, busy, staffed, tables["calls"])
    office = model.fleet.tier == 0  # the office's staff: utilisation and workload are theirs (issue 19)
    summary = summarize(tables["calls"], tables["incidents"], busy[office], staffed[office],
                        list(np.asarray(model.fleet.role_name)[office]), cfg.sim.days, cfg.sim.warmup_days,
                        model.offending.crimes_deterred(), model.dispatcher.mean_sizes())
    run = RunTotals(tables, busy, staffed, model.warmup_min, model.horizon_min, model.env.now)
    for part in model.parts:  # in the order of their keys in summary.json
        summary.update(part.summary(run))
    offices = len(model.district.offices)
    summary.update(workload_summary(tables["units"].filter(pa.array(office)), busy[office]))
    residents = int(model.district.residents.sum())
    summary.update(cost_summary(model.staffing.headcount(), cfg, offices, residents, tiers_cost(model)))
    summary.update(kpi_summary(summary, tables["calls"], cfg, model.warmup_min))
    summary["residents"] = residents
    summary["offices"] = offices
    summary["seed"] = cfg.seed
    summary["replicate"] = cfg.replicate
    summary["root_seed"] = cfg.root_seed
    return summary, tables


def tiers_cost(model: CommunityPolicingModel) -> float:
    """The district's share of the station's and rapid units' staff cost, thousand
    yuan a year: by residents, the district's against the station's own area."""
    r, residents = model.cfg.response, float(model.district.residents.sum())
    share = residents / (residents + r.station.area_residents) if residents else 0.0
    officer_kyuan = model.cfg.staffing.cost_kyuan_per_year.get("officer", 0.0)
    return staff_cost_kyuan_per_year(r, model.tier_posts, officer_kyuan, share)


def run_scenario(cfg: Config, out_dir: str | Path, overrides: list[str] | None = None,
                 progress: bool = True) -> dict:
    """A plain run (a tabletop exercise is run by sim.run_exercise: sim.launch picks)."""
    out = prepare_dir(out_dir, cfg)
    started = time.perf_counter()
    model = CommunityPolicingModel(cfg)
    place_records(model)
    model.stream_records(out)  # flat memory however long the run (sim.core.logs)
    try:
        run_model(model, progress=progress and cfg.sim.progress and cfg.sim.days >= 7)
    except BaseException:
        for log in record_logs(model).values():
            log.abandon()
        raise
    for release in model.hooks.release_inputs:  # what the summary does not read, before the records are read back
        release()
    return write_outputs(model, out, overrides, started)


def write_outputs(model: CommunityPolicingModel, out: Path, overrides: list[str] | None, started: float,
                  extra: dict | None = None, done: bool = True) -> dict:
    """Tables, figures, manifest and summary of a finished model (plus ``extra``
    summary keys); the DONE marker last, unless ``done`` is false (the caller
    has more to write)."""
    cfg = model.cfg
    place_records(model)  # a run kept in memory (an exercise) gets them here
    summary, tables = results(model)
    summary.update(extra or {})
    units = tables["units"]
    del tables  # a long run's calls table is large: the figures read back only what they draw
    for name, log in record_logs(model).items():
        log.write(out / f"{name}.parquet")
    path = out / "units.parquet"
    with write_atomic(path, "wb") as f:
        pq.write_table(units, f)
    write_cells(model, out / "cells.gpkg")
    if cfg.sim.plots:
        from sim.output.plots import incident_map_figure, response_time_figure  # matplotlib: 1 s to import

        for name, draw in (("response_times.png",
                            lambda p: response_time_figure(model.calls.table(["response_min", "priority"]), p)),
                           ("incident_map.png",
                            lambda p: incident_map_figure(model.district, model.incidents.table(), p))):
            with write_atomic(out / name, "wb") as f, language(cfg.lang):  # also where no app set it
                draw(f)
    wall = time.perf_counter() - started
    summary["wall_seconds"] = round(wall, 3)
    manifest = {
        "program": PROGRAM,
        "kind": "run",
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
    if model.district.geo is not None:  # a real place: which files (by content) and what they gave
        from sim.geo.build import gis_build
        from sim.geo.cache import cache_key

        manifest["gis"] = {"build_key": cache_key(cfg.district.gis), **gis_build(cfg.district.gis).info}
    write_json_atomic(out / "manifest.json", manifest)
    write_json_atomic(out / "summary.json", summary)
    if cfg.sim.workbook:  # summary.xlsx and the tables as CSV (issue 23), before DONE: a failed write leaves none
        from sim.output.run_workbook import write_run_workbook

        write_run_workbook(out, summary, manifest, cfg.lang)
    if done:
        mark_done(out, cfg)
    return summary


def write_cells(model: CommunityPolicingModel, path: Path) -> None:
    """cells.gpkg (sim.output.cells): per-cell results a GIS opens."""
    from sim.output.cells import write_cells_gpkg

    crime = model.crime  # its patrol stops: on-duty minutes at the ends of patrol legs
    write_cells_gpkg(path, model.district, model.calls.table(["x_m", "y_m", "response_min"]),
                     model.incidents.table(["x_m", "y_m", "reported"]), crime.patrol_stops if crime else None)


def mark_done(out: Path, cfg: Config) -> None:
    write_json_atomic(out / DONE, {"config_hash": config_hash(cfg), "root_seed": cfg.root_seed,
                                    "finished_utc": datetime.now(timezone.utc).isoformat(timespec="seconds")})
