"""Malformed input on every command line: exit code 2, one line on stderr, no
traceback, no new folder (issue 17). Hypothesis generates the inputs; each
CLI runs in this process (the same ``main`` a shell calls), with whatever
would start real work replaced by a tripwire, so an accepted input fails the
test at once instead of running."""
from __future__ import annotations

import contextlib
import io
import os
import string
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("SIM_FUZZ_EXAMPLES", "50"))  # per command line; five command lines
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


class Accepted(Exception):
    """A malformed input got through to the real work."""


# --- malformed overrides ------------------------------------------------------------
SECTIONS = ("sim", "district", "staffing", "policy", "dispatch", "travel", "crime", "community", "window",
            "workforce", "kpi", "target", "plan", "scale", "queueing", "displacement", "exercise", "response", "cost")
GROUP_KEYS = ("district", "staffing", "policy", "dispatch", "crime", "lever", "response")
# (key, lowest, highest): every value outside [lowest, highest] must be refused
RANGED = (("sim.days", 1 / 24, 36_600), ("sim.warmup_days", 0, None), ("seed", 0, 2**62),
          ("district.residents", 1, 5_000_000), ("district.offices", 1, 100), ("district.cell_size_m", 10, 1000),
          ("staffing.officers", 0, 500), ("staffing.auxiliaries", 0, 500), ("staffing.volunteers", 0, 500),
          ("staffing.officer_non_community_share", 0, 0.95), ("travel.turnout_min", 0, 60),
          ("travel.speed_kmh.car", 0.5, 200), ("crime.deterrence_per_guardian", 0, 20),
          ("crime.clearance_prob", 0, 1), ("community.trust_initial_sd", 0, 0.5), ("window.service_cv", 0, 5),
          ("workforce.absence_share", 0, 0.9), ("target.p1_share", 0, 1), ("plan.confidence", 0.5, 0.999),
          ("plan.replications_min", 2, 1000), ("scale.call_rate_factor", 0, 100), ("policy.dwell_min", 0, 480),
          ("calls.emergency.priority", 1, 9), ("calls.theft.report_prob", 0, 1),
          ("dispatch.preempt_priority_min", 2, 9))
NUMERIC = [k for k, _, _ in RANGED]
HOSTILE = ("hydra.callbacks.x._target_=builtins.open", "hydra.searchpath=[pkg://os]",
           "hydra.sweeper._target_=os.system", "hydra.launcher._target_=os.system",
           "hydra.job.env_set.LD_PRELOAD=/tmp/x.so", "hydra.output_subdir=/tmp", "hydra.job.name=../../x",
           "hydra.job.chdir=true", "hydra/launcher=ray_aws", "hydra/callbacks=log_job_return",
           "hydra.launcher.ray.init.runtime_env.pip=[evil]", "hydra.launcher.setup=[rm -rf /]",
           "hydra.launcher.submitit_folder=/tmp", "hydra.job_logging.root.handlers=[]", "hydra.run.dir=",
           "hydra.run.dir=/", "hydra.run.dir=/etc", "hydra.run.dir=/usr/lib/x", "hydra.run.dir=/proc/self",
           "hydra.run.dir=.", "district@hydra=city", "--experimental-rerun=x.pickle", "--config-dir=/tmp",
           "-cp=/tmp", "--info", "--shell-completion", "hydra.sweep.subdir=../x", "hydra.verbose=${oc.env:HOME}")
word = st.text(string.ascii_lowercase + "_", min_size=3, max_size=12)
junk = st.text(string.ascii_letters + string.digits + "[]{}=,:'\" ~+$@%", min_size=1, max_size=20)


def _unknown_key():
    return st.builds(lambda section, name: f"{section}.zz{name}=1", st.sampled_from(SECTIONS), word)


def _wrong_type():
    return st.builds(lambda key, text: f"{key}=x{text}", st.sampled_from(NUMERIC), word)


def _out_of_range():
    def make(spec, side, scale):
        key, lo, hi = spec
        if side == "low" or hi is None:
            value = lo - scale * max(abs(lo), 1.0) if lo is not None else float("nan")
        else:
            value = hi + scale * max(abs(hi), 1.0)
        return f"{key}={value!r}"
    non_finite = st.builds(lambda key, v: f"{key}={v}", st.sampled_from(NUMERIC), st.sampled_from(["nan", "inf",
                                                                                                   "-inf"]))
    return st.one_of(st.builds(make, st.sampled_from(RANGED), st.sampled_from(["low", "high"]),
                               st.sampled_from([0.5, 1.0, 10.0, 1e6])), non_finite)


def _bad_option():
    return st.builds(lambda group, name: f"{group}=zz{name}", st.sampled_from(GROUP_KEYS), word)


def _syntax():
    return st.one_of(st.builds(lambda key, text: f"{key}=[{text}", st.sampled_from(NUMERIC), word),
                     st.builds(lambda text: f"={text}", word),
                     st.builds(lambda key: f"~{key}", st.sampled_from(NUMERIC)),
                     st.builds(lambda key, text: f"{key}=1,x{text}", st.sampled_from(NUMERIC), word),
                     st.builds(lambda text: f"--{text}", word))


MALFORMED = st.one_of(_unknown_key(), _wrong_type(), _out_of_range(), _bad_option(), _syntax(),
                      st.sampled_from(HOSTILE))
