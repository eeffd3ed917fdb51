"""Comparable plans (issue 23): ``python -m sim.plan -m``, ``sim.plan compare``,
plan.xlsx, the budget cap, the two-part headline and one replication count."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sim.plan.headline import headline_keys, met_headline, replications_text

# the smallest plan the planner tests use (tests/test_plan_tiers.py: test_plan_reports_tiers_and_building_cost),
# planned alone (response.tiers=office) so that it needs more than the least staffing and a budget can bind
TINY = ("plan.days=7", "plan.warmup_days=1", "plan.replications_min=2", "plan.replications_max=3", "plan.jobs=1",
        "plan.curve=false", "response.tiers=office", "target.p1_within_min=8")
BUDGET = 480.0  # thousand yuan a year: below the tiny plan's 539, above the least staffing's 428 (measured)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """``python -m sim.plan -m`` in-process: the tiny plan without and with a budget (two job folders)."""
    from sim.plan.__main__ import run_plans

    root = tmp_path_factory.mktemp("plans") / "sweep"
    assert run_plans([*TINY, f"plan.budget_kyuan_per_year={BUDGET:g},null", f"hydra.sweep.dir={root}"]) == 0
    return root


def _jobs(root: Path) -> dict[str, Path]:
    return {("budget" if "=480" in d.name else "free"): d for d in root.iterdir() if d.is_dir() and d.name != "compare"}


# --- pure functions ------------------------------------------------------------------------------------

def _crafted(short_rows: int, city_met: bool) -> dict:
    rows = [{"office": o, "shift": s, "targets_met": not (o == 0 and s == "00-08" and short_rows), "unreachable": None}
            for o in range(8) for s in ("00-08", "08-16", "16-24")]
    return {"tier": "office", "offices": 8, "targets_met": False, "targets_met_on_estimate": False,
            "unreachable": [], "required_by_shift": rows,
            "attainment": {"p1_within_8min_share": {"estimate": 0.972 if city_met else 0.85, "ci95": [0.95, 0.98],
                                                    "target": 0.9, "met": city_met},
                           "saturation_worst_shift": {"estimate": 0.3, "ci95": [0.2, 0.4], "target": 0.6,
                                                      "met": True},
                           "saturation_mean": {"estimate": 0.2, "ci95": [0.1, 0.3]}}}


def test_headline_separates_city_wide_from_every_office_and_shift():
    """A city plan whose every city-wide target row says met, one office shift short: not "Targets met: no"."""
    plan = _crafted(short_rows=1, city_met=True)
    assert headline_keys(plan) == {"targets_met_city_wide": True, "targets_met_city_wide_on_estimate": True,
                                   "shifts_short": 1, "shifts_total": 24}
    assert met_headline(plan, bold=False) == ("Targets met city-wide: yes; in every office and shift: no "
                                              "(1 of 24 office shifts fall short).")
    everywhere = {**_crafted(short_rows=0, city_met=True), "targets_met": True}
    assert met_headline(everywhere) == "Targets met city-wide: **yes**; in every office and shift: **yes**."
    estimates = {**_crafted(short_rows=0, city_met=True), "targets_met_on_estimate": True}
    assert met_headline(estimates, long=False, bold=False) == ("Targets met city-wide: yes; in every office and "
                                                               "shift: on the estimates.")
    quiet = {**estimates, "attainment": {**estimates["attainment"], "saturation_worst_shift": {
        "estimate": 0.55, "ci95": [0.45, 0.65], "target": 0.6, "met": False}}}  # the bound misses, the estimate meets
    assert met_headline(quiet, long=False, bold=False) == ("Targets met city-wide: on the estimates; in every "
                                                           "office and shift: on the estimates.")
    assert met_headline(_crafted(short_rows=1, city_met=False), bold=False).startswith(
        "Targets met city-wide: no; in every office and shift: no")
    one = {**_crafted(short_rows=0, city_met=True), "offices": 1, "required_by_shift": _crafted(0, True)[
        "required_by_shift"][:3], "targets_met": True}
    assert met_headline(one, bold=False) == "Targets met district-wide: yes; in every shift: yes."


def test_replication_count_is_one_figure_with_its_parts():
    s = {"replications_run": 42, "replications_by_part": {"search": 30, "curve": 9, "today": 3, "budget": 0}}
    assert replications_text(s) == ("42 simulated replications (30 in the search, 9 for the staffing curve, "
                                    "3 for today's roster)")


def test_budget_too_small_for_the_least_staffing_is_an_outcome_not_a_crash():
    """A budget below the smallest staffing the planner may propose: status too_small, nothing
    chosen, no simulation run (the runner would fail if called)."""
    from types import SimpleNamespace

    from sim.plan.budget import floor_candidate, within_budget
    from sim.plan.evaluate import Candidate, Evaluation

    class NoRuns:
        def __getattr__(self, name):
            raise AssertionError(f"no simulation expected ({name})")

    cfg = SimpleNamespace(plan=SimpleNamespace(budget_kyuan_per_year=100.0, officers_min_per_shift=1,
                                               aux_per_officer_min=0.0))  # the keys the budget reads
    planner = SimpleNamespace(cfg=cfg, demand={(0, b): None for b in range(3)}, runner=NoRuns())
    best = Candidate((((2, 1), (2, 1), (3, 2)),), 1, (4,))
    cost_of = lambda cand, ev: {"total_kyuan": 300.0 + 20.0 * cand.units()}  # noqa: E731
    out = within_budget(cfg, planner, best, Evaluation(best, []), cost_of, lambda c: {}, lambda ev: {},
                        {"officers": 3, "auxiliaries": 6, "volunteers": 4}, log=lambda _: None)
    assert floor_candidate(planner, best).posts == (((1, 0), (1, 0), (1, 0)),)
    assert out["status"] == "too_small" and out["staffing"] is None
    assert out["minimum_cost_kyuan"] == 360.0 and out["unconstrained_cost_kyuan"] == 520.0
    from sim.plan.report import budget_line

    line = budget_line({"budget": out})
    assert "too small for even the smallest staffing" in line and "360" in line and "520" in line


# --- the sweep: two plans, their comparison, their workbooks ------------------------------------------

@pytest.mark.slow  # the module's sweep: two tiny plans, 17 s (the fast tier stays under 3 min)
def test_minus_m_makes_a_plan_folder_per_value_and_compares_them(sweep):
    import openpyxl

    jobs = _jobs(sweep)
    assert set(jobs) == {"budget", "free"}
    for d in jobs.values():
        assert (d / "DONE").is_file() and (d / "plan.json").is_file() and (d / "plan.xlsx").is_file()
    assert json.loads((sweep / "sweep.json").read_text())["jobs_total"] == 2
    plans = {k: json.loads((d / "plan.json").read_text()) for k, d in jobs.items()}
    for name in ("plans.md", "plans.html", "plans.xlsx"):
        assert (sweep / "compare" / name).stat().st_size > 0
    wb = openpyxl.load_workbook(sweep / "compare" / "plans.xlsx")
    assert wb.sheetnames[0] == "plans" and wb.sheetnames[-1] == "provenance"
    rows = list(wb["plans"].iter_rows(values_only=True))
    heads, body = rows[0], {r[0]: r for r in rows[1:]}
    col = {("budget" if "480" in str(h) else "free"): i for i, h in enumerate(heads) if i >= 2}
    for k, p in plans.items():
        assert body["required_officers"][col[k]] == p["required"]["officers"]
        assert body["annual_cost_kyuan"][col[k]] == p["annual_cost"]["total_kyuan"]
        assert body["attainment.p1_within_8min_share"][col[k]] == p["attainment"]["p1_within_8min_share"]["estimate"]
    assert body["budget_cost_kyuan"][col["budget"]] == plans["budget"]["budget"]["annual_cost"]["total_kyuan"]
    assert body["budget_cost_kyuan"][col["free"]] is None
    cell = next(c for c in wb["plans"][[r[0] for r in rows].index("attainment.p1_within_8min_share") + 1]
                if c.column == col["free"] + 1)
    assert cell.number_format == "0.0%"
    md = (sweep / "compare" / "plans.md").read_text()
    assert "| annual cost (thousand yuan) |" in md and "plan.budget_kyuan_per_year=480" in md


@pytest.mark.slow
def test_budget_capped_plan_fits_the_budget_and_reports_its_shortfall(sweep):
    p = json.loads((_jobs(sweep)["budget"] / "plan.json").read_text())
    b = p["budget"]
    assert b["kyuan_per_year"] == BUDGET and b["status"] == "cut"
    assert b["annual_cost"]["total_kyuan"] <= BUDGET < b["unconstrained_cost_kyuan"]
    assert b["unconstrained_cost_kyuan"] == p["annual_cost"]["total_kyuan"]  # the plan that meets the targets
    assert b["required"]["officers"] + b["required"]["auxiliaries"] < p["required"]["officers"] + \
        p["required"]["auxiliaries"]
    for s in b["shortfall"]:  # how far each target is missed, from the reported attainment
        d = b["attainment"][s["target"]]
        assert s["estimate"] == d["estimate"] and s["short_by"] >= 0
    p1 = next(s for s in b["shortfall"] if s["target"] == "p1_within_8min_share")
    assert p1["short_by"] == pytest.approx(max(0.0, 0.9 - p1["estimate"]), abs=1e-4)
    assert p["search"]["replications_by_part"]["budget"] > 0
    assert "## Within the budget" in (_jobs(sweep)["budget"] / "plan.md").read_text()
    free = json.loads((_jobs(sweep)["free"] / "plan.json").read_text())
    assert free["budget"] is None and free["required"] == p["required"]  # same seeds, same search


@pytest.mark.slow
def test_plan_xlsx_numbers_equal_plan_json(sweep):
    import openpyxl

    d = _jobs(sweep)["budget"]
    p = json.loads((d / "plan.json").read_text())
    wb = openpyxl.load_workbook(d / "plan.xlsx")
    assert wb.sheetnames[0] == "summary" and wb.sheetnames[-1] == "provenance"
    summary = {r[0]: r[2] for r in wb["summary"].iter_rows(min_row=2, values_only=True)}
    for role in ("officers", "auxiliaries", "volunteers"):
        assert summary[f"required.{role}"] == p["required"][role]
        assert summary[f"gap.{role}"] == p["gap"][role]
    assert summary["annual_cost.total_kyuan"] == p["annual_cost"]["total_kyuan"]
    assert summary["budget.annual_cost.total_kyuan"] == p["budget"]["annual_cost"]["total_kyuan"]
    for key, est in p["attainment"].items():
        if est is not None:
            assert summary[f"attainment.{key}"] == est["estimate"]
    assert summary["search.replications_run"] == p["search"]["replications_run"] == sum(
        p["search"]["replications_by_part"].values())  # one count, with its parts
    shifts = list(wb["by_shift"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[2], r[3]) for r in shifts] == [
        (r["office"], r["shift"], r["officers"], r["auxiliaries"]) for r in p["required_by_shift"]]
    assert wb["by_shift"]["F2"].number_format == "0.0%"  # priority-1 in time: a share shown as a percentage
    md = (d / "plan.md").read_text()
    assert replications_text(p["search"]) in md


@pytest.mark.slow
def test_compare_refuses_bad_folders_in_one_line(sweep, tmp_path, capsys):
    from sim.plan.__main__ import compare_main

    good = [str(d) for d in _jobs(sweep).values()]
    other = tmp_path / "notes"
    other.mkdir()
    (other / "readme.txt").write_text("x")
    unfinished = tmp_path / "unfinished"
    shutil.copytree(good[0], unfinished)
    (unfinished / "DONE").unlink()
    station = tmp_path / "station"
    shutil.copytree(good[0], station)
    data = json.loads((station / "plan.json").read_text())
    (station / "plan.json").write_text(json.dumps({**data, "tier": "station"}))
    for folders, needle in (([good[0], str(other)], "not a plan folder"),
                            ([good[0], str(unfinished)], "unfinished plan"),
                            ([good[0], str(station)], "office and station plans cannot be compared"),
                            ([good[0]], "at least two plan folders")):
        out = tmp_path / "out"
        assert compare_main([*folders, "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and needle in err[0], err
        assert not out.exists()
    assert compare_main([*good, "--out", str(tmp_path / "ok"), "lang=zh"]) == 0
    assert (tmp_path / "ok" / "plans.xlsx").is_file()


def test_bad_budget_fails_in_one_line():
    from sim.core.checks import ConfigError
    from sim.plan.pipeline import check_plannable
    from tests.conftest import config

    with pytest.raises(ConfigError, match=r"plan.budget_kyuan_per_year=0.*must be > 0"):
        config("plan.budget_kyuan_per_year=0")
    with pytest.raises(ConfigError, match="caps the office plan's yearly cost"):
        check_plannable(config("plan.tier=station", "plan.budget_kyuan_per_year=900"))
