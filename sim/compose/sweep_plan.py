"""Which jobs a sweep has, and which of them still need running.

Shared by ``python -m sim -m`` (which checks every job before Hydra starts)
and the sweepers in ``hydra_plugins/cps_sweepers`` (which launch them), so
both see exactly the same jobs. Light imports only: Hydra imports the plugins
on every start.

- Grid sweeps expand ``hydra.sweeper.params`` plus the command's sweeps
  (``a,b``, ``range()``, ``glob()``) with Hydra's own BasicSweeper rules.
- Morris screening (Morris 1991; Campolongo et al. 2007) moves one parameter at
  a time along random trajectories through a grid of levels, so r trajectories
  of k parameters cost r (k + 1) runs and rank the parameters by how much they
  move an outcome (mu*). SALib draws the design; each row becomes one job whose
  overrides set the parameters and ``design_row`` (so identical rows still get
  their own folder, and the analysis can put X and Y back in order).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import numpy as np
from hydra._internal.config_loader_impl import get_overrides_dirname
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf
from sim.i18n import Translator

_ = Translator("checks")

DESIGN_FILE = "morris_design.json"
MANIFEST_FILE = "sweep.json"
# the same for every job, or (lang) no change to a result; conf/config.yaml tells Hydra too
EXCLUDED_FROM_DIRNAME = ("experiment", "lang")
JOB_SUBDIR = "${sim_dirname:${hydra.job.override_dirname}}"  # hydra.sweep.subdir in conf/config.yaml


def safe_dirname(name: str) -> str:
    """A job folder name that stays inside the sweep folder whatever the swept
    values hold: ``%``, path separators and ``..`` are percent-encoded
    (``policy=../x`` -> ``policy=%2E%2E%2Fx``), so the name is one plain folder."""
    return name.replace("%", "%25").replace("/", "%2F").replace("\\", "%5C").replace("..", "%2E%2E")


# Hydra resolves hydra.sweep.subdir in the process that runs the job: every process that imports this module
# (the sweepers, sim.compose.loader, a job's task function) can resolve it
OmegaConf.register_new_resolver("sim_dirname", safe_dirname, replace=True)


def expand_grid(params: Mapping[str, Any], arguments: list[str], config_loader=None) -> list[list[str]]:
    """Every combination, in BasicSweeper's order; command-line arguments
    override ``params`` of the same key."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    texts = [f"{k}={v}" for k, v in params.items()] + list(arguments)
    parsed = OverridesParser.create(config_loader=config_loader).parse_overrides(texts)
    return [list(job) for batch in BasicSweeper.split_arguments(parsed, None) for job in batch]


def morris_design(params: Mapping[str, Any], trajectories: int, levels: int, seed: int) -> dict:
    """``params``: {config key: [low, high]}. Returns the problem and X."""
    from SALib.sample import morris as morris_sample  # 1 s to import: only when a design is drawn

    if not params:
        raise ValueError(_("the Morris sweeper needs hydra.sweeper.params: {key: [low, high], ...}"))
    if int(trajectories) < 2 or int(levels) < 2 or int(levels) % 2:
        raise ValueError(_("needs trajectories >= 2 (got {trajectories}) and an even number of levels >= 2 (got "
                           "{levels})").format(trajectories=trajectories, levels=levels))
    names, bounds = [], []
    for key, bound in params.items():
        lo, hi = (float(v) for v in bound)
        if not lo < hi:
            raise ValueError(_("hydra.sweeper.params.{key}={value}: needs [low, high] with low < high")
                             .format(key=key, value=list(bound)))
        names.append(str(key))
        bounds.append([lo, hi])
    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    x = morris_sample.sample(problem, int(trajectories), num_levels=int(levels), seed=int(seed))
    return {"names": names, "bounds": bounds, "levels": int(levels), "trajectories": int(trajectories),
            "seed": int(seed), "X": np.round(x, 10).tolist()}


def format_value(v: float) -> str:
    """Short, exact enough, and the same text for the same value."""
    return f"{v:.8g}"


def design_jobs(design: dict, fixed_overrides: list[str]) -> list[list[str]]:
    """One override list per design row: its index, its values, and the
    command's fixed overrides."""
    return [[f"design_row={i}"] + [f"{k}={format_value(v)}" for k, v in zip(design["names"], row)]
            + list(fixed_overrides) for i, row in enumerate(design["X"])]


def job_dirname(job_overrides: list[str], kv_sep: str = "=", item_sep: str = ",",
                exclude_keys: list[str] | tuple = EXCLUDED_FROM_DIRNAME) -> str:
    """The folder Hydra gives a job under ``hydra.sweep.subdir`` (JOB_SUBDIR:
    Hydra's own override_dirname, with the same
    ``hydra.job.config.override_dirname`` settings, made safe)."""
    parsed = OverridesParser.create().parse_overrides(list(job_overrides))
    return safe_dirname(get_overrides_dirname(parsed, exclude_keys=list(exclude_keys), item_sep=item_sep,
                                              kv_sep=kv_sep))


def pending_jobs(sweep_dir: str | Path, jobs: list[list[str]], dirname: dict) -> list[list[str]]:
    """The jobs ``python -m sim -m`` found unfinished (recorded in the sweep
    manifest for this invocation); all of them if there is no such record."""
    path = Path(sweep_dir) / MANIFEST_FILE
    if not path.is_file():
        return jobs
    to_run = json.loads(path.read_text())["invocations"][-1].get("to_run")
    if to_run is None:
        return jobs
    wanted = set(to_run)
    return [j for j in jobs if job_dirname(j, **dirname) in wanted]
