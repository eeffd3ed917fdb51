"""Travel along a GIS district's roads, with the interface of sim.core.travel:
``distance_m`` in effective metres, many origins to one destination.

Between two cells: the access from the first cell's centre to its nearest
road node, the shortest path over the network, the access from the last
node to the destination cell; inside one cell: right-angle metres. Shortest
path rows (scipy's Dijkstra from the destination node) are computed on first
use and kept: units and calls meet at few distinct places, and a year of a
city district asks for nearly every node at least once. When every row fits
the memory budget they are kept in a plain list (no bookkeeping per
question); otherwise the most recently used rows are kept within it.

Speed (issue 20: one simulated year of a 1 M-resident district on one core):
the dispatcher asks once per call and patrols once per leg, so each question
is answered with as few numpy calls as possible and the scalar path in plain
floats. Dijkstra runs on the graph made symmetric once (directed), which
gives the same distances as the undirected search without scipy building the
transpose on every call.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
from scipy.sparse.csgraph import dijkstra

ROW_CACHE_BYTES = 256 * 2**20  # shortest-path rows kept in memory; assumption (a 2-core laptop's share)


class NetworkTravel:
    name = "network"

    def __init__(self, district, graph, cell_node: np.ndarray, access_m: np.ndarray):
        self.d = district
        self.graph = graph  # scipy CSR, effective metres, upper triangle (undirected)
        self.cell_node = cell_node  # [cells] flat x * H + y
        self.access_m = access_m  # [cells]
        self._both_ways = (graph + graph.T).tocsr()  # each road in both directions: a directed search
        self._size, self._width, self._height = float(district.cell_size_m), district.width, district.height
        self._node_of = cell_node.tolist()  # plain ints and floats: the scalar path avoids numpy scalars
        self._access = np.asarray(access_m, dtype=float).tolist()
        n = graph.shape[0]
        self._max_rows = max(16, ROW_CACHE_BYTES // max(1, 4 * n))
        self._all_fit = self._max_rows >= n
        self._list: list[np.ndarray | None] = [None] * n if self._all_fit else []
        self._rows: OrderedDict[int, np.ndarray] = OrderedDict()

    def node_row(self, node: int) -> np.ndarray:
        """Effective metres from every node to ``node`` (float32)."""
        if self._all_fit:
            row = self._list[node]
            if row is None:
                row = self._list[node] = self._search(node)
            return row
        row = self._rows.get(node)
        if row is None:
            row = self._rows[node] = self._search(node)
            if len(self._rows) > self._max_rows:
                self._rows.popitem(last=False)
        else:
            self._rows.move_to_end(node)
        return row

    def _search(self, node: int) -> np.ndarray:
        return dijkstra(self._both_ways, directed=True, indices=node).astype(np.float32)

    def cell_distances(self, flat_dest: int) -> np.ndarray:
        """Effective metres from every cell's centre to the centre of cell ``flat_dest``."""
        row = self.node_row(int(self.cell_node[flat_dest]))
        out = self.access_m + row[self.cell_node] + self.access_m[flat_dest]
        out[flat_dest] = 0.0
        return out

    def _flat(self, x: float, y: float) -> int:
        """The flat index of the cell holding one point (clipped to the grid, as District.cell_of)."""
        size, w, h = self._size, self._width, self._height
        return min(max(int(x // size), 0), w - 1) * h + min(max(int(y // size), 0), h - 1)

    def distance_m(self, x0, y0, x1, y1):
        if isinstance(x0, float) or np.ndim(x0) == 0:  # one origin (np.float64 is a float: no np.ndim)
            return self._distance_scalar(float(x0), float(y0), float(x1), float(y1))
        if np.ndim(x1) != 0:  # one destination: many origins to it (the dispatcher's question)
            x1, y1 = np.asarray(x1).item(), np.asarray(y1).item()
        x1, y1 = float(x1), float(y1)
        dest = self._flat(x1, y1)
        row = self.node_row(self._node_of[dest])
        x0, y0 = np.asarray(x0, dtype=float), np.asarray(y0, dtype=float)
        cx = (x0 // self._size).astype(np.intp)
        cy = (y0 // self._size).astype(np.intp)
        np.maximum(cx, 0, out=cx)
        np.minimum(cx, self._width - 1, out=cx)
        np.maximum(cy, 0, out=cy)
        np.minimum(cy, self._height - 1, out=cy)
        flat0 = cx * self._height + cy
        out = self.access_m[flat0] + row[self.cell_node[flat0]] + self._access[dest]
        same = flat0 == dest
        if same.any():
            out[same] = (np.abs(x1 - x0) + np.abs(y1 - y0))[same]
        return out

    def _distance_scalar(self, x0: float, y0: float, x1: float, y1: float) -> float:
        f0, f1 = self._flat(x0, y0), self._flat(x1, y1)
        if f0 == f1:
            return abs(x1 - x0) + abs(y1 - y0)
        row = self.node_row(self._node_of[f1])
        return self._access[f0] + float(row[self._node_of[f0]]) + self._access[f1]

    def nearest_of(self, flat_sources: list[int]) -> np.ndarray:
        """For every cell, the index in ``flat_sources`` of the nearest one along the roads (ties: the first)."""
        best = np.full(len(self.cell_node), np.inf)
        which = np.zeros(len(self.cell_node), dtype=np.int64)
        for k, flat in enumerate(flat_sources):
            dist = self.cell_distances(int(flat))
            closer = dist < best
            best[closer], which[closer] = dist[closer], k
        return which
