"""EViT: kept counts, fused-token weights, and an independent reference of the official forward."""
import math

import pytest
import torch

from vizcore.models.evit import EViT, cls_attention, complement, evit_keep_count, select_and_fuse
from vizcore.models.registry import describe

TINY = dict(embed_dim=64, depth=4, num_heads=4, num_classes=10)


def tiny(img_size=64, patch_size=8, locs=(1, 2, 3), keep_rate=0.7, seed=0, **kw) -> EViT:
    torch.manual_seed(seed)
    m = EViT(locs=locs, keep_rate=keep_rate, img_size=img_size, patch_size=patch_size, **{**TINY, **kw})
    with torch.no_grad():  # sharper attention than the .02 init, so CLS attention ranks clearly
        for blk in m.blocks:
            blk.attn.qkv.weight.normal_(0, 0.3)
    return m.eval()


def images(model, batch=2, seed=0):
    h, w = model.patch_embed.img_size
    return torch.randn(batch, 3, h, w, generator=torch.Generator().manual_seed(seed))


# ------------------------------------------------------------------ independent reference (official logic)
def complement_idx(idx, dim):
    a = torch.arange(dim, device=idx.device).unsqueeze(0).expand(idx.shape[0], -1)
    masked = torch.scatter(a, -1, idx, 0)
    compl, _ = torch.sort(masked, dim=-1, descending=False)
    return compl[:, idx.shape[1]:]


