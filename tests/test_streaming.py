"""Flat memory (issue 17): calls, incidents and hourly samples go to Parquet
as the run goes, and the files hold exactly what a run kept in memory would."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core import logs
from sim.core.logs import RecordLog
from sim.run import prepare_dir, record_logs, results, simulate, write_outputs
from tests.conftest import config

SCHEMA = pa.schema([("id", pa.int64()), ("value", pa.float64())])


def rows_table(rows):
    return pa.table({"id": [r[0] for r in rows], "value": [r[1] for r in rows]}, schema=SCHEMA)


@settings(max_examples=40, deadline=None)
@given(finish_order=st.permutations(list(range(60))), batch=st.sampled_from([1, 3, 7, 64]),
       group=st.sampled_from([2, 5, 100]), retain=st.booleans(), left_open=st.integers(0, 10))
def test_records_come_out_in_id_order_whatever_order_they_finish(tmp_path_factory, finish_order, batch, group,
                                                                 retain, left_open):
    """Records finish in any order (and some never); the file holds every one,
    in id order, with its final values, and memory holds only unwritten ones."""
    path = tmp_path_factory.mktemp("log") / "t.parquet"
    old = logs.BATCH_ROWS, logs.ROW_GROUP_ROWS
    logs.BATCH_ROWS, logs.ROW_GROUP_ROWS = batch, group
    try:
        log = RecordLog(rows_table)
        log.stream_to(path, SCHEMA, retain=retain)
        for k in range(60):
            log.append([k, -1.0])
        for k in finish_order[:60 - left_open]:
            log[k][1] = float(k)  # IndexError if it had been written before it was final
            log.finish(k)
        assert len(log) == 60
        first_open = min(finish_order[60 - left_open:], default=60)
        assert len(list(log)) == 60 if retain else len(list(log)) <= 60 - first_open + batch
        log.close()
    finally:
        logs.BATCH_ROWS, logs.ROW_GROUP_ROWS = old
    table = pq.read_table(path)
    assert table["id"].to_pylist() == list(range(60))
    still_open = set(finish_order[60 - left_open:])
    assert table["value"].to_pylist() == [-1.0 if k in still_open else float(k) for k in range(60)]


@pytest.mark.slow  # two 30-40 day runs twice: the fast tier stays under 3 min (README "Tests")
@pytest.mark.parametrize("overrides", [["district=city", "sim.days=30"],
                                       ["policy=hotspot", "sim.days=40", "sim.warmup_days=5", "lever=visits"]])
def test_a_streamed_run_writes_what_a_run_in_memory_would(tmp_path, overrides, monkeypatch):
    """Same seed, same config: the streamed files (small batches and row
    groups, so many of each) hold the same tables as one built in memory, and
    the summary is identical."""
    monkeypatch.setattr(logs, "BATCH_ROWS", 64)
    monkeypatch.setattr(logs, "ROW_GROUP_ROWS", 256)
    cfg = config(*overrides)
    from sim.run import run_scenario

    streamed = run_scenario(cfg, tmp_path / "streamed", progress=False)
    model = simulate(cfg)
    kept = prepare_dir(tmp_path / "kept", cfg)
    in_memory = write_outputs(model, kept, None, 0.0)
    assert {k: v for k, v in streamed.items() if k != "wall_seconds"} == \
        {k: v for k, v in in_memory.items() if k != "wall_seconds"}
    for name in ("calls", "incidents", "timeseries", "units"):
        a, b = pq.read_table(tmp_path / "streamed" / f"{name}.parquet"), pq.read_table(kept / f"{name}.parquet")
        assert a.schema == b.schema and a.to_pandas().equals(b.to_pandas()), name  # NaN where NaN
    assert pq.ParquetFile(tmp_path / "streamed" / "calls.parquet").num_row_groups > 1
    assert not list((tmp_path / "streamed").glob(".*simtmp*"))


def test_a_streamed_run_keeps_only_open_calls_in_memory(tmp_path, monkeypatch):
    from sim.model import CommunityPolicingModel

    monkeypatch.setattr(logs, "BATCH_ROWS", 64)
    cfg = config("district=city", "sim.days=20")
    model = CommunityPolicingModel(cfg)
    model.stream_records(prepare_dir(tmp_path, cfg))
    model.run()
    in_memory = list(model.calls)
    assert len(model.calls) > 2 * logs.BATCH_ROWS > len(in_memory)
    assert model.community.call_satisfaction.keys() <= {c.call_id for c in in_memory}
    assert model.crime.deterred is None and model.disputes.history is None
    summary, _ = results(model)
    for log in record_logs(model).values():
        log.close()
    assert pq.read_table(tmp_path / "calls.parquet").num_rows == summary["calls_total"]  # no warm-up
