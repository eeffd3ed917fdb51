"""Read a calls CSV (``calls_csv=PATH``): one row per past call with the
columns ``time,type,x_m,y_m``, checked row by row before anything is fitted
(sim.policing.calls_csv).

A malformed row is skipped and reported with its line number, never silently
dropped; a file that is mostly malformed, too big, not a regular file or in a
system folder is refused (one-line ConfigError).
"""
from __future__ import annotations

import csv
import math
import stat
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sim.core.checks import ConfigError
from sim.core.outdir import SYSTEM_TREES

if TYPE_CHECKING:  # the root config sits above the features: named for the reader only
    from sim.config import Config

REQUIRED_COLUMNS = ("time", "type", "x_m", "y_m")
MAX_BAD_SHARE = 0.5  # more malformed data rows than this share: the file is refused; assumption ("mostly bad")
MAX_SHOWN_CHARS = 40  # a field quoted in a message is cut to this many characters; assumption (one line)
MAX_FILE_BYTES = 200_000_000  # a calls CSV; assumption (about 4 million calls: a decade of a city of a million)
MAX_ROWS = 2_000_000  # data rows read; assumption (about 350 MB of parsed rows in memory, at most)
MAX_LINE_CHARS = 10_000  # one CSV line; assumption (a call row is under 100 characters)


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


def _show(text: str) -> str:
    """A field as it appears in a one-line message: quoted, escaped, cut short."""
    return repr(text if len(text) <= MAX_SHOWN_CHARS else text[:MAX_SHOWN_CHARS] + "...")


def resolved_path(cfg: Config) -> Path:
    """``calls_csv`` as an absolute path (the fit's cache key and report name it)."""
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
    path, shown = resolved_path(cfg), cfg.calls_csv
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

