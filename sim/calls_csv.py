"""Bring your own records: fit the call model to a district's historical calls.

A planner knows their district from its call log better than from our assumed
rates. ``calls_csv=PATH`` (a top-level config key) reads a CSV of past calls,
one row per call with the columns ``time,type,x_m,y_m``, and replaces, for each
configured call type, the rate, the hour-of-day shape, the weekday shape and
(background calls) where calls happen. Everything else about a type (priority,
on-scene time, who may attend) stays as configured: call logs rarely hold it.

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
  records give the same map in every replication.
- A malformed row is skipped and reported with its line number, never silently
  dropped; a file that is mostly malformed is refused (one-line ConfigError).
"""
from __future__ import annotations

import copy
import csv
import math
import stat
import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter

from sim.calls import HOUR_PROFILES
from sim.config import CallTypeConfig, Config, ConfigError
from sim.outdir import SYSTEM_TREES

REQUIRED_COLUMNS = ("time", "type", "x_m", "y_m")
DAYS_PER_YEAR = 365.0  # as sim.calls.MIN_PER_YEAR, so a fitted rate reproduces the recorded count
# prior of the hour-of-day shape: pseudo-calls spread by the configured shape, about one per hour;
# assumption: a type with a few dozen calls keeps roughly its configured shape, one with thousands its own
PRIOR_CALLS_PER_PROFILE = 24
PRIOR_CALLS_PER_WEEK = 7  # prior of the weekday shape: pseudo-calls spread evenly over the week; assumption
PRIOR_CALLS_PER_MAP = 5  # uniform floor of the place map: pseudo-calls spread over all cells; assumption
SMOOTHING_SIGMA_CELLS = 1.0  # Gaussian kernel of the place map, in cells; assumption: next-door blocks share risk
MAX_BAD_SHARE = 0.5  # more malformed data rows than this share: the file is refused; assumption ("mostly bad")
MAX_WARNED_ROWS = 20  # bad rows printed to stderr, one line each; assumption (the rest as a count)
MAX_LISTED_ROWS = 50  # bad rows listed in the Markdown report; assumption
SHORT_SPAN_DAYS = 28  # records spanning fewer calendar days get a warning; assumption (four weekly cycles)
MAX_RATE_PER_1000_PER_YEAR = 10_000.0  # CallTypeConfig.validate's upper bound (sim/config.py)
MAX_SHOWN_CHARS = 40  # a field quoted in a message is cut to this many characters; assumption (one line)
MAX_FILE_BYTES = 200_000_000  # a calls CSV; assumption (about 4 million calls: a decade of a city of a million)
MAX_ROWS = 2_000_000  # data rows read; assumption (about 350 MB of parsed rows in memory, at most)
MAX_LINE_CHARS = 10_000  # one CSV line; assumption (a call row is under 100 characters)
MAX_SPAN_DAYS = 100 * 365  # records spanning more calendar days are refused; assumption (a century)

MODEL_MADE = "made by the model, not fitted"
FITTED = "fitted"
ABSENT = "absent from the records: rate set to 0"
UNREPORTED = "not fitted: report_prob is 0, so records cannot show it"


@dataclass
class Records:
    """The good rows of a calls CSV (parallel lists) and the bad ones with reasons."""

    rows_read: int = 0  # data rows (not the header, not blank lines)
    line: list[int] = field(default_factory=list)
    time: list[datetime] = field(default_factory=list)
    type: list[str] = field(default_factory=list)
    x_m: list[float] = field(default_factory=list)
    y_m: list[float] = field(default_factory=list)
    bad_rows: list[dict] = field(default_factory=list)  # {"line": n, "reason": str}


@dataclass
class CallsFit:
    """Call types fitted to the records, and what was done (for stderr and plan.md)."""

    calls: dict[str, CallTypeConfig]
    report: dict


# --- reading ------------------------------------------------------------------------

def _show(text: str) -> str:
    """A field as it appears in a one-line message: quoted, escaped, cut short."""
    return repr(text if len(text) <= MAX_SHOWN_CHARS else text[:MAX_SHOWN_CHARS] + "...")


def _resolved(cfg: Config) -> Path:
    return Path(cfg.calls_csv).expanduser().resolve()


def _parse_row(row: list[str], n_fields: int, col: dict[str, int], known: dict[str, str],
               width_m: float, height_m: float) -> tuple[str | None, tuple]:
    """(reason, ()) for a bad row, (None, (time, type, x, y)) for a good one."""
    if len(row) != n_fields:
        return f"has {len(row)} fields, the header has {n_fields}", ()
    text = row[col["time"]].strip()
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        return f"time {_show(text)} is not an ISO 8601 date-time (e.g. 2025-03-01 14:32)", ()
    if len(text) <= 10:  # YYYY-MM-DD parses as midnight: it would pile every call into hour 0
        return f"time {_show(text)} has a date but no time of day", ()
    t = t.replace(tzinfo=None)  # an offset is dropped: the local clock time is what shapes the day
    kind = known.get(row[col["type"]].strip().lower())
    if kind is None:
        return f"unknown type {_show(row[col['type']].strip())} (known: {', '.join(known.values())})", ()
    xy = []
    for name in ("x_m", "y_m"):
        raw = row[col[name]].strip()
        try:
            value = float(raw)
        except ValueError:
            return f"{name} {_show(raw)} is not a number", ()
        if not math.isfinite(value):
            return f"{name} {_show(raw)} is not a finite number", ()
        xy.append(value)
    x, y = xy
    if not (0 <= x < width_m and 0 <= y < height_m):
        return (f"point ({x:g}, {y:g}) is outside the district: x_m must be in [0, {width_m:g}) "
                f"and y_m in [0, {height_m:g})"), ()
    return None, (t, kind, x, y)


