"""The exercise pipeline: play, write, replay without the trainees, report.

``python -m sim +exercise=NAME hydra.run.dir=DIR`` (and the browser app's
"Finish" button) end here. DIR gets the usual run outputs (calls, units,
incidents, timeseries, summary.json with the exercise's own numbers),
``decisions.parquet`` (the log), ``counterfactual/`` (the same seed with the
log's injects but none of its actions) and ``after_action.html``; DONE last.
Everything the run writes for people (the log's effects and clock, the
report) is in the run's language (``lang``); the headless run ends by naming
the report, the counterfactual folder and the log on stderr.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from sim.config import Config
from sim.exercise.report import COUNTERFACTUAL_DIR, where_lines, write_report
from sim.exercise.replay import load_replay
from sim.exercise.session import ExerciseSession
from sim.model import CommunityPolicingModel
from sim.core.outdir import write_atomic
from sim.i18n import language
from sim.run import mark_done, prepare_dir, write_outputs


def run_exercise(cfg: Config, out_dir: str | Path, overrides: list[str] | None = None,
                 progress: bool = True) -> dict:
    """Headless: the script's injects and actions (or a session's log, with
    ``exercise.replay``), then the outputs and the report."""
    with language(cfg.lang):
        out = prepare_dir(out_dir, cfg)
        started = time.perf_counter()
        replay = load_replay(cfg.exercise.replay, cfg) if cfg.exercise.replay else None
        session = ExerciseSession(CommunityPolicingModel(cfg), replay=replay)
        session.finish()
        summary = write_exercise(session, out, overrides, started)
        print("\n".join(where_lines(Path(out).resolve(), cfg.exercise.counterfactual)), file=sys.stderr)
    return summary


def write_exercise(session: ExerciseSession, out: Path, overrides: list[str] | None, started: float,
                   lang: str | None = None) -> dict:
    """Outputs of a finished session, its counterfactual and the after-action
    report, in ``lang`` (default: the run's, ``cfg.lang``)."""
    with language(lang or session.cfg.lang):
        return _write_exercise(session, out, overrides, started)


def _write_exercise(session: ExerciseSession, out: Path, overrides: list[str] | None, started: float) -> dict:
    model, cfg = session.model, session.cfg
    write_decisions(session, out)
    summary = write_outputs(model, out, overrides, started, extra=session.summary(), done=False)
    counterfactual = None
    if cfg.exercise.counterfactual:
        cf_out = prepare_dir(out / COUNTERFACTUAL_DIR, cfg)
        cf_started = time.perf_counter()
        injects = [d.row() for d in session.log if d.category == "inject"]
        cf = ExerciseSession(CommunityPolicingModel(cfg), replay=injects)
        cf.finish()
        write_decisions(cf, cf_out)
        counterfactual = write_outputs(cf.model, cf_out, overrides, cf_started, extra=cf.summary())
    write_report(out, cfg, summary, counterfactual)
    mark_done(out, cfg)
    return summary


def write_decisions(session: ExerciseSession, out: Path) -> None:
    path = out / "decisions.parquet"
    with write_atomic(path, "wb") as f:
        pq.write_table(session.decisions_table(), f)
