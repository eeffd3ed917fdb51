"""How offices are judged (``kpi.*``, read by sim.output.kpi)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Dict, Optional

from sim.core.checks import ConfigError, _range
from sim.i18n import Translator

_ = Translator("reports")


@dataclass
class KpiConfig:
    """How offices are judged (issue 6; DOMAIN §5): the composite KPI and the running
    cost (what it covers and building costs: ``cost.*``, sim/output/cost_config.py)."""

    # composite KPI weights; DOMAIN §5, seed 001
    weights: Dict[str, float] = field(default_factory=lambda: {
        "satisfaction": 0.4, "dispute_resolution": 0.3, "hazard_rectification": 0.2, "innovation": 0.1})
    hazard_deadline_h: float = 24.0  # a hazard counts as rectified if its report is closed within this; assumption
    innovation_score: Optional[float] = None  # 0-1, an input: not simulated; null = KPI over the measured parts; user choice
    # per office a year, staff pay included for the team in cost.included_staff (cost.running_includes_staff);
    # DOMAIN §5, §7, seed 003 §5.3 (0.3-0.5 M yuan a year): the middle
    office_running_cost_kyuan_per_year: float = 400.0

    PARTS: ClassVar[tuple] = ("satisfaction", "dispute_resolution", "hazard_rectification", "innovation")

    def validate(self, path: str) -> None:
        if set(self.weights) != set(self.PARTS):
            raise ConfigError(f"{path}.weights", dict(self.weights), _("needs exactly: {items}")
                                                                     .format(items=", ".join(self.PARTS)))
        for k, v in self.weights.items():
            _range(f"{path}.weights.{k}", v, 0, 1)
        if abs(sum(self.weights.values()) - 1.0) > 1e-6:
            raise ConfigError(f"{path}.weights", dict(self.weights), _("must add up to 1"))
        _range(f"{path}.hazard_deadline_h", self.hazard_deadline_h, 0, 8760, lo_open=True)
        if self.innovation_score is not None:
            _range(f"{path}.innovation_score", self.innovation_score, 0, 1)
        _range(f"{path}.office_running_cost_kyuan_per_year", self.office_running_cost_kyuan_per_year, 0, 1e6)
