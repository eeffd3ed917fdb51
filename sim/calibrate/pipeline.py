"""A calibration from start to report: the study's candidates, the best one
checked on fresh seeds, the posterior, and the outputs in the run folder
(calibration.json, trials.parquet, targets.png, convergence.png, report.md,
conf/calibration/NAME.yaml)."""
from __future__ import annotations

import math
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim.calibrate.evaluate import Evaluator
from sim.calibrate.posterior import posterior
from sim.calibrate.preset import preset_text, write_preset
from sim.calibrate.problem import Problem
from sim.calibrate.study import JOURNAL, JOURNAL_LOCK, Study
from sim.core.checks import TEXT, ConfigError
from sim.core.folder_lock import FolderLock
from sim.core.outdir import write_atomic
from sim.output.provenance import DONE, config_hash, finish_manifest, git_commit, prepare_dir, write_json_atomic
from sim.i18n import Translator

_ = Translator("checks")

LOCK_FILE = "calibration.lock"


def calibration_lock(folder: Path) -> FolderLock:
    return FolderLock(folder, LOCK_FILE, "hydra.run.dir",
                      _("is in use by another calibration (process {value} on {value2}, since {value3}); wait "
                        "for it to end or stop it, then run the command again"))


def run_calibration(cfg, problem: Problem, out_dir: str | Path, base_overrides: list[str], base_preset: str,
                    overrides: list[str], log=print) -> dict:
    started = time.perf_counter()
    with calibration_lock(Path(out_dir)):  # before the folder is claimed
        out = prepare_dir(out_dir, cfg, kind="calibration")
        stale = out / JOURNAL_LOCK  # only this process writes the study now: a journal lock left is a dead run's
        if stale.is_file() and not stale.is_symlink():
            stale.unlink()
        return _calibrate(cfg, problem, out, base_overrides, base_preset, overrides, log, started)


def _calibrate(cfg, problem: Problem, out: Path, base_overrides: list[str], base_preset: str,
               overrides: list[str], log, started: float) -> dict:
    c = cfg.calibrate
    study = Study(out, problem, c.trials, c.explore_share, c.seed)
    retried = study.recover()
    done = len(study.complete())
    if done or retried:
        log(f"resuming: {done} candidate(s) finished earlier" + (f", {retried} interrupted one(s) asked again"
                                                                   if retried else ""))
    evaluator = Evaluator(problem, base_overrides, base_preset, c.replications, c.jobs, c.ray_address)
    try:
        search(study, evaluator, log)
        best = study.study.best_trial
        best_params = dict(best.params)
        # the report's values: the best candidate on fresh replicates (its own if check_replications=0),
        # with the claims' runs, which the search left out
        fresh = c.check_replications > 0
        reps = c.check_replications if fresh else c.replications
        log(f"checking the best candidate (trial {best.number}) on {reps} "
            + ("fresh replicates" if fresh else "replicates, with the claims"))
        checker = Evaluator(problem, base_overrides, base_preset, reps, c.jobs, c.ray_address,
                            first_replicate=c.replications if fresh else 0, claims=True, pool=evaluator.pool())
        checked = checker.evaluate(best_params, f"_candidate_check_{best.number}")
    finally:
        evaluator.close()
    trials = study.complete()
    post = posterior(problem, trials)
    targets = checked.targets
    fitted = [n for n in targets if not targets[n]["claim"]]
    result = {
        "problem": problem.name, "targets_file": problem.path, "fingerprint": problem.fingerprint(),
        "description": problem.description,
        "parameters": [{"key": p.key, "low": p.low, "high": p.high, "prior": p.prior, "mean": p.mean, "sd": p.sd,
                        "integer": p.integer, "source": p.source} for p in problem.parameters],
        "best": best_params, "best_trial": best.number, "best_objective": best.value,
        "best_objective_checked": checked.objective,
        "posterior": post,
        "targets": targets,
        "all_inside": all(targets[n]["inside"] for n in fitted),
        "targets_checked_on": (("fresh replicate %d" % c.replications if reps == 1 else
                                "fresh replicates %d-%d" % (c.replications, c.replications + reps - 1))
                               if fresh else "the best trial's own replicates"),
        "trials": {"complete": len(trials), "explore": sum(t.user_attrs.get("phase") == "explore" for t in trials),
                   "refine": sum(t.user_attrs.get("phase") == "refine" for t in trials),
                   "invalid": study.failed(),
                   "interrupted": sum(t.state.name == "FAIL" for t in study.study.get_trials(deepcopy=False))
                   - study.failed()},
        "replications": c.replications, "check_replications": c.check_replications, "jobs": evaluator.jobs,
        "runs_per_candidate": len(evaluator.arms) * c.replications,
        "seconds_this_session": round(time.perf_counter() - started, 1),
        "study": str(out / JOURNAL),
        "config_hash": config_hash(cfg), "git_commit": git_commit(), "overrides": list(overrides),
    }
    write_outputs(result, problem, study, out, cfg, evaluator.start_values)
    finish_manifest(out, config_hash=result["config_hash"], git_commit=result["git_commit"])
    write_json_atomic(out / DONE, {"config_hash": result["config_hash"], "finished_utc": result["finished_utc"]})
    return result


