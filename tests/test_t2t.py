"""T2T-ViT: soft-split schedule, official token-module math, checkpoints, GMACs."""
import io
import math

import pytest
import torch
import torch.nn.functional as F

from vizcore.models import CheckpointError, build, create_model
from vizcore.models.t2t import (PUBLISHED_GMACS, T2T_CONFIGS, T2TViT, TokenPerformer, TokenTransformer,
                                build_t2t, sinusoid_table)


def _tiny(tokens_type="performer", img_size=64, **kw):
    torch.manual_seed(0)
    return T2TViT(img_size=img_size, tokens_type=tokens_type, embed_dim=32, depth=2, num_heads=2, mlp_ratio=2.0,
                  num_classes=10, **kw).eval()


@pytest.fixture(scope="module")
def t2t7():
    return build("t2t_vit_7", seed=0)


def test_tokens_and_dims_at_224(t2t7):
    x = torch.randn(1, 3, 224, 224)
    with torch.inference_mode():
        out = t2t7.forward_trace(x)
    tr = out.trace
    tr.validate(batch=1)
    assert tr.tokens_per_layer == [3136, 784] + [197] * 7
    assert tr.grid == (14, 14) and tr.prefix == 1
    assert tr.layer_names[:3] == ["T2T 1", "T2T 2", "block 0"]
    ss = tr.extras["soft_split"]
    assert [s["tokens"] for s in ss] == [3136, 784, 196] and [s["token_dim"] for s in ss] == [147, 576, 576]
    # the unfold geometry travels in the trace: window boxes (origins, sizes) and overlap counts
    first = ss[0]
    assert first["windows"].shape == (3136, 4) and first["overlap"].shape == (224, 224)
    assert first["windows"][0].tolist() == [-2, -2, 5, 5] and first["windows"][1].tolist() == [-2, 2, 5, 9]
    w = first["windows"].clamp(0, 224)
    in_bounds = ((w[:, 2] - w[:, 0]) * (w[:, 3] - w[:, 1])).sum()
    assert int(first["overlap"].sum()) == int(in_bounds)  # every in-image pixel of every window counted once
    assert int(first["overlap"].max()) == 4 and int(first["overlap"].min()) >= 1
    assert ss[1]["windows"].shape == (784, 4) and ss[1]["overlap"].shape == (56, 56)
    assert [t.shape for t in tr.extras["t2t_norms"]] == [(1, 56, 56), (1, 28, 28)]
    assert t2t7.pos_embed.shape == (1, 197, 256) and not t2t7.pos_embed.requires_grad


def test_any_input_size_and_attention():
    model = _tiny("transformer", img_size=(64, 48))
    x = torch.randn(2, 3, 64, 48)
    with torch.inference_mode():
        logits = model(x)
        out = model.forward_trace(x, attn=True)
    assert out.trace.grid == (4, 3) and out.trace.tokens_per_layer == [16 * 12, 8 * 6, 13, 13]
    torch.testing.assert_close(out.logits, logits, atol=1e-5, rtol=1e-5)
    a = out.trace.attn
    assert a[0].shape == (2, 1, 192, 192) and a[2].shape == (2, 2, 13, 13)
    torch.testing.assert_close(a[0].sum(-1), torch.ones(2, 1, 192), atol=1e-5, rtol=0)
    # a size the model was not built for: the sinusoid table is computed for the new length
    with torch.inference_mode():
        out2 = model.forward_trace(torch.randn(1, 3, 80, 80))
    assert out2.trace.grid == (5, 5) and out2.trace.tokens_per_layer[2] == 26


def test_performer_attention_is_none_unless_asked():
    model = _tiny("performer")
    x = torch.randn(1, 3, 64, 64)
    with torch.inference_mode():
        tr = model.forward_trace(x, attn=True).trace
        tr2 = model.forward_trace(x, attn=True, performer_attn=True).trace
    assert tr.attn[0] is None and tr.attn[1] is None and tr.attn[2].shape == (1, 2, 17, 17)
    assert tr2.attn[0].shape == (1, 1, 256, 256)
    torch.testing.assert_close(tr2.attn[0].sum(-1), torch.ones(1, 1, 256), atol=1e-4, rtol=0)


def test_token_transformer_matches_official_math():
    torch.manual_seed(1)
    mod = TokenTransformer(dim=27, in_dim=8).eval()
    x = torch.randn(2, 10, 27)
    a = mod.attn
    y = mod.norm1(x)
    q, k, v = (y @ a.qkv.weight.T).split(8, dim=-1)
    attn = ((q * 27 ** -0.5) @ k.transpose(-2, -1)).softmax(-1)  # scale from the *input* width
    z = v + a.proj(attn @ v)
    expected = z + mod.mlp.fc2(F.gelu(mod.mlp.fc1(mod.norm2(z))))
    with torch.inference_mode():
        torch.testing.assert_close(mod(x), expected, atol=1e-5, rtol=1e-5)


