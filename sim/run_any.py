"""Run one configuration, whichever kind it is: a tabletop exercise (its
injects, decisions and counterfactual: sim.run_exercise) or a plain run
(sim.run). The apps that take any configuration (``python -m sim``, a sweep's
jobs) ask here, so the run pipeline below knows nothing of exercises.
"""
from __future__ import annotations

from pathlib import Path

from sim.config import Config
from sim.i18n import language


def is_exercise(cfg: Config) -> bool:
    ex = cfg.exercise
    return ex.name is not None or bool(ex.injects or ex.actions or ex.replay)


def run_any(cfg: Config, out_dir: str | Path, overrides: list[str] | None = None, progress: bool = True) -> dict:
    """Outputs in ``out_dir`` (DONE last), in the run's language (``lang``:
    also in a sweep's worker process, which does not inherit it); returns the summary."""
    with language(cfg.lang):
        if is_exercise(cfg):
            from sim.run_exercise import run_exercise  # the exercise pipeline: imported only for an exercise

            return run_exercise(cfg, out_dir, overrides, progress)
        from sim.run import run_scenario  # the model: imported when a run starts, not for checking a command

        return run_scenario(cfg, out_dir, overrides, progress)
