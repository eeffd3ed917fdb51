"""Configs run no code, writes stay in the run folder, sweeps own their
workers (issue 17)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.core.checks import ConfigError
from sim.compose.loader import load_config, load_run
from sim.compose.conf_files import problem_of
from sim.core.outdir import check_out_dir, is_own_tmp, tmp_name, unmark

ROOT = Path(__file__).resolve().parent.parent


def cli(*args, cwd=ROOT, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


def one_line_refusal(proc) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


# --- no code from configuration ------------------------------------------------------
def test_a_callback_on_the_command_line_runs_nothing(tmp_path):
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")
    proc = cli("sim", f"hydra.run.dir={tmp_path / 'run'}", "sim.days=1",
               "+hydra.callbacks.x._target_=builtins.open", f"+hydra.callbacks.x.file={victim}",
               "+hydra.callbacks.x.mode=w")
    assert "hydra.callbacks" in one_line_refusal(proc)
    assert victim.read_text() == "keep me" and not (tmp_path / "run").exists()


@pytest.mark.slow  # the fast tier stays under 3 min (README "Tests")
def test_a_search_path_or_target_imports_nothing(tmp_path):
    """A module that leaves a mark when imported is offered three ways; it is never imported."""
    pkg = tmp_path / "evil_pkg"
    pkg.mkdir()
    mark = tmp_path / "imported"
    (pkg / "__init__.py").write_text(f"open({str(mark)!r}, 'w').write('x')\ndef boom(*a, **k): pass\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    for args in (["hydra.searchpath=[pkg://evil_pkg]"], ["hydra.sweeper._target_=evil_pkg.boom"],
                 ["-m", "seed=1,2", "hydra.launcher._target_=evil_pkg.boom"], ["hydra/launcher=ray_aws"]):
        proc = cli("sim", f"hydra.sweep.dir={tmp_path / 'sw'}", f"hydra.run.dir={tmp_path / 'run'}", *args, env=env)
        one_line_refusal(proc)
        assert not mark.exists(), args
    assert not (tmp_path / "run").exists() and not (tmp_path / "sw").exists()


@pytest.mark.parametrize("override", [
    "hydra.job.env_set.LD_PRELOAD=/tmp/x.so", "hydra.output_subdir=/tmp/elsewhere", "hydra.job.name=../../escape",
    "hydra.job.chdir=true", "hydra.launcher.ray.init.runtime_env.pip=[evil]", "hydra.launcher.setup=[id]",
    "hydra.job_logging.handlers.file.filename=/tmp/x.log", "district@hydra.callbacks=city",
    "hydra.verbose=${oc.env:HOME}", "hydra.sweep.subdir=../x", "hydra/hydra_help=evil",
    "+hydra.launcher.ray.init.namespace='${${hydra.job.name}:{_target_: os.system}}'",
    "hydra.launcher.comment='x\ntouch /tmp/owned\n#'", "hydra.launcher.partition='a;b'",
    "+hydra.launcher.ray.init.runtime={_target_: os.system}", "hydra.sweeper.params={seed: '0,1'}"])
def test_hydra_settings_outside_the_allow_list_are_refused(override):
    with pytest.raises(ConfigError) as err:
        load_config([override])
    assert override.split("=")[0].split("@")[0].lstrip("+") in str(err.value) or "@" in str(err.value)


@pytest.mark.parametrize("flag", ["--experimental-rerun=x.pickle", "--config-dir=/tmp", "-cp=/tmp", "--info"])
def test_hydra_flags_that_load_from_elsewhere_are_refused(flag, tmp_path):
    assert "unknown flag" in one_line_refusal(cli("sim", flag, cwd=tmp_path))


@pytest.mark.parametrize("kind,text,problem", [
    ("experiment", "# @package _global_\nhydra:\n  callbacks:\n    x: {_target_: builtins.open}\n", "hydra.callbacks"),
    ("experiment", "# @package _global_\nhydra:\n  run: {dir: /etc}\n", "hydra.run"),
    ("experiment", "# @package _global_\nhydra:\n  searchpath: [pkg://os]\n", "hydra.searchpath"),
    ("district", "name: x\nextra: {_target_: os.system, _args_: [id]}\n", "Python code"),
    ("district", "# @package hydra\ncallbacks: {}\n", "@package"),
    ("district", "name: &a [x]\nkind: *a\n", "anchors"),
    ("district", "name: ${oc.env:HOME}\n", "resolver"),
    ("district", "name: [unclosed\n", "not valid YAML"),
    ("district", "defaults:\n  - override /hydra/launcher: ray_aws\n", "defaults"),
    ("exercise", "hydra:\n  sweeper: {params: {seed: 1,2}}\n", "not allowed in an exercise"),
    ("exercise", "sim: !!python/object/apply:os.system [id]\n", "not valid YAML"),
    ("district", "\n\n# @package hydra\njob_logging: {}\n", "@package"),
    ("experiment", "# @package _global_\nhydra:\n  job_logging:\n    handlers: {x: {'()': os.system}}\n", "Python code"),
    ("district", "name: '${${x}:{_target_: os.system}}'\n", "resolver"),
    ("district", "offices_xy_m: [['${oc.env:HOME}', 1]]\n", "resolver"),  # inside a list (found in issue 22)
])
def test_a_shared_file_that_could_run_code_is_refused_by_name(tmp_path, kind, text, problem):
    folder = tmp_path / ("exercises" if kind == "exercise" else f"conf/{kind}")
    folder.mkdir(parents=True)
    path = folder / "shared.yaml"
    path.write_text(text)
    import sim.compose.conf_files as cf

    original = cf.EXERCISES_DIR, cf.CONF_DIR
    cf.EXERCISES_DIR, cf.CONF_DIR = tmp_path / "exercises", tmp_path / "conf"
    try:
        found = problem_of(path)
    finally:
        cf.EXERCISES_DIR, cf.CONF_DIR = original
    assert found is not None and problem in found, found


def test_a_legitimate_experiment_file_passes():
    for path in sorted((ROOT / "conf").rglob("*.yaml")) + sorted((ROOT / "sim/scenarios/exercises").glob("*.yaml")):
        assert problem_of(path) is None, path


def test_one_bad_exercise_script_breaks_only_itself(tmp_path, monkeypatch):
    """A malformed script in the exercise folder is reported by name when
    chosen; every other command (and the other scripts) still works."""
    import shutil

    import sim.compose.conf_files as cf
    from sim.compose.structured import register_configs

    folder = tmp_path / "exercises"
    shutil.copytree(cf.EXERCISES_DIR, folder)
    (folder / "broken.yaml").write_text("exercise:\n  injects: [unclosed\n")
    (folder / "sneaky.yaml").write_text("hydra:\n  callbacks: {x: {_target_: builtins.print}}\n")
    monkeypatch.setattr(cf, "EXERCISES_DIR", folder)
    register_configs.cache_clear()
    try:
        assert load_config(["sim.days=2"]).sim.days == 2
        assert load_config(["+exercise=festival_night"]).exercise.name == "festival_night"
        with pytest.raises(ConfigError, match=r"broken.yaml: line \d+: not valid YAML"):
            load_config(["+exercise=broken"])
        with pytest.raises(ConfigError, match="sneaky.yaml: hydra"):
            load_config(["+exercise=sneaky"])
    finally:
        register_configs.cache_clear()


# --- writes stay where they belong ----------------------------------------------------
@pytest.mark.parametrize("folder", ["", "/", "/etc", "/tmp", "/usr/share/x", "/proc/self/x", ".", "~",
                                    "/tmp/a\\b", "/tmp/${x}", "/tmp/" + "L" * 300, "/tmp/new\nline"])
def test_root_like_or_system_folders_are_refused(folder):
    with pytest.raises(ConfigError):
        check_out_dir(folder, "hydra.run.dir")


@pytest.mark.slow
def test_a_folder_under_a_file_is_one_line(tmp_path):
    (tmp_path / "afile").write_text("x")
    for command in (["sim"], ["sim.plan"], ["sim", "-m", "seed=1,2"]):
        key = "hydra.sweep.dir" if "-m" in command else "hydra.run.dir"
        assert "a file" in one_line_refusal(cli(*command, f"{key}={tmp_path / 'afile' / 'sub'}"))
    for module in ("sim.compare", "sim.validate"):
        args = [str(tmp_path)] if module == "sim.compare" else []
        proc = cli(module, *args, "--out", str(tmp_path / "afile" / "sub"))
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr


def test_the_project_the_working_folder_and_links_to_them_are_refused(tmp_path):
    link = tmp_path / "link"
    link.symlink_to(ROOT)
    for folder in (ROOT, ROOT.parent, os.getcwd(), link, link / "sim"):
        with pytest.raises(ConfigError):
            check_out_dir(str(folder), "hydra.run.dir")


def test_a_folder_of_someone_elses_files_needs_overwrite(tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "report.docx").write_text("x")
    with pytest.raises(ConfigError, match="sim.overwrite=true"):
        load_run([f"hydra.run.dir={theirs}"])
    assert load_run([f"hydra.run.dir={theirs}", "sim.overwrite=true"])[1] == theirs
    ours = tmp_path / "ours"
    ours.mkdir()
    (ours / "manifest.json").write_text(json.dumps({"program": "community-policing-sim"}))
    (ours / "calls.parquet").write_text("x")
    assert load_run([f"hydra.run.dir={ours}"])[1] == ours


def test_only_our_own_temporary_files_are_deleted(tmp_path):
    """In a folder of ours (its manifest), our temporary files go and nothing
    else; in anyone else's folder not even a file named like ours goes."""
    theirs = [".notes.tmp", ".calls.123.tmp.parquet", "draft.tmp", ".x.simtmp-abc.json", "DONE.bak"]
    for folder, manifest in ((tmp_path / "ours", True), (tmp_path / "theirs", False)):
        folder.mkdir()
        for name in theirs:
            (folder / name).write_text("theirs")
        tmp_name(folder / "calls.parquet").write_text("half written")
        if manifest:
            (folder / "manifest.json").write_text(json.dumps({"program": "community-policing-sim"}))
        unmark(folder)
    ours_left = sorted(p.name for p in (tmp_path / "ours").iterdir())
    assert ours_left == sorted(theirs + ["manifest.json"])
    assert tmp_name(tmp_path / "theirs" / "calls.parquet").exists()
    assert is_own_tmp(tmp_name(tmp_path / "calls.parquet").name) and not is_own_tmp(".calls.123.tmp.parquet")


