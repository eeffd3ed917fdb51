"""Calibration (python -m sim.calibrate, issue 21): targets files, statistics,
the posterior, recovery of known parameters, resuming after SIGKILL, local
records as targets, presets, and one-line errors."""
from __future__ import annotations

import csv
import itertools
import json
import math
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.calibrate.__main__ import config_kind
from sim.calibrate.problem import load_problem
from sim.calibrate.statistics import simulated
from sim.core.checks import ConfigError
from sim.policing.crime_metrics import knox_counts
from tests.conftest import config

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable

# two parameters with a precise statistic each: a call rate gives a call count, an on-scene mean gives the
# on-scene mean of the only priority-4 type (hazard reports)
SYNTHETIC = """
name: synthetic
parameters:
  calls.service_request.rate_per_1000_per_year: {{low: 20, high: 150, prior: log_uniform, source: test}}
  calls.hazard_report.on_scene_mean_min: {{low: 5, high: 60, source: test}}
targets:
  requests:
    measure: {{calls_per_year: {{types: [service_request]}}}}
    runs: [sim.days={days}]
    value: {requests}
    sd: {requests_sd}
    source: runs at the true values
  hazard_on_scene:
    measure: on_scene_mean_min_p4
    weight_by: calls_p4
    runs: [sim.days={days}]
    value: {on_scene}
    sd: {on_scene_sd}
    source: runs at the true values
"""
TRUTH = {"calls.service_request.rate_per_1000_per_year": 60.0, "calls.hazard_report.on_scene_mean_min": 20.0}


def calibrate(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "sim.calibrate", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONWARNINGS": "ignore"})


def keys_of(cfg):
    return lambda key: config_kind(cfg, key)


def observations(days: int, reps=range(100, 106)) -> dict:
    """The statistics of runs at TRUTH on seeds the calibration never uses."""
    from sim.run import results, simulate

    truth = [f"{k}={v}" for k, v in TRUTH.items()]
    req, onscene, weights = [], [], []
    for k in reps:
        cfg = config(*truth, f"sim.days={days}", f"replicate={k}")
        summary, tables = results(simulate(cfg))
        types = tables["calls"].column("type").to_pylist()
        req.append(types.count("service_request") / (days / 365.25))
        onscene.append(summary["on_scene_mean_min_p4"])
        weights.append(summary["calls_p4"])
    req, onscene, weights = np.array(req), np.array(onscene), np.array(weights)
    mean_on = float(np.sum(onscene * weights) / weights.sum())
    return {"requests": float(req.mean()), "requests_sd": float(req.std(ddof=1) / math.sqrt(len(req))),
            "on_scene": mean_on, "on_scene_sd": float(np.std(onscene, ddof=1) / math.sqrt(len(req)))}


# --- statistics ------------------------------------------------------------------------------------------


def test_two_arm_statistics_pool_replicates_and_pair_them():
    base = np.array([[10.0, 1.0], [20.0, 1.0], [30.0, 1.0]])
    treat = np.array([[9.0, 1.0], [18.0, 1.0], [27.0, 1.0]])  # -10% in every replicate
    value, (lo, hi) = simulated("relative_change", {"baseline": base, "treatment": treat})
    assert value == pytest.approx(-0.1)
    assert lo == pytest.approx(-0.1) and hi == pytest.approx(-0.1)  # paired: no spread from the level
    value, _ = simulated("difference", {"baseline": base, "treatment": treat})
    assert value == pytest.approx(-2.0)
    weighted = np.array([[0.5, 10.0], [0.1, 90.0], [0.2, 50.0]])  # a share of 10, of 90 and of 50 stops
    value, (lo, hi) = simulated("value", {"run": weighted})
    assert value == pytest.approx((5 + 9 + 10) / 150)
    assert lo <= value <= hi and lo >= 0.1 - 1e-12 and hi <= 0.5 + 1e-12
    assert all(math.isnan(c) for c in simulated("value", {"run": weighted[:2]})[1])  # 2 replicates: no interval
    assert math.isnan(simulated("ratio", {"baseline": np.zeros((2, 2)), "treatment": base[:2]})[0])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 300), st.integers(0, 5), st.integers(0, 5)), min_size=2, max_size=6))
