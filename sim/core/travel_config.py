"""How staff travel (``travel.*``): speed by mode and turnout, read by the
fleet (unit speeds) and the dispatcher (turnout, whether travel takes time).
``MODES`` is the travel vocabulary the staffing schema uses too."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict

from sim.core.checks import ConfigError, _choice, _range
from sim.i18n import Translator

_ = Translator("checks")

MODES = ("foot", "ebike", "car")


@dataclass
class TravelConfig:
    # speed of each travel mode (staffing.mode)
    speed_kmh: Dict[str, float] = field(default_factory=lambda: {
        "foot": 5.0, "ebike": 15.0, "car": 25.0})  # assumption: urban door-to-door speeds
    turnout_min: float = 1.0  # assignment to departure; DOMAIN §3, seed 000 ("1-minute response")
    takes_time: bool = True  # false: distances chosen/recorded, travel folded into service (VALIDATION.md)

    def validate(self, path: str) -> None:
        for mode in MODES:
            if mode not in self.speed_kmh:
                raise ConfigError(f"{path}.speed_kmh", dict(self.speed_kmh), _("needs a speed for {mode}")
                                                                             .format(mode=mode))
        for mode, v in self.speed_kmh.items():
            _choice(f"{path}.speed_kmh", mode, MODES)
            _range(f"{path}.speed_kmh.{mode}", v, 0.5, 200)
        _range(f"{path}.turnout_min", self.turnout_min, 0, 60)
