"""The parameter reference (issue 23): every config key documented from its
schema (unit, default, range, source, description), docs/parameters.md current,
``python -m sim --help-params [GROUP]``."""
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.compose.param_docs import collect, split_comment, unit_of
from sim.compose.param_render import DOC_PATH, markdown
from sim.config import Config
from sim.core.checks import _range

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def params():
    return collect()


def test_every_key_has_a_description_and_a_source(params):
    missing = [p.key for p in params if not p.description or not p.source]
    assert missing == [], ("these config keys need a comment with a description and a source "
                           f"(DOMAIN.md §N, seed NNN, a paper, 'assumption', 'user choice'): {missing}")
    assert all(p.unit and p.default for p in params)
    assert len(params) > 300


def test_every_key_of_the_composed_config_is_in_the_reference(params):
    """Independent of the walk: the keys OmegaConf sees, maps' names as NAME."""
    tree = OmegaConf.to_container(OmegaConf.structured(Config))
    documented = {p.key for p in params}
    maps = {p.key.split(".NAME.")[0] for p in params if ".NAME." in p.key}

    lists = {p.key.split("[].")[0] for p in params if "[]." in p.key}

    def leaves(node, prefix):
        key = prefix.rstrip(".")
        if isinstance(node, dict) and key not in documented:
            for k, v in node.items():
                yield from leaves(v, f"{prefix}{'NAME' if key in maps else k}.")
        else:
            yield key

    seen = set(leaves(tree, ""))
    assert seen - documented - lists == set()
    assert {"travel.turnout_min", "calls.NAME.priority", "staffing.shifts.NAME.hours", "plan.budget_kyuan_per_year",
            "district.gis.areas", "seed"} <= seen


def test_the_reference_file_is_current(params):
    text = (ROOT / DOC_PATH).read_text(encoding="utf-8")
    assert text == markdown(params), "docs/parameters.md is stale: run ./dev docs"


def test_each_key_has_a_row_with_unit_default_and_source(params):
    rows = {line.split(" | ")[0].strip("| `"): line.split(" | ") for line in markdown(params).splitlines()
            if line.startswith("| `") and " | " in line}
    for p in params:
        cells = rows[p.key]
        assert cells[1].strip() == p.unit.replace("|", "\\|") and cells[2] == f"`{p.default}`"
        assert p.source.replace("|", "\\|") in cells[4]
    turnout = next(p for p in params if p.key == "travel.turnout_min")
    assert (turnout.unit, turnout.default, turnout.range) == ("min", "1.0", "[0, 60]")
    assert turnout.source.startswith("DOMAIN §3, seed 000") and turnout.description == "assignment to departure"


def test_ranges_are_read_from_the_checks(params):
    by_key = {p.key: p for p in params}
    assert by_key["sim.tick_min"].range == "(0, 1 440]"
    assert by_key["policy.patrol_scope"].range == "one of: beat, office_area"
    assert by_key["policy.patrol_roles"].range.startswith("each one of: officer")
    assert by_key["calls.NAME.rate_per_1000_per_year"].range == "[0, 10 000]"  # validate(derived=False)
    assert by_key["travel.speed_kmh"].range == "each key one of: foot, ebike, car; each value [0.5, 200]"
    assert by_key["crime.residual_decay_min"].range == "(0, 10 080]"  # a BOUNDS table
    assert "festival_crowd: [10, 100 000], default 300.0" in by_key["exercise.injects[].radius_m"].range


@dataclass
class _Probe:
    described: float = 1.0  # a described key; assumption
    # the words above a key count too
    undescribed: float = 2.0  # only words here
    bare_m: int = 3

    def validate(self, path: str) -> None:
        _range(f"{path}.described", self.described, 0, 5, lo_open=True)


def test_a_key_without_a_source_or_description_is_caught():
    probe = {p.key: p for p in collect(_Probe, "probe.", "probe", _Probe())}
    assert (probe["probe.described"].description, probe["probe.described"].source) == ("a described key", "assumption")
    assert probe["probe.described"].range == "(0, 5]"
    assert probe["probe.undescribed"].source == ""
    assert probe["probe.undescribed"].description == "the words above a key count too; only words here"
    assert (probe["probe.bare_m"].description, probe["probe.bare_m"].source, probe["probe.bare_m"].unit) == ("", "", "m")


