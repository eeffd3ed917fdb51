"""Read a calls CSV (``calls_csv=PATH``): one row per past call with the
columns ``time``, ``type`` and one pair of coordinates, checked row by row
before anything is fitted (sim.policing.calls_csv).

Coordinates are exactly one of three pairs: ``x_m,y_m`` (the model's metres,
any district), ``lon,lat`` (WGS84, or the geographic CRS ``calls_csv_crs``
names, e.g. EPSG:4490 for CGCS2000) or ``x,y`` (projected, in the CRS
``calls_csv_crs`` must name, e.g. EPSG:4547). Real coordinates need a
district with a place on Earth (``district=gis``, ``district=helsinki``): they
are converted to model metres all at once after parsing (GeoFrame.model_from).
Bureau exports keep their Chinese headers: ``COLUMN_ALIASES`` reads 时间, 类型,
经度, 纬度 as time, type, lon, lat; Chinese type names go through
sim.policing.call_type_aliases.

A malformed row, or one whose point lies outside the district's grid or in a
cell no area of a GIS district covers, is skipped and reported with its line
number, never silently dropped; a file that is mostly malformed, too big, not
a regular file or in a system folder is refused (one-line ConfigError).
"""
from __future__ import annotations

import csv
import math
import stat
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.core.checks import ConfigError, os_reason
from sim.core.outdir import SYSTEM_TREES
from sim.policing.call_type_aliases import OTHER_SERVICES, alias_key, known_type_names

if TYPE_CHECKING:  # the root config sits above the features: named for the reader only
    from sim.config import Config
from sim.i18n import Translator

_ = Translator("checks")

# header names read as the project's (after stripping; English ones in any case): a bureau's export
# keeps its Chinese headers (110 接处警 exports name these four so; assumption), and the long English forms
COLUMN_ALIASES = {"时间": "time", "类型": "type", "经度": "lon", "纬度": "lat",
                  "longitude": "lon", "latitude": "lat"}
# the coordinate pairs a file may carry, exactly one of them
MODEL_METRES, LON_LAT, PROJECTED = ("x_m", "y_m"), ("lon", "lat"), ("x", "y")
COORDINATE_PAIRS = (MODEL_METRES, LON_LAT, PROJECTED)
WGS84 = "EPSG:4326"  # lon,lat columns without calls_csv_crs (GPS, OpenStreetMap, most exports)
HEADER_HELP = "time,type and one of x_m,y_m | lon,lat | x,y (经度,纬度 for lon,lat)"
MAX_BAD_SHARE = 0.5  # more malformed data rows than this share: the file is refused; assumption ("mostly bad")
MAX_SHOWN_CHARS = 40  # a field quoted in a message is cut to this many characters; assumption (one line)
MAX_FILE_BYTES = 200_000_000  # a calls CSV; assumption (about 4 million calls: a decade of a city of a million)
MAX_ROWS = 2_000_000  # data rows read; assumption (about 350 MB of parsed rows in memory, at most)
MAX_LINE_CHARS = 10_000  # one CSV line; assumption (a call row is under 100 characters)
ENCODINGS = ("utf-8-sig", "gb18030")  # UTF-8 (a byte-order mark allowed), then GBK's superset (Excel on Chinese Windows)
OTHER_SERVICE = "\x00other:"  # _parse_row's mark for a row of another service's call type
TYPE_ALIAS_HINT = "Chinese names such as 纠纷, 盗窃 are aliases: sim/policing/call_type_aliases.py"


@dataclass
class Records:
    """The good rows of a calls CSV (parallel lists; points in model metres)
    and the bad ones with reasons."""

    rows_read: int = 0  # data rows (not the header, not blank lines)
    line: list[int] = field(default_factory=list)
    time: list[datetime] = field(default_factory=list)
    type: list[str] = field(default_factory=list)
    x_m: list[float] = field(default_factory=list)
    y_m: list[float] = field(default_factory=list)
    bad_rows: list[dict] = field(default_factory=list)  # {"line": n, "reason": str}, in line order
    coordinates: str = "x_m,y_m (model metres)"  # which columns gave the points, and their CRS
    other_service: dict = field(default_factory=dict)  # type name -> rows of another service's calls, skipped
    cols: object = None  # the header's columns (Columns)


@dataclass(frozen=True)
class Columns:
    """Where each field is in a row, and what the coordinates mean."""

    index: dict  # "time", "type", "x", "y" -> column number
    labels: tuple[str, str]  # the coordinate columns as the header writes them (for messages)
    crs: str | None  # the points' CRS (a pyproj input); None: model metres
    geographic: bool  # lon/lat in degrees: checked against [-180, 180] and [-90, 90]
    described: str


