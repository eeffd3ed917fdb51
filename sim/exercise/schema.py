"""The exercise config: a timeline of injects (what the facilitator throws at
the room) and actions (what the trainees decide), with a briefing.

Every event is one ``ExerciseEvent``: a time, a kind, and the parameters that
kind takes (``INJECT_KINDS`` / ``ACTION_KINDS``: name -> default, ``REQUIRED``
for those without one). A parameter a kind does not take is an error, so a
misspelt script fails before the run starts. Times are hours on the run's
clock: 0 is midnight at the start of day 1, 19.5 is 19:30 on day 1, 30 is
06:00 on day 2.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from sim.checks import ConfigError, _choice, _range

REQUIRED = object()
ROLES = ("officer", "auxiliary", "volunteer", "grid_worker")
SOURCES = ("script", "facilitator", "trainee")  # who fired an event (decisions.parquet)
UNIT_TASKS = ("policy", "post", "hold", "patrol")  # follow the policy | wait at the post | stay put | patrol the office area


def _festival_mix() -> dict[str, float]:
    # a crowd's calls: lost children and directions, quarrels, pickpockets, fights; assumption
    return {"service_request": 0.5, "dispute": 0.25, "theft": 0.15, "emergency": 0.1}


INJECT_KINDS: dict[str, dict[str, Any]] = {
    # a serious incident (a fire, a crash, a landslide) that needs several units on scene at once; assumption
    "major_incident": {"x_m": REQUIRED, "y_m": REQUIRED, "units": 4, "on_scene_min": 180.0},
    # a festival crowd: extra calls around a point for some hours; rates an assumption (DOMAIN §4: events load offices)
    "festival_crowd": {"x_m": REQUIRED, "y_m": REQUIRED, "radius_m": 300.0, "duration_h": 5.0,
                       "calls_per_hour": 6.0, "call_mix": _festival_mix},
    # staff go off sick: on-duty people of a role leave now (null duration: for the rest of the exercise)
    "staff_sickness": {"role": "auxiliary", "count": 1, "duration_h": None, "office": None},
    # the dispatch platform is down (seed 003 §7.3: a server failure stopped the system for 8 hours): calls are
    # relayed by phone (relay_min each; assumption) and units are sent by where they are posted, not where they are
    "dispatch_outage": {"duration_h": 8.0, "relay_min": 5.0},
    # storm or flood: every unit travels slower (speed x speed_factor; assumption)
    "severe_weather": {"duration_h": 6.0, "speed_factor": 0.5},
    # a telecom-fraud wave (seed 003 §7.1): fraud attempts at rate_factor x the usual rate; aware residents refuse
    "fraud_wave": {"duration_h": 48.0, "rate_factor": 5.0},
}
ACTION_KINDS: dict[str, dict[str, Any]] = {
    "move_unit": {"unit": REQUIRED, "x_m": REQUIRED, "y_m": REQUIRED},  # go there and hold until told otherwise
    "set_task": {"unit": REQUIRED, "task": REQUIRED},  # one of UNIT_TASKS
    "set_policy": {"policy": REQUIRED},  # switch the deployment policy (not elastic: it moves shifts)
    # recall people: the office's reserves first (seed 003 §5.1: staff drawn from the station for major
    # events), then off-shift staff of the role, for `hours`
    "call_in": {"role": REQUIRED, "count": 1, "hours": 8.0, "office": None},
}
PARAMS = ("x_m", "y_m", "radius_m", "duration_h", "units", "on_scene_min", "calls_per_hour", "call_mix",
          "role", "count", "office", "relay_min", "speed_factor", "rate_factor", "unit", "task", "policy", "hours")


@dataclass
class ExerciseEvent:
    """One inject or action; only the parameters of its kind may be set."""

    at_h: float = 0.0  # hours on the run's clock (0 = midnight starting day 1)
    kind: str = ""
    note: str = ""  # what the facilitator reads out, or why the room decided it
    x_m: Optional[float] = None
    y_m: Optional[float] = None
    radius_m: Optional[float] = None
    duration_h: Optional[float] = None
    units: Optional[int] = None
    on_scene_min: Optional[float] = None
    calls_per_hour: Optional[float] = None
    call_mix: Optional[Dict[str, float]] = None
    role: Optional[str] = None
    count: Optional[int] = None
    office: Optional[int] = None
    relay_min: Optional[float] = None
    speed_factor: Optional[float] = None
    rate_factor: Optional[float] = None
    unit: Optional[int] = None
    task: Optional[str] = None
    policy: Optional[str] = None
    hours: Optional[float] = None

    def params(self) -> dict[str, Any]:
        """The kind's parameters, defaults filled in (call after ``check``)."""
        spec = {**INJECT_KINDS, **ACTION_KINDS}[self.kind]
        out = {}
        for name, default in spec.items():
            value = getattr(self, name)
            if value is None:
                value = default() if callable(default) else default
            out[name] = dict(value) if isinstance(value, dict) else value
        return out

    def check(self, path: str, kinds: dict[str, dict[str, Any]]) -> None:
        _choice(f"{path}.kind", self.kind, tuple(kinds))
        spec = kinds[self.kind]
        for name in PARAMS:
            if getattr(self, name) is not None and name not in spec:
                raise ConfigError(f"{path}.{name}", getattr(self, name),
                                  f"is not a parameter of {self.kind}; it takes: {', '.join(spec) or 'nothing'}")
        for name, default in spec.items():
            if default is REQUIRED and getattr(self, name) is None:
                raise ConfigError(f"{path}.{name}", None, f"{self.kind} needs {name}")
        _range(f"{path}.at_h", self.at_h, 0)
        p = {k: v for k, v in self.params().items() if v is not None}
        for key, lo, hi in (("x_m", 0, None), ("y_m", 0, None), ("radius_m", 10, 100_000),
                            ("duration_h", 0.01, 8760), ("units", 1, 50), ("on_scene_min", 1, 2880),
                            ("calls_per_hour", 0, 1000), ("count", 1, 500), ("office", 0, None),
                            ("relay_min", 0, 240), ("speed_factor", 0.05, 1.0), ("rate_factor", 1, 100),
                            ("unit", 0, None), ("hours", 0.25, 168)):
            if key in p:
                _range(f"{path}.{key}", p[key], lo, hi)
        if "role" in p:
            _choice(f"{path}.role", p["role"], ROLES)
        if "task" in p:
            _choice(f"{path}.task", p["task"], UNIT_TASKS)
        if "call_mix" in p:
            mix = p["call_mix"]
            if not mix or sum(mix.values()) <= 0 or min(mix.values()) < 0:
                raise ConfigError(f"{path}.call_mix", mix, "needs call types with non-negative shares, not all zero")


