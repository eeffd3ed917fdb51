"""The workbooks and CSV files people open in Excel or WPS (issue 23): a run's
summary.xlsx, a sweep's compare/comparison.xlsx. Every number read back with
openpyxl equals the Parquet or JSON value it shows; shares carry a percentage
format, headers their units, the provenance sheet the manifest's config hash.

One tiny in-process run (sim.days=1) and one comparison of a synthetic sweep
(fake summaries, as tests/test_compare.py builds them) serve the module."""
from __future__ import annotations

import json
import math
import re
import shutil
import time
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from sim.output import run_workbook, workbook as wb
from sim.output.csv_table import write_csv
from sim.output.labels import is_share_key
from sim.run import prepare_dir, simulate, write_outputs
from tests.conftest import config
from tests.test_compare import fake_job

CJK = re.compile(r"[\u4e00-\u9fff]")


def rows(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def same(cell, value) -> bool:
    """A cell holds the file's value: numbers equal, NaN and None an empty cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return cell is None
    return cell == value


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A one-day run written as python -m sim writes it; its model for a second write."""
    cfg = config("sim.days=1", "sim.workbook=true")  # on whatever the tests' default
    model = simulate(cfg)
    out = prepare_dir(tmp_path_factory.mktemp("wb") / "run", cfg)
    write_outputs(model, out, ["sim.days=1"], 0.0)
    return out, model


@pytest.fixture(scope="module")
def book(run):
    return load_workbook(run[0] / "summary.xlsx")


def test_run_summary_sheet_equals_summary_json(run, book):
    out, _model = run
    summary = json.loads((out / "summary.json").read_text())
    assert book.sheetnames[0] == "summary" and book.sheetnames[-1] == "provenance"
    assert {"calls", "incidents", "units", "timeseries"} <= set(book.sheetnames)
    ws = book["summary"]
    assert "station_calls" not in book.sheetnames and "station_calls (" in ws["E1"].value  # CSV only, named
    table = rows(ws)[1:]
    assert [r[0] for r in table] == [k for k in summary if k != "wall_seconds"]  # the clock: not a result
    for (key, _label, value, _unit, *_note), row in zip(table, ws.iter_rows(min_row=2)):
        assert same(value, summary[key]), key
        if isinstance(summary[key], float) and is_share_key(key):
            assert row[2].number_format == "0.0%", key
        elif isinstance(summary[key], float):  # shown rounded, the value exact (4.096350900059267)
            assert row[2].number_format == "0.0##", key
        elif isinstance(summary[key], int):
            assert row[2].number_format == "General", key
    by_key = {r[0]: r for r in table}
    # the unit once: in the label's brackets or words, else in the unit column (issue 23 review)
    assert by_key["response_time_mean_min"][1:4:2] == ("response mean (min)", None)
    assert by_key["share_within_8min"][1].endswith("(%)") and by_key["share_within_8min"][3] is None
    assert by_key["arrival_rate_per_hour"][1:4:2] == ("calls received per hour", None)
    assert by_key["calls_total"][3] is None
    assert by_key["station_calls_per_day"][3] == "per day"  # "... calls a day": the label has no unit
    for key, label, _value, unit, *_note in table:
        assert not unit or unit not in label, key
    assert ws.freeze_panes == "A2"


def test_unit_column_names_a_unit_only_where_the_label_does_not():
    from sim.i18n import language
    from sim.output.labels import metric_label, unit_beside

    for lang in ("en", "zh"):
        with language(lang):
            for key in ("response_time_mean_min", "share_within_8min", "arrival_rate_per_hour", "sim_days",
                        "busy_hours_per_officer", "cost_total_kyuan_per_year", "p_wait"):
                assert unit_beside(key) == "", (lang, key, metric_label(key))
            assert unit_beside("station_calls_per_day") == ("per day" if lang == "en" else "每天")
            assert unit_beside("some_new_wait_min") == ("min" if lang == "en" else "分钟")  # no label: the key's unit
            assert unit_beside("calls_total") == ""


def test_an_exercise_runs_summary_keys_have_labels_too():
    """A tabletop exercise adds exercise_* keys to summary.json (recorded in the baseline); its
    summary sheet showed them raw (issue 23, last review)."""
    from sim.i18n import set_language
    from sim.output.labels import metric_label

    recorded = json.loads((Path(__file__).parent / "baseline" / "exercise_festival_night.json").read_text())
    keys = [k for k in recorded["files"]["summary.json"]["value"] if k.startswith("exercise_")]
    assert len(keys) >= 9
    for lang in ("en", "zh"):
        set_language(lang)
        try:
            raw = [k for k in keys if metric_label(k) == k or (lang == "zh" and metric_label(k).isascii())]
        finally:
            set_language("en")
        assert raw == [], (lang, raw)


def test_every_summary_key_has_a_label_and_shares_are_shares(run, book):
    """Issue 23 (new-user review): 132 of 149 summary rows showed the raw key. Every key of a run's
    summary.json has a label that is not its key; a key read as a share (percentage) holds 0-1 values,
    and the 0-1 quantities people read as percentages are shares."""
    from sim.output.labels import metric_label

    summary = json.loads((run[0] / "summary.json").read_text())
    raw = [k for k in summary if metric_label(k) == k]
    assert raw == []
    labels = {r[0]: r[1] for r in rows(book["summary"])[1:]}
    assert all(labels[k] == metric_label(k) for k in labels)
    assert metric_label("utilization_grid_worker") == "grid worker utilisation (%)"
    assert labels["response_time_mean_min_p2"] == "priority-2 calls: response mean (min)"
    assert labels["tier_share_rapid"] == "calls led by the tier: rapid response (%)"
    for key in ("reporting_rate", "satisfaction_mean", "trust_mean", "utilization", "tier_share_office",
                "awareness_share", "p_loss", "window_wait_over_30min_share",
                "attempt_after_stop_30min_survival"):  # a mean of chances: the share expected to go ahead
        assert is_share_key(key), key
    for key, value in summary.items():
        if is_share_key(key) and value is not None:
            assert 0 <= value <= 1, key
    for key in ("calls_total", "response_time_p50_min", "workload_gini", "kpi_composite", "wait_mean_min"):
        assert not is_share_key(key), key


def test_run_table_sheets_equal_parquet(run, book):
    out, _model = run
    calls = pq.read_table(out / "calls.parquet")
    assert len(calls) > 0
    ws = book["calls"]
    head = [c.value for c in ws[1]]
    assert head[calls.column_names.index("response_min")] == "response time (min)"
    assert head[calls.column_names.index("travel_m")] == "travel distance (m)"
    assert head[calls.column_names.index("t_arrival_min")] == "call received (min from start)"
    sheet = rows(ws)[1:]
    assert len(sheet) == calls.num_rows
    for name in ("call_id", "response_min", "type", "satisfaction"):
        i = calls.column_names.index(name)
        assert all(same(r[i], v) for r, v in zip(sheet, calls[name].to_pylist())), name
    i = calls.column_names.index("satisfaction")  # a 0-1 share: a percentage
    assert {c.number_format for c in next(ws.iter_cols(min_col=i + 1, max_col=i + 1, min_row=2))
            if c.value is not None} == {"0.0%"}
    units = pq.read_table(out / "units.parquet")
    uws = book["units"]
    j = units.column_names.index("utilization")
    assert [c.value for c in uws[1]][j] == "utilisation (%)"
    assert [r[j] for r in rows(uws)[1:]] == units["utilization"].to_pylist()
    assert uws.cell(row=2, column=j + 1).number_format == "0.0%"
    i = calls.column_names.index("response_min")
    assert ws.cell(row=2, column=i + 1).number_format == "0.0##"  # a float rounded on screen, exact in the cell
    i = calls.column_names.index("lon")
    assert {c.number_format for c in ws[2][i:i + 2] if isinstance(c.value, float)} <= {"0.000000"}
    ts = [c.value for c in book["timeseries"][1]]
    assert {"officers busy", "grid workers on duty", "crimes", "calls received"} <= set(ts)


def test_run_provenance_sheet_matches_manifest(run, book):
    manifest = json.loads((run[0] / "manifest.json").read_text())
    prov = {r[0]: r[2] for r in rows(book["provenance"])[1:]}
    assert prov["config_hash"] == manifest["config_hash"]
    assert prov["root_seed"] == str(manifest["root_seed"])
    assert prov["git_commit"] == manifest["git_commit"] and prov["overrides"] == "sim.days=1"
    assert prov["program"] == "community-policing-sim" and "created_utc" not in prov


def test_a_workbook_written_again_is_the_same_bytes(run, tmp_path):
    """Same run, same bytes (the reproducibility rule): no save time inside."""
    out, _model = run
    summary = json.loads((out / "summary.json").read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    books = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        for p in out.glob("*.parquet"):
            shutil.copy(p, folder / p.name)
        run_workbook.write_run_workbook(folder, summary, manifest, csv=False)
        books.append((folder / "summary.xlsx").read_bytes())
        time.sleep(1.1)  # a clock stamp would differ by now
    assert books[0] == books[1] == (out / "summary.xlsx").read_bytes()
    assert b"1980-01-01T00:00:00Z" in zipfile.ZipFile(out / "summary.xlsx").read("docProps/core.xml")


def test_run_csv_tables_have_a_bom_and_equal_parquet(run):
    out, _model = run
    for name in ("calls", "incidents", "units", "timeseries"):
        raw = (out / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), name
        csv = pd.read_csv(out / f"{name}.csv", encoding="utf-8-sig")
        table = pd.read_parquet(out / f"{name}.parquet")
        assert list(csv.columns) == list(table.columns)
        numbers = table.select_dtypes("number").columns
        assert len(numbers) > 2
        pd.testing.assert_frame_equal(csv[numbers], table[numbers], check_dtype=False, check_exact=True)


def test_a_failed_workbook_leaves_no_done_and_no_half_file(run, tmp_path, monkeypatch):
    """The workbook is written before DONE and atomically: a failing save (a full
    disk) leaves neither DONE nor a summary.xlsx, nor a temporary file."""
    _out, model = run
    from openpyxl.workbook.workbook import Workbook

    def full_disk(self, f):
        f.write(b"PK half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Workbook, "save", full_disk)
    out = prepare_dir(tmp_path / "run", model.cfg)
    with pytest.raises(OSError, match="No space"):
        write_outputs(model, out, None, 0.0)
    assert not (out / "DONE").exists() and not (out / "summary.xlsx").exists()
    assert not [p.name for p in out.iterdir() if ".simtmp-" in p.name]


def test_run_workbook_in_chinese_and_long_tables_left_to_csv(run, tmp_path, monkeypatch):
    """lang=zh: the labels are Chinese; a table over the cell limit is named on
    the summary sheet and left to its CSV and Parquet files."""
    src, _model = run
    out = tmp_path / "zh"
    out.mkdir()
    for p in src.glob("*.parquet"):
        shutil.copy(p, out / p.name)
    summary = json.loads((src / "summary.json").read_text())
    manifest = json.loads((src / "manifest.json").read_text())
    calls = pq.read_metadata(out / "calls.parquet")
    monkeypatch.setattr(run_workbook, "SHEET_MAX_CELLS", calls.num_rows * calls.num_columns - 1)
    run_workbook.write_run_workbook(out, summary, manifest, "zh")
    book = load_workbook(out / "summary.xlsx")
    assert "calls" not in book.sheetnames and "units" in book.sheetnames
    assert (out / "calls.csv").is_file()
    head = [c.value for c in book["summary"][1]]
    assert re.search(r"calls[（(]12", head[-1])  # the note: which table was left out
    labels = {r[0]: r[1] for r in rows(book["summary"])[1:]}
    assert CJK.search(labels["response_time_mean_min"]) and CJK.search(labels["share_within_8min"])
    assert CJK.search(head[1])  # "metric"
    # every key a Chinese label (needs the zh catalogue compiled from helper H's msgids: ./dev i18n)
    assert [k for k, label in labels.items() if label == k or not CJK.search(label)] == []
    units = rows(book["units"])
    ts = rows(book["timeseries"])[0]
    assert all(CJK.search(h) for h in ts if h)  # busy_officer, on_duty_grid_worker, crimes
    # the model's words in Chinese in the workbook only: roles, tiers (the shared terms); the files keep keys
    table = pq.read_table(out / "units.parquet")
    i, j = table.column_names.index("role"), table.column_names.index("tier")
    from sim.i18n import language
    from sim.i18n.terms import term
    with language("zh"):
        assert [r[i] for r in units[1:]] == [term(v) for v in table["role"].to_pylist()]
        assert [r[j] for r in units[1:]] == [term(v) for v in table["tier"].to_pylist()]
    assert "民警" in {r[i] for r in units[1:]} and "officer" in table["role"].to_pylist()
    assert CJK.search(units[0][-1]) and "CSV" in units[0][-1]  # the note: the files keep the keys
    assert "officer" in (out / "units.csv").read_text(encoding="utf-8-sig")


# ---------------------------------------------------------------- the writer on small tables

def test_write_workbook_keeps_values_and_formats(tmp_path):
    table = pa.table({"road_m": [1.5, float("nan"), None], "station_led_share": [0.25, 0.5, 1.0],
                      "note": ["=1+1", "中文", None], "seed": [2 ** 60, 1, 2]})
    summary = {"metric": ["p_wait", "calls_total"], "value": [0.125, 7]}
    path = wb.write_workbook(tmp_path / "t.xlsx", [wb.Sheet("summary", summary, row_metric="metric"),
                                                   wb.Sheet("a/b:c" * 10, table, max_rows=2, note="rest in t.csv")],
                             {"config_hash": "abc", "root_seed": 3}, lang="en")
    book = load_workbook(path)
    assert book.sheetnames == ["summary", "a_b_ca_b_ca_b_ca_b_ca_b_ca_b_ca", "provenance"]
    s = book["summary"]
    assert (s["B2"].value, s["B2"].number_format, s["B3"].value, s["B3"].number_format) == (0.125, "0.0%", 7, "General")
    t = book.worksheets[1]
    assert [c.value for c in t[1]] == ["road_m (m)", "station_led_share (%)", "note", "random seed",
                                       "first 2 of 3 rows; rest in t.csv"]
    assert rows(t)[1:] == [(1.5, 0.25, "=1+1", str(2 ** 60), None), (None, 0.5, "中文", 1, None)]
    assert t["A2"].number_format == "0.0##" and t["B3"].number_format == "0.0%"
    assert t["C2"].data_type == "s"  # text, not a formula
    csv = write_csv(tmp_path / "t.csv", table)  # NaN: an empty field
    assert csv.read_bytes().decode("utf-8-sig").splitlines()[1:3] == ['1.5,0.25,"\'=1+1",1152921504606846976',
                                                                     ',0.5,"中文",1']


def test_headers_in_chinese(tmp_path):
    table = pa.table({"response_time_mean_min": [4.0], "share_within_8min": [0.9], "road_m": [120.0]})
    book = load_workbook(wb.write_workbook(tmp_path / "zh.xlsx", [wb.Sheet("summary", table)], {}, lang="zh"))
    head = [c.value for c in book["summary"][1]]
    assert all(CJK.search(h) for h in head[:2]) and head[2].startswith("road_m (")


# ---------------------------------------------------------------- a sweep's comparison

@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    """2 policies x 3 replicates of fake summaries, compared (python -m sim.compare in-process)."""
    from sim.compare import cli

    root = tmp_path_factory.mktemp("sweep")
    for policy in ("fixed_post", "random_patrol"):
        for k in range(3):
            bump = 0.1 if policy == "random_patrol" else 0.0
            fake_job(root, [f"policy={policy}", f"replicate={k}", "sim.days=1"],
                     {"seed": k, "p_wait": 0.1 + 0.05 * k + bump, "share_within_8min": 0.8 - 0.01 * k,
                      "response_time_mean_min": 5.0 + k + 10 * bump, "calls_total": 10 + k})
    assert cli.main([str(root), "--baseline", "policy=fixed_post", "--metrics",
                     "response_time_mean_min,share_within_8min,p_wait,calls_total", "lang=en"]) == 0
    out = root / "compare"
    return root, out, load_workbook(out / "comparison.xlsx")


def test_comparison_workbook_equals_its_parquet_tables(comparison):
    root, out, book = comparison
    assert book.sheetnames == ["summary", "configurations", "differences", "runs", "provenance"]
    configs = pd.read_parquet(out / "configurations.parquet")
    summary = rows(book["summary"])
    assert summary[0][:3] == ("configuration", "baseline", "runs")
    assert summary[0][3:] == ("response mean (min)", "calls reached within 8 min (%)",
                              "calls that waited for a unit (%)", "calls")
    for r in summary[1:]:
        means = configs[configs["config"] == r[0]].set_index("metric")["mean"]
        assert list(r[3:]) == [means[m] for m in ("response_time_mean_min", "share_within_8min", "p_wait",
                                                  "calls_total")]
    assert [r[1] for r in summary[1:]] == ["yes", None]
    assert book["summary"]["E2"].number_format == "0.0%" and book["summary"]["D2"].number_format == "0.0##"
    diffs = pd.read_parquet(out / "differences.parquet")
    ws = book["differences"]
    head = [c.value for c in ws[1]]
    for (_i, d), row in zip(diffs.iterrows(), ws.iter_rows(min_row=2)):
        cells = dict(zip(head, row))
        assert cells["mean difference"].value == d["mean_diff"] and cells["interval low"].value == d["ci_low"]
        share = d["metric"] in ("share_within_8min", "p_wait")
        assert (cells["mean difference"].number_format == "0.0%") == share
        assert cells["pairs"].number_format == "General"
    runs = pd.read_parquet(out / "runs.parquet")
    assert [r[0] for r in rows(book["runs"])[1:]] == list(runs["job"])
    assert {r[1] for r in rows(book["runs"])[1:]} == {"test"}  # each job's DONE config hash


def test_comparison_csv_and_provenance(comparison):
    root, out, book = comparison
    for name in ("runs", "configurations", "differences"):
        csv = pd.read_csv(out / f"{name}.csv", encoding="utf-8-sig")
        pd.testing.assert_frame_equal(csv, pd.read_parquet(out / f"{name}.parquet"), check_dtype=False,
                                      check_exact=True)
    prov = {r[0]: r[2] for r in rows(book["provenance"])[1:]}
    assert prov["source"] == str(root) and prov["baseline"] == "policy=fixed_post" and prov["runs"] == "6"
    # the command as typed: --baseline, --metrics and the language (issue 23 review: they were dropped)
    assert prov["command"] == (f"python -m sim.compare {root} --baseline policy=fixed_post --metrics "
                               "response_time_mean_min,share_within_8min,p_wait,calls_total lang=en")


def test_csv_text_that_a_spreadsheet_would_run_is_written_as_text(tmp_path):
    """OWASP's CSV injection: a cell starting with = + - @ (or a tab) would be a
    formula in Excel or WPS; it gets a leading apostrophe. Numbers, other text and
    missing values are untouched."""
    table = pa.table({"label": ["=HYPERLINK(\"x\")", "+cmd|x", "-2+3", "@SUM(A1)", "\tx", "ok-1", "中文", None],
                      "n": [-1, 2, 3, 4, 5, 6, 7, 8]})
    read = pd.read_csv(write_csv(tmp_path / "t.csv", table), encoding="utf-8-sig", keep_default_na=False)
    assert read["label"].tolist() == ["'=HYPERLINK(\"x\")", "'+cmd|x", "'-2+3", "'@SUM(A1)", "'\tx", "ok-1", "中文", ""]
    assert read["n"].tolist() == [-1, 2, 3, 4, 5, 6, 7, 8]
