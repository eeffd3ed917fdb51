"""Travel distances: right-angle (Manhattan) in towns, shortest paths over a
per-cell cost field in the mountains (straight lines over ridges mislead).

``distance_m`` returns *effective* metres: the distance a unit would cover on
an open road in the same time, so ``time = distance / speed`` for every model.
Both models are vectorised over many origins to one destination, which is the
dispatcher's question ("who is nearest to this call?").
"""
from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra


class ManhattanTravel:
    """|dx| + |dy| in metres (Larson & Odoni eq. 3.12a's metric)."""

    name = "manhattan"

    def distance_m(self, x0, y0, x1, y1):
        return abs(x1 - x0) + abs(y1 - y0)  # works for floats and arrays alike


class EastWestTravel:
    """|dx| only: Larson's linear city, where only east-west travel counts."""

    name = "east_west"

    def distance_m(self, x0, y0, x1, y1):
        return abs(x1 - x0) + 0.0 * y0


class RoadTravel:
    """Shortest paths over 4-neighbour cell edges weighted by the mean travel
    factor of the two cells. Rows of the all-pairs matrix are computed on first
    use and cached: units sit at few distinct cells (posts, scenes)."""

    name = "road"

    def __init__(self, district):
        self.d = district
        w, h = district.width, district.height
        f = district.travel_factor
        idx = np.arange(w * h).reshape(w, h)
        src, dst, cost = [], [], []
        for a, b, fa, fb in ((idx[:-1, :], idx[1:, :], f[:-1, :], f[1:, :]),
                             (idx[:, :-1], idx[:, 1:], f[:, :-1], f[:, 1:])):
            src.append(a.ravel())
            dst.append(b.ravel())
            cost.append(((fa + fb) / 2 * district.cell_size_m).ravel())
        n = w * h
        self.graph = coo_matrix((np.concatenate(cost), (np.concatenate(src), np.concatenate(dst))),
                                shape=(n, n)).tocsr()
        self._rows: dict[int, np.ndarray] = {}

    def _row(self, flat: int) -> np.ndarray:
        row = self._rows.get(flat)
        if row is None:
            row = dijkstra(self.graph, directed=False, indices=flat)
            self._rows[flat] = row
        return row

    def distance_m(self, x0, y0, x1, y1):
        """Cell-to-cell path cost, plus the within-cell offset when both ends
        share a cell. The destination must be a single point."""
        d = self.d
        if np.ndim(x0) == 0:
            return self._distance_scalar(float(x0), float(y0), float(x1), float(y1))
        cx1, cy1 = d.cell_of(x1, y1)
        row = self._row(int(cx1) * d.height + int(cy1))
        cx0, cy0 = d.cell_of(x0, y0)
        out = row[cx0 * d.height + cy0]
        same = (cx0 == cx1) & (cy0 == cy1)
        local = (np.abs(np.asarray(x1) - x0) + np.abs(np.asarray(y1) - y0)) * d.travel_factor[cx1, cy1]
        return np.where(same, local, out)


    def _distance_scalar(self, x0: float, y0: float, x1: float, y1: float) -> float:
        """Same as the vector path, in plain floats (patrol legs ask one at a time)."""
        d = self.d
        size, w, h = d.cell_size_m, d.width, d.height
        cx0, cy0 = min(max(int(x0 // size), 0), w - 1), min(max(int(y0 // size), 0), h - 1)
        cx1, cy1 = min(max(int(x1 // size), 0), w - 1), min(max(int(y1 // size), 0), h - 1)
        if (cx0, cy0) == (cx1, cy1):
            return (abs(x1 - x0) + abs(y1 - y0)) * float(d.travel_factor[cx1, cy1])
        return float(self._row(cx1 * h + cy1)[cx0 * h + cy0])


def make_travel(name: str, district):
    if name == "road":
        return RoadTravel(district)
    if name == "east_west":
        return EastWestTravel()
    return ManhattanTravel()
