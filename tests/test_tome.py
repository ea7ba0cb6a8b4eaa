"""ToMe: parse_r, bipartite matching against a naive reference, sizes and sources, the model forward."""
import math

import pytest
import torch

from vizcore.models.registry import describe
from vizcore.models.tome import ToMe, ToMeReducer, bipartite_soft_matching, merge_source, merge_wavg, parse_r

TINY = dict(embed_dim=64, depth=4, num_heads=4, num_classes=10)


def tiny(r=6, img_size=64, patch_size=8, seed=0, **kw) -> ToMe:
    torch.manual_seed(seed)
    return ToMe(r=r, img_size=img_size, patch_size=patch_size, **{**TINY, **kw}).eval()


def images(model, batch=2, seed=0):
    h, w = model.patch_embed.img_size
    return torch.randn(batch, 3, h, w, generator=torch.Generator().manual_seed(seed))


# ------------------------------------------------------------------ a naive reference of one merge step
def naive_merge(x, metric, r, prefix, size):
    """Loops over images and tokens: ToMe's matching and size-weighted merge, written out plainly."""
    B, T, C = x.shape
    xs, sizes, groups_all = [], [], []
    for b in range(B):
        m = metric[b] / metric[b].norm(dim=-1, keepdim=True)
        a_pos, b_pos = list(range(0, T, 2)), list(range(1, T, 2))
        best = {}
        for pa in a_pos:
            if pa < prefix:
                continue
            sims = [float(m[pa] @ m[pb]) if pb >= prefix else -math.inf for pb in b_pos]
            j = max(range(len(sims)), key=lambda i: sims[i])
            best[pa] = (sims[j], b_pos[j])
        r_eff = min(r, (T - prefix) // 2)
        merged = sorted(best, key=lambda pa: -best[pa][0])[:r_eff]
        order = [i for i in range(prefix)]
        order += [pa for pa in a_pos if pa >= prefix and pa not in merged]
        order += [pb for pb in b_pos if pb >= prefix]
        groups = [[i] + ([pa for pa in merged if best[pa][1] == i] if i in b_pos else []) for i in order]
        w = size[b, :, 0]
        xs.append(torch.stack([(x[b, g] * w[g, None]).sum(0) / w[g].sum() for g in groups]))
        sizes.append(torch.stack([w[g].sum() for g in groups])[:, None])
        groups_all.append(groups)
    return torch.stack(xs), torch.stack(sizes), groups_all


@pytest.mark.parametrize("prefix", [1, 2, 3])
def test_matching_matches_a_naive_reference(prefix):
    g = torch.Generator().manual_seed(prefix)
    B, T, C = 3, 21, 5
    x, metric = torch.randn(B, T, C, generator=g), torch.randn(B, T, 4, generator=g)
    size = torch.randint(1, 4, (B, T, 1), generator=g).float()
    plan = bipartite_soft_matching(metric, 6, prefix)
    got_x, got_size = merge_wavg(plan, x, size)
    ref_x, ref_size, groups = naive_merge(x, metric, 6, prefix, size)
    torch.testing.assert_close(got_x, ref_x)
    torch.testing.assert_close(got_size, ref_size)
    source = merge_source(plan, torch.eye(T).expand(B, T, T))
    for b in range(B):
        assert [sorted(row.nonzero().flatten().tolist()) for row in source[b]] == [sorted(gr) for gr in groups[b]]
    # prefix tokens come out first and unchanged
    torch.testing.assert_close(got_x[:, :prefix], x[:, :prefix])


def test_r_is_capped_at_half_of_the_mergeable_tokens():
    metric = torch.randn(1, 9, 4)
    assert bipartite_soft_matching(metric, 100, prefix=1).r == 4
    assert bipartite_soft_matching(metric[:, :1], 3, prefix=1) is None


def test_parse_r_as_official():
    assert parse_r(12, 13) == [13] * 12
    assert parse_r(4, [5, 3]) == [5, 3, 0, 0]
    dec = parse_r(12, (8, -1.0))
    assert dec[0] == 16 and dec[-1] == 0 and all(a >= b for a, b in zip(dec, dec[1:]))
    assert parse_r(12, (8, 0.0)) == [8] * 12


def test_deit_small_r13_goes_from_197_to_41_tokens():
    info = describe("tome_deit_small")
    assert info["tokens_per_layer"] == [197 - 13 * i for i in range(12)]
    sched = ToMeReducer(13).schedule(196, 1, 12)
    assert sched[-1] == (54, 41)


def test_merges_r_per_layer_with_sizes_and_partitioning_sources():
    model = tiny(r=[10, 8, 6, 4], img_size=(48, 80), reg_tokens=2, init_values=1e-5)  # 60 patches, prefix 3
    p, n0 = 3, 60
    with torch.inference_mode():
        out = model.forward_trace(images(model, batch=2))
    trace = out.trace
    trace.validate(batch=2)
    assert trace.tokens_per_layer == [63, 53, 45, 39]
    assert [s.extras["r"] for s in trace.stages] == [10, 8, 6, 4]
    for stage in trace.stages:
        assert stage.kind == "merge"
        src = stage.source  # (B, n_out, 60)
        assert set(src.unique().tolist()) <= {0.0, 1.0}
        torch.testing.assert_close(src.sum(1), torch.ones(2, n0))  # every original patch in exactly one group
        torch.testing.assert_close(src.sum(2), stage.extras["size"])  # a group's size = its patches
        torch.testing.assert_close(stage.extras["size"].sum(1), torch.full((2,), float(n0)))
        # the representative id belongs to its group
        assert torch.all(src.gather(2, stage.kept.unsqueeze(-1)) == 1)
        assert torch.all(stage.kept_mask(n0))  # merged, never dropped
    assert trace.extras["r"] == [10, 8, 6, 4]


def ref_forward(model, x, rs, prop_attn=True):
    """The official ToMe block loop (explicit attention, log-size bias) with the naive merge."""
    x = model.norm_pre(model._pos_embed(model.patch_embed(x)))
    p = model.num_prefix_tokens
    size = torch.ones_like(x[..., :1])
    for blk, r in zip(model.blocks, rs):
        attn_mod = blk.attn
        h = blk.norm1(x)
        B, N, C = h.shape
        H = attn_mod.num_heads
        qkv = attn_mod.qkv(h).reshape(B, N, 3, H, C // H).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q @ k.transpose(-2, -1)) * attn_mod.scale
        if prop_attn:
            attn = attn + size.log()[:, None, None, :, 0]
        out = attn_mod.proj((attn.softmax(-1) @ v).transpose(1, 2).reshape(B, N, C))
        x = x + blk.ls1(out)
        if r > 0:
            x, size, _ = naive_merge(x, k.mean(1), r, p, size)
        x = x + blk.ls2(blk.mlp(blk.norm2(x)))
    return model.forward_head(model.norm(x))


@pytest.mark.parametrize("prop_attn", [True, False])
def test_model_matches_reference_forward(prop_attn):
    model = ToMe(r=5, prop_attn=prop_attn, img_size=(48, 80), patch_size=8, reg_tokens=2, **TINY).double().eval()
    x = images(model).double()
    with torch.inference_mode():
        ref = ref_forward(model, x, [5] * 4, prop_attn)
        torch.testing.assert_close(model(x), ref, atol=1e-8, rtol=1e-6)
        torch.testing.assert_close(model.forward_trace(x, attn=True).logits, ref, atol=1e-8, rtol=1e-6)


def test_proportional_attention_bias():
    model = tiny()
    reducer = model.reducer
    from vizcore.models.vit import TokenState
    state = TokenState(ids=torch.arange(4).expand(2, 4), prefix=1, num_patches=4, tracing=False)
    assert reducer.attention_bias(0, state) is None
    state.size = torch.tensor([[1.0, 2.0, 4.0]]).unsqueeze(-1)
    bias = reducer.attention_bias(1, state)
    assert bias.shape == (1, 1, 1, 3)
    torch.testing.assert_close(bias.flatten(), torch.tensor([0.0, math.log(2), math.log(4)]))
