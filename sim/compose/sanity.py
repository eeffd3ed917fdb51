"""Warnings for configurations that are legitimate experiments but probably
not what the user meant: they run, and the user is told in one line each
before anything starts (what is plain nonsense is refused by the schema)."""
from __future__ import annotations

import sys

from sim.config import Config
from sim.core.roles import ROLES
from sim.derived import scaled_call_types
from sim.policing.staffing_config import STAFF_COUNT_KEYS

MIN_EXPECTED_CALLS = 1.0  # fewer calls expected in the whole run: warn; assumption
GIS_DROPPED_WARN_SHARE = 0.1  # road nodes cut off the main network (refused over 0.5, sim.geo.roads); assumption
GIS_DEFAULT_SPEED_WARN_SHARE = 0.5  # road length at the default speed: the class field probably wrong; assumption


def staff_totals(cfg: Config) -> dict[str, int | None]:
    """People of each role over all offices (officers None: they follow the residents, at least one each)."""
    counts = [cfg.staffing.office_counts(o) for o in range(cfg.district.offices)]
    return {role: None if any(c[role] is None for c in counts) else sum(c[role] for c in counts) for role in ROLES}


def gis_warnings(cfg: Config) -> list[str]:
    """A district from files that built, but probably not as meant."""
    if cfg.district.kind != "gis":
        return []
    from sim.geo.build import gis_build

    info, g, out = gis_build(cfg.district.gis).info, cfg.district.gis, []
    nodes = info["road_nodes"] + info["road_nodes_dropped"]
    if nodes and info["road_nodes_dropped"] > GIS_DROPPED_WARN_SHARE * nodes:
        out.append(f"district.gis.roads: {info['road_nodes_dropped']} of {nodes} road nodes are not connected to "
                   "the main network and are left out (lines that should meet do not; district.gis.snap_m?)")
    if info.get("road_default_speed_share", 0) > GIS_DEFAULT_SPEED_WARN_SHARE:
        out.append(f"district.gis.roads: {info['road_default_speed_share']:.0%} of the road length has no speed "
                   f"(no class of district.gis.road_speed_kmh in field {g.road_class_field!r}, no "
                   f"road_speed_field): it runs at default_road_speed_kmh {g.default_road_speed_kmh:g}")
    return out


def warnings_for(cfg: Config) -> list[str]:
    out = gis_warnings(cfg)
    totals = staff_totals(cfg)
    present = {role for role, n in totals.items() if n is None or n > 0}
    if not present:
        return [f"nobody is on any roster ({', '.join(k for k in STAFF_COUNT_KEYS.values())} are all 0): no call "
                "will be served and crime meets no guardian (a baseline, if that is what you want)"]
    if cfg.response.has("station") and cfg.response.station.units_per_shift() == 0:
        out.append("response.station has no patrol cars and no duty officers: the station's own calls wait to "
                   "the end of the run and it backs nobody up (response.tiers=office leaves the station out)")
    backup = cfg.dispatch.name in ("office_first", "nearest_any") and cfg.response.has("station") and (
        cfg.response.station.units_per_shift() > 0)
    present |= {"officer"} if backup else set()  # the station's officers back the office up (issue 19)
    unserved = [name for name, call in cfg.calls.items()
                if not (set(call.eligible_roles) & present) and (call.rate_per_1000_per_year > 0
                                                                  or name in ("assault", "mediation"))]
    if unserved:
        out.append(f"no staff on the rosters may take {', '.join(unserved)} calls (only "
                   f"{', '.join(sorted({r for n in unserved for r in cfg.calls[n].eligible_roles}))} may): "
                   "those calls will wait to the end of the run")
    days = cfg.sim.days - cfg.sim.warmup_days
    expected = sum(c.rate_per_1000_per_year * (c.report_prob if c.source == "crime" else 1.0)
                   for _, c in scaled_call_types(cfg)) * cfg.district.residents / 1000.0 * days / 365.0
    if expected < MIN_EXPECTED_CALLS and not cfg.queueing.enabled:
        out.append(f"the call rates give about {expected:.2g} calls in {days:g} simulated day(s) for "
                   f"{cfg.district.residents:,} residents: the run will have (almost) no calls")
    q = cfg.queueing
    if q.enabled and q.capacity == "infinite" and q.load() >= 1.0:
        out.append(f"queueing: the load is {q.load():.3g} >= 1 ({sum(q.rates()):g} calls/h, {q.servers} server(s) of "
                   f"{q.service_mean_min:g} min): the queue grows without end and steady-state theory does not apply")
    if cfg.exercise.replay is not None:
        from sim.exercise.replay import load_replay

        if not load_replay(cfg.exercise.replay, cfg):
            out.append(f"exercise.replay={cfg.exercise.replay} holds no events: the exercise runs with no injects "
                       "and no decisions")
    return out


def warn(configs: list[Config], stream=None) -> None:
    """Print each distinct warning of these configurations once, on stderr."""
    seen = []
    for cfg in configs:
        for text in warnings_for(cfg):
            if text not in seen:
                seen.append(text)
    for text in seen:
        print(f"warning: {text}", file=stream or sys.stderr)
