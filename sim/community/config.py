"""The community side's schemas: residents' state and how contacts move it
(``community.*``, read by sim.community.trust), how disputes are mediated
(``community.mediation``, sim.community.disputes) and the service window
(``window.*``, sim.community.window)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Dict, List

from sim.core.checks import ConfigError, _choice, _range, check_bounds
from sim.core.roles import ROLES
from sim.i18n import Translator

_ = Translator("checks")


@dataclass
class MediationConfig:
    """How disputes are mediated (issue 6; DOMAIN §3): the five-step method
    (listen, empathise, explain the law, negotiate, follow up) as a duration,
    mediator skill, and the outcome: resolved, repeat or escalated."""

    base_success: float = 0.89  # a fully trained officer's success rate; DOMAIN §3, seed 000 (89%)
    method: str = "five_step"  # five_step | quick (listen and negotiate only); seed 001/003 (the five steps)
    # minutes per step; the steps are seed 001/003's, the durations an assumption (sum 50 min)
    five_step_min: Dict[str, float] = field(default_factory=lambda: {
        "listen": 10.0, "empathise": 5.0, "explain_law": 10.0, "negotiate": 15.0, "follow_up": 10.0})
    quick_failure_factor: float = 2.0  # failure odds x this when steps are skipped; assumption
    # mediator skill by role: failure chance = (1 - base_success) / (skill x training efficiency); assumption
    skill: Dict[str, float] = field(default_factory=lambda: {
        "officer": 1.0, "auxiliary": 0.85, "volunteer": 0.8, "grid_worker": 0.8})
    early_failure_factor: float = 0.5  # disputes surfaced by a home visit, before they come to a head; assumption
    failure_escalation_share: float = 0.15  # failed mediations that turn criminal (民转刑, seed 004); assumption
    repeat_days: float = 14.0  # a dispute that was not settled comes back after this long on average; assumption

    BOUNDS: ClassVar[dict] = {
        "base_success": (0, 1, False), "quick_failure_factor": (1, 100, False),
        "early_failure_factor": (0, 1, False), "failure_escalation_share": (0, 1, False),
        "repeat_days": (0, 3650, True),
    }

    def minutes(self) -> float:
        """On-scene minutes of one mediation by the configured method."""
        steps = self.five_step_min
        if self.method == "quick":
            return steps["listen"] + steps["negotiate"]
        return float(sum(steps.values()))

    def validate(self, path: str) -> None:
        check_bounds(self, path)
        _choice(f"{path}.method", self.method, ("five_step", "quick"))
        for step in ("listen", "empathise", "explain_law", "negotiate", "follow_up"):
            if step not in self.five_step_min:
                raise ConfigError(f"{path}.five_step_min", dict(self.five_step_min), _("needs a duration for {step}")
                                                                                     .format(step=step))
        for step, v in self.five_step_min.items():
            _choice(f"{path}.five_step_min", step, ("listen", "empathise", "explain_law", "negotiate", "follow_up"))
            _range(f"{path}.five_step_min.{step}", v, 0, 480)
        if self.minutes() <= 0:
            raise ConfigError(f"{path}.five_step_min", dict(self.five_step_min), _("the method must take some time"))
        for role in ROLES:
            if role not in self.skill:
                raise ConfigError(f"{path}.skill", dict(self.skill), _("needs a skill for {role}").format(role=role))
        for role, v in self.skill.items():
            _choice(f"{path}.skill", role, ROLES)
            _range(f"{path}.skill.{role}", v, 0, 10, lo_open=True)


@dataclass
class CommunityConfig:
    """Residents' state and how contacts move it (issue 6; README "The community
    side"): trust, awareness, participation, reporting, disputes, home visits."""

    enabled: bool = True  # false: no resident state, no mediation outcomes (theory checks); user choice
    elderly_share: float = 0.198  # residents aged 60+; DOMAIN §3, seed 003 §1.2 (19.8%)
    elderly_alone_share: float = 0.39  # of the elderly, living alone: 1.1 of 2.8 hundred million; seed 003 §1.2
    household_size: float = 3.0  # residents per household; DOMAIN §2, seed 004 (1,000 households = 3,000 residents)
    trust_initial_mean: float = 0.6  # trust in the office, 0-1, at the start; assumption
    trust_initial_sd: float = 0.15  # spread of initial trust across residents (a Beta); assumption
    aware_initial_share: float = 0.3  # residents who know the office and its anti-fraud advice; seed 003 §2.3 (< 30%)
    participation_initial_share: float = 0.08  # residents in community safety work; seed 003 §2.3 (< 30%); assumption
    # a contact's satisfaction (0-1) = weights x (timeliness, outcome, courtesy); procedural justice
    # weighs most (Tyler 1990; Skogan 2005); assumption
    weight_timeliness: float = 0.35
    weight_outcome: float = 0.25  # weight of the outcome, as weight_timeliness; assumption
    weight_courtesy: float = 0.40  # weight of courtesy, as weight_timeliness (Tyler 1990); assumption
    # expected response by priority 1, 2, 3, 4+ (minutes): timeliness = exp(-(response - expected)+ / expected);
    # priority 1: the national goal of 10 min, DOMAIN §3 seed 003; the others an assumption (Percy 1980:
    # satisfaction follows response time against expectation)
    expected_response_min: List[float] = field(default_factory=lambda: [10.0, 20.0, 30.0, 60.0])
    # wait people expect at the window; seed 003 §7.2: a 45-min wait raised complaints 30%; assumption
    expected_window_wait_min: float = 15.0
    courtesy_prob: float = 0.9  # a fully trained staff member is courteous with this chance; assumption
    trust_gain_rate: float = 0.1  # trust moves this share toward a better-than-trust contact; assumption
    trust_loss_rate: float = 0.4  # ... and this share toward a worse one: bad contacts weigh ~4x (Skogan 2006)
    # crime report chance x (1 + slope (trust - reference)), capped at 1: people who trust the police
    # report more (Tyler & Fagan 2008; Goudriaan et al. 2004); calls.*.report_prob hold at the reference trust
    reporting_trust_slope: float = 1.5  # assumption
    reporting_trust_reference: float = 0.6  # trust at which report_prob holds; assumption: the default initial trust
    patrol_aware_per_hour: float = 0.01  # chance per hour of patrol in a resident's cell that they notice it; assumption
    patrol_trust_per_hour: float = 0.01  # trust gain x (1 - trust) per hour of patrol in the cell; assumption
    households_per_visit: int = 3  # households one home visit (大走访) reaches; assumption
    visit_discovery_prob: float = 0.5  # a visit surfaces each simmering dispute of its cell with this chance; assumption
    dispute_simmer_days: float = 7.0  # mean time from a dispute's start to the parties' call; assumption
    participation_join_per_year: float = 0.1  # aware residents join at this rate x trust; assumption
    participation_quit_per_year: float = 0.4  # participants leave at this rate x (1 - trust); assumption
    participation_guardianship: float = 3.0  # resident guardianship x (1 + this x cell's participating share); assumption
    mediation: MediationConfig = field(default_factory=MediationConfig)

    BOUNDS: ClassVar[dict] = {
        "elderly_share": (0, 1, False), "elderly_alone_share": (0, 1, False), "household_size": (1, 20, False),
        "trust_initial_mean": (0, 1, True), "trust_initial_sd": (0, 0.5, False),
        "aware_initial_share": (0, 1, False), "participation_initial_share": (0, 1, False),
        "weight_timeliness": (0, 1, False), "weight_outcome": (0, 1, False), "weight_courtesy": (0, 1, False),
        "expected_window_wait_min": (0, 1440, True), "courtesy_prob": (0, 1, False),
        "trust_gain_rate": (0, 1, False), "trust_loss_rate": (0, 1, False), "reporting_trust_slope": (0, 20, False),
        "reporting_trust_reference": (0, 1, False),
        "patrol_aware_per_hour": (0, 1, False), "patrol_trust_per_hour": (0, 1, False),
        "households_per_visit": (1, 100, False), "visit_discovery_prob": (0, 1, False),
        "dispute_simmer_days": (0, 365, True), "participation_join_per_year": (0, 100, False),
        "participation_quit_per_year": (0, 100, False), "participation_guardianship": (0, 100, False),
    }

    def validate(self, path: str) -> None:
        check_bounds(self, path)
        if self.trust_initial_mean >= 1:
            raise ConfigError(f"{path}.trust_initial_mean", self.trust_initial_mean, _("must be < 1"))
        w = self.weight_timeliness + self.weight_outcome + self.weight_courtesy
        if abs(w - 1.0) > 1e-6:
            raise ConfigError(f"{path}.weight_courtesy", self.weight_courtesy,
                              _("the three satisfaction weights must add up to 1 (they add up to {w:g})").format(w=w))
        if not self.expected_response_min:
            raise ConfigError(f"{path}.expected_response_min", [], _("needs one expectation per priority (1 first)"))
        for v in self.expected_response_min:
            _range(f"{path}.expected_response_min", v, 0, 1440, lo_open=True)
        self.mediation.validate(f"{path}.mediation")


