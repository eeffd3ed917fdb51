"""Bring your own records: fit the call model to a district's historical calls.

A planner knows their district from its call log better than from our assumed
rates. ``calls_csv=PATH`` (a top-level config key) reads a CSV of past calls,
one row per call with the columns ``time,type`` and the point (``x_m,y_m`` in
model metres; on a GIS district also ``lon,lat`` or ``x,y`` with
``calls_csv_crs``; Chinese headers and type names too: calls_csv_reader), and
replaces, for each configured call type, the rate, the hour-of-day shape, the
weekday shape and (background calls) where calls happen. Everything else
about a type (priority, on-scene time, who may attend) stays as configured:
call logs rarely hold it.

Why the fit works as it does:

- The file is taken as the district's *whole* call history over its calendar
  span, so a configured type with no rows happened zero times (rate 0). Types
  the model makes itself (configured rate 0: assaults from escalated disputes,
  mediations from home visits) are counted and reported but not fitted:
  fitting them would count them twice.
- Records hold reported crimes only, so a crime type's rate (crimes committed)
  is its count divided by its ``report_prob``. Those crimes happened under the
  policing of the records' years; the model's crime rate is before deterrence,
  so simulated crime under today's policing comes out somewhat below the
  records (noted in the report).
- Sparse types should not get a spiky shape from a handful of calls: every
  shape starts from a few pseudo-calls spread by the configured shape (a prior),
  which the records outweigh as they grow.
- Where calls happen is fitted from the points alone, smoothed over
  neighbouring cells, never from the (random) district layout, so the same
  records give the same map in every replication. A GIS district's layout
  comes from its files, not the seed: its cells that no area covers get no
  calls, as in the model.
- A malformed row is skipped and reported with its line number, never silently
  dropped; a file that is mostly malformed is refused (one-line ConfigError;
  reading and checking the rows: sim.policing.calls_csv_reader).
"""
from __future__ import annotations

import copy
import sys
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
from scipy.ndimage import gaussian_filter

from sim.core.checks import ConfigError
from sim.core.hour_profiles import HOUR_PROFILES
from sim.core.markdown import md_table
from sim.core.units import DAYS_PER_YEAR
from sim.policing.calls_config import CallTypeConfig
from sim.policing.calls_csv_reader import read_calls_csv, resolved_path

if TYPE_CHECKING:  # the root config sits above the features: named for the reader only
    from sim.config import Config
from sim.i18n import Translator

_ = Translator("checks")

# prior of the hour-of-day shape: pseudo-calls spread by the configured shape, about one per hour;
# assumption: a type with a few dozen calls keeps roughly its configured shape, one with thousands its own
PRIOR_CALLS_PER_PROFILE = 24
PRIOR_CALLS_PER_WEEK = 7  # prior of the weekday shape: pseudo-calls spread evenly over the week; assumption
PRIOR_CALLS_PER_MAP = 5  # uniform floor of the place map: pseudo-calls spread over all cells; assumption
SMOOTHING_SIGMA_CELLS = 1.0  # Gaussian kernel of the place map, in cells; assumption: next-door blocks share risk
MAX_WARNED_ROWS = 20  # bad rows printed to stderr, one line each; assumption (the rest as a count)
MAX_LISTED_ROWS = 50  # bad rows listed in the Markdown report; assumption
SHORT_SPAN_DAYS = 28  # records spanning fewer calendar days get a warning; assumption (four weekly cycles)
MAX_RATE_PER_1000_PER_YEAR = 10_000.0  # CallTypeConfig.validate's upper bound (sim/policing/calls_config.py)
MAX_SPAN_DAYS = 100 * 365  # records spanning more calendar days are refused; assumption (a century)

MODEL_MADE = "made by the model, not fitted"
FITTED = "fitted"
ABSENT = "absent from the records: rate set to 0"
UNREPORTED = "not fitted: report_prob is 0, so records cannot show it"


@dataclass
class CallsFit:
    """Call types fitted to the records, and what was done (for stderr and plan.md)."""

    calls: dict[str, CallTypeConfig]
    report: dict



# --- fitting ------------------------------------------------------------------------

def _rounded(values) -> list[float]:
    """Plain floats, 6 significant digits: readable in the run's config dump."""
    return [float(f"{v:.6g}") for v in np.asarray(values, float)]


