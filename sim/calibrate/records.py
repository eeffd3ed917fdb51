"""Targets observed in a district's own records (issue 21, local calibration):
a planner fits the model to the calls of their place before planning. The
records file is read by the same reader as ``calls_csv`` (Chinese headers and
type names, GBK, lon/lat); the target's value is a count per year or month,
its sd the Poisson counting error of that count."""
from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

from sim.core.checks import ConfigError
from sim.i18n import Translator

_ = Translator("checks")

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
COUNT_MEASURES = ("calls_per_year", "crimes_per_month")


def observed_rate(where: str, spec, measure, folder: Path, base_cfg) -> tuple[float, float, dict]:
    """(value, sd, what was read) of ``observed: {calls_csv: PATH}``: the
    records' rate of the measure's calls (relative paths: from the targets file)."""
    from sim.policing.calls_csv_reader import read_calls_csv

    if not isinstance(spec, dict) or set(spec) != {"calls_csv"} or not isinstance(spec["calls_csv"], str):
        raise ConfigError(where, spec, _("must be {calls_csv: PATH} (a calls CSV of the district's records)"))
    if measure.kind not in COUNT_MEASURES:
        raise ConfigError(where, spec, _("observed records give counts: the measure must be one of {items}, not "
                                         "{value}")
                                       .format(items=', '.join(COUNT_MEASURES), value=measure.key or measure.kind))
    path = Path(spec["calls_csv"]).expanduser()
    path = path if path.is_absolute() else folder / path
    if path.is_dir():
        raise ConfigError(f"{where}.calls_csv", spec["calls_csv"], _("is a folder, not a CSV file ({path})")
                                                                   .format(path=path))
    if not path.is_file():
        raise ConfigError(f"{where}.calls_csv", spec["calls_csv"], _("no such file ({path})").format(path=path))
    try:
        rec = read_calls_csv(replace(base_cfg, calls_csv=str(path.resolve())))
    except ConfigError as exc:
        raise ConfigError(f"{where}.calls_csv", spec["calls_csv"], exc.allowed) from None
    if not rec.time:
        raise ConfigError(f"{where}.calls_csv", spec["calls_csv"], _("holds no usable rows"))
    first, last = min(rec.time), max(rec.time)
    span_days = (last.date() - first.date()).days + 1
    wanted = counted_types(measure, base_cfg)
    unknown = set(wanted) - set(base_cfg.calls)
    if unknown:
        raise ConfigError(where, sorted(unknown), _("not call types of the run config; known: {items}")
                                                  .format(items=", ".join(sorted(base_cfg.calls))))
    count = sum(1 for t in rec.type if t in wanted)
    per_days = DAYS_PER_YEAR if measure.kind == "calls_per_year" else DAYS_PER_MONTH
    periods = span_days / per_days
    sd = math.sqrt(max(count, 1)) / periods  # Poisson counting error (at least one count's worth)
    return count / periods, sd, {"calls_csv": str(path.resolve()), "count": count, "span_days": span_days,
                                 "types": sorted(wanted), "first": first.isoformat(sep=" "),
                                 "last": last.isoformat(sep=" "), "rows_read": rec.rows_read,
                                 "rows_skipped": len(rec.bad_rows), "other_services": dict(rec.other_service)}


def counted_types(measure, cfg) -> set[str]:
    """The call types a count measure counts: the listed ones (all when none
    are listed), or every crime type for crimes_per_month."""
    args = dict(measure.args)
    if measure.kind == "crimes_per_month":
        return {name for name, c in cfg.calls.items() if c.source == "crime"}
    return set(args["types"]) or set(cfg.calls)