@dataclass
class WindowConfig:
    """The service window of each office (issue 6; DOMAIN §3: 78 services at the office)."""

    enabled: bool = True  # false: no service window; user choice
    clerks_per_office: int = 1  # auxiliaries at the window, besides staffing.auxiliaries; seed 001 (service module)
    requests_per_1000_per_year: float = 250.0  # service requests by every channel; assumption
    open_h: float = 9.0  # opening hour; assumption
    close_h: float = 17.0  # closing hour (the queue is still served); assumption
    online_share: float = 0.3  # requests done online (一网通办); assumption
    self_service_share: float = 0.2  # of those who come, the share a kiosk serves; assumption (seed 003: kiosks)
    service_mean_min: float = 12.0  # clerk minutes per request; DOMAIN §3: 30 -> 10 min target (seeds 001/003)
    service_cv: float = 0.6  # coefficient of variation of clerk minutes; assumption
    kiosk_min: float = 5.0  # minutes at a self-service kiosk; assumption

    BOUNDS: ClassVar[dict] = {
        "clerks_per_office": (0, 100, False), "requests_per_1000_per_year": (0, 100_000, False),
        "open_h": (0, 23, False), "close_h": (1, 24, False), "online_share": (0, 1, False),
        "self_service_share": (0, 1, False), "service_mean_min": (0, 480, True), "service_cv": (0, 5, False),
        "kiosk_min": (0, 480, False),
    }

    def validate(self, path: str) -> None:
        check_bounds(self, path)
        if self.close_h <= self.open_h:
            raise ConfigError(f"{path}.close_h", self.close_h, _("must be > window.open_h ({open_h})")
                                                               .format(open_h=self.open_h))
        if self.enabled and self.clerks_per_office < 1 and self.requests_per_1000_per_year > 0:
            raise ConfigError(f"{path}.clerks_per_office", self.clerks_per_office,
                              _("an open window needs at least 1 clerk (or window.enabled=false)"))
