"""A call type's schema (``calls.NAME``) and the default call mix, read by
background calls (sim.policing.calls), offenders (sim.policing.crime) and the
dispatcher (priorities, who may attend)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List

from sim.core.checks import ConfigError, _choice, _range
from sim.core.hour_profiles import HOUR_PROFILES
from sim.core.roles import ROLES
from sim.i18n import Translator

_ = Translator("checks")

SERVICE_DISTS = ("lognormal", "exponential", "deterministic", "erlang2")
PLACES = ("residents", "activity", "elderly_alone")
CALL_SOURCES = ("background", "crime")


@dataclass
class CallTypeConfig:
    priority: int = 3  # dispatch order, 1 = highest; assumption (per type: default_call_types below)
    # background: calls; crime: crimes committed (before deterrence); assumption (per type: default_call_types)
    rate_per_1000_per_year: float = 0.0
    on_scene_mean_min: float = 20.0  # mean on-scene time; DOMAIN §3 (18-40 min handling)
    on_scene_cv: float = 0.6  # coefficient of variation of on-scene time (lognormal); assumption
    # roles the dispatcher may send; DOMAIN §2 (auxiliaries assist officers)
    eligible_roles: List[str] = field(default_factory=lambda: ["officer", "auxiliary"])
    violent: bool = False  # violent calls need an officer (auxiliary never alone); DOMAIN §2
    source: str = "background"  # background (Poisson) | crime (offenders' reported crimes); issue 5
    hour_profile: str = "day"  # time-of-day shape (sim/core/hour_profiles.py); assumption
    place: str = "residents"  # where it happens: by residents, or by activity (shops, market); assumption
    report_prob: float = 1.0  # crime source only: share of crimes reported to the office; assumption
    on_scene_dist: str = "lognormal"  # lognormal (uses cv) | exponential | deterministic | erlang2; assumption
    contact: bool = True  # crime source only: false = non-contact (fraud): presence does not deter it; seed 003 §7.1
    near_repeat: bool = False  # crime source only: each one raises the risk around it (crime.near_repeat_*); Johnson et al. 2007
    # [] = use the named shapes above; fitted from a district's own records (``calls_csv``, sim/policing/calls_csv.py)
    hour_weights: List[float] = field(default_factory=list)  # 24 relative rates, hour 0-23 (replaces hour_profile)
    # 7 relative rates, Monday first (sim day 0 = Monday); fitted from calls_csv
    weekday_weights: List[float] = field(default_factory=list)
    # relative intensity per cell, flat index x * rows + y; fitted from calls_csv
    cell_weights: List[float] = field(default_factory=list)

    def validate(self, path: str, derived: bool = False) -> None:
        """``derived``: made by the queueing check from ``queueing.*`` (checked
        there): its rate is the theory's, per hour, not a residents' rate."""
        _range(f"{path}.priority", self.priority, 1, 9)
        for key, n in (("hour_weights", 24), ("weekday_weights", 7), ("cell_weights", None)):
            w = getattr(self, key)
            if w and ((n is not None and len(w) != n) or min(w) < 0 or sum(w) <= 0
                      or not all(math.isfinite(v) for v in w)):
                raise ConfigError(f"{path}.{key}", f"{len(w)} values",
                                  _("needs {n} non-negative finite weights, not all zero").format(n=n) if n
                                  else _("needs one per cell: non-negative finite weights, not all zero"))
        _range(f"{path}.rate_per_1000_per_year", self.rate_per_1000_per_year, 0, None if derived else 10_000)
        _range(f"{path}.on_scene_mean_min", self.on_scene_mean_min, 0, 24 * 60, lo_open=True)
        _range(f"{path}.on_scene_cv", self.on_scene_cv, 0, 5)
        _range(f"{path}.report_prob", self.report_prob, 0, 1)
        _choice(f"{path}.source", self.source, CALL_SOURCES)
        _choice(f"{path}.on_scene_dist", self.on_scene_dist, SERVICE_DISTS)
        _choice(f"{path}.hour_profile", self.hour_profile, tuple(HOUR_PROFILES))
        _choice(f"{path}.place", self.place, PLACES)
        if not self.eligible_roles:
            raise ConfigError(f"{path}.eligible_roles", [], _("needs at least one role"))
        for role in self.eligible_roles:
            _choice(f"{path}.eligible_roles", role, ROLES)
        if (self.priority == 1 or self.violent) and (
                {"volunteer", "grid_worker"} & set(self.eligible_roles)):
            raise ConfigError(f"{path}.eligible_roles", list(self.eligible_roles),
                              _("volunteers and grid workers are never sent to emergencies or violent calls"))
        if self.violent and "officer" not in self.eligible_roles:
            raise ConfigError(f"{path}.eligible_roles", list(self.eligible_roles),
                              _("a violent call needs 'officer' (auxiliaries never go alone)"))


def default_call_types() -> Dict[str, CallTypeConfig]:
    """The call mix; rates are assumptions sized to DOMAIN §3 (about 18-40 min handling)."""
    return {
        # fights, domestic violence; DOMAIN §3 seed 000: "3-minute arrival" target
        "emergency": CallTypeConfig(1, 6.0, 35.0, 0.6, ["officer"], True, "background", "evening"),
        # one-click alarm; DOMAIN §3 seed 003 §1.2: 37 rescues/yr at one office
        # from elderly residents living alone (community.elderly_*): 4 per 1,000 residents is about 0.05
        # per such person a year, 120 a year in urban_core, where one office rescued 37 (seed 003 §1.2)
        "elderly_alarm": CallTypeConfig(1, 4.0, 25.0, 0.6, ["officer", "auxiliary"], False,
                                        "background", "day", "elderly_alone"),
        # Huainan 110, 2012: 12,703 dispute calls (DOMAIN §7) among the 2.46 M residents of that year's
        # boundaries (2011; Shou County joined in 2015: DOMAIN's 3.7 divides by today's 3.4 M) = 5.2 per
        # 1,000 a year. An urban office of 30,000 then sees ~155 disputes a year, inside 23 (national
        # mean per office, seed 003 §1.4) to 320 (a best-practice office, seed 003 §5.1); was 25 (787 a year)
        "dispute": CallTypeConfig(2, 5.2, 40.0, 0.6, ["officer", "auxiliary"], False,
                                  "background", "evening"),
        # crimes committed per 1,000 residents a year; reported share; assumption
        "theft": CallTypeConfig(2, 25.0, 25.0, 0.6, ["officer", "auxiliary"], False,
                                "crime", "evening", "activity", 0.6),
        # burglary at night, where people live, with near repeats (crime.near_repeat_*); rate an assumption
        "burglary": CallTypeConfig(2, 4.0, 45.0, 0.6, ["officer", "auxiliary"], False,
                                   "crime", "night", "residents", 0.9, near_repeat=True),
        # DOMAIN §3 seed 003 §7.1: telecom fraud, non-contact (patrols do not deter it; awareness does)
        "fraud": CallTypeConfig(3, 10.0, 30.0, 0.6, ["officer", "auxiliary"], False,
                                "crime", "day", "residents", 0.7, contact=False),
        # street robbery and violence (DOMAIN §2, seeds 000, 003 §7.1); rate an assumption
        "robbery": CallTypeConfig(1, 3.0, 40.0, 0.6, ["officer"], True, "crime", "evening", "activity", 0.85),
        # assaults come only from disputes that escalate (crime.escalation_*; seeds 000/004 "民转刑")
        "assault": CallTypeConfig(1, 0.0, 35.0, 0.6, ["officer"], True, "crime", "evening", "residents", 1.0),
        # disputes a home visit surfaced, mediated on the spot (rate 0: made by the model; DOMAIN §3, §2:
        # volunteers help with mediation); dispute and mediation on-scene times follow community.mediation
        "mediation": CallTypeConfig(3, 0.0, 50.0, 0.6, ["officer", "auxiliary", "volunteer", "grid_worker"], False,
                                    "background", "day"),
        # DOMAIN §3 seed 001/003: service requests handled in 10-15 min
        "service_request": CallTypeConfig(3, 60.0, 15.0, 0.6, ["officer", "auxiliary"], False,
                                          "background", "office_hours", "activity"),
        # DOMAIN §3 seed 001/002: hazards found and rectified; volunteers and grid workers attend
        "hazard_report": CallTypeConfig(4, 15.0, 20.0, 0.6, ["officer", "auxiliary", "volunteer", "grid_worker"],
                                        False, "background", "day", "activity"),
    }
