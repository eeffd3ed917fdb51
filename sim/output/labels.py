"""What people read for a metric's key: one table of labels, with units, for
every report and figure (the run summary printed by ``python -m sim``, plan.md,
the sweep report and their charts), so a metric is named the same everywhere
and in both languages (sim/i18n, domain ``reports``).

``metric_label("emergency_share_within_3min")`` is "priority-1 calls reached
within 3 min (%)" in English, its translation in Chinese. A key the table
does not know is shown as it is: an identifier, not a label.
"""
from __future__ import annotations

import re

from sim.i18n import N_, Translator

_ = Translator("reports")

# key -> label with its unit; shares are 0-1 in the files and read as percentages
METRIC_LABELS = {
    "calls_total": N_("calls"),
    "calls_served": N_("calls served"),
    "response_time_mean_min": N_("response mean (min)"),
    "response_time_p90_min": N_("response p90 (min)"),
    "emergency_share_within_3min": N_("priority-1 calls reached within 3 min (%)"),
    "share_within_3min": N_("calls reached within 3 min (%)"),
    "share_within_8min": N_("calls reached within 8 min (%)"),
    "share_within_10min": N_("calls reached within 10 min (%)"),
    "p_wait": N_("calls that waited for a unit (%)"),
    "crimes_total": N_("crimes"),
    "crimes_reported": N_("crimes reported"),
    "crimes_deterred": N_("crimes deterred"),
    "utilization_officer": N_("officer utilisation (%)"),
    "utilization_auxiliary": N_("auxiliary utilisation (%)"),
    "satisfaction_mean": N_("caller satisfaction (0-1)"),
    "kpi_composite": N_("composite KPI (0-1)"),
    "cost_total_kyuan_per_year": N_("total cost (thousand yuan a year)"),
    "wall_seconds": N_("wall time (s)"),
    # the staffing plan's attainment (sim.plan.pipeline.attainment)
    "p1_unit_free_at_once_share": N_("priority-1 calls finding a unit free at once (%)"),
    "saturation_worst_shift": N_("busy share of on-duty time, worst shift (%)"),
    "saturation_mean": N_("busy share of on-duty time, mean (%)"),
    "window_wait_p90_min_worst_office": N_("window wait, 90th percentile, worst office (min)"),
    "satisfaction": N_("caller satisfaction (%)"),  # the plan shows it as a percentage
    "crimes_per_1000_per_year": N_("crimes a year per 1,000 residents"),
    "station_own_response_mean_min": N_("the station's own calls: mean response (min)"),
}

# keys with a number in them: pattern -> label with a {min} placeholder
METRIC_PATTERNS = (
    (re.compile(r"p1_within_(?P<min>[0-9.]+)min_share"), N_("priority-1 calls reached within {min} min (%)")),
    (re.compile(r"share_within_(?P<min>[0-9.]+)min"), N_("calls reached within {min} min (%)")),
    (re.compile(r"station_own_off_within_(?P<min>[0-9.]+)min_share"),
     N_("the station's own calls: unit sets off within {min} min (%)")),
)


def metric_label(key: str) -> str:
    """The label of a metric key in the current language (the key itself if unknown)."""
    if key in METRIC_LABELS:
        return _(METRIC_LABELS[key])
    for pattern, label in METRIC_PATTERNS:
        m = pattern.fullmatch(key)
        if m:
            return _(label).format(**m.groupdict())
    return key


def is_share(key: str) -> bool:
    """Is the metric a 0-1 share (its label says %)?"""
    return metric_label_en(key).endswith("(%)")


def metric_label_en(key: str) -> str:
    if key in METRIC_LABELS:
        return METRIC_LABELS[key]
    for pattern, label in METRIC_PATTERNS:
        m = pattern.fullmatch(key)
        if m:
            return label.format(**m.groupdict())
    return key


# Units of the keys that do not carry them in a label (issue 23, the workbooks' headers): a key names its
# unit in its last words (the config's and summary's convention: ``response_time_mean_min``, ``travel_m``,
# ``cost_total_kyuan_per_year``); the first suffix that matches wins.
UNIT_SUFFIXES = (
    ("_kyuan_per_year", N_("thousand yuan a year")),
    ("_yuan_per_year", N_("yuan a year")),
    ("_kyuan", N_("thousand yuan")),
    ("_per_hour", N_("per hour")),
    ("_per_day", N_("per day")),
    ("_per_year", N_("a year")),
    ("_seconds", N_("s")),
    ("_minutes", N_("min")),
    ("_hours", N_("h")),
    ("_days", N_("days")),
    ("_min", N_("min")),
    ("_km", N_("km")),
    ("_m", N_("m")),
)
UNITS = {u: u for _suffix, u in UNIT_SUFFIXES}  # a unit the caller names ("min"): shown translated
# a unit followed by a qualifier: wait_mean_min_p1, busy_hours_per_officer
_UNIT_INSIDE = re.compile(r"_(?P<unit>min|minutes|hours|m|km|seconds)(?:_p\d+|_incl_[a-z]+|_per_[a-z_]+|_treated)$")
_INSIDE_UNITS = {"min": N_("min"), "minutes": N_("min"), "hours": N_("h"), "m": N_("m"), "km": N_("km"),
                 "seconds": N_("s")}
