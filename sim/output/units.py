"""Units by a key's name (issue 23): one table for the workbooks' headers and unit columns, the
figures' axes and the parameter reference (sim.compose.param_docs), translated through the reports
catalogue. Whether a key is a share, and labels, are sim.output.labels'."""
from __future__ import annotations

import re

from sim.i18n import N_, Translator

_ = Translator("reports")

# Units by a key's last words (issue 23): the config's and summary's convention, ``response_time_mean_min``,
# ``travel_m``, ``cost_total_kyuan_per_year``, ``speed_kmh``. One table for the workbooks' headers and units,
# the figures and the parameter reference (sim.compose.param_docs, in English: the msgids); the first suffix
# that matches wins, so a suffix comes before any shorter one it ends with (``_kyuan_per_year`` and
# ``_per_1000_per_year`` before ``_per_year``, ``_hours_per_week`` before ``_per_week``).
UNIT_SUFFIXES = (
    ("_kyuan_per_year", N_("thousand yuan a year")),
    ("_yuan_per_year", N_("yuan a year")),
    ("_per_1000_per_year", N_("per 1,000 residents a year")),
    ("_hours_per_week", N_("h a week")),
    ("_kyuan", N_("thousand yuan")),
    ("_per_10k_residents", N_("per 10,000 residents")),
    ("_per_1000", N_("per 1,000 residents")),
    ("_per_shift", N_("per shift")),
    ("_per_post", N_("per post")),
    ("_per_office", N_("per office")),
    ("_per_officer", N_("per officer")),
    ("_per_hour", N_("per hour")),
    ("_per_day", N_("per day")),
    ("_per_week", N_("per week")),
    ("_per_year", N_("per year")),
    ("_min_p1", N_("min")),
    ("_seconds", N_("s")),
    ("_minutes", N_("min")),
    ("_hours", N_("h")),
    ("_days", N_("days")),
    ("_years", N_("years")),
    ("_kmh", N_("km/h")),
    ("_km", N_("km")),
    ("_m2", N_("m²")),
    ("_min", N_("min")),
    ("_h", N_("h")),
    ("_s", N_("s")),
    ("_m", N_("m")),
    ("_cells", N_("cells")),
)
UNITS = {u: u for _suffix, u in UNIT_SUFFIXES}  # a unit the caller names ("min"): shown translated
# a unit followed by a qualifier: wait_mean_min_p1, busy_hours_per_officer
# (a rate of time, volunteer_hours_per_week, is the table's: "h a week")
_UNIT_INSIDE = re.compile(r"_(?P<unit>min|minutes|hours|m|km|seconds)"
                          r"(?:_p\d+|_incl_[a-z]+|_per_(?!(?:hour|day|week|year)$)[a-z_]+|_treated)$")
_INSIDE_UNITS = {"min": N_("min"), "minutes": N_("min"), "hours": N_("h"), "m": N_("m"), "km": N_("km"),
                 "seconds": N_("s")}


def unit_by_name(key: str) -> str:
    """The unit a key names in its last words, translated ("" when it names none): a unit followed by a
    qualifier first (``busy_hours_per_officer`` is in hours, not "per officer"), then the suffix table."""
    m = _UNIT_INSIDE.search(key)
    if m:
        return _(_INSIDE_UNITS[m["unit"]])
    for suffix, unit in UNIT_SUFFIXES:
        if key.endswith(suffix):
            return _(unit)
    return ""


def unit_label(unit: str) -> str:
    """A unit a caller names ("min", "thousand yuan a year"), in the current language."""
    return _(UNITS[unit]) if unit in UNITS else unit