VALID_EXTRA = st.lists(st.sampled_from(["sim.days=2", "policy=random_patrol", "district=city", "seed=3",
                                        "+exercise=festival_night", "staffing.auxiliaries=7"]),
                       max_size=2, unique=True)


# --- running one command in this process --------------------------------------------
def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def run_cli(module: str, argv: list[str], cwd: Path) -> tuple[int, str]:
    """(exit code, stderr) of ``python -m module argv`` run in this process."""
    import importlib

    main = importlib.import_module(module).main
    err = io.StringIO()
    old_argv, old_cwd = sys.argv, os.getcwd()
    sys.argv = [module, *argv]
    os.chdir(cwd)
    code = 0
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                result = main(argv) if module in ("sim.compare.cli", "sim.validate.cli") else main()
                code = int(result or 0)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = old_argv
        os.chdir(old_cwd)
    return code, err.getvalue()


def check_refused(module: str, argv: list[str], cwd: Path) -> None:
    before = _tree(cwd)
    code, err = run_cli(module, argv, cwd)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, (argv, code, err)
    assert len(lines) == 1, (argv, err)
    assert "Traceback" not in err, (argv, err)
    assert _tree(cwd) == before, (argv, _tree(cwd) - before)


@pytest.fixture
def tripwires(monkeypatch, tmp_path):
    """Whatever would start real work raises ``Accepted`` instead."""
    import sim.__main__ as sim_main
    import sim.plan.__main__ as plan_main
    import sim.validate.cli as validate

    def accepted(*args, **kwargs):
        raise Accepted(f"a malformed input was accepted: {sys.argv}")
    monkeypatch.setattr(sim_main, "hydra_main", accepted)
    monkeypatch.setattr(plan_main, "hydra_main", accepted)
    monkeypatch.setattr(os, "execve", accepted)
    monkeypatch.setattr(validate, "run_cases", accepted)
    (tmp_path / "work").mkdir()
    return tmp_path / "work"


@FUZZ
@given(bad=MALFORMED, extra=VALID_EXTRA, multirun=st.booleans())
def test_sim_refuses_malformed_input(tripwires, bad, extra, multirun):
    check_refused("sim.__main__", ["-m"] * multirun + extra + [bad], tripwires)


@FUZZ
@given(bad=MALFORMED, extra=VALID_EXTRA)
def test_plan_refuses_malformed_input(tripwires, bad, extra):
    check_refused("sim.plan.__main__", [e for e in extra if "exercise" not in e] + [bad], tripwires)


@FUZZ
@given(bad=st.one_of(MALFORMED, st.builds(lambda p: f"--port={p}", st.one_of(
    st.integers(-10, 1023), st.integers(65536, 10**6), word, st.just("²")))), extra=VALID_EXTRA)
def test_tabletop_refuses_malformed_input(tripwires, bad, extra):
    check_refused("sim.tabletop.__main__", extra + [bad], tripwires)


@FUZZ
@given(args=st.one_of(
    st.builds(lambda name: [f"no_such_{name}"], word),
    st.builds(lambda name: [".", f"--{name}"], word),
    st.builds(lambda metric: ["SWEEP", "--metrics", f"zz{metric}"], word),
    st.builds(lambda text: ["SWEEP", "--baseline", text], st.one_of(word, st.builds(lambda w: f"zz{w}=1", word))),
    st.builds(lambda d: ["SWEEP", "--out", d], st.sampled_from(["", "/", "/etc", "/usr/x", ".", "FOREIGN"])),
    st.just([]), st.just(["SWEEP", "--baseline"]), st.just(["NOTASWEEP"]), st.just(["SWEEP/summary.json"])))
def test_compare_refuses_malformed_input(tripwires, args):
    sweep = tripwires.parent / "sweep"
    if not sweep.exists():  # a finished one-job sweep (compare reads only these files)
        job = sweep / "seed=1"
        (job / ".hydra").mkdir(parents=True)
        (job / ".hydra" / "overrides.yaml").write_text("- seed=1\n")
        (job / "summary.json").write_text('{"calls_total": 3, "p_wait": 0.5, "seed": 1}')
        (job / "DONE").write_text('{"root_seed": 1}')
        (sweep / "multirun.yaml").touch()
        (tripwires.parent / "notasweep").mkdir()
        (tripwires.parent / "foreign").mkdir()
        (tripwires.parent / "foreign" / "notes.txt").write_text("someone else's")
    names = {"SWEEP": str(sweep), "NOTASWEEP": str(tripwires.parent / "notasweep"),
             "FOREIGN": str(tripwires.parent / "foreign"), "SWEEP/summary.json": str(sweep / "seed=1" / "summary.json")}
    check_refused("sim.compare.cli", [names.get(a, a) for a in args], tripwires)


@FUZZ
@given(args=st.one_of(
    st.builds(lambda n: ["--jobs", str(n)], st.one_of(st.integers(-100, 0), st.integers(257, 10**6))),
    st.builds(lambda w: ["--jobs", w], word),
    st.builds(lambda w: ["--case", f"zz{w}"], word),
    st.just(["--case", ""]), st.just(["--case"]),
    st.builds(lambda w: [f"--{w}"], word),
    st.builds(lambda w: [w], word),
    st.builds(lambda d: ["--out", d], st.sampled_from(["", "/", "/etc", "/proc/x", "/usr/lib/x"]))))
def test_validate_refuses_malformed_input(tripwires, args):
    check_refused("sim.validate.cli", args, tripwires)
