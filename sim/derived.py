"""Values derived from the config, computed in one place for the model and
the planner (sim/plan), so the two never disagree: the call types with the
sweep multipliers applied, the staff of each office, unit speeds, window clerks.
"""
from __future__ import annotations

import dataclasses

from sim.config import CallTypeConfig, Config
from sim.core.units import MIN_PER_HOUR

M_PER_KM = 1000.0


def scaled_call_types(cfg: Config) -> list[tuple[str, CallTypeConfig]]:
    """The call types with the sweep multipliers of ``cfg.scale`` and the
    district's demand factors applied. Rates and means scale the draws without
    changing which random numbers are drawn for on-scene times and reporting,
    so common random numbers survive."""
    sc = cfg.scale
    return [(name, dataclasses.replace(
        c, rate_per_1000_per_year=c.rate_per_1000_per_year * sc.call_rate_factor * district_rate_factor(cfg, c),
        on_scene_mean_min=c.on_scene_mean_min * sc.on_scene_time_factor,
        report_prob=min(1.0, c.report_prob * sc.report_prob_factor)))
        for name, c in cfg.calls.items()]


def district_rate_factor(cfg: Config, call: CallTypeConfig) -> float:
    """How much more (or less) of ``call`` the district's residents make than the
    configured rate: ``district.crime_rate_factor`` for crimes,
    ``district.call_rate_factor`` for every other call. Rates fitted from the
    district's own records (``calls_csv``) and the queueing check's theory
    rates are the district's already: 1."""
    if cfg.calls_csv is not None or cfg.queueing.enabled:
        return 1.0
    d = cfg.district
    return d.crime_rate_factor if call.source == "crime" else d.call_rate_factor


def office_staff_counts(cfg: Config, district, office: int) -> dict[str, int]:
    """People of each role at one office, from whichever way the config states
    it (the officers may follow the office's residents)."""
    return cfg.staffing.office_counts(office, int(district.residents[district.office_area == office].sum()))


def staff_counts_by_office(cfg: Config, district) -> list[dict[str, int]]:
    return [office_staff_counts(cfg, district, o) for o in range(len(district.offices))]


def speed_m_per_min(cfg: Config, role: str) -> float:
    """How fast a unit of ``role`` travels: its mode's speed times the sweep factor."""
    return mode_speed_m_per_min(cfg, cfg.staffing.mode[role])


def mode_speed_m_per_min(cfg: Config, mode: str) -> float:
    """How fast a unit travels by ``mode`` (foot, ebike, car), times the sweep factor."""
    return cfg.travel.speed_kmh[mode] * cfg.scale.travel_speed_factor * M_PER_KM / MIN_PER_HOUR


def window_clerks(cfg: Config, offices: int) -> int:
    """Clerks at the service windows of all offices (auxiliaries, posts after the fleet's)."""
    return cfg.window.clerks_per_office * offices if cfg.window.enabled else 0


def offender_count(cfg: Config, district) -> int:
    """Motivated offenders living in the district (``crime.offenders_per_10k_residents``)."""
    return int(round(cfg.crime.offenders_per_10k_residents * int(district.residents.sum()) / 10_000))