@dataclass
class ExerciseConfig:
    """A tabletop exercise (``+exercise=NAME``; issue 8). The exercise starts
    when the warm-up ends (``sim.warmup_days``): the room sees the district at
    that moment, and the summaries cover the exercise only."""

    name: Optional[str] = None  # set from the file name by +exercise=NAME; null = no exercise
    title: str = ""
    briefing: str = ""  # read to the room at the start
    # per office, people of each role off the roster who can be called in (call_in); counts an assumption,
    # the practice is seed 003 §5.1 (staff drawn from the station and agencies for holidays and major events)
    reserves: Dict[str, int] = field(default_factory=lambda: {role: 0 for role in ROLES})
    injects: List[ExerciseEvent] = field(default_factory=list)
    # trainee decisions the headless run plays (a worked answer); the browser app leaves them to the room
    actions: List[ExerciseEvent] = field(default_factory=list)
    counterfactual: bool = True  # also run the same seed without the actions, for the after-action report
    replay: Optional[str] = None  # a session's decisions.parquet: its injects and actions replace the script's

    def validate(self, path: str) -> None:
        for role, n in self.reserves.items():
            _choice(f"{path}.reserves", role, ROLES)
            _range(f"{path}.reserves.{role}", n, 0, 500)
        for k, e in enumerate(self.injects):
            e.check(f"{path}.injects[{k}]", INJECT_KINDS)
        for k, e in enumerate(self.actions):
            e.check(f"{path}.actions[{k}]", ACTION_KINDS)
        if self.replay is not None and not Path(self.replay).is_file():
            raise ConfigError(f"{path}.replay", self.replay, "must be an existing decisions.parquet")
        if self.replay is not None and (self.injects or self.actions) and self.name is None:
            raise ConfigError(f"{path}.replay", self.replay, "replaces the injects and actions: give one or the other")

    def check_against(self, cfg, path: str = "exercise") -> None:
        """Cross-field checks against the rest of the config (times, places, types, policies)."""
        units = cfg.unit_count()
        for group in ("injects", "actions"):
            for k, e in enumerate(getattr(self, group)):
                check_event_time(cfg, e.at_h, f"{path}.{group}[{k}].at_h")
                check_event_in(cfg, e, f"{path}.{group}[{k}]", units)
        if self.replay is not None:
            load_replay(self.replay, cfg, f"{path}.replay")


