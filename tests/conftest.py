"""Shared helpers: configs are composed exactly as the command line does."""
from __future__ import annotations

from collections import Counter

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
    return load_config(["sim.progress=false", "sim.plots=false", "sim.workbook=false", *overrides])


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


# --- scheduling under xdist (./dev test = pytest -n 2) ----------------------------------------------------
# The default "load" scheduler hands out tests in collection (alphabetical) order in chunks, so the
# suite's longest tests (the many-seed validation cases, tests/test_validation.py) ran last and one
# worker idled while the other finished them. Instead, longest work first (the LPT rule): work units
# are whole modules (their module fixtures are built once, on one worker), except the modules below,
# whose tests share no module fixture and go out one test at a time; units with a long-running test
# go first, then the rest, and these modules' quick tests last, to fill the tail.
HEAVY = ("theory", "slow", "cluster", "browser")  # the long tiers (pyproject.toml markers)
ONE_BY_ONE = {"test_validation.py", "test_crime_effects.py", "test_sweep.py", "test_calibrate.py",
              "test_streaming.py"}  # no module-, class- or package-scoped fixture in any of them


def _one_by_one(nodeid: str) -> bool:
    return nodeid.split("::", 1)[0].rpartition("/")[2] in ONE_BY_ONE


def _longest_first(config) -> bool:
    """True for xdist's default distribution of `pytest -n N` ("load"), which the hooks below replace;
    a --dist chosen by hand (loadscope, loadgroup, ...) is left alone."""
    return config.pluginmanager.has_plugin("xdist") and config.getvalue("dist") == "load"


def pytest_collection_modifyitems(config, items):
    """Under xdist, in every worker alike: modules with long tests (most long tests first), then the
    long tests of the one-by-one modules (theory first), then the other modules (most tests first),
    then the one-by-one modules' quick tests; every module's tests together, in collection order."""
    if not getattr(config, "workerinput", {}).get("longest_first"):
        return
    heavy = {item: any(item.get_closest_marker(m) for m in HEAVY) for item in items}
    module_of = {item: item.nodeid.split("::", 1)[0] for item in items}
    tests, long_tests = Counter(module_of.values()), Counter(module_of[i] for i in items if heavy[i])
    first = {}  # module -> position of its first test
    for index, item in enumerate(items):
        first.setdefault(module_of[item], index)

    def rank(pair):
        index, item = pair
        module = module_of[item]
        if _one_by_one(item.nodeid):
            if not heavy[item]:
                return (3, 0, index)
            return (1, 0 if item.get_closest_marker("theory") else 1, index)
        if long_tests[module]:
            return (0, -long_tests[module], first[module], index)
        return (2, -tests[module], first[module], index)

    items[:] = [item for _, item in sorted(enumerate(items), key=rank)]


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """Tells the workers (whose own config says dist=no) to order their collection as above."""
    node.workerinput["longest_first"] = _longest_first(node.config)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Work units handed out one at a time, in the workers' collection order (see above)."""
    if not _longest_first(config):
        return None
    from xdist.scheduler import LoadScopeScheduling

    class LongestFirst(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return nodeid if _one_by_one(nodeid) else nodeid.split("::", 1)[0]

    config.option.loadscopereorder = False  # keep the collection order (loadscope's option; unused by "load")
    return LongestFirst(config, log)
