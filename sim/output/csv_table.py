"""Tables as CSV files people open in Excel or WPS: UTF-8 with a byte-order
mark (which Excel and WPS need to read Chinese text), nested values as JSON
text, NaN as an empty field, and text that a spreadsheet would run as a
formula (a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return: OWASP's "CSV injection") written with a leading apostrophe, which
shows it as the text it is. Written atomically."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from sim.core.outdir import write_atomic

BOM = "\ufeff".encode()
CSV_BATCH_ROWS = 65_536  # rows read from a Parquet file at a time: memory stays flat
FORMULA_PATTERN = r"^[=+\-@\t\r]"  # OWASP, CSV injection: a cell a spreadsheet would read as a formula


def write_csv(path, table) -> Path:
    """``table`` as CSV, UTF-8 with a byte-order mark (Excel and WPS read
    Chinese text right), written atomically. ``table``: a pyarrow Table, a
    pandas DataFrame, a dict of lists, or the path of a Parquet file (read in
    batches: memory stays flat however long the table)."""
    path = Path(path)
    with write_atomic(path, "wb") as f:
        f.write(BOM)
        if isinstance(table, (str, Path)):
            import pyarrow.parquet as pq

            writer = None
            for batch in pq.ParquetFile(table).iter_batches(batch_size=CSV_BATCH_ROWS):
                part = _csv_ready(pa.Table.from_batches([batch]))
                if writer is None:
                    writer = pacsv.CSVWriter(f, part.schema)
                writer.write_table(part)
            if writer is None:  # no rows: the header only
                pacsv.write_csv(_csv_ready(pq.read_schema(table).empty_table()), f)
            else:
                writer.close()
        else:
            pacsv.write_csv(_csv_ready(_arrow(table)), f)
    return path


def _arrow(table) -> pa.Table:
    if isinstance(table, pa.Table):
        return table
    if isinstance(table, dict):
        return pa.table(table)
    return pa.Table.from_pandas(table, preserve_index=False)


def _csv_ready(table: pa.Table) -> pa.Table:
    """Nested columns (lists, structs, maps) as JSON text, CSV has no such
    type; NaN as an empty field, like a missing value; text that would run as
    a formula, behind an apostrophe."""
    import pyarrow.compute as pc

    for i, f in enumerate(table.schema):
        if pa.types.is_floating(f.type):
            col = table.column(i)
            if pc.any(pc.is_nan(col)).as_py():
                table = table.set_column(i, f, pc.if_else(pc.is_nan(col), pa.scalar(None, f.type), col))
        if pa.types.is_nested(f.type) or pa.types.is_dictionary(f.type):
            col = table.column(i)
            values = ([None if v is None else json.dumps(v, default=str, ensure_ascii=False)
                       for v in col.to_pylist()] if pa.types.is_nested(f.type) else col.cast(pa.string()))
            table = table.set_column(i, pa.field(f.name, pa.string()), pa.array(values, pa.string())
                                     if isinstance(values, list) else values)
        if pa.types.is_string(f.type) or pa.types.is_large_string(f.type):
            col = table.column(i)
            risky = pc.fill_null(pc.match_substring_regex(col, FORMULA_PATTERN), False)
            if pc.any(risky).as_py():
                table = table.set_column(i, f, pc.if_else(risky, pc.binary_join_element_wise("'", col, ""), col))
    return table
