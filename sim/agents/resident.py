"""Residents live as counts per cell; one becomes an agent only when a call or
a crime involves them, and is then kept so repeat callers and repeat victims
are the same person."""
from __future__ import annotations

from mesa.discrete_space import CellAgent


class Resident(CellAgent):
    def __init__(self, model, resident_id: int, cell):
        super().__init__(model)
        self.resident_id = resident_id
        self.cell = cell
        self.calls_made = 0
        self.times_victimised = 0


class ResidentRegistry:
    """Materialises residents on demand: resident k of cell c has id offset[c] + k."""

    def __init__(self, model, residents_per_cell, rng):
        self.model, self.rng = model, rng
        self.counts = residents_per_cell.ravel()
        self.offset = self.counts.cumsum() - self.counts
        self.known: dict[int, Resident] = {}

    def pick(self, flat_cell: int, rng=None) -> Resident | None:
        """A resident living in this cell (None if nobody lives there); drawn from
        ``rng`` if given (a crime attempt's own), else the registry's stream."""
        n = self.counts[flat_cell]
        if n == 0:
            return None
        rid = int(self.offset[flat_cell] + (rng or self.rng).integers(n))
        agent = self.known.get(rid)
        if agent is None:
            h = self.model.district.height
            agent = Resident(self.model, rid, self.model.grid[(flat_cell // h, flat_cell % h)])
            self.known[rid] = agent
        return agent
