"""Switch the deployment policy from now on (not elastic: it moves shifts)."""
from __future__ import annotations

import dataclasses

from sim.core.checks import ConfigError
from sim.exercise.kinds import Action, Param, REQUIRED, register
from sim.i18n.terms import term
from sim.i18n import Translator

_ = Translator("exercise")


def room_policies() -> list[str]:
    """The policies a room may switch to: every registered one but elastic."""
    from sim.scenarios import POLICIES  # registry only; imported late: the scenarios need the config first

    return [n for n in POLICIES if n != "elastic"]


@register("set_policy")
class SetPolicy(Action):
    menu_order = 3
    params = {"policy": Param(REQUIRED, menu=room_policies)}  # a policy name, or several joined by +

    @classmethod
    def check_config(cls, cfg, values, where):
        allowed = sorted(room_policies())
        names = [n.strip() for n in values["policy"].split("+")]
        if any(n not in allowed for n in names) or len(set(names)) != len(names):
            raise ConfigError(f"{where}.policy", values["policy"], _("allowed: {items} (several joined by +; "
                                                                     "elastic moves shifts: not mid-exercise)")
                                                                   .format(items=", ".join(allowed)))

    def apply(self, policy: str) -> str:
        from sim.scenarios import make_policy

        m = self.controls.model
        m.replace_policy(make_policy(dataclasses.replace(m.cfg.policy, name=policy)))
        return _("deployment policy now {policy}").format(policy=" + ".join(term(n.strip()) for n in policy.split("+")))
