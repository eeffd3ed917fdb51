"""Dispatch rules: which units a call needs and which free unit to send.

Registered by name and selected with ``dispatch=NAME``:

- ``nearest``: the nearest capable available unit (by travel time);
- ``beat_first``: the call's beat's own officer or team first ("one district,
  one officer", DOMAIN §1), following an explicit preference list if one is
  configured for the beat, else the nearest of the team; then the nearest;
- ``team``: "1+2" teams (an officer leading two auxiliaries, seed 001): own
  team first as in ``beat_first``, and a violent call gets an officer *plus*
  an auxiliary; it waits until both are assigned.
"""
from __future__ import annotations

import numpy as np

from sim.core.roles import ROLES, ROLE_CODE
from sim.core.registry import registrar

DISPATCH_RULES: dict[str, type["DispatchRule"]] = {}
register_rule = registrar(DISPATCH_RULES)


def role_mask(*roles: str) -> np.ndarray:
    mask = np.zeros(len(ROLES), dtype=bool)
    for r in roles:
        mask[ROLE_CODE[r]] = True
    return mask


class DispatchRule:
    name = ""

    def __init__(self, preference_lists: dict[int, list[int]] | None = None):
        self.preference_lists = preference_lists or {}

    def needs(self, dispatcher, call) -> list[np.ndarray]:
        """Role masks, one per unit the call needs (default: one unit)."""
        return [call.eligible]

    def choose(self, dispatcher, call, candidates: np.ndarray) -> int:
        return nearest(dispatcher, call, candidates)


def nearest(dispatcher, call, candidates: np.ndarray) -> int:
    """The candidate with the shortest travel time; among equally near ones (all
    waiting at the same office), the one idle longest, as dispatch centres do,
    so work is shared rather than piled on the first unit in the roster."""
    if len(candidates) == 1:
        return int(candidates[0])
    if dispatcher.travel is not None:
        t = dispatcher.travel_minutes(candidates, call)
        candidates = candidates[t <= t.min() + 1e-9]
    return int(candidates[np.argmin(dispatcher.fleet.idle_since[candidates])]) \
        if len(candidates) > 1 else int(candidates[0])


@register_rule("nearest")
class NearestRule(DispatchRule):
    pass


@register_rule("beat_first")
class BeatFirstRule(DispatchRule):
    def choose(self, dispatcher, call, candidates):
        order = self.preference_lists.get(call.beat)
        if order:
            free = set(candidates.tolist())
            for unit in order:
                if unit in free:
                    return int(unit)
        own = candidates[dispatcher.fleet.beat[candidates] == call.beat]
        return nearest(dispatcher, call, own if len(own) else candidates)


@register_rule("team")
class TeamRule(BeatFirstRule):
    OFFICER, AUXILIARY = role_mask("officer"), role_mask("auxiliary")

    def needs(self, dispatcher, call):
        violent = call.violent
        has_aux = bool((dispatcher.fleet.role == ROLE_CODE["auxiliary"]).any())
        if violent and has_aux:
            return [self.OFFICER, self.AUXILIARY]
        return [call.eligible]