def search(study: Study, evaluator: Evaluator, log) -> None:
    """Ask, run, tell until the study holds ``trials`` finished candidates."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    total = study.trials
    with Progress(TextColumn("calibrating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  TextColumn("best {task.fields[best]}"), transient=True) as bar:
        task = bar.add_task("trials", total=total, completed=total - study.remaining(), best=_best(study))
        while study.remaining():
            trial = study.ask()
            try:
                outcome = evaluator.evaluate(trial.params, f"_candidate_{trial.number}")
            except ConfigError as exc:  # a combination of values the model refuses: no fit there
                study.fail(trial, str(exc))
                log(f"candidate {trial.number} is not a valid config, skipped: {exc}")
                if study.failed() > max(10, total):
                    raise ConfigError("parameters", TEXT, _("{value} candidates were not valid configs (last: "
                                                            "{exc}); narrow the bounds")
                                                          .format(value=study.failed(), exc=exc)) from None
                continue
            # anything else (Ctrl-C, a crash) leaves the trial running: the next start asks it again
            study.tell(trial, outcome)
            log(f"candidate {trial.number} ({trial.user_attrs.get('phase')}): distance {outcome.objective:.4g}, "
                f"best {_best(study)}; {total - study.remaining()} of {total} done")
            bar.update(task, completed=total - study.remaining(), best=_best(study))


def _best(study: Study) -> str:
    try:
        return f"{study.study.best_value:.3g}"
    except ValueError:
        return "-"


def write_outputs(result: dict, problem: Problem, study: Study, out: Path, cfg, start_values: dict) -> None:
    from datetime import datetime, timezone

    from sim.calibrate.figures import convergence_figure, targets_figure

    c = cfg.calibrate
    text = preset_text(c.name, {**start_values, **result["best"]}, problem, result["posterior"], out)
    local, installed = write_preset(text, c.name, out, c.install)
    result["preset"] = {"name": c.name, "file": str(local), "installed": str(installed) if installed else None,
                        "use": f"+calibration={c.name}"}
    result["finished_utc"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    table = trials_table(study, problem)
    with write_atomic(out / "trials.parquet", "wb") as f:
        pq.write_table(table, f)
    targets_figure(result["targets"], out / "targets.png",
                   f"{problem.name}: targets and the calibrated model ({result['targets_checked_on']})",
                   {t.name: t.statistic for t in problem.targets})
    rows = table.to_pylist()
    convergence_figure([r["trial"] for r in rows if r["state"] == "COMPLETE"],
                       [r["objective"] for r in rows if r["state"] == "COMPLETE"],
                       [r["phase"] for r in rows if r["state"] == "COMPLETE"], out / "convergence.png")
    with write_atomic(out / "report.md") as f:
        f.write(report_markdown(result, problem))
    write_json_atomic(out / "calibration.json", _json_safe(result))


def trials_table(study: Study, problem: Problem) -> pa.Table:
    """One row per trial: its phase, state, distance, parameters and simulated targets."""
    rows = []
    for t in study.study.get_trials(deepcopy=False):
        row = {"trial": t.number, "phase": t.user_attrs.get("phase"), "state": t.state.name,
               "objective": t.value if t.value is not None else None,
               "log_likelihood": t.user_attrs.get("log_likelihood"), "runs": t.user_attrs.get("runs"),
               "retry_of": t.user_attrs.get("retry_of"), "invalid": t.user_attrs.get("invalid")}
        for p in problem.parameters:
            row[f"param:{p.key}"] = t.params.get(p.key)
        sims = t.user_attrs.get("targets") or {}
        for target in problem.targets:
            row[f"sim:{target.name}"] = (sims.get(target.name) or {}).get("simulated")
        rows.append(row)
    return pa.Table.from_pylist(rows)


def _json_safe(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _fmt(v) -> str:
    return "n/a" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:.4g}"


def report_markdown(result: dict, problem: Problem) -> str:
    post = result["posterior"]
    n = lambda count, word: f"{count} {word}{'' if count == 1 else 's'}"  # noqa: E731
    lines = [f"# Calibration: {problem.name}", "", *([problem.description, ""] if problem.description else []),
             f"Targets file: `{problem.path}`. {n(result['trials']['complete'], 'candidate')} "
             f"({result['trials']['explore']} exploring the bounds, {result['trials']['refine']} refining), "
             f"{n(result['replications'], 'replication')} each ({n(result['runs_per_candidate'], 'run')} per "
             f"candidate), common random numbers across candidates. Best: trial {result['best_trial']}, "
             f"distance {_fmt(result['best_objective'])} on the search's replicates, "
             f"{_fmt(result['best_objective_checked'])} on {result['targets_checked_on']} (the distance is "
             "the sum of weight x ((simulated - target) / sd)^2 over the fitted targets).", "",
             "## Parameters", "",
             "| parameter | best | posterior mean | 95% interval | bounds | prior | source |",
             "|---|---|---|---|---|---|---|"]
    for p in problem.parameters:
        q = post["parameters"].get(p.key)
        lines.append(f"| `{p.key}` | {_fmt(result['best'][p.key])} | {_fmt(q['mean']) if q else 'n/a'} | "
                     + (f"[{_fmt(q['q025'])}, {_fmt(q['q975'])}]" if q else "n/a")
                     + f" | [{p.low:g}, {p.high:g}] | {p.prior} | {p.source} |")
    lines += ["", f"Posterior: {post['trials']} exploring candidates, effective sample size "
                  f"{_fmt(post['effective_sample_size'])}"
              + (" (small: the intervals are rough; run more trials)" if post["effective_sample_size"] < 5 else "")
              + ".", "",
              f"## Targets ({result['targets_checked_on']})", "",
              "| target | value | band (95%) | simulated | 95% interval | inside | source |",
              "|---|---|---|---|---|---|---|"]
    for name, t in result["targets"].items():
        ci = t["ci95"]
        lines.append(f"| {name}{' (claim, not fitted)' if t['claim'] else ''} | {_fmt(t['target'])} | "
                     f"[{_fmt(t['band'][0])}, {_fmt(t['band'][1])}] | {_fmt(t['simulated'])} | "
                     f"[{_fmt(ci[0])}, {_fmt(ci[1])}] | {'yes' if t['inside'] else '**no**'} | {t['source']} |")
    observed = [(name, t["observed"]) for name, t in result["targets"].items() if t.get("observed")]
    if observed:
        lines += ["", "Targets from records:"] + [
            f"- {name}: {o['count']} calls of {', '.join(o['types'])} over {o['span_days']} days ({o['first']} to "
            f"{o['last']}) in `{o['calls_csv']}`; {o['rows_read']} rows read, {o['rows_skipped']} skipped"
            + (f", other services' calls left out: {o['other_services']}" if o["other_services"] else "")
            for name, o in observed]
    preset = result["preset"]
    use = (f"use it with `{preset['use']}`" if preset["installed"] else
           f"to use it with `{preset['use']}`, copy it into the project's `conf/calibration/` "
           "(or run with calibrate.install=true)")
    lines += ["", f"Every fitted target inside its band: **{'yes' if result['all_inside'] else 'no'}**.", "",
              f"Preset: `{preset['file']}`" + (f", installed as `{preset['installed']}`" if preset["installed"] else "")
              + f"; {use}.", "",
              "Figures: `targets.png` (targets against the calibrated model), `convergence.png` (the search). "
              "Every candidate: `trials.parquet`.", ""]
    return "\n".join(lines)
