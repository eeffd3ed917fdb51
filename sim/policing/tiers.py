"""The tiers beyond the office (issue 19): where the station's and the rapid
units stand and when they are on duty, and the station's own calls.

Station and rapid units are fleet rows after the office staff (and an
exercise's reserves), so office unit numbers never depend on them. Each row
covers one shift start around the clock: ``n`` units per shift over three
shifts are ``3 n`` rows, ``n`` of them on duty at any time. They wait at their
post (the station, a rapid post) and never patrol the district.

The station also answers its own jurisdiction (``response.station.area_residents``
outside this district) at the district's per-resident rates, drawn up front
from the ``station`` stream (common random numbers: the district's calls never
change). Those calls are placed at the station with an extra drive
(``area_travel_mean_min``) and only station and rapid units may take them;
they are written to ``station_calls.parquet``, not ``calls.parquet``, so every
district figure stays the district's.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from sim.core.logs import RecordLog
from sim.core.records import calls_table
from sim.core.shifts_config import ShiftConfig
from sim.core.subsystem import RunTotals, Subsystem
from sim.core.roles import TIER_NAMES
from sim.core.space import LAND_USE_CODE
from sim.core.units import MIN_PER_DAY
from sim.policing.calls import generate_arrivals
from sim.policing.station_duty import StationDuty
from sim.policing.call import Call

STATION, RAPID = TIER_NAMES.index("station"), TIER_NAMES.index("rapid")  # tier codes (fleet.tier)
STATION_SOURCE = "station_area"  # calls.source of the station's own calls


@dataclass
class TierPosts:
    """Fleet rows of the units beyond the office."""

    tiers: list[int]
    posts: np.ndarray  # [rows, 2] metres
    modes: list[str]
    extra_turnout_min: list[float]
    shifts: list[ShiftConfig]  # each row: one start hour, every day
    offices: list[int]  # the office area the post stands in (never patrolled)

    def __len__(self) -> int:
        return len(self.tiers)


def station_xy(response, district) -> tuple[float, float]:
    """The configured station point; on a mountainside or a field (rural districts,
    whose valleys move with the seed), the centre of the nearest road cell."""
    x, y = float(response.station.x_m), float(response.station.y_m)
    road = district.land_use == LAND_USE_CODE["road"]
    off_road = int(district.land_use[district.cell_of(x, y)]) in (LAND_USE_CODE["mountain"], LAND_USE_CODE["farmland"])
    if off_road and road.any():
        cx, cy = np.nonzero(road)
        px, py = district.cell_centre_m(cx, cy)
        k = int(np.argmin((px - x) ** 2 + (py - y) ** 2))
        return float(px[k]), float(py[k])
    return x, y


def rapid_posts(response, district) -> list[tuple[float, float]]:
    """Configured posts, or one halfway between each office and the district centre."""
    if response.rapid.posts_m:
        return [(float(x), float(y)) for x, y in response.rapid.posts_m]
    w, h = district.extent_m
    return [((ox + w / 2) / 2, (oy + h / 2) / 2) for ox, oy in
            (tuple(map(float, district.cell_centre_m(cx, cy))) for cx, cy in district.offices)]


def tier_posts(response, district) -> TierPosts:
    """Rows of the station's and the rapid units, shift by shift."""
    out = TierPosts([], np.zeros((0, 2)), [], [], [], [])
    st = response.station
    posts = []

    def add(tier, xy, mode, turnout, starts, hours):
        for start in starts:
            out.tiers.append(tier)
            posts.append(xy)
            out.modes.append(mode)
            out.extra_turnout_min.append(turnout)
            out.shifts.append(ShiftConfig([int(start)], float(hours), 7))
            out.offices.append(int(district.office_area[district.cell_of(*xy)]))

    if response.has("station"):
        xy = station_xy(response, district)
        for _ in range(st.patrol_cars_per_shift):
            add(STATION, xy, st.mode, 0.0, st.shift_starts_h, st.shift_hours)
        for _ in range(st.duty_officers_per_shift):
            add(STATION, xy, st.mode, st.duty_turnout_min, st.shift_starts_h, st.shift_hours)
    if response.has("rapid"):
        for xy in rapid_posts(response, district):
            for _ in range(response.rapid.units_per_post):
                add(RAPID, xy, response.rapid.mode, 0.0, st.shift_starts_h, st.shift_hours)
    out.posts = np.array(posts, float).reshape(-1, 2)
    return out


