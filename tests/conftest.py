"""Shared helpers: configs are composed exactly as the command line does."""
from __future__ import annotations

import numpy as np
import pytest
import simpy

from sim.compose.loader import load_config
from sim.policing.dispatch import Call, Dispatcher
from sim.core.roles import ROLES, ROLE_CODE
from sim.core.fleet import Fleet


@pytest.fixture(scope="session", autouse=True)
def _own_gis_cache(tmp_path_factory):
    """Built GIS districts go to this session's folder (sim.geo.cache), never the user's ~/.cache;
    command-line runs the tests start inherit it."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SIM_CACHE_DIR", str(tmp_path_factory.mktemp("gis_cache")))
        yield


def config(*overrides: str):
    return load_config(["sim.progress=false", "sim.plots=false", *overrides])


def eligible(*roles: str) -> np.ndarray:
    mask = np.zeros(len(ROLES), dtype=bool)
    for r in roles:
        mask[ROLE_CODE[r]] = True
    return mask


def bare_dispatch(roles, posts=None, speed_m_per_min=100.0, travel=None, **kw):
    """A dispatcher over a fleet whose units are all on duty from t=0."""
    env = simpy.Environment()
    posts = np.zeros((len(roles), 2)) if posts is None else np.asarray(posts, float)
    fleet = Fleet(list(roles), posts, np.full(len(roles), speed_m_per_min))
    disp = Dispatcher(env, fleet, travel, **kw)
    for i in range(len(roles)):
        disp.set_on_duty(i, True)
    return env, fleet, disp


def make_call(call_id, t, roles=("officer", "auxiliary"), priority=2, scene=10.0, x=0.0, y=0.0):
    return Call(call_id, "test", priority, t, x, y, scene, eligible(*roles))


@pytest.fixture(scope="session")
def year_model_urban():
    from sim.run import simulate

    return simulate(config("sim.days=120", "policy=random_patrol"))
