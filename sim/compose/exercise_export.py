"""Today's session as a script for next week (issue 22): the facilitator's
"export" writes what happened as an exercise script that
``exercise.file=PATH`` (and ``python -m sim.tabletop exercise.file=PATH``)
loads back.

The script keeps the session's set-up (the district preset as a defaults
entry, the seed, ``sim.days``/``warmup_days``, the exercise's title, briefings
and reserves) and its events as they were fired: every inject (scripted or
thrown by the facilitator) under ``injects`` and every decision of the room
under ``actions``, each at its time in hours on the run's clock with its
parameters (defaults filled in, as the log holds them) and its note. Events
not yet due when exporting are left out. A headless run of the script plays
the same events at the same times (events at one instant: injects before
decisions). Other settings given on the session's command line (staffing,
policy, keys of the district) are not carried; a run of the script uses the
presets' values.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import yaml

from sim.core.units import MIN_PER_HOUR

HEADER = """# Exercise script exported from a tabletop session on {when} (python -m sim.tabletop).
# Run headless: python -m sim exercise.file=THIS_FILE hydra.run.dir=DIR
# In the browser: python -m sim.tabletop exercise.file=THIS_FILE
# Times (at_h) are hours on the run's clock: 18.5 = 18:30 on day 1, 24 = midnight.
"""


def _text(value: str) -> str:
    """Free text as a script may hold it: no ``${`` (scripts refuse interpolations)."""
    return str(value).replace("${", "$ {")


def _district_choice(cfg) -> str | None:
    from sim.compose.conf_files import group_options

    name = cfg.district.name
    return name if name in group_options("district") else None


def _place(cfg) -> dict | None:
    """A district from GIS files: its ``district.gis`` section (file paths and
    settings as data), so the script finds the same place; None otherwise."""
    if cfg.district.kind != "gis":
        return None
    import dataclasses

    return {"gis": json.loads(json.dumps(dataclasses.asdict(cfg.district.gis), default=str))}


def script_data(session) -> dict:
    """The script as data (what ``session_script`` writes)."""
    cfg, ex = session.cfg, session.cfg.exercise
    data: dict = {}
    district = _district_choice(cfg)
    if district is not None:  # a preset (helsinki too): the same place, cells and offices
        data["defaults"] = [{"override /district": district}]
    place = _place(cfg)
    if place is not None:
        data["district"] = place
    data["seed"] = int(cfg.seed)
    data["sim"] = {"days": float(cfg.sim.days), "warmup_days": float(cfg.sim.warmup_days)}
    exercise: dict = {}
    for key in ("title", "title_zh", "briefing", "briefing_zh"):
        if getattr(ex, key):
            exercise[key] = _text(getattr(ex, key))
    exercise["reserves"] = {role: int(n) for role, n in ex.reserves.items() if int(n)}
    events = {"inject": [], "action": []}
    for d in session.log:
        event = {"at_h": d.t_min / MIN_PER_HOUR, "kind": d.kind}
        event.update({k: (dict(v) if isinstance(v, dict) else v) for k, v in d.params.items() if v is not None})
        if d.note:
            event["note"] = _text(d.note)
        events[d.category].append(event)
    exercise["injects"] = events["inject"]
    exercise["actions"] = events["action"]
    exercise["counterfactual"] = bool(ex.counterfactual)
    data["exercise"] = exercise
    return data


class _Dumper(yaml.SafeDumper):
    """Plain YAML; several lines of text (a briefing) as a block, as people write it."""


def _str(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def session_script(session) -> str:
    """YAML text of a script that re-creates ``session`` (an ExerciseSession)."""
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = yaml.dump(script_data(session), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=None, width=120)
    return HEADER.format(when=when) + body