def test_a_rerun_leaves_no_csv_copy_of_an_earlier_runs_table(tmp_path):
    """A run with sim.workbook=false over a run of ours with its CSV copies: the
    copies go with the DONE (they would disagree with the new Parquet files);
    a CSV of no table of ours, or in someone else's folder, stays."""
    for folder, manifest in ((tmp_path / "ours", True), (tmp_path / "theirs", False)):
        folder.mkdir()
        for name in ("calls.parquet", "calls.csv", "notes.csv", "DONE"):
            (folder / name).write_text("x")
        if manifest:
            (folder / "manifest.json").write_text(json.dumps({"program": "community-policing-sim"}))
        unmark(folder)
    assert sorted(p.name for p in (tmp_path / "ours").iterdir()) == ["calls.parquet", "manifest.json", "notes.csv"]
    assert sorted(p.name for p in (tmp_path / "theirs").iterdir()) == ["calls.csv", "calls.parquet", "notes.csv"]


# each plant: a refused python -m sim -m process; one in the quick tier, the others with the slow ones
@pytest.mark.parametrize("plant", [*(pytest.param(p, marks=pytest.mark.slow)
                                     for p in (".hydra", "sweep.lock", "counterfactual", "calls.parquet")), "seed=1"])
def test_a_link_planted_in_an_output_folder_is_refused(tmp_path, plant):
    """A symbolic link inside an output folder would carry writes out of it:
    refused even with sim.overwrite=true, and the link's target untouched."""
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("keep me")
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text(json.dumps({"program": "community-policing-sim"}))
    (run / plant).symlink_to(victim)
    for extra in ([], ["sim.overwrite=true"]):
        with pytest.raises(ConfigError, match="symbolic link"):
            load_run([f"hydra.run.dir={run}", *extra])
    proc = cli("sim", "-m", "seed=1,2", "sim.days=1", f"hydra.sweep.dir={run}")
    assert "symbolic link" in one_line_refusal(proc)
    assert sorted(p.name for p in victim.iterdir()) == ["keep.txt"] and (victim / "keep.txt").read_text() == "keep me"