def test_knox_expectation_is_the_mean_over_every_shuffle_of_times(events):
    """The closed form equals the mean over all permutations of the times
    among the places (what knox_ratio's Monte Carlo estimates)."""
    t = np.array([e[0] for e in events], float)
    x = np.array([e[1] * 100.0 for e in events])
    y = np.array([e[2] * 100.0 for e in events])
    observed, expected = knox_counts(t, x, y, 150.0, 60.0)
    close = [(i, j) for i, j in itertools.combinations(range(len(t)), 2) if math.hypot(x[i] - x[j], y[i] - y[j]) <= 150]
    assert observed == sum(abs(t[i] - t[j]) <= 60 for i, j in close)
    counts = [sum(abs(p[i] - p[j]) <= 60 for i, j in close) for p in itertools.permutations(t)]
    assert expected == pytest.approx(np.mean(counts))


# --- targets files -----------------------------------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "targets.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
parameters:
  crime.deterrence_per_guardian: {low: 0.1, high: 1.0, source: test}
targets:
  t1: {measure: crimes_total, value: 10, sd: 2, source: test}
"""


@pytest.mark.parametrize("edit, key", [
    (("crimes_total", "crimes_total, colour: red"), "targets.t1.colour"),
    (("crime.deterrence_per_guardian", "crime.no_such_key"), "parameters.crime.no_such_key"),
    (("low: 0.1", "low: 2.0"), "parameters.crime.deterrence_per_guardian.high"),
    (("sd: 2", "interval: [11, 12]"), "targets.t1.interval"),
    (("sd: 2", "sd: -1"), "targets.t1.sd"),
    (("sd: 2, ", ""), "targets.t1.sd"),
    (("sd: 2, source: test}", "sd: 2, source: ''}"), "targets.t1.source"),
    (("measure: crimes_total", "measure: {knox: {}}"), "targets.t1.measure"),
    (("measure: crimes_total", "measure: crimes_total, statistic: ratio"), "targets.t1.treatment"),
    (("measure: crimes_total", "measure: crimes_total, runs: [hydra.run.dir=/tmp]"), "targets.t1.runs"),
    (("measure: crimes_total", "measure: crimes_total, runs: [replicate=3]"), "targets.t1.runs"),
    (("crime.deterrence_per_guardian", "sim.days"), "parameters.sim.days"),
    (("low: 0.1, high: 1.0, source: test}", "low: 0, high: 1.0, prior: log_uniform, source: test}"),
     "parameters.crime.deterrence_per_guardian.low"),
    (("measure: crimes_total", "measure: {knox_ratio: {type: nonsense}}"), "targets.t1.measure.knox_ratio"),
    (("measure: crimes_total", "measure: crimes_total, runs: [' sim.days=3']"), "targets.t1.runs"),
    (("measure: crimes_total", "measure: crimes_total, runs: [calibrate.trials=3]"), "targets.t1.runs"),
])
def test_a_wrong_targets_file_is_named_field_by_field(tmp_path, edit, key):
    cfg = config()
    path = write(tmp_path, GOOD.replace(*edit, 1))
    with pytest.raises(ConfigError) as err:
        load_problem(str(path), cfg, keys_of(cfg))
    assert err.value.key.startswith(key)


def test_yaml_tags_and_huge_files_are_refused(tmp_path):
    cfg = config()
    with pytest.raises(ConfigError, match="not plain YAML"):
        load_problem(str(write(tmp_path, "parameters: !!python/object/apply:os.system ['touch /tmp/x']\n")), cfg,
                     keys_of(cfg))
    with pytest.raises(ConfigError, match="kB"):
        load_problem(str(write(tmp_path, "# " + "x" * 1_100_000)), cfg, keys_of(cfg))
    with pytest.raises(ConfigError, match="anchors and aliases"):  # a kilobyte of aliases expands to gigabytes
        load_problem(str(write(tmp_path, "description: &a [x, x]\nname: *a\n" + GOOD)), cfg, keys_of(cfg))
    with pytest.raises(ConfigError, match="appears twice"):
        load_problem(str(write(tmp_path, GOOD + "  t1: {measure: crimes_total, value: 1, sd: 1, source: x}\n")), cfg,
                     keys_of(cfg))
    # text from the file reaches reports and the preset's comments as one line, without table pipes
    problem = load_problem(str(write(tmp_path, 'name: "a\\nwindow:\\n  open_h: 3 | x"\n' + GOOD)), cfg,
                           keys_of(cfg))
    assert problem.name == "a window: open_h: 3 / x"
    with pytest.raises(ConfigError, match="unknown targets file"):
        load_problem("no_such_targets", cfg, keys_of(cfg))


def test_shipped_targets_files_load_and_name_their_sources():
    cfg = config()
    for name in ("literature", "seeds"):
        problem = load_problem(name, cfg, keys_of(cfg))
        assert problem.fitted and problem.parameters
        for t in problem.targets:
            assert t.source and t.band[0] < t.value < t.band[1] or t.band[0] <= t.value <= t.band[1]
    lit = {t.name: t for t in load_problem("literature", cfg, keys_of(cfg)).targets}
    assert lit["hot_spot_effect"].band == pytest.approx((-0.16, -0.06))  # the published band, not widened
    assert lit["near_repeat_knox"].band == pytest.approx((1.2, 1.6))
    seeds = load_problem("seeds", cfg, keys_of(cfg))
    assert any(t.claim for t in seeds.targets)  # the seeds' crime-change claims are shown, not fitted


# --- the command -------------------------------------------------------------------------------------------


def tiny_problem(tmp_path: Path, days: int = 14) -> Path:
    obs = {"requests": 1800.0, "requests_sd": 150.0, "on_scene": 20.0, "on_scene_sd": 2.0}
    return write(tmp_path, SYNTHETIC.format(days=days, **obs), "tiny.yaml")


@pytest.mark.slow  # a subprocess calibration / probe runs: the fast tier stays under 3 min
def test_a_calibration_writes_its_report_and_a_preset_a_run_can_use(tmp_path):
    out = tmp_path / "cal"
    res = calibrate(f"targets={tiny_problem(tmp_path)}", "calibrate.trials=4", "calibrate.replications=2",
                    "calibrate.check_replications=3", "calibrate.install=false", "calibrate.name=tiny",
                    f"hydra.run.dir={out}")
    assert res.returncode == 0, res.stderr[-2000:]
    result = json.loads((out / "calibration.json").read_text())
    assert set(result["best"]) == set(TRUTH)
    for name, t in result["targets"].items():
        assert {"target", "band", "simulated", "ci95", "inside"} <= set(t)
        assert t["ci95"][0] <= t["simulated"] <= t["ci95"][1]
        assert t["inside"] == (t["band"][0] <= t["simulated"] <= t["band"][1])
    assert result["all_inside"] == all(t["inside"] for t in result["targets"].values())
    trials = pq.read_table(out / "trials.parquet").to_pylist()
    assert len(trials) == 4 and {r["phase"] for r in trials} == {"explore", "refine"}
    best = min(trials, key=lambda r: r["objective"])
    assert result["best_trial"] == best["trial"]
    for name in ("targets.png", "convergence.png", "report.md", "DONE"):
        assert (out / name).is_file()
    preset = out / "conf" / "calibration" / "tiny.yaml"
    text = preset.read_text()
    assert text.startswith("# @package _global_\n# written by python -m sim.calibrate")
    # the preset as a run's calibration: its values, and nothing else changed
    import yaml

    values = yaml.safe_load(text)
    assert values["calls"]["service_request"]["rate_per_1000_per_year"] == pytest.approx(
        result["best"]["calls.service_request.rate_per_1000_per_year"])


@pytest.mark.slow
def test_an_installed_preset_is_chosen_with_plus_calibration(tmp_path):
    from sim.calibrate.preset import PRESETS_DIR

    name = "pytest_installed"
    path = PRESETS_DIR / f"{name}.yaml"
    try:
        out = tmp_path / "cal"
        res = calibrate(f"targets={tiny_problem(tmp_path)}", "calibrate.trials=2", "calibrate.replications=1",
                        "calibrate.check_replications=0", f"calibrate.name={name}", f"hydra.run.dir={out}")
        assert res.returncode == 0, res.stderr[-2000:]
        best = json.loads((out / "calibration.json").read_text())["best"]
        for choice in (f"+calibration={name}", f"calibration={name}"):
            cfg = config(choice)
            assert cfg.calls["hazard_report"].on_scene_mean_min == pytest.approx(
                best["calls.hazard_report.on_scene_mean_min"])
        # a crime preset chosen later still sets its own values over the calibration's
        mobile = config(f"+calibration={name}", "crime=mobile")
        assert mobile.crime.deterrence_per_guardian == 5.0
        # a second calibration may rewrite a preset a calibration wrote ...
        again = calibrate(f"targets={tiny_problem(tmp_path)}", "calibrate.trials=1", "calibrate.replications=1",
                          "calibrate.check_replications=0", f"calibrate.name={name}", f"hydra.run.dir={tmp_path / 'c2'}")
        assert again.returncode == 0, again.stderr[-2000:]
        # ... but never one written by hand
        path.write_text("# @package _global_\n{}\n")
        hand = calibrate(f"targets={tiny_problem(tmp_path)}", "calibrate.trials=1", f"calibrate.name={name}",
                         f"hydra.run.dir={tmp_path / 'c3'}")
        assert hand.returncode == 2 and "not written by a calibration" in hand.stderr
        assert not (tmp_path / "c3").exists()
    finally:
        path.unlink(missing_ok=True)


@pytest.mark.slow
@pytest.mark.parametrize("args, says", [
    (["targets=no_such"], "unknown targets file"),
    (["targets=literature", "calibrate.name=literature"], "shipped preset"),
    (["targets=literature", "calibrate.trials=0"], "calibrate.trials"),
    (["targets=literature", "calibrate.name=../x"], "calibrate.name"),
    (["targets=literature", "-m"], "runs its own candidates"),
    (["targets=literature", "targets=seeds"], "given twice"),
])
def test_bad_commands_fail_in_one_line_before_any_folder(tmp_path, args, says):
    out = tmp_path / "cal"
    res = calibrate(*args, f"hydra.run.dir={out}")
    assert res.returncode == 2
    assert says in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.slow
def test_a_folder_holding_another_calibration_is_not_resumed_with_other_targets(tmp_path):
    out = tmp_path / "cal"
    first = calibrate(f"targets={tiny_problem(tmp_path)}", "calibrate.trials=1", "calibrate.replications=1",
                      "calibrate.check_replications=0", "calibrate.install=false", f"hydra.run.dir={out}")
    assert first.returncode == 0, first.stderr[-2000:]
    other = tiny_problem(tmp_path, days=7)
    res = calibrate(f"targets={other}", "calibrate.trials=1", "calibrate.install=false", f"hydra.run.dir={out}")
    assert res.returncode == 2 and "other targets" in res.stderr


# --- what the "done when" asks -----------------------------------------------------------------------


@pytest.mark.slow
def test_calibration_recovers_known_parameters_within_its_intervals(tmp_path):
    """Runs at chosen values give the targets; the calibration, on other
    seeds, finds the values again inside its stated 95% intervals."""
    days = 56
    obs = observations(days)
    path = write(tmp_path, SYNTHETIC.format(days=days, **obs), "synthetic.yaml")
    out = tmp_path / "cal"
    res = calibrate(f"targets={path}", "calibrate.trials=24", "calibrate.explore_share=0.75",
                    "calibrate.replications=2", "calibrate.check_replications=4", "calibrate.install=false",
                    f"hydra.run.dir={out}")
    assert res.returncode == 0, res.stderr[-2000:]
    result = json.loads((out / "calibration.json").read_text())
    for key, truth in TRUTH.items():
        post = result["posterior"]["parameters"][key]
        assert post["q025"] <= truth <= post["q975"], (key, post)
        p = next(p for p in result["parameters"] if p["key"] == key)
        assert post["q975"] - post["q025"] < 0.6 * (p["high"] - p["low"])  # the data narrowed it
        assert result["best"][key] == pytest.approx(truth, rel=0.25)


@pytest.mark.slow
def test_a_calibration_killed_with_sigkill_resumes_from_its_study(tmp_path):
    out = tmp_path / "cal"
    args = [PY, "-m", "sim.calibrate", f"targets={tiny_problem(tmp_path)}", "calibrate.trials=6",
            "calibrate.replications=2", "calibrate.check_replications=0", "calibrate.install=false",
            f"hydra.run.dir={out}"]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    journal = out / "study.journal"
    deadline = time.time() + 300
    while time.time() < deadline:  # kill mid-way: two candidates told, the third under way
        if journal.is_file() and journal.read_text().count('"state":1,') >= 2:
            break
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "calibration.json").exists()
    # killed while writing to the study, it leaves Optuna's journal lock held: the resume must not wait on it
    # or refuse the folder for it (CI once caught the kill in that moment)
    (out / "study.journal.lock").touch()
    holder = subprocess.Popen([PY, "-c", "import time; from pathlib import Path; "
                               "from sim.calibrate.pipeline import calibration_lock; "
                               f"calibration_lock(Path({str(out)!r})).acquire(); "
                               "print('held', flush=True); time.sleep(120)"],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        busy = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)
    finally:
        holder.kill()
        holder.wait()
    assert busy.returncode == 2 and f"another calibration (process {holder.pid}" in busy.stderr, busy.stderr[-800:]
    assert (out / "study.journal.lock").is_file()  # the refused copy touched nothing
    res = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "resuming: " in res.stderr
    trials = pq.read_table(out / "trials.parquet").to_pylist()
    complete = [r for r in trials if r["state"] == "COMPLETE"]
    assert len(complete) == 6
    done_before = int(res.stderr.split("resuming: ")[1].split(" ")[0])
    assert done_before >= 2  # the finished candidates were not run again
    assert len(trials) <= 6 + 1  # at most the one interrupted candidate was asked again
    assert "lock" not in res.stderr and not any(p.is_symlink() for p in out.iterdir())
    assert not (out / "study.journal.lock").exists()


def write_records(path: Path, per_year: int, days: int = 365) -> None:
    """A year of one bureau's theft records (Chinese headers, as exported)."""
    rng = np.random.default_rng(5)
    start = datetime(2025, 1, 1)
    n = int(per_year * days / 365)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["时间", "类型", "x_m", "y_m"])
        for t in sorted(rng.uniform(0, days * 24, n)):
            w.writerow([(start + timedelta(hours=float(t))).strftime("%Y-%m-%d %H:%M"), "盗窃",
                        f"{rng.uniform(100, 1900):.0f}", f"{rng.uniform(100, 1900):.0f}"])
        w.writerow([(start + timedelta(days=days - 0.01)).strftime("%Y-%m-%d %H:%M"), "纠纷", "500", "500"])


