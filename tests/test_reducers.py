"""All four token reducers on one odd timm ViT: registers, LayerScale, a non-square grid."""
import io

import pytest
import torch

from vizcore.geometry.flops import counted_macs
from vizcore.models.checkpoint import extract_state_dict, load_strict, read_checkpoint
from vizcore.models.dynamicvit import DynamicViT
from vizcore.models.evit import EViT
from vizcore.models.random_drop import RandomDrop
from vizcore.models.registry import list_models
from vizcore.models.tome import ToMe

ODD = dict(img_size=(48, 80), patch_size=8, embed_dim=64, depth=4, num_heads=4, num_classes=10, reg_tokens=2,
           init_values=1e-5)  # 6 x 10 grid, prefix = cls + 2 registers, LayerScale
MAKERS = {
    "dynamicvit": lambda: DynamicViT(pruning_loc=(1, 2, 3), keep_ratio=0.7, **ODD),
    "evit": lambda: EViT(locs=(1, 2, 3), keep_rate=0.7, **ODD),
    "tome": lambda: ToMe(r=8, **ODD),
    "random_drop": lambda: RandomDrop(pruning_loc=(1, 2, 3), keep_ratio=0.7, **ODD),
}


def make(kind, seed=0):
    torch.manual_seed(seed)
    return MAKERS[kind]().eval()


@pytest.fixture(scope="module")
def x():
    return torch.randn(2, 3, 48, 80, generator=torch.Generator().manual_seed(0))


def test_registered():
    names = set(list_models())
    assert {"dynamicvit_deit_small", "dynamicvit_deit_base", "evit_deit_small", "tome_deit_small",
            "random_drop_deit_small"} <= names
    assert {"dynamicvit_deit_small", "dynamicvit_deit_base"} <= set(list_models("dynamicvit"))


@pytest.mark.parametrize("kind", list(MAKERS))
def test_reducer_contract_on_an_odd_vit(kind, x):
    model = make(kind)
    assert model.num_prefix_tokens == 3 and model.grid == (6, 10)
    with torch.inference_mode():
        logits = model(x)
        out = model.forward_trace(x, attn=True)
        plain = model.forward_trace(x)
    torch.testing.assert_close(out.logits, logits, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(plain.logits, logits, atol=1e-5, rtol=1e-5)
    trace = out.trace
    trace.validate(batch=2)
    assert trace.prefix == 3 and trace.grid == (6, 10)
    tokens, macs, other = model.analytic_macs()
    assert trace.tokens_per_layer == tokens == plain.trace.tokens_per_layer
    assert tokens[0] == 63 and tokens[-1] < 63
    assert len(trace.stages) >= 3
    for mask in trace.alive_masks():
        assert mask.shape == (2, 60) and bool(mask.any(1).all())
    # analytic MACs agree with torch's counter on the explicit path (it misses fused SDPA on the CPU)
    analytic = sum(macs) + other
    counted = counted_macs(model, x[:1], lambda z: model.forward_trace(z, attn=True))
    assert abs(counted - analytic) / analytic < 0.02, (kind, counted, analytic)
    assert not model.training


@pytest.mark.parametrize("kind", list(MAKERS))
def test_prefix_tokens_survive_and_checkpoints_load_strictly(kind, x):
    src, dst = make(kind, seed=1), make(kind, seed=2)
    buf = io.BytesIO()
    torch.save({"model": src.state_dict()}, buf)
    load_strict(dst, extract_state_dict(read_checkpoint(buf.getvalue())))
    assert {"reg_token", "blocks.0.ls1.gamma", "blocks.0.ls2.gamma"} <= set(dst.state_dict())
    with torch.inference_mode():
        torch.testing.assert_close(dst(x), src(x))
        out = src.forward_trace(x, attn=True)
    # the three prefix tokens are never dropped or merged: every layer's attention still holds them
    for a in out.trace.attn:
        assert a.shape[-1] >= 3
    # kept / source index only patches
    for stage in out.trace.stages:
        if stage.kept is not None:
            assert int(stage.kept.max()) < 60


@pytest.mark.parametrize("kind", list(MAKERS))
def test_autograd_path(kind, x):
    model = make(kind)
    logits = model(x)
    logits.sum().backward()
    assert model.blocks[0].attn.qkv.weight.grad is not None
