"""DynamicViT's two semantics seen through the analyses the pages use."""
import numpy as np
import torch

from vizcore.analysis import reduction as red
from vizcore.models.dynamicvit import DynamicViT


def tiny_dynamicvit():
    torch.manual_seed(0)
    return DynamicViT(pruning_loc=(1, 2, 3), keep_ratio=0.7, img_size=64, patch_size=16, embed_dim=64, depth=4,
                      num_heads=4, num_classes=5).eval()


def test_implied_counts():
    assert red.implied_counts(196, 0.7) == [137, 96, 67]
    assert red.implied_counts(144, 0.5) == [72, 36, 18]


def test_keep_frequency_matches_predicted_probability_and_is_seeded():
    model = tiny_dynamicvit()
    x = torch.randn(1, 3, 64, 64)
    freq = red.keep_frequency(model, x, samples=400, tau=1.0, seed=3)
    assert freq.shape == (3, 16)
    assert torch.equal(freq, red.keep_frequency(model, x, samples=400, tau=1.0, seed=3))
    assert not torch.equal(freq, red.keep_frequency(model, x, samples=400, tau=1.0, seed=4))
    # first stage: every token is alive, so the keep frequency estimates the predictor's keep probability
    with torch.inference_mode():
        trace = model.forward_trace(x, semantics="training", generator=torch.Generator().manual_seed(0)).trace
    prob = trace.stages[0].keep_prob[0]
    assert (freq[0] - prob).abs().max() < 0.1
    # survival can only shrink from stage to stage
    assert (freq[1] <= freq[0] + 1e-6).all() and (freq[2] <= freq[1] + 1e-6).all()
    assert not model.training


def test_inference_reducer_with_other_rho_leaves_model_alone():
    model = tiny_dynamicvit()
    reducer = red.dynamicvit_reducer(model, rho=0.5)
    with torch.inference_mode():
        trace = model.forward_trace(torch.randn(2, 3, 64, 64), reducer=reducer).trace
    assert [s.kept.shape[1] for s in trace.stages] == [8, 4, 2]
    assert model.reducer.keep_ratios[0] == 0.7


def test_gumbel_demo_shapes():
    p, soft, hard = red.gumbel_demo(torch.tensor([0.9, 0.5, 0.1]), tau=0.5, samples=4, seed=0)
    assert p.shape == (3,) and soft.shape == (4, 3) and hard.shape == (4, 3)
    assert set(hard.flatten().tolist()) <= {0.0, 1.0}


def test_gumbel_figure_draws_every_sample_in_one_trace_per_kind():
    from vizcore.plots.reduction_views import gumbel_figure
    probs = np.array([0.9, 0.2, 0.5])
    soft = np.array([[0.8, 0.1, 0.6], [0.7, 0.3, 0.4]])
    hard = (soft > 0.5).astype(float)
    fig = gumbel_figure(probs, soft, hard)
    bar, soft_t, hard_t = fig.data
    assert list(bar.y) == list(probs)
    assert list(soft_t.x) == ["t0", "t1", "t2"] * 2 and np.allclose(soft_t.y, soft.reshape(-1))
    assert np.allclose(np.round(hard_t.y), hard.reshape(-1)) and not np.allclose(hard_t.y, hard.reshape(-1))


def test_static_charts_are_images_that_follow_their_data():
    from vizcore.plots.reduction_views import gumbel_image, per_layer_cost_image, per_layer_cost_figure
    tokens = {"plain": [145] * 6, "dynamicvit": [145, 145, 101, 71, 50, 50]}
    gmacs = {"plain": [0.012] * 6, "dynamicvit": [0.012, 0.012, 0.009, 0.006, 0.004, 0.004]}
    img = per_layer_cost_image(tokens, gmacs, size=(600, 260))
    assert img.dtype == np.uint8 and img.shape == (260, 600, 3) and not img.flags.writeable
    colours = {tuple(c) for c in img.reshape(-1, 3)[::7]}
    assert len(colours) > 20  # axes, text and lines, not a blank canvas
    other = per_layer_cost_image({**tokens, "dynamicvit": [145, 145, 72, 36, 18, 18]}, gmacs, size=(600, 260))
    assert (other != img).any()
    # the interactive twin, offered as HTML, carries the same numbers
    fig = per_layer_cost_figure(tokens, gmacs)
    assert [list(t.y) for t in fig.data] == [*map(list, tokens.values()), *map(list, gmacs.values())]
    probs = np.array([0.9, 0.2, 0.5])
    soft = np.array([[0.8, 0.1, 0.6], [0.7, 0.3, 0.4]])
    g = gumbel_image(probs, soft, (soft > 0.5).astype(float), title="τ = 1.0", size=(500, 240))
    assert g.shape == (240, 500, 3)
    assert (gumbel_image(probs[::-1].copy(), soft, (soft > 0.5).astype(float), size=(500, 240)) != g).any()


def test_cost_chart_draws_each_value_where_the_axes_put_it():
    from vizcore.plots.reduction_views import _cost_axes, method_colour, per_layer_cost_image
    tokens = {"plain": [10, 10, 10], "dynamicvit": [10, 7, 4]}
    gmacs = {"plain": [2.0, 2.0, 2.0], "dynamicvit": [2.0, 1.4, 0.8]}
    img = per_layer_cost_image(tokens, gmacs, size=(600, 260))
    _, maps = _cost_axes(("plain", "dynamicvit"), ("plain", "dynamicvit"), 3, (10.0, 2.0), ("", ""), "", (600, 260))
    blue = np.array([int(method_colour("dynamicvit")[i:i + 2], 16) for i in (1, 3, 5)])
    for (ax, bx, ay, by), values in zip(maps, (tokens["dynamicvit"], gmacs["dynamicvit"])):
        for x, v in enumerate(values[1:], start=1):  # layer 0 lies under the plain line's marker
            col, row = round(ax * x + bx), round(ay * v + by)
            assert np.abs(img[row, col].astype(int) - blue).max() < 40, (x, v, img[row, col])
    # the axes are cached: a second chart with other values on the same limits reuses them
    other = per_layer_cost_image({"plain": [10, 10, 10], "dynamicvit": [10, 9, 8]},
                                 {"plain": [2.0, 2.0, 2.0], "dynamicvit": [2.0, 1.8, 1.6]}, size=(600, 260))
    assert _cost_axes.cache_info().hits >= 1 and (other != img).any()


def test_cost_chart_limits_are_nice_and_stable():
    from vizcore.plots.reduction_views import _cost_axes, _nice_ceiling, per_layer_cost_image
    assert [_nice_ceiling(v) for v in (197, 200, 37, 0.0732, 1.0, 4.6e-3, 0)] == [200, 200, 40, 0.08, 1.0, 5e-3, 0]
    # a small change in the largest value (a slider moving the data) keeps the cached axes
    _cost_axes.cache_clear()
    per_layer_cost_image({"plain": [37, 37], "x": [37, 20]}, {"plain": [0.071, 0.071], "x": [0.072, 0.04]})
    per_layer_cost_image({"plain": [37, 37], "x": [37, 12]}, {"plain": [0.071, 0.071], "x": [0.0735, 0.03]})
    assert _cost_axes.cache_info().misses == 1 and _cost_axes.cache_info().hits == 1
