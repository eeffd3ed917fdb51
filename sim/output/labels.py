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

# the unit table lives in sim.output.units; these names stay importable from here
from sim.output.units import UNIT_SUFFIXES, UNITS, unit_by_name, unit_label  # noqa: E402,F401

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
    "satisfaction_mean": N_("satisfaction of the people served, mean (%)"),
    "kpi_composite": N_("composite KPI (0-1)"),
    # a tabletop exercise's run (sim.exercise.session): the words of its after-action report
    "exercise_injects": N_("events injected by the facilitator"),
    "exercise_actions": N_("decisions taken by the room"),
    "exercise_inject_calls": N_("calls made by the injects"),
    "exercise_major_incidents": N_("major incidents"),
    "exercise_major_incident_response_min": N_("major incident: all units on scene after (min)"),
    "exercise_major_incidents_unreached": N_("major incidents never fully staffed"),
    "exercise_fraud_refused": N_("fraud attempts refused by aware residents"),
    "exercise_staff_hours_called_in": N_("staff hours called in (reserves, overtime)"),
    "exercise_staff_off_sick": N_("staff off sick"),
    "cost_total_kyuan_per_year": N_("total cost (thousand yuan a year)"),
    "wall_seconds": N_("wall time (s)"),
    # the rest of a run's summary.json (issue 23: every key of the run's workbook has a label)
    "calls_open_at_end": N_("calls still open at the end"),
    "calls_lost": N_("calls lost (no unit before the caller gave up)"),
    "response_time_p50_min": N_("response median (min)"),
    "wait_mean_min": N_("wait for a unit, mean (min)"),
    "calls_never_dispatched": N_("calls never dispatched"),
    "wait_mean_min_incl_open": N_("wait for a unit, mean, open calls included (min)"),
    "travel_mean_min": N_("travel, mean (min)"),
    "on_scene_mean_min": N_("time on scene, mean (min)"),
    "system_time_mean_min": N_("call to clearance, mean (min)"),
    "p_loss": N_("calls lost (%)"),
    "travel_distance_mean_m": N_("travel distance, mean (m)"),
    "interdistrict_share": N_("calls answered by a unit from another beat (%)"),
    "calls_preempted": N_("calls pre-empted"),
    "calls_escalated": N_("calls escalated to another tier"),
    "arrival_rate_per_hour": N_("calls received per hour"),
    "queue_length_mean": N_("calls waiting for a unit, mean"),
    "system_length_mean": N_("calls in hand (waiting or served), mean"),
    "utilization": N_("utilisation of all staff (%)"),
    "sim_days": N_("simulated days"),
    "arrests": N_("arrests made"),
    "crimes_displaced": N_("crimes displaced"),
    "wdq": N_("weighted displacement quotient (WDQ)"),
    "crimes_street": N_("contact crimes"),
    "crimes_street_expected": N_("contact crimes expected"),
    "patrol_minutes": N_("patrol stop time (min)"),
    "patrol_minutes_treated": N_("patrol stop time in the treated area (min)"),
    "patrol_stops": N_("patrol stops"),
    "patrol_stop_dwell_mean_min": N_("patrol stop length, mean (min)"),
    "satisfaction_calls_mean": N_("callers' satisfaction, mean (%)"),
    "satisfaction_window_mean": N_("window visitors' satisfaction, mean (%)"),
    "satisfied_share": N_("people served who were satisfied (%)"),
    "contacts_rated": N_("contacts rated"),
    "trust_mean": N_("residents' trust in the police, mean (%)"),
    "awareness_share": N_("residents aware of community policing (%)"),
    "participation_share": N_("residents taking part (%)"),
    "home_visits": N_("home visits"),
    "households_visited_share": N_("households visited (%)"),
    "elderly_alone": N_("elderly people living alone"),
    "disputes_total": N_("disputes"),
    "disputes_resolved_share": N_("disputes resolved (%)"),
    "disputes_escalated": N_("disputes escalated"),
    "disputes_open_at_end": N_("disputes still open at the end"),
    "disputes_surfaced_by_visits": N_("disputes found on home visits"),
    "mediations_total": N_("mediations"),
    "mediation_success_share": N_("mediations that succeeded (%)"),
    "mediation_early_success_share": N_("mediations that succeeded early (%)"),
    "dispute_repeat_calls": N_("repeat calls about a dispute"),
    "reporting_rate": N_("crimes reported to the police (%)"),
    "window_visits": N_("service window visits"),
    "window_kiosk_share": N_("window visits served at the self-service kiosk (%)"),
    "window_wait_mean_min": N_("window wait, mean (min)"),
    "window_wait_p90_min": N_("window wait, 90th percentile (min)"),
    "window_unserved_at_end": N_("window visitors still waiting at the end"),
    "window_clerks": N_("window clerks"),
    "staff_departures": N_("staff who left"),
    "vacancy_share": N_("posts vacant, share of the time (%)"),
    "efficiency_mean": N_("staff efficiency, mean (%)"),
    "station_duty_hours_per_officer": N_("station duty per officer (h)"),
    "station_duty_recalls": N_("recalls from station duty"),
    "station_duty_recalled_hours": N_("station duty lost to recalls (h)"),
    "station_calls_total": N_("the station's own calls"),
    "station_response_time_mean_min": N_("the station's own calls: mean response (min)"),
    "station_response_time_p90_min": N_("the station's own calls: response p90 (min)"),
    "station_calls_per_day": N_("the station's own calls a day"),
    "workload_gini": N_("workload inequality, all staff (Gini, 0-1)"),
    "cost_running_kyuan_per_year": N_("running cost (thousand yuan a year)"),
    "cost_tiers_kyuan_per_year": N_("station and rapid-response tiers' cost (thousand yuan a year)"),
    "cost_per_office_kyuan_per_year": N_("cost per office (thousand yuan a year)"),
    "cost_per_resident_yuan_per_year": N_("cost per resident (yuan a year)"),
    "kpi_satisfaction": N_("KPI: satisfaction (0-1)"),
    "kpi_dispute_resolution": N_("KPI: disputes resolved (0-1)"),
    "kpi_hazard_rectification": N_("KPI: hazards put right (0-1)"),
    "kpi_innovation": N_("KPI: innovation (0-1)"),
    "residents": N_("residents (people)"),
    "offices": N_("police offices"),
    "seed": N_("random seed"),
    "replicate": N_("replicate number"),
    "root_seed": N_("root seed"),
    # the staffing plan's attainment (sim.plan.pipeline.attainment)
    "p1_unit_free_at_once_share": N_("priority-1 calls finding a unit free at once (%)"),
    "saturation_worst_shift": N_("busy share of on-duty time, worst shift (%)"),
    "saturation_mean": N_("busy share of on-duty time, mean (%)"),
    "window_wait_p90_min_worst_office": N_("window wait, 90th percentile, worst office (min)"),
    "satisfaction": N_("caller satisfaction (%)"),  # the plan shows it as a percentage
    "crimes_per_1000_per_year": N_("crimes a year per 1,000 residents"),
    "station_own_response_mean_min": N_("the station's own calls: mean response (min)"),
}

