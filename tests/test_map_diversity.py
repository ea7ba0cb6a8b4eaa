"""How alike WuKong's maps are, and where they peak (vizcore.analysis.map_diversity)."""
import numpy as np

from vizcore.analysis.map_diversity import diversity, pairwise_cosine, peak_regions


def _objects():
    obj = np.zeros((2, 16))
    obj[0, [0, 1]] = 1.0  # object 0 covers patches 0 and 1
    obj[1, [9]] = 0.5  # object 1 touches patch 9
    return obj


def test_identical_maps_are_one_region_with_cosine_one():
    m = np.tile(np.linspace(1, 2, 16), (4, 1))
    m /= m.sum(1, keepdims=True)
    r = diversity(m[None], [_objects()])
    assert np.isclose(r["cosine"], 1.0) and np.isclose(r["distinct_peaks"], 1 / 4)
    assert r["peaks_on_objects"] == 0.0  # all peak on patch 15, on the background


def test_maps_on_different_objects_and_cells():
    m = np.full((4, 16), 0.01)
    m[0, 1] = m[1, 9] = m[2, 5] = m[3, 0] = 1.0  # objects 0, 1, background 5, object 0 again
    assert peak_regions(m, _objects()).tolist() == [0, 1, 2 + 5, 0]
    r = diversity(m[None], [_objects()])
    assert np.isclose(r["distinct_peaks"], 3 / 4) and np.isclose(r["peaks_on_objects"], 3 / 4)
    assert r["cosine"] < 0.2
    rows = m / m.sum(1, keepdims=True)
    assert np.isclose(r["object_mass"], rows[:, [0, 1, 9]].sum(1).mean()) and np.isclose(r["object_share"], 3 / 16)


def test_pairwise_cosine_matches_definition():
    rng = np.random.default_rng(0)
    m = rng.random((3, 7))
    c = pairwise_cosine(m)
    assert np.isclose(c[0, 1], m[0] @ m[1] / np.linalg.norm(m[0]) / np.linalg.norm(m[1]))
    assert np.allclose(np.diag(c), 1.0)