def _show(text: str) -> str:
    """A field as it appears in a one-line message: quoted, escaped, cut short."""
    return repr(text if len(text) <= MAX_SHOWN_CHARS else text[:MAX_SHOWN_CHARS] + "...")


def resolved_path(cfg: Config) -> Path:
    """``calls_csv`` as an absolute path (the fit's cache key and report name it)."""
    return Path(cfg.calls_csv).expanduser().resolve()


def _header_columns(header: list[str], cfg: Config) -> Columns:
    """The columns of the header line, checked: time and type once each, exactly
    one coordinate pair, and real coordinates only where the district has a
    place on Earth and their CRS is known."""
    shown = cfg.calls_csv
    raw = [h.strip() for h in header]
    names = [COLUMN_ALIASES.get(h.lower(), h.lower()) for h in raw]
    present = [pair for pair in COORDINATE_PAIRS if set(pair) & set(names)]
    if len(present) > 1:
        raise ConfigError("calls_csv", shown, _("has {items} columns: keep one pair of coordinates (rename or "
                                                "delete the others)")
                                              .format(items=_(" and ").join(",".join(p) for p in present)))
    pair = present[0] if present else MODEL_METRES  # none: the message names x_m, as it always has
    for name in ("time", "type") + pair:
        if names.count(name) != 1:
            problem = (_("has no column '{name}' (header line 1 needs {header_help}, in any order; found: {items})")
                       if name not in names else
                       _("has more than one column '{name}' (header line 1 needs {header_help}, in any order; "
                         "found: {items})"))
            raise ConfigError("calls_csv", shown, problem.format(name=name, header_help=HEADER_HELP,
                                                                 items=",".join(raw)))
    index = {key: names.index(name) for key, name in zip(("time", "type", "x", "y"), ("time", "type") + pair)}
    labels = (raw[index["x"]], raw[index["y"]])
    crs_text = cfg.calls_csv_crs
    if pair == MODEL_METRES:
        if crs_text is not None:
            raise ConfigError("calls_csv_crs", crs_text, _("x_m,y_m are the model's own metres and have no CRS: "
                                                           "leave calls_csv_crs out, or give lon,lat or x,y "
                                                           "columns"))
        return Columns(index, labels, None, False, "x_m,y_m (model metres)")
    d = cfg.district
    if d.kind != "gis":
        raise ConfigError("calls_csv", shown, _("has {items} columns, but district {name!r} is invented and has "
                                                "no place on Earth: use district=gis (or helsinki) for real "
                                                "coordinates, or give x_m,y_m in the district's metres")
                                              .format(items=','.join(labels), name=d.name))
    if pair == PROJECTED and crs_text is None:
        raise ConfigError("calls_csv_crs", None, _("calls_csv has {items} columns: say their CRS, e.g. "
                                                   "calls_csv_crs=EPSG:4547 (or give lon,lat columns in WGS84)")
                                                 .format(items=','.join(labels)))
    from sim.geo.sources import parse_crs  # pyproj: imported only for real coordinates

    crs = parse_crs("calls_csv_crs", crs_text if crs_text is not None else WGS84)
    if pair == LON_LAT and not crs.is_geographic:
        raise ConfigError("calls_csv_crs", crs_text, _("is a projected CRS, but calls_csv has {items} columns "
                                                       "(degrees): name them x,y, or give a geographic CRS "
                                                       "(EPSG:4326, EPSG:4490)").format(items=','.join(labels)))
    described = f"{','.join(labels)} ({crs_text if crs_text is not None else 'WGS84'})"
    return Columns(index, labels, crs.to_wkt(), bool(crs.is_geographic), described)


def _parse_row(row: list[str], n_fields: int, cols: Columns, known: dict[str, str]) -> tuple[str | None, tuple]:
    """(reason, ()) for a bad row, (None, (time, type, x, y)) for a good one;
    x, y as the file gives them (placed in the district later, all at once)."""
    if len(row) != n_fields:
        return f"has {len(row)} fields, the header has {n_fields}", ()
    col = cols.index
    text = row[col["time"]].strip()
    try:
        t = datetime.fromisoformat(text.replace("/", "-"))  # 2025/03/01 02:57, as Excel on Chinese Windows writes
    except ValueError:
        return f"time {_show(text)} is not an ISO 8601 date-time (e.g. 2025-03-01 14:32)", ()
    if len(text) <= 10:  # YYYY-MM-DD parses as midnight: it would pile every call into hour 0
        return f"time {_show(text)} has a date but no time of day", ()
    t = t.replace(tzinfo=None)  # an offset is dropped: the local clock time is what shapes the day
    kind = known.get(alias_key(row[col["type"]]))
    if kind is None and alias_key(row[col["type"]]) in OTHER_SERVICES:  # 交通事故, 火灾: not the office's
        return OTHER_SERVICE + row[col["type"]].strip(), ()
    if kind is None:
        return (f"unknown type {_show(row[col['type']].strip())} (known: {', '.join(dict.fromkeys(known.values()))}; "
                f"{TYPE_ALIAS_HINT})"), ()
    xy = []
    for key, label, limit in (("x", cols.labels[0], 180.0), ("y", cols.labels[1], 90.0)):
        raw = row[col[key]].strip()
        try:
            value = float(raw)
        except ValueError:
            return f"{label} {_show(raw)} is not a number", ()
        if not math.isfinite(value):
            return f"{label} {_show(raw)} is not a finite number", ()
        if cols.geographic and abs(value) > limit:
            return f"{label} {_show(raw)} is not within [-{limit:g}, {limit:g}] degrees (lon and lat swapped?)", ()
        xy.append(value)
    return None, (t, kind, xy[0], xy[1])