_ROLE = r"(?P<role>officer|auxiliary|volunteer|grid_worker)"
_AREA = r"(?P<area>treated|buffer|control)"
# the displacement areas of a hot-spot policy (sim.policing.crime_metrics)
AREAS = {"treated": N_("treated"), "buffer": N_("buffer"), "control": N_("control")}

# keys with a number or a name in them: pattern -> label with placeholders; {role} and {tier} are shown as
# the shared terms (sim.i18n.terms), {area} as AREAS, {min} and {k} as they are
METRIC_PATTERNS = (
    (re.compile(r"p1_within_(?P<min>[0-9.]+)min_share"), N_("priority-1 calls reached within {min} min (%)")),
    (re.compile(r"share_within_(?P<min>[0-9.]+)min"), N_("calls reached within {min} min (%)")),
    (re.compile(r"station_own_off_within_(?P<min>[0-9.]+)min_share"),
     N_("the station's own calls: unit sets off within {min} min (%)")),
    (re.compile(r"calls_p(?P<k>\d+)"), N_("priority-{k} calls")),
    (re.compile(r"wait_mean_min_p(?P<k>\d+)"), N_("priority-{k} calls: wait for a unit, mean (min)")),
    (re.compile(r"travel_mean_min_p(?P<k>\d+)"), N_("priority-{k} calls: travel, mean (min)")),
    (re.compile(r"on_scene_mean_min_p(?P<k>\d+)"), N_("priority-{k} calls: time on scene, mean (min)")),
    (re.compile(r"response_time_mean_min_p(?P<k>\d+)"), N_("priority-{k} calls: response mean (min)")),
    (re.compile(r"tier_share_(?P<tier>\w+)"), N_("calls led by the tier: {tier} (%)")),
    (re.compile(r"utilization_" + _ROLE), N_("{role} utilisation (%)")),
    (re.compile(r"staff_" + _ROLE), N_("staff on the roster: {role}")),
    (re.compile(r"relief_factor_" + _ROLE), N_("relief factor: {role} (staff per post)")),
    (re.compile(r"workload_gini_" + _ROLE), N_("workload inequality: {role} (Gini, 0-1)")),
    (re.compile(r"busy_hours_per_" + _ROLE), N_("busy time per person: {role} (h)")),
    (re.compile(r"cost_" + _ROLE + r"_kyuan_per_year"), N_("staff cost: {role} (thousand yuan a year)")),
    (re.compile(r"crimes_" + _AREA), N_("contact crimes in the {area} area")),
    (re.compile(r"cells_" + _AREA), N_("cells in the {area} area")),
    (re.compile(r"crimes_" + _AREA + r"_expected"), N_("contact crimes expected in the {area} area")),
    (re.compile(r"crimes_" + _AREA + r"_before"), N_("contact crimes in the {area} area before the policy")),
    (re.compile(r"crimes_" + _AREA + r"_after"), N_("contact crimes in the {area} area after the policy")),
    (re.compile(r"crimes_" + _AREA + r"_before_expected"),
     N_("contact crimes expected in the {area} area before the policy")),
    (re.compile(r"crimes_" + _AREA + r"_after_expected"),
     N_("contact crimes expected in the {area} area after the policy")),
    (re.compile(r"crime_after_stop_(?P<min>[0-9.]+)min_share"),
     N_("patrol stops followed by a contact crime within {min} min (%)")),
    (re.compile(r"attempts_after_stop_(?P<min>[0-9.]+)min"), N_("crime attempts within {min} min of a patrol stop")),
    (re.compile(r"attempt_after_stop_(?P<min>[0-9.]+)min_survival"),
     # the mean of the attempts' chances of going ahead: the share of them expected to go ahead
     N_("crime attempts within {min} min of a patrol stop: expected share going ahead (%)")),
    (re.compile(r"window_wait_over_(?P<min>[0-9.]+)min_share"), N_("window visitors waiting over {min} min (%)")),
)


