"""Scene set 2, "which shape appears twice": determinism, labels recomputable from the parts, masks equal to
what is drawn, the painting window equal to a full-size paint, and the scene-set plumbing."""
import math

import numpy as np
import pytest

from vizcore.data import SCENE_SETS, model_scenes, scene_set, scenes, scenes_v2
from vizcore.data.scenes import PATTERNS, _outline, _patterned_fill, _place, _raster
from vizcore.data.scenes_v2 import CLASSES, OTHERS, RADIUS, TEST_SIZE, label_of, make_batch, render


def test_deterministic_and_seed_space_apart():
    a, b = render(31, "test"), render(31, "test")
    assert np.array_equal(a.image, b.image) and np.array_equal(a.mask, b.mask) and a.parts == b.parts
    assert not np.array_equal(render(31, "train").image, a.image)
    assert not np.array_equal(scenes.render(31, "test").image, a.image)  # its own seed space, not v1's
    with pytest.raises(IndexError):
        render(TEST_SIZE, "test")
    with pytest.raises(ValueError):
        render(0, "val")


def test_label_is_the_class_that_appears_twice():
    for i in range(60):
        s = render(i, "test")
        counts = np.bincount([p.label for p in s.parts], minlength=len(CLASSES))
        assert counts[s.label] == 2 and s.label == i % len(CLASSES)
        assert sorted(set(counts.tolist())) in ([0, 1, 2], [0, 2])  # everything else at most once
        assert OTHERS[0] + 2 <= len(s.parts) <= OTHERS[1] + 2
        assert label_of(s.parts) == s.label
    with pytest.raises(ValueError):
        label_of(s.parts[:1])  # no pair


def test_shapes_small_apart_and_inside():
    for i in range(40):
        s = render(i, "train")
        for p in s.parts:
            assert RADIUS[0] * 96 - 1e-9 <= p.r <= RADIUS[1] * 96 + 1e-9
            assert p.r <= p.cx <= 96 - p.r and p.r <= p.cy <= 96 - p.r
        for k, p in enumerate(s.parts):
            for q in s.parts[k + 1:]:
                assert math.hypot(p.cx - q.cx, p.cy - q.cy) > p.r + q.r  # never overlapping


def test_masks_are_the_drawn_shapes():
    s = render(7, "test")
    union, pair = np.zeros((96, 96), bool), np.zeros((96, 96), bool)
    for p in s.parts:
        cov = _raster([(_place(pts, p.cx, p.cy, p.r, p.angle, p.stretch), f) for pts, f in _outline(p.class_name)], 96)
        union |= cov >= 0.5
        if p.label == s.label:
            pair |= cov >= 0.5
    assert np.array_equal(s.mask, union) and np.array_equal(s.pair_mask, pair)
    assert s.pair_mask.sum() < s.mask.sum() and not (s.pair_mask & ~s.mask).any()
    # what is drawn: inside the shapes the image is not the clutter-free background's plain pixels, and the
    # mask follows the shapes when the scene is rendered at another resolution
    big = render(7, "test", 192)
    assert abs(big.mask.mean() - s.mask.mean()) < 0.01
    _, _, masks = make_batch(range(40), "test")
    share = masks.mean(axis=(1, 2))
    assert 0.03 < share.min() and share.max() < 0.3


def test_painting_window_equals_full_paint():
    colour = np.array([0.2, 0.5, 0.7], np.float32)
    for k, kind in enumerate(PATTERNS):
        box = (10 + k, 47 + k, 20, 61)
        full = _patterned_fill(np.random.default_rng(k), 96, colour, kind, 30.0, 40.0)
        crop = _patterned_fill(np.random.default_rng(k), 96, colour, kind, 30.0, 40.0, box)
        np.testing.assert_array_equal(full[box[0]:box[1], box[2]:box[3]], crop)


def test_scene_sets_share_one_interface():
    assert scene_set(1) is scenes and scene_set(2) is scenes_v2 and set(SCENE_SETS) == {1, 2}
    for mod in SCENE_SETS.values():
        img, label, mask = mod.scene(3)
        assert img.shape == (96, 96, 3) and mask.shape == (96, 96) and 0 <= label < len(mod.CLASSES)
    with pytest.raises(ValueError):
        scene_set(9)

    class Model:
        pretrained_cfg = {"scenes": 2}
    assert model_scenes(Model()) is scenes_v2
    Model.pretrained_cfg = {}
    assert model_scenes(Model()) is scene_set(None)
