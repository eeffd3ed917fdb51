"""Every baseline configuration still writes what tests/baseline/<case>.json
says (``./dev baseline`` writes those files; this only reads them). A
failure names each summary value, table or column that moved."""
import json

import pytest

from tests.baseline.cases import CASES, HERE, differences, run_case


# the default district and the rural one in the quick tier (./dev test --fast); every other case, a run
# each (an exercise two), with the slow tests (./dev test runs them all)
QUICK_CASES = ("urban_core", "rural_mountain")


@pytest.mark.parametrize("case", [c if c in QUICK_CASES else pytest.param(c, marks=pytest.mark.slow) for c in CASES])
def test_outputs_match_baseline(case):
    path = HERE / f"{case}.json"
    assert path.exists(), f"no baseline for {case}: run ./dev baseline {case}"
    moved = differences(json.loads(path.read_text()), run_case(case))
    if moved:  # summary values first, then config keys, then table hashes
        pytest.fail(f"{case}: {len(moved)} output(s) moved (./dev baseline {case} rewrites it):\n"
                    + "\n".join(moved[:60]), pytrace=False)


def test_every_baseline_file_has_a_case():
    files = {p.stem for p in HERE.glob("*.json")}
    assert files == set(CASES), f"stale or missing baseline files: {sorted(files ^ set(CASES))}"


def test_differences_name_what_moved():
    old = {"files": {"summary.json": {"value": {"calls_total": 10}}, "calls.parquet": {"columns": {"t_min": "a"}}}}
    new = {"files": {"summary.json": {"value": {"calls_total": 11}}, "calls.parquet": {"columns": {"t_min": "b"}}}}
    assert differences(old, new) == ["files.summary.json.value.calls_total: 10 -> 11",  # what people read first
                                     "files.calls.parquet.columns.t_min: 'a' -> 'b'"]
    assert differences({"config": {"dispatch": {}}}, {"config": {"dispatch": {"delay_min": 5}}}) == [
        "config.dispatch.delay_min: new (5)"]
    assert differences(old, old) == []


def test_a_perturbed_run_does_not_match():
    """The net can catch something: another seed, or one more officer, moves
    the tables and the summary."""
    from tests.baseline import cases

    stored = json.loads((HERE / "urban_core.json").read_text())
    for extra in ("seed=1", "staffing.officers=4"):
        cases.CASES["_perturbed"] = (extra,)
        try:
            moved = differences(stored, run_case("_perturbed"))
        finally:
            del cases.CASES["_perturbed"]
        assert any(".columns." in m for m in moved) and any("summary.json" in m for m in moved), (extra, moved[:5])
