"""One contract swept over every registered model (timm's style)."""
import io

import pytest
import torch

from vizcore.analysis.flops import counted_macs
from vizcore.models import build, create_model, describe, get_spec, list_models

MODELS = list_models()


def _input(model, batch=2, seed=0):
    _, h, w = model.pretrained_cfg["input_size"]
    return torch.randn(batch, 3, h, w, generator=torch.Generator().manual_seed(seed))


def test_registry_has_the_required_names():
    required = {"deit_tiny_patch16_224", "deit_small_patch16_224", "deit_base_patch16_224"}
    assert required <= set(MODELS)


@pytest.mark.parametrize("name", MODELS)
def test_model_contract(name):
    torch.manual_seed(123)
    model = build(name, seed=0)
    x = _input(model)
    with torch.inference_mode():
        logits = model(x)
        out = model.forward_trace(x, attn=True)
        out_plain = model.forward_trace(x, attn=False)
    assert logits.shape == (2, model.num_classes)
    assert torch.isfinite(logits).all()
    # the traced forward computes the same function, with or without attention maps
    torch.testing.assert_close(out.logits, logits, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(out_plain.logits, logits, atol=1e-4, rtol=1e-4)
    trace = out.trace
    trace.validate(batch=2)
    assert not out_plain.trace.has_attention()
    # tokens per layer follow the analytic schedule
    tokens, macs, other = model.analytic_macs()
    assert trace.tokens_per_layer == [int(t) for t in tokens]
    assert len(macs) == len(tokens) and all(m > 0 for m in macs)
    # attention maps are probability rows where the family has attention
    for a in trace.attn:
        if a is not None:
            torch.testing.assert_close(a.sum(-1), torch.ones_like(a.sum(-1)), atol=1e-4, rtol=0)
    # analytic MACs agree with torch's counter on the explicit-attention path
    counted = counted_macs(model, x[:1], lambda z: model.forward_trace(z, attn=True))
    analytic = sum(macs) + other
    assert abs(counted - analytic) / analytic < 0.02, (counted / 1e9, analytic / 1e9)
    # the CLI description agrees with the built model
    info = describe(name)
    assert info["params"] == sum(p.numel() for p in model.parameters())
    assert info["tokens_per_layer"] == trace.tokens_per_layer
    assert abs(info["gmacs"] - analytic / 1e9) < 1e-3


@pytest.mark.parametrize("name", MODELS)
def test_seeded_determinism(name):
    a, b = build(name, seed=7), build(name, seed=7)
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and torch.equal(va, vb), ka
    c = build(name, seed=8)
    assert any(not torch.equal(va, vc) for va, vc in zip(a.state_dict().values(), c.state_dict().values()))
    x = _input(a, batch=1)
    with torch.inference_mode():
        torch.testing.assert_close(a.forward_trace(x).logits, b.forward_trace(x).logits, atol=0, rtol=0)


@pytest.mark.parametrize("name", MODELS)
def test_official_checkpoint_round_trip(name):
    """A file with the official key names, built here, loads strictly and reproduces the logits."""
    spec = get_spec(name)
    model = build(name, seed=3)
    state = model.state_dict()
    official = spec.to_official(state) if spec.to_official else dict(state)
    buf = io.BytesIO()
    torch.save({"model": official, "epoch": 300}, buf)
    loaded = create_model(name, "file", checkpoint=buf.getvalue(), seed=99)
    x = _input(model, batch=1)
    with torch.inference_mode():
        torch.testing.assert_close(loaded(x), model(x), atol=1e-5, rtol=1e-5)
