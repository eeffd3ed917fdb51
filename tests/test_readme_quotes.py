"""The README's model figures are the ones ``./dev docs`` wrote (docs/make_quotes.py,
docs/quotes.json), not copied by hand (issue 23). Nothing is run here."""
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def mq():
    spec = importlib.util.spec_from_file_location("make_quotes", ROOT / "docs" / "make_quotes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def readme():
    return (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def values(mq):
    return mq.all_values(json.loads((ROOT / "docs" / "quotes.json").read_text(encoding="utf-8")))


def test_the_readme_quotes_what_the_script_wrote(mq, readme, values):
    assert mq.render(readme, values) == readme, "README figures differ from docs/quotes.json: run ./dev docs"


def test_every_figure_is_quoted_and_every_quote_has_a_figure(mq, readme, values):
    used = mq.used_keys(readme)
    assert set(values) - used == set(), "figures in docs/quotes.json the README does not quote"
    assert used - set(values) == set(), "README markers without a figure in docs/quotes.json"
    assert len(used) >= 50 and {"ss_180_mean", "nvr_mean", "pl_urban_core_calls"} <= used
    assert {m[1] for m in mq.BLOCK.findall(readme)} == set(mq.TEMPLATES)


def test_every_block_was_run_and_recorded(mq):
    quotes = json.loads((ROOT / "docs" / "quotes.json").read_text(encoding="utf-8"))
    assert set(quotes["blocks"]) == set(mq.BLOCKS)
    for block in quotes["blocks"].values():
        assert block["seconds"] > 0 and block["generated_utc"] and block["values"]


def test_a_hand_edited_figure_is_caught(mq, readme, values):
    key = "ss_180_mean"
    marked = f"<!-- q:{key} -->{values[key]}<!-- /q -->"
    assert marked in readme
    edited = readme.replace(marked, f"<!-- q:{key} -->31.2<!-- /q -->")
    assert mq.render(edited, values) != edited and mq.render(edited, values) == readme
    table = readme.replace(f"| urban_core | {values['pl_urban_core_p1']} |", "| urban_core | 3.6 (41%, 99%, 100%) |")
    if table != readme:
        assert mq.render(table, values) == readme
    with pytest.raises(KeyError, match="no_such_figure"):
        mq.render("<!-- q:no_such_figure -->1<!-- /q -->", values)


def test_a_figure_whose_direction_changed_stops_the_script(mq):
    with pytest.raises(mq.SignChanged, match="rewrite it"):
        mq.expect(False, "1+8+0 raises the mean response time")
    assert mq.pts(-0.174) == "-17.4" and mq.f2(0.3712) == "0.37"