def tier_parts(model, response, staffing, kinds: dict) -> tuple[StationDuty | None, "StationArea | None"]:
    """The parts the tiers add to a model: officers' station duty at the station
    (when it is spent there) and the station's own calls (when it is a tier)."""
    duty = (StationDuty(model, staffing, station_xy(response, model.district), response.station_duty)
            if response.duty_at_station() else None)
    area = StationArea(model, model.call_types, kinds, response) if response.has("station") else None
    return duty, area


def staff_cost_kyuan_per_year(response, posts: TierPosts, officer_kyuan: float, district_share: float) -> float:
    """The district's share of the tiers' staff cost: people behind each
    around-the-clock unit (``station.people_per_post``) at an officer's pay."""
    units = len(posts) / max(len(response.station.shift_starts_h), 1)
    hours = response.station.shift_hours * len(response.station.shift_starts_h) / 24.0
    return units * hours * response.station.people_per_post * officer_kyuan * district_share


class StationArea(Subsystem):
    """The station's own calls: drawn up front, fed to the dispatcher, logged apart."""

    stage = 2  # with the background calls (sim.model)
    source = STATION_SOURCE

    def __init__(self, model, call_types: list, kinds: dict, response):
        self.model, self.env, self.fleet = model, model.env, model.fleet
        st = response.station
        self.xy = station_xy(response, model.district)
        self.tier_bits = (1 << STATION) | (1 << RAPID)  # never the office's: with no unit on duty, a call waits
        self.names = [name for name, _ in call_types]
        self.kinds = kinds
        self.calls = RecordLog(lambda calls: calls_table(calls, self.fleet))
        share = st.area_residents / max(float(model.district.residents.sum()), 1.0)
        own = [(name, dataclasses.replace(c, source="background",
                                          rate_per_1000_per_year=c.rate_per_1000_per_year * share
                                          * (c.report_prob if c.source == "crime" else 1.0)))
               for name, c in call_types]
        rng = model.rngs["station"]
        self.stream = generate_arrivals(own, model.district, model.horizon_min, rng, rng)
        self.extra_min = rng.exponential(st.area_travel_mean_min, len(self.stream)) if st.area_travel_mean_min > 0 \
            else np.zeros(len(self.stream))
        self._k = 0

    def start(self, model) -> None:
        self._next(None)

    def _next(self, _event) -> None:
        s, k = self.stream, self._k
        if _event is not None:
            name = self.names[int(s.type_index[k - 1])]
            priority, _violent, eligible = self.kinds[name]
            call = Call(len(self.calls), name, priority, self.env.now, self.xy[0], self.xy[1],
                        float(s.on_scene_min[k - 1]), eligible, STATION_SOURCE, -1, -1, -1)
            call.tiers = self.tier_bits
            call.extra_travel_min = float(self.extra_min[k - 1])
            self.calls.append(call)
            self.model.dispatcher.submit(call)
        if k < len(s):
            self._k = k + 1
            self.env.timeout(float(s.t_min[k]) - self.env.now).callbacks.append(self._next)

    def finished(self, call: Call) -> None:
        self.calls.finish(call.call_id)

    def release_inputs(self) -> None:
        self.stream = None

    def summary(self, run: RunTotals) -> dict:
        """The station's own calls after the warm-up: how long they wait for a unit."""
        t = self.calls.table(["t_arrival_min", "response_min"])
        keep = t["t_arrival_min"].to_numpy() >= run.warmup_min
        resp = t["response_min"].to_numpy()[keep]
        reached = resp[~np.isnan(resp)]
        return {
            "station_calls_total": int(keep.sum()),
            "station_response_time_mean_min": float(reached.mean()) if len(reached) else None,
            "station_response_time_p90_min": float(np.percentile(reached, 90)) if len(reached) else None,
            "station_calls_per_day": float(keep.sum()) * MIN_PER_DAY / max(run.horizon_min - run.warmup_min, 1),
        }
