"""The model the browser shows: the simulation plus its exercise session.

``step`` runs one tick of ``tick_min`` minutes (firing the script's injects on
time), ``jump_to`` runs forward to a time; the room's decisions go through
``session.fire``; ``finish`` plays the rest of the exercise and writes the run,
the counterfactual and the after-action report. Whoever calls these holds
``lock`` (the pages of a session and its Play thread share one model).
"""
from __future__ import annotations

import os
import threading
import time
from datetime import datetime
from pathlib import Path

from sim.compose.loader import load_config
from sim.exercise.report import COUNTERFACTUAL_DIR
from sim.exercise.session import ExerciseSession
from sim.model import CommunityPolicingModel
from sim.run import prepare_dir
from sim.run_exercise import write_exercise

OUT_ENV = "SIM_TABLETOP_OUT"  # where sessions write (set by python -m sim.tabletop from hydra.run.dir)
OVERRIDES_ENV = "SIM_TABLETOP_OVERRIDES"  # the command line's overrides, a JSON list, for the pages
LANG_ENV = "SIM_TABLETOP_LANG"  # the pages' and the console's default language (lang=zh)
TICK_CHOICES_MIN = (5, 15, 30, 60, 120, 240)  # minutes per step the page offers; assumption


def default_out_dir() -> Path:
    return Path("runs") / "tabletop" / datetime.now().strftime("%Y-%m-%d") / datetime.now().strftime("%H-%M-%S")


class TabletopModel(CommunityPolicingModel):
    def __init__(self, overrides: tuple[str, ...] = ()):
        self.overrides = tuple(overrides)
        self.lock = threading.RLock()  # Play steps in a thread while the room clicks
        cfg = load_config(["sim.progress=false", *self.overrides])
        super().__init__(cfg)
        self.tick_min = float(cfg.sim.tick_min)
        self.session = ExerciseSession(self, actions=False)  # the room decides, not the script
        self.session.advance(self.warmup_min)  # the room starts where the exercise does
        self.sync_cells()
        self.started = time.perf_counter()
        self.report: Path | None = None
        self.outputs: dict[str, Path] | None = None

    def step(self) -> None:
        with self.lock:
            if self.session.finished:
                self.running = False
                return
            self.session.advance(self.env.now + self.tick_min)
            self.sync_cells()

    def jump_to(self, t_min: float) -> None:
        """Run forward to ``t_min`` (never back: the past has happened)."""
        with self.lock:
            if t_min > self.env.now:
                self.session.advance(t_min)
                self.sync_cells()

    def finish(self, out_dir: str | Path | None = None) -> Path:
        """Play to the end; write the run, decisions.parquet, the counterfactual
        and after_action.html; return the report's path (``outputs`` names all three)."""
        from sim.tabletop.figures import fonts

        with self.lock, fonts():  # the run's and the report's figures in Chinese too, whatever the server left
            out = prepare_dir(out_dir or os.environ.get(OUT_ENV) or default_out_dir(), self.cfg)
            self.session.finish()
            write_exercise(self.session, out, list(self.overrides), self.started)
            self.running = False
            self.report = out / "after_action.html"
            self.outputs = {"folder": out, "report": self.report, "decisions": out / "decisions.parquet",
                            "counterfactual": out / COUNTERFACTUAL_DIR}
            return self.report
