"""Workbooks and CSV files people open in Excel or WPS (issue 23).

A run, a sweep's comparison and a plan each write one ``.xlsx`` beside their
Parquet and JSON files: the summary on the first sheet, a sheet per table,
then a ``provenance`` sheet (config hash, root seed, version, command,
created). Headers are the labels of sim.output.labels with their units
("response mean (min)"); shares stay the 0-1 numbers of the Parquet files and
are shown as percentages (number format ``0.0%``), so a cell read back equals
the file's value. Written with openpyxl in write-only mode (rows streamed,
memory flat) and atomically (sim.core.outdir.write_atomic), so a failed write
leaves no half a workbook.

``sim.output.csv_table.write_csv`` writes the tidy tables as UTF-8 with a byte-order mark, which
Excel and WPS need to read Chinese text in a CSV.
"""
from __future__ import annotations

import io
import json
import math
import re
import zipfile
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from importlib import metadata
from pathlib import Path

import pyarrow as pa

from sim.core.outdir import PROGRAM, write_atomic
from sim.i18n import N_, Translator, current_language, language
from sim.output.labels import CATEGORY_COLUMNS, category_term, column_header, is_share_key

_ = Translator("reports")

EXCEL_MAX_ROWS = 1_048_576  # rows of one worksheet, the header's included (Excel's limit)
SHEET_NAME_MAX = 31  # characters of a sheet's name (Excel's limit)
_SHEET_NAME_BAD = str.maketrans({c: "_" for c in "[]:*?/\\"})
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # openpyxl's ILLEGAL_CHARACTERS_RE: no XML for them
PERCENT = "0.0%"
# a float as a cell shows it (the value stays exact: a cell read back equals the file's); degrees to ~0.1 m
DECIMAL = "0.0##"
DEGREES = "0.000000"
DEGREE_COLUMNS = ("lon", "lat")
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # every entry's date: the zip format's first (reproducible bytes)
FIXED_TIME_TEXT = b"1980-01-01T00:00:00Z"  # the workbook's created/modified stamps, the same date
_STAMP = re.compile(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*")
WIDTH_MIN, WIDTH_MAX = 8, 48  # column widths, characters
WIDTH_SAMPLE_ROWS = 200  # rows read to fit a column's width

# the provenance sheet's rows, in order: key -> label
PROVENANCE_LABELS = {
    "program": N_("program"),
    "version": N_("program version"),
    "git_commit": N_("git commit"),
    "config_hash": N_("configuration hash"),
    "root_seed": N_("root seed"),
    "seed": N_("seed"),
    "replicate": N_("replicate"),
    "command": N_("command"),
    "overrides": N_("command-line overrides"),
    "created_utc": N_("created (UTC)"),
    "source": N_("made from"),
    "runs": N_("runs compared"),
    "baseline": N_("baseline configuration"),
    "sweep_command": N_("the sweep's command"),
    "sweep_git_commit": N_("the sweep's git commit"),
}


@dataclass
class Sheet:
    """One worksheet: a table and how to show its columns."""

    name: str  # <= 31 characters (Excel's limit); longer is cut, []:*?/\ become _
    table: "pa.Table | object"  # a pyarrow Table, a pandas DataFrame or a dict of lists (a column may mix types)
    units: dict[str, str] = field(default_factory=dict)  # column -> unit in its header, e.g. {"wait": "min"}
    percent: set[str] = field(default_factory=set)  # columns holding 0-1 shares, shown 0.0%; also *_share keys
    headers: dict[str, str] = field(default_factory=dict)  # column -> header (translated); default: its label
    # a long table (one metric a row): the column naming each row's metric; numeric cells of that row in
    # ``row_values`` (default: every float column) are shown as percentages when the metric is a share
    row_metric: str | None = None
    row_values: set[str] = field(default_factory=set)
    note: str = ""  # one line shown right of the header row (what is cut, where the rest is)
    max_rows: int = EXCEL_MAX_ROWS - 1  # rows written; the rest named in the note


def _exact_number_text():
    """openpyxl writes a number as ``"%.16g"``, one digit short of what a
    double needs, so a cell read back could differ from the Parquet value in
    its last bit; write floats as ``repr`` (the shortest text that reads back
    the same double) and integers in full. Installed once for the process:
    only the text of numbers changes, and only to be exact."""
    from openpyxl.cell import _writer
    from openpyxl.compat.numbers import NUMERIC_TYPES

    original = getattr(_writer.safe_string, "__wrapped__", _writer.safe_string)

    def safe_string(value):
        if isinstance(value, NUMERIC_TYPES) and not isinstance(value, bool):
            if isinstance(value, float) and math.isfinite(value):
                return repr(float(value))  # numpy 2: repr(np.float64(x)) is "np.float64(x)"
            if isinstance(value, int):
                return str(value)
        return original(value)

    safe_string.__wrapped__ = original
    _writer.safe_string = safe_string


def project_version() -> str:
    try:
        return metadata.version("community-policing-sim")
    except metadata.PackageNotFoundError:
        return "unknown"


def provenance_from_manifest(manifest: dict, **extra) -> dict:
    """The provenance sheet's rows from a run's or plan's manifest.json."""
    keys = ("config_hash", "root_seed", "seed", "replicate", "git_commit")
    out = {k: manifest[k] for k in keys if k in manifest}
    if "overrides" in manifest:
        out["overrides"] = " ".join(manifest["overrides"])
    out.update(extra)
    return out


def write_workbook(path, sheets: list[Sheet], provenance: dict, lang: str | None = None) -> Path:
    """Write ``sheets`` (the first is the summary) and a provenance sheet to
    ``path``, atomically; headers in ``lang`` (default: the current language)."""
    from openpyxl import Workbook

    path = Path(path)
    _exact_number_text()
    with language(lang) if lang else nullcontext():
        wb = Workbook(write_only=True)
        try:
            used: set[str] = set()
            for sheet in sheets:
                _write_sheet(wb, _sheet_name(sheet.name, used), sheet)
            _write_provenance(wb, _sheet_name("provenance", used), provenance)
            buf = io.BytesIO()
            wb.save(buf)
            with write_atomic(path, "wb") as f:
                f.write(reproducible(buf.getvalue()))
        except BaseException:
            _discard(wb)
            raise
    return path


def reproducible(xlsx: bytes) -> bytes:
    """The same workbook, byte for byte, whenever the same tables are written
    (same config and seed, same files): openpyxl stamps the save time into
    docProps/core.xml and every zip entry; both are set to the zip format's
    first date instead (the reproducible-builds convention). When a run was
    made is in its manifest.json."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _STAMP.sub(rb"\g<1>" + FIXED_TIME_TEXT, body)
            entry = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            dst.writestr(entry, body)
    return out.getvalue()


def _discard(wb) -> None:
    """A workbook that failed: its sheets' temporary files (openpyxl's write-only mode) go now."""
    for ws in wb.worksheets:
        with suppress(Exception):
            if getattr(ws, "_rows", None) is not None:
                ws._rows.close()
        with suppress(Exception):
            if getattr(ws, "_writer", None) is not None:
                ws._writer.close()
                ws._writer.cleanup()


def _sheet_name(name: str, used: set[str]) -> str:
    base = (name.translate(_SHEET_NAME_BAD).strip("'") or "sheet")[:SHEET_NAME_MAX]
    out, n = base, 1
    while out.lower() in used:
        n += 1
        suffix = f"_{n}"
        out = base[:SHEET_NAME_MAX - len(suffix)] + suffix
    used.add(out.lower())
    return out


def _cell_value(v):
    """A Python value as a cell holds it: numbers stay numbers; NaN and None
    an empty cell; a time zone's datetime in UTC without it (Excel has none);
    nested values as JSON text; control characters XML cannot hold dropped."""
    if isinstance(v, str):
        return _ILLEGAL.sub("", v) if _ILLEGAL.search(v) else v
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, int):  # beyond 2**53 a spreadsheet's number rounds it (a seed): text
        return v if abs(v) < 2 ** 53 else str(v)
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, datetime):
        return v.astimezone(timezone.utc).replace(tzinfo=None) if v.tzinfo else v
    if isinstance(v, (date, time)):
        return v
    if isinstance(v, (list, dict, tuple)):
        return json.dumps(v, default=str, ensure_ascii=False)
    if hasattr(v, "item"):  # a numpy scalar
        return _cell_value(v.item())
    return str(v)


def _text_width(value) -> int:
    text = f"{value:.6g}" if isinstance(value, float) else str(value)
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)  # CJK characters are two wide


def _header_cells(ws, headers: list[str], note: str):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    cells = []
    for text in headers:
        c = WriteOnlyCell(ws, value=text)
        c.data_type = "s"  # never a formula, whatever the text
        c.font, c.alignment = bold, wrap
        cells.append(c)
    if note:
        c = WriteOnlyCell(ws, value=note)
        c.data_type = "s"
        c.font = Font(italic=True)
        cells.append(c)
    return cells


def _fit_widths(ws, headers: list[str], columns: list[list], note: str) -> None:
    from openpyxl.utils import get_column_letter

    for i, (head, values) in enumerate(zip(headers, columns), start=1):
        widest = max([_text_width(v) for v in values[:WIDTH_SAMPLE_ROWS] if v is not None] + [0])
        head_width = min(_text_width(head), WIDTH_MAX)  # a long header wraps
        ws.column_dimensions[get_column_letter(i)].width = max(WIDTH_MIN, min(WIDTH_MAX, max(widest, head_width) + 2))
    if note:
        ws.column_dimensions[get_column_letter(len(headers) + 1)].width = WIDTH_MAX


def _columns(table) -> tuple[list[str], list[list]]:
    """Column names and their cell values (a pandas column may mix numbers and text: the summary's values)."""
    if isinstance(table, pa.Table):
        return table.column_names, [[_cell_value(v) for v in c.to_pylist()] for c in table.columns]
    if isinstance(table, dict):
        return [str(n) for n in table], [[_cell_value(v) for v in values] for values in table.values()]
    names = [str(n) for n in table.columns]
    return names, [[_cell_value(v) for v in table[n].tolist()] for n in table.columns]


def _num_rows(table) -> int:
    if isinstance(table, pa.Table):
        return table.num_rows
    if isinstance(table, dict):
        return len(next(iter(table.values()), []))
    return len(table)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _write_sheet(wb, name: str, sheet: Sheet) -> None:
    from openpyxl.cell import WriteOnlyCell

    ws = wb.create_sheet(name)
    table = sheet.table
    rows_total = _num_rows(table)
    limit = max(0, min(sheet.max_rows, EXCEL_MAX_ROWS - 1))
    note = sheet.note
    if rows_total > limit:
        table = (table.slice(0, limit) if isinstance(table, pa.Table) else table.iloc[:limit]
                 if not isinstance(table, dict) else {k: list(v)[:limit] for k, v in table.items()})
        cut = _("first {shown} of {total} rows").format(shown=f"{limit:,}", total=f"{rows_total:,}")
        note = f"{cut}; {note}" if note else cut
    names, columns = _columns(table)
    if current_language() != "en" and any(n in CATEGORY_COLUMNS for n in names):
        # the model's words (call type, role, tier, ...) in the workbook's language; the files keep the keys
        columns = [[category_term(v) for v in values] if n in CATEGORY_COLUMNS else values
                   for n, values in zip(names, columns)]
        keys_note = _("types, roles, tiers, sources and outcomes in words; the CSV and Parquet files keep the keys")
        note = f"{note}; {keys_note}" if note else keys_note
    numeric = {n for n, values in zip(names, columns)
               if any(v is not None for v in values) and all(v is None or _is_number(v) for v in values)}
    percent = {n for n in names if n in numeric and (n in sheet.percent or is_share_key(n))}
    headers = [sheet.headers[n] if n in sheet.headers else column_header(n, sheet.units.get(n), n in percent)
               for n in names]
    _fit_widths(ws, headers, columns, note)
    ws.freeze_panes = "A2"
    ws.append(_header_cells(ws, headers, note))
    if not names:
        return
    pct_cols = [i for i, n in enumerate(names) if n in percent]
    row_cols: list[int] = []
    metrics: list = []
    if sheet.row_metric in names:
        by_row = sheet.row_values or {n for n, values in zip(names, columns)
                                      if any(isinstance(v, float) for v in values)}
        row_cols = [i for i, n in enumerate(names) if n in by_row and n != sheet.row_metric]
        metrics = columns[names.index(sheet.row_metric)]
    text_cols = [i for i, n in enumerate(names) if n not in numeric]
    pct = set(pct_cols)
    templates: dict = {}

    def styled(i: int, fmt: str, value):
        """A number with a display format: one cell a column and format, its value set for each row (the
        write-only sheet writes a row's cells as it is appended; a new cell and style lookup for each of
        a table's numbers took 2.5 times the time of the plain write)."""
        c = templates.get((i, fmt))
        if c is None:
            c = templates[(i, fmt)] = WriteOnlyCell(ws)
            c.number_format = fmt
        c.value = value
        return c
    float_cols = [(i, DEGREES if n in DEGREE_COLUMNS else DECIMAL) for i, n in enumerate(names)
                  if n in numeric and i not in pct]
    for r, row in enumerate(zip(*columns)):
        row = list(row)
        share_row = bool(row_cols) and metrics[r] is not None and (metrics[r] in sheet.percent
                                                                   or is_share_key(str(metrics[r])))
        for i in pct_cols + (row_cols if share_row else []):
            if _is_number(row[i]):
                row[i] = styled(i, PERCENT, row[i])
        for i, fmt in float_cols:
            if isinstance(row[i], float):
                row[i] = styled(i, fmt, row[i])
        for i in text_cols:
            v = row[i]
            if isinstance(v, str) and v.startswith("="):  # text, never a formula
                c = WriteOnlyCell(ws, value=v)
                c.data_type = "s"
                row[i] = c
        ws.append(row)


def _write_provenance(wb, name: str, provenance: dict) -> None:
    info = {"program": PROGRAM, "version": project_version()}  # no clock: the same run, the same bytes
    info.update({k: v for k, v in provenance.items() if v is not None})
    keys = [k for k in PROVENANCE_LABELS if k in info] + [k for k in info if k not in PROVENANCE_LABELS]
    table = pa.table({
        "key": keys,
        "label": [_(PROVENANCE_LABELS[k]) if k in PROVENANCE_LABELS else k for k in keys],
        # text: a seed may have more digits than a spreadsheet number keeps (15)
        "value": [v if isinstance(v := info[k], str) else json.dumps(v, default=str, ensure_ascii=False)
                  for k in keys],
    })
    _write_sheet(wb, name, Sheet(name, table, headers={"key": _("key"), "label": _("item"), "value": _("value")}))
