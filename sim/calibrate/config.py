"""The calibration's schema (``calibrate.*``, read by ``python -m sim.calibrate``):
how many candidates, how many replications each, how many workers, and the
name of the preset it writes. Light: no calibration code is imported, so the
root config can hold it. What to fit and against what lives in the targets
file (``targets=NAME``, conf/targets/NAME.yaml; sim.calibrate.problem)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sim.core.checks import ConfigError, _range
from sim.i18n import Translator

_ = Translator("checks")

PRESET_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
SHIPPED_PRESETS = ("literature", "none")  # conf/calibration/: never overwritten by a calibration run


@dataclass
class CalibrateConfig:
    """How ``python -m sim.calibrate`` searches (issue 21)."""

    trials: int = 40  # candidates evaluated (Optuna trials), counting those of an interrupted run; assumption
    # the first share of the trials samples the parameters' bounds evenly (scrambled Sobol points), on which the
    # posterior rests, and the rest refine the best fit with TPE; TPE: Bergstra et al. 2011; the share: assumption
    explore_share: float = 0.5
    replications: int = 4  # runs per arm and candidate (replicates 0..N-1, common random numbers); assumption
    # the best candidate is run again on this many fresh replicates (seeds no candidate was chosen on), and the
    # report gives those values: the best of many noisy candidates looks better on its own seeds than it is
    check_replications: int = 8  # 0: report the best trial's own runs; assumption
    jobs: int = 2  # worker processes for the runs; 0 = one per core; assumption (2-core machines)
    seed: int = 0  # the samplers' seed (the runs' seeds come from seed/replicate as in any run); user choice
    name: str = "fitted"  # the preset written: DIR/conf/calibration/NAME.yaml, usable as +calibration=NAME; user choice
    install: bool = True  # also copy the preset into the project's conf/calibration/ (never over a shipped one); user choice
    # where the runs go, as for sweeps (hydra/launcher): "" = worker processes here (joblib, as the local
    # launcher); HOST:PORT = that Ray cluster's head, "local" = a Ray cluster started here (joblib's Ray backend).
    # hydra/launcher=ray with hydra.launcher.ray.init.address=HOST:PORT on the command line sets it too; user choice
    ray_address: str = ""

    def validate(self, path: str) -> None:
        _range(f"{path}.trials", self.trials, 1, 100_000)
        _range(f"{path}.explore_share", self.explore_share, 0, 1)
        _range(f"{path}.replications", self.replications, 1, 1000)
        _range(f"{path}.check_replications", self.check_replications, 0, 1000)
        _range(f"{path}.jobs", self.jobs, 0, 1024)
        _range(f"{path}.seed", self.seed, 0, 2**31 - 1)
        if not PRESET_NAME.match(self.name):
            raise ConfigError(f"{path}.name", self.name, _("must be lower-case letters, digits and _ (a letter "
                                                           "first, at most 40): the preset's file name"))
        if self.install and self.name in SHIPPED_PRESETS:
            raise ConfigError(f"{path}.name", self.name, _("is a shipped preset ({items}); choose another name, "
                                                           "or calibrate.install=false to write it in the run "
                                                           "folder only").format(items=', '.join(SHIPPED_PRESETS)))
