"""What a plan costs (issue 19), counted as a run's summary counts it.

- A year of an office plan: staff pay and the offices' running cost by
  ``sim.output.kpi.cost_summary`` (``cost.running_includes_staff``: by default
  the running cost already pays for the reference team, seed 003 §5.3), plus the
  district's share of the station's and rapid units (``sim.run.tiers_cost``,
  measured in each replication).
- Once: building the offices still to be built (``plan.new_offices`` x
  ``cost.office_build_kyuan``, ``sim.output.kpi.building_cost_kyuan``). The
  planner staffs the configured offices and never proposes another.
- The station plan's patrol cars: people behind each car around the clock
  (``response.station.people_per_post``) at an officer's pay
  (``sim.policing.tiers.staff_cost_kyuan_per_year``), the whole station's.
"""
from __future__ import annotations

import dataclasses

from sim.config import Config
from sim.output.kpi import building_cost_kyuan, cost_summary
from sim.policing.tiers import staff_cost_kyuan_per_year, tier_posts

COST_ROLES = {"officer": "officers", "auxiliary": "auxiliaries", "volunteer": "volunteers",
              "grid_worker": "grid_workers"}
COST_PARTS = (*COST_ROLES.values(), "office_running", "tiers")  # add up to total_kyuan


def annual_cost(cfg: Config, people: dict[str, int], offices: int, residents: int, tiers_kyuan: float) -> dict:
    """Thousand yuan a year, split as summary.json's ``cost_*`` (``cost_summary``).
    ``people``: headcount by plan key (officers, auxiliaries incl. window clerks,
    volunteers, grid_workers)."""
    s = cost_summary({role: int(people.get(key, 0)) for role, key in COST_ROLES.items()}, cfg, offices,
                     residents, tiers_kyuan)
    out = {key: round(s[f"cost_{role}_kyuan_per_year"], 1) for role, key in COST_ROLES.items()}
    out["office_running"] = round(s["cost_running_kyuan_per_year"], 1)
    out["tiers"] = round(s["cost_tiers_kyuan_per_year"], 1)
    out["total_kyuan"] = round(s["cost_total_kyuan_per_year"], 1)
    per_office, per_resident = s["cost_per_office_kyuan_per_year"], s["cost_per_resident_yuan_per_year"]
    out["per_office_kyuan"] = None if per_office is None else round(per_office, 1)
    out["per_resident_yuan"] = None if per_resident is None else round(per_resident, 2)
    out["running_includes_staff"] = bool(cfg.cost.running_includes_staff)
    return out


def building_cost(cfg: Config) -> dict:
    """The one-off cost of the offices still to be built (``plan.new_offices``)."""
    n = cfg.plan.new_offices
    return {"new_offices": n, "kyuan_per_office": cfg.cost.office_build_kyuan,
            "total_kyuan": round(building_cost_kyuan(n, cfg), 1), "planner_adds_offices": False}


def station_cars_cost(cfg: Config, district, cars: int) -> dict:
    """``cars`` patrol cars on duty per shift at the station: the people behind
    them and their pay a year (the whole station's, not the district's share)."""
    r = cfg.response
    cars_only = dataclasses.replace(r, tiers="office_station", station=dataclasses.replace(
        r.station, patrol_cars_per_shift=cars, duty_officers_per_shift=0))
    pay = cfg.staffing.cost_kyuan_per_year.get("officer", 0.0)
    kyuan = staff_cost_kyuan_per_year(cars_only, tier_posts(cars_only, district), pay, 1.0)
    return {"cars_per_shift": cars, "people": round(kyuan / pay, 1) if pay else None,
            "kyuan_per_year": round(kyuan, 1)}
