"""The Attention page's view functions without Streamlit: shapes, values against the analysis functions,
and that different control values give different views."""
import dataclasses
import pickle

import numpy as np
import pytest
import torch

from vizcore.analysis import attention as A
from vizcore.models.vit import ViT
from vizcore.views import attention as views

GRID = (3, 5)


def tiny_trace(**kw):
    torch.manual_seed(0)
    cfg = dict(img_size=(48, 80), patch_size=16, embed_dim=48, depth=3, num_heads=4, num_classes=7, reg_tokens=1)
    cfg.update(kw)
    model = ViT(**cfg).eval()
    with torch.inference_mode():
        return model, model.forward_trace(torch.randn(1, 3, 48, 80), attn=True).trace


@pytest.fixture(scope="module")
def traced():
    return tiny_trace()


def test_cls_map_is_the_cls_row_of_the_attention(traced):
    _, trace = traced
    v = views.map_view(trace, layer=1, head=2, scale="map")
    assert v.values.shape == GRID and v.patch is None and v.query == 0
    expected = A.token_row(trace.attn[1], 0, trace.prefix, trace.grid)[0, 2]
    np.testing.assert_allclose(v.values, expected.numpy())
    assert (v.vmin, v.vmax) == (float(expected.min()), float(expected.max()))
    assert v.prefix_share == pytest.approx(float(A.prefix_share(trace.attn[1], 0, trace.prefix)[0, 2]))
    # the grid row and the prefix share make up the whole softmax row
    assert v.values.sum() + v.prefix_share == pytest.approx(1.0, abs=1e-5)


def test_fused_heads_and_colour_scales(traced):
    _, trace = traced
    rows = A.token_row(trace.attn[2], 0, trace.prefix, trace.grid)[0]  # (H, h, w)
    mean = views.map_view(trace, layer=2, head="mean", scale="map")
    np.testing.assert_allclose(mean.values, rows.mean(0).numpy(), rtol=1e-6)
    assert mean.prefix_share == pytest.approx(float(A.prefix_share(trace.attn[2], 0, trace.prefix).mean()))
    np.testing.assert_allclose(views.map_view(trace, layer=2, head="max").values, rows.amax(0).numpy())
    layer = views.map_view(trace, layer=2, head="mean", scale="layer")
    assert (layer.vmin, layer.vmax) == (float(rows.min()), float(rows.max()))
    every = A.query_maps(trace, 0)
    glob = views.map_view(trace, layer=2, head="mean", scale="global")
    assert (glob.vmin, glob.vmax) == (float(every.min()), float(every.max()))
    assert len({(v.vmin, v.vmax) for v in (mean, layer, glob)}) == 3


def test_a_patch_query(traced):
    _, trace = traced
    v = views.map_view(trace, layer=0, head=1, patch=7)
    assert (v.patch, v.row, v.col, v.query) == (7, 1, 2, trace.prefix + 7)
    expected = A.token_row(trace.attn[0], trace.prefix + 7, trace.prefix, trace.grid)[0, 1]
    np.testing.assert_allclose(v.values, expected.numpy())
    assert not np.array_equal(v.values, views.map_view(trace, layer=0, head=1, patch=8).values)


def test_controls_change_the_map(traced):
    _, trace = traced
    base = views.map_view(trace, layer=1, head=0)
    for other in (dict(layer=2, head=0), dict(layer=1, head=3), dict(layer=1, head="mean")):
        assert not np.array_equal(base.values, views.map_view(trace, **other).values), other


@pytest.mark.parametrize("bad", [dict(layer=3, head=0), dict(layer=0, head=4), dict(layer=0, head=0, patch=15),
                                 dict(layer=0, head=0, scale="bogus"), dict(layer=0, head="median")])
def test_out_of_range_controls_are_errors(traced, bad):
    with pytest.raises(ValueError):
        views.map_view(traced[1], **bad)


