"""WuKong TokenReduction: the module by hand, maps, key names (new and old), the traced model."""
import pytest
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from vizcore.models.checkpoint import load_strict
from vizcore.models.wukong import (TokenReduction, WuKongViT, late_interaction_cost, token_wise_similarity,
                                   wukong_key_map, wukong_to_official)


def _tiny(seed=0):
    torch.manual_seed(seed)
    return WuKongViT(img_size=64, patch_size=16, embed_dim=64, depth=2, num_heads=2, output_dim=32,
                     num_tokens=4, num_classes=10).eval()


def test_token_reduction_by_hand():
    torch.manual_seed(0)
    tr = TokenReduction(in_channels=32, num_tokens=5).eval()
    assert [n for n, _ in tr.named_parameters()] == ["norm.weight", "norm.bias", "attention_maps.0.weight",
                                                    "attention_maps.1.weight", "feat_conv.weight"]
    assert tr.attention_maps[0].groups == 8 and tr.feat_conv.groups == 8 and tr.attention_maps[1].groups == 1
    assert all(m.bias is None for m in (tr.attention_maps[0], tr.attention_maps[1], tr.feat_conv))
    x = torch.randn(2, 3, 4, 32)  # (B, H, W, C)
    with torch.inference_mode():
        out, maps = tr(x)
        # by hand: LN -> grouped 1x1 -> 1x1 -> softmax over H*W; features: grouped 1x1 of the raw input
        y = F.layer_norm(x, (32,), tr.norm.weight, tr.norm.bias, 1e-5).permute(0, 3, 1, 2)
        logits = F.conv2d(F.conv2d(y, tr.attention_maps[0].weight, groups=8), tr.attention_maps[1].weight)
        expected_maps = logits.flatten(2).softmax(dim=-1)  # (B, T, H*W)
        feats = F.conv2d(x.permute(0, 3, 1, 2), tr.feat_conv.weight, groups=8).flatten(2).transpose(1, 2)
        expected = torch.einsum("bsi,bid->bsd", expected_maps, feats)
    assert out.shape == (2, 5, 32) and maps.shape == (2, 5, 12)
    torch.testing.assert_close(maps, expected_maps, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(maps.sum(-1), torch.ones(2, 5), atol=1e-6, rtol=0)


def test_trace():
    model = _tiny()
    x = torch.randn(2, 3, 64, 64)
    with torch.inference_mode():
        logits = model(x)
        out = model.forward_trace(x, attn=True)
    tr = out.trace
    tr.validate(batch=2)
    torch.testing.assert_close(out.logits, logits, atol=1e-5, rtol=1e-5)
    assert tr.tokens_per_layer == [17, 17, 4] and tr.layer_names[-1] == "reduce" and tr.grid == (4, 4)
    assert tr.attn[-1] is None and tr.attn[0].shape == (2, 2, 17, 17)
    (stage,) = tr.stages
    assert stage.kind == "reduce" and stage.layer == 2 and stage.source.shape == (2, 4, 16)
    maps = tr.extras["token_maps"]
    assert maps.shape == (2, 4, 4, 4)
    torch.testing.assert_close(maps.sum((2, 3)), torch.ones(2, 4), atol=1e-5, rtol=0)
    assert tr.alive_masks()[0].all()
    # the classifier: mean of the T reduced tokens, then the Linear
    torch.testing.assert_close(model.head(tr.extras["reduced_tokens"].mean(1)), logits, atol=1e-5, rtol=1e-5)


def test_default_model_shape():
    with torch.device("meta"):
        model = WuKongViT()
    tokens, macs, other = model.analytic_macs()
    assert model.grid == (7, 7) and tokens == [50] * 12 + [12]
    assert model.token_reduction.in_channels == 256 and model.token_reduction.num_tokens == 12
    assert 4.3 < (sum(macs) + other) / 1e9 < 4.5  # ViT-B/32 at 224: 4.4 GMACs


@pytest.mark.parametrize("prefix", ["token_reduction", "token_learner"])
def test_official_key_names_load(prefix):
    src, dst = _tiny(0), _tiny(1)
    official = wukong_to_official(src.state_dict())
    assert "visual.token_reduction.attention_maps.0.weight" in official and "visual.proj" in official
    assert "visual.transformer.resblocks.1.attn.in_proj_weight" in official
    official = {k.replace("token_reduction", prefix): v for k, v in official.items()}
    # a full WuKong file also carries the text tower and the loss scale: dropped by the key map
    official.update({"transformer.resblocks.0.ln_1.weight": torch.ones(8), "loss.logit_scale": torch.ones(()),
                     "text_projection": torch.ones(8, 8)})
    load_strict(dst, {f"module.{k}": v for k, v in official.items()}, key_map=wukong_key_map)
    x = torch.randn(1, 3, 64, 64)
    with torch.inference_mode():
        torch.testing.assert_close(dst(x), src(x), atol=1e-6, rtol=1e-6)


def test_late_interaction_cost_counts_what_the_score_computes():
    """The cost formula against an independent count: the similarity tensor token_wise_similarity's einsum
    builds for a batch of B images x B texts, and the FLOPs torch counts for it (2 per multiply-add)."""
    B, N, T, M, d = 3, 49, 12, 7, 16
    txt = F.normalize(torch.randn(B, M, d), dim=-1)
    cost = late_interaction_cost(N, M, T, dim=d, num_pairs=B * B)
    for tokens, kind in ((N, "full"), (T, "reduced")):
        img = F.normalize(torch.randn(B, tokens, d), dim=-1)
        with FlopCounterMode(display=False) as counter:
            sim = torch.einsum("ind,jmd->ijnm", img, txt)  # the score's similarity tensor
        assert sim.numel() == cost[f"{kind}_similarities"]
        assert counter.get_total_flops() == 2 * cost[f"{kind}_macs"]
    assert cost["ratio"] == pytest.approx(T / N) and (cost["dim"], cost["pairs"]) == (d, B * B)


def test_token_wise_similarity():
    img, txt = torch.randn(3, 5, 8), torch.randn(2, 4, 8)
    mask = torch.tensor([[True, True, True, False], [True, True, False, False]])
    i2t, t2i = token_wise_similarity(img, txt, mask)
    assert i2t.shape == t2i.shape == (3, 2)
    a, b = F.normalize(img[1], dim=-1), F.normalize(txt[1, :2], dim=-1)
    sim = a @ b.T
    torch.testing.assert_close(i2t[1, 1], sim.max(1).values.mean())
    torch.testing.assert_close(t2i[1, 1], sim.max(0).values.mean())


def test_late_interaction_head_scores_each_class_by_its_best_token():
    from vizcore.models.wukong import LateInteractionHead
    torch.manual_seed(0)
    head = LateInteractionHead(dim=6, num_classes=3, queries=2)
    tokens = torch.randn(4, 5, 6)
    logits = head(tokens)
    img = torch.nn.functional.normalize(tokens, dim=-1)
    q = torch.nn.functional.normalize(head.queries, dim=-1)
    sim = torch.einsum("btd,cmd->bctm", img, q)  # (B, C, T, M)
    expected = head.logit_scale.exp() * sim.amax(dim=2).mean(dim=-1)
    torch.testing.assert_close(logits, expected)
    # only the best token of each class query gets a gradient from it
    tokens.requires_grad_(True)
    head(tokens)[0, 0].backward()
    assert (tokens.grad[0].abs().sum(-1) > 0).sum() <= 2 and tokens.grad[1:].abs().sum() == 0


def test_wukong_late_head_in_forward_trace_and_macs():
    from vizcore.models.bundled import build_bundled_wukong
    late = build_bundled_wukong(head="late").eval()
    x = torch.randn(2, 3, 96, 96)
    out = late.forward_trace(x)
    torch.testing.assert_close(out.logits, late(x), rtol=1e-4, atol=1e-5)
    linear = build_bundled_wukong(head="linear").eval()
    extra = late.analytic_macs()[2] - linear.analytic_macs()[2]
    assert extra == 8 * 10 * 2 * 64 - 64 * 10  # T x C x M x D similarities instead of the D x C probe
    with pytest.raises(ValueError):
        build_bundled_wukong(head="max")
