"""The queueing check's schema (``queueing.*``): the rates, service and
servers that sim.policing.queueing_setup turns into a degenerate config of the
real model."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.core.checks import ConfigError, _choice, _range
from sim.core.units import MIN_PER_HOUR
from sim.policing.calls_config import SERVICE_DISTS
from sim.i18n import Translator

_ = Translator("checks")

# calls in one queueing_check run: about 15 minutes and, with records streamed to disk, flat memory; assumption
MAX_QUEUEING_CALLS = 20_000_000


@dataclass
class QueueingConfig:
    """The degenerate set-up of the real model used to check it against queueing
    theory (issue 3): crime, patrol and travel time off; one call type per
    priority class; identical officers on duty around the clock."""

    enabled: bool = False  # true: run the queueing check instead of the model's own set-up; user choice (issue 3)
    arrival_rate_per_hour: Any = 2.0  # a number, or a list: one rate per priority class (1 first); issue 3
    service_mean_min: float = 20.0  # mean time a unit is busy per call; issue 3
    service_dist: str = "exponential"  # exponential | deterministic | erlang2 | lognormal; issue 3 (M/M/c)
    service_cv: float = 1.0  # coefficient of variation, lognormal only; issue 3
    servers: int = 1  # c: identical units; issue 3
    discipline: str = "fcfs"  # fcfs | priority (non-preemptive); issue 3
    capacity: str = "infinite"  # infinite queue | loss (Erlang B); issue 3

    def rates(self) -> list[float]:
        r = self.arrival_rate_per_hour
        values = list(r) if isinstance(r, (list, tuple)) else [r]
        if any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in values):
            raise TypeError("rates are numbers")
        return [float(x) for x in values]

    def validate(self, path: str) -> None:
        try:
            rates = self.rates()
        except (TypeError, ValueError):
            raise ConfigError(f"{path}.arrival_rate_per_hour", self.arrival_rate_per_hour,
                              _("must be a number or a list of numbers")) from None
        if not rates or len(rates) > 9:
            raise ConfigError(f"{path}.arrival_rate_per_hour", rates, _("needs 1 to 9 rates"))
        for r in rates:
            _range(f"{path}.arrival_rate_per_hour", r, 0, 10_000, lo_open=True)
        _range(f"{path}.service_mean_min", self.service_mean_min, 0, 24 * 60, lo_open=True)  # as calls.*.on_scene_mean_min
        _choice(f"{path}.service_dist", self.service_dist, SERVICE_DISTS)
        _range(f"{path}.service_cv", self.service_cv, 0, 10)
        _range(f"{path}.servers", self.servers, 1, 500)  # as staffing.officers: the servers are officers
        _choice(f"{path}.discipline", self.discipline, ("priority", "fcfs"))
        _choice(f"{path}.capacity", self.capacity, ("infinite", "loss"))

    def load(self) -> float:
        """Offered load per server (rho): steady-state theory needs < 1 with an infinite queue."""
        return sum(self.rates()) * self.service_mean_min / MIN_PER_HOUR / self.servers

    def check_length(self, days: float) -> None:
        """A theory check stays a check: at most MAX_QUEUEING_CALLS calls per run."""
        calls = sum(self.rates()) * 24.0 * days
        if self.enabled and calls > MAX_QUEUEING_CALLS:
            raise ConfigError("sim.days", days, _("at queueing.arrival_rate_per_hour={arrival_rate_per_hour} "
                                                  "that is {calls:,.0f} calls; at most {max_queueing_calls:,} "
                                                  "per run (sim.days <= {value:,.1f})")
                                                .format(arrival_rate_per_hour=self.arrival_rate_per_hour, calls=calls,
                                                        max_queueing_calls=MAX_QUEUEING_CALLS,
                                                        value=MAX_QUEUEING_CALLS / (sum(self.rates()) * 24.0)))
