"""The Compare page's view without Streamlit: every registered reducer at the matched budget, the shapes
and rows it returns, and that another rho gives another view (random weights: the structure is tested)."""
import dataclasses

import numpy as np
import pytest
import torch

from vizcore import images
from vizcore.analysis import reduction as red
from vizcore.data import scenes
from vizcore.models import reducer_registry as R
from vizcore.models.registry import build
from vizcore.trace import Trace
from vizcore.views import compare as views

BACKBONE = "bundled_vit"


@dataclasses.dataclass(frozen=True)
class Inputs:
    backbone: torch.nn.Module
    partners: dict
    pixels: torch.Tensor
    mask: np.ndarray


@pytest.fixture(scope="module")
def x() -> Inputs:
    backbone = build(BACKBONE)
    cfg = images.data_config_for(backbone)
    image, _, mask = scenes.scene(3, split="test")
    rgb_mask = np.repeat(mask[..., None].astype(np.uint8) * 255, 3, axis=-1)
    return Inputs(backbone, {name: build(name) for name in views.partner_models(BACKBONE)},
                  images.preprocess(image, cfg), images.model_view(rgb_mask, cfg)[..., 0] > 127)


@pytest.fixture(scope="module")
def seven(x):
    return views.compare_view(BACKBONE, x.backbone, x.pixels, 0.7, x.mask, x.partners)


def test_every_registered_reducer_runs_beside_the_backbone(x, seven):
    v = seven
    names = R.reducer_names()
    assert views.partner_models(BACKBONE) and set(views.partner_models(BACKBONE)).isdisjoint({BACKBONE})
    assert [e.method for e in v.entries] == names and list(v.traces) == names  # the registry's order
    assert [r["method"] for r in v.rows] == [views.PLAIN, *names]
    assert list(v.tokens) == list(v.gmacs) == [views.PLAIN, *names]
    assert v.prefix == x.backbone.num_prefix_tokens == 1
    depth = len(x.backbone.blocks)
    for method, trace in v.traces.items():
        assert isinstance(trace, Trace) and trace.stages
        trace.validate(batch=1)
        assert v.tokens[method] == [t - v.prefix for t in trace.tokens_per_layer]  # patch tokens: no CLS
        assert len(v.tokens[method]) == depth
        assert v.gmacs[method] == pytest.approx([m / 1e9 for m in trace.macs_per_layer])
        assert len(v.fates[method]) == len(v.budget.locs)
        assert all(f is not None and f.alive.shape == trace.grid for f in v.fates[method])
    assert v.num_patches == x.backbone.patch_embed.num_patches
    assert v.tokens[views.PLAIN] == [v.num_patches] * depth  # the plain pass keeps every patch token
    assert v.missing == () and v.backbone == BACKBONE and v.rho == 0.7


def test_the_matched_budget_holds(x, seven):
    """Every reducer's setting spends the budget's mean patch tokens per layer within 2 % at rho 0.7 (the
    reducers without a match take rho: DynamicViT's schedule spends exactly the target)."""
    v = seven
    budget = v.budget
    assert budget.locs == R.pruning_locations(BACKBONE)
    assert budget.tokens_target == R.budget_tokens(x.backbone, 0.7, budget.locs)
    exact = []
    for spec in R.list_reducers():
        total = sum(v.tokens[spec.name])
        assert total < sum(v.tokens[views.PLAIN])
        if spec.setting.match is None:
            assert budget.settings[spec.name] == 0.7
        else:
            assert (spec.label_key, spec.setting.label(budget.settings[spec.name])) in v.matched
        mean = total / len(v.tokens[spec.name])  # mean patch tokens per layer, what the match holds equal
        assert budget.measure == "tokens" and abs(mean / budget.target - 1) <= 0.02, spec.name
        exact += [spec.name] if mean == pytest.approx(budget.target) else []
    assert exact  # the schedule itself
    assert len(v.matched) == sum(s.setting.match is not None for s in R.list_reducers())


def test_summary_rows_and_keep_precision_follow_the_mask(x, seven):
    v = seven
    for row, (method, trace) in zip(v.rows[1:], v.traces.items()):
        assert row["final_patch_tokens"] == trace.tokens_per_layer[-1] - 1
        assert row["gmacs"] == round(trace.gmacs, 4)
    assert 0 < v.object_share < 1 and all("keep_precision" in r for r in v.rows)
    assert v.object_share == v.rows[0]["object_share"]
    plain = views.compare_view(BACKBONE, x.backbone, x.pixels, 0.7, None, x.partners)
    assert plain.object_share is None and not any("keep_precision" in r for r in plain.rows)
    assert [r["final_patch_tokens"] for r in plain.rows] == [r["final_patch_tokens"] for r in v.rows]


def test_another_rho_gives_another_view(x, seven):
    five = views.compare_view(BACKBONE, x.backbone, x.pixels, 0.5, x.mask, x.partners)
    assert five.budget.tokens_target < seven.budget.tokens_target
    for method in seven.traces:
        assert sum(five.tokens[method]) < sum(seven.tokens[method]), method
    assert five.tokens[views.PLAIN] == seven.tokens[views.PLAIN]
    assert five.rows != seven.rows and five.matched != seven.matched


def test_each_forward_pass_goes_through_memo_and_the_plain_one_does_not_depend_on_rho(x):
    calls = []

    def recording(fn, model, pixels, work, reducer):
        calls.append((model, pixels, reducer, work))
        return fn(model, pixels, work, reducer=reducer)

    for rho in (0.5, 0.7):
        views.compare_view(BACKBONE, x.backbone, x.pixels, rho, None, x.partners, memo=recording)
    n = 1 + len(R.reducer_names())
    assert len(calls) == 2 * n
    plain_a, plain_b = calls[0], calls[n]
    assert plain_a[0] is plain_b[0] is x.backbone and plain_a[1] is plain_b[1] and plain_a[2:] == plain_b[2:]
    assert plain_a[2] is None and all(c[2] is not None for c in calls[1:n])
    assert [c[2] for c in calls[1:n]] != [c[2] for c in calls[n + 1:]]  # the reducers follow rho


def test_a_reducer_whose_model_is_absent_is_left_out(x):
    v = views.compare_view(BACKBONE, x.backbone, x.pixels, 0.7, None, partners=None)
    trained = R.reducer_names(training_free=False)
    assert trained and not set(trained) & set(v.traces)
    assert [e.method for e in v.entries] == R.reducer_names()  # still noted for the Trade-offs page
    # those on the backbone itself run; those on a partner (trained, or fine-tuned as EViT's) are left out
    assert list(v.traces) == [s.name for s in R.list_reducers() if R.model_for(s, BACKBONE) == BACKBONE]
    assert red.missing_reducers("deit_tiny_patch16_224")  # no trained partner of that size: named as missing


def test_downloads(seven):
    rows = views.cost_rows(seven)
    depth = len(seven.tokens[views.PLAIN])
    assert len(rows) == len(seven.tokens) * depth and set(rows[0]) == {"method", "layer", "patch_tokens", "gmacs"}
    data = views.summary_data(seven)
    assert data["rho"] == 0.7 and data["rows"] is seven.rows and data["settings"] == seven.budget.settings
