"""Who works where: one fleet row (a post) per person of each office, their
posts, beats (警格) and, for grid workers, their grid cells (网格).

Rows run office by office, role by role (sim.core.roles); an exercise's
reserves come after everyone else, off the roster, so unit numbers of the
rostered staff never depend on them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.checks import ConfigError
from sim.core.fleet import Fleet
from sim.core.roles import ROLES
from sim.core.space import beats_by_population, beats_from_file, beats_nearest_post, grid_blocks_by_office
from sim.i18n import Translator

_ = Translator("checks")


@dataclass
class StaffLayout:
    roles: list[str]  # per row
    posts: np.ndarray  # [rows, 2] metres
    offices: list[int]
    rank: list[int]  # place among the office's people of the same role
    n_rostered: int  # rows before an exercise's reserves

    def fleet(self, speeds_m_per_min: list[float], beats: list[int], tiers=None,
              tier_speeds_m_per_min: list[float] = ()) -> Fleet:
        """The fleet of these rows (``beats``: each row's, from ``unit_beats``),
        then the station's and rapid units (``tiers``: sim.policing.tiers.TierPosts)
        as officers with no beat."""
        n = 0 if tiers is None else len(tiers)
        return Fleet(self.roles + ["officer"] * n, np.vstack([self.posts, tiers.posts]) if n else self.posts,
                     np.array(list(speeds_m_per_min) + list(tier_speeds_m_per_min)),
                     np.array(self.offices + (tiers.offices if n else []), int),
                     np.array(list(beats) + [-1] * n, int),
                     np.array([0] * len(self.roles) + (tiers.tiers if n else []), np.int8),
                     np.array([0.0] * len(self.roles) + (tiers.extra_turnout_min if n else []), float))


def lay_out_staff(district, per_office: list[dict[str, int]], posts_m: list | None,
                  reserves: dict[str, int]) -> StaffLayout:
    """Rows of the rostered staff at their office (or at ``posts_m``), then the reserves."""
    roles, posts, offices, rank = [], [], [], []
    for o, counts in enumerate(per_office):
        for role in ROLES:
            for j in range(counts[role]):
                roles.append(role)
                posts.append(district.cell_centre_m(*district.offices[o]))
                offices.append(o)
                rank.append(j)
    posts = np.array(posts, float).reshape(-1, 2)
    if posts_m is not None:
        if len(posts_m) != len(roles):
            raise ConfigError("staffing.posts_m", f"{len(posts_m)} posts",
                              _("needs one [x_m, y_m] per unit: {value}").format(value=len(roles)))
        posts = np.array(posts_m, float)
    n_rostered = len(roles)
    for o in range(len(district.offices)):
        for role in ROLES:
            for j in range(int(reserves.get(role, 0))):
                roles.append(role)
                offices.append(o)
                rank.append(per_office[o][role] + j)
    if len(roles) > n_rostered:
        extra = [district.cell_centre_m(*district.offices[o]) for o in offices[n_rostered:]]
        posts = np.vstack([posts, np.array(extra, float)])
    return StaffLayout(roles, posts, offices, rank, n_rostered)


def draw_beats(layout: StaffLayout, district, per_office: list[dict[str, int]],
               travel) -> tuple[np.ndarray, np.ndarray]:
    """(beat of each cell, office of each beat): the cells nearest each
    officer's post, or wedges of equal population, one per officer."""
    if district.beat_layout == "file":
        return beats_from_file(district)
    if district.beat_layout == "nearest_post":
        officer_posts = [layout.posts[[i for i, r in enumerate(layout.roles[:layout.n_rostered])
                                       if r == "officer" and layout.offices[i] == o]]
                         for o in range(len(district.offices))]
        return beats_nearest_post(district, officer_posts, travel)
    return beats_by_population(district, [max(1, c["officer"]) for c in per_office])


def unit_beats(layout: StaffLayout, beat_office: np.ndarray, n_offices: int) -> list[int]:
    """Each row's beat: the office's beats in turn by rank ("1+2" teams share one)."""
    first_beat = np.searchsorted(beat_office, np.arange(n_offices))
    n_beats = np.bincount(beat_office, minlength=n_offices)
    return [int(first_beat[o] + j % n_beats[o]) for o, j in zip(layout.offices, layout.rank)]


def grid_worker_blocks(layout: StaffLayout, district) -> dict[int, np.ndarray]:
    """Each grid cell (网格) of an office has one responsible grid worker (DOMAIN §1)."""
    out: dict[int, np.ndarray] = {}
    blocks = grid_blocks_by_office(district)
    for o in range(len(district.offices)):
        workers = [i for i, r in enumerate(layout.roles) if r == "grid_worker" and layout.offices[i] == o]
        for rank, i in enumerate(workers):
            out[i] = blocks[o][rank::len(workers)]
    return out
