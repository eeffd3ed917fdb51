"""The sampling shortcuts of the hot paths draw exactly what numpy's
``Generator.choice`` draws, so outputs stay byte-identical."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.rng import choice_cdf, draw_index


@settings(max_examples=200, deadline=None)
@given(weights=st.lists(st.floats(0.0, 1e6, allow_nan=False), min_size=1, max_size=400),
       seed=st.integers(0, 2**63 - 1))
def test_draw_index_equals_generator_choice(weights, seed):
    w = np.array(weights)
    if w.sum() <= 0:
        w[0] = 1.0
    p = w / w.sum()
    ours, numpys = np.random.default_rng(seed), np.random.default_rng(seed)
    cdf = choice_cdf(p)
    for _ in range(30):
        assert draw_index(ours, cdf) == int(numpys.choice(len(p), p=p))
    assert ours.random() == numpys.random()  # the same number of uniforms consumed


def test_draw_index_never_picks_a_zero_weight():
    p = np.array([0.0, 0.5, 0.0, 0.5, 0.0])
    rng = np.random.default_rng(3)
    picks = {draw_index(rng, choice_cdf(p)) for _ in range(2000)}
    assert picks == {1, 3}
