"""Dispatch rules: which units a call needs and which free unit to send.

Registered by name and selected with ``dispatch=NAME``:

- ``nearest``: the nearest capable available unit (by travel time);
- ``beat_first``: the call's beat's own officer or team first ("one district,
  one officer", DOMAIN §1), following an explicit preference list if one is
  configured for the beat, else the nearest of the team; then the nearest;
- ``team``: "1+2" teams (an officer leading two auxiliaries, seed 001): own
  team first as in ``beat_first``, and a violent call gets an officer *plus*
  an auxiliary; it waits until both are assigned.

These three send the office's own units only, as before issue 19; the tiers
beyond the office (``response.tiers``) answer their own calls. Two rules use
them for the district's calls (DOMAIN §7, seed 003 §7.1, §4.2):

- ``office_first``: the call's office's own units; if none capable is free
  within ``response.escalate_after_min`` (at once for priority 1 by default),
  the nearest capable unit of the station, a rapid post or a neighbouring
  office ("警务站-派出所分级响应机制");
- ``nearest_any``: the command centre sends the nearest capable unit of any
  tier at once (情指行一体化).
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


OFFICE_TIER = 1  # bit of tier 0 (sim.policing.response_config.TIER_NAMES)


class DispatchRule:
    name = ""
    own_office_first = False  # keep a call to its own office's units until it escalates
    sends_other_tiers = False  # may send the station's or rapid units to the district's calls

    def __init__(self, preference_lists: dict[int, list[int]] | None = None, present_tiers: int = OFFICE_TIER,
                 escalate_after_min: float = 0.0, escalate_after_min_p1: float | None = None):
        """``present_tiers``: bits of the tiers that have units in this run;
        ``escalate_after_min_p1``: priority 1's wait before escalation (None: as the others)."""
        self.preference_lists = preference_lists or {}
        self.present_tiers, self.escalate_after_min = present_tiers, escalate_after_min
        self.escalate_after_min_p1 = escalate_after_min if escalate_after_min_p1 is None else escalate_after_min_p1

    def escalate_after(self, call) -> float:
        """Minutes a call waits for its first tiers before ``escalation`` widens them."""
        return self.escalate_after_min_p1 if call.priority == 1 else self.escalate_after_min

    def tiers(self, dispatcher, call) -> int:
        """Bits of the tiers that may take a new district call: the office's own units."""
        return OFFICE_TIER

    def escalation(self, dispatcher, call) -> int:
        """Bits of the tiers added if the call still waits after ``escalate_after_min`` (0: never)."""
        return 0

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


@register_rule("office_first")
class OfficeFirstRule(DispatchRule):
    own_office_first = True
    sends_other_tiers = True

    def escalation(self, dispatcher, call):
        return self.present_tiers & ~OFFICE_TIER


@register_rule("nearest_any")
class NearestAnyRule(DispatchRule):
    sends_other_tiers = True
    def tiers(self, dispatcher, call):
        return self.present_tiers
