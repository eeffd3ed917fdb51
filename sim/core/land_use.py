"""The land uses a district cell can have, in one order.

The district's land-use codes (sim.core.space), the travel cost factors of
``district.travel_cost_factor`` and the map colours (sim.output.plots) all use
this tuple, so a land use's code is the same everywhere. ``outside`` is a
cell of a district from GIS files (sim.geo) that no area covers: nobody lives
there, nothing happens there, nobody patrols it; units may cross it.
"""
LAND_USES = (
    "residential", "commercial", "market", "school", "park",
    "farmland", "road", "mountain", "office", "outside",
)
