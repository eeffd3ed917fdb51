"""Residents live as counts per cell. A resident is identified by an id
(resident k of cell c has id offset[c] + k) as soon as a call or a crime
involves them, and becomes a Mesa agent when something happens *to* them (a
crime) or when someone asks for them; what they did is kept by id, so repeat
callers and repeat victims are the same person."""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from mesa.discrete_space import CellAgent


def _community_state(name: str, kind):
    """A read-only view of one array of the community's resident state."""
    def get(self):
        community = self.model.community
        return None if community is None else kind(getattr(community, name)[self.resident_id])
    return property(get)


class Resident(CellAgent):
    def __init__(self, model, resident_id: int, cell, registry: "ResidentRegistry"):
        super().__init__(model)
        self.resident_id = resident_id
        self.cell = cell
        self._registry = registry

    @property
    def calls_made(self) -> int:
        return int(self._registry.calls_made[self.resident_id])

    @property
    def times_victimised(self) -> int:
        return int(self._registry.victimised[self.resident_id])

    # the resident's community state (sim.community.trust), None when the community is off
    trust = _community_state("trust", float)  # trust in the office, 0-1
    aware = _community_state("aware", bool)
    elderly = _community_state("elderly", bool)
    alone = _community_state("alone", bool)
    participant = _community_state("participant", bool)


AGENTS_KEPT = 4096  # resident agents kept made (most recently used); assumption: their state lives by id anyway


class ResidentRegistry:
    def __init__(self, model, residents_per_cell, rng):
        self.model, self.rng = model, rng
        self.counts = residents_per_cell.ravel()
        self.offset = self.counts.cumsum() - self.counts
        self._counts, self._offsets = self.counts.tolist(), self.offset.tolist()  # scalar lookups per call
        self.known: OrderedDict[int, Resident] = OrderedDict()  # the agents made, most recently used last
        n = int(self.counts.sum())
        self.calls_made = np.zeros(n, dtype=np.int32)  # by resident id: fixed size, however long the run
        self.victimised = np.zeros(n, dtype=np.int32)
        self._uniforms: list[float] = []  # the registry's stream, drawn in batches (same sequence)

    def __len__(self) -> int:
        return int(self.counts.sum())

    def pick_id(self, flat_cell: int, rng=None) -> int:
        """Id of a resident living in this cell (-1 if nobody lives there); drawn
        from ``rng`` if given (a crime attempt's own), else the registry's stream."""
        n = self._counts[flat_cell]
        if n == 0:
            return -1
        if rng is not None:
            return int(self._offsets[flat_cell] + rng.integers(n))
        return self._offsets[flat_cell] + min(int(self.uniform() * n), n - 1)

    def uniform(self) -> float:
        """The next uniform of the registry's stream (drawn in batches: same sequence)."""
        if not self._uniforms:
            self._uniforms = self.rng.random(4096).tolist()[::-1]
        return self._uniforms.pop()

    def cell_of(self, resident_id: int) -> int:
        return int(self.offset.searchsorted(resident_id, side="right") - 1)

    def agent(self, resident_id: int) -> Resident:
        """The resident as a Mesa agent, made on request. The most recently
        used ``AGENTS_KEPT`` stay made; older ones leave the grid (their state
        is kept by id, so a resident made again is the same person)."""
        agent = self.known.get(resident_id)
        if agent is None:
            agent = Resident(self.model, resident_id, self.model.cell_at(self.cell_of(resident_id)), self)
            self.known[resident_id] = agent
            if len(self.known) > AGENTS_KEPT:
                self.known.popitem(last=False)[1].remove()
        else:
            self.known.move_to_end(resident_id)
        return agent