def _hour_weights(hours: np.ndarray, call: CallTypeConfig) -> np.ndarray:
    """Calls per hour of day plus PRIOR_CALLS_PER_PROFILE pseudo-calls spread by
    the configured shape; mean 1."""
    prior = np.asarray(call.hour_weights, float) if call.hour_weights else HOUR_PROFILES[call.hour_profile]
    w = np.bincount(hours, minlength=24) + PRIOR_CALLS_PER_PROFILE * prior / prior.sum()
    return w / w.mean()


def _weekday_weights(weekdays: np.ndarray, exposure_days: np.ndarray, call: CallTypeConfig) -> np.ndarray:
    """Calls per day of each weekday (count / how many of that weekday the span
    holds) with PRIOR_CALLS_PER_WEEK pseudo-calls spread over the span by the
    configured weekday shape (even if none); mean 1. A weekday the span does
    not contain (span under a week) gets the prior's shape at the average rate."""
    shape = np.asarray(call.weekday_weights, float) if call.weekday_weights else np.ones(7)
    shape = shape / shape.mean()
    exposure = shape * exposure_days  # pseudo-calls go where the prior expects calls
    prior = PRIOR_CALLS_PER_WEEK * exposure / exposure.sum()
    counts = np.bincount(weekdays, minlength=7) + prior
    base = counts.sum() / exposure.sum()
    w = np.where(exposure_days > 0, counts / np.maximum(exposure_days, 1), base * shape)
    return w / w.mean()


def _cell_weights(cx: np.ndarray, cy: np.ndarray, cols: int, rows: int,
                  covered: np.ndarray | None = None) -> np.ndarray:
    """Calls per cell, smoothed with a Gaussian kernel (cells next to past calls
    keep some intensity), plus PRIOR_CALLS_PER_MAP pseudo-calls over all cells
    (nowhere is impossible); flat index cx * rows + cy, mean 1. ``covered``
    (a GIS district's cells inside its areas): the rest get none, as nothing
    happens there in the model."""
    grid = np.zeros((cols, rows))
    np.add.at(grid, (cx, cy), 1.0)
    grid = gaussian_filter(grid, sigma=SMOOTHING_SIGMA_CELLS, mode="constant", cval=0.0)
    if covered is None:
        grid += PRIOR_CALLS_PER_MAP / grid.size
    else:
        grid = np.where(covered, grid + PRIOR_CALLS_PER_MAP / max(int(covered.sum()), 1), 0.0)
    return (grid / grid.mean()).ravel()


def _covered_cells(cfg: Config) -> np.ndarray | None:
    """A GIS district's cells some area covers ([cx, cy]); None for an invented
    district, whose every cell is in it."""
    if cfg.district.kind != "gis":
        return None
    from sim.core.space import LAND_USE_CODE
    from sim.geo.build import gis_build  # the build prepare() made: this process's copy

    return gis_build(cfg.district.gis).land_use != LAND_USE_CODE["outside"]


def _span(times: list[datetime]) -> tuple[datetime, datetime, int, np.ndarray]:
    """First and last time, calendar days spanned, and how many of each weekday
    (Monday first) the span holds."""
    first, last = min(times), max(times)
    span_days = (last.date() - first.date()).days + 1
    weekday_of_day = (first.weekday() + np.arange(span_days)) % 7
    return first, last, span_days, np.bincount(weekday_of_day, minlength=7).astype(float)


