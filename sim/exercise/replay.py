"""Reading a session's decisions.parquet back (``exercise.replay``): a log
shared between training centres is data and nothing else, so every row is
checked as a scripted event would be before anything runs."""
from __future__ import annotations

import json
import math
from pathlib import Path

from sim.core.checks import ConfigError, _choice, os_reason
from sim.core.units import MIN_PER_HOUR
from sim.exercise.actions import ACTIONS
from sim.exercise.event import SOURCES, WIRE_PARAMS, ExerciseEvent, param_type
from sim.exercise.event_checks import check_event_in, check_event_time
from sim.exercise.injects import INJECTS
from sim.i18n import N_, Translator

_ = Translator("exercise")

REPLAY_COLUMNS = ("t_min", "source", "category", "kind", "params")  # decisions.parquet columns a replay reads
MAX_REPLAY_BYTES = 50_000_000  # a session's log; assumption (a day of clicks is a few kB)
MAX_REPLAY_ROWS = 10_000  # events in a session's log; assumption (a busy day of a room is a few hundred)
TYPE_WORDS = {int: N_("a whole number"), str: N_("a word"), dict: N_("an object of call type: share"),
              float: N_("a number")}


def _type_ok(name: str, value) -> bool:
    kind = param_type(name)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is str:
        return isinstance(value, str)
    if kind is dict:
        return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, (int, float))
                                               and not isinstance(v, bool) and math.isfinite(v)
                                               for k, v in value.items())
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _read_rows(path_text: str, key: str) -> list[dict]:
    import pyarrow.parquet as pq

    path = Path(path_text)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ConfigError(key, path_text, _("cannot be read ({value})").format(value=os_reason(exc))) from None
    if not path.is_file() or size > MAX_REPLAY_BYTES:
        raise ConfigError(key, path_text, _("must be a decisions.parquet file of at most {max_replay_bytes:,} "
                                            "bytes").format(max_replay_bytes=MAX_REPLAY_BYTES))
    try:
        table = pq.read_table(path)
    except Exception as exc:  # noqa: BLE001 - Arrow raises several kinds for a file that is not Parquet
        raise ConfigError(key, path_text, _("is not a Parquet file ({value})")
                                          .format(value=' '.join(str(exc).split())[:120])) from None
    missing = [c for c in REPLAY_COLUMNS if c not in table.column_names]
    if missing:
        raise ConfigError(key, path_text, _("is not a decisions log: no column {items} (needs {items2})")
                                          .format(items=', '.join(missing), items2=', '.join(REPLAY_COLUMNS)))
    if table.num_rows > MAX_REPLAY_ROWS:
        raise ConfigError(key, path_text, _("holds {num_rows:,} events; a session's log holds at most "
                                            "{max_replay_rows:,}")
                                          .format(num_rows=table.num_rows, max_replay_rows=MAX_REPLAY_ROWS))
    return table.to_pylist()


def load_replay(path_text: str, cfg, key: str = "exercise.replay") -> list[dict]:
    """The rows of a session's decisions.parquet, each checked as a scripted
    event would be (kind, parameters, time inside the exercise, place, unit)."""
    rows = _read_rows(path_text, key)
    units = cfg.unit_count()
    for k, row in enumerate(rows):
        where = f"{key}[row {k}]"
        t, source, category, kind = row["t_min"], row["source"], row["category"], row["kind"]
        if not isinstance(t, (int, float)) or isinstance(t, bool):
            raise ConfigError(f"{where}.t_min", t, _("must be a number of minutes"))
        check_event_time(cfg, t / MIN_PER_HOUR, f"{where}.t_min", per_hour=60.0)
        if source not in SOURCES:
            raise ConfigError(f"{where}.source", source, _("allowed: {items}").format(items=", ".join(SOURCES)))
        kinds = INJECTS if category == "inject" else ACTIONS if category == "action" else None
        if kinds is None:
            raise ConfigError(f"{where}.category", category, _("allowed: inject, action"))
        try:
            params = json.loads(row["params"] or "{}")
        except (TypeError, ValueError):
            raise ConfigError(f"{where}.params", row["params"], _("is not JSON")) from None
        if not isinstance(params, dict) or any(p not in WIRE_PARAMS for p in params):
            raise ConfigError(f"{where}.params", row["params"], _("must be a JSON object of parameters: {items}")
                                                                .format(items=", ".join(WIRE_PARAMS)))
        for name, value in params.items():
            if value is not None and not _type_ok(name, value):
                raise ConfigError(f"{where}.params.{name}", value, _("must be {value}")
                                                                   .format(value=_(TYPE_WORDS[param_type(name)])))
        _choice(f"{where}.kind", kind, tuple(kinds))
        event = ExerciseEvent(at_h=t / MIN_PER_HOUR, kind=kind, note=str(row.get("note") or ""), **params)
        kinds[kind].check(event, where)
        check_event_in(cfg, event, where, units)
    return rows
