"""Cameras at hot spots (DOMAIN §4, seeds 000/003 §1.3: AI video at hot spots,
theft -42% claimed): ``ceil(camera_share * hotspot_cells)`` of each office's
top cells (the ``hotspot`` ranking, ``hot_cells.HotCells``) get a camera in
``model.crime.cameras``, which the crime model reads for deterrence and
detection. Nobody moves (``next_leg`` is None), so it combines with a patrol
policy: ``hotspot+cameras``.

Cameras are installations, not patrols: they are sited when the policy
starts (``start_day``) and re-sited to the current top cells once a ranking
window (``hotspot_window_days``) has passed since the last siting, not at
every hourly re-rank. Without crime (``crime.enabled=false``) there is
nothing to mark.
"""
import math

import numpy as np

from sim.scenarios.policy import DeploymentPolicy, register
from sim.scenarios.hot_cells import hot_cells


@register("cameras")
class Cameras(DeploymentPolicy):
    def __init__(self, cfg):
        super().__init__(cfg)
        self.replan_every_min = cfg.replan_every_min
        self.per_office = math.ceil(cfg.camera_share * cfg.hotspot_cells - 1e-9)
        self.camera_cells = np.empty(0, int)
        self.sited_at: float | None = None  # when cameras were last sited
        self.sitings: list[tuple[float, np.ndarray]] = []  # (time, cells) of every siting

    def setup(self, model):
        self.ranking = hot_cells(model, self.cfg)
        self.act(model)

    def act(self, model):
        now = model.env.now
        if model.crime is None or now < model.policy_start_min:
            return
        self.ranking.update(model)
        if self.sited_at is not None and now - self.sited_at < self.ranking.window_min:
            return
        cells = np.concatenate([top[:self.per_office] for top in self.ranking.by_office])
        model.crime.cameras[self.camera_cells] = False
        model.crime.cameras[cells] = True
        self.camera_cells, self.sited_at = cells, now
        self.sitings.append((now, cells.copy()))