def _fill(label: str, groups: dict, translate: bool) -> str:
    """A pattern's label with its placeholders: a role or tier as the shared term, an area as AREAS."""
    from sim.i18n.terms import TERMS, term

    values = dict(groups)
    for name in ("role", "tier"):
        if name in values:
            values[name] = term(values[name]) if translate else TERMS.get(values[name], values[name].replace("_", " "))
    if "area" in values:
        values["area"] = _(AREAS[values["area"]]) if translate else AREAS[values["area"]]
    return (_(label) if translate else label).format(**values)


def metric_label(key: str) -> str:
    """The label of a metric key in the current language (the key itself if unknown)."""
    if key in METRIC_LABELS:
        return _(METRIC_LABELS[key])
    for pattern, label in METRIC_PATTERNS:
        m = pattern.fullmatch(key)
        if m:
            return _fill(label, m.groupdict(), True)
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
            return _fill(label, m.groupdict(), False)
    return key


_SHARE_WORDS = re.compile(r"(?:^|_)(?:share|utilization)(?:_|$)|^p_(?:wait|loss)$")


def is_share_key(key: str) -> bool:
    """A column or metric holding a 0-1 share: its label says (%), or its key
    says share/utilization (``tier_share_office``, ``vacancy_share``), or a
    queue's probability (``p_wait``)."""
    return is_share(key) or _SHARE_WORDS.search(key) is not None


def unit_of(key: str) -> str:
    """The unit a key names in its last words, translated ("" for a count, a
    score or a share: a share's unit is the percentage format)."""
    return "" if is_share_key(key) else unit_by_name(key)


def unit_beside(key: str) -> str:
    """The unit a table's unit column shows beside a metric's label: none when
    the label names it already, in brackets ("response mean (min)", "... (%)")
    or in words ("calls received per hour", "simulated days"); else "%" for a
    share or the unit its key names (``unit_of``)."""
    unit = "%" if is_share_key(key) else unit_of(key)
    return "" if unit and _names_unit(metric_label(key), unit) else unit


def _names_unit(label: str, unit: str) -> bool:
    if label.endswith((f"({unit})", f"（{unit}）")):
        return True
    if not unit.isascii():  # Chinese: no spaces between words
        return unit in label
    return re.search(r"(?<![\w%])" + re.escape(unit) + r"(?![\w%])", label) is not None


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
    "satisfaction": N_("caller satisfaction (%)"),
    # the timeseries (sim.core.records): one row an interval
    "crimes": N_("crimes"),
    "busy_officer": N_("officers busy"),
    "busy_auxiliary": N_("auxiliaries busy"),
    "busy_volunteer": N_("volunteers busy"),
    "busy_grid_worker": N_("grid workers busy"),
    "on_duty_officer": N_("officers on duty"),
    "on_duty_auxiliary": N_("auxiliaries on duty"),
    "on_duty_volunteer": N_("volunteers on duty"),
    "on_duty_grid_worker": N_("grid workers on duty"),
}

# the text columns of a run's tables holding the model's own words (call types, roles, tiers, sources,
# outcomes): a workbook in a language other than English shows them as the shared terms (sim.i18n.terms)
# or VALUE_LABELS; the CSV and Parquet files keep the keys
CATEGORY_COLUMNS = frozenset({"type", "source", "outcome", "tier", "role", "unit_role", "unit2_role", "state"})
VALUE_LABELS = {
    "served": N_("served"),
    "open": N_("still open"),
    "lost": N_("lost"),
    "background": N_("residents' call"),
    "crime": N_("crime reported"),
    "station_area": N_("the station's own area"),
}


def category_term(value):
    """A category's key as a workbook's cell shows it in the current language ("" and None as they are)."""
    from sim.i18n.terms import term

    if not isinstance(value, str) or not value:
        return value
    return _(VALUE_LABELS[value]) if value in VALUE_LABELS else term(value)


def column_header(key: str, unit: str | None = None, share: bool = False) -> str:
    """A table column's header: its label, with the unit in brackets when the
    label does not already name one ("response mean (min)", "travel_m (m)",
    "tier_share_office (%)"); a label of the tables names its unit already."""
    if key in COLUMN_LABELS:  # a table's column first: a unit's ``utilization`` is not the run's
        return _(COLUMN_LABELS[key])
    label = metric_label(key)
    if label != key:
        return label
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