_SHARE_WORDS = re.compile(r"(?:^|_)(?:share|utilization)(?:_|$)|^p_(?:wait|loss)$")


def is_share_key(key: str) -> bool:
    """A column or metric holding a 0-1 share: its label says (%), or its key
    says share/utilization (``tier_share_office``, ``vacancy_share``), or a
    queue's probability (``p_wait``)."""
    return is_share(key) or _SHARE_WORDS.search(key) is not None


def unit_of(key: str) -> str:
    """The unit a key names in its last words, translated ("" for a count, a
    score or a share: a share's unit is the percentage format)."""
    if is_share_key(key):
        return ""
    for suffix, unit in UNIT_SUFFIXES:
        if key.endswith(suffix):
            return _(unit)
    m = _UNIT_INSIDE.search(key)
    if m:
        return _(_INSIDE_UNITS[m["unit"]])
    return ""


def unit_label(unit: str) -> str:
    """A unit a caller names ("min", "thousand yuan a year"), in the current language."""
    return _(UNITS[unit]) if unit in UNITS else unit


# the columns of a run's tables (calls, incidents, units, timeseries: sim.core.records) as a spreadsheet's
# headers show them, with their units (issue 23); a metric's key is labelled by METRIC_LABELS first
COLUMN_LABELS = {
    "call_id": N_("call number"),
    "incident_id": N_("incident number"),
    "type": N_("type"),
    "priority": N_("priority"),
    "source": N_("source"),
    "t_arrival_min": N_("call received (min from start)"),
    "t_dispatch_min": N_("unit dispatched (min from start)"),
    "t_on_scene_min": N_("unit on scene (min from start)"),
    "t_clear_min": N_("call cleared (min from start)"),
    "t_min": N_("time (min from start)"),
    "wait_min": N_("wait for a unit (min)"),
    "travel_min": N_("travel (min)"),
    "on_scene_min": N_("time on scene (min)"),
    "response_min": N_("response time (min)"),
    "unit_id": N_("unit number"),
    "unit_role": N_("unit's role"),
    "unit2_id": N_("second unit number"),
    "unit2_role": N_("second unit's role"),
    "n_units": N_("units sent"),
    "unit_beat": N_("unit's beat"),
    "travel_m": N_("travel distance (m)"),
    "preemptions": N_("times pre-empted"),
    "x_m": N_("x (m)"),
    "y_m": N_("y (m)"),
    "beat": N_("beat"),
    "office": N_("office"),
    "caller_id": N_("caller"),
    "outcome": N_("outcome"),
    "tier": N_("tier"),
    "escalated": N_("escalated"),
    "lon": N_("longitude (degrees)"),
    "lat": N_("latitude (degrees)"),
    "offender_id": N_("offender"),
    "victim_id": N_("victim"),
    "guardians": N_("guardians present"),
    "reported": N_("reported"),
    "role": N_("role"),
    "post_x_m": N_("post x (m)"),
    "post_y_m": N_("post y (m)"),
    "busy_min": N_("busy (min)"),
    "staffed_min": N_("on duty (min)"),
    "utilization": N_("utilisation (%)"),
    "calls_attended": N_("calls attended"),
    "calls_arrived": N_("calls received"),
    "calls_queued": N_("calls waiting"),
    "day": N_("day"),
    "hour_of_day": N_("hour of day"),
}


def column_header(key: str, unit: str | None = None, share: bool = False) -> str:
    """A table column's header: its label, with the unit in brackets when the
    label does not already name one ("response mean (min)", "travel_m (m)",
    "tier_share_office (%)"); a label of the tables names its unit already."""
    label = metric_label(key)
    if label != key:
        return label
    if key in COLUMN_LABELS:
        return _(COLUMN_LABELS[key])
    unit = "%" if share else (unit_label(unit) if unit else unit_of(key))
    return f"{label} ({unit})" if unit else label


def figure_label(key: str) -> str:
    """A metric or parameter on a figure (issue 23: no identifier on a figure):
    its label from the table; a key the table does not know as its words with
    its unit, a config path's group first ("station_led_share" -> "station led
    share (%)", "patrol.speed_kmh" -> "patrol: speed kmh")."""
    label = metric_label(key)
    if label != key:
        return label
    *groups, last = key.split(".")
    unit = "%" if is_share_key(last) else unit_of(last)
    words = last
    for suffix, _unit in UNIT_SUFFIXES:
        if unit and words.endswith(suffix):
            words = words[: -len(suffix)]
            break
    text = words.replace("_", " ").strip()
    if groups:
        text = f"{' '.join(groups).replace('_', ' ')}: {text}"
    return f"{text} ({unit})" if unit else text