@pytest.mark.slow
def test_swept_values_cannot_leave_the_sweep_folder(tmp_path):
    root = tmp_path / "sweep"
    proc = cli("sim", "-m", "sim.days=1", "sim.plots=false", "district.name=../../escaped,a/b,..",
               f"hydra.sweep.dir={root}", timeout=300)
    assert proc.returncode == 0, proc.stderr
    jobs = sorted(p.name for p in root.iterdir() if p.is_dir())
    assert jobs == [f"district.name={name},sim.days=1,sim.plots=False"
                    for name in ("%2E%2E%2F%2E%2E%2Fescaped", "%2E%2E", "a%2Fb")], jobs
    assert all((root / j / "DONE").is_file() for j in jobs)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep"]


# --- sweeps own their workers ---------------------------------------------------------
def test_a_second_invocation_of_the_same_sweep_is_refused_naming_the_holder(tmp_path):
    from sim.study.sweep_lock import SweepLock

    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from sim.study.sweep_lock import SweepLock\n"
        f"SweepLock(Path({str(tmp_path)!r})).acquire(); print('held', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ConfigError, match=f"in use by another sweep \\(process {holder.pid} "):
            SweepLock(tmp_path).acquire()
        proc = cli("sim", "-m", "seed=1,2", "sim.days=1", f"hydra.sweep.dir={tmp_path}")
        assert f"process {holder.pid}" in one_line_refusal(proc)
    finally:
        holder.kill()
        holder.wait()
    lock = SweepLock(tmp_path).acquire()  # its holder died: the lock is free again
    assert json.loads((tmp_path / "sweep.lock").read_text())["pid"] == os.getpid()
    lock.release()


def _descendants(pid: int) -> set[int]:
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rfind(")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return text[text.rfind(")") + 2:].split()[0] != "Z"


@pytest.mark.slow
def test_a_killed_sweep_leaves_no_worker_behind_and_its_end_is_recorded(tmp_path):
    root = tmp_path / "sweep"
    proc = subprocess.Popen([sys.executable, "-m", "sim", "-m", "sim.days=3000", "sim.plots=false",
                             "seed=1,2,3", "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={root}"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    workers: set[int] = set()
    while time.time() < deadline and len([p for p in workers if "popen_loky" in _cmdline(p)]) < 2:
        time.sleep(0.5)
        workers = _descendants(proc.pid)
    assert len([p for p in workers if "popen_loky" in _cmdline(p)]) == 2, [(p, _cmdline(p)) for p in workers]
    time.sleep(3)  # the jobs are running
    workers = _descendants(proc.pid)  # the workers and the trackers beside them
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 15
    while time.time() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.2)
    assert not [p for p in workers if _alive(p)], [(p, _cmdline(p)) for p in workers if _alive(p)]
    assert not any((root / d / "DONE").exists() for d in os.listdir(root) if (root / d).is_dir())
    rerun = cli("sim", "-m", "sim.days=1", "sim.plots=false", "seed=1,2,3", f"hydra.sweep.dir={root}", timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    invocations = json.loads((root / "sweep.json").read_text())["invocations"]
    assert invocations[0]["ended"].startswith("killed") and "found_utc" in invocations[0]
    assert "ended" in invocations[-1] and "finished_utc" in invocations[-1], rerun.stderr


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.slow
def test_damaged_records_of_a_sweep_are_one_line(tmp_path):
    root = tmp_path / "sweep"
    root.mkdir()
    for text, problem in (('{"sweep_dir": "x", "jobs": [], "invocations": [1]}', "sweep.json is damaged"),
                          ('{"sweep_dir": "x", "jobs": [], "invocations": "abc"}', "sweep.json is damaged"),
                          ("not json", "did not write")):  # not even recognisably ours
        (root / "sweep.json").write_text(text)
        assert problem in one_line_refusal(cli("sim", "-m", "seed=1,2", f"hydra.sweep.dir={root}"))
    (root / "sweep.json").write_text('{"jobs": 5}')
    assert "damaged" in one_line_refusal(cli("sim.compare", str(root)))


def test_a_data_file_in_a_system_folder_is_refused(tmp_path):
    link = tmp_path / "calls.csv"
    link.symlink_to("/proc/self/environ")
    with pytest.raises(ConfigError, match="system folder"):
        load_config([f"calls_csv={link}"])


def test_replay_values_must_have_their_types(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sim.exercise.session import DECISION_SCHEMA

    for params, problem in (('{"role": "auxiliary", "count": true}', "whole number"),
                            ('{"role": "auxiliary", "count": 2.5}', "whole number"),
                            ('{"role": 7}', "a word")):
        path = tmp_path / "log.parquet"
        row = {"seq": 0, "t_min": 1150.0, "clock": "", "source": "trainee", "category": "action",
               "kind": "call_in", "params": params, "note": "", "effect": ""}
        pq.write_table(pa.Table.from_pylist([row], schema=DECISION_SCHEMA), path)
        with pytest.raises(ConfigError, match=problem):
            load_config(["+exercise=festival_night", f"exercise.replay={path}"])


@pytest.mark.slow  # the fast tier stays under 3 min (README "Tests")
def test_one_kind_of_output_is_never_written_over_another(tmp_path):
    """A comparison aimed at a finished run, or a run aimed at a sweep's
    folder, is refused: it would delete the run's DONE and summary."""
    run = tmp_path / "run"
    assert cli("sim", "sim.days=0.5", "sim.plots=false", f"hydra.run.dir={run}").returncode == 0
    proc = cli("sim.compare", str(run), "--out", str(run))
    assert "holds a run of this program, not a compare" in one_line_refusal(proc)
    assert (run / "DONE").is_file() and (run / "summary.json").is_file()
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "sweep.json").write_text(json.dumps({"program": "community-policing-sim", "jobs": []}))
    with pytest.raises(ConfigError, match="holds a sweep of this program, not a run"):
        load_run([f"hydra.run.dir={sweep}"])
    assert load_run([f"hydra.run.dir={run}"])[1] == run  # the same kind: a re-run is fine
    with pytest.raises(ConfigError, match="holds a run of this program, not a plan"):
        load_run([f"hydra.run.dir={run}"], kind="plan")
