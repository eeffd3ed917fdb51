"""Volunteer night patrol (DOMAIN §2 and §4, seed 001: 12 retired officers on
patrol, criminal incidents -41% claimed): volunteers patrol the office's hot
cells (the ranking ``hotspot`` uses) during their shifts, which the staffing
defaults already put at 19:00-22:00; every other role waits at its post.

Volunteers only, whatever ``patrol_roles`` says: grid workers keep office
hours on grid work (seed 001), and fixing the role lets the policy combine,
e.g. ``volunteer_night_patrol+random_patrol`` (volunteers on night patrol,
the other patrol roles on random patrol).
"""
from sim.core.roles import ROLE_CODE
from sim.scenarios.policy import register
from sim.scenarios.hotspot import HotspotPatrol


@register("volunteer_night_patrol")
class VolunteerNightPatrol(HotspotPatrol):
    def patrol_roles(self) -> set[int]:
        return {ROLE_CODE["volunteer"]}
