"""The theory check takes any load (issue 17): rates go straight to the
dispatcher, not through per-resident range checks; any rate and server count
the theory accepts runs and matches it; errors name the key the user wrote."""
from __future__ import annotations

import pytest

from sim.core.checks import ConfigError
from sim.compose.loader import load_config
from sim.validate.cases import erlang_c, mmc_case as _mmc_case
from sim.validate.judge import judge
from sim.validate.runner import run_job


@pytest.mark.theory
def test_a_dispatch_centre_load_matches_erlang_c():
    """200 calls/h on 14 servers of 3.6 min (load 0.86), far above the old
    limit of about 34 calls/h: over 10 independent seeds of 7 days (320,000
    calls), theory lies inside the 99% interval of every check (P(wait), Wq,
    W, utilisation, Little's law twice), and utilisation is pinned to within
    VALIDATION.md's 0.01 (the load reaches the dispatcher exactly)."""
    case = _mmc_case("dispatch centre", 200.0, 60.0 / 3.6, 14, 7.0, "Erlang C")
    case.seeds, case.warmup_days = 10, 0.5
    values = [run_job(case.job_config(seed, quick=False), case.checks) for seed in range(case.seeds)]
    assert all(n > 20_000 for _, n in values)
    for k, check in enumerate(case.checks):
        result = judge([v[k] for v, _ in values], check, False, case.name, sum(n for _, n in values))
        assert abs(result.mean - result.theory) <= result.half99, (check.label, result.mean, result.theory,
                                                                   result.half99)
        if check.label == "utilisation":
            assert result.passed, (result.mean, result.half95)
    p_wait, _ = erlang_c(200.0, 60.0 / 3.6, 14)
    assert 0.2 < p_wait < 0.6  # a real queue, not an idle one


@pytest.mark.parametrize("rate,servers", [(0.01, 1), (34.5, 3), (200.0, 14), (2000.0, 200), (9999.0, 500)])
def test_any_rate_the_theory_accepts_is_accepted(rate, servers):
    cfg = load_config(["+experiment=queueing_check", f"queueing.arrival_rate_per_hour={rate}",
                       f"queueing.servers={servers}", "queueing.service_mean_min=1", "sim.days=1", "sim.warmup_days=0.1"])
    assert cfg.staffing.officers == servers and len(cfg.calls) == 1


@pytest.mark.parametrize("overrides,key", [
    (["queueing.arrival_rate_per_hour=0"], "queueing.arrival_rate_per_hour=0"),
    (["queueing.arrival_rate_per_hour=10001"], "queueing.arrival_rate_per_hour=10001"),
    (["queueing.arrival_rate_per_hour=true"], "queueing.arrival_rate_per_hour=True"),
    (["queueing.servers=0"], "queueing.servers=0"),
    (["queueing.servers=501"], "queueing.servers=501"),
    (["queueing.arrival_rate_per_hour=5000", "sim.days=365"], "sim.days=365"),
    (["queueing.service_mean_min=2000"], "queueing.service_mean_min=2000"),  # not the derived calls.class1 key
    (["calls_csv=tests/data/no_such.csv"], "calls_csv="),  # the check replaces the call types: refused, not ignored
])
def test_errors_name_the_key_the_user_wrote(overrides, key):
    with pytest.raises(ConfigError) as err:
        load_config(["+experiment=queueing_check", *overrides])
    assert str(err.value).startswith(key) and "calls.class" not in str(err.value)


def test_an_overloaded_queue_runs_with_a_warning():
    from sim.compose.sanity import warnings_for

    cfg = load_config(["+experiment=queueing_check", "queueing.arrival_rate_per_hour=9", "queueing.servers=3",
                       "sim.days=1", "sim.warmup_days=0.1"])
    assert any("load is 1 >= 1" in w for w in warnings_for(cfg))