def test_click_to_patch():
    assert views.click_zoom(96) == 4 and views.click_zoom(224) == 2 and views.click_zoom(600) == 1
    size = (96, 160)  # a 48x80 view enlarged twice, a 3x5 grid of 32 px patches
    assert views.patch_at({"x": 0, "y": 0}, GRID, size) == 0
    assert views.patch_at({"x": 70, "y": 40}, GRID, size) == 1 * 5 + 2
    assert views.patch_at({"x": 159, "y": 95}, GRID, size) == 14
    assert views.patch_at({"x": 160, "y": 96}, GRID, size) == 14  # the far edge stays on the last patch
    # the browser may show the picture at another size: the click's own width and height count
    assert views.patch_at({"x": 35, "y": 20, "width": 80, "height": 48}, GRID, size) == 1 * 5 + 2


def test_grid_view_scales_every_layer_and_head(traced):
    _, trace = traced
    maps = A.query_maps(trace, 0)
    for scale in ("map", "layer", "global"):
        v = views.grid_view(trace, scale=scale)
        assert v.maps.shape == (3, 4, *GRID) and v.maps.min() == 0 and v.maps.max() == 1
        np.testing.assert_allclose(v.maps, A.normalise(maps, scale).numpy())
    assert not np.array_equal(views.grid_view(trace, scale="map").maps, views.grid_view(trace, scale="global").maps)


def test_rollout_view(traced):
    _, trace = traced
    v = views.rollout_view(trace, fusion="max", discard=0.3, upto=1)
    assert v.available and v.values.shape == GRID and v.upto == 1
    np.testing.assert_allclose(v.values, A.rollout_grid(trace, "max", 0.3, upto=1).numpy())
    assert (v.vmin, v.vmax) == (float(v.values.min()), float(v.values.max()))
    assert views.rollout_view(trace).upto == 2  # all layers by default
    others = [views.rollout_view(trace, **kw).values for kw in (dict(fusion="mean", discard=0.3, upto=1),
                                                                dict(fusion="max", discard=0.0, upto=1),
                                                                dict(fusion="max", discard=0.3, upto=2))]
    assert all(not np.array_equal(v.values, o) for o in others)
    reduced = dataclasses.replace(trace, tokens_per_layer=[17, 12, 8])  # a token reducer at work
    assert not views.rollout_view(reduced).available


def test_shapes_and_position_similarity(traced):
    model, trace = traced
    v = views.shapes_view(model, trace)
    assert v.rows == A.attention_shapes(model, trace.tokens_per_layer)
    assert [r["layer"] for r in v.table] == [0, 1, 2] and v.table[0]["Q"] == "(1, 4, 17, 12)"
    assert list(v.table[0]) == ["layer", "x", "Q", "K", "V", "softmax(QKᵀ/√d)", "out"]
    sim = A.pos_embed_similarity(model.pos_embed.detach(), trace.prefix, trace.grid).numpy()
    np.testing.assert_allclose(v.similarity, sim)
    assert v.ref == 1 * 5 + 2  # the middle patch by default
    np.testing.assert_allclose(v.ref_values, sim[1, 2])
    other = views.shapes_view(model, trace, ref=4)
    assert other.ref == 4 and not np.array_equal(other.ref_values, v.ref_values)
    np.testing.assert_allclose(other.ref_values, sim[0, 4])
    with pytest.raises(ValueError):
        views.shapes_view(model, trace, ref=15)


def test_shapes_without_position_embeddings():
    model, trace = tiny_trace(pos_embed="none", reg_tokens=0)
    v = views.shapes_view(model, trace)
    assert v.similarity is None and v.ref_values is None and len(v.rows) == 3


def test_views_are_frozen_and_survive_the_cache(traced):
    """The page caches views with st.cache_data, which pickles them."""
    model, trace = traced
    for v in (views.map_view(trace, layer=0, head="mean"), views.grid_view(trace), views.rollout_view(trace),
              views.shapes_view(model, trace)):
        copy = pickle.loads(pickle.dumps(v))
        assert type(copy) is type(v)
        with pytest.raises(dataclasses.FrozenInstanceError):
            v.__setattr__(dataclasses.fields(v)[0].name, None)
