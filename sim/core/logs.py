"""Calls, incidents and hourly samples as a run makes them.

A ``RecordLog`` behaves like the list of records it has made (``len``,
iteration, ``log[k]`` by id), and tells listeners about each new record.
Without a sink it keeps everything, as the tabletop, the planner and short
runs want. With a sink (``stream_to``) memory stays flat however long the
run: records are converted to Arrow ``BATCH_ROWS`` at a time once they *and
every record before them* are final (a call is final when it is served or
lost, an incident when it is reported or not), so rows stay in id order; the
batches go to the Parquet file in row groups of about ``ROW_GROUP_ROWS``
(pyarrow's ``ParquetWriter``), under a temporary name renamed into place when
the log is closed. Records still open at the end are written as they stand.
A ``finish_table`` (set by whoever knows more than the records, e.g. the
longitude and latitude of a real place: sim.core.records.with_lonlat) is
applied to every table the log makes, a batch at a time.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from sim.core.outdir import open_new, tmp_name, write_atomic

BATCH_ROWS = 4096  # final records converted to Arrow at once; assumption (about 2 MB of Python objects)
ROW_GROUP_ROWS = 16_384  # rows per Parquet row group of a streamed table; assumption (about 3 MB of calls)


class RecordLog:
    def __init__(self, to_table: Callable[[list], pa.Table], final_at_once: bool = False):
        """``to_table(records)``: the Arrow rows of some records, in order.
        ``final_at_once``: records never change after they are made (samples)."""
        self.to_table = to_table
        self.finish_table: Callable[[pa.Table], pa.Table] | None = None  # applied to each table made
        self.final_at_once = final_at_once
        self.listeners: list[Callable] = []
        self._items: list = []  # records from id ``_base`` on
        self._final: list[bool] = []
        self._base = 0
        self._ready = 0  # leading records of _items that are final (and not yet converted)
        self._converted = 0  # leading records of _items already converted (retained ones only)
        self._batches: list[pa.Table] = []
        self._batched_rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._sink = None  # the temporary file the writer writes
        self._path: Path | None = None
        self.retain = True
        self.closed = False

    # --- list-like -------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._base + len(self._items)

    def __iter__(self) -> Iterator:
        """The records in memory, oldest first (all of them without a sink, or with ``retain``)."""
        return iter(self._items)

    def __getitem__(self, k):
        """By id (``log[k]``, ``log[a:b]``), for the records in memory."""
        if self._base == 0:  # nothing written away: exactly a list
            return self._items[k]
        if isinstance(k, slice):
            ids = range(*k.indices(len(self)))
            if ids and min(ids) < self._base:
                raise IndexError(f"records before {self._base} were written to disk")
            return [self._items[i - self._base] for i in ids]
        if k < 0:
            k += len(self)
        if k < self._base:
            raise IndexError(f"record {k} was written to disk")
        return self._items[k - self._base]

    def __eq__(self, other) -> bool:
        return list(self) == list(other)

    __hash__ = None

    def recent(self) -> list:
        """The records in memory, newest first."""
        return self._items[::-1]

    # --- making records --------------------------------------------------------------------
    def append(self, record) -> None:
        self._items.append(record)
        self._final.append(self.final_at_once)
        for listener in self.listeners:
            listener(record)
        if self.final_at_once:
            self._advance()

    def finish(self, record_id: int) -> None:
        """Record ``record_id`` will not change any more."""
        k = record_id - self._base
        if k < 0:
            return
        self._final[k] = True
        self._advance()

    def _advance(self) -> None:
        if self._writer is None:
            return
        items, final = self._items, self._final
        while self._ready < len(items) and final[self._ready]:
            self._ready += 1
        if self._ready - self._converted >= BATCH_ROWS:
            self._convert(self._ready)

    def _convert(self, upto: int) -> None:
        """Turn records [_converted, upto) into an Arrow batch; write a row group when enough are batched."""
        table = self._rows(self._items[self._converted:upto])
        self._batches.append(table)
        self._batched_rows += len(table)
        if self.retain:
            self._converted = upto
        else:
            del self._items[:upto]
            del self._final[:upto]
            self._base += upto
            self._ready -= upto
            self._converted = 0
        if self._batched_rows >= ROW_GROUP_ROWS:
            self._write_batches()

    def _write_batches(self) -> None:
        if self._batches:
            table = pa.concat_tables(self._batches) if len(self._batches) > 1 else self._batches[0]
            self._writer.write_table(table, row_group_size=max(len(table), 1))
            self._batches, self._batched_rows = [], 0

    # --- output ----------------------------------------------------------------------------
    def _rows(self, records: list) -> pa.Table:
        table = self.to_table(records)
        return self.finish_table(table) if self.finish_table is not None else table

    def stream_to(self, path: Path, schema: pa.Schema, retain: bool = False) -> None:
        """Write final records to ``path`` as the run goes (see the module docstring);
        ``retain`` keeps them in memory too (an exercise's summary reads them)."""
        self._path = Path(path)
        self._sink = open_new(tmp_name(self._path), "wb")
        self._writer = pq.ParquetWriter(self._sink, schema)
        self.retain = retain
        self._advance()

    @property
    def streaming(self) -> bool:
        return self._path is not None

    def close(self) -> None:
        """Write what is left (open records as they stand) and put the file in place."""
        if self.closed or self._writer is None:
            self.closed = True
            return
        if self._converted < len(self._items):
            self._batches.append(self._rows(self._items[self._converted:]))
        if not self._batches:  # an empty table still gets its (empty) row group, as pq.write_table does
            self._batches.append(self._rows([]))
        self._write_batches()
        self._writer.close()
        self._sink.close()
        os.replace(tmp_name(self._path), self._path)
        self.closed = True

    def abandon(self) -> None:
        """A run that failed: close the writer, leave no temporary file."""
        if self._writer is not None and not self.closed:
            self._writer.close()
            self._sink.close()
            tmp_name(self._path).unlink(missing_ok=True)
            self.closed = True

    def table(self, columns: list[str] | None = None) -> pa.Table:
        """Every record as a table: read back from the file when streamed (only
        ``columns``, to keep the read small), else built from memory."""
        if self.streaming:
            self.close()
            return pq.read_table(self._path, columns=columns)
        table = self._rows(self._items)
        return table.select(columns) if columns else table

    def columns(self):
        """The table as ``sim.core.records.Columns``: column by column from the file when
        streamed (nothing but one column in memory at a time), else from memory."""
        from sim.core.records import Columns

        if self.streaming:
            self.close()
            return Columns(path=self._path)
        return Columns(self._rows(self._items))

    def write(self, path: Path) -> None:
        """The table in ``path`` (written atomically): a no-op for a streamed log, already there."""
        if self.streaming:
            self.close()
            return
        with write_atomic(path, "wb") as f:
            pq.write_table(self._rows(self._items), f)
