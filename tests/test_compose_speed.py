"""load_configs validates a sweep's jobs on one shared composition without deep
copying it per job (sim.compose.loader._overridden); the shared tree must come back
unchanged after every job, whether the job passed or failed."""
from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

import sim.compose.loader
from sim.compose.loader import _load, _overridden, load_config, load_configs, to_config
from sim.core.checks import ConfigError


def plain(*overrides: str) -> list:
    return OverridesParser.create().parse_overrides(list(overrides))


@pytest.fixture(scope="module")
def base():
    return _load([])[0]


def leaves(cfg) -> list:
    """The leaf node objects the overrides below touch, to check the originals are back."""
    return [cfg._get_node("seed"), *(cfg.sim._get_node(key) for key in cfg.sim)]


def test_the_shared_composition_comes_back_unchanged(base):
    before, nodes = OmegaConf.to_yaml(base), leaves(base)
    with _overridden(base, plain("seed=7", "sim.days=182", "sim.record_every_min=${sim.tick_min}")) as cfg:
        assert to_config(cfg).sim.days == 182.0 and cfg.sim.record_every_min == 60.0
    with pytest.raises(Exception):  # the second value is rejected after the first was set
        with _overridden(base, plain("seed=7", "sim.days=abc")):
            pass
    with pytest.raises(ConfigError):  # set, then rejected by validation inside the block
        with _overridden(base, plain("seed=7", "sim.days=-1")) as cfg:
            to_config(cfg)
    assert OmegaConf.to_yaml(base) == before
    assert all(now is then for now, then in zip(leaves(base), nodes))


def test_plain_jobs_do_not_deep_copy_the_whole_tree(monkeypatch):
    copied = []
    real = copy.deepcopy

    def spy(x):
        copied.append(OmegaConf.is_config(x) and x._get_parent() is None)
        return real(x)

    monkeypatch.setattr(sim.compose.loader, "copy", SimpleNamespace(deepcopy=spy))
    load_configs([["seed=1", "sim.days=3"], ["seed=2", "calls.emergency.rate_per_1000_per_year=50"]])
    assert copied and not any(copied)


def test_each_job_equals_its_own_composition_on_every_path():
    """Repeated keys and keys new to a dict take the deep-copy path; an
    interpolation reads the job's own values, not the shared tree's."""
    jobs = [["seed=1", "seed=2"], ["sim.tick_min=30", "sim.record_every_min=${sim.tick_min}"],
            ["district.travel_cost_factor.road=3"], ["staffing.shifts.officer.hours=6", "staffing.posts_m=null"],
            ["seed=4"]]
    assert [repr(c) for c in load_configs(jobs)] == [repr(load_config(j)) for j in jobs]


@pytest.mark.parametrize("job", [["seed=1", "sim.days=abc"], ["district.travel_cost_factor.lava=3"],
                                 ["sim.days=7", "sim.warmup_days=${sim.days}"]])
@pytest.mark.slow  # the fast tier stays under 3 min (README "Tests")
def test_a_bad_job_gives_the_same_one_line_error(job):
    with pytest.raises(ConfigError) as alone:
        load_config(job)
    with pytest.raises(ConfigError) as swept:
        load_configs([["seed=3"], job, ["seed=4"]])
    assert str(swept.value) == str(alone.value)