def read_calls_csv(cfg: Config) -> Records:
    """Read ``cfg.calls_csv`` row by row, then place the points in the district.
    A file-level problem (missing, unreadable, not CSV, a required column
    missing) is a ConfigError; a bad row is kept in ``bad_rows`` with its
    physical line number (header = line 1)."""
    path, shown = resolved_path(cfg), cfg.calls_csv
    known = known_type_names(cfg.calls)
    out = Records()
    if not str(shown).strip():
        raise ConfigError("calls_csv", shown, _("must name a CSV file of calls ({header_help})")
                                              .format(header_help=HEADER_HELP))
    try:
        st = path.stat()
    except OSError as exc:
        raise ConfigError("calls_csv", shown, _("cannot read the file ({value})")
                                              .format(value=os_reason(exc))) from None
    if not stat.S_ISREG(st.st_mode):  # a folder, a device such as /dev/zero, a pipe that would never end
        raise ConfigError("calls_csv", shown, _("is not a regular file"))
    if any(path == Path(t) or Path(t) in path.parents for t in SYSTEM_TREES):  # /proc/self/environ and the like
        raise ConfigError("calls_csv", shown, _("lies in a system folder; a calls file is a CSV of your records"))
    if st.st_size > MAX_FILE_BYTES:
        raise ConfigError("calls_csv", shown, _("is {st_size:,} bytes; at most {max_file_bytes:,} (split it by "
                                                "year)").format(st_size=st.st_size, max_file_bytes=MAX_FILE_BYTES))
    for encoding in ENCODINGS:
        try:
            out, raw_x, raw_y = _read_rows(path, shown, encoding, cfg, known)
            break
        except UnicodeDecodeError as exc:
            if encoding == ENCODINGS[-1]:
                raise ConfigError("calls_csv", shown, _("is neither UTF-8 nor GB18030/GBK text (byte {start}); "
                                                        "save it as CSV UTF-8").format(start=exc.start)) from None
        except OSError as exc:
            raise ConfigError("calls_csv", shown, _("cannot read the file ({value})")
                                                  .format(value=os_reason(exc))) from None
    _place_points(out, np.asarray(raw_x, dtype=float), np.asarray(raw_y, dtype=float), out.cols, cfg)
    _refuse_if_mostly_bad(out, shown)
    return out


def _read_rows(path: Path, shown: str, encoding: str, cfg: Config, known: dict) -> tuple[Records, list, list]:
    """The rows of the file read as ``encoding`` (a decoding error propagates: the next encoding is tried)."""
    out, raw_x, raw_y = Records(), [], []
    with open(path, newline="", encoding=encoding) as f:
        reader = csv.reader(_bounded_lines(f, shown))
        try:
            header = next(reader, None)
            if header is None:
                raise ConfigError("calls_csv", shown, _("is empty; needs a header line: {header_help}")
                                                      .format(header_help=HEADER_HELP))
            cols = _header_columns(header, cfg)
            out.coordinates = cols.described
            end_of_last = reader.line_num
            for row in reader:
                line, end_of_last = end_of_last + 1, reader.line_num
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # a blank line
                out.rows_read += 1
                if out.rows_read > MAX_ROWS:
                    raise ConfigError("calls_csv", shown, _("has more than {max_rows:,} rows; split it (by year)")
                                                          .format(max_rows=MAX_ROWS))
                reason, good = _parse_row(row, len(header), cols, known)
                if reason is not None:
                    if reason.startswith(OTHER_SERVICE):
                        name = reason[len(OTHER_SERVICE):]
                        out.other_service[name] = out.other_service.get(name, 0) + 1
                    else:
                        out.bad_rows.append({"line": line, "reason": reason})
                    continue
                out.line.append(line)
                out.time.append(good[0])
                out.type.append(good[1])
                raw_x.append(good[2])
                raw_y.append(good[3])
        except csv.Error as exc:
            raise ConfigError("calls_csv", shown, _("line {value}: not valid CSV ({exc})")
                                                  .format(value=reader.line_num + 1, exc=exc)) from None
    out.cols = cols
    return out, raw_x, raw_y


