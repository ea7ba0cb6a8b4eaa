"""The attention trace of timm ViTs and the analyses built on it."""
import pytest
import timm
import torch

from vizcore.analysis import attention as A
from vizcore.models.vit import ViT
from vizcore.plots import attention_views as av


def tiny_vit(**kw):
    torch.manual_seed(0)
    cfg = dict(img_size=(48, 80), patch_size=16, embed_dim=48, depth=3, num_heads=4, num_classes=7)
    cfg.update(kw)
    return ViT(**cfg).eval(), cfg


@pytest.mark.parametrize("extra", [{}, {"reg_tokens": 2}, {"init_values": 1e-2}, {"class_token": False,
                                                                                    "global_pool": "avg"}])
def test_trace_matches_timm_forward(extra):
    model, cfg = tiny_vit(**extra)
    ref = timm.models.vision_transformer.VisionTransformer(**cfg).eval()
    ref.load_state_dict(model.state_dict())
    x = torch.randn(2, 3, 48, 80)
    with torch.inference_mode():
        expected = ref(x)
        assert torch.equal(model(x), expected)  # plain forward is timm's own
        out = model.forward_trace(x, attn=True)
    torch.testing.assert_close(out.logits, expected, atol=1e-5, rtol=1e-5)
    trace = out.trace
    prefix = model.num_prefix_tokens
    assert trace.grid == (3, 5) and trace.prefix == prefix
    n = prefix + 15
    assert trace.tokens_per_layer == [n] * 3
    for a in trace.attn:
        assert a.shape == (2, 4, n, n)
        torch.testing.assert_close(a.sum(-1), torch.ones(2, 4, n))
    trace.validate(batch=2)


def test_attention_is_explicit_only_when_asked():
    model, _ = tiny_vit()
    x = torch.randn(1, 3, 48, 80)
    with torch.inference_mode():
        plain = model.forward_trace(x, attn=False)
    assert plain.trace.attn == [] and not plain.trace.has_attention()


def test_attention_matches_manual_softmax():
    model, _ = tiny_vit()
    x = torch.randn(1, 3, 48, 80)
    with torch.inference_mode():
        trace = model.forward_trace(x, attn=True).trace
        tokens = model.norm_pre(model.patch_drop(model._pos_embed(model.patch_embed(x))))
        blk = model.blocks[0]
        qkv = blk.attn.qkv(blk.norm1(tokens)).reshape(1, -1, 3, 4, 12).permute(2, 0, 3, 1, 4)
        q, k = qkv[0], qkv[1]
        manual = ((q @ k.transpose(-2, -1)) / 12 ** 0.5).softmax(-1)
    torch.testing.assert_close(trace.attn[0], manual)


def test_rollout_by_hand():
    a1 = torch.tensor([[[[0.5, 0.5], [0.2, 0.8]]]])  # (B=1, H=1, 2, 2)
    a2 = torch.tensor([[[[1.0, 0.0], [0.5, 0.5]]]])
    eye = torch.eye(2)
    r1 = (a1[0, 0] + eye) / 2
    r1 = r1 / r1.sum(-1, keepdim=True)
    r2 = (a2[0, 0] + eye) / 2
    r2 = r2 / r2.sum(-1, keepdim=True)
    torch.testing.assert_close(A.rollout([a1, a2])[0], r2 @ r1)
    assert torch.allclose(A.rollout([a1, a2]).sum(-1), torch.ones(1, 2))


def test_rollout_rows_normalised_with_discard_and_fusions():
    torch.manual_seed(0)
    attns = [torch.rand(2, 3, 10, 10).softmax(-1) for _ in range(4)]
    for fusion in A.HEAD_FUSIONS:
        r = A.rollout(attns, fusion, discard_ratio=0.5)
        assert r.shape == (2, 10, 10)
        torch.testing.assert_close(r.sum(-1), torch.ones(2, 10))
    # discarding changes the result; min fusion differs from mean
    assert not torch.allclose(A.rollout(attns, "mean", 0.5), A.rollout(attns, "mean", 0.0))
    assert not torch.allclose(A.rollout(attns, "min"), A.rollout(attns, "mean"))
    # the prefix (CLS) column is never discarded
    spiky = [torch.full((1, 1, 4, 4), 1e-3).index_fill(-1, torch.tensor([1]), 1.0)]
    assert A.rollout(spiky, discard_ratio=0.9, prefix=1)[0, 1, 0] > 0
    with pytest.raises(ValueError):
        A.rollout([torch.rand(1, 1, 4, 4), torch.rand(1, 1, 3, 3)])
    with pytest.raises(ValueError):
        A.rollout(attns, discard_ratio=1.0)


def test_rollout_upto_uses_first_layers_only():
    attns = [torch.rand(1, 2, 5, 5).softmax(-1) for _ in range(3)]
    torch.testing.assert_close(A.rollout(attns, upto=0), A.rollout(attns[:1]))


