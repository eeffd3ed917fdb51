"""District presets: size, population, land uses, offices, beats and grid cells."""
import numpy as np
import pytest

from sim.model import CommunityPolicingModel
from sim.core.space import LAND_USE_CODE, build_district
from tests.conftest import config


@pytest.mark.parametrize("preset,uses,offices,residents", [
    ("urban_core", {"residential", "commercial", "market", "school", "park"}, 1, 30000),
    ("rural_mountain", {"residential", "farmland", "road", "mountain", "market", "school"}, 1, 8000),
    ("city", {"residential", "commercial", "market", "school", "park"}, 8, 160000),
])
def test_presets_have_their_land_uses_offices_and_population(preset, uses, offices, residents):
    cfg = config(f"district={preset}")
    d = build_district(cfg.district, np.random.default_rng(0))
    assert d.residents.sum() == residents
    assert len(d.offices) == offices
    present = {u for u, code in LAND_USE_CODE.items() if (d.land_use == code).any()}
    assert uses <= present
    w_m, h_m = d.extent_m
    assert (w_m, h_m) == (cfg.district.width_m, cfg.district.height_m)
    for o, (ox, oy) in enumerate(d.offices):  # every office lies in its own area
        assert d.office_area[ox, oy] == o
    assert set(np.unique(d.office_area)) == set(range(offices))


def test_beats_split_each_office_area_among_its_officers():
    model = CommunityPolicingModel(config("district=city", "sim.days=1"))
    d = model.district
    assert len(d.beat_office) == 8 * 3  # one beat per officer: "fixed grid, fixed person"
    for b, office in enumerate(d.beat_office):
        assert (d.office_area[d.beat == b] == office).all()
    pops = np.array([d.residents[d.beat == b].sum() for b in range(len(d.beat_office))])
    area_pop = np.array([d.residents[d.office_area == d.beat_office[b]].sum() for b in range(len(pops))])
    np.testing.assert_allclose(pops / area_pop, 1 / 3, atol=0.05)  # equal-population beats
    officers = [a for a in model.staff if a.role == "officer"]
    assert sorted(a.beat for a in officers) == list(range(24))  # each beat has its named officer


def test_grid_cells_are_blocks_of_the_configured_size():
    cfg = config()
    d = build_district(cfg.district, np.random.default_rng(0))
    b = cfg.district.grid_block_cells
    assert len(np.unique(d.grid_block)) == (d.width // b) * (d.height // b)
    assert len(np.unique(d.grid_block[:b, :b])) == 1


def test_same_seed_same_district_other_seed_other_layout():
    cfg = config("district=rural_mountain")
    a = build_district(cfg.district, np.random.default_rng(1))
    b = build_district(cfg.district, np.random.default_rng(1))
    c = build_district(cfg.district, np.random.default_rng(2))
    assert (a.land_use == b.land_use).all() and (a.residents == b.residents).all()
    assert (a.land_use != c.land_use).any()


def test_ministry_norm_staffs_one_officer_per_3000_residents():
    model = CommunityPolicingModel(config("staffing=ministry_norm", "sim.days=1"))
    assert sum(a.role == "officer" for a in model.staff) == 10  # 30,000 / 3,000
    koban = CommunityPolicingModel(config("staffing=koban", "sim.days=1"))
    assert {a.role for a in koban.staff} == {"officer"}


def test_every_grid_cell_has_one_responsible_grid_worker():
    model = CommunityPolicingModel(config("district=city", "sim.days=1"))
    d = model.district
    owners = {}
    for unit, blocks in model.grid_worker_blocks.items():
        assert model.fleet.role_name[unit] == "grid_worker"
        for b in blocks:
            assert b not in owners  # one person per grid cell
            owners[int(b)] = unit
            # the worker's office serves more of the block than any other office
            served = np.bincount(d.office_area[d.grid_block == b], minlength=len(d.offices))
            assert served[model.fleet.office[unit]] == served.max()
    assert set(owners) == set(np.unique(d.grid_block).tolist())
    unit = next(iter(model.grid_worker_blocks))
    cells = model.patrol_area(unit, "beat")  # grid workers patrol their own grid cells
    assert set(np.unique(d.grid_block.ravel()[cells])) <= set(model.grid_worker_blocks[unit].tolist())


def test_more_grid_workers_than_grid_cells_still_patrol_somewhere():
    model = CommunityPolicingModel(config("staffing.grid_workers=40", "sim.days=1", "policy=random_patrol"))
    for unit in model.grid_worker_blocks:
        assert len(model.patrol_area(unit, "beat")) > 0
