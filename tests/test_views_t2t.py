"""The T2T soft-split page's views without Streamlit: the splits' schedule and the output-size formula against
``nn.Unfold`` itself, overlap counts against a count over the windows, a token's footprint against autograd
through a chain of unfolds, the click-to-token mapping at the edges, the real shapes of a tiny model, and
that other control values give other views."""
import dataclasses
import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from vizcore.analysis.t2t import token_at
from vizcore.geometry.unfold import T2T_STAGES, receptive_box
from vizcore.models.t2t import T2TViT
from vizcore.views import t2t as views

SMALL = ((7, 4, 2), (3, 2, 1), (3, 1, 1))  # bundled_t2t's splits: 96 px -> 24x24 -> 12x12 -> 12x12


def _model(img_size=224, stages=T2T_STAGES, token_dim=64):
    torch.manual_seed(0)
    return T2TViT(img_size=img_size, embed_dim=32, depth=1, num_heads=2, mlp_ratio=2.0, num_classes=10,
                  token_dim=token_dim, soft_split=stages).eval()


@pytest.fixture(scope="module")
def t2t224():
    return _model()


@pytest.fixture(scope="module")
def small():
    return _model(96, SMALL, token_dim=16)


def _unfold_grid(hw, k, s, p):
    """The output grid of a real ``F.unfold`` (its token count, reshaped by the formula's own sides)."""
    cols = F.unfold(torch.zeros(1, 1, *hw), k, stride=s, padding=p)
    return cols.shape[-1]


# ---------------------------------------------------------------------------------------- the splits
def test_paper_schedule_at_224(t2t224):
    v = views.splits_view(t2t224, (224, 224), T2T_STAGES)
    assert [(r["tokens"], r["token_dim"]) for r in v.schedule] == [(3136, 147), (784, 576), (196, 576)]
    assert v.formulas[0] == "⌊(224 + 2·2 − 7) / 4⌋ + 1 = 56" and v.formulas[2].endswith("= 14")
    assert v.results[1] == {"n": 2, "h": 28, "w": 28, "L": 784, "d": 576, "c": 64, "k": 3}
    assert v.final_grid == (14, 14) and v.n_tokens == 196 and v.hard == (16, 16, 0)
    assert not v.custom and v.messages == [] and v.model_stages == T2T_STAGES
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.stages = SMALL


@pytest.mark.parametrize("stages", [((7, 4, 2), (3, 2, 1), (3, 2, 1)), ((5, 3, 0), (4, 2, 3), (2, 2, 0)),
                                    ((15, 8, 7), (3, 1, 1), (1, 1, 0)), ((3, 5, 0), (3, 2, 1), (3, 2, 1))])
