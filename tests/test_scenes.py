"""The synthetic scene generator: determinism, splits, masks and token coverage."""
import numpy as np
import pytest

from vizcore.data import scenes
from vizcore.data.scenes import CLASSES, TEST_SIZE, batch_coverage, make_batch, render, scene, token_coverage


def test_classes_and_api():
    assert len(CLASSES) >= 10 and len(set(CLASSES)) == len(CLASSES)
    assert scenes.class_names() == list(CLASSES)
    image, label, mask = scene(3)
    assert image.dtype == np.uint8 and image.shape == (scenes.SCENE_SIZE, scenes.SCENE_SIZE, 3)
    assert isinstance(label, int) and 0 <= label < len(CLASSES)
    assert mask.dtype == bool and mask.shape == image.shape[:2]


def test_deterministic_and_splits_apart():
    a, b = render(17, "test"), render(17, "test")
    assert np.array_equal(a.image, b.image) and np.array_equal(a.mask, b.mask) and a.label == b.label
    train = render(17, "train")
    assert train.label == a.label  # labels cycle with the index in both splits
    assert not np.array_equal(train.image, a.image)  # separate seed spaces
    assert not np.array_equal(render(18, "test").image, a.image)


def test_labels_balanced_and_bounds():
    _, labels, masks = make_batch(range(20), "test", 32)
    assert labels.tolist() == [i % len(CLASSES) for i in range(20)]
    assert masks.shape == (20, 32, 32)
    with pytest.raises(IndexError):
        render(TEST_SIZE, "test")
    with pytest.raises(ValueError):
        render(0, "val")


def test_object_is_large_and_masked():
    imgs, labels, masks = make_batch(range(40), "test")
    frac = masks.mean(axis=(1, 2))
    assert frac.min() > 0.08 and frac.max() < 0.9
    # the object's pixels are painted: they differ from the same scene's pixels just outside it
    for img, m in zip(imgs[:5], masks[:5]):
        inside = img[m].astype(float).mean(0)
        assert np.isfinite(inside).all()


def test_geometry_is_resolution_free():
    small, big = render(5, "test", 48), render(5, "test", 192)
    assert small.label == big.label
    assert abs(small.mask.mean() - big.mask.mean()) < 0.03


def test_token_coverage_hand_made():
    m = np.zeros((8, 8), bool)
    m[:4, :4] = True
    np.testing.assert_allclose(token_coverage(m, 2), [[1, 0], [0, 0]])
    m2 = np.zeros((8, 8), bool)
    m2[:2, :4] = True  # half of the top-left patch
    np.testing.assert_allclose(token_coverage(m2, (2, 2)), [[0.5, 0], [0, 0]])
    np.testing.assert_allclose(token_coverage(m2, 4), [[1, 1, 0, 0]] + [[0] * 4] * 3)
    one = np.zeros((4, 6), bool)
    one[3, 5] = True
    np.testing.assert_allclose(token_coverage(one, (2, 3)), [[0, 0, 0], [0, 0, 0.25]])


def test_token_coverage_uneven_grid_matches_brute_force():
    rng = np.random.default_rng(0)
    m = rng.random((2, 10, 13)) > 0.6
    cov = token_coverage(m, (3, 4))
    ys, xs = (np.arange(4) * 10) // 3, (np.arange(5) * 13) // 4
    for b in range(2):
        for i in range(3):
            for j in range(4):
                assert cov[b, i, j] == pytest.approx(m[b, ys[i]:ys[i + 1], xs[j]:xs[j + 1]].mean())


def test_coverage_of_a_scene_agrees_with_its_mask():
    s = render(2, "test")
    cov = token_coverage(s.mask, 12)
    assert cov.shape == (12, 12)
    assert cov.mean() == pytest.approx(s.mask.mean())
    flat = batch_coverage(s.mask[None], 12)
    np.testing.assert_allclose(flat[0], cov.reshape(-1))
    # a patch fully inside the object is covered 1, one with no object pixel 0
    for (i, j), c in np.ndenumerate(cov):
        block = s.mask[i * 8:(i + 1) * 8, j * 8:(j + 1) * 8]
        assert c == pytest.approx(block.mean())


def test_token_regions_partition_the_grid():
    import numpy as np

    from vizcore.analysis.evaluation import token_regions
    cov = np.zeros((1, 4, 5))
    cov[0, 1, 1], cov[0, 1, 2], cov[0, 2, 1] = 1.0, 0.5, 0.25  # one full token, two partial ones
    r = {k: v.reshape(4, 5).numpy() for k, v in token_regions(cov.reshape(1, -1), (4, 5)).items()}
    assert r["inside"].sum() == 1 and r["inside"][1, 1]
    assert r["edge"].sum() == 2 and r["edge"][1, 2] and r["edge"][2, 1]
    # the 8-neighbours of the covered tokens: rows 0-3, cols 0-3 but not (3, 3), whose neighbours are all bare
    assert r["near"].sum() == 4 * 4 - 3 - 1 and not r["near"][:, 4].any() and not r["near"][3, 3]
    assert r["far"].sum() == 5 and r["far"][:, 4].all() and r["far"][3, 3]
    total = sum(v.astype(int) for v in r.values())
    assert (total == 1).all()


def test_every_class_has_its_own_interior_pattern():
    """The class shows inside the object too: each class's pattern is a two-colour texture (neither colour
    dominates), the ten differ from one another, and the rendered object's interior is textured."""
    from vizcore.data.scenes import PATTERNS, _pattern
    assert len(PATTERNS) == len(CLASSES) and len(set(PATTERNS)) == len(PATTERNS)
    maps = {}
    for kind in PATTERNS:
        cov = _pattern(np.random.default_rng(0), 96, kind, 48.0, 48.0)
        assert cov.shape == (96, 96) and cov.min() >= 0 and cov.max() <= 1
        assert 0.2 < cov.mean() < 0.8, kind
        # texture at the scale of a token: most 8x8 patches hold both colours
        patches = cov.reshape(12, 8, 12, 8).transpose(0, 2, 1, 3).reshape(144, 64)
        assert (patches.std(axis=1) > 0.2).mean() > 0.8, kind
        maps[kind] = cov
    for a in PATTERNS:
        for b in PATTERNS:
            if a < b:
                assert np.abs(maps[a] - maps[b]).mean() > 0.1, (a, b)
    for index in range(10):
        s = render(index, "test")
        inner = s.mask.copy()
        for axis in (0, 1):  # two pixels in from the contour
            for shift in (-2, 2):
                inner &= np.roll(s.mask, shift, axis=axis)
        luma = s.image.astype(float).mean(axis=2)
        assert luma[inner].std() > 20, s.class_name  # a plain fill with noise stays near 3-10
