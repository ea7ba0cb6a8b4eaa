"""Every page's view function through the app's cache: a cached view or picture is never handed out for
other inputs.

For each page, the view is computed through ``ui.cached`` and its main picture through ``ui.draw`` while one
control alternates between two values (a, b, a, b, ...); each time, what the cache hands out must equal what
a direct, uncached call computes for that value, the two values must give different pictures, and coming
back to a value must hit (the very same object). A hand-written key that forgot a control fails this.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from vizcore import images
from vizcore.analysis.tradeoffs import configurations
from vizcore.data import scenes
from vizcore.models.registry import create_model
from vizcore.plots import attention_views as av
from vizcore.plots import poolformer_views as pv
from vizcore.plots import reduction_views as rv
from vizcore.plots import t2t_views as tv
from vizcore.plots import wukong_views as wv
from vizcore.plots.token_fate import fate_grid
from vizcore.plots.tradeoff_plot import pareto_spec
from vizcore.ui import cached, draw
from vizcore.ui.cache import RESULTS
from vizcore.ui.keys import derive_key
from vizcore.ui.lru import MISSING
from vizcore.views import attention as attention_views
from vizcore.views import compare as compare_views
from vizcore.views import t2t as t2t_views
from vizcore.views import wukong as wukong_views
from vizcore.views.dynamicvit import dynamicvit_view
from vizcore.views.poolformer import poolformer_view
from vizcore.views.tradeoffs import chart_view, tradeoffs_view


@dataclasses.dataclass(frozen=True)
class Inputs:
    model: torch.nn.Module
    pixels: torch.Tensor
    view: np.ndarray


_INPUTS: dict[str, Inputs] = {}


def inputs(name: str) -> Inputs:
    """A bundled model tagged as the app tags what it loads, and scene 3 as that model sees it."""
    if name not in _INPUTS:
        model = create_model(name, "bundled")
        model.cache_key = ("test_views_cache", name)
        cfg = images.data_config_for(model)
        array = scenes.scene(3, split="test")[0]
        pixels = images.preprocess(array, cfg)
        _INPUTS[name] = Inputs(model, pixels, images.model_view(array, cfg))
    return _INPUTS[name]


def trace_of(name: str, attn: bool = False):
    x = inputs(name)
    with torch.inference_mode():
        out = x.model.forward_trace(x.pixels, attn=attn)
    return out.logits, out.trace


def attention_case(layer):
    x = inputs("bundled_vit")
    _, trace = trace_of("bundled_vit", attn=True)
    view = lambda call: call(attention_views.map_view, trace, layer=layer, head="mean", scale="map")
    picture = lambda call, v: call(av.map_overlay, x.view, v.values, v.vmin, v.vmax, cmap="viridis", alpha=0.6)
    return view, picture


def wukong_case(token):
    x = inputs("bundled_wukong")
    logits, trace = trace_of("bundled_wukong")
    view = lambda call: call(wukong_views.token_view, x.model, x.pixels, logits, trace, token=token)
    picture = lambda call, v: call(wv.single_map, x.view, v.map, cmap="viridis", alpha=0.6, vmin=v.vmin, vmax=v.vmax)
    return view, picture


def t2t_case(stage):
    x = inputs("bundled_t2t")
    stages = t2t_views.model_stages(x.model)
    img_hw = x.view.shape[:2]

    def view(call):
        splits = call(t2t_views.splits_view, x.model, img_hw, stages)
        return call(t2t_views.windows_view, splits, stage, "centre")

    picture = lambda call, w: call(tv.windows_figure, x.view, w.soft, w.hard, w.vmax, w.tile_labels, cmap="viridis")
    return view, picture


def poolformer_case(source):
    x = inputs("bundled_poolformer")
    view = lambda call: call(poolformer_view, x.model, x.pixels, x.view, show="pool", source=source)
    picture = lambda call, v: call(pv.triptych, v.pool.x, v.pool.pooled, v.pool.diff, cmap="viridis")[0]
    return view, picture


def dynamicvit_case(semantics):
    """The cost chart that once went stale: same rho, the two semantics."""
    x = inputs("bundled_dynamicvit")
    view = lambda call: call(dynamicvit_view, x.model, x.pixels, 0.7, semantics, 1.0, 0 if semantics == "training"
                             else None, 8)
    picture = lambda call, v: call(rv.per_layer_cost_image, v.cost_tokens, v.cost_gmacs)
    return view, picture


def compare_case(rho):
    """Every reducer at rho's budget: the view through the cache with each forward pass cached inside it."""
    x = inputs("bundled_vit")
    partners = {name: inputs(name).model for name in compare_views.partner_models("bundled_vit")}
    view = lambda call: call(compare_views.compare_view, "bundled_vit", x.model, x.pixels, rho, None, partners,
                             memo=call)
    picture = lambda call, v: call(fate_grid, x.view, v.fates, v.budget.locs, v.num_patches, tile=48)
    return view, picture


