"""Who is elderly and who of them lives alone: the first draws of the
``community`` stream, made by one function that the model (through the
Community) and the planner (sim/plan/demand.py) both call, so one-click
alarms come from the same cells in both.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ElderlyPlacement:
    """Per resident (ids by cell, as in sim.agents.resident): flat cell, aged 60+, living alone."""

    cell: np.ndarray  # int, each resident's flat cell
    elderly: np.ndarray  # bool
    alone: np.ndarray  # bool, elderly and living alone

    def alone_per_cell(self, shape: tuple[int, int]) -> np.ndarray:
        """Elderly residents living alone per cell, [W, H] (where one-click alarms come from)."""
        return np.bincount(self.cell[self.alone], minlength=shape[0] * shape[1]).reshape(shape)


def place_elderly(residents_per_cell: np.ndarray, elderly_share: float, alone_share: float,
                  rng: np.random.Generator) -> ElderlyPlacement:
    """Draw each resident's age group, then whether an elderly one lives alone
    (two uniforms per resident, in id order, whatever the shares)."""
    counts = residents_per_cell.ravel()
    n = int(counts.sum())
    cell = np.repeat(np.arange(len(counts)), counts)
    elderly = rng.random(n) < elderly_share
    alone = elderly & (rng.random(n) < alone_share)
    return ElderlyPlacement(cell, elderly, alone)
