"""The DynamicViT page's view function, without Streamlit: a tiny DynamicViT with random weights."""
import numpy as np
import pytest
import torch

from vizcore.models.dynamicvit import DynamicViT
from vizcore.views.dynamicvit import cost_rows, dynamicvit_view, token_fate_data


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return DynamicViT(pruning_loc=(1, 2, 3), keep_ratio=0.7, img_size=64, patch_size=8, embed_dim=64, depth=4,
                      num_heads=4, num_classes=10).eval()


@pytest.fixture(scope="module")
def pixels():
    return torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(0))


def test_inference_prunes_and_training_keeps_every_token(model, pixels):
    inference = dynamicvit_view(model, pixels, 0.5, "inference")
    training = dynamicvit_view(model, pixels, 0.5, "training", tau=1.0, seed=0, samples=8)
    n = 64  # patch tokens: the CLS token is never counted
    assert inference.num_patches == 64 and inference.counts == (32, 16, 8) and inference.pruning_loc == (1, 2, 3)
    assert inference.cost_tokens["plain"] == [n] * 4 and inference.cost_tokens["dynamicvit"] == [n, 32, 16, 8]
    assert training.cost_tokens["dynamicvit"] == [n] * 4  # the Gumbel view masks tokens, it drops none
    assert inference.gmacs < inference.plain_gmacs < training.gmacs  # training pays for the predictors too
    assert inference.final_tokens == 8 and training.final_tokens == n
    assert inference.keep_frequency is None and inference.expected_keep is None
    assert training.keep_frequency.shape == training.expected_keep.shape == (3, 64)
    assert 0 <= inference.predicted < 10 and 0 < inference.confidence <= 1
    keep_p, soft, hard = training.gumbel
    assert keep_p.shape == (12,) and soft.shape == hard.shape == (6, 12) and set(np.unique(hard)) <= {0.0, 1.0}


def test_rho_and_the_seed_change_what_is_shown(model, pixels):
    a = dynamicvit_view(model, pixels, 0.7, "training", seed=0, samples=8)
    b = dynamicvit_view(model, pixels, 0.7, "training", seed=1, samples=8)
    assert not torch.equal(a.keep_frequency, b.keep_frequency)
    assert dynamicvit_view(model, pixels, 0.4).counts != dynamicvit_view(model, pixels, 0.7).counts


def test_downloads_numbers(model, pixels):
    v = dynamicvit_view(model, pixels, 0.5)
    data = token_fate_data(v, "tiny", 0.5, "inference", 1.0, None)
    assert [len(s["kept"]) for s in data["stages"]] == [32, 16, 8] and data["grid"] == (8, 8)
    rows = cost_rows(v)
    assert [r["patch_tokens"] for r in rows] == v.cost_tokens["dynamicvit"] and len(rows) == 4


def test_one_convention_the_caption_the_panels_and_the_chart_agree(model, pixels):
    """Inference: the counts rho implies, the panels' kept counts and the chart's tokens at each stage's layer
    are the same patch-token numbers (before: the chart counted the CLS token, 33/17/9 against 32/16/8)."""
    v = dynamicvit_view(model, pixels, 0.5)
    assert v.prefix == 1 and v.kept == v.counts == (32, 16, 8) and v.expected is None
    assert tuple(v.cost_tokens["dynamicvit"][layer] for layer in v.pruning_loc) == v.counts
    assert tuple(f.tokens for f in v.fates) == v.kept


def test_training_reports_the_drawn_sample_and_the_expectation(model, pixels):
    """Training: the kept counts are those of the drawn sample the panels show (not rho's counts), and the
    expected counts are the sums of the survival probabilities."""
    v = dynamicvit_view(model, pixels, 0.5, "training", seed=0, samples=8)
    alive = tuple(int(m[0].sum()) for m in v.trace.alive_masks())
    assert v.kept == alive == tuple(f.tokens for f in v.fates)
    assert v.expected == pytest.approx(tuple(float(e) for e in v.expected_keep.sum(-1)))
    assert all(0 < e <= 64 for e in v.expected) and list(v.expected) == sorted(v.expected, reverse=True)
    other = dynamicvit_view(model, pixels, 0.5, "training", seed=1, samples=8)
    assert any(not np.array_equal(a.alive, b.alive) for a, b in zip(v.fates, other.fates))  # another draw
