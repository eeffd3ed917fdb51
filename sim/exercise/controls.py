"""What injects and trainee decisions do to a running model.

The model keeps one hook for each lever (``model.controls``): who is on duty
(``duty``: off sick, called in), where an idle unit goes (``next_leg``: a
trainee's order before the policy), plus the dispatcher's intake delay, the
fleet's speeds and the policy, which are public already. Every inject draws
from its own child stream (``injects``, k) and trainee-ordered patrols from
``actions``, so neither shifts the background calls, the crimes or each other:
a run without the trainees' actions (the counterfactual) meets the very same
calls and injects.

Each ``fire_*`` / ``order_*`` method acts *now* and returns one line saying
what it did (for the decision log).
"""
from __future__ import annotations

import math

import numpy as np

from sim.calls import service_minutes
from sim.dispatch_rules import DispatchRule
from sim.fleet import ROLE_CODE

HOLD_RECHECK_MIN = 60.0  # a unit told to hold a spot re-confirms it hourly (an idle leg); assumption
MAJOR_INCIDENT_ROLES = ["officer", "auxiliary"]  # who can work a major incident scene; assumption


class PostedRule(DispatchRule):
    """Dispatch while the platform is down: the dispatcher cannot see where
    units are, only where they are posted. Units of the call's office first,
    then the one posted nearest; ties go to the unit idle longest."""

    def __init__(self, base: DispatchRule):
        super().__init__(base.preference_lists)
        self.base = base

    def needs(self, dispatcher, call):
        return self.base.needs(dispatcher, call)

    def choose(self, dispatcher, call, candidates):
        fleet = dispatcher.fleet
        own = candidates[fleet.office[candidates] == call.office]
        pool = own if len(own) else candidates
        post = fleet.post[pool]
        d = (np.asarray(dispatcher.travel.distance_m(post[:, 0], post[:, 1], call.x, call.y), float)
             if dispatcher.travel is not None else np.zeros(len(pool)))
        near = pool[d <= d.min() + 1e-9]
        return int(near[np.argmin(fleet.idle_since[near])])


