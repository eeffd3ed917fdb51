"""The crime schemas: offenders, guardians and deterrence (``crime.*``, read
by sim.policing.crime) and the areas of the displacement metrics
(``displacement.*``, read by sim.policing.crime_metrics)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sim.core.checks import _range, check_bounds


@dataclass
class CrimeConfig:
    """Routine activity: a motivated offender, a suitable target, no capable
    guardian (issue 5; README "The crime model")."""

    enabled: bool = True  # false: no offenders and no crime (theory checks); user choice
    offenders_per_10k_residents: float = 5.0  # motivated offenders living in the district; assumption
    guardian_radius_m: float = 150.0  # staff within this distance guard a target; assumption
    deterrence_per_guardian: float = 0.7  # hazard per guardian: P(deterred) = 1 - exp(-hazard); assumption
    # guardians beyond the radius still deter, fading over this distance: offenders overrate the
    # reach of presence, so benefits diffuse next door (Clarke & Weisburd 1994; Weisburd et al. 2006)
    diffusion_m: float = 100.0  # assumption; 0 = presence deters only within the radius
    journey_mean_m: float = 800.0  # mean journey-to-crime distance (distance decay); assumption
    # target attractiveness = land-use weight ** this: crime concentrates in few places (the law of
    # crime concentration, Weisburd 2015: ~50% of crime on ~4% of street segments); at 100 m cells
    # 2.0 puts ~20% of street crime in the top 4% of cells before distance decay; assumption
    concentration_exponent: float = 2.0
    report_delay_mean_min: float = 15.0  # crime to call, exponential mean; assumption
    camera_deterrence: float = 0.5  # hazard of a camera on the target cell; assumption (seed 003: theft -42% claimed)
    resident_guardianship_per_1000: float = 0.05  # hazard per 1,000 residents of the target cell at home; assumption
    # residual deterrence (Koper 1995, VALIDATION.md): a stop of d minutes leaves hazard
    # residual_max * (1 - exp(-d / residual_build_min)), fading as exp(-t / residual_decay_min) after it
    residual_max: float = 2.5  # calibrated to Koper: crime within 30 min after leaving 15% (drive-through) vs 4% (10-16 min)
    residual_build_min: float = 5.0  # Koper: about 10 min of presence before residual deterrence shows; calibrated
    residual_decay_min: float = 60.0  # fading time constant; assumption: the effect fades over an hour or two
    # near repeat (Johnson et al. 2007, VALIDATION.md): a burglary raises burglary risk around it
    near_repeat_radius_m: float = 200.0  # Johnson et al. 2007
    near_repeat_days: float = 14.0  # Johnson et al. 2007; decay time constant of the raised risk
    near_repeat_boost: float = 2.0  # attractiveness x (1 + boost) next to a fresh burglary; assumption
    # displacement: a deterred offender may strike elsewhere (mobile offenders; seed 003 §7.1 +17% next door)
    displacement_prob: float = 0.0  # share of deterred attempts carried out elsewhere; Weisburd et al. 2006: rare
    displacement_min_m: float = 200.0  # a displaced attempt goes 1-3x this far from the deterred target; assumption
    # clearance: a cleared crime takes its offender off the street for a while
    clearance_prob: float = 0.1  # share of served crime calls cleared by an arrest; assumption
    # days an arrested offender is off the street; PRC Public Security Administration Punishments Law:
    # detention up to 15 days
    incapacitation_days: float = 15.0
    # non-contact crime (fraud) is not deterred by presence but by awareness campaigns (DOMAIN §3, seed 003 §7.1)
    # (who is aware is resident state: community.aware_initial_share and how contacts and patrols spread it)
    awareness_efficacy: float = 0.5  # chance an aware target refuses a fraud attempt; assumption
    # disputes that escalate to assault (民转刑; DOMAIN §3 seeds 000/004)
    escalation_prob_max: float = 0.1  # a dispute left very long turns into an assault with this chance; assumption
    escalation_wait_min: float = 30.0  # time scale: P = max * (1 - exp(-response / this)); assumption

    # field: (lowest, highest, lowest excluded): checked by validate
    BOUNDS: ClassVar[dict] = {
        "offenders_per_10k_residents": (0, 1000, False),
        "guardian_radius_m": (0, 5000, False),
        "deterrence_per_guardian": (0, 20, False),
        "diffusion_m": (0, 5000, False),
        "journey_mean_m": (10, 50_000, False),
        "concentration_exponent": (0, 10, False),
        "report_delay_mean_min": (0, 10_000, False),
        "camera_deterrence": (0, 20, False),
        "resident_guardianship_per_1000": (0, 20, False),
        "residual_max": (0, 20, False),
        "residual_build_min": (0, 1440, True),
        "residual_decay_min": (0, 10_080, True),
        "near_repeat_radius_m": (0, 5000, False),
        "near_repeat_days": (0, 365, True),
        "near_repeat_boost": (0, 100, False),
        "displacement_prob": (0, 1, False),
        "displacement_min_m": (0, 50_000, False),
        "clearance_prob": (0, 1, False),
        "incapacitation_days": (0, 3650, False),
        "awareness_efficacy": (0, 1, False),
        "escalation_prob_max": (0, 1, False),
        "escalation_wait_min": (0, 10_000, True),
    }

    def validate(self, path: str) -> None:
        check_bounds(self, path)


@dataclass
class DisplacementConfig:
    """Areas for displacement metrics (sim/policing/crime_metrics.py; issue 5)."""

    # per office: its highest-risk cells form the treated area; as policy.hotspot_cells (Sherman & Weisburd 1995)
    treated_cells: int = 10
    buffer_m: float = 300.0  # ring around it; assumption (Bowers & Johnson 2003 use rings of a few hundred m)
    control_gap_m: float = 300.0  # control area starts this far beyond the buffer; assumption

    def validate(self, path: str) -> None:
        _range(f"{path}.treated_cells", self.treated_cells, 1, 1_000_000)
        _range(f"{path}.buffer_m", self.buffer_m, 0, 50_000, lo_open=True)
        _range(f"{path}.control_gap_m", self.control_gap_m, 0, 50_000)
