"""What each office faces in each shift block, from the configuration alone.

The analytic start of the search needs call rates by office and block, the
work each call brings, and how far the office is from where calls happen. All
of it follows from the config and the district (replicate 0's layout), before
anything is simulated.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from sim.community.elderly import place_elderly
from sim.config import Config
from sim.core.rng import RngStreams
from sim.geo import district_and_travel
from sim.derived import scaled_call_types, speed_m_per_min
from sim.plan.analytic import BlockDemand, CallClass, travel_within_share
from sim.core.units import MIN_PER_DAY, MIN_PER_HOUR, MIN_PER_YEAR
from sim.policing.calls import hourly_profile, place_weights
from sim.scenarios import make_policy

PLANNED_ROLES = ("officer", "auxiliary")


def block_hours(cfg: Config) -> tuple[list[int], float]:
    starts = list(cfg.plan.shift_starts_h)
    return starts, 24.0 / len(starts)


def block_label(start_h: int, hours: float) -> str:
    end = int(start_h + hours)
    return f"{start_h:02d}-{end if end <= 24 else end - 24:02d}"


def block_of(t_min, starts: list[int], hours: float):
    """Index of the shift block a time of day falls in (blocks may wrap past midnight)."""
    since_first = (np.asarray(t_min, float) - starts[0] * MIN_PER_HOUR) % MIN_PER_DAY
    return (since_first // (hours * MIN_PER_HOUR)).astype(int)


def speeds_m_per_min(cfg: Config) -> dict[str, float]:
    return {r: speed_m_per_min(cfg, r) for r in PLANNED_ROLES}


def planned_district(cfg: Config):
    """The district as the model builds it (replicate 0's layout), with the
    elderly living alone placed as the model places them (sim.community.elderly),
    so one-click alarms come from the same cells."""
    rngs = RngStreams(cfg.root_seed)
    district, travel = district_and_travel(cfg.district, rngs["district"])
    c = cfg.community
    if not c.enabled:  # no resident state: alarms come from where residents live, as in the model
        return district, travel
    people = place_elderly(district.residents, c.elderly_share, c.elderly_alone_share, rngs["community"])
    return dataclasses.replace(district, elderly_alone=people.alone_per_cell(district.residents.shape)), travel


def office_demand(cfg: Config):
    """(office, block) -> BlockDemand, facts about the district (residents and
    area per office) for the report, and the district itself."""
    district, travel = planned_district(cfg)
    starts, hours = block_hours(cfg)
    n_cells = district.width * district.height
    xs, ys = district.unflatten(np.arange(n_cells))
    cx, cy = district.cell_centre_m(xs, ys)
    area_of = district.office_area.ravel()
    residents = district.residents.ravel()
    speeds = speeds_m_per_min(cfg)
    policy = make_policy(cfg.policy)
    disperses = {r: bool(policy.disperses_units) and r in cfg.policy.patrol_roles for r in PLANNED_ROLES}
    takes_time = cfg.travel.takes_time
    turnout = cfg.travel.turnout_min if takes_time else 0.0
    total_residents = float(residents.sum())
    offices = len(district.offices)
    minutes = {}  # office -> role -> minutes from the office to every cell
    for o, (ox, oy) in enumerate(district.offices):
        metres = np.asarray(travel.distance_m(cx, cy, *district.cell_centre_m(ox, oy)), float)
        minutes[o] = {r: metres / speeds[r] for r in PLANNED_ROLES}
    out: dict[tuple[int, int], BlockDemand] = {}
    classes: dict[tuple[int, int], list[CallClass]] = {(o, b): [] for o in range(offices) for b in range(len(starts))}
    for name, call in scaled_call_types(cfg):
        rate = call.rate_per_1000_per_year * total_residents / 1000.0 / MIN_PER_YEAR
        if call.source == "crime":
            rate *= call.report_prob  # only reported crimes become calls
        if rate <= 0:
            continue
        weights = place_weights(district, call.place, call.cell_weights)
        by_hour = hourly_profile(call, 24 * 7).reshape(7, 24).mean(axis=0)
        officer_ok = "officer" in call.eligible_roles
        aux_ok = "auxiliary" in call.eligible_roles
        units = 2 if cfg.dispatch.name == "team" and call.violent else 1
        for o in range(offices):
            in_area = area_of == o
            w = weights * in_area
            share = float(w.sum())
            if share <= 0:
                continue
            role = "officer" if officer_ok else "auxiliary"
            travel_min = float((minutes[o][role] * w).sum() / share) if takes_time else 0.0
            within = {r: (travel_within_share(minutes[o][r], w, cfg.target.p1_within_min - turnout)
                          if takes_time and cfg.target.p1_within_min is not None else 1.0)
                      for r in PLANNED_ROLES}
            for b, start in enumerate(starts):
                hour_factor = float(by_hour[np.arange(int(start), int(start + hours)) % 24].mean())
                classes[(o, b)].append(CallClass(
                    name, rate * share * hour_factor, call.priority, officer_ok, aux_ok,
                    (turnout + travel_min + call.on_scene_mean_min) * units, within))
    cell_area = district.cell_size_m ** 2
    for (o, b), cls in classes.items():
        out[(o, b)] = BlockDemand(
            classes=cls, area_m2=float((area_of == o).sum() * cell_area),
            officer_share_on_duty=1.0 - cfg.staffing.officer_non_community_share,
            turnout_min=turnout, speed_m_per_min=speeds, disperses=disperses, travel_takes_time=takes_time,
            target_min=cfg.target.p1_within_min)
    facts = {"residents_by_office": [int(residents[area_of == o].sum()) for o in range(offices)],
             "area_km2_by_office": [float((area_of == o).sum() * cell_area / 1e6) for o in range(offices)],
             "residents": int(total_residents), "offices": offices}
    return out, facts, district


def window_load(cfg: Config, residents: int) -> tuple[float, float]:
    """Window arrivals per open minute that reach a clerk, and the clerks' service
    rate per minute, for one office (Erlang C start for the window)."""
    w = cfg.window
    per_day = w.requests_per_1000_per_year * residents / 1000.0 / 365.0
    to_clerk = per_day * (1.0 - w.online_share) * (1.0 - w.self_service_share)
    open_min = (w.close_h - w.open_h) * MIN_PER_HOUR
    return to_clerk / open_min, 1.0 / w.service_mean_min