def test_normalise_modes():
    maps = torch.arange(2 * 3 * 2 * 2, dtype=torch.float32).reshape(2, 3, 2, 2)
    per_map = A.normalise(maps, "map")
    assert torch.allclose(per_map.amin((2, 3)), torch.zeros(2, 3))
    assert torch.allclose(per_map.amax((2, 3)), torch.ones(2, 3))
    per_layer = A.normalise(maps, "layer")
    assert per_layer[0].min() == 0 and per_layer[0].max() == 1 and per_layer[0, 0].max() < 1
    glob = A.normalise(maps, "global")
    assert glob.min() == 0 and glob.max() == 1 and glob[0].max() < 1
    with pytest.raises(ValueError):
        A.normalise(maps, "bogus")


def test_token_row_and_prefix_share():
    model, _ = tiny_vit(reg_tokens=2)
    with torch.inference_mode():
        trace = model.forward_trace(torch.randn(1, 3, 48, 80), attn=True).trace
    a = trace.attn[1]
    rows = A.token_row(a, 0, trace.prefix, trace.grid)
    assert rows.shape == (1, 4, 3, 5)
    torch.testing.assert_close(rows.sum((-1, -2)) + A.prefix_share(a, 0, trace.prefix), torch.ones(1, 4))
    maps = A.query_maps(trace, trace.prefix + 4)
    assert maps.shape == (3, 4, 3, 5)
    torch.testing.assert_close(maps[1], A.token_row(a, trace.prefix + 4, trace.prefix, trace.grid)[0])
    shares = A.prefix_shares(trace, 0)
    assert shares.shape == (3, 4)
    torch.testing.assert_close(shares[1], A.prefix_share(a, 0, trace.prefix)[0])


def test_pick_head_and_colour_range():
    maps = torch.rand(3, 4, 2, 5)
    assert torch.equal(A.pick_head(maps, 2), maps[:, 2:3])
    torch.testing.assert_close(A.pick_head(maps, "mean"), maps.mean(1, keepdim=True))
    assert torch.equal(A.pick_head(maps, "max"), maps.amax(1, keepdim=True))
    assert torch.equal(A.pick_head(maps, "min"), maps.amin(1, keepdim=True))
    with pytest.raises(ValueError):
        A.pick_head(maps, 4)
    assert A.colour_range(maps, 1, 2, "map") == (float(maps[1, 2].min()), float(maps[1, 2].max()))
    assert A.colour_range(maps, 1, 2, "layer") == (float(maps[1].min()), float(maps[1].max()))
    assert A.colour_range(maps, 1, 2, "global") == (float(maps.min()), float(maps.max()))
    with pytest.raises(ValueError):
        A.colour_range(maps, 1, 2, "bogus")



def test_pos_embed_similarity_and_shapes():
    model, _ = tiny_vit()
    sim = A.pos_embed_similarity(model.pos_embed.detach(), 1, (3, 5))
    assert sim.shape == (3, 5, 3, 5)
    torch.testing.assert_close(torch.diagonal(sim.reshape(15, 15)), torch.ones(15))
    rows = A.attention_shapes(model, [16, 16, 16])
    assert rows[0]["q"] == (1, 4, 16, 12) and rows[0]["attn"] == (1, 4, 16, 16)


def test_rollout_grid_is_the_cls_row_of_rollout():
    model, _ = tiny_vit(reg_tokens=2)
    with torch.inference_mode():
        trace = model.forward_trace(torch.randn(1, 3, 48, 80), attn=True).trace
    r = A.rollout_grid(trace, "max", 0.3, upto=1)
    full = A.rollout(trace.attn, "max", 0.3, prefix=trace.prefix, upto=1)
    assert r.shape == (3, 5) and (r >= 0).all()
    torch.testing.assert_close(r.reshape(-1), full[0, 0, trace.prefix:])


def test_pictures_draw_what_they_are_given():
    import numpy as np
    rng = np.random.default_rng(0)
    view = rng.integers(0, 255, (48, 80, 3), dtype=np.uint8)
    values = rng.random((3, 5))
    img = av.map_overlay(view, values, 0.0, 1.0)
    assert img.shape == (48, 80, 3) and img.dtype == np.uint8
    assert not np.array_equal(img, av.map_overlay(view, values, 0.0, 2.0))  # the colour range is the caller's
    big = av.map_overlay(view, values, 0.0, 1.0, zoom=3, highlight=7)
    assert big.shape == (144, 240, 3) and not np.array_equal(big[::3, ::3], img)  # grid and outline drawn
    click = av.click_picture(view, (3, 5), zoom=2, highlight=0)
    assert click.shape == (96, 160, 3) and tuple(click[1, 1]) == (255, 60, 60)  # patch 0 outlined
    grid = av.layer_head_grid(view, rng.random((2, 3, 3, 5)), ["layer 0", "layer 1"], ["h0", "h1", "h2"], tile=20)
    assert grid.ndim == 3 and grid.shape[1] > 3 * 20
    sim = rng.uniform(-1, 1, (3, 5, 3, 5))
    assert av.similarity_image(view, sim[1, 2], highlight=7).shape == (48, 80, 3)
    assert av.similarity_atlas(sim, cell=4).shape[:2] == (3 * (3 * 4 + 1) + 1, 5 * (5 * 4 + 1) + 1)  # h x w tiles
