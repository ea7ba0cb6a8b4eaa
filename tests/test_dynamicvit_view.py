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
    n = 1 + 64  # cls + patches
    assert inference.num_patches == 64 and inference.counts == (32, 16, 8) and inference.pruning_loc == (1, 2, 3)
    assert inference.cost_tokens["plain"] == [n] * 4 and inference.cost_tokens["dynamicvit"] == [n, 33, 17, 9]
    assert training.cost_tokens["dynamicvit"] == [n] * 4  # the Gumbel view masks tokens, it drops none
    assert inference.gmacs < inference.plain_gmacs < training.gmacs  # training pays for the predictors too
    assert inference.final_tokens == 9 and training.final_tokens == n
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
    assert [r["tokens"] for r in rows] == v.cost_tokens["dynamicvit"] and len(rows) == 4
