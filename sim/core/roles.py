"""The four kinds of staff of a community police office, in one order.

Everything that lists roles (the fleet's role codes, staffing counts, exercise
reserves, the tables) uses this tuple, so a role's code is the same everywhere.
"""
ROLES = ("officer", "auxiliary", "volunteer", "grid_worker")  # DOMAIN.md §1 (民警, 辅警, 志愿者, 网格员)
ROLE_CODE = {role: code for code, role in enumerate(ROLES)}

# The tiers of the response system (issue 19, DOMAIN.md §7): the office's own staff, the parent
# station's (派出所) duty units, the city's rapid-response units (快反/巡特警); codes 0, 1, 2 (fleet.tier)
TIER_NAMES = ("office", "station", "rapid")
