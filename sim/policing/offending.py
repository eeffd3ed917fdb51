"""The crime side of a run as a part of the model (sim.core.subsystem): the
crime model (sim.policing.crime) and its offenders (sim.agents.offender), the
crimes they commit, and what summary.json says about crime.

With crime off (or nobody to offend) the part is ``NoCrime``: no offenders,
and the crime keys of summary.json still appear, counted over whatever
incidents there are (an exercise's fraud wave).
"""
from __future__ import annotations

import numpy as np

from sim.core.rng import choice_cdf, draw_index
from sim.core.subsystem import RunTotals, Subsystem
from sim.policing.calls import service_minutes
from sim.policing.crime_metrics import (areas, displacement_summary, expected_summary, koper_summary,
                                        patrol_presence)


class CrimeOutcomes:
    """Arrests, displaced attempts, the displacement areas, the Koper measure
    and street crime, from the incidents table (sim.policing.crime_metrics)."""

    def __init__(self, call_cfg: dict, district, call_types: list, displacement, crime_cfg, policy_start_min: float):
        self.call_cfg, self.district, self.call_types = call_cfg, district, call_types
        self.displacement, self.crime_cfg, self.policy_start_min = displacement, crime_cfg, policy_start_min

    def summary(self, run: RunTotals, stops: list, arrests: int, displaced: int, expected=None) -> dict:
        incidents, warm = run.tables["incidents"], run.warmup_min
        kinds = incidents["type"].to_pylist()
        inc = {"t_min": incidents["t_min"].to_numpy(), "x_m": incidents["x_m"].to_numpy(),
               "y_m": incidents["y_m"].to_numpy(),
               "contact": np.array([self.call_cfg[k].contact for k in kinds], dtype=bool)}
        out = {"arrests": int(arrests), "crimes_displaced": int(displaced)}
        d = self.displacement
        masks = areas(self.district, self.call_types, d.treated_cells, d.buffer_m, d.control_gap_m,
                      self.crime_cfg.concentration_exponent)
        out.update(displacement_summary(inc, self.district, masks, self.policy_start_min, warm))
        out.update(expected_summary(expected, masks, self.policy_start_min, warm))
        stops = [s for s in stops if s[3] >= warm]
        out.update(patrol_presence(stops, self.district, masks[0]))
        attempts = None if expected is None else (expected[0], expected[1], expected[2], expected[4])
        out.update(koper_summary(stops, inc, self.crime_cfg.guardian_radius_m, run.horizon_min, attempts=attempts))
        after_warmup = inc["t_min"] >= warm
        out["crimes_street"] = int(np.sum(inc["contact"] & after_warmup))  # what patrols can deter
        return out


class Offending(Subsystem):
    stage = 5  # offenders (sim.model)

    def __init__(self, model, crime, offenders: list, outcomes: CrimeOutcomes, incident_book):
        self.model = model  # the parts' hooks, read as crimes happen
        self.crime, self.offenders, self.outcomes, self.incident_book = crime, offenders, outcomes, incident_book
        self.env, self.residents, self.call_cfg = model.env, model.residents, model.call_cfg
        residents = model.district.residents
        self._passer_by_cdf = choice_cdf(residents.ravel() / int(residents.sum()))  # anyone, by where they live

    # --- the model's hooks (sim.core.subsystem) -----------------------------
    def start(self, model) -> None:
        for offender in self.offenders:
            self.env.process(offender.life(self.crime, self.commit_crime))

    def incident(self, kind: str, t_min: float, x: float, y: float) -> None:
        self.crime.committed(kind, t_min, x, y)  # near-repeat risk

    def stay_ended(self, x: float, y: float, arrived: float, left: float, patrol: bool) -> None:
        self.crime.record_stay(x, y, arrived, left, patrol=patrol)  # residual deterrence, patrol stops

    def participation_changed(self, extra_guardianship: np.ndarray) -> None:
        self.crime.participation_changed(extra_guardianship)

    def keep_history(self, retain: bool) -> None:
        if not retain:
            self.crime.deterred = None

    def crimes_deterred(self) -> int:
        return self.crime.deterred_after_warmup

    def summary(self, run: RunTotals) -> dict:
        return self.outcomes.summary(run, self.crime.patrol_stops, sum(o.arrests for o in self.offenders),
                                     sum(o.displaced for o in self.offenders), self.crime.expected)

    # --- a crime ------------------------------------------------------------------
    def commit_crime(self, offender, kind: str, x: float, y: float, flat: int, guardians: int,
                     rng: np.random.Generator) -> None:
        """Record a crime; if it is reported, a call follows after a delay. ``rng``
        is the attempt's own generator: every draw below is made for every crime."""
        residents = self.residents
        passer_by = draw_index(rng, self._passer_by_cdf)
        victim_id = residents.pick_id(flat, rng)
        if victim_id < 0:  # nobody lives at the target (a shop, a market): a passer-by
            victim_id = residents.pick_id(passer_by, rng)
        victim = residents.agent(victim_id)
        residents.victimised[victim_id] += 1
        cfg = self.call_cfg[kind]
        u_report, delay = rng.random(), float(rng.exponential(self.crime.cfg.report_delay_mean_min))
        scene = float(service_minutes(rng, cfg.on_scene_dist, cfg.on_scene_mean_min, cfg.on_scene_cv, 1)[0])
        u_clear = rng.random()
        witnesses = self.crime.witnesses(x, y, self.env.now)
        seen = witnesses > 0 or bool(self.crime.cameras[flat])  # volunteers and cameras report what they see
        p_report = cfg.report_prob
        for adjust in self.model.hooks.report_prob:  # trust (sim.community.trust)
            p_report = adjust(victim_id, p_report)
        reported = bool(u_report < p_report or seen)
        self.incident_book.record(kind, x, y, offender, victim, guardians, reported, delay, scene, u_clear)


class NoCrime(Subsystem):
    def __init__(self, outcomes: CrimeOutcomes):
        self.outcomes = outcomes

    def crimes_deterred(self) -> int:
        return 0

    def summary(self, run: RunTotals) -> dict:
        return self.outcomes.summary(run, [], 0, 0)
