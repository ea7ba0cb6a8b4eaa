"""PoolFormer: the block by hand, per-call mixer swap, class maps (grad-cam against the hand-written
Grad-CAM, the shared model untouched), official keys, GMACs."""
import io

import numpy as np
import pytest
import timm
import torch
import torch.nn.functional as F

from vizcore.analysis.class_map import CAM_METHODS, CLASS_SPECIFIC, class_map
from vizcore.models import build, create_model
from vizcore.models.poolformer import (MIXERS, POOLFORMER_CONFIGS, PUBLISHED, PoolFormer, poolformer_key_map,
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


# ---------------------------------------------------------------------------------------- class maps
@pytest.fixture(scope="module")
def tiny():
    """A PoolFormer with one block per stage and narrow stages (seeded; layer scales that make the mixers
    matter, as in ``s12``)."""
    torch.manual_seed(0)
    model = PoolFormer("s12", depths=(1, 1, 1, 1), dims=(16, 24, 32, 48), num_classes=10).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "layer_scale" in name:
                p.fill_(0.5)
    return model


def hand_written_grad_cam(model, x, target, mixer="pooling"):
    """The Grad-CAM this project computed by hand before it used grad-cam (kept only as the regression
    reference): on the last stage's output, channels weighted by the spatial mean of the class score's
    gradient, summed, ReLU, min-max per image. Returns (B, h, w) and the raw maps' ranges (B,)."""
    with torch.inference_mode(False), torch.enable_grad():
        xi = x.detach().clone().requires_grad_(True)
        feats, _ = model._stages(xi, mixer)
        logits = model.forward_head(feats)
        target = torch.as_tensor(target).long().reshape(-1).expand(logits.shape[0])
        score = logits.gather(1, target.view(-1, 1)).sum()
        (grad,) = torch.autograd.grad(score, feats)
    weights = grad.detach().mean(dim=(2, 3), keepdim=True)
    cam = F.relu((weights * feats.detach()).sum(dim=1))  # (B, h, w)
    flat = cam.flatten(1)
    lo, hi = flat.min(dim=1, keepdim=True).values, flat.max(dim=1, keepdim=True).values
    return ((flat - lo) / (hi - lo).clamp_min(1e-12)).reshape(cam.shape), (hi - lo).flatten()


@pytest.mark.parametrize("mixer", MIXERS)
def test_grad_cam_matches_the_hand_written_formula(tiny, mixer):
    x = torch.randn(2, 3, 160, 128, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        top = tiny(x).argmax(-1)
    for target in (top, torch.tensor([3, 7])):
        ref, ranges = hand_written_grad_cam(tiny, x, target, mixer)
        cam = class_map(*tiny.class_map_network(mixer), x, target=target.tolist(), method="gradcam")
        assert cam.shape == (2, 5, 4) and cam.dtype == np.float32
        # Same gradients, same formula: the two differ by float32 rounding (numpy's and torch's sums in other
        # orders, ~1e-7 of the values summed; 1e-5 leaves room for cancellation) and by the 1e-7 the library
        # adds to the denominator of each of its two min-max scalings: at most 2e-7 / (range of the raw map)
        assert float(ranges.min()) > 1e-3  # a map that is not flat: the comparison means something
        tolerance = 1e-5 + 2e-7 / ranges.numpy()[:, None, None]
        assert (np.abs(cam - ref.numpy()) <= tolerance).all(), np.abs(cam - ref.numpy()).max()


def test_class_map_methods(tiny):
    x = torch.randn(1, 3, 96, 96, generator=torch.Generator().manual_seed(2))
    network, layer = tiny.class_map_network()
    assert isinstance(layer, torch.nn.Identity) and network.model is tiny
    for method in CAM_METHODS:
        maps = [class_map(network, layer, x, target=t, method=method)[0] for t in (0, 1)]
        for m in maps:
            assert m.shape == (3, 3) and m.min() >= 0 and m.max() == pytest.approx(1.0, abs=1e-6)
        # EigenCAM is the features' first principal component: the same for every class
        assert np.allclose(maps[0], maps[1]) != CLASS_SPECIFIC[method], method
    with pytest.raises(ValueError):
        class_map(network, layer, x, method="scorecam")


def hooks(model) -> int:
    return sum(len(getattr(m, name)) for m in model.modules() for name in
               ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks"))


@pytest.mark.parametrize("training", [False, True])
def test_class_map_leaves_the_shared_model_as_it_was(training):
    """The app's models are cached and shared by every session (eval mode, requires_grad False); a test
    model here also holds a gradient and train-mode flags, and the bundled stem has BatchNorm (whose running
    statistics a train-mode forward would change). Nothing changes, with or without an error."""
    model = build("bundled_poolformer", seed=0)
    model.train(training)
    model.stem.train(not training)  # mixed flags must come back as they were, not as model.train(...)
    for p in model.parameters():
        p.requires_grad_(False)
    model.head.fc.weight.requires_grad_(True)
    held = torch.ones_like(model.head.fc.weight)
    model.head.fc.weight.grad = held
    modes = [m.training for m in model.modules()]
    state = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.randn(1, 3, 96, 96)
    network, layer = model.class_map_network("attention")

    def untouched():
        assert [m.training for m in model.modules()] == modes
        assert all(torch.equal(v, state[k]) for k, v in model.state_dict().items())
        assert [p.requires_grad for p in model.parameters()] == [n == "head.fc.weight" for n, _ in
                                                                  model.named_parameters()]
        assert model.head.fc.weight.grad is held and torch.equal(held, torch.ones_like(held))
        assert all(p.grad is None for n, p in model.named_parameters() if n != "head.fc.weight")
        assert hooks(model) == 0 and hooks(network) == 0

    with torch.inference_mode():  # the app may call it inside inference mode
        for method in CAM_METHODS:
            cam = class_map(network, layer, x, target=1, method=method)
            assert cam.shape == (1, 3, 3)
            untouched()
    with pytest.raises(IndexError):  # a class the head does not have: the library fails after hooking
        class_map(network, layer, x, target=10_000)
    untouched()


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
