"""A run folder's ``summary.xlsx`` and its tables as CSV (sim.run.write_outputs):
the summary sheet first, a sheet per Parquet table that fits, the provenance
(sim.output.workbook writes them)."""
from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from sim.i18n import Translator, join_list, language
from sim.output.labels import metric_label, unit_beside
from sim.output.csv_table import write_csv
from sim.output.workbook import Sheet, provenance_from_manifest, write_workbook

_ = Translator("reports")

RUN_WORKBOOK = "summary.xlsx"
RUN_TABLE_ORDER = ("calls", "incidents", "units", "timeseries", "station_calls")  # CSV files in this order, then others
# tables without a sheet: the station's own calls outside the district (issue 19) are the larger part of a
# default run's cells (27,000 of 45,000, 0.5 s of 0.8 s) and not the district's: CSV and Parquet only
CSV_ONLY_TABLES = ("station_calls",)
# a table with more cells than this goes to CSV only (named on the summary sheet): openpyxl writes 35-60
# thousand cells a second (measured, write-only mode; a float with its display format 0.0## about half as
# fast: 200,000 float cells 12 s against 6 s plain on the 2-core test machine), so a year of a city's calls
# would add minutes to a run; a sheet at most ~4-8 s, the tables together ~8-16 s; assumption
SHEET_MAX_CELLS = 200_000
WORKBOOK_MAX_CELLS = 400_000


def run_tables(out: Path) -> list[Path]:
    """The Parquet tables of a run folder, in the workbook's order."""
    found = {p.stem: p for p in sorted(Path(out).glob("*.parquet"))}
    return [found.pop(n) for n in RUN_TABLE_ORDER if n in found] + list(found.values())


CLOCK_KEYS = ("wall_seconds",)  # how long the computer took: in summary.json, not in the results' workbook


def summary_sheet(summary: dict, note: str = "") -> Sheet:
    """One metric a row: its key, its label, its value (a share shown as a
    percentage), its unit where the label does not name it (``unit_beside``:
    "response mean (min)" needs no "min" beside it). The run's wall time is
    left out: the same config and seed give the same workbook, byte for byte."""
    keys = [k for k in summary if k not in CLOCK_KEYS]
    return Sheet("summary", {
        "key": keys,
        "metric": [metric_label(k) for k in keys],
        "value": [summary[k] for k in keys],
        "unit": [unit_beside(k) for k in keys],
    }, headers={"key": _("key"), "metric": _("metric"), "value": _("value"), "unit": _("unit")},
        row_metric="key", row_values={"value"}, note=note)


def write_run_workbook(out: Path, summary: dict, manifest: dict, lang: str | None = None,
                       csv: bool = True) -> Path:
    """``summary.xlsx`` of a run folder (the summary, a sheet per Parquet
    table that fits, the provenance) and, with ``csv``, each table as
    ``NAME.csv`` beside its Parquet file."""
    import pyarrow.parquet as pq

    out = Path(out)
    with language(lang) if lang else nullcontext():
        sheets, left_out, budget = [], [], WORKBOOK_MAX_CELLS
        for path in run_tables(out):
            if csv:
                write_csv(out / f"{path.stem}.csv", path)
            meta = pq.read_metadata(path)
            cells = meta.num_rows * meta.num_columns
            if path.stem in CSV_ONLY_TABLES or cells > min(SHEET_MAX_CELLS, budget):
                left_out.append(_("{name} ({rows} rows)").format(name=path.stem, rows=f"{meta.num_rows:,}"))
                continue
            budget -= cells
            sheets.append(Sheet(path.stem, pq.read_table(path)))
        note = (_("tables without a sheet, in the CSV and Parquet files of the same name: {tables}")
                .format(tables=join_list(left_out)) if left_out else "")
        provenance = provenance_from_manifest(manifest)  # no folder name: the same run, the same bytes anywhere
        return write_workbook(out / RUN_WORKBOOK, [summary_sheet(summary, note)] + sheets, provenance)