def test_local_records_give_targets_with_their_counting_error(tmp_path):
    records = tmp_path / "records.csv"
    write_records(records, per_year=400)
    path = write(tmp_path, f"""
parameters:
  calls.theft.rate_per_1000_per_year: {{low: 5, high: 80, source: test}}
targets:
  thefts:
    measure: {{calls_per_year: {{types: [theft]}}}}
    observed: {{calls_csv: {records.name}}}
    source: the bureau's records
  crimes_month:
    measure: crimes_per_month
    observed: {{calls_csv: {records}}}
    source: the bureau's records
    claim: true
""")
    cfg = config()
    problem = load_problem(str(path), cfg, keys_of(cfg))
    thefts, month = problem.targets
    assert thefts.value == pytest.approx(400, rel=0.01)  # 400 thefts over one year
    assert thefts.sd == pytest.approx(math.sqrt(400), rel=0.02)  # Poisson counting error
    assert month.value == pytest.approx(400 / 12, rel=0.01)  # the dispute is not a crime
    assert thefts.observed["count"] == 400


@pytest.mark.slow
def test_a_planner_fits_call_rates_to_their_own_records(tmp_path):
    records = tmp_path / "records.csv"
    write_records(records, per_year=500)
    path = write(tmp_path, f"""
parameters:
  calls.theft.rate_per_1000_per_year: {{low: 5, high: 80, prior: log_uniform, source: test}}
targets:
  thefts:
    measure: {{calls_per_year: {{types: [theft]}}}}
    runs: [sim.days=56]
    observed: {{calls_csv: {records}}}
    source: the bureau's records
""")
    out = tmp_path / "cal"
    res = calibrate(f"targets={path}", "calibrate.trials=12", "calibrate.replications=2",
                    "calibrate.check_replications=4", "calibrate.install=false", f"hydra.run.dir={out}")
    assert res.returncode == 0, res.stderr[-2000:]
    result = json.loads((out / "calibration.json").read_text())
    t = result["targets"]["thefts"]
    assert t["inside"], t  # the fitted model reproduces the records' theft calls on fresh seeds
    # 500 reported thefts a year among 30,000 residents, 60% reported: about 28 per 1,000 before deterrence
    assert 20 < result["best"]["calls.theft.rate_per_1000_per_year"] < 45


