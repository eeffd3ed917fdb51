"""Where and when offenders strike, and what stops them (routine activity
theory: a motivated offender meets a suitable target without a capable guardian).

Attempts by all offenders together form a Poisson process whose rate, with no
guardians anywhere, equals the configured crime rate of each type
(``rate_per_1000_per_year`` of ``source: crime`` call types), shaped by each
type's hour-of-day profile (thinning). Targets are chosen by attractiveness
(land use, and near-repeat risk after burglaries) x distance decay from the
offender's home. An attempt on a contact crime is abandoned with probability
1 - exp(-hazard), the hazard summing:

- staff on duty nearby: ``deterrence_per_guardian`` each within the guardian
  radius, fading beyond it over ``diffusion_m`` (diffusion of benefits);
- a camera on the target cell; residents at home in it;
- residual deterrence left by recent stays nearby, growing with how long the
  stay lasted and fading after it ended (Koper 1995).

A deterred offender may strike elsewhere instead (``displacement_prob``): the
new target lies 1 to 3 times ``displacement_min_m`` from the deterred one, and
the attempt goes ahead unless he sees staff or a camera there. Non-contact crime (fraud)
ignores guardians; awareness campaigns stop part of it.

Common random numbers: each offender has its own stream, and every attempt
draws its waiting time and one seed for a private generator from it, whatever
happens next. So a policy that deters one attempt changes that attempt's
outcome only; every offender's sequence of attempts is the same under any policy.
"""
from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING, Callable

import numpy as np

from sim.core.rng import choice_cdf, draw_index
from sim.core.roles import ROLE_CODE
from sim.core.units import MIN_PER_DAY
from sim.policing.calls import HOUR_PROFILES, MIN_PER_YEAR, place_weights

if TYPE_CHECKING:
    from sim.policing.calls_config import CallTypeConfig
    from sim.policing.crime_config import CrimeConfig

DECAY_CACHE_BYTES = 64 * 2**20  # distance-decay rows kept per offender home; assumption (a laptop's share)
AT_HOME_SHARE = np.where((np.arange(24) >= 22) | (np.arange(24) < 7), 0.9, 0.5)  # residents at home; assumption


def attractiveness(district, place: str, exponent: float) -> np.ndarray:
    """How much a cell draws crime of a kind: its land-use weight, sharpened
    (crime concentrates in few places); sums to 1."""
    w = place_weights(district, place) ** exponent
    return w / w.sum()


def crime_risk(district, call_types, exponent: float) -> np.ndarray:
    """Expected street crime per cell before anyone patrols: each contact
    crime type's attractiveness times its rate (fraud happens by phone: no
    place a patrol can guard). The hot-spot prior and the displacement
    metrics' treated area both rank cells by it; sums to 1."""
    risk = np.zeros(district.width * district.height)
    for _, c in call_types:
        if c.source == "crime" and c.contact and c.rate_per_1000_per_year > 0:
            risk += c.rate_per_1000_per_year * attractiveness(district, c.place, exponent)
    if risk.sum() == 0:
        risk = 0.5 * place_weights(district, "activity") + 0.5 * place_weights(district, "residents")
    return risk / risk.sum()


