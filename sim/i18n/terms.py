"""The shared terms: the names every output shows for the model's own words
(roles, call types, unit states, exercise injects and actions, event sources,
policies, dispatch rules, response tiers, land uses).

One table, so the tabletop page, the after-action report, the planner's and
the sweep's reports call a thing the same in each language. ``term(key)`` is
the key's label in the current language; a key not in the table is shown as
written, with underscores as spaces (a user's own call type in a calls CSV or
a config). tests/test_i18n.py checks that every registered name has a term.
"""
from __future__ import annotations

from sim.i18n import N_, Translator

_ = Translator("terms")

TERMS: dict[str, str] = {
    # roles (DOMAIN.md §1: 民警 / 辅警 / 志愿者 / 网格员)
    "officer": N_("officer"),
    "auxiliary": N_("auxiliary"),
    "volunteer": N_("volunteer"),
    "grid_worker": N_("grid worker"),
    # call types (conf: calls.*)
    "emergency": N_("emergency"),
    "elderly_alarm": N_("elderly alarm"),
    "dispute": N_("dispute"),
    "theft": N_("theft"),
    "burglary": N_("burglary"),
    "fraud": N_("fraud"),
    "robbery": N_("robbery"),
    "assault": N_("assault"),
    "mediation": N_("mediation"),
    "service_request": N_("service request"),
    "hazard_report": N_("hazard report"),
    # unit states (the tabletop's map and staff table)
    "off duty": N_("off duty"),
    "waiting": N_("waiting"),
    "patrolling": N_("patrolling"),
    "en route": N_("en route"),
    "on scene": N_("on scene"),
    "station duty": N_("station duty"),
    # call states in the queue
    "queued": N_("queued"),
    "units en route": N_("units en route"),
    # exercise injects
    "major_incident": N_("major incident"),
    "festival_crowd": N_("festival crowd"),
    "staff_sickness": N_("staff sickness"),
    "dispatch_outage": N_("dispatch outage"),
    "severe_weather": N_("severe weather"),
    "fraud_wave": N_("fraud wave"),
    # exercise actions
    "move_unit": N_("move unit"),
    "set_task": N_("set task"),
    "set_policy": N_("set policy"),
    "call_in": N_("call in reserves"),
    # who fired an event
    "facilitator": N_("facilitator"),
    "trainee": N_("trainee"),
    "script": N_("script"),
    # deployment policies (sim/scenarios)
    "beat": N_("beat patrol"),
    "cameras": N_("cameras"),
    "elastic": N_("elastic deployment"),
    "fixed_post": N_("fixed post"),
    "home_visits": N_("home visits"),
    "hotspot": N_("hot-spot patrol"),
    "hot_cells": N_("hot cells"),
    "joint_patrol": N_("joint patrol"),
    "random_patrol": N_("random patrol"),
    "volunteer_night_patrol": N_("volunteer night patrol"),
    # dispatch rules (sim/policing/dispatch_rules.py)
    "nearest": N_("nearest unit"),
    "beat_first": N_("beat first"),
    "team": N_("team"),
    "office_first": N_("office first"),
    "nearest_any": N_("nearest of any tier"),
    # response tiers (issue 19)
    "office": N_("office"),
    "station": N_("station"),
    "rapid": N_("rapid response"),
    # land uses (sim/core/land_use.py)
    "residential": N_("residential"),
    "commercial": N_("commercial"),
    "park": N_("park"),
    "road": N_("road"),
    "mountain": N_("mountain"),
    "market": N_("market"),
    "school": N_("school"),
    "farmland": N_("farmland"),
    "outside": N_("outside"),
}


def term(key: str) -> str:
    """``key``'s label in the current language (unknown keys: as written, ``_`` -> space)."""
    text = TERMS.get(key)
    return _(text) if text is not None else str(key).replace("_", " ")
