"""Hydra sweepers for studies that resume (``hydra/sweeper=resumable``, the
default) and for Morris screening (``hydra/sweeper=morris``).

Hydra only instantiates sweepers from the ``hydra_plugins`` package, hence this
folder. Both launch only the jobs ``python -m sim -m`` found unfinished, and
skip Hydra's per-job re-composition check, which ``sim.compose.loader`` has already
done with one-line errors (it cost 0.35 s a job, serially, before any job ran).
The job lists come from ``sim.compose.sweep_plan``, shared with those pre-checks. Any
launcher (joblib, Ray, submitit) runs the jobs.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, List, Optional

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.plugins.sweeper import Sweeper
from omegaconf import OmegaConf

from sim.core.outdir import tmp_name
from sim.compose.sweep_plan import DESIGN_FILE, design_jobs, expand_grid, morris_design, pending_jobs

log = logging.getLogger(__name__)


class ResumableSweeper(Sweeper):
    """Hydra's grid sweep (same params syntax and job order as BasicSweeper)."""

    def __init__(self, params: Any = None, max_batch_size: Optional[int] = None) -> None:
        self.params = _plain(params)
        self.max_batch_size = max_batch_size
        self.config = self.launcher = self.hydra_context = None

    def setup(self, *, hydra_context, task_function, config) -> None:
        from hydra.core.plugins import Plugins

        self.hydra_context, self.config = hydra_context, config
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config)

    def jobs(self, arguments: List[str], sweep_dir: Path) -> list[list[str]]:
        return expand_grid(self.params, arguments, self.hydra_context.config_loader)

    def sweep(self, arguments: List[str]) -> Any:
        sweep_dir = Path(self.config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        jobs = self.jobs(arguments, sweep_dir)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
        od = self.config.hydra.job.config.override_dirname
        dirname = {"kv_sep": od.kv_sep, "item_sep": od.item_sep, "exclude_keys": list(od.exclude_keys)}
        todo = pending_jobs(sweep_dir, jobs, dirname)
        log.info(f"{len(todo)} of {len(jobs)} jobs to run ({len(jobs) - len(todo)} already done)")
        size = self.max_batch_size if self.max_batch_size and self.max_batch_size > 0 else max(1, len(todo))
        returns = []
        for start in range(0, len(todo), size):
            results = self.launcher.launch(todo[start:start + size], initial_job_idx=start)
            for r in results:
                _ = r.return_value  # re-raise if a job raised (sweep jobs record failures instead)
            returns.append(results)
        return returns


class MorrisSweeper(ResumableSweeper):
    """A Morris elementary-effects design; writes it to the sweep folder."""

    def __init__(self, params: Any = None, trajectories: int = 10, levels: int = 4, seed: int = 0,
                 max_batch_size: Optional[int] = None) -> None:
        super().__init__(params, max_batch_size)
        self.trajectories, self.levels, self.seed = trajectories, levels, seed

    def jobs(self, arguments: List[str], sweep_dir: Path) -> list[list[str]]:
        if any(o.is_sweep_override() for o in OverridesParser.create().parse_overrides(arguments)):
            raise ValueError("the Morris sweeper takes fixed overrides only; sweep through hydra.sweeper.params")
        design = morris_design(self.params, self.trajectories, self.levels, self.seed)
        tmp = tmp_name(sweep_dir / DESIGN_FILE)
        tmp.write_text(json.dumps(design, indent=1) + "\n")
        os.replace(tmp, sweep_dir / DESIGN_FILE)
        log.info(f"Morris design: {len(design['names'])} parameters, {self.trajectories} trajectories")
        return design_jobs(design, arguments)


def _plain(params: Any) -> dict:
    if params is None:
        return {}
    return OmegaConf.to_container(params, resolve=True) if OmegaConf.is_config(params) else dict(params)
