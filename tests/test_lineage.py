"""Token lineage and token-fate pictures on hand-made traces."""
import numpy as np
import torch

from vizcore.analysis.lineage import fates, keep_precision, stage_fate, survival_depth
from vizcore.plots.token_fate import fate_picture, lineage_strip, merge_picture
from vizcore.trace import Stage, Trace


def _trace():
    # 2x3 grid; stage 1 keeps 0,2,4,5; stage 2 keeps 2,5; stage 3 (merge) is separate
    s1 = Stage(layer=1, kind="prune", kept=torch.tensor([[0, 2, 4, 5]]))
    s2 = Stage(layer=2, kind="fuse", kept=torch.tensor([[5, 2]]),
               fused_weights=torch.tensor([[0.7, 0, 0, 0, 0.3, 0]]))
    return Trace(grid=(2, 3), prefix=1, stages=[s1, s2], tokens_per_layer=[7, 5, 4],
                 macs_per_layer=[1.0, 1.0, 1.0])


def test_fates_follow_kept_indices():
    f1, f2 = fates(_trace())
    assert f1.alive.tolist() == [[True, False, True], [False, True, True]]
    assert f2.alive.tolist() == [[False, False, True], [False, False, True]]
    assert f1.tokens == 4 and f2.tokens == 2
    assert f2.fused[0, 0] == np.float32(0.7) and f1.fused is None
    assert survival_depth(_trace()).tolist() == [[1, 0, 2], [0, 1, 2]]


def test_merge_fate_from_source():
    # 4 patches -> 2 tokens: {0, 1} and {2, 3}
    source = torch.tensor([[[1.0, 1, 0, 0], [0, 0, 1, 1]]])
    f = stage_fate(Stage(layer=0, kind="merge", source=source), (2, 2))
    assert f.tokens == 2 and f.alive.all()
    assert f.group.tolist() == [[0, 0], [1, 1]]


def test_keep_precision():
    alive = np.array([[1, 1], [0, 0]], bool)
    coverage = np.array([[0.5, 0.0], [1.0, 0.0]])
    precision, share = keep_precision(alive, coverage)
    assert precision == 0.5 and share == 0.5


def test_pictures():
    view = np.full((60, 90, 3), 100, np.uint8)
    f1, f2 = fates(_trace())
    pic = fate_picture(view, f1)
    assert pic.shape == view.shape
    assert (pic[0:30, 30:60] > 200).all()      # dropped patch faded to white
    assert (pic[0:30, 0:30] == 100).all()      # kept patch untouched
    fused = fate_picture(view, f2)
    assert fused[5, 5, 0] > fused[5, 5, 1]     # the fused patch is tinted red
    checker = np.zeros((40, 40, 3), np.uint8)
    checker[:, 20:] = 200
    merged = merge_picture(checker, np.array([[0, 0], [0, 0]]))
    inner = merged[5:15, 5:15]
    assert np.allclose(inner, inner[0, 0]) and abs(int(inner[0, 0, 0]) - 100) <= 1  # mean colour
    strip = lineage_strip(view, fates(_trace()), 4, tile=32)
    assert strip.shape[1] >= 3 * 32


def test_fade_blends_dropped_patches_exactly():
    """fade's look-up table gives the float blend (1 - s) * v + s * towards, rounded, on dropped patches only."""
    from vizcore.plots.overlay import fade
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (48, 72, 3), dtype=np.uint8)
    keep = np.array([[True, False, True], [False, True, False]])
    for strength, towards in ((0.8, 255), (0.5, 0), (0.35, 128)):
        out = fade(image, keep, towards=towards, strength=strength)
        expected = ((1 - strength) * image.astype(np.float64) + strength * towards).round().astype(np.uint8)
        dropped = np.kron(~keep, np.ones((24, 24), bool))
        assert out.dtype == np.uint8 and out.shape == image.shape
        assert (out[~dropped] == image[~dropped]).all()
        assert np.abs(out[dropped].astype(int) - expected[dropped]).max() <= 1  # float32 vs float64 rounding