@pytest.mark.slow  # probe runs: the fast tier stays under 3 min
@pytest.mark.parametrize("edit, says", [
    (("runs: [sim.days=3]", "runs: [sim.days=3, crime.deterrence_per_guardian=0.5]"), "a parameter being fitted"),
    (("runs: [sim.days=3]", "runs: [sim.days=3, crime=mobile]"), "nothing would be fitted"),
    (("measure: crimes_total", "measure: crimes_totl"), "did you mean crimes_total"),
    (("measure: crimes_total", "measure: patrol_stops, weight_by: nope"), "not a summary.json key"),
    (("runs: [sim.days=3]", "runs: ['district.name=${oc.env:HOME}']"), "resolver interpolations"),
])
def test_a_problem_that_cannot_fit_anything_fails_before_the_first_candidate(tmp_path, edit, says):
    """Checked before any folder: overrides that take a fitted parameter's
    place, measures a run does not have, interpolations in overrides."""
    from sim.calibrate.__main__ import check_problem

    cfg = config()
    text = GOOD.replace("sd: 2, source: test}\n", "sd: 2, source: test, runs: [sim.days=3]}\n").replace(*edit)
    problem = load_problem(str(write(tmp_path, text)), cfg, keys_of(cfg))
    with pytest.raises(ConfigError, match=says.replace("$", r"\$").replace("{", r"\{")):
        check_problem(cfg, problem, [], "none")


@pytest.mark.slow  # a subprocess calibration / probe runs: the fast tier stays under 3 min
def test_an_arm_whose_preset_sets_a_fitted_parameter_is_noted_not_refused(tmp_path):
    from sim.calibrate.__main__ import check_problem

    cfg = config()
    text = GOOD + "  t2: {measure: crimes_total, value: 10, sd: 2, source: test, runs: [sim.days=3, crime=mobile]}\n"
    problem = load_problem(str(write(tmp_path, text)), cfg, keys_of(cfg))
    notes = check_problem(cfg, problem, [], "none")
    assert len(notes) == 1 and "targets.t2" in notes[0] and "crime.deterrence_per_guardian" in notes[0]
