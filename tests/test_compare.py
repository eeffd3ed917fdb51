"""sim.compare and sim.study.sensitivity on sweep folders built here, without the sweep
machinery: real runs for a policy comparison, fake summaries for the rest.

Every number is checked against a value computed here from the runs'
summary.json files with numpy and the t quantile, never against the module's
own printout.
"""
import dataclasses
import fcntl
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from SALib.sample import morris as morris_sample
from scipy import stats

from sim.compare import cli, collect, statistics
from sim.core.markdown import fmt_interval, fmt_number, md_table
from sim.study import sensitivity

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ("fixed_post", "random_patrol")
REPLICATES = 3
DAYS = 2
CHECKED = ("response_time_mean_min", "p_wait", "crimes_total", "utilization_officer", "share_within_8min")
SHARES = ("p_wait", "utilization_officer", "share_within_8min")  # 0-1 metrics: a bounded interval
AMOUNTS = ("response_time_mean_min", "crimes_total")  # a time and a count: an interval on the log scale, above 0


def write_job(job: Path, overrides: list[str], done: bool = True, root_seed: int = 0) -> None:
    """What the sweep leaves besides the run's own files: Hydra's override
    record and, last, DONE."""
    (job / ".hydra").mkdir(parents=True, exist_ok=True)
    (job.parent / "multirun.yaml").touch()  # what Hydra leaves in a sweep folder: compare reads only sweep folders
    (job / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    if done:
        (job / "DONE").write_text(json.dumps({"config_hash": "test", "root_seed": root_seed,
                                              "finished_utc": "2026-01-01T00:00:00Z"}))


def fake_job(root: Path, overrides: list[str], summary: dict, done: bool = True) -> Path:
    job = root / ",".join(o.lstrip("+") for o in overrides)
    job.mkdir(parents=True)
    (job / "summary.json").write_text(json.dumps(summary))
    write_job(job, overrides, done, summary.get("seed", 0))
    return job


def build_policy_sweep(root: Path) -> None:
    """2 policies x 3 replicates of real 2-day runs (replicate k on seed k in both
    policies), one unfinished job (no DONE), one failed job, then the comparison."""
    from sim.compose.loader import load_config
    from sim.run import run_scenario

    for policy in POLICIES:
        # composed once per policy (Hydra compose is the slow part); equals load_config([..., f"seed={k}"])
        base = load_config([f"policy={policy}", f"sim.days={DAYS}", "sim.plots=false", "sim.progress=false"])
        for k in range(REPLICATES):
            overrides = [f"policy={policy}", f"replicate={k}", f"sim.days={DAYS}"]
            job = root / ",".join(overrides)
            run_scenario(dataclasses.replace(base, replicate=k).validate(), job, overrides)
            write_job(job, overrides, root_seed=k)
    unfinished = root / f"policy=fixed_post,replicate={REPLICATES},sim.days={DAYS}"
    write_job(unfinished, ["policy=fixed_post", f"replicate={REPLICATES}", f"sim.days={DAYS}"], done=False)
    failed = root / f"policy=random_patrol,replicate={REPLICATES},sim.days={DAYS}"
    write_job(failed, ["policy=random_patrol", f"replicate={REPLICATES}", f"sim.days={DAYS}"], done=False)
    (failed / "FAILED").write_text(json.dumps({"error": "ValueError: boom\ntraceback..."}))
    assert cli.main([str(root), "--baseline", "policy=fixed_post"]) == 0


@pytest.fixture(scope="session")
def policy_sweep(tmp_path_factory):
    """The sweep folder (read only), its finished jobs by (policy, k), and the
    unfinished and failed job folders. Built once per session: under xdist the
    workers share the session's temp root and the first to take the lock builds."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        root = tmp_path_factory.mktemp("sweep")
        build_policy_sweep(root)
    else:
        shared = tmp_path_factory.getbasetemp().parent
        root = shared / "compare_policy_sweep"
        with open(shared / "compare_policy_sweep.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (root / "READY").exists():
                root.mkdir(exist_ok=True)
                build_policy_sweep(root)
                (root / "READY").touch()
    jobs = {(p, k): root / f"policy={p},replicate={k},sim.days={DAYS}" for p in POLICIES for k in range(REPLICATES)}
    return (root, jobs, root / f"policy=fixed_post,replicate={REPLICATES},sim.days={DAYS}",
            root / f"policy=random_patrol,replicate={REPLICATES},sim.days={DAYS}")


@pytest.fixture(scope="session")
def compared(policy_sweep):
    return policy_sweep[0] / "compare"


def summaries(jobs: dict, policy: str) -> list[dict]:
    return [json.loads((jobs[policy, k] / "summary.json").read_text()) for k in range(REPLICATES)]


def t_ci(x):
    x = np.asarray(x, float)
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    return x.mean(), x.mean() - half, x.mean() + half


def log_t_ci(x):
    """A count's or time's interval (issue 23): the t interval of log(mean), se by the delta method sd/(mean sqrt n)."""
    x = np.asarray(x, float)
    m, sd = x.mean(), x.std(ddof=1)
    if sd == 0 or m == 0:
        return t_ci(x)
    half = stats.t.ppf(0.975, len(x) - 1) * sd / (m * math.sqrt(len(x)))
    return m, m * math.exp(-half), m * math.exp(half)


def share_ci(x):
    """A share's interval (issue 23): Wilson's score interval with the replicates' effective sample size
    p(1-p)/(sd^2/n) and the t(n-1) quantile, so it stays inside [0, 1]."""
    x = np.asarray(x, float)
    n, p, sd = len(x), x.mean(), x.std(ddof=1)
    if sd == 0 or not 0 < p < 1:
        return t_ci(x)
    n_eff, z = p * (1 - p) / (sd ** 2 / n), stats.t.ppf(0.975, n - 1)
    centre = (p + z * z / (2 * n_eff)) / (1 + z * z / n_eff)
    half = z / (1 + z * z / n_eff) * math.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff ** 2))
    return p, centre - half, centre + half


@pytest.mark.slow  # the policy sweep: eight real runs and their comparison
def test_runs_table_has_one_row_per_finished_job(policy_sweep, compared):
    root, jobs, unfinished, failed = policy_sweep
    runs = pd.read_parquet(compared / "runs.parquet")
    assert list(runs["job"]) == sorted(job.name for job in jobs.values())
    assert unfinished.name not in set(runs["job"]) and failed.name not in set(runs["job"])
    assert {"policy", "sim.days", "replicate", "root_seed", *CHECKED} <= set(runs.columns)
    for _, row in runs.iterrows():
        summary = json.loads((root / row["job"] / "summary.json").read_text())
        k = int(row["job"].split("replicate=")[1].split(",")[0])
        assert row["replicate"] == k and row["root_seed"] == k and row["sim.days"] == DAYS
        assert row["policy"] == row["job"].split(",")[0].split("=")[1]
        assert row["config"] == f"policy={row['policy']}"  # only the varying parameter is in the label
        for m in CHECKED:
            assert row[m] == pytest.approx(summary[m])
    report = (compared / "report.md").read_text()
    assert "**6 finished**" in report and "1 unfinished" in report and "1 failed" in report
    assert unfinished.name in report and "ValueError: boom" in report


@pytest.mark.slow  # the policy sweep: eight real runs and their comparison
def test_configuration_means_and_intervals(policy_sweep, compared):
    _, jobs, _, _ = policy_sweep
    table = pd.read_parquet(compared / "configurations.parquet")
    assert set(table["metric"]) == set(collect.KEY_METRICS)
    for policy in POLICIES:
        runs = summaries(jobs, policy)
        for m in CHECKED:  # a share's interval is Wilson's on the replicates' spread, inside [0, 1]
            mean, lo, hi = (share_ci if m in SHARES else log_t_ci if m in AMOUNTS else t_ci)([s[m] for s in runs])
            row = table[(table["config"] == f"policy={policy}") & (table["metric"] == m)].iloc[0]
            assert row["n"] == REPLICATES
            assert row["mean"] == pytest.approx(mean)
            assert row["sd"] == pytest.approx(np.std([s[m] for s in runs], ddof=1))
            assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi))
            if m in SHARES:
                assert 0 <= row["ci_low"] <= row["mean"] <= row["ci_high"] <= 1
            assert row["ci_low"] >= 0  # nothing here can be negative


@pytest.mark.slow  # the policy sweep: eight real runs and their comparison
def test_paired_and_welch_differences(policy_sweep, compared):
    _, jobs, _, _ = policy_sweep
    diffs = pd.read_parquet(compared / "differences.parquet")
    assert set(diffs["config"]) == {"policy=random_patrol"}
    assert set(diffs["baseline"]) == {"policy=fixed_post"}
    base, other = summaries(jobs, "fixed_post"), summaries(jobs, "random_patrol")
    for m in CHECKED:
        row = diffs[diffs["metric"] == m].iloc[0]
        d = [other[k][m] - base[k][m] for k in range(REPLICATES)]  # replicate k pairs with replicate k
        mean, lo, hi = t_ci(d)
        if m in SHARES:  # a difference of shares: cut to [-1, 1]
            lo, hi = max(lo, -1), min(hi, 1)
        assert row["n_pairs"] == REPLICATES
        assert row["mean_diff"] == pytest.approx(mean, abs=1e-12)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi), abs=1e-12)
        a, b = np.array([s[m] for s in other], float), np.array([s[m] for s in base], float)
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        diff = a.mean() - b.mean()
        if va + vb == 0:
            w_lo = w_hi = diff
        else:
            dof = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
            half = stats.t.ppf(0.975, dof) * math.sqrt(va + vb)
            w_lo, w_hi = diff - half, diff + half
        if m in SHARES:
            w_lo, w_hi = max(w_lo, -1), min(w_hi, 1)
        assert row["welch_diff"] == pytest.approx(diff, abs=1e-12)
        assert (row["welch_ci_low"], row["welch_ci_high"]) == pytest.approx((w_lo, w_hi), abs=1e-12)


@pytest.mark.slow  # the policy sweep: eight real runs and their comparison
def test_figures_and_report(compared):
    report = (compared / "report.md").read_text()
    for png in ("metrics.png", "differences.png", "response_ecdf.png", "crime_maps.png"):
        data = (compared / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000
        assert f"]({png})" in report
    assert "Baseline: **policy=fixed_post** (chosen with --baseline policy=fixed_post)" in report
    assert "Welch CI" in report and "paired CI" in report


def test_markdown_tables_escape_pipes_and_align_columns():
    """The one table helper every report uses: a ``|`` in a cell cannot break
    its row, ``r`` right-aligns a column, a blank header cell is ``| |``."""
    table = md_table(["", "n"], [["a|b", 3], ["", 1.5]], align="lr")
    assert table == "| | n |\n|---|---:|\n| a\\|b | 3 |\n|  | 1.5 |"
    assert md_table(["x"], []) == "| x |\n|---|"
    assert (fmt_number(12345.6), fmt_number(0.000123456), fmt_number(float("nan"))) == ("12,346", "0.0001235", "–")
    assert (fmt_interval(1.0, 2.5), fmt_interval(math.nan, math.nan)) == ("[1, 2.5]", "–")
    with pytest.raises(ValueError):
        md_table(["a", "b"], [], align="l")


def test_missing_or_empty_sweep_exits_2(tmp_path, capsys):
    assert cli.main([str(tmp_path / "nowhere")]) == 2
    fake_job(tmp_path, ["policy=fixed_post"], {"p_wait": 0.1}, done=False)
    assert cli.main([str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "no such directory" in err[0] and "no finished jobs" in err[1]


@pytest.fixture
def grid_sweep(tmp_path):
    """A 2 x 2 grid (policy x staffing.officers) with fake summaries, 2 replicates."""
    for policy in POLICIES:
        for officers in (3, 5):
            for k in range(2):
                fake_job(tmp_path, ["+experiment=x", f"policy={policy}", f"staffing.officers={officers}",
                                    f"replicate={k}", "sim.days=2.5"],
                         {"seed": k, "p_wait": 0.1 * officers + k, "calls_total": 10 + k})
    return tmp_path


@pytest.mark.slow
def test_bad_baseline_exits_2_with_one_line(grid_sweep):
    proc = subprocess.run([sys.executable, "-m", "sim.compare", str(grid_sweep), "--baseline", "policy=no_such"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("compare error: --baseline policy=no_such matches 0")
    assert not (grid_sweep / "compare").exists()  # nothing written


def test_labels_baseline_choice_and_types(grid_sweep):
    df = collect.collect(grid_sweep)
    assert len(df) == 8 and df["experiment"].eq("x").all() and df["sim.days"].eq(2.5).all()
    assert df["staffing.officers"].dtype == np.int64 and df["calls_total"].dtype == np.int64
    assert sorted(df["config"].unique()) == [
        "policy=fixed_post, staffing.officers=3", "policy=fixed_post, staffing.officers=5",
        "policy=random_patrol, staffing.officers=3", "policy=random_patrol, staffing.officers=5"]
    assert statistics.select_baseline(df)[0] == "policy=fixed_post, staffing.officers=3"
    assert statistics.select_baseline(df, ["policy=random_patrol", "staffing.officers=5"])[0] == \
        "policy=random_patrol, staffing.officers=5"
    with pytest.raises(collect.CompareError, match="matches 2 configurations"):
        statistics.select_baseline(df, ["policy=random_patrol"])
    with pytest.raises(collect.CompareError, match="not a configuration parameter"):
        statistics.select_baseline(df, ["replicate=0"])
    # p_wait = 0.1 officers + k: paired differences are exact, so the paired interval is a point
    diffs = statistics.paired_differences(df, "policy=fixed_post, staffing.officers=3", ["p_wait"])
    five = diffs[diffs["config"] == "policy=fixed_post, staffing.officers=5"].iloc[0]
    assert five["mean_diff"] == pytest.approx(0.2) and five["ci_low"] == pytest.approx(0.2)
    assert five["welch_ci_low"] < 0.2 - 1.0  # the unpaired interval sees the replicate-to-replicate spread


# ---------------------------------------------------------------- sensitivity

BOUNDS = {"a": (0.0, 1.0), "b": (0.0, 2.0), "c": (5.0, 10.0)}
TRAJECTORIES = 10


def linear(x: np.ndarray) -> np.ndarray:
    """y = 10 a + 1 b + 0 c: elementary effect per full range = coefficient x range."""
    return 10 * x[:, 0] + 1 * x[:, 1] + 0 * x[:, 2]


@pytest.fixture(scope="module")
def design():
    problem = {"num_vars": 3, "names": list(BOUNDS), "bounds": [list(b) for b in BOUNDS.values()]}
    x = morris_sample.sample(problem, TRAJECTORIES, num_levels=4, seed=7)
    return {"names": problem["names"], "bounds": problem["bounds"], "levels": 4, "trajectories": TRAJECTORIES,
            "seed": 7, "X": x.tolist()}


def test_morris_ranks_and_recovers_elementary_effects(design):
    x = np.asarray(design["X"])
    runs = pd.DataFrame({"design_row": np.arange(len(x)), "y": linear(x)})
    runs = runs.sample(frac=1.0, random_state=1)  # the analysis must order by design_row itself
    table = sensitivity.morris_analysis(runs, ["y"], design=design).set_index("parameter")
    assert list(table.columns) == ["metric", "mu", "mu_star", "sigma", "mu_star_conf", "rank"]
    analytic = {name: coef * (hi - lo) for (name, (lo, hi)), coef in zip(BOUNDS.items(), (10, 1, 0))}
    for name, effect in analytic.items():
        assert table.at[name, "mu_star"] == pytest.approx(effect, abs=1e-9)
        assert table.at[name, "mu"] == pytest.approx(effect, abs=1e-9)
        assert table.at[name, "sigma"] == pytest.approx(0.0, abs=1e-9)
    assert table.sort_values("rank").index.tolist() == ["a", "b", "c"]
    assert table.loc[["a", "b"], "rank"].tolist() == [1, 2]


def test_morris_names_missing_design_rows(design):
    x = np.asarray(design["X"])
    runs = pd.DataFrame({"design_row": np.arange(len(x)), "y": linear(x)}).drop(index=[3, 17])
    with pytest.raises(sensitivity.SensitivityError, match=f"2 of {len(x)} design rows have no finished run"):
        sensitivity.morris_analysis(runs, ["y"], design=design)


def test_morris_report_lines_escape_names_from_data(design):
    """Parameter and metric names come from the sweep's overrides: in report.md
    (and report.html rendered from it) they must read as typed, not as table
    columns, emphasis or HTML (issue 23 review)."""
    odd = "a|b*c*<script>x</script>"
    names = [odd, "b", "c"]
    table = pd.DataFrame({"metric": "y|*<i>", "parameter": names, "mu": [1.0, 2.0, 3.0],
                          "mu_star": [1.0, 2.0, 3.0], "sigma": 0.0, "mu_star_conf": 0.1, "rank": [3, 2, 1]})
    table.attrs["skipped"] = {"z<b>": "no *variation* | none"}
    lines = sensitivity.report_lines(table, {**design, "names": names}, pd.DataFrame({"design_row": [0]}))
    text = "\n".join(lines)
    assert "<script>" not in text and "<i>" not in text and "<b>" not in text
    assert "&lt;script&gt;" in text
    assert "*variation*" not in text and "\\*variation\\*" in text
    row = next(line for line in text.splitlines() if "&lt;script&gt;" in line and line.startswith("| 3"))
    assert row.count(" | ") == 5  # six cells: the name's | is escaped, not a column
    bounds = next(line for line in text.splitlines() if line.startswith("- parameter ranges"))
    assert "<" not in bounds and "&lt;script&gt;" in bounds
    assert any(line.startswith("### ") and "&lt;i&gt;" in line for line in text.splitlines())


def test_compare_runs_sensitivity_on_a_morris_sweep(design, tmp_path):
    x = np.asarray(design["X"])
    y = linear(x)
    for i, row in enumerate(x):
        fake_job(tmp_path, [f"design_row={i}", *(f"{n}={v:.6g}" for n, v in zip(design["names"], row))],
                 {"seed": 0, "response_time_mean_min": y[i], "crimes_total": int(round(3 * row[2]))})
    fake_job(tmp_path, ["design_row=0", "replicate=1"], {"p_wait": 0.0}, done=False)  # unfinished: ignored
    (tmp_path / "morris_design.json").write_text(json.dumps(design))
    assert cli.main([str(tmp_path)]) == 0
    out = tmp_path / "compare"
    table = pd.read_parquet(out / "sensitivity.parquet")
    resp = table[table["metric"] == "response_time_mean_min"].set_index("parameter")
    assert resp.sort_values("rank").index.tolist() == ["a", "b", "c"]
    assert resp.at["a", "mu_star"] == pytest.approx(10.0, rel=1e-4)  # overrides rounded to 6 digits: X rules
    crimes = table[table["metric"] == "crimes_total"].set_index("parameter")
    assert crimes.at["c", "rank"] == 1
    assert (out / "sensitivity.png").read_bytes()[:4] == b"\x89PNG"
    assert not (out / "differences.parquet").exists()
    report = (out / "report.md").read_text()
    assert "## Sensitivity (Morris)" in report and "](sensitivity.png)" in report
    assert f"**{len(x)} finished**" in report and "1 unfinished" in report
    # a missing design row stops the comparison with exit code 2
    (tmp_path / "design_row=5,a={:.6g},b={:.6g},c={:.6g}".format(*x[5]) / "DONE").unlink()
    assert cli.main([str(tmp_path)]) == 2
    assert len(pq.read_table(out / "runs.parquet")) == len(x) - 1


def test_many_metrics_and_parameters_collect_without_a_fragmented_frame_warning(tmp_path):
    """Issue 23 (`sim.compare` printed pandas' PerformanceWarning): a run's summary holds ~150 metrics; the
    per-column type fixes leave one block per column, so the frame is consolidated before ``config`` is
    inserted. 160 metrics and 20 varying parameters, no runs needed."""
    import warnings

    for k in range(2):
        params = [f"+p{i}={k + i}" for i in range(20)]
        summary = {f"metric_{i}": (i + k) * 0.5 for i in range(160)} | {"calls_total": 10 + k, "seed": k}
        fake_job(tmp_path, params, summary)
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.PerformanceWarning)
        df = collect.collect(tmp_path)
        statistics.summarise(df, [f"metric_{i}" for i in range(160)])
    assert len(df) == 2 and df["calls_total"].dtype == "int64" and df["config"].nunique() == 2


def test_sweep_bar_gets_a_default_size_on_a_zero_size_terminal():
    """Issue 23: on a pseudo-terminal reporting 0 columns and rows the sweep printed no bar at all (tqdm's
    dynamic width 0, rows -1); it now draws at 80 x 24 there and follows a sized terminal as before."""
    import fcntl as _fcntl
    import struct
    import termios

    from tqdm import tqdm

    from sim.study.sweep import BAR_SIZE_DEFAULT, bar_size

    leader, follower = os.openpty()
    with os.fdopen(follower, "w") as stream:
        _fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 0, 0, 0, 0))
        assert bar_size(stream) == BAR_SIZE_DEFAULT
        ncols, nrows = bar_size(stream)
        with tqdm(total=2, file=stream, ncols=ncols, nrows=nrows, desc="sweep", mininterval=0) as bar:
            bar.update(2)
        stream.flush()
        assert "2/2" in os.read(leader, 65536).decode()
        _fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
        assert bar_size(stream) is None  # a sized terminal: tqdm follows its width
    os.close(leader)
    assert bar_size(open(os.devnull, "w")) is None  # not a terminal
