"""calls_csv: fitting the call model to a district's own records (sim/policing/calls_csv.py)."""
from __future__ import annotations

import csv
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.policing.calls import HOUR_PROFILES, hourly_profile
from sim.policing.calls_csv import (ABSENT, FITTED, MODEL_MADE, apply_calls_csv, fit_calls_csv, fit_report,
                           report_markdown)
from sim.config import ConfigError
from tests.conftest import config

REPO = Path(__file__).resolve().parent.parent
START = datetime(2024, 1, 1)  # a Monday, like sim day 0
WEEKDAY_TRUTH = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.5, 1.5])  # weekends 1.5x
# true hour shapes, each unlike the configured one, so the records must win over the prior
TRUTH_SHAPES = {"emergency": "day", "elderly_alarm": "evening", "dispute": "night",
                "service_request": "evening", "hazard_report": "night", "theft": "day"}
BLOCK = 4  # calls of type k fall in a 4 x 4 block of cells, its own for each type


def block_cells(k: int, grow: int = 0) -> tuple[slice, slice]:
    """The block of type k (grown by ``grow`` cells each side) as [cx, cy] slices."""
    x0, y0 = BLOCK * (k % 5), 10 - 6 * (k // 5)
    return slice(max(x0 - grow, 0), x0 + BLOCK + grow), slice(max(y0 - grow, 0), y0 + BLOCK + grow)


def write_csv(path: Path, rows, header=("time", "type", "x_m", "y_m")) -> Path:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def stamp(hours: float, k: int = 0) -> str:
    """A time in one of the accepted ISO forms (they take turns)."""
    t = START + timedelta(hours=float(hours))
    return [t.isoformat(sep=" ", timespec="minutes"), t.isoformat(timespec="seconds"),
            t.isoformat(sep=" ", timespec="seconds")][k % 3]


def synthesise(cfg, days: int = 365, seed: int = 1):
    """A year of records drawn from the configured rates with known shapes and
    places; returns the rows and the expected number of records per type."""
    rng = np.random.default_rng(seed)
    hours = np.arange(days * 24)
    week = WEEKDAY_TRUTH / WEEKDAY_TRUTH.mean()
    rows, expected = [], {}
    for k, (name, shape) in enumerate(TRUTH_SHAPES.items()):
        call = cfg.calls[name]
        reported = call.report_prob if call.source == "crime" else 1.0
        per_hour = call.rate_per_1000_per_year * cfg.district.residents / 1000.0 * reported / (365 * 24)
        lam = per_hour * HOUR_PROFILES[shape][hours % 24] * week[(hours // 24) % 7]
        expected[name] = float(lam.sum())
        n = rng.poisson(lam)
        t = np.repeat(hours, n) + rng.random(n.sum())
        xs, ys = block_cells(k)
        x = (xs.start + BLOCK * rng.random(len(t))) * cfg.district.cell_size_m
        y = (ys.start + BLOCK * rng.random(len(t))) * cfg.district.cell_size_m
        rows += [(stamp(h, i), name, f"{a:.1f}", f"{b:.1f}") for i, (h, a, b) in enumerate(zip(t, x, y))]
    order = np.argsort([r[0].replace("T", " ") for r in rows], kind="stable")
    return [rows[i] for i in order], expected


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    cfg = config("sim.days=14")
    rows, expected = synthesise(cfg)
    path = write_csv(tmp_path_factory.mktemp("records") / "year.csv", rows)
    return replace(cfg, calls_csv=str(path)), expected


def corr(a, b) -> float:
    return float(np.corrcoef(np.asarray(a, float), np.asarray(b, float))[0, 1])


def test_fit_recovers_known_rates_shapes_and_places(year):
    cfg, expected = year
    fit = fit_calls_csv(cfg)
    rep = fit.report
    assert rep["span_days"] == 365 and rep["bad_rows"] == [] and rep["rows_used"] == rep["rows_read"]
    residents = cfg.district.residents
    for k, (name, shape) in enumerate(TRUTH_SHAPES.items()):
        call, before = fit.calls[name], cfg.calls[name]
        assert rep["types"][name]["status"] == FITTED
        # rate: the fitted count (rate back to records) is inside the 99% Poisson interval of the truth
        reported = before.report_prob if before.source == "crime" else 1.0
        lo, hi = stats.poisson.interval(0.99, expected[name])
        to_rate = 1000.0 / residents / reported
        assert lo * to_rate <= call.rate_per_1000_per_year <= hi * to_rate, name
        # hour of day: the records' shape, not the configured one
        truth = HOUR_PROFILES[shape]
        if expected[name] > 400:  # a few hundred calls find the peak; fewer only the rough shape
            assert truth[rep["types"][name]["peak_hour"]] >= 0.75 * truth.max(), name
        assert corr(call.hour_weights, truth) > 0.6, name
        assert corr(call.hour_weights, truth) > corr(call.hour_weights, HOUR_PROFILES[before.hour_profile]), name
        if before.source == "crime":  # offenders choose their own places and days
            assert call.cell_weights == [] and call.weekday_weights == []
            continue
        w = np.asarray(call.cell_weights).reshape(20, 20)  # [cx, cy]: flat index cx * rows + cy
        assert w[block_cells(k)].sum() > 0.5 * w.sum(), name
        assert w[block_cells(k, grow=1)].sum() > 0.85 * w.sum(), name
        peak = np.unravel_index(np.argmax(w), w.shape)
        assert w[block_cells(k)].max() == w[peak], name
    # weekday: weekends 1.5x busier (the rough bounds allow for Poisson noise: about 1,800 and 750 calls)
    for name, low, high in (("service_request", 1.25, 1.75), ("dispute", 1.1, 2.0)):
        wd = np.asarray(fit.calls[name].weekday_weights)
        assert low < wd[5:].mean() / wd[:5].mean() < high, (name, wd)
    # configured types with no records happened zero times; types the model makes stay as they are
    for name in ("burglary", "fraud", "robbery"):
        assert fit.calls[name].rate_per_1000_per_year == 0 and rep["types"][name]["status"] == ABSENT
        assert name in rep["absent"]
    for name in ("assault", "mediation"):
        assert fit.calls[name] == cfg.calls[name] and rep["types"][name]["status"] == MODEL_MADE
    # the fit reads the records only, never the random district layout
    other = fit_calls_csv(replace(config("seed=7", "sim.days=14"), calls_csv=cfg.calls_csv))
    assert other.calls == fit.calls


def test_bad_rows_are_skipped_and_reported(tmp_path, capsys):
    rng = np.random.default_rng(3)
    rows = [(stamp(24 * d + 10 * rng.random(), d), "service_request",
             f"{rng.uniform(0, 2000):.0f}", f"{rng.uniform(0, 2000):.0f}", "a, quoted note") for d in range(100)]
    # header in another order, other case, an extra column; physical lines: header = 1, rows[i] on line i + 2
    lines = ["Type, X_M ,time,y_m,note"] + [",".join([r[1], r[2], r[0], r[3], '"' + r[4] + '"']) for r in rows]
    lines[5] = lines[5].replace(rows[4][0], "2024-13-01 10:00")  # line 6: no 13th month
    # line 21: unknown type, with a note over two lines (the row is on lines 21-22; later rows move down one)
    lines[20] = ",".join(["parking", rows[19][2], rows[19][0], rows[19][3], '"two\nlines"'])
    lines[40] = ",".join(["service_request", "2500", rows[39][0], "100", "x"])  # line 42: east of the district
    lines.insert(60, "")  # a blank line: skipped silently, later rows move down one more line
    path = tmp_path / "records.csv"
    path.write_text("\n".join(lines) + "\n")
    cfg = config(f"calls_csv={path}")
    err = capsys.readouterr().err
    rep = fit_report(cfg)
    assert [b["line"] for b in rep["bad_rows"]] == [6, 21, 42]
    time_reason, type_reason, place_reason = (b["reason"] for b in rep["bad_rows"])
    assert "time" in time_reason and "2024-13-01" in time_reason
    assert "unknown type 'parking'" in type_reason and "service_request" in type_reason
    assert "outside the district" in place_reason and "[0, 2000)" in place_reason
    assert rep["rows_read"] == 100 and rep["rows_used"] == 97
    assert rep["types"]["service_request"]["count"] == 97
    # every skipped row is on stderr, then one summary line; composing again fits and warns once
    assert [ln for ln in err.splitlines() if ln.startswith("calls_csv: line ")] == [
        f"calls_csv: line {b['line']}: {b['reason']} (row skipped)" for b in rep["bad_rows"]]
    assert "calls_csv: fitted 1 call types from 97 rows over 100 days (3 bad rows skipped)" in err.splitlines()
    assert config(f"calls_csv={path}").calls == cfg.calls
    assert capsys.readouterr().err == ""
    md = report_markdown(rep)
    assert "| service_request | background | 97 |" in md and "- line 21: unknown type 'parking'" in md


def test_many_bad_rows_warn_at_most_twenty_lines(tmp_path, capsys):
    good = [(stamp(h), "dispute", "10", "10") for h in range(60)]
    bad = [(stamp(h), "dispute", "-5", "10") for h in range(25)]
    cfg = replace(config(), calls_csv=str(write_csv(tmp_path / "r.csv", good + bad)))
    fitted = apply_calls_csv(cfg)
    err = capsys.readouterr().err.splitlines()
    assert sum(ln.startswith("calls_csv: line ") for ln in err) == 20
    assert "calls_csv: ... and 5 more bad rows skipped" in err
    assert fitted.calls["dispute"].rate_per_1000_per_year > 0
    rep = fit_report(fitted)
    assert len(rep["bad_rows"]) == 25 and rep["rows_used"] == 60


def test_weekday_shape_is_per_day_of_that_weekday_in_the_span(tmp_path):
    # 10 days from a Monday hold two Mondays, Tuesdays and Wednesdays: the same
    # calls every day is a flat week, not one twice as busy early in the week
    rows = [(stamp(24 * day + h), "dispute", "10", "10") for day in range(10) for h in range(0, 24, 2)]
    fit = fit_calls_csv(replace(config(), calls_csv=str(write_csv(tmp_path / "r.csv", rows))))
    assert fit.report["span_days"] == 10
    assert np.allclose(fit.calls["dispute"].weekday_weights, 1.0)


@pytest.mark.slow  # the fast tier stays under 3 min (README "Tests")
def test_mostly_bad_file_is_refused_in_one_line(tmp_path):
    rows = [(stamp(h), "dispute", "10", "10") for h in range(4)]
    rows += [("yesterday", "dispute", "10", "10")] + [(stamp(h), "theft", "1e9", "10") for h in range(5)]
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(ConfigError) as exc:
        fit_calls_csv(replace(config(), calls_csv=str(path)))
    assert exc.value.key == "calls_csv"
    assert "6 of 10 rows are malformed (first: line 6: time 'yesterday'" in str(exc.value)
    assert "\n" not in str(exc.value)
    run_dir = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "sim", f"calls_csv={path}", f"hydra.run.dir={run_dir}"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith(f"config error: calls_csv='{path}': 6 of 10 rows")
    assert not run_dir.exists()


@pytest.mark.parametrize("header, needle", [
    (("time", "type", "x_m"), "has no column 'y_m'"),
    (("when", "type", "x_m", "y_m"), "has no column 'time'"),
])
def test_missing_column_is_a_config_error(tmp_path, header, needle):
    path = write_csv(tmp_path / "r.csv", [(stamp(1), "dispute", "10", "10")[: len(header)]], header=header)
    with pytest.raises(ConfigError) as exc:
        fit_calls_csv(replace(config(), calls_csv=str(path)))
    assert exc.value.key == "calls_csv" and needle in str(exc.value)


def test_missing_or_empty_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the file"):
        fit_calls_csv(replace(config(), calls_csv=str(tmp_path / "nope.csv")))
    with pytest.raises(ConfigError, match="no data rows"):
        fit_calls_csv(replace(config(), calls_csv=str(write_csv(tmp_path / "h.csv", []))))


def test_model_made_types_are_reported_not_fitted(tmp_path):
    rows = [(stamp(5 * i), kind, "500", "500") for i, kind in enumerate(["dispute"] * 30 + ["assault"] * 4
                                                                           + ["Mediation"] * 6)]
    cfg = replace(config(), calls_csv=str(write_csv(tmp_path / "r.csv", rows)))
    fit = fit_calls_csv(cfg)
    types = fit.report["types"]
    for name, n in (("assault", 4), ("mediation", 6)):
        assert types[name]["count"] == n and types[name]["status"] == MODEL_MADE
        assert types[name]["rate_fitted"] is None and fit.calls[name] == cfg.calls[name]
    assert types["dispute"]["status"] == FITTED and fit.calls["dispute"].rate_per_1000_per_year > 0
    assert fit.report["model_made"] == ["assault", "mediation"]
    assert "made by the model" in report_markdown(fit.report)


def test_fitted_config_runs_and_draws_the_fitted_rates(year):
    from sim.run import simulate

    cfg, _ = year
    fitted = apply_calls_csv(cfg).validate()
    model = simulate(fitted)
    hours = int(fitted.sim.days * 24)
    names = [n for n, _ in model.call_types]
    drawn = np.bincount(model.feed.stream.type_index, minlength=len(names))
    for name in ("emergency", "elderly_alarm", "dispute", "service_request", "hazard_report"):
        call = fitted.calls[name]
        mean = call.rate_per_1000_per_year * fitted.district.residents / 1000.0 / (365 * 24) * float(
            hourly_profile(call, hours).sum())
        lo, hi = stats.poisson.interval(0.999, mean)
        assert lo <= drawn[names.index(name)] <= hi, (name, drawn[names.index(name)], mean)
    served = [c for c in model.calls if c.type == "service_request" and c.source == "background"]
    assert len(served) == drawn[names.index("service_request")]


def test_calls_in_cells_without_residents_do_not_break_the_model(tmp_path):
    from sim.model import CommunityPolicingModel
    from sim.run import simulate

    cfg = config("sim.days=7")
    residents = CommunityPolicingModel(cfg).district.residents
    empty = np.argwhere(residents == 0)
    assert len(empty), "the urban layout has cells nobody lives in (roads, parks)"
    cx, cy = (int(v) for v in empty[len(empty) // 2])
    rng = np.random.default_rng(5)
    kinds = ["hazard_report"] * 300 + ["dispute"] * 200 + ["elderly_alarm"] * 100 + ["emergency"] * 100
    rows = [(stamp(24 * 30 * rng.random(), i), kind, f"{(cx + rng.random()) * 100:.1f}",
             f"{(cy + rng.random()) * 100:.1f}") for i, kind in enumerate(kinds)]
    fitted = apply_calls_csv(replace(cfg, calls_csv=str(write_csv(tmp_path / "r.csv", rows)))).validate()
    model = simulate(fitted)
    assert model.district.residents[cx, cy] == 0  # the same layout: it comes from the seed alone
    flat = cx * residents.shape[1] + cy
    here = [c for c in model.calls if c.source == "background"
            and int(c.x // 100) * residents.shape[1] + int(c.y // 100) == flat]
    assert {c.type for c in here} >= {"hazard_report", "dispute"}
    assert all(c.caller_id == -1 for c in here)  # nobody lives there: no caller, and no crash