def check_event_time(cfg, at_h: float, where: str, per_hour: float = 1.0) -> None:
    """An event time inside the exercise (``at_h`` in hours; shown in the key's
    unit: ``per_hour`` 60 for minutes)."""
    start_h, end_h = cfg.sim.warmup_days * 24.0, cfg.sim.days * 24.0
    if not math.isfinite(at_h) or not start_h <= at_h < end_h:
        unit = "hours" if per_hour == 1.0 else "minutes"
        raise ConfigError(where, at_h * per_hour, f"must lie in the exercise: [{start_h * per_hour:g}, "
                          f"{end_h * per_hour:g}) {unit} (from the end of sim.warmup_days to sim.days)")


def check_event_in(cfg, e: ExerciseEvent, where: str, units: int | None = None) -> None:
    """An event's parameters against the district, call types and policies
    (and the number of units, when the model is built)."""
    from sim.scenarios import POLICIES  # registry only

    p = e.params()
    for key, limit, label in (("x_m", cfg.district.width_m, "district.width_m"),
                              ("y_m", cfg.district.height_m, "district.height_m")):
        if p.get(key) is not None and p[key] > limit:
            raise ConfigError(f"{where}.{key}", p[key], f"must lie inside the district (<= {label} {limit:g})")
    if p.get("office") is not None and p["office"] >= cfg.district.offices:
        raise ConfigError(f"{where}.office", p["office"], f"must be < district.offices ({cfg.district.offices})")
    if units is not None and p.get("unit") is not None and p["unit"] >= units:
        raise ConfigError(f"{where}.unit", p["unit"], f"no such unit: units are 0-{units - 1}")
    for name in (p.get("call_mix") or {}):
        if name not in cfg.calls:
            raise ConfigError(f"{where}.call_mix", name, "unknown call type; known: " + ", ".join(cfg.calls))
    if e.kind == "fraud_wave" and "fraud" not in cfg.calls:
        raise ConfigError(f"{where}.kind", e.kind, "needs a 'fraud' call type in calls")
    if e.kind == "set_policy":
        allowed = sorted(n for n in POLICIES if n != "elastic")
        names = [n.strip() for n in p["policy"].split("+")]
        if any(n not in allowed for n in names) or len(set(names)) != len(names):
            raise ConfigError(f"{where}.policy", p["policy"], "allowed: " + ", ".join(allowed)
                              + " (several joined by +; elastic moves shifts: not mid-exercise)")


def exercise_names() -> list[str]:
    from sim.conf_files import group_options

    return group_options("exercise")


def register_exercises(store) -> None:
    """File each script of sim/scenarios/exercises/ as option NAME of the
    ``exercise`` group (a global package: a script may set the district, the
    days and the warm-up too); ``exercise.name`` is the file name. A script
    that fails sim.conf_files' checks is left out, so it breaks no other
    command (choosing it reports why)."""
    from omegaconf import OmegaConf

    from sim.conf_files import good_exercises

    for name, path in good_exercises().items():
        node = OmegaConf.load(path)
        OmegaConf.update(node, "exercise.name", name, force_add=True)
        store.store(group="exercise", name=name, node=node, package="_global_")