def read_calls_csv(cfg: Config) -> Records:
    """Read ``cfg.calls_csv`` row by row. A file-level problem (missing,
    unreadable, not CSV, a required column missing) is a ConfigError; a bad row
    is kept in ``bad_rows`` with its physical line number (header = line 1)."""
    path, shown = _resolved(cfg), cfg.calls_csv
    d = cfg.district
    known = {name.lower(): name for name in cfg.calls}
    out = Records()
    if not str(shown).strip():
        raise ConfigError("calls_csv", shown, "must name a CSV file of calls (time,type,x_m,y_m)")
    try:
        st = path.stat()
    except OSError as exc:
        raise ConfigError("calls_csv", shown, f"cannot read the file ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):  # a folder, a device such as /dev/zero, a pipe that would never end
        raise ConfigError("calls_csv", shown, "is not a regular file")
    if any(path == Path(t) or Path(t) in path.parents for t in SYSTEM_TREES):  # /proc/self/environ and the like
        raise ConfigError("calls_csv", shown, "lies in a system folder; a calls file is a CSV of your records")
    if st.st_size > MAX_FILE_BYTES:
        raise ConfigError("calls_csv", shown, f"is {st.st_size:,} bytes; at most {MAX_FILE_BYTES:,} (split it "
                          "by year)")
    try:
        # utf-8-sig: spreadsheet exports often start with a byte-order mark
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(_bounded_lines(f, shown))
            try:
                header = next(reader, None)
                if header is None:
                    raise ConfigError("calls_csv", shown,
                                      "is empty; needs a header line: " + ",".join(REQUIRED_COLUMNS))
                names = [h.strip().lower() for h in header]
                for name in REQUIRED_COLUMNS:
                    if names.count(name) != 1:
                        problem = "has no column" if name not in names else "has more than one column"
                        raise ConfigError("calls_csv", shown, f"{problem} '{name}' (header line 1 needs "
                                          f"{','.join(REQUIRED_COLUMNS)} in any order; found: {','.join(names)})")
                col = {name: names.index(name) for name in REQUIRED_COLUMNS}
                end_of_last = reader.line_num
                for row in reader:
                    line, end_of_last = end_of_last + 1, reader.line_num
                    if not row or (len(row) == 1 and not row[0].strip()):
                        continue  # a blank line
                    out.rows_read += 1
                    if out.rows_read > MAX_ROWS:
                        raise ConfigError("calls_csv", shown, f"has more than {MAX_ROWS:,} rows; split it (by year)")
                    reason, good = _parse_row(row, len(header), col, known, d.width_m, d.height_m)
                    if reason is not None:
                        out.bad_rows.append({"line": line, "reason": reason})
                        continue
                    out.line.append(line)
                    for lst, value in zip((out.time, out.type, out.x_m, out.y_m), good):
                        lst.append(value)
            except csv.Error as exc:
                raise ConfigError("calls_csv", shown, f"line {reader.line_num + 1}: not valid CSV ({exc})") from None
    except OSError as exc:
        raise ConfigError("calls_csv", shown, f"cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ConfigError("calls_csv", shown, f"is not UTF-8 text (byte {exc.start})") from None
    _refuse_if_mostly_bad(out, shown)
    return out


def _bounded_lines(f, shown: str):
    """The file's lines, each read with a length limit: one endless line (a
    binary file, a wrong export) is refused, not read into memory whole."""
    number = 0
    while True:
        line = f.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise ConfigError("calls_csv", shown, f"line {number} is longer than {MAX_LINE_CHARS:,} characters")
        yield line


def _refuse_if_mostly_bad(rec: Records, shown: str) -> None:
    """No good rows, or more than MAX_BAD_SHARE of the data rows bad: the file
    is probably the wrong one (or the wrong district), not a few typos."""
    if rec.rows_read == 0:
        raise ConfigError("calls_csv", shown, "has no data rows, only the header")
    n_bad = len(rec.bad_rows)
    if not rec.time or n_bad > MAX_BAD_SHARE * rec.rows_read:
        first = rec.bad_rows[0]
        raise ConfigError("calls_csv", shown, f"{n_bad} of {rec.rows_read} rows are malformed "
                          f"(first: line {first['line']}: {first['reason']})")


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


def _cell_weights(cx: np.ndarray, cy: np.ndarray, cols: int, rows: int) -> np.ndarray:
    """Calls per cell, smoothed with a Gaussian kernel (cells next to past calls
    keep some intensity), plus PRIOR_CALLS_PER_MAP pseudo-calls over all cells
    (nowhere is impossible); flat index cx * rows + cy, mean 1."""
    grid = np.zeros((cols, rows))
    np.add.at(grid, (cx, cy), 1.0)
    grid = gaussian_filter(grid, sigma=SMOOTHING_SIGMA_CELLS, mode="constant", cval=0.0)
    grid += PRIOR_CALLS_PER_MAP / grid.size
    return (grid / grid.mean()).ravel()


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
        raise ConfigError("calls_csv", shown, f"the records span {(last.date() - first.date()).days + 1:,} days "
                          f"({first.date()} to {last.date()}); at most {MAX_SPAN_DAYS:,}: check the dates")
    first, last, span_days, exposure_days = _span(rec.time)
    years = span_days / DAYS_PER_YEAR
    cols, rows = int(d.width_m // d.cell_size_m), int(d.height_m // d.cell_size_m)
    types = np.array(rec.type, dtype=object)
    hours = np.array([t.hour for t in rec.time], dtype=int)
    weekdays = np.array([t.weekday() for t in rec.time], dtype=int)
    cx = np.minimum((np.array(rec.x_m) // d.cell_size_m).astype(int), cols - 1)
    cy = np.minimum((np.array(rec.y_m) // d.cell_size_m).astype(int), rows - 1)
    counts = Counter(rec.type)

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
                raise ConfigError("calls_csv", shown, f"{n} {name} records over {span_days} days are {rate:.0f} "
                                  f"per 1,000 residents a year, above {MAX_RATE_PER_1000_PER_YEAR:.0f}: "
                                  f"check district.residents ({d.residents})")
            new = replace(call, rate_per_1000_per_year=rate)
            entry["rate_fitted"] = rate
            if n == 0:
                entry["status"] = ABSENT  # shapes stay as configured: nothing to fit them to
            else:
                entry["status"] = FITTED
                hour_w = _hour_weights(hours[mine], call)
                entry["peak_hour"] = int(np.argmax(hour_w))
                new.hour_weights = _rounded(hour_w)
                if not crime:  # offenders choose their own days and places (sim/crime.py)
                    new.weekday_weights = _rounded(_weekday_weights(weekdays[mine], exposure_days, call))
                    new.cell_weights = _rounded(_cell_weights(cx[mine], cy[mine], cols, rows))
        calls[name] = new
        per_type[name] = entry

    if not any(c.rate_per_1000_per_year > 0 for c in calls.values()):
        raise ConfigError("calls_csv", shown, "none of the call types the model draws appear in the records "
                          f"(only {', '.join(sorted(counts)) or 'none'}): the fit would make no calls at all")
    notes = []
    if span_days < SHORT_SPAN_DAYS:
        notes.append(f"The records span only {span_days} days: rates and shapes are rough.")
    if any(e["status"] == FITTED and e["source"] == "crime" for e in per_type.values()):
        notes.append("Crime rates are reported crimes / report_prob: crimes that happened under the policing of "
                     "the records' years. The model's rate is before deterrence, so simulated crime comes out "
                     "somewhat below the records.")
    report = {
        "file": shown, "path": str(_resolved(cfg)), "residents": d.residents,
        "rows_read": rec.rows_read, "rows_used": len(rec.time), "bad_rows": rec.bad_rows,
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
    path = _resolved(cfg)
    try:
        st = path.stat()
    except OSError:
        return None  # fit_calls_csv raises the ConfigError
    d = cfg.district
    return (str(path), st.st_mtime_ns, st.st_size, d.width_m, d.height_m, d.cell_size_m, d.residents,
            repr(sorted(cfg.calls.items())))


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
    path = str(_resolved(cfg))
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
        f"From `{report['file']}`: {report['rows_used']:,} of {report['rows_read']:,} rows used"
        f" ({len(bad)} bad rows skipped), {report['first_time']} to {report['last_time']}"
        f" ({report['span_days']} days), {report['residents']:,} residents.", "",
        "| call type | source | records | rate before | fitted rate | peak hour | done |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for name, e in report["types"].items():
        peak = "-" if e["peak_hour"] is None else f"{e['peak_hour']:02d} h"
        out.append(f"| {name} | {e['source']} | {e['count']:,} | {_rate(e['rate_before'])} | "
                   f"{_rate(e['rate_fitted'])} | {peak} | {e['status']} |")
    out += ["", "Rates are per 1,000 residents a year (crime types: crimes committed, reported or not)."]
    for note in report["notes"]:
        out += ["", note]
    if bad:
        out += ["", "### Rows skipped", ""]
        out += [f"- line {b['line']}: {b['reason']}" for b in bad[:MAX_LISTED_ROWS]]
        if len(bad) > MAX_LISTED_ROWS:
            out.append(f"- ... and {len(bad) - MAX_LISTED_ROWS} more")
    return "\n".join(out) + "\n"
