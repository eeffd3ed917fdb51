"""Every case of VALIDATION.md through the real model, at full precision:
mean over 20 seeds within tolerance and the 95% CI no wider than the
tolerance (sim/validate/). One test per case, so xdist spreads them."""
import pytest

from sim.validate.cases import Check, cases, erlang_c
from sim.validate.judge import judge
from sim.validate.runner import run_cases

CASES = cases()


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c.name for c in CASES])
@pytest.mark.theory
def test_case_matches_published_result(index):
    results = run_cases([index], quick=False, jobs=1)
    failed = [f"{r.check}: theory {r.theory:.5g}, simulated {r.mean:.5g} ± {r.half95:.2g} "
              f"(tolerance {r.tol:.2g})" for r in results if not r.passed]
    assert not failed, failed


def test_erlang_c_matches_the_published_table():
    """The formulas the checks use, against VALIDATION.md's numbers."""
    for (lam, mu, c), (p, wq) in {(2, 3, 1): (0.66667, 0.66667), (2, 3, 2): (0.16667, 0.04167),
                                  (1.5, 1, 3): (0.23684, 0.15789), (8, 1, 10): (0.40918, 0.20459)}.items():
        got = erlang_c(lam, mu, c)
        assert got == pytest.approx((p, wq), abs=5e-5)


def test_judge_fails_biased_or_imprecise_estimates():
    check = Check("x", lambda s, u: 0.0, theory=10.0, tol=0.5, source="t")
    assert judge([10.1, 9.9, 10.0, 10.05], check, False, "c", 1).passed
    assert not judge([10.8, 10.7, 10.9, 10.75], check, False, "c", 1).passed  # biased
    assert not judge([8.0, 12.0, 9.0, 11.0], check, False, "c", 1).passed  # too noisy to tell


def test_cached_job_config_equals_a_fresh_composition():
    from sim.compose.loader import load_config

    case = CASES[0]
    assert case.job_config(7, quick=True) == load_config(case.job_overrides(7, quick=True))


def test_quick_mode_passes_a_correct_model_and_catches_gross_errors():
    """Quick mode's own rule: |mean - theory| <= 2 x tolerance + the 99% half-width.
    A correct but noisy estimate passes; an error beyond what the report says it
    catches fails; the catch threshold is stated per check."""
    check = Check("x", lambda s, u: 0.0, theory=10.0, tol=0.5, source="t")
    noisy_but_right = [8.5, 11.5, 9.0, 11.0, 10.5, 9.5, 10.2, 9.8]
    passed = judge(noisy_but_right, check, True, "c", 1)
    assert passed.passed and passed.catches > 2 * check.tol
    wrong = [v + passed.catches for v in noisy_but_right]  # off by exactly what it claims to catch
    assert not judge(wrong, check, True, "c", 1).passed
    assert not judge(noisy_but_right, check, False, "c", 1).passed  # the full rule still wants precision
