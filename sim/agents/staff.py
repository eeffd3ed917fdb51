"""Staff agents and what each role may attend (DOMAIN §2).

Movement and timing live in the fleet (``model.fleet``, row ``self.unit``);
an agent's Mesa cell is synchronised from it when someone looks
(``model.sync_cells``), so nobody moves minute by minute.
"""
from __future__ import annotations

import numpy as np
from mesa.discrete_space import CellAgent

from sim.core.roles import ROLES


class StaffAgent(CellAgent):
    role = ""

    def __init__(self, model, unit: int, office: int, beat: int):
        super().__init__(model)
        self.unit, self.office, self.beat = unit, office, beat

    @classmethod
    def can_attend(cls, call) -> bool:
        """May this role be sent alone to a call of this type (a CallTypeConfig)?"""
        return cls.role in call.eligible_roles


class Officer(StaffAgent):
    """Sworn officer (民警): may take any call; violent calls need one."""

    role = "officer"


class Auxiliary(StaffAgent):
    """Auxiliary officer (辅警): non-violent calls alone, never a violent one."""

    role = "auxiliary"

    @classmethod
    def can_attend(cls, call) -> bool:
        return super().can_attend(call) and not call.violent


class Volunteer(StaffAgent):
    """Volunteer (志愿者): patrols, reports, helps; never sent to emergencies."""

    role = "volunteer"

    @classmethod
    def can_attend(cls, call) -> bool:
        return super().can_attend(call) and not call.violent and call.priority > 1


class GridWorker(Volunteer):
    """Grid worker (网格员): a part-time volunteer responsible for a grid cell."""

    role = "grid_worker"


STAFF_CLASSES = {cls.role: cls for cls in (Officer, Auxiliary, Volunteer, GridWorker)}


def attend_mask(call) -> np.ndarray:
    """Which roles (in ROLES order) may be sent alone to a call of this type."""
    return np.array([STAFF_CLASSES[r].can_attend(call) for r in ROLES])


def make_staff(model, fleet) -> list[StaffAgent]:
    """One agent per person of the offices (fleet rows of tier 0), in the Mesa
    cell of their post; the station's and rapid units are fleet rows only."""
    agents = []
    for i, role in enumerate(fleet.role_name):
        if fleet.tier[i]:
            continue
        agent = STAFF_CLASSES[role](model, i, int(fleet.office[i]), int(fleet.beat[i]))
        agent.cell = model.cell_at_xy(*fleet.post[i])
        agents.append(agent)
    return agents