REPLAY_COLUMNS = ("t_min", "source", "category", "kind", "params")  # decisions.parquet columns a replay reads
MAX_REPLAY_BYTES = 50_000_000  # a session's log; assumption (a day of clicks is a few kB)
MAX_REPLAY_ROWS = 10_000  # events in a session's log; assumption (a busy day of a room is a few hundred)
_PARAM_KIND = {"units": "a whole number", "count": "a whole number", "office": "a whole number",
               "unit": "a whole number", "role": "a word", "task": "a word", "policy": "a word",
               "call_mix": "an object of call type: share"}


def _param_type_ok(name: str, value) -> bool:
    kind = _PARAM_KIND.get(name, "a number")
    if kind == "a whole number":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "a word":
        return isinstance(value, str)
    if kind.startswith("an object"):
        return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, (int, float))
                                               and not isinstance(v, bool) for k, v in value.items())
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def load_replay(path_text: str, cfg, key: str = "exercise.replay") -> list[dict]:
    """The rows of a session's decisions.parquet, each checked as a scripted
    event would be (kind, parameters, time inside the exercise, place, unit):
    a log shared between training centres is data and nothing else."""
    import json

    import pyarrow.parquet as pq

    path = Path(path_text)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ConfigError(key, path_text, f"cannot be read ({exc.strerror or exc})") from None
    if not path.is_file() or size > MAX_REPLAY_BYTES:
        raise ConfigError(key, path_text, f"must be a decisions.parquet file of at most {MAX_REPLAY_BYTES:,} bytes")
    try:
        table = pq.read_table(path)
    except Exception as exc:  # noqa: BLE001 - Arrow raises several kinds for a file that is not Parquet
        raise ConfigError(key, path_text, f"is not a Parquet file ({' '.join(str(exc).split())[:120]})") from None
    missing = [c for c in REPLAY_COLUMNS if c not in table.column_names]
    if missing:
        raise ConfigError(key, path_text, f"is not a decisions log: no column {', '.join(missing)} "
                          f"(needs {', '.join(REPLAY_COLUMNS)})")
    if table.num_rows > MAX_REPLAY_ROWS:
        raise ConfigError(key, path_text, f"holds {table.num_rows:,} events; a session's log holds at most "
                          f"{MAX_REPLAY_ROWS:,}")
    rows = table.to_pylist()
    units = cfg.unit_count()
    for k, row in enumerate(rows):
        where = f"{key}[row {k}]"
        t, source, category, kind = row["t_min"], row["source"], row["category"], row["kind"]
        if not isinstance(t, (int, float)) or isinstance(t, bool):
            raise ConfigError(f"{where}.t_min", t, "must be a number of minutes")
        check_event_time(cfg, t / 60.0, f"{where}.t_min", per_hour=60.0)
        if source not in SOURCES:
            raise ConfigError(f"{where}.source", source, "allowed: " + ", ".join(SOURCES))
        kinds = INJECT_KINDS if category == "inject" else ACTION_KINDS if category == "action" else None
        if kinds is None:
            raise ConfigError(f"{where}.category", category, "allowed: inject, action")
        try:
            params = json.loads(row["params"] or "{}")
        except (TypeError, ValueError):
            raise ConfigError(f"{where}.params", row["params"], "is not JSON") from None
        if not isinstance(params, dict) or any(p not in PARAMS for p in params):
            raise ConfigError(f"{where}.params", row["params"], "must be a JSON object of parameters: "
                              + ", ".join(PARAMS))
        for name, value in params.items():
            if value is not None and not _param_type_ok(name, value):
                raise ConfigError(f"{where}.params.{name}", value, f"must be {_PARAM_KIND.get(name, 'a number')}")
        _choice(f"{where}.kind", kind, tuple(kinds))
        event = ExerciseEvent(at_h=t / 60.0, kind=kind, note=str(row.get("note") or ""), **params)
        event.check(where, kinds)
        check_event_in(cfg, event, where, units)
    return rows