def test_token_performer_matches_official_math():
    torch.manual_seed(2)
    mod = TokenPerformer(dim=27, in_dim=8).eval()
    assert mod.m == 4 and mod.w.shape == (4, 8) and not mod.w.requires_grad
    # orthogonal rows scaled by sqrt(m)
    torch.testing.assert_close(mod.w @ mod.w.T, 4.0 * torch.eye(4), atol=1e-4, rtol=0)
    x = torch.randn(2, 10, 27)
    y = mod.norm1(x)
    k, q, v = mod.kqv(y).split(8, dim=-1)

    def prm(t):
        return torch.exp(t @ mod.w.T - (t * t).sum(-1, keepdim=True) / 2) / math.sqrt(4)

    kp, qp = prm(k), prm(q)
    att = (qp @ kp.transpose(1, 2)) / ((qp * kp.sum(1, keepdim=True)).sum(-1, keepdim=True) + 1e-8)
    z = v + mod.proj(att @ v)
    expected = z + mod.mlp(mod.norm2(z))
    with torch.inference_mode():
        torch.testing.assert_close(mod(x), expected, atol=1e-5, rtol=1e-5)


def test_performer_w_is_saved_and_loaded():
    a, b = _tiny("performer"), _tiny("performer")
    torch.manual_seed(5)
    c = T2TViT(img_size=64, embed_dim=32, depth=2, num_heads=2, mlp_ratio=2.0, num_classes=10).eval()
    key = "tokens_to_token.attention1.w"
    assert key in a.state_dict() and "tokens_to_token.attention2.w" in a.state_dict()
    assert not torch.equal(a.state_dict()[key], c.state_dict()[key])
    c.load_state_dict(a.state_dict(), strict=True)
    assert torch.equal(c.state_dict()[key], a.state_dict()[key])
    x = torch.randn(1, 3, 64, 64)
    with torch.inference_mode():
        torch.testing.assert_close(c(x), a(x), atol=0, rtol=0)
        torch.testing.assert_close(b(x), a(x), atol=0, rtol=0)


def _file(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def test_official_files_load_strictly(t2t7):
    state = t2t7.state_dict()
    x = torch.randn(1, 3, 224, 224)
    with torch.inference_mode():
        ref = t2t7(x)
    prefixed = {f"module.{k}": v for k, v in state.items()}
    for obj in ({"state_dict_ema": prefixed, "epoch": 310}, {"state_dict": prefixed, "optimizer": {}},
                {"state_dict": dict(state)}):
        loaded = create_model("t2t_vit_7", "file", checkpoint=_file(obj), seed=11)
        with torch.inference_mode():
            torch.testing.assert_close(loaded(x), ref, atol=1e-5, rtol=1e-5)
    missing_w = {k: v for k, v in state.items() if not k.endswith(".w")}
    with pytest.raises(CheckpointError, match="attention1.w"):
        create_model("t2t_vit_7", "file", checkpoint=_file({"state_dict_ema": missing_w}))


def test_qk_scale_option():
    x = torch.randn(1, 3, 64, 64)
    std, emb = _tiny(), _tiny(qk_scale="embed")
    assert abs(emb.qk_scale - 32 ** -0.5) < 1e-12 and abs(std.qk_scale - 16 ** -0.5) < 1e-12
    with torch.inference_mode():
        a, b = emb(x), emb.forward_trace(x, attn=True)
        torch.testing.assert_close(b.logits, a, atol=1e-5, rtol=1e-5)
        assert not torch.allclose(std(x), a)
    emb.load_state_dict(std.state_dict(), strict=True)  # no extra keys


def test_sinusoid_table_is_the_official_one():
    t = sinusoid_table(5, 6)
    pos, j = 3, 4
    assert abs(float(t[0, pos, j]) - math.sin(pos / 10000 ** (2 * (j // 2) / 6))) < 1e-6
    assert abs(float(t[0, pos, j + 1]) - math.cos(pos / 10000 ** (2 * (j // 2) / 6))) < 1e-6


def test_gmacs_match_published():
    for name in T2T_CONFIGS:
        with torch.device("meta"):
            model = build_t2t(name)
        tokens, macs, other = model.analytic_macs()
        g = (sum(macs) + other) / 1e9
        pub = PUBLISHED_GMACS[name]
        assert abs(g - pub) <= max(0.03 * pub, 0.05), (name, g, pub)
        assert tokens[:3] == [3136, 784, 197]


def test_module_names_are_the_official_ones():
    perf, trans = _tiny("performer"), _tiny("transformer")
    lin = lambda p: {f"{p}.weight", f"{p}.bias"}  # noqa: E731
    performer = set().union(lin("kqv"), lin("proj"), lin("norm1"), lin("norm2"), lin("mlp.0"), lin("mlp.2"), {"w"})
    transformer = set().union(lin("norm1"), {"attn.qkv.weight"}, lin("attn.proj"), lin("norm2"), lin("mlp.fc1"),
                              lin("mlp.fc2"))
    block = transformer  # backbone blocks: the same names (qkv without bias)
    for model, tm in ((perf, performer), (trans, transformer)):
        keys = set(model.state_dict())
        expected = ({f"tokens_to_token.attention{i}.{k}" for i in (1, 2) for k in tm} | lin("tokens_to_token.project")
                    | {"cls_token", "pos_embed"} | {f"blocks.{i}.{k}" for i in range(2) for k in block}
                    | lin("norm") | lin("head"))
        assert keys == expected, keys ^ expected
