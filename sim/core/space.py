"""The district: a grid of square cells with land use, residents, offices,
office areas, police beats (警格) and grid-management cells (网格).

Arrays are indexed ``[x, y]`` (x east, y north), matching Mesa's grid
coordinates; the centre of cell (x, y) is ((x + .5) * cell, (y + .5) * cell)
metres. Layouts are generated procedurally from the ``district`` RNG stream,
so a preset plus a seed always gives the same district.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.land_use import LAND_USES

if TYPE_CHECKING:
    from sim.core.space_config import DistrictConfig

LAND_USE_CODE = {name: i for i, name in enumerate(LAND_USES)}

# Relative resident density by land use; assumption.
RESIDENT_DENSITY = {"residential": 1.0, "commercial": 0.3, "market": 0.05, "farmland": 0.05}
# Relative street activity (footfall, targets for theft); assumption.
ACTIVITY_WEIGHT = {"residential": 1.0, "commercial": 4.0, "market": 8.0, "school": 2.0,
                   "park": 1.5, "farmland": 0.2, "road": 0.5, "mountain": 0.02, "office": 1.0,
                   "outside": 0.0}
# Cells nobody patrols: the mountainside, and cells outside a GIS district's areas.
NOT_PATROLLED = (LAND_USE_CODE["mountain"], LAND_USE_CODE["outside"])


@dataclass
class District:
    """Static geography of one run. Beats depend on the staffing and the
    elderly living alone on the residents' ages, so the model builds the
    district, then makes the complete one with ``dataclasses.replace``."""

    cell_size_m: float
    land_use: np.ndarray  # int8 [W, H], codes of LAND_USES
    residents: np.ndarray  # int64 [W, H]
    activity: np.ndarray  # float [W, H], relative attractiveness for theft
    offices: list[tuple[int, int]]  # office cells
    office_area: np.ndarray  # int [W, H]: index of the responsible office
    grid_block: np.ndarray  # int [W, H]: grid-management cell id (网格)
    travel_factor: np.ndarray  # float [W, H]: travel cost multiplier per cell
    beat_layout: str = "wedges"  # how beats are drawn (DistrictConfig.beats)
    beat: np.ndarray | None = None  # int [W, H]: global beat id
    beat_office: np.ndarray | None = None  # office index of each beat
    elderly_alone: np.ndarray | None = None  # int [W, H]: elderly residents living alone (sim.community.elderly)
    geo: object | None = None  # a district from GIS files: its place on Earth (sim.geo.frame.GeoFrame)
    beat_file: np.ndarray | None = None  # int [W, H]: the beat polygon of each cell (district.gis.beats)

    @property
    def width(self) -> int:
        return self.land_use.shape[0]

    @property
    def height(self) -> int:
        return self.land_use.shape[1]

    @property
    def extent_m(self) -> tuple[float, float]:
        return self.width * self.cell_size_m, self.height * self.cell_size_m

    def cell_centre_m(self, cx, cy):
        return (np.asarray(cx) + 0.5) * self.cell_size_m, (np.asarray(cy) + 0.5) * self.cell_size_m

    def cell_of(self, x_m, y_m):
        if isinstance(x_m, (float, int)) and isinstance(y_m, (float, int)):  # one point (every patrol stop): no numpy
            w, h = self.land_use.shape
            return (min(max(int(x_m // self.cell_size_m), 0), w - 1),
                    min(max(int(y_m // self.cell_size_m), 0), h - 1))
        cx = np.clip((np.asarray(x_m) // self.cell_size_m).astype(int), 0, self.width - 1)
        cy = np.clip((np.asarray(y_m) // self.cell_size_m).astype(int), 0, self.height - 1)
        return cx, cy

    def cells_where(self, mask: np.ndarray) -> np.ndarray:
        """Flat indices (x * H + y) of cells where ``mask`` holds."""
        return np.flatnonzero(mask.ravel())

    def unflatten(self, flat):
        return divmod(flat, self.height)


# --- layout generators ----------------------------------------------------

def _urban_land_use(w: int, h: int, offices: int, rng: np.random.Generator) -> tuple[np.ndarray, list]:
    """Residential blocks crossed by commercial streets, with markets, schools,
    parks; offices at the centres of a near-square tiling of the district."""
    lu = np.full((w, h), LAND_USE_CODE["residential"], dtype=np.int8)
    cols = max(1, int(round(np.sqrt(offices * w / h))))
    rows = int(np.ceil(offices / cols))
    office_cells = []
    for k in range(offices):
        i, j = k % cols, k // cols
        x0, x1 = int(i * w / cols), int((i + 1) * w / cols)
        y0, y1 = int(j * h / rows), int((j + 1) * h / rows)
        sx, sy = (x0 + x1) // 2, (y0 + y1) // 2
        lu[x0:x1, sy] = LAND_USE_CODE["commercial"]  # main street east-west
        lu[sx, y0:y1] = LAND_USE_CODE["commercial"]  # main street north-south
        mx = int(np.clip(sx + rng.integers(-3, 4), x0, x1 - 2))
        my = int(np.clip(sy + rng.integers(-3, 4), y0, y1 - 2))
        lu[mx:mx + 2, my:my + 2] = LAND_USE_CODE["market"]
        for use, size, count in (("school", 1, 2), ("park", 3, 1)):
            for _ in range(count):
                px = int(rng.integers(x0, max(x0 + 1, x1 - size)))
                py = int(rng.integers(y0, max(y0 + 1, y1 - size)))
                lu[px:px + size, py:py + size] = LAND_USE_CODE[use]
        lu[sx, sy] = LAND_USE_CODE["office"]
        office_cells.append((sx, sy))
    return lu, office_cells


def _wander(start: int, length: int, lo: int, hi: int, rng: np.random.Generator) -> np.ndarray:
    """A smooth random walk: the course of a valley across the map."""
    steps = rng.choice([-1, 0, 0, 0, 1], size=length)
    return np.clip(start + np.cumsum(steps), lo, hi)


def _rural_land_use(w: int, h: int, valleys: int, villages: int, rng: np.random.Generator):
    """Mountains cut by a main east-west valley and tributary valleys; roads run
    along valley floors, farmland beside them, villages strung along the roads."""
    lu = np.full((w, h), LAND_USE_CODE["mountain"], dtype=np.int8)
    road = np.zeros((w, h), dtype=bool)
    main_y = _wander(h // 2, w, 2, h - 3, rng)
    road[np.arange(w), main_y] = True
    for _ in range(valleys - 1):
        bx = int(rng.integers(w // 8, w - w // 8))
        going_up = bool(rng.integers(0, 2))
        ys = np.arange(main_y[bx], h) if going_up else np.arange(0, main_y[bx] + 1)
        xs = _wander(bx, len(ys), 1, w - 2, rng)
        road[xs, ys] = True
    near = np.zeros_like(road)
    for dx in (-2, -1, 0, 1, 2):
        for dy in (-2, -1, 0, 1, 2):
            if abs(dx) + abs(dy) <= 2:
                near |= np.roll(np.roll(road, dx, 0), dy, 1)
    lu[near] = LAND_USE_CODE["farmland"]
    road_cells = np.argwhere(road)
    # the township seat: the road cell nearest the centre
    seat = road_cells[np.argmin(np.abs(road_cells - [w // 2, h // 2]).sum(1))]
    extra = min(villages - 1, len(road_cells) - 1)
    picks = [seat] + list(road_cells[rng.choice(len(road_cells), size=extra, replace=False)])
    for k, (vx, vy) in enumerate(picks):
        r = 2 if k == 0 else 1
        xs = slice(max(vx - r, 0), vx + r + 1)
        ys = slice(max(vy - r, 0), vy + r + 1)
        block = lu[xs, ys]
        block[block != LAND_USE_CODE["road"]] = LAND_USE_CODE["residential"]
    lu[road] = LAND_USE_CODE["road"]
    sx, sy = int(seat[0]), int(seat[1])
    lu[min(sx + 1, w - 1), sy] = LAND_USE_CODE["market"]
    lu[sx, min(sy + 1, h - 1)] = LAND_USE_CODE["school"]
    lu[sx, sy] = LAND_USE_CODE["office"]
    return lu, [(sx, sy)]


def _uniform_land_use(w: int, h: int) -> tuple[np.ndarray, list]:
    """A featureless rectangle (the theory cases of VALIDATION.md); office in the middle."""
    return np.full((w, h), LAND_USE_CODE["residential"], dtype=np.int8), [(w // 2, h // 2)]


def _residents_by_column(w: int, h: int, weights: list[float], total: int) -> np.ndarray:
    """Exact proportional allocation (largest remainder): demand shares as configured."""
    col = np.asarray(weights if weights else [1.0] * w, dtype=float)
    p = np.repeat(col[:, None], h, axis=1).ravel()
    p /= p.sum()
    exact = p * total
    out = np.floor(exact).astype(np.int64)
    short = total - int(out.sum())
    out[np.argsort(-(exact - out), kind="stable")[:short]] += 1
    return out.reshape(w, h)


def _spread_residents(lu: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    weight = np.zeros(lu.shape)
    for use, density in RESIDENT_DENSITY.items():
        weight[lu == LAND_USE_CODE[use]] = density
    weight *= rng.lognormal(0.0, 0.3, size=lu.shape)  # block-to-block variation; assumption
    p = (weight / weight.sum()).ravel()
    return rng.multinomial(total, p).reshape(lu.shape)


def _by_land_use(lu: np.ndarray, table: dict[str, float], default: float) -> np.ndarray:
    out = np.full(lu.shape, default, dtype=float)
    for use, value in table.items():
        out[lu == LAND_USE_CODE[use]] = value
    return out


def build_district(cfg: DistrictConfig, rng: np.random.Generator) -> District:
    """Generate the district for a preset; office areas use the travel model."""
    from sim.core.travel import make_travel  # travel needs the district's cost field

    w = int(cfg.width_m // cfg.cell_size_m)
    h = int(cfg.height_m // cfg.cell_size_m)
    if cfg.kind == "rural":
        lu, offices = _rural_land_use(w, h, cfg.valleys, cfg.villages, rng)
    elif cfg.kind == "uniform":
        lu, offices = _uniform_land_use(w, h)
    else:
        lu, offices = _urban_land_use(w, h, cfg.offices, rng)
    if cfg.kind == "uniform":
        residents = _residents_by_column(w, h, list(cfg.column_weights), cfg.residents)
    else:
        residents = _spread_residents(lu, cfg.residents, rng)
    xs, ys = np.meshgrid(np.arange(w), np.arange(h), indexing="ij")
    b = cfg.grid_block_cells
    blocks_y = int(np.ceil(h / b))
    district = District(
        cell_size_m=cfg.cell_size_m,
        land_use=lu,
        residents=residents,
        activity=_by_land_use(lu, ACTIVITY_WEIGHT, 1.0),
        offices=offices,
        office_area=np.zeros((w, h), dtype=int),
        grid_block=(xs // b) * blocks_y + (ys // b),
        travel_factor=_by_land_use(lu, dict(cfg.travel_cost_factor), 1.0),
        beat_layout=cfg.beats,
    )
    travel = make_travel(cfg.travel, district)
    cx, cy = district.cell_centre_m(xs.ravel(), ys.ravel())
    dist = np.stack([travel.distance_m(cx, cy, *district.cell_centre_m(ox, oy)) for ox, oy in offices])
    district.office_area = np.argmin(dist, axis=0).reshape(w, h)
    return district


def grid_blocks_by_office(district: District) -> list[np.ndarray]:
    """Grid-management cells (网格) of each office: a block belongs to the office
    that serves most of its cells."""
    n_blocks = int(district.grid_block.max()) + 1
    n_off = len(district.offices)
    counts = np.zeros((n_blocks, n_off), dtype=int)
    np.add.at(counts, (district.grid_block.ravel(), district.office_area.ravel()), 1)
    owner = counts.argmax(axis=1)
    return [np.flatnonzero(owner == o) for o in range(n_off)]


def beats_nearest_post(district: District, posts_by_office: list[np.ndarray], travel) -> tuple[np.ndarray, np.ndarray]:
    """Beats as the cells nearest each officer's post within the office area
    (Voronoi districts, as in Larson's hypercube model): (beat of each cell
    [W, H], office of each beat)."""
    beat = np.zeros_like(district.office_area)
    beat_office, next_id = [], 0
    xs, ys = np.meshgrid(np.arange(district.width), np.arange(district.height), indexing="ij")
    cx, cy = district.cell_centre_m(xs, ys)
    for o, posts in enumerate(posts_by_office):
        posts = np.asarray(posts, dtype=float).reshape(-1, 2)
        if len(posts) == 0:
            posts = np.array([district.cell_centre_m(*district.offices[o])])
        dist = np.stack([travel.distance_m(cx, cy, px, py) for px, py in posts])
        area = district.office_area == o
        beat[area] = next_id + np.argmin(dist, axis=0)[area]
        beat_office += [o] * len(posts)
        next_id += len(posts)
    return beat, np.array(beat_office)


def beats_by_population(district: District, beats_per_office: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Split each office area into beats of about equal population: cells are
    ordered by bearing from the office and cut at equal cumulative residents,
    giving wedge-shaped beats ("fixed grid, fixed person", DOMAIN §1):
    (beat of each cell [W, H], office of each beat)."""
    beat = np.zeros_like(district.office_area)
    beat_office = []
    next_id = 0
    for o, (ox, oy) in enumerate(district.offices):
        k = max(1, beats_per_office[o])
        cells = np.argwhere(district.office_area == o)
        angle = np.arctan2(cells[:, 1] - oy, cells[:, 0] - ox)
        order = np.argsort(angle, kind="stable")
        pop = district.residents[cells[order, 0], cells[order, 1]].astype(float) + 1e-3
        share = np.cumsum(pop) / pop.sum()
        local = np.minimum((share * k - 1e-9).astype(int), k - 1)
        beat[cells[order, 0], cells[order, 1]] = next_id + local
        beat_office += [o] * k
        next_id += k
    return beat, np.array(beat_office)


def beats_from_file(district: District) -> tuple[np.ndarray, np.ndarray]:
    """The bureau's own beat polygons (district.gis.beats): one beat per (office, polygon)
    pair, so a polygon crossing into another office's area is split there:
    (beat of each cell [W, H], office of each beat)."""
    n_polys = int(district.beat_file.max()) + 1
    key = district.office_area.astype(np.int64) * n_polys + district.beat_file
    pairs, beat = np.unique(key.ravel(), return_inverse=True)
    return beat.reshape(district.office_area.shape), (pairs // n_polys).astype(int)
