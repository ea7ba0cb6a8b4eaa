"""ATS: scores, sampling and the whole forward against the independent implementation in vit-pytorch
(``vit_pytorch/ats_vit.py``), fed the same attention, values and Gumbel noise; the deterministic inverse
transform sampling (the official code's nearest-CDF rule) against a plain loop; the Trace contract on an odd ViT;
empty slots that change nothing; each image's own cost."""
import re
from pathlib import Path

import pytest
import torch
from vit_pytorch import ats_vit as vit_ats  # the independent implementation (vit-pytorch on PyPI)

from vizcore.models import ats
from vizcore.models.ats import (ATS, ATSReducer, cdf_points, gumbel_sample, nearest_cdf_sample,
                                significance, stage_budgets, unique_tokens)
from vizcore.models.reducer_registry import get_reducer
from vizcore.models.registry import describe

ROOT = Path(__file__).resolve().parents[1]


def sharp(model, std=0.3, seed=1):
    """Sharper attention than the .02 init, so the scores are uneven and sampling draws duplicates."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for blk in model.blocks:
            blk.attn.qkv.weight.copy_(torch.randn(blk.attn.qkv.weight.shape, generator=gen) * std)
    return model


def attention_and_values(B=2, H=3, N=17, hd=8, seed=0, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    attn = (torch.randn(B, H, N, N, generator=gen, dtype=dtype) * 3).softmax(-1)
    return attn, torch.randn(B, H, N, hd, generator=gen, dtype=dtype)


# ------------------------------------------------------------------ one sampling step vs vit-pytorch
@pytest.mark.parametrize("K", [4, 9, 15])
def test_one_step_matches_vit_pytorch(K, monkeypatch):
    attn, value = attention_and_values()
    B, H, N, _ = attn.shape
    noise = ats.gumbel_noise((B, K, N - 1), torch.Generator().manual_seed(K), "cpu", attn.dtype)
    monkeypatch.setattr(vit_ats, "sample_gumbel", lambda shape, device, dtype: noise[..., :shape[-1]])
    mask = torch.ones(B, N, dtype=torch.bool)
    new_attn, new_mask, ids = vit_ats.AdaptiveTokenSampling(K)(attn, value, mask)

    scores = significance(attn[:, :, 0, 1:], value[:, :, 1:])
    slots, valid = unique_tokens(gumbel_sample(scores, noise), N - 1)
    for b in range(B):
        theirs = ids[b][new_mask[b]][1:] - 1  # CLS first, then the sampled patch tokens (1-based)
        mine = slots[b][valid[b]]
        assert torch.equal(mine, theirs)
        rows = torch.cat([torch.zeros(1, dtype=torch.long), mine + 1])
        torch.testing.assert_close(attn[b][:, rows], new_attn[b][:, new_mask[b]], rtol=0, atol=0)
    assert (valid.sum(1) < K).any()  # duplicates were drawn and dropped: fewer than K survive
    torch.testing.assert_close(scores.sum(-1), torch.ones(B, dtype=scores.dtype))


# ------------------------------------------------------------------ the whole forward vs vit-pytorch
def paired_models(depth=4, dim=32, heads=4, mlp=64, grid=(4, 6), budgets=(0.7, 0.5, 0.35), locs=(1, 2, 3)):
    """vit-pytorch's Transformer with ATS and this project's ATS model, with the same weights (qkv without
    bias, LayerNorm eps 1e-6); the ATS model reads given tokens instead of an image."""
    n0 = grid[0] * grid[1]
    torch.manual_seed(0)
    ours = ATS(locs=locs, keep_ratio=1.0, stochastic=True, img_size=(grid[0] * 4, grid[1] * 4), patch_size=4,
               embed_dim=dim, depth=depth, num_heads=heads, mlp_ratio=mlp / dim, qkv_bias=False, num_classes=5)
    ours.reducer = ATSReducer(locs, tuple(budgets), stochastic=True)
    counts = [n0] * depth
    for layer, ratio in zip(locs, budgets):
        for later in range(layer, depth):
            counts[later] = int(n0 * ratio)
    theirs = vit_ats.Transformer(dim, depth, tuple(counts), heads, dim // heads, mlp)
    with torch.no_grad():
        sharp(ours, std=0.15)  # uneven enough for duplicates, even enough that every block samples
        for blk, (attn, ff) in zip(ours.blocks, theirs.layers):
            attn.norm.load_state_dict(blk.norm1.state_dict())
            attn.to_qkv.weight.copy_(blk.attn.qkv.weight)
            attn.to_out[0].load_state_dict(blk.attn.proj.state_dict())
            ff.net[0].load_state_dict(blk.norm2.state_dict())
            ff.net[1].load_state_dict(blk.mlp.fc1.state_dict())
            ff.net[4].load_state_dict(blk.mlp.fc2.state_dict())
        for m in theirs.modules():
            if isinstance(m, torch.nn.LayerNorm):
                m.eps = 1e-6
        ours.pos_embed.zero_()
    ours.patch_embed.forward = lambda tokens: tokens  # tokens in, not pixels
    return ours.double().eval(), theirs.double().eval()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_forward_matches_vit_pytorch_with_the_same_noise(seed, monkeypatch):
    """Each image of a batch against vit-pytorch run on it alone (vit-pytorch pads a batch to its longest
    image and skips a sampling block when that one fits the budget; here each image decides for itself)."""
    ours, theirs = paired_models()
    tokens = torch.randn(3, 24, 32, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    drawn, gumbel_noise = {}, ats.gumbel_noise

    def recording_noise(shape, generator, device, dtype=torch.float32):
        drawn[shape[1]] = gumbel_noise(shape, generator, device, dtype)  # by budget: 16, 12, 8 per block
        return drawn[shape[1]]

    monkeypatch.setattr(ats, "gumbel_noise", recording_noise)
    with torch.inference_mode():
        out = ours._run(tokens, ours.reducer, want_attn=False, tracing=True, return_tokens=True,
                        generator=torch.Generator().manual_seed(seed))
    mine = out.trace.extras["tokens"]  # (B, 1 + K, C), normed
    assert sorted(drawn) == [8, 12, 16]
    last, duplicates = out.trace.stages[-1], 0
    for b in range(3):
        # theirs sees our noise for this image, cut to its (possibly shorter) sequence: its slots are ours
        monkeypatch.setattr(vit_ats, "sample_gumbel",
                            lambda shape, device, dtype: drawn[shape[1]][b:b + 1, :, :shape[-1]])
        with torch.inference_mode():
            x, ids = theirs(torch.cat([ours.cls_token, tokens[b:b + 1]], dim=1))
        n_kept = int(last.extras["kept"][b])
        assert ids.shape[1] == 1 + n_kept  # alone, nothing is padded
        assert torch.equal(last.kept[b, :n_kept], ids[0, 1:] - 1)
        assert last.mask[b].sum() == n_kept
        with torch.inference_mode():
            expected = ours.norm(x[0])
        torch.testing.assert_close(mine[b, :1 + n_kept], expected, rtol=1e-9, atol=1e-9)
        duplicates += int(last.extras["budget"]) - n_kept
    assert duplicates > 0  # the comparison covered dropped duplicates and masked slots
    # the batch holds its longest image after each sampling block (nothing longer), the shorter ones padded
    widths = [1 + int(s.extras["kept"].max()) for s in out.trace.stages]
    assert out.trace.tokens_per_layer == [25, 25, widths[0], widths[1]] and mine.shape[1] == widths[2]
    assert any(len(set(s.extras["kept"].tolist())) > 1 for s in out.trace.stages)
    assert [int(s.extras["budget"]) for s in out.trace.stages] == [16, 12, 8]


# ------------------------------------------------------------------ deterministic inverse transform sampling
def reference_nearest_cdf(scores, k):
    """The official code's rule as a plain loop: sort ascending, accumulate, rescale the CDF by its min and max,
    put k points evenly from the smallest non-zero value to 1, take the token whose CDF value is nearest to
    each (the first such in ascending order on a tie)."""
    out = []
    for row in scores.tolist():
        order = sorted(range(len(row)), key=lambda j: (row[j], j))
        acc, cdf = 0.0, []
        for j in order:
            acc += row[j]
            cdf.append(acc)
        low, high = cdf[0], cdf[-1]
        cdf = [(c - low) / (high - low) for c in cdf]
        start = min(c for c in cdf if c > 0)
        points = [start + (1 - start) * i / (k - 1) for i in range(k)]
        picks = []
        for u in points:
            best = min(range(len(cdf)), key=lambda i: (abs(u - cdf[i]), i))
            picks.append(order[best])
        out.append(picks)
    return torch.tensor(out)


def test_deterministic_sampling_is_the_official_nearest_cdf_rule():
    gen = torch.Generator().manual_seed(0)
    scores = (torch.randn(4, 30, generator=gen, dtype=torch.float64) * 2).softmax(-1)
    scores[0, :5] = 0.0  # tokens of no mass are never picked
    picked = nearest_cdf_sample(scores, 12)
    assert torch.equal(picked, reference_nearest_cdf(scores, 12))
    assert not torch.isin(picked[0], torch.arange(5)).any()
    for b in range(1, 4):  # without zeros, the least significant token sits at 0 on the rescaled CDF: never picked
        assert int(scores[b].argmin()) not in picked[b].tolist()
    # with zeros, the least significant token of some mass is the first point's (the smallest non-zero value)
    assert int(picked[0, 0]) == int(scores[0].masked_fill(scores[0] == 0, 2.0).argmin())
    # the last point is 1: the most significant token is always drawn; tokens holding much mass are drawn
    # for several points, so fewer than K distinct tokens survive
    slots, valid = unique_tokens(picked, 30)
    for b in range(4):
        assert int(scores[b].argmax()) in slots[b][valid[b]].tolist()
    assert (valid.sum(1) <= 12).all() and (valid.sum(1) < 12).any()


def test_padding_changes_no_pick():
    """An image padded in a batch (empty slots, score 0, not valid) samples the tokens it samples alone."""
    gen = torch.Generator().manual_seed(3)
    alone = (torch.randn(1, 20, generator=gen, dtype=torch.float64) * 2).softmax(-1)
    padded = torch.cat([alone, torch.zeros(1, 6, dtype=torch.float64)], dim=1)
    valid = torch.arange(26)[None] < 20
    assert torch.equal(nearest_cdf_sample(padded, 9, valid), nearest_cdf_sample(alone, 9))
    assert not torch.equal(nearest_cdf_sample(padded, 9), nearest_cdf_sample(alone, 9))  # unmasked, it would differ


def test_cdf_points_span_the_smallest_non_zero_value_to_one():
    cdf = torch.tensor([[0.0, 0.0, 0.2, 0.5, 1.0]], dtype=torch.float64)
    torch.testing.assert_close(cdf_points(cdf, 5), torch.tensor([[0.2, 0.4, 0.6, 0.8, 1.0]], dtype=torch.float64))
    assert cdf_points(cdf, 1).tolist() == [[0.2]]
    flat = nearest_cdf_sample(torch.tensor([[0.0, 0.0, 1.0]]), 4)  # all the mass on one token
    assert flat.tolist() == [[2, 2, 2, 2]]


def test_unique_tokens_keeps_each_once_in_order():
    slots, valid = unique_tokens(torch.tensor([[5, 1, 5, 3], [2, 2, 2, 2]]), 6)
    assert slots.tolist() == [[1, 3, 5, 1], [2, 2, 2, 2]] and valid.tolist() == [[1, 1, 1, 0], [1, 0, 0, 0]]


# ------------------------------------------------------------------ the adapter
ODD = dict(img_size=(48, 80), patch_size=8, embed_dim=64, depth=4, num_heads=4, num_classes=10, reg_tokens=2,
           init_values=1e-5)  # 6 x 10 grid, prefix = cls + 2 registers, LayerScale


@pytest.mark.parametrize("stochastic", [False, True])
def test_trace_contract_on_an_odd_vit(stochastic):
    from vizcore.geometry.flops import counted_macs
    from vizcore.analysis.lineage import fates
    torch.manual_seed(0)
    model = sharp(ATS(locs=(1, 2, 3), keep_ratio=0.7, stochastic=stochastic, **ODD), std=0.15).eval()  # 3 stages
    x = torch.randn(2, 3, 48, 80, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        logits = model(x)
        out = model.forward_trace(x, attn=True)
    torch.testing.assert_close(out.logits, logits, atol=1e-5, rtol=1e-5)
    trace = out.trace
    trace.validate(batch=2)
    tokens, macs, other = model.analytic_macs()
    assert tokens == [63, 63, 45, 32]  # the budget: 3 prefix + int(60 * 0.7**k) slots, an upper bound
    kept = [s.extras["kept"] for s in trace.stages]
    assert any((k < s.extras["budget"]).any() for k, s in zip(kept, trace.stages))  # adaptive: fewer survive
    assert any(len(set(k.tolist())) > 1 for k in kept)  # and how many differs between the images
    # the sequence holds the batch's longest image after each sampling block (a block whose images all fit
    # its budget samples nothing and records no stage)
    width, expected = 63, []
    for layer in range(4):
        expected.append(width)
        width = next((3 + int(s.extras["kept"].max()) for s in trace.stages if s.layer == layer), width)
    assert trace.tokens_per_layer == expected and len(set(expected)) > 2
    assert all(t <= budget for t, budget in zip(trace.tokens_per_layer, tokens))
    for stage, mask in zip(trace.stages, trace.alive_masks()):
        assert torch.equal(mask.sum(1), stage.extras["kept"])
    after_first = trace.attn[2]  # the slots the first stage left empty (after its kept tokens) get no attention
    for b, n_kept in enumerate(kept[0].tolist()):
        assert (after_first[b, :, :, 3 + n_kept:] == 0).all() and (after_first[b, :, :, :3 + n_kept] > 0).all()
    assert [f.tokens for f in fates(trace)] == [int(k[0]) for k in kept]  # the token-fate pictures count them
    # alone, an image's pass costs what torch counts, below the budget; deterministic sampling picks alone what
    # it picks in the batch, so the batch's record of each image's own cost is that (the noise of stochastic
    # draws depends on the batch)
    assert trace.macs_per_image.shape == (2,) and trace.macs_per_image[0] != trace.macs_per_image[1]
    for b in range(2):
        one = x[b:b + 1]
        gen = torch.Generator().manual_seed(0)
        counted = counted_macs(model, one, lambda z: model.forward_trace(z, attn=True, generator=gen))
        with torch.inference_mode():
            alone = model.forward_trace(one, generator=torch.Generator().manual_seed(0)).trace
        assert abs(counted - alone.gmacs * 1e9) / counted < 0.02 and alone.gmacs < (sum(macs) + other) / 1e9
        assert alone.macs_per_image is None and alone.tokens_per_layer[2] == 3 + int(alone.stages[0].extras["kept"])
        if not stochastic:
            assert abs(alone.gmacs * 1e9 - float(trace.macs_per_image[b])) < 1.0
            assert trace.tokens_per_image[b].tolist() == alone.tokens_per_layer
    assert float(trace.macs_per_image.max()) <= sum(trace.macs_per_layer) + trace.macs_other


def test_empty_slots_change_nothing_an_image_alone_would_see():
    """In a batch the sequence keeps the budget's slots; an image whose duplicates left slots empty gets the
    same logits as alone — the masked slots are inert."""
    torch.manual_seed(0)
    model = sharp(ATS(locs=(1, 2, 3), keep_ratio=0.6, **ODD)).eval()
    x = torch.randn(3, 3, 48, 80, generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        batch = model.forward_trace(x)
        alone = torch.cat([model.forward_trace(x[i:i + 1]).logits for i in range(3)])
    assert (batch.trace.stages[-1].extras["kept"] < batch.trace.stages[-1].extras["budget"]).any()
    torch.testing.assert_close(batch.logits, alone, atol=1e-5, rtol=1e-5)


def test_stochastic_draws_follow_the_generator_and_the_model_is_untouched():
    torch.manual_seed(0)
    model = sharp(ATS(locs=(1, 2, 3), keep_ratio=0.7, **ODD)).eval()
    x = torch.randn(1, 3, 48, 80)
    reducer = ATSReducer((1, 2, 3), stage_budgets(0.7, 3), stochastic=True)
    with torch.inference_mode():
        a = model.forward_trace(x, reducer=reducer, generator=torch.Generator().manual_seed(0)).trace
        b = model.forward_trace(x, reducer=reducer, generator=torch.Generator().manual_seed(0)).trace
        c = model.forward_trace(x, reducer=reducer, generator=torch.Generator().manual_seed(5)).trace
    assert torch.equal(a.stages[0].mask, b.stages[0].mask) and not torch.equal(a.stages[0].mask, c.stages[0].mask)
    assert not model.reducer.stochastic


def test_needs_a_cls_head():
    model = ATS(locs=(1,), img_size=32, patch_size=8, embed_dim=32, depth=2, num_heads=2, global_pool="avg").eval()
    with pytest.raises(ValueError, match="CLS"):
        model(torch.randn(1, 3, 32, 32))


def test_registered_model_spec_and_schedule():
    info = describe("ats_deit_small")
    assert info["tokens_per_layer"] == [197] * 4 + [138] * 3 + [97] * 3 + [68] * 2  # DynamicViT's counts, upper bound
    assert abs(info["gmacs"] - 2.98) < 0.02
    spec = get_reducer("ats")
    assert spec.training_free and spec.family == "sample" and spec.setting.match is not None  # matched to a budget (Compare)
    assert spec.make(None, 0.5, (2, 3, 4)) == ATSReducer((2, 3, 4), (0.5, 0.25, 0.125))


def test_ats_is_named_nowhere_else():
    """A new reducer is one file: outside vizcore/models/ats.py and the locale, no module of vizcore/ or pages/
    mentions ATS in any case (not even a comment)."""
    word = re.compile(r"\bats\b", re.IGNORECASE)
    hits = []
    for folder in ("vizcore", "pages"):
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if rel == "vizcore/models/ats.py" or rel.startswith("vizcore/locale/"):
                continue
            hits += [f"{rel}:{i}" for i, line in enumerate(path.read_text().splitlines(), 1) if word.search(line)]
    assert not hits, hits