class CrimeModel:
    """``aware_share(flat)``: the share of a cell's residents aware of
    anti-fraud advice (the community's, or a constant without one)."""

    def __init__(self, cfg: CrimeConfig, kinds: list[tuple[str, CallTypeConfig]], district, fleet,
                 n_offenders: int, aware_share: Callable[[int], float]):
        self.cfg, self.district, self.fleet = cfg, district, fleet
        self.kinds = [name for name, _ in kinds]
        self.kind_cfg = dict(kinds)
        residents = float(district.residents.sum())
        rates = np.array([c.rate_per_1000_per_year * residents / 1000.0 / MIN_PER_YEAR for _, c in kinds])
        self.total_rate_per_min = float(rates.sum())
        self.kind_p = rates / rates.sum() if rates.sum() > 0 else rates
        self._kind_cdf = choice_cdf(self.kind_p) if rates.sum() > 0 else None  # no attempts at all otherwise
        self.profiles = np.array([np.asarray(c.hour_weights, float) / np.mean(c.hour_weights) if c.hour_weights
                                  else HOUR_PROFILES[c.hour_profile] for _, c in kinds])  # fitted shapes win
        self.peak = float(self.profiles.max()) if len(kinds) else 1.0
        self.n_offenders = n_offenders
        self.place_w = {name: attractiveness(district, c.place, cfg.concentration_exponent) for name, c in kinds}
        n_cells = district.width * district.height
        xs, ys = district.unflatten(np.arange(n_cells))
        self.cell_x, self.cell_y = district.cell_centre_m(xs, ys)
        self.deterred: list[tuple[str, float, int]] | None = []  # (kind, time, offender) of each abandoned
        # attempt; None: not kept (a streamed run keeps only the count after the warm-up)
        self.deterred_after_warmup = 0
        # every contact attempt's expected crimes: its chance of going ahead where it was aimed, and a mobile
        # offender's chance of striking where he would go instead (time, x, y, flat cell, probability). Summed by area
        # they give crimes_*_expected: the count's expectation given the attempts (Rao-Blackwell), without the
        # coin flip of each deterrence, so effects of policing show with far fewer runs (sim.calibrate)
        self.expected: tuple[list, ...] = ([], [], [], [], [])
        self.cameras = np.zeros(n_cells, dtype=bool)  # per flat cell; set by policies
        self.resident_hazard = cfg.resident_guardianship_per_1000 * district.residents.ravel() / 1000.0
        self.base_resident_hazard = self.resident_hazard.copy()  # at the initial participation (sim.community.trust)
        self.aware_share = aware_share
        # residual deterrence: the strongest recent stay per cell (where, when it ended, how strong)
        self.stay_x, self.stay_y = np.zeros(n_cells), np.zeros(n_cells)
        self.stay_end = np.full(n_cells, -np.inf)
        self.stay_strength = np.zeros(n_cells)
        self.patrol_stops: list[tuple[float, float, float, float]] = []  # (x, y, arrived, left)
        reach = cfg.guardian_radius_m
        self._block = max(1, math.ceil(reach / district.cell_size_m))
        self.near_repeats: deque = deque()  # (t, cells within the radius) of recent near-repeat crimes
        self._decay: dict[int, np.ndarray] = {}  # home cell -> distance decay over every cell (homes are fixed)
        self._decay_max = max(1, DECAY_CACHE_BYTES // (8 * len(self.cell_x)))

    # --- attempts -----------------------------------------------------------
    def time_to_next_attempt(self, rng: np.random.Generator) -> float:
        """Candidate attempts per offender at the peak-hour rate (thinned later)."""
        rate = self.total_rate_per_min * self.peak / self.n_offenders
        return float(rng.exponential(1.0 / rate)) if rate > 0 else float("inf")

    def pick_kind(self, t_min: float, rng: np.random.Generator) -> str | None:
        k = draw_index(rng, self._kind_cdf)
        hour = int(t_min // 60) % 24
        if rng.random() * self.peak > self.profiles[k, hour]:
            return None
        return self.kinds[k]

    def choose_target(self, home_flat: int, kind: str, rng: np.random.Generator, t_min: float,
                      avoid: tuple[float, float] | None = None) -> tuple[float, float, int]:
        """Attractiveness x distance decay from home; near-repeat risk for
        burglary-like types; ``avoid``: a deterred target a displaced offender
        moves away from."""
        w = self.place_w[kind] * self._home_decay(home_flat)
        if self.kind_cfg[kind].near_repeat:
            w = w * self.near_repeat_factor(t_min)
        if avoid is not None:  # next door: just beyond the guarded spot's reach, not across town
            d_avoid = np.hypot(self.cell_x - avoid[0], self.cell_y - avoid[1])
            m = self.cfg.displacement_min_m
            ring = (d_avoid >= m) & (d_avoid <= 3.0 * m)
            w = w * ring if (w * ring).sum() > 0 else w
        flat = draw_index(rng, choice_cdf(w / w.sum()))
        size = self.district.cell_size_m
        cx, cy = self.district.unflatten(flat)
        return float((cx + rng.random()) * size), float((cy + rng.random()) * size), flat

    def _home_decay(self, home_flat: int) -> np.ndarray:
        """exp(-distance / journey) from a home cell to every cell, computed once per home (within a
        memory budget): offenders live where they live, and this was a whole-grid pass per attempt."""
        decay = self._decay.get(home_flat)
        if decay is None:
            d = np.abs(self.cell_x - self.cell_x[home_flat]) + np.abs(self.cell_y - self.cell_y[home_flat])
            decay = np.exp(-d / self.cfg.journey_mean_m)
            if len(self._decay) < self._decay_max:
                self._decay[home_flat] = decay
        return decay

    def near_repeat_factor(self, t_min: float) -> np.ndarray:
        """1 + boost x exp(-age / near_repeat_days) for cells within the radius
        of each recent near-repeat crime (Johnson et al. 2007). Each crime's
        cells are found once, when it happens: a city-wide distance matrix
        per attempt dominated city runs."""
        horizon = 4.0 * self.cfg.near_repeat_days * MIN_PER_DAY
        while self.near_repeats and self.near_repeats[0][0] < t_min - horizon:
            self.near_repeats.popleft()
        factor = np.ones(len(self.cell_x))
        if not self.near_repeats:
            return factor
        t = np.array([t for t, _ in self.near_repeats])
        decay_min = self.cfg.near_repeat_days * MIN_PER_DAY
        weight = (self.cfg.near_repeat_boost * np.exp(-(t_min - t) / decay_min)).tolist()
        extra = np.zeros(len(self.cell_x))
        cells = [c for _, c in self.near_repeats]
        np.add.at(extra, np.concatenate(cells), np.repeat(weight, [len(c) for c in cells]))  # in crime order
        factor += extra
        return factor

    def participation_changed(self, extra_guardianship: np.ndarray) -> None:
        """Residents in community work watch their cells: the resident hazard grows by that factor."""
        self.resident_hazard = self.base_resident_hazard * (1.0 + extra_guardianship)

    def committed(self, kind: str, t_min: float, x: float, y: float) -> None:
        if self.kind_cfg[kind].near_repeat:
            near = np.hypot(self.cell_x - x, self.cell_y - y) <= self.cfg.near_repeat_radius_m
            self.near_repeats.append((t_min, near.nonzero()[0]))

    def expect(self, t_min: float, x: float, y: float, flat: int, p: float) -> None:
        for column, value in zip(self.expected, (t_min, x, y, flat, p)):
            column.append(value)

    # --- what stops an attempt ----------------------------------------------
    def guardians(self, x: float, y: float, t_min: float) -> int:
        """On-duty staff within the guardian radius (straight-line), one numpy pass."""
        return self.presence(x, y, t_min)[0]

    def presence(self, x: float, y: float, t_min: float) -> tuple[int, float]:
        """(staff within the radius, their deterrence hazard incl. the fading
        reach beyond it)."""
        on = np.flatnonzero(self.fleet.on_duty)
        if len(on) == 0:
            return 0, 0.0
        px, py = self.fleet.positions(t_min, on)
        d = np.hypot(px - x, py - y)
        r, fade = self.cfg.guardian_radius_m, self.cfg.diffusion_m
        inside = d <= r
        weight = inside.astype(float)
        if fade > 0:
            weight += ~inside * np.exp(-(d - r) / fade)
        return int(inside.sum()), self.cfg.deterrence_per_guardian * float(weight.sum())

    def hazard(self, kind: str, x: float, y: float, flat: int, t_min: float) -> tuple[float, int]:
        """(total deterrence hazard, staff within the radius) of one attempt."""
        if not self.kind_cfg[kind].contact:
            return 0.0, 0
        guards, h = self.presence(x, y, t_min)
        h += self.cfg.camera_deterrence * self.cameras[flat]
        h += self.resident_hazard[flat] * AT_HOME_SHARE[int(t_min // 60) % 24]
        h += self.residual(x, y, flat, t_min)
        return h, guards

    def is_deterred(self, hazard: float, u: float) -> bool:
        """``u``: a uniform drawn for every attempt, guarded or not (common random numbers)."""
        return bool(u < 1.0 - math.exp(-hazard))

    def aware_refusal(self, kind: str, u: float, flat: int) -> bool:
        """Non-contact crime: an aware target refuses (awareness campaigns,
        contacts and patrols spread awareness: sim.community.trust)."""
        if self.kind_cfg[kind].contact:
            return False
        return u < self.aware_share(flat) * self.cfg.awareness_efficacy

    def witnesses(self, x: float, y: float, t_min: float) -> int:
        """On-duty volunteers and grid workers near a crime see it and report it
        (DOMAIN §2: volunteers report what they see)."""
        watchers = np.flatnonzero(self.fleet.on_duty & (self.fleet.role >= ROLE_CODE["volunteer"]))
        if len(watchers) == 0:
            return 0
        px, py = self.fleet.positions(t_min, watchers)
        return int(np.count_nonzero((px - x) ** 2 + (py - y) ** 2 <= self.cfg.guardian_radius_m ** 2))

    # --- residual deterrence ------------------------------------------------
    def record_stay(self, x: float, y: float, arrived: float, left: float, patrol: bool) -> None:
        """A unit on duty stood at (x, y) from ``arrived`` to ``left``: keep it
        if it deters that cell more than what is left of the previous stay."""
        dwell = left - arrived
        if dwell <= 0:
            return
        if patrol:
            self.patrol_stops.append((x, y, arrived, left))
        c = self.cfg
        strength = c.residual_max * (1.0 - math.exp(-dwell / c.residual_build_min))
        d = self.district
        cx = min(max(int(x // d.cell_size_m), 0), d.width - 1)  # scalar cell_of: this runs per stay
        cy = min(max(int(y // d.cell_size_m), 0), d.height - 1)
        flat = cx * d.height + cy
        left_over = self.stay_strength[flat] * math.exp(-(left - self.stay_end[flat]) / c.residual_decay_min)
        if strength >= left_over:
            self.stay_x[flat], self.stay_y[flat] = x, y
            self.stay_end[flat], self.stay_strength[flat] = left, strength

    def residual(self, x: float, y: float, flat: int, t_min: float) -> float:
        """Residual hazard at (x, y): ended stays within the guardian radius."""
        h, b = self.district.height, self._block
        cx, cy = flat // h, flat % h
        xs = np.arange(max(cx - b, 0), min(cx + b + 1, self.district.width))
        ys = np.arange(max(cy - b, 0), min(cy + b + 1, h))
        cells = (xs[:, None] * h + ys[None, :]).ravel()
        end = self.stay_end[cells]
        ok = (end <= t_min) & (np.hypot(self.stay_x[cells] - x, self.stay_y[cells] - y) <= self.cfg.guardian_radius_m)
        if not ok.any():
            return 0.0
        return float(np.sum(self.stay_strength[cells][ok]
                            * np.exp(-(t_min - end[ok]) / self.cfg.residual_decay_min)))