def _place_points(rec: Records, x: np.ndarray, y: np.ndarray, cols: Columns, cfg: Config) -> None:
    """Convert the good rows' points to model metres (all at once) and move
    the rows whose point is not in the district to ``bad_rows``: outside the
    grid, or in a cell of a GIS district that no area covers (nothing happens
    there in the model, so a record there is another jurisdiction's)."""
    d = cfg.district
    outside_cells = None
    if d.kind == "gis":
        from sim.core.space import LAND_USE_CODE
        from sim.geo.build import gis_build  # the build prepare() made: this process's copy

        built = gis_build(d.gis)
        outside_cells = built.land_use == LAND_USE_CODE["outside"]
        if cols.crs is not None:
            with np.errstate(invalid="ignore"):
                mx, my = built.frame.model_from(x, y, cols.crs)
        else:
            mx, my = x, y
    else:
        mx, my = x, y
    w, h = d.width_m, d.height_m
    with np.errstate(invalid="ignore"):
        in_grid = np.isfinite(mx) & np.isfinite(my) & (mx >= 0) & (mx < w) & (my >= 0) & (my < h)
    keep = in_grid.copy()
    cx = np.zeros(len(x), dtype=int)
    cy = np.zeros(len(x), dtype=int)
    cx[in_grid] = np.minimum((mx[in_grid] // d.cell_size_m).astype(int), int(w // d.cell_size_m) - 1)
    cy[in_grid] = np.minimum((my[in_grid] // d.cell_size_m).astype(int), int(h // d.cell_size_m) - 1)
    if outside_cells is not None:
        keep[in_grid] = ~outside_cells[cx[in_grid], cy[in_grid]]
    for i in np.flatnonzero(~keep):
        rec.bad_rows.append({"line": rec.line[i], "reason": _outside_reason(
            cols, x[i], y[i], mx[i], my[i], bool(in_grid[i]), (int(cx[i]), int(cy[i])), w, h)})
    if not keep.all():
        rec.bad_rows.sort(key=lambda b: b["line"])
        rec.line = [v for v, k in zip(rec.line, keep) if k]
        rec.time = [v for v, k in zip(rec.time, keep) if k]
        rec.type = [v for v, k in zip(rec.type, keep) if k]
    rec.x_m = mx[keep].tolist()
    rec.y_m = my[keep].tolist()


def _outside_reason(cols: Columns, x: float, y: float, mx: float, my: float, in_grid: bool, cell: tuple,
                    w: float, h: float) -> str:
    """Why a point is not in the district, in the file's own terms."""
    if cols.crs is None:
        point = f"point ({x:g}, {y:g})"
        where = f"x_m must be in [0, {w:g}) and y_m in [0, {h:g})"
    else:
        point = f"point ({cols.labels[0]} {x:.10g}, {cols.labels[1]} {y:.10g})"
        where = (f"it falls at x_m={mx:.0f}, y_m={my:.0f}; the grid spans [0, {w:g}) x [0, {h:g}) m"
                 if math.isfinite(mx) and math.isfinite(my) else "it cannot be projected to the district's CRS")
    if not in_grid:
        return f"{point} is outside the district: {where}"
    return f"{point} is outside the district's areas: its cell {cell} lies in the grid but no area covers it"


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
            raise ConfigError("calls_csv", shown, _("line {number} is longer than {max_line_chars:,} characters")
                                                  .format(number=number, max_line_chars=MAX_LINE_CHARS))
        yield line


def _refuse_if_mostly_bad(rec: Records, shown: str) -> None:
    """No good rows, or more than MAX_BAD_SHARE of the data rows bad: the file
    is probably the wrong one (or the wrong district), not a few typos."""
    if rec.rows_read == 0:
        raise ConfigError("calls_csv", shown, _("has no data rows, only the header"))
    n_bad = len(rec.bad_rows)
    if not rec.time or n_bad > MAX_BAD_SHARE * rec.rows_read:
        first = rec.bad_rows[0]
        raise ConfigError("calls_csv", shown, _("{n_bad} of {rows_read} rows are malformed (first: line {line}: "
                                                "{reason})")
                                              .format(n_bad=n_bad, rows_read=rec.rows_read, line=first["line"],
                                                      reason=first["reason"]))

