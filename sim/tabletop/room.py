"""The model the browser shows: the simulation plus its exercise session.

Mesa's SolaraViz steps it (``step``: one tick of ``tick_min`` minutes, firing
the script's injects on time) and rebuilds it on Reset from its one keyword,
``overrides``. The room's decisions go through ``session.fire``; ``finish``
plays the rest of the exercise and writes the run, the counterfactual and the
after-action report.
"""
from __future__ import annotations

import os
import threading
import time
from datetime import datetime
from pathlib import Path

from sim.compose.loader import load_config
from sim.run_exercise import write_exercise
from sim.exercise.session import ExerciseSession
from sim.model import CommunityPolicingModel
from sim.run import prepare_dir

OUT_ENV = "SIM_TABLETOP_OUT"  # where Finish writes (set by python -m sim.tabletop from hydra.run.dir)
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

    def step(self) -> None:
        with self.lock:
            self._step()

    def _step(self) -> None:
        if self.session.finished:
            self.running = False
            return
        self.session.advance(self.env.now + self.tick_min)
        self.sync_cells()
        if self.session.finished:
            self._finish()  # closes the run as the headless path does (and stops the Play button)

    def jump_to(self, t_min: float) -> None:
        """Run forward to ``t_min`` (never back: the past has happened)."""
        if t_min > self.env.now:
            self.session.advance(t_min)
            self.sync_cells()
        if self.session.finished:
            self._finish()

    def finish(self, out_dir: str | Path | None = None) -> Path:
        """Play to the end; write the run, decisions.parquet, the counterfactual
        and after_action.html; return the report's path."""
        out = prepare_dir(out_dir or os.environ.get(OUT_ENV) or default_out_dir(), self.cfg)
        self.session.finish()
        write_exercise(self.session, out, list(self.overrides), self.started)
        self.running = False
        self.report = out / "after_action.html"
        return self.report