def ref_attention(attn_mod, x):
    B, N, C = x.shape
    H = attn_mod.num_heads
    qkv = attn_mod.qkv(x).reshape(B, N, 3, H, C // H).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    attn = ((q @ k.transpose(-2, -1)) * attn_mod.scale).softmax(dim=-1)
    return attn_mod.proj((attn @ v).transpose(1, 2).reshape(B, N, C)), attn


def ref_forward(model, x, locs, keep_rate, fuse_token=True):
    B = x.shape[0]
    x = model.norm_pre(model._pos_embed(model.patch_embed(x)))
    p = model.num_prefix_tokens
    ids = torch.arange(x.shape[1] - p).repeat(B, 1)
    kept = []
    for i, blk in enumerate(model.blocks):
        B, N, C = x.shape
        tmp, attn = ref_attention(blk.attn, blk.norm1(x))
        x = x + blk.ls1(tmp)
        if i in locs:
            left_tokens = math.ceil(keep_rate * (N - p))
            cls_attn = attn[:, :, 0, p:].mean(dim=1)
            _, idx = torch.topk(cls_attn, left_tokens, dim=1, largest=True, sorted=True)
            non_cls = x[:, p:]
            x_others = torch.gather(non_cls, dim=1, index=idx.unsqueeze(-1).expand(-1, -1, C))
            kept.append(ids.gather(1, idx))
            if fuse_token:
                compl = complement_idx(idx, N - p)
                non_topk = torch.gather(non_cls, dim=1, index=compl.unsqueeze(-1).expand(-1, -1, C))
                non_topk_attn = torch.gather(cls_attn, dim=1, index=compl)
                extra_token = torch.sum(non_topk * non_topk_attn.unsqueeze(-1), dim=1, keepdim=True)
                x = torch.cat([x[:, :p], x_others, extra_token], dim=1)
                ids = torch.cat([ids.gather(1, idx), torch.full((B, 1), -1)], dim=1)
            else:
                x = torch.cat([x[:, :p], x_others], dim=1)
                ids = ids.gather(1, idx)
        x = x + blk.ls2(blk.mlp(blk.norm2(x)))
    return model.forward_head(model.norm(x)), kept


@pytest.mark.parametrize("dtype,fuse", [(torch.float64, True), (torch.float32, True), (torch.float64, False)])
def test_matches_independent_reference(dtype, fuse):
    model = tiny(img_size=(48, 80)).to(dtype)
    if not fuse:
        model = EViT(locs=(1, 2, 3), keep_rate=0.7, fuse_token=False, img_size=(48, 80), patch_size=8,
                     **TINY).to(dtype).eval()
        model.load_state_dict(tiny(img_size=(48, 80)).to(dtype).state_dict())
    x = images(model, batch=4).to(dtype)
    with torch.inference_mode():
        ref_logits, ref_kept = ref_forward(model, x, (1, 2, 3), 0.7, fuse)
        out = model.forward_trace(x)
        plain = model(x)
    torch.testing.assert_close(out.logits, ref_logits, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(plain, ref_logits, atol=1e-4, rtol=1e-4)
    for stage, ids in zip(out.trace.stages, ref_kept):
        assert torch.equal(stage.extras["kept_ids"], ids)


def test_kept_counts_follow_the_official_ceil_with_the_fused_token_counted():
    # 64 patches: ceil(.7*64)=45 (+1 fused) -> 46 candidates: ceil(.7*46)=33 (+1) -> 34: ceil(.7*34)=24 (+1)
    model = tiny()
    with torch.inference_mode():
        out = model.forward_trace(images(model))
    assert out.trace.tokens_per_layer == [65, 65, 47, 35]  # tokens entering attention; reduced before the MLP
    assert [mlp for _, mlp in model.reducer.schedule(64, 1, 4)] == [65, 47, 35, 26]
    assert [s.extras["kept_ids"].shape[1] for s in out.trace.stages] == [45, 33, 24]
    assert model.analytic_macs()[0] == out.trace.tokens_per_layer
    info = describe("evit_deit_small")
    assert info["tokens_per_layer"] == [197] * 4 + [140] * 3 + [100] * 3 + [72] * 2
    assert abs(info["gmacs"] - 3.0) <= max(0.03 * 3.0, 0.05)
    assert evit_keep_count(196, 0.7) == 138 and evit_keep_count(139, 0.7) == 98 and evit_keep_count(99, 0.7) == 70


def test_fused_weights_are_the_raw_cls_attention_of_the_dropped_tokens():
    model = tiny()
    p = model.num_prefix_tokens
    with torch.inference_mode():
        out = model.forward_trace(images(model, batch=3), attn=True)
    first = out.trace.stages[0]
    assert first.kind == "fuse"
    row = out.trace.attn[first.layer][:, :, 0, p:].mean(dim=1)  # (B, 64) head-mean CLS attention
    kept = first.kept_mask(64)
    expected = torch.where(kept, torch.zeros_like(row), row)
    torch.testing.assert_close(first.fused_weights, expected, atol=1e-6, rtol=1e-5)
    # not renormalised (official): the weights sum to the CLS attention mass on the dropped tokens (< 1)
    torch.testing.assert_close(first.fused_weights.sum(1), first.extras["fused_mass"], atol=1e-6, rtol=1e-5)
    assert torch.all(first.fused_weights.sum(1) < 1)
    # scores are that same CLS attention for every alive patch; the kept ones are its top-k
    torch.testing.assert_close(first.scores, row, atol=1e-6, rtol=1e-5)
    # later fused tokens carry the earlier fused patches with product weights; never weight on kept patches
    for stage in out.trace.stages[1:]:
        alive = stage.kept_mask(64)
        assert torch.all(stage.fused_weights >= 0) and torch.all(stage.fused_weights[alive] == 0)
        assert torch.all(stage.fused_weights.sum(1) < 1)
        out.trace.validate(batch=3)


def test_select_and_fuse_keeps_a_fused_token_that_wins():
    # prefix 1; candidates: 4 patches + 1 earlier fused token (last), which gets the highest CLS attention
    x = torch.arange(6 * 2, dtype=torch.float32).reshape(1, 6, 2)
    attn = torch.tensor([[0.10, 0.05, 0.20, 0.02, 0.40]])
    out, idx, compl, weights = select_and_fuse(x, attn, prefix=1, keep=evit_keep_count(5, 0.5))
    assert idx.tolist() == [[4, 2, 0]]  # topk sorted: the fused token first
    assert compl.tolist() == [[1, 3]] and torch.allclose(weights, torch.tensor([[0.05, 0.02]]))
    fused = 0.05 * x[0, 2] + 0.02 * x[0, 4]
    torch.testing.assert_close(out[0], torch.stack([x[0, 0], x[0, 5], x[0, 3], x[0, 1], fused]))
    assert complement(torch.tensor([[4, 0]]), 5).tolist() == [[1, 2, 3]]


def test_cheap_cls_row_equals_the_full_attention_row():
    q, k = torch.randn(2, 3, 7, 8), torch.randn(2, 3, 7, 8)
    full = ((q @ k.transpose(-2, -1)) * 8 ** -0.5).softmax(-1)[:, :, 0, 2:].mean(1)
    torch.testing.assert_close(cls_attention(q, k, prefix=2), full)


def test_surviving_fused_token_keeps_the_trace_valid():
    # many stages at a low keep rate: earlier fused tokens get kept by some images
    model = tiny(depth=6, locs=(0, 1, 2, 3, 4, 5), keep_rate=0.5)
    with torch.inference_mode():
        out = model.forward_trace(images(model, batch=8, seed=1))
    out.trace.validate(batch=8)
    masks = out.trace.alive_masks()
    assert any(stage.mask is not None for stage in out.trace.stages)  # the case did happen
    for stage, mask in zip(out.trace.stages, masks):
        real = stage.extras["kept_ids"] >= 0
        assert torch.equal(mask.sum(1), real.sum(1))
    assert model.analytic_macs()[0] == out.trace.tokens_per_layer