def explored(rho):
    return [{"method": "dynamicvit", "model": "bundled_dynamicvit", "setting": rho, "locs": [2, 3, 4]}]


def tradeoffs_case(rho):
    """A setting explored on the DynamicViT page, placed on the Trade-offs chart (the grid's cost cached inside)."""
    view = lambda call: call(tradeoffs_view, "bundled", explored(rho), "yours", {}, memo=call)
    picture = lambda call, v: call(pareto_spec, v.rows, x="gmacs", highlight=v.labels[v.highlight_index])
    return view, picture


def tradeoffs_highlight_case(highlight):
    """The chart's own control: the same rows, another highlight."""
    rows = cached(tradeoffs_view, "bundled", explored(0.65), memo=cached)
    view = lambda call: call(chart_view, rows, "gmacs", highlight, False)
    picture = lambda call, c: call(pareto_spec, rows.rows, x=c.x_field, highlight=highlight, published=c.published)
    return view, picture


CASES = {
    "attention layer": (attention_case, 1, 4),
    "wukong token": (wukong_case, 0, 5),
    "t2t split": (t2t_case, 0, 1),
    "poolformer source": (poolformer_case, "image", "feature"),
    "dynamicvit semantics": (dynamicvit_case, "inference", "training"),
    "compare rho": (compare_case, 0.5, 0.7),
    "tradeoffs explored": (tradeoffs_case, 0.65, 0.55),
    "tradeoffs highlight": (tradeoffs_highlight_case, "ViT", "DynamicViT 0.65 (yours)"),
}


def direct(fn, *args, **kwargs):
    return fn(*args, **kwargs)


def as_array(picture) -> np.ndarray:
    """A picture as an array (a chart's spec, a dict, as a 0-d array that compares by equality)."""
    if isinstance(picture, dict):
        out = np.empty((), object)
        out[()] = picture
        return out
    return picture if isinstance(picture, np.ndarray) else np.asarray(picture)


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_cached_views_and_pictures_follow_every_control(case):
    make, a, b = CASES[case]
    fresh = {value: as_array(make(value)[1](direct, make(value)[0](direct))) for value in (a, b)}
    assert not np.array_equal(fresh[a], fresh[b]), "the two control values should give different pictures"
    first = {}
    for value in (a, b, a, b, a):
        view_fn, picture_fn = make(value)
        v = view_fn(cached)
        picture = picture_fn(draw, v)
        np.testing.assert_array_equal(as_array(picture), fresh[value], err_msg=f"{case} = {value!r}: stale picture")
        if value in first:  # coming back to a value hits: the very same objects
            assert v is first[value][0] and picture is first[value][1]
        first.setdefault(value, (v, picture))
    assert first[a][1] is not first[b][1]


def test_the_trade_offs_grid_is_counted_once_whatever_was_explored():
    """The grid's configurations are shared by every view: a view the cache hands out must not mark them with
    its key, or each newly explored setting would count the cost of the whole grid again (about a second)."""
    grid_hits = []

    def memo(fn, *args, **kwargs):
        if args == (tuple(configurations("bundled")),):
            grid_hits.append(RESULTS.get(derive_key(fn, args, kwargs), MISSING) is not MISSING)
        return cached(fn, *args, **kwargs)

    for rho in (0.65, 0.55, 0.45):
        view = cached(tradeoffs_view, "bundled", explored(rho), "yours", {}, memo=memo)
        assert view.labels[view.highlight_index] == f"DynamicViT {rho} (yours)"
    assert grid_hits[1:] == [True, True]