def test_output_sizes_are_nn_unfolds(t2t224, stages):
    v = views.splits_view(t2t224, (224, 224), stages)
    for row, (k, s, p) in zip(v.schedule, stages):
        H, W = row["in_hw"]
        assert row["out_hw"] == ((H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1)
        assert row["tokens"] == _unfold_grid(row["in_hw"], k, s, p)  # what nn.Unfold really makes
        assert row["token_dim"] == row["in_chans"] * k * k
    assert [r["in_chans"] for r in v.schedule] == [3, 64, 64] and v.custom == (stages != T2T_STAGES)


def test_invalid_and_custom_splits_are_messages(small):
    bad = views.splits_view(small, (96, 96), ((7, 4, 2), (3, 2, 1), (15, 1, 0)))
    assert bad.schedule is None and bad.formulas == () and bad.final_grid is None
    (level, key, fields), = bad.messages
    assert (level, key, fields["stage"], fields["h"]) == ("error", "t2t.err.fit", 3, 12)
    gaps = views.splits_view(small, (96, 96), ((3, 5, 0), (3, 2, 1), (3, 2, 1)))
    assert [(lvl, key) for lvl, key, _ in gaps.messages] == [("warning", "t2t.warn.gap"), ("info", "t2t.custom")]
    assert gaps.messages[-1][2] == {"stages": list(SMALL)}
    own = views.splits_view(small, (96, 96), SMALL)
    assert own.messages == [] and own.final_grid == (12, 12) and own.hard == (8, 8, 0)


# ---------------------------------------------------------------------------------------- windows & overlap
def _count_by_windows(hw, k, s, p):
    """Windows per position, by adding one for every window's in-map part (no fold)."""
    H, W = hw
    counts = np.zeros(hw, dtype=np.int64)
    for y in range(-p, H + p - k + 1, s):
        for x in range(-p, W + p - k + 1, s):
            counts[max(y, 0):min(y + k, H), max(x, 0):min(x + k, W)] += 1
    return counts


def test_windows_view_counts_overlap(small):
    v = views.splits_view(small, (96, 96), SMALL)
    w0, w1 = views.windows_view(v, 0), views.windows_view(v, 1, "corner")
    assert np.array_equal(w0.soft.counts, _count_by_windows((96, 96), 7, 4, 2))
    assert np.array_equal(w1.soft.counts, _count_by_windows((24, 24), 3, 2, 1)) and w1.soft.in_hw == (24, 24)
    assert w0.vmax == 4 and w0.ratio == pytest.approx(49 / 16) and set(w0.spread) == {1, 2, 4}
    assert sum(w0.soft.histogram.values()) == 96 * 96 and sum(w0.spread.values()) == pytest.approx(1.0)
    assert w0.mean == pytest.approx(w0.soft.counts.mean())
    assert w0.hard.histogram == {1: 96 * 96} and w0.hard.stage == (8, 8, 0)  # a hard split covers once
    assert w0.soft.boxes.shape == (9, 4) and w0.soft.block == (10, 10, 3)
    assert w1.soft.region[0] < 0 <= w0.soft.region[0]  # the corner zoom reaches into the padding
    assert w0.explain["n"] == 1 and w0.explain["P"] == 8 and w0.explain["spread"].startswith("1×: ")
    assert len(w0.tile_labels) == 8 and "24×24" in w0.tile_labels[0]
    rows = w0.counts_rows()
    assert len(rows) == 96 and rows[0]["0"] == int(w0.soft.counts[0, 0])
    json.dumps(w0.data)


# ---------------------------------------------------------------------------------------- a token's footprint
def _paths_by_autograd(img_hw, stages, rc):
    """Unfold paths from a final token to every pixel: the gradient of the token through a chain of all-ones
    unfolds (each token = the sum of its window), with autograd."""
    x = torch.zeros(1, 1, *img_hw, dtype=torch.float64, requires_grad=True)
    m = x
    for k, s, p in stages:
        h, w = m.shape[-2:]
        oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
        m = F.unfold(m, k, stride=s, padding=p).sum(1).reshape(1, 1, oh, ow)
    m[0, 0, rc[0], rc[1]].backward()
    return x.grad[0, 0].numpy()


@pytest.mark.parametrize("token", [0, 2 * 12 + 3, 12 * 12 - 1])
def test_footprint_view_against_autograd(small, token):
    v = views.splits_view(small, (96, 96), SMALL)
    f = views.footprint_view(v, token)
    assert (f.token, (f.row, f.col), f.final_grid) == (token, divmod(token, 12), (12, 12))
    image = f.stages[-1]
    paths = _paths_by_autograd((96, 96), SMALL, (f.row, f.col))
    np.testing.assert_allclose(image.weights * image.max_paths, paths)
    assert f.image_box == receptive_box(96, (f.row, f.col), SMALL) and image.positions == int((paths > 0).sum())
    r, c = f.row, f.col
    side = lambda i: min(i + 1, 11) - max(i - 1, 0) + 1  # noqa: E731  (3x3 window, stride 1, on a 12x12 grid)
    assert [s.split for s in f.stages] == [3, 2, 1] and f.stages[0].box_hw == (side(r), side(c))
    assert f.hard_box == (8 * r, 8 * c, 8 * r + 8, 8 * c + 8)
    assert [row["split"] for row in f.table] == [3, 2, 1] and f.table[-1]["map"] == "96×96"
    assert f.explain == {"r": r, "c": c, "bh": image.box_hw[0], "bw": image.box_hw[1], "P": 8}
    assert len(f.tile_labels) == 5
    json.dumps(f.data)


def test_footprint_of_the_paper_splits(t2t224):
    f = views.footprint_view(views.splits_view(t2t224, (224, 224), T2T_STAGES), 2 * 14 + 3)
    assert f.stages[0].box_hw == (3, 3) and f.stages[0].max_paths == 1  # one window on the grid before
    assert f.image_box == receptive_box(224, (2, 3), T2T_STAGES) and f.hard_box == (32, 48, 48, 64)


def test_token_outside_the_grid_falls_back_to_the_centre(small):
    v = views.splits_view(small, (96, 96), SMALL)
    assert views.footprint_view(v, 144).token == views.footprint_view(v, -1).token == 6 * 12 + 6


def test_click_to_token_at_the_edges():
    grid, picture = (14, 14), (448, 448)  # 32 px per token
    assert token_at({"x": 0, "y": 0}, grid, picture) == 0
    assert token_at({"x": 31.9, "y": 0}, grid, picture) == 0 and token_at({"x": 32, "y": 0}, grid, picture) == 1
    assert token_at({"x": 447, "y": 447}, grid, picture) == 195
    assert token_at({"x": 448, "y": 448}, grid, picture) == 195  # on the far edge: the last token
    assert token_at({"x": -3, "y": 500}, grid, picture) == 13 * 14  # outside: clamped to the grid
    # the component reports the size it showed the picture at: that wins over the picture's own size
    assert token_at({"x": 100, "y": 10, "width": 200, "height": 200}, (2, 2), (448, 448)) == 1
    assert token_at({"x": 100, "y": 10, "width": None, "height": None}, (2, 2), (448, 448)) == 0
    assert token_at({"x": 40, "y": 99}, (3, 4), (100, 80)) == 2 * 4 + 2  # non-square grid, row-major


# ---------------------------------------------------------------------------------------- schedule & real shapes
def test_schedule_view_real_shapes(small):
    pixels = torch.randn(1, 3, 96, 96)
    with torch.inference_mode():
        out = small.forward_trace(pixels)
    v = views.splits_view(small, (96, 96), SMALL)
    s = views.schedule_view(v, small, pixels.shape, out.trace, out.logits.shape[-1])
    shapes = [r["shape"] for r in s.shapes]
    assert (1, 576, 147) in shapes and (1, 16, 24, 24) in shapes and (1, 144, 144) in shapes
    assert shapes[-1] == (1, 10) and (1, 145, 32) in shapes
    assert s.shape_table[1]["shape"] == str(s.shapes[1]["shape"])
    assert [r["tokens"] for r in s.table] == [576, 144, 144, 144] and s.table[-1]["split"] == "ViT"
    assert s.table[-1]["dim"] == 8 * 8 * 3 == s.hard_row["token_dim"]
    assert s.explain == {"d0": 147, "k0": 7, "td": 16, "P": 8, "hd": 192}
    assert [n.shape for n in s.norms] == [(24, 24), (12, 12)] and s.norm_shapes == ((1, 24, 24), (1, 12, 12))
    assert s.norm_labels == ("input", "T2T 1 24×24", "T2T 2 12×12")
    json.dumps(s.data, default=str)


# ---------------------------------------------------------------------------------------- controls matter
def test_other_controls_give_other_views(small):
    v = views.splits_view(small, (96, 96), SMALL)
    other = views.splits_view(small, (96, 96), ((7, 2, 2), (3, 2, 1), (3, 1, 1)))
    assert other.schedule[0]["out_hw"] == (47, 47) and other.custom and other.final_grid == (24, 24)
    a, b = views.windows_view(v, 0), views.windows_view(other, 0)
    assert a.soft.histogram != b.soft.histogram and a.hard.stage != b.hard.stage
    assert a.soft.in_hw != views.windows_view(v, 2).soft.in_hw
    assert views.windows_view(v, 0, "corner").soft.region != a.soft.region
    f0, f1 = views.footprint_view(v, 0), views.footprint_view(v, 77)
    assert f0.image_box != f1.image_box and f0.hard_box != f1.hard_box
    assert views.footprint_view(other, 0).image_box != f0.image_box
