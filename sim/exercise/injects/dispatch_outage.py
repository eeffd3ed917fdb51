"""The dispatch platform is down (seed 003 §7.3: a server failure stopped the
system for 8 hours): calls are relayed by phone and units are sent by where
they are posted, not where they are."""
import numpy as np

from sim.core.units import MIN_PER_HOUR
from sim.exercise.kinds import Inject, Param, register
from sim.exercise.params import DURATION_H
from sim.policing.dispatch_rules import DispatchRule
from sim.i18n import Translator

_ = Translator("exercise")


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


@register("dispatch_outage")
class DispatchOutage(Inject):
    menu_order = 4
    params = {
        "duration_h": DURATION_H.with_default(8.0),  # seed 003 §7.3
        "relay_min": Param(5.0, lo=0, hi=240),  # minutes to relay a call by phone; assumption
    }

    def __init__(self, controls):
        super().__init__(controls)
        self.relays_min: list[float] = []  # relay minutes of the outages now on
        self.rule_before: DispatchRule | None = None

    def apply(self, duration_h: float, relay_min: float) -> str:
        d = self.controls.model.dispatcher
        if not self.relays_min:
            self.rule_before = d.rule
            d.rule = PostedRule(d.rule)
        self.relays_min.append(relay_min)
        d.intake_delay_min = max(self.relays_min)
        self.controls.after(duration_h * MIN_PER_HOUR, self._over, relay_min)
        return _("platform down for {duration_h:g} h: calls relayed by phone (+{relay_min:g} min), "
                 "units sent by post").format(
            duration_h=duration_h, relay_min=relay_min)

    def _over(self, relay_min: float) -> None:
        d = self.controls.model.dispatcher
        self.relays_min.remove(relay_min)
        d.intake_delay_min = max(self.relays_min, default=0.0)
        if not self.relays_min:
            d.rule = self.rule_before
