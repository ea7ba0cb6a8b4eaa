"""The WuKong page's view functions without Streamlit: shapes, values against the analysis functions and the
traced module, and that different control values give different views."""
import dataclasses
import pickle

import numpy as np
import pytest
import torch

from vizcore.analysis import wukong as wa
from vizcore.models.wukong import WuKongViT, late_interaction_cost
from vizcore.views import wukong as views

T, GRID, C = 4, (4, 4), 32  # output tokens, patch grid, joint embedding width of the tiny model


@pytest.fixture(scope="module")
def traced():
    """(model, pixels, logits, trace) of a tiny WuKongViT on one random image."""
    torch.manual_seed(0)
    model = WuKongViT(img_size=64, patch_size=16, embed_dim=64, depth=2, num_heads=2, output_dim=C, num_tokens=T,
                      num_groups=8, num_classes=10).eval()
    pixels = torch.randn(1, 3, 64, 64)
    with torch.inference_mode():
        out = model.forward_trace(pixels)
    return model, pixels, out.logits, out.trace


def maps_of(trace) -> np.ndarray:
    return trace.extras["token_maps"][0].numpy()


def test_pipeline_shapes(traced):
    p = views.pipeline(*traced)
    h, w = GRID
    assert (p.T, p.h, p.w, p.N, p.C, p.groups) == (T, h, w, h * w, C, 8)
    assert p.image == (1, 3, 64, 64) and p.blocks_out == (1, 1 + h * w, 64) and p.grid == (1, h, w, C)
    assert p.token_maps == (1, T, h, w) and p.reduced_tokens == (1, T, C) and p.patch_embeddings == (1, h * w, C)
    assert p.logits == (1, 10)
    assert set(p.shapes()) == {"image", "blocks_out", "patch_embeddings", "token_maps", "reduced_tokens", "logits"}


def test_maps_view_and_its_colour_scales(traced):
    maps = maps_of(traced[3])
    own = views.maps_view(*traced, scale="map")
    np.testing.assert_array_equal(own.maps, maps)
    np.testing.assert_allclose(own.maps.reshape(T, -1).sum(1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(own.vmin, maps.reshape(T, -1).min(1))
    np.testing.assert_allclose(own.peaks, maps.reshape(T, -1).max(1))
    assert own.bar == (0.0, 1.0)
    shared = views.maps_view(*traced, scale="shared")
    assert shared.bar == pytest.approx((maps.min(), maps.max()))
    assert not np.array_equal(own.vmax, shared.vmax)
    rows = own.rows()
    assert len(rows) == T * GRID[0] * GRID[1] and rows[5] == {"token": 0, "row": 1, "col": 1,
                                                             "weight": pytest.approx(float(maps[0, 1, 1]))}
    assert own.data()["shape"] == [T, *GRID]


def test_token_view(traced):
    maps = maps_of(traced[3])
    v = views.token_view(*traced, token=2)
    np.testing.assert_array_equal(v.map, maps[2])
    assert v.stats == wa.map_stats(maps)[2] and v.total == pytest.approx(1.0, abs=1e-5)
    assert (v.vmin, v.vmax) == (float(maps[2].min()), float(maps[2].max()))
    assert len(v.rows()) == GRID[0] * GRID[1] and v.data()["token"] == 2
    assert not np.array_equal(v.map, views.token_view(*traced, token=3).map)
    with pytest.raises(ValueError):
        views.token_view(*traced, token=T)


def test_assignment_view(traced):
    maps = maps_of(traced[3])
    v = views.assignment_view(*traced)
    best, share = wa.assignment(maps)
    np.testing.assert_array_equal(v.best, best)
    np.testing.assert_allclose(v.share, share)
    assert sum(v.counts) == GRID[0] * GRID[1] and len(v.counts) == T
    assert v.counts == [int((best == t).sum()) for t in range(T)] and v.unused == v.counts.count(0)
    assert v.rows()[0]["token"] == int(best[0, 0]) and v.data() == {"patches_per_token": v.counts}


def test_stats_view(traced):
    v = views.stats_view(*traced)
    rows = wa.map_stats(maps_of(traced[3]))
    assert v.rows == rows and len(v.table) == T
    assert list(v.table[0]) == ["token", "entropy", "entropy_norm", "effective", "coverage", "peak", "peak_at"]
    assert v.table[1]["token"] == "T1" and v.table[1]["coverage"] == f"{rows[1]['coverage']:.0%}"


def test_steps_view_against_the_module(traced):
    model = traced[0]
    v = views.steps_view(*traced)
    assert v.rows == wa.reduction_steps(1, *GRID, C, T, 8)
    module_params = sum(p.numel() for p in model.token_reduction.parameters())
    assert sum(r["params"] for r in v.rows) == module_params
    assert v.sums == pytest.approx((1.0, 1.0), abs=1e-5)
    assert v.csv_rows()[0]["shape"] == f"1x{GRID[0]}x{GRID[1]}x{C}"
    assert v.data()["trace_shapes"]["token_maps"] == (1, T, *GRID)


def test_cost_view(traced):
    n = GRID[0] * GRID[1]
    v = views.cost_view(*traced, text_tokens=10, batch=8)
    assert v.per_pair == late_interaction_cost(n, 10, T, dim=C)
    assert v.per_pair["full_similarities"] == n * 10 and v.per_pair["reduced_similarities"] == T * 10
    assert v.batch["pairs"] == 64 and v.batch["full_macs"] == 64 * n * 10 * C
    assert v.saving == pytest.approx(1 - T / n)
    assert v.curve == {"M": [1, views.MAX_TEXT_TOKENS], "full": [n, n * views.MAX_TEXT_TOKENS],
                       "reduced": [T, T * views.MAX_TEXT_TOKENS]}
    assert v.chosen == {"M": 10, "full": n * 10, "reduced": T * 10}
    b32 = next(r for r in v.published if r["model"] == "wukong_vit_b32")  # the paper: 7x7 patches, 12 tokens
    assert b32 == {"model": "wukong_vit_b32", "grid": "7x7", "N": 49, "T": 12, "N x M": 490, "T x M": 120}
    other = views.cost_view(*traced, text_tokens=32, batch=8)
    assert other.chosen != v.chosen and other.curve == v.curve and other.published != v.published
    assert views.cost_view(*traced, text_tokens=10, batch=256).batch != v.batch


def test_views_are_frozen_and_survive_the_cache(traced):
    """The page caches views with st.cache_data, which pickles them."""
    made = [views.maps_view(*traced), views.token_view(*traced), views.assignment_view(*traced),
            views.stats_view(*traced), views.steps_view(*traced), views.cost_view(*traced)]
    for v in made:
        copy = pickle.loads(pickle.dumps(v))
        assert type(copy) is type(v) and copy.pipeline == v.pipeline
        with pytest.raises(dataclasses.FrozenInstanceError):
            v.pipeline = None
