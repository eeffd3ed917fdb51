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
