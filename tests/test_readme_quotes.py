"""The README's model figures are the ones ``./dev docs`` wrote (docs/make_quotes.py,
docs/quotes.json), not copied by hand (issue 23). Nothing is run here."""
import importlib.util
import json
import re
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
    with pytest.raises(mq.SignChanged, match="rewrite the README"):
        mq.expect(False, "1+8+0 raises the mean response time")
    assert mq.pts(-0.174) == "-17.4" and mq.f2(0.3712) == "0.37"


def test_no_marker_sits_where_markdown_would_show_it(readme):
    """A marker inside a code span or block is printed literally on GitHub instead of hidden."""
    from markdown_it import MarkdownIt

    shown = [t for t in MarkdownIt("commonmark").enable("table").parse(readme) if t.type in ("fence", "code_block")]
    for token in MarkdownIt("commonmark").enable("table").parse(readme):
        for child in token.children or []:
            if child.type == "code_inline":
                shown.append(child)
    marker = re.compile(r"<!-- (q:[a-z0-9_]+|/q|quote:[a-z0-9_]+.*?|/quote:[a-z0-9_]+) -->")
    examples = {"<!-- q:KEY -->0.37<!-- /q -->"}  # the README's own description of a marker
    leaks = [t.content for t in shown if marker.search(t.content) and t.content not in examples]
    assert leaks == [], f"markers inside code: {leaks[:3]}"


def test_the_readme_markers_are_well_formed(mq, readme):
    mq.check_markers(readme)


@pytest.mark.parametrize("text", [
    "<!-- q:a -->1<!-- /q:a --> prose\n## Heading\n<!-- q:b -->2<!-- /q -->",  # a mistyped closer
    "<!-- q:a -->1 and prose",  # never closed
    "<!--q:a-->1<!-- /q -->",  # malformed opener
    "<!-- quote:t -->\nstray\n## Section\n<!-- quote:t -->\nB\n<!-- /quote:t -->\n",  # an opener twice
])
def test_a_malformed_marker_stops_the_script_before_it_swallows_text(mq, text):
    """A marker typo must not let the next render replace the prose after it (issue 23 review)."""
    with pytest.raises(mq.MarkerError):
        mq.check_markers(text)
    assert mq.render(text, {"a": "1", "b": "2"}, []).count("prose") == text.count("prose")


def test_a_figure_that_would_break_its_marker_is_refused(mq):
    with pytest.raises(mq.MarkerError, match="comment marker"):
        mq.check_value("block", "key", "X<!-- /q -->TAIL")
    with pytest.raises(mq.MarkerError, match="blocks aa and bb"):
        mq.all_values({"blocks": {"aa": {"values": {"k": "1"}}, "bb": {"values": {"k": "2"}}}})
