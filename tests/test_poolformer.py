"""PoolFormer: the block by hand, per-call mixer swap, Grad-CAM class maps, official keys, GMACs."""
import io

import pytest
import timm
import torch
import torch.nn.functional as F

from vizcore.models import build, create_model
from vizcore.models.poolformer import (POOLFORMER_CONFIGS, PUBLISHED, PoolFormer, class_map, poolformer_key_map,
                                       poolformer_to_official)


@pytest.fixture(scope="module")
def s12():
    model = build("poolformer_s12", seed=0)
    # layer scales of a trained model are far from the 1e-5 init; make the mixers matter (test-owned model)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "layer_scale" in name:
                p.fill_(0.5)
    return model


def test_block_by_hand(s12):
    blk = s12.stages[1].blocks[0]
    x = torch.randn(2, 128, 9, 7)
    with torch.inference_mode():
        y = F.group_norm(x, 1, blk.norm1.weight, blk.norm1.bias, eps=1e-5)
        pooled = F.avg_pool2d(y, 3, stride=1, padding=1, count_include_pad=False)
        x1 = x + blk.layer_scale1.scale.view(-1, 1, 1) * (pooled - y)
        z = F.group_norm(x1, 1, blk.norm2.weight, blk.norm2.bias, eps=1e-5)
        mlp = F.conv2d(F.gelu(F.conv2d(z, blk.mlp.fc1.weight, blk.mlp.fc1.bias)), blk.mlp.fc2.weight, blk.mlp.fc2.bias)
        expected = x1 + blk.layer_scale2.scale.view(-1, 1, 1) * mlp
        torch.testing.assert_close(blk(x), expected, atol=1e-5, rtol=1e-5)


def test_trace_layout(s12):
    x = torch.randn(1, 3, 224, 224)
    with torch.inference_mode():
        out = s12.forward_trace(x, attn=True)
    tr = out.trace
    tr.validate(batch=1)
    assert tr.grid == (56, 56) and tr.prefix == 0
    assert tr.tokens_per_layer == [3136] * 2 + [784] * 2 + [196] * 6 + [49] * 2
    assert tr.layer_names[2] == "stage 1.0" and tr.attn == [None] * 12 and not tr.has_attention()
    ex = tr.extras
    assert [tuple(f.shape) for f in ex["stage_features"]] == [(1, 64, 56, 56), (1, 128, 28, 28), (1, 320, 14, 14),
                                                              (1, 512, 7, 7)]
    assert len(ex["mixer_norm"]) == 12 and ex["mixer_norm"][4].shape == (1, 14, 14) and ex["mixer"] == "pooling"
    assert ex["stage_of_layer"] == [0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3]


def test_mixer_swap_changes_output_and_not_the_model(s12):
    x = torch.randn(2, 3, 64, 64)
    before = {k: v.clone() for k, v in s12.state_dict().items()}
    with torch.inference_mode():
        ref = s12(x)
        outs = {m: s12.forward_trace(x, mixer=m, attn=True) for m in ("pooling", "identity", "attention")}
        after = s12(x)
    torch.testing.assert_close(outs["pooling"].logits, ref, atol=1e-5, rtol=1e-5)
    assert not torch.allclose(outs["identity"].logits, ref, atol=1e-3)
    assert not torch.allclose(outs["attention"].logits, ref, atol=1e-3)
    assert not torch.allclose(outs["attention"].logits, outs["identity"].logits, atol=1e-3)
    assert torch.equal(after, ref) and s12.mixer == "pooling" and not s12.training
    assert all(torch.equal(before[k], v) for k, v in s12.state_dict().items())
    tr = outs["attention"].trace
    tr.validate(batch=2)
    assert tr.attn[0].shape == (2, 1, 256, 256)
    torch.testing.assert_close(tr.attn[0].sum(-1), torch.ones(2, 1, 256), atol=1e-5, rtol=0)
    assert tr.gmacs > outs["pooling"].trace.gmacs
    with pytest.raises(ValueError):
        s12.forward_trace(x, mixer="conv")


def test_class_map(s12):
    x = torch.randn(2, 3, 96, 64)
    cam = class_map(s12, x)
    assert cam.shape == (2, 96, 64) and float(cam.min()) >= 0 and float(cam.max()) <= 1
    assert torch.allclose(cam.flatten(1).max(1).values, torch.ones(2))
    assert not s12.training and all(p.grad is None for p in s12.parameters())
    with torch.inference_mode():  # the app may call it inside inference mode
        small = class_map(s12, x, target=[1, 2], upsample=False)
    assert small.shape == (2, 3, 2) and not small.requires_grad and not s12.training


def test_official_keys_round_trip(s12):
    state = s12.state_dict()
    official = poolformer_to_official(state)
    expected = {"patch_embed.proj.weight", "network.0.0.norm1.weight", "network.0.0.layer_scale_1",
                "network.0.1.mlp.fc2.bias", "network.1.proj.weight", "network.2.1.norm2.bias",
                "network.6.1.layer_scale_2", "norm.weight", "head.weight"}
    assert expected <= set(official) and not any(k.startswith(("stages", "stem")) for k in official)
    assert poolformer_key_map(official).keys() == state.keys()
    assert poolformer_key_map(state).keys() == state.keys()  # timm / hub keys pass through
    buf = io.BytesIO()
    torch.save({"model": {f"module.{k}": v for k, v in official.items()}}, buf)
    loaded = create_model("poolformer_s12", "file", checkpoint=buf.getvalue(), seed=5)
    x = torch.randn(1, 3, 64, 64)
    with torch.inference_mode():
        torch.testing.assert_close(loaded(x), s12(x), atol=1e-5, rtol=1e-5)


def test_timm_head_order_matches_timm(s12):
    ref = timm.create_model("poolformer_s12").eval()
    ref.load_state_dict(s12.state_dict())
    timm_head = PoolFormer("s12", head_norm="timm").eval()
    timm_head.load_state_dict(s12.state_dict())
    x = torch.randn(1, 3, 64, 64)
    with torch.inference_mode():
        torch.testing.assert_close(timm_head(x), ref(x), atol=1e-5, rtol=1e-5)
        # the official order: GroupNorm over the whole map, then the mean
        feats = s12.forward_features(x)
        n = s12.head.norm
        official = s12.head.fc(F.group_norm(feats, 1, n.weight, n.bias, eps=1e-5).mean((2, 3)))
        torch.testing.assert_close(s12(x), official, atol=1e-5, rtol=1e-5)


def test_gmacs_match_published():
    for variant in POOLFORMER_CONFIGS:
        with torch.device("meta"):
            model = PoolFormer(variant)
        tokens, macs, other = model.analytic_macs()
        g = (sum(macs) + other) / 1e9
        pub = PUBLISHED[variant][0]
        assert abs(g - pub) <= max(0.03 * pub, 0.05), (variant, g, pub)