class ExerciseControls:
    def __init__(self, model):
        self.model = model
        n = model.fleet.n
        self.sick_until = np.full(n, -np.inf)
        self.called_until = np.full(n, -np.inf)
        self.orders: dict[int, tuple] = {}  # unit -> ("post",) | ("hold", x, y) | ("patrol",)
        self.base_speed = model.fleet.speed.copy()
        self.slowdowns: list[float] = []  # speed factors of the storms now raging
        self.outages: list[float] = []  # relay minutes of the outages now on
        self.fraud_refused = 0  # attempts of fraud waves that aware residents refused
        self.called_in_minutes = 0.0  # staff time called in (overtime and reserves): what the decisions cost
        self.injects_fired = 0
        self._actions_rng = model.rngs["actions"]
        model.controls = self
        self.incident_roles = model.register_call_kind("major_incident", 1, False, MAJOR_INCIDENT_ROLES)

    @property
    def now(self) -> float:
        return self.model.env.now

    def _after(self, minutes: float, fn, *args) -> None:
        self.model.env.timeout(minutes).callbacks.append(lambda _e: fn(*args))

    def _rng(self) -> np.random.Generator:
        self.injects_fired += 1
        return self.model.rngs.child("injects", self.injects_fired)

    # --- hooks the model asks --------------------------------------------------
    def duty(self, i: int, rostered: bool) -> bool:
        if self.sick_until[i] > self.now:
            return False
        return rostered or self.called_until[i] > self.now

    def next_leg(self, i: int):
        order = self.orders.get(i)
        if order is None:
            return None
        if order[0] == "post":
            return "post"
        if order[0] == "hold":
            return order[1], order[2], HOLD_RECHECK_MIN
        m = self.model  # patrol the office area
        cells = m.patrol_area(i, "office_area")
        u0, u1, u2 = self._actions_rng.random(3).tolist()
        cx, cy = divmod(int(cells[int(u0 * len(cells))]), m.district.height)
        size = m.district.cell_size_m
        return (cx + u1) * size, (cy + u2) * size, m.cfg.policy.dwell_min

    # --- injects -----------------------------------------------------------------
    def fire_major_incident(self, x_m: float, y_m: float, units: int, on_scene_min: float) -> str:
        m = self.model
        mask = self.incident_roles
        call = m.new_call("major_incident", float(x_m), float(y_m), float(on_scene_min), "inject",
                          needs=[mask] * int(units))
        return f"call {call.call_id}: {units} units needed at ({x_m:.0f}, {y_m:.0f}) m for {on_scene_min:g} min"

    def fire_festival_crowd(self, x_m: float, y_m: float, radius_m: float, duration_h: float,
                            calls_per_hour: float, call_mix: dict[str, float]) -> str:
        """Extra calls around a point: Poisson in time, uniform over the disc
        (kept inside the district), types drawn from ``call_mix``."""
        m, rng = self.model, self._rng()
        names = sorted(call_mix)  # a canonical order: the log stores the mix with sorted keys
        p = np.array([call_mix[k] for k in names], float)
        p /= p.sum()
        end = self.now + duration_h * 60.0
        w, h = m.district.width * m.district.cell_size_m, m.district.height * m.district.cell_size_m

        def crowd():
            while calls_per_hour > 0:
                gap = float(rng.exponential(60.0 / calls_per_hour))
                r, a = radius_m * math.sqrt(rng.random()), 2 * math.pi * rng.random()
                k = int(rng.choice(len(names), p=p))
                c = m.call_cfg[names[k]]
                scene = float(service_minutes(rng, c.on_scene_dist, c.on_scene_mean_min, c.on_scene_cv, 1)[0])
                if self.now + gap >= end:
                    return
                yield m.env.timeout(gap)
                x = min(max(x_m + r * math.cos(a), 0.0), w - 1e-6)
                y = min(max(y_m + r * math.sin(a), 0.0), h - 1e-6)
                m.new_call(names[k], x, y, scene, "inject")

        m.env.process(crowd())
        return f"{calls_per_hour:g} extra calls/h within {radius_m:g} m of ({x_m:.0f}, {y_m:.0f}) for {duration_h:g} h"

    def fire_staff_sickness(self, role: str, count: int, duration_h: float | None, office: int | None) -> str:
        """``count`` people of ``role`` go off sick: those on duty first (in a
        random order), then those due on later; null duration = to the end."""
        m, rng = self.model, self._rng()
        fleet = m.fleet
        pool = (fleet.role == ROLE_CODE[role]) & (self.sick_until <= self.now)
        pool[m.n_rostered:] = False  # the rostered staff; reserves are called in fresh
        if office is not None:
            pool &= fleet.office == office
        ids = np.flatnonzero(pool)
        ids = ids[rng.permutation(len(ids))]
        ids = np.concatenate([ids[fleet.on_duty[ids]], ids[~fleet.on_duty[ids]]])[:count].tolist()
        until = m.horizon_min if duration_h is None else self.now + duration_h * 60.0
        for i in ids:
            self.sick_until[i] = until
            m.apply_duty(i)
            if until < m.horizon_min:
                self._after(until - self.now, m.apply_duty, i)
        span = "to the end" if duration_h is None else f"for {duration_h:g} h"
        return f"off sick {span}: {self._units(ids)}" if ids else f"no {role} to fall sick"

    def fire_dispatch_outage(self, duration_h: float, relay_min: float) -> str:
        d = self.model.dispatcher
        if not self.outages:
            self._rule_before_outage = d.rule
            d.rule = PostedRule(d.rule)
        self.outages.append(relay_min)
        d.intake_delay_min = max(self.outages)
        self._after(duration_h * 60.0, self._outage_over, relay_min)
        return f"platform down for {duration_h:g} h: calls relayed by phone (+{relay_min:g} min), units sent by post"

    def _outage_over(self, relay_min: float) -> None:
        d = self.model.dispatcher
        self.outages.remove(relay_min)
        d.intake_delay_min = max(self.outages, default=0.0)
        if not self.outages:
            d.rule = self._rule_before_outage

    def fire_severe_weather(self, duration_h: float, speed_factor: float) -> str:
        self.slowdowns.append(speed_factor)
        self._set_speeds()
        self._after(duration_h * 60.0, self._weather_over, speed_factor)
        return f"travel at {speed_factor:.0%} of normal speed for {duration_h:g} h (trips under way keep their time)"

    def _weather_over(self, factor: float) -> None:
        self.slowdowns.remove(factor)
        self._set_speeds()

    def _set_speeds(self) -> None:
        self.model.fleet.speed[:] = self.base_speed * float(np.prod(self.slowdowns) if self.slowdowns else 1.0)

    def fire_fraud_wave(self, duration_h: float, rate_factor: float) -> str:
        """Fraud attempts on top of the usual ones, at (rate_factor - 1) x the
        configured fraud rate, on residents anywhere. A resident aware of the
        office's anti-fraud advice refuses (crime.awareness_efficacy); the rest
        are crimes, reported with the fraud type's report probability."""
        m, rng = self.model, self._rng()
        cfg = m.call_cfg["fraud"]
        residents = m.district.residents.ravel().astype(float)
        per_min = cfg.rate_per_1000_per_year * residents.sum() / 1000.0 / 525_600.0 * (rate_factor - 1.0)
        p = residents / residents.sum()
        end = self.now + duration_h * 60.0
        efficacy = m.cfg.crime.awareness_efficacy
        aware_share = (m.crime.aware_share if m.crime is not None else
                       (m.community.aware_share if m.community is not None else (lambda flat: 0.0)))
        d = m.district

        def wave():
            while per_min > 0:
                gap = float(rng.exponential(1.0 / per_min))
                flat = int(rng.choice(len(p), p=p))
                u_refuse, u_report, u1, u2 = rng.random(4).tolist()
                delay = float(rng.exponential(m.cfg.crime.report_delay_mean_min))
                scene = float(service_minutes(rng, cfg.on_scene_dist, cfg.on_scene_mean_min, cfg.on_scene_cv, 1)[0])
                if self.now + gap >= end:
                    return
                yield m.env.timeout(gap)
                if u_refuse < aware_share(flat) * efficacy:
                    self.fraud_refused += 1
                    continue
                victim_id = m.residents.pick_id(flat, rng)
                victim = m.residents.agent(victim_id)
                m.residents.victimised[victim_id] += 1
                p_report = (cfg.report_prob if m.community is None
                            else m.community.report_prob(victim_id, cfg.report_prob))
                cx, cy = divmod(flat, d.height)
                m.record_incident("fraud", (cx + u1) * d.cell_size_m, (cy + u2) * d.cell_size_m, None, victim,
                                   0, bool(u_report < p_report), delay, scene, 1.0)

        m.env.process(wave())
        return f"fraud attempts at {rate_factor:g}x the usual rate for {duration_h:g} h"

    # --- trainee decisions ---------------------------------------------------------
    def order_move_unit(self, unit: int, x_m: float, y_m: float) -> str:
        self._check_unit(unit)
        self.orders[unit] = ("hold", float(x_m), float(y_m))
        return self._now_or_later(unit, f"to ({x_m:.0f}, {y_m:.0f}) m and hold")

    def order_set_task(self, unit: int, task: str) -> str:
        self._check_unit(unit)
        if task == "policy":
            self.orders.pop(unit, None)
        elif task == "hold":
            x, y = self.model.fleet.position_of(unit, self.now)
            self.orders[unit] = ("hold", x, y)
        else:
            self.orders[unit] = (task,)
        return self._now_or_later(unit, {"policy": "back to the policy", "post": "wait at the post",
                                         "hold": "hold where it is", "patrol": "patrol the office area"}[task])

    def order_set_policy(self, policy: str) -> str:
        import dataclasses

        from sim.scenarios import make_policy

        m = self.model
        m.replace_policy(make_policy(dataclasses.replace(m.cfg.policy, name=policy)))
        return f"deployment policy now {policy}"

    def order_call_in(self, role: str, count: int, hours: float, office: int | None) -> str:
        """Reserves of the role first, then its off-shift staff (overtime); never the sick."""
        m = self.model
        fleet = m.fleet
        free = (fleet.role == ROLE_CODE[role]) & ~fleet.on_duty & (self.sick_until <= self.now)
        if office is not None:
            free &= fleet.office == office
        reserve = np.arange(fleet.n) >= m.n_rostered
        ids = np.concatenate([np.flatnonzero(free & reserve), np.flatnonzero(free & ~reserve)])[:count].tolist()
        until = self.now + hours * 60.0
        for i in ids:
            self.called_in_minutes += max(0.0, min(until, m.horizon_min) - max(self.now, self.called_until[i]))
            self.called_until[i] = max(self.called_until[i], until)
            m.apply_duty(i)
            self._after(until - self.now, m.apply_duty, i)
        if not ids:
            return f"nobody to call in: every {role} is on duty or sick"
        short = f" (asked for {count})" if len(ids) < count else ""
        return f"on duty for {hours:g} h: {self._units(ids)}{short}"

    # --- helpers ---------------------------------------------------------------------
    def _check_unit(self, unit: int) -> None:
        if not 0 <= unit < self.model.fleet.n:
            raise ValueError(f"unit {unit} does not exist (units 0-{self.model.fleet.n - 1})")

    def _now_or_later(self, unit: int, what: str) -> str:
        m, fleet = self.model, self.model.fleet
        if fleet.on_duty[unit] and not fleet.busy[unit]:
            m.redeploy(unit)
            return f"unit {unit} {what}"
        state = "after its call" if fleet.busy[unit] else "when it comes on duty"
        return f"unit {unit} {what} ({state})"

    def _units(self, ids: list[int]) -> str:
        names = self.model.fleet.role_name
        return ", ".join(f"{names[i]} {i}" for i in ids)