@pytest.mark.parametrize("comment, expected", [
    ("simulated days; assumption: 4 weeks", ("simulated days", "assumption: 4 weeks")),
    ("timeseries resolution, minutes (issue 2: hourly)", ("timeseries resolution, minutes", "issue 2: hourly")),
    ("hot cells (2.5% of 400); Sherman & Weisburd 1995 treated ~2%", ("hot cells (2.5% of 400)",
                                                                    "Sherman & Weisburd 1995 treated ~2%")),
    ("DOMAIN §1, seed 000", ("", "DOMAIN §1, seed 000")),
    ("progress bar on long runs", ("progress bar on long runs", "")),
])
def test_split_comment(comment, expected):
    assert split_comment(comment) == expected


@pytest.mark.parametrize("name, unit", [
    ("turnout_min", "min"), ("aux_per_officer_min", "per officer"),
    ("crimes_per_1000_max", "per 1,000 residents a year"),
    ("speed_kmh", "km/h"), ("budget_kyuan_per_year", "thousand yuan a year"), ("days", "days"),
    ("camera_share", "share 0-1"), ("volunteer_hours_per_week_max", "h a week"), ("floor_m2", "m²"),
    # bounds named _min/_max take the bounded quantity's unit, not minutes (issue 23)
    ("saturation_max", "share 0-1"), ("replications_min", "replications"), ("replications_max", "replications"),
    ("officers_min_per_shift", "people per shift"), ("aux_per_officer_max", "per officer"),
    ("escalation_prob_max", "probability 0-1"), ("p1_within_min", "min"), ("escalate_after_min_p1", "min"),
    ("displacement_min_m", "m"),
])
def test_unit_from_the_name(name, unit):
    assert unit_of(name) == unit


def test_units_are_the_workbooks_units():
    """One table of units (sim.output.labels.UNIT_SUFFIXES, translated for the workbooks and figures): the
    reference shows its English words for every suffix, as a run's workbook does (issue 23 review)."""
    from sim.i18n import language
    from sim.output import labels

    with language("en"):
        for suffix, unit in labels.UNIT_SUFFIXES:
            assert unit_of(f"some_quantity{suffix}") == unit == labels.unit_of(f"some_quantity{suffix}"), suffix
    suffixes = [s for s, _unit in labels.UNIT_SUFFIXES]
    shadowed = [(a, b) for i, a in enumerate(suffixes) for b in suffixes[i + 1:] if b.endswith(a)]
    assert shadowed == []  # the first match wins: a longer suffix first


def test_help_params_prints_a_group_and_refuses_an_unknown_one(monkeypatch, capsys):
    import sim.__main__ as cli

    monkeypatch.setattr(sys, "argv", ["sim", "--help-params", "travel"])
    cli.main()
    out = capsys.readouterr().out
    assert out.startswith("travel (3 keys") and "travel.turnout_min  float, min, default 1.0" in out
    assert "district." not in out
    monkeypatch.setattr(sys, "argv", ["sim", "--help-params", "nosuch"])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nosuch" in err[0] and "calls" in err[0] and "plan" in err[0]


@pytest.mark.parametrize("argv, groups", [
    (["--help-params=travel"], ["travel"]),
    (["travel", "--help-params"], ["travel"]),
    (["--help-params", "travel", "kpi"], ["travel", "kpi"]),
    (["sim.days=1", "--help-params"], ["sim.days=1"]),  # an override is not a group: refused by help_params
    (["sim.days=1"], None),
])
def test_help_params_is_found_anywhere_and_takes_several_groups(argv, groups, monkeypatch, capsys):
    import sim.__main__ as cli

    assert cli.help_params_args(argv) == groups
    if groups == ["travel", "kpi"]:
        monkeypatch.setattr(sys, "argv", ["sim", *argv])
        cli.main()
        out = capsys.readouterr().out
        assert out.startswith("travel (3 keys") and "\nkpi (" in out