def fit_calls_csv(cfg: Config) -> CallsFit:
    """Fit every configured call type to the records in ``cfg.calls_csv``
    (see the module docstring for why each step is as it is)."""
    rec = read_calls_csv(cfg)
    shown, d = cfg.calls_csv, cfg.district
    residents = float(d.residents)
    first, last = min(rec.time), max(rec.time)
    if (last.date() - first.date()).days + 1 > MAX_SPAN_DAYS:
        raise ConfigError("calls_csv", shown, _("the records span {value:,} days ({value2} to {value3}); at most "
                                                "{max_span_days:,}: check the dates")
                                              .format(value=(last.date() - first.date()).days + 1,
                                                      value2=first.date(), value3=last.date(),
                                                      max_span_days=MAX_SPAN_DAYS))
    first, last, span_days, exposure_days = _span(rec.time)
    years = span_days / DAYS_PER_YEAR
    cols, rows = int(d.width_m // d.cell_size_m), int(d.height_m // d.cell_size_m)
    types = np.array(rec.type, dtype=object)
    hours = np.array([t.hour for t in rec.time], dtype=int)
    weekdays = np.array([t.weekday() for t in rec.time], dtype=int)
    cx = np.minimum((np.array(rec.x_m) // d.cell_size_m).astype(int), cols - 1)
    cy = np.minimum((np.array(rec.y_m) // d.cell_size_m).astype(int), rows - 1)
    counts = Counter(rec.type)
    covered = _covered_cells(cfg)

    calls, per_type = {}, {}
    for name, call in cfg.calls.items():
        mine = types == name
        n = int(counts.get(name, 0))
        crime = call.source == "crime"
        raw_peak = int(np.argmax(np.bincount(hours[mine], minlength=24))) if n else None
        entry = {"source": call.source, "count": n, "rate_before": call.rate_per_1000_per_year,
                 "rate_fitted": None, "peak_hour": raw_peak}
        new = call
        if call.rate_per_1000_per_year == 0:
            entry["status"] = MODEL_MADE
        elif crime and call.report_prob == 0:
            entry["status"] = UNREPORTED
        else:
            rate = n / years / residents * 1000.0 / (call.report_prob if crime else 1.0)
            if rate > MAX_RATE_PER_1000_PER_YEAR:
                raise ConfigError("calls_csv", shown, _("{n} {name} records over {span_days} days are {rate:.0f} "
                                                        "per 1,000 residents a year, above "
                                                        "{max_rate_per_1000_per_year:.0f}: check "
                                                        "district.residents ({residents})")
                                                      .format(n=n, name=name, span_days=span_days, rate=rate,
                                                              max_rate_per_1000_per_year=MAX_RATE_PER_1000_PER_YEAR,
                                                              residents=d.residents))
            new = replace(call, rate_per_1000_per_year=rate)
            entry["rate_fitted"] = rate
            if n == 0:
                entry["status"] = ABSENT  # shapes stay as configured: nothing to fit them to
            else:
                entry["status"] = FITTED
                hour_w = _hour_weights(hours[mine], call)
                entry["peak_hour"] = int(np.argmax(hour_w))
                new.hour_weights = _rounded(hour_w)
                if not crime:  # offenders choose their own days and places (sim/policing/crime.py)
                    new.weekday_weights = _rounded(_weekday_weights(weekdays[mine], exposure_days, call))
                    new.cell_weights = _rounded(_cell_weights(cx[mine], cy[mine], cols, rows, covered))
        calls[name] = new
        per_type[name] = entry

    if not any(c.rate_per_1000_per_year > 0 for c in calls.values()):
        raise ConfigError("calls_csv", shown, _("none of the call types the model draws appear in the records "
                                                "(only {value}): the fit would make no calls at all")
                                              .format(value=', '.join(sorted(counts)) or _('none')))
    notes = []
    if span_days < SHORT_SPAN_DAYS:
        notes.append(f"The records span only {span_days} days: rates and shapes are rough.")
    if any(e["status"] == FITTED and e["source"] == "crime" for e in per_type.values()):
        notes.append("Crime rates are reported crimes / report_prob: crimes that happened under the policing of "
                     "the records' years. The model's rate is before deterrence, so simulated crime comes out "
                     "somewhat below the records.")
    report = {
        "file": shown, "path": str(resolved_path(cfg)), "residents": d.residents, "coordinates": rec.coordinates,
        "rows_read": rec.rows_read, "rows_used": len(rec.time), "bad_rows": rec.bad_rows,
        "other_service_rows": dict(rec.other_service),
        "first_time": first.isoformat(sep=" "), "last_time": last.isoformat(sep=" "),
        "span_days": span_days, "types": per_type,
        "fitted": [n for n, e in per_type.items() if e["status"] == FITTED],
        "model_made": [n for n, e in per_type.items() if e["status"] == MODEL_MADE],
        "absent": [n for n, e in per_type.items() if e["count"] == 0],
        "notes": notes,
    }
    return CallsFit(calls, report)


# --- applying -------------------------------------------------------------------------

_FITS: dict[tuple, CallsFit] = {}  # one fit per file version, district and call types (see apply_calls_csv)


def _cache_key(cfg: Config) -> tuple | None:
    path = resolved_path(cfg)
    try:
        st = path.stat()
    except OSError:
        return None  # fit_calls_csv raises the ConfigError
    d = cfg.district
    place = repr(d.gis) if d.kind == "gis" else d.kind  # real coordinates land where the district's files say
    return (str(path), st.st_mtime_ns, st.st_size, d.width_m, d.height_m, d.cell_size_m, d.residents,
            place, cfg.calls_csv_crs, repr(sorted(cfg.calls.items())))


def warning_lines(report: dict) -> list[str]:
    """What a run tells the user on stderr: each bad row (up to
    MAX_WARNED_ROWS), types set to 0, then one summary line."""
    bad = report["bad_rows"]
    out = [f"calls_csv: line {b['line']}: {b['reason']} (row skipped)" for b in bad[:MAX_WARNED_ROWS]]
    if len(bad) > MAX_WARNED_ROWS:
        out.append(f"calls_csv: ... and {len(bad) - MAX_WARNED_ROWS} more bad rows skipped")
    zeroed = [n for n, e in report["types"].items() if e["status"] == ABSENT]
    if zeroed:
        out.append(f"calls_csv: no records of {', '.join(zeroed)}: their rates are set to 0")
    if report["span_days"] < SHORT_SPAN_DAYS:
        out.append(f"calls_csv: the records span only {report['span_days']} days: rates and shapes are rough")
    other = report.get("other_service_rows", {})
    if other:
        out.append("calls_csv: other services' calls skipped (not the office's): "
                   + ", ".join(f"{name} {n}" for name, n in sorted(other.items(), key=lambda kv: -kv[1])))
    out.append(f"calls_csv: fitted {len(report['fitted'])} call types from {report['rows_used']} rows over "
               f"{report['span_days']} days ({len(bad)} bad rows skipped)")
    return out


def apply_calls_csv(cfg: Config) -> Config:
    """``cfg`` with its call types fitted to ``cfg.calls_csv``. The fit is
    cached per file version, district and call types, so a command line that
    composes the config twice fits (and warns) once."""
    key = _cache_key(cfg)
    fit = _FITS.get(key) if key is not None else None
    if fit is None:
        fit = fit_calls_csv(cfg)
        for line in warning_lines(fit.report):
            print(line, file=sys.stderr)
        if key is not None:
            _FITS[key] = fit
    return replace(cfg, calls=copy.deepcopy(fit.calls))  # callers may edit their config: the cache stays


def fit_report(cfg: Config) -> dict:
    """The report behind a config made by ``apply_calls_csv`` (for plan.md):
    the cached fit whose call types ``cfg`` carries, else a fresh fit of ``cfg``."""
    path = str(resolved_path(cfg))
    for fit in reversed(list(_FITS.values())):
        if fit.report["path"] == path and fit.calls == cfg.calls:
            return fit.report
    return fit_calls_csv(cfg).report


# --- Markdown --------------------------------------------------------------------------

def _rate(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def report_markdown(report: dict) -> str:
    """A short Markdown section on the fit, for plan.md: what was read, a table
    per call type, notes, and the bad rows with line numbers."""
    bad = report["bad_rows"]
    out = [
        "## Call model fitted from the district's records", "",
        f"From `{report['file']}` (points as {report.get('coordinates', 'x_m,y_m')}): "
        f"{report['rows_used']:,} of {report['rows_read']:,} rows used"
        f" ({len(bad)} bad rows skipped), {report['first_time']} to {report['last_time']}"
        f" ({report['span_days']} days), {report['residents']:,} residents.", "",
    ]
    rows = [[name, e["source"], f"{e['count']:,}", _rate(e["rate_before"]), _rate(e["rate_fitted"]),
             "-" if e["peak_hour"] is None else f"{e['peak_hour']:02d} h", e["status"]]
            for name, e in report["types"].items()]
    out.append(md_table(["call type", "source", "records", "rate before", "fitted rate", "peak hour", "done"],
                        rows, align="llrrrrl"))
    out += ["", "Rates are per 1,000 residents a year (crime types: crimes committed, reported or not)."]
    for note in report["notes"]:
        out += ["", note]
    if bad:
        out += ["", "### Rows skipped", ""]
        out += [f"- line {b['line']}: {b['reason']}" for b in bad[:MAX_LISTED_ROWS]]
        if len(bad) > MAX_LISTED_ROWS:
            out.append(f"- ... and {len(bad) - MAX_LISTED_ROWS} more")
    return "\n".join(out) + "\n"
