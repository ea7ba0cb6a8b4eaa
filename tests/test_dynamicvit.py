"""DynamicViT: counts, top-k inference against an independent reference, the Gumbel training view, loss."""
import io

import pytest
import torch
import torch.nn.functional as F

from vizcore.models.checkpoint import extract_state_dict, load_strict, read_checkpoint
from vizcore.models.dynamicvit import (DynamicViT, DynamicViTLoss, DynamicViTReducer, TeacherWrapper, gumbel_hard,
                                       keep_counts, stage_ratios)
from vizcore.models.registry import describe, get_spec
from vizcore.models.vit import ViT

TINY = dict(embed_dim=64, depth=4, num_heads=4, num_classes=10)


def tiny(img_size=64, patch_size=8, locs=(1, 2, 3), seed=0, spread=0.3, **kw) -> DynamicViT:
    torch.manual_seed(seed)
    m = DynamicViT(pruning_loc=locs, keep_ratio=0.7, img_size=img_size, patch_size=patch_size, **{**TINY, **kw})
    with torch.no_grad():  # livelier predictors than the official init, so scores are well apart
        for lin in m.score_predictor.modules():
            if isinstance(lin, torch.nn.Linear):
                lin.weight.normal_(0, spread)
    return m.eval()


def images(model, batch=2, seed=0):
    h, w = model.patch_embed.img_size
    return torch.randn(batch, 3, h, w, generator=torch.Generator().manual_seed(seed))


# ------------------------------------------------------------------ an independent reference (official logic)
def ref_predictor(pred, x):
    ln, fc = pred.in_conv[0], pred.in_conv[1]
    h = F.gelu(F.linear(F.layer_norm(x, ln.normalized_shape, ln.weight, ln.bias, ln.eps), fc.weight, fc.bias))
    B, N, C = h.shape
    policy = torch.ones(B, N, 1, dtype=x.dtype)
    local_x = h[:, :, :C // 2]
    global_x = (h[:, :, C // 2:] * policy).sum(dim=1, keepdim=True) / torch.sum(policy, dim=1, keepdim=True)
    h = torch.cat([local_x, global_x.expand(B, N, C // 2)], dim=-1)
    o = pred.out_conv
    h = F.gelu(F.linear(h, o[0].weight, o[0].bias))
    h = F.gelu(F.linear(h, o[2].weight, o[2].bias))
    return F.log_softmax(F.linear(h, o[4].weight, o[4].bias), dim=-1)


def batch_index_select(x, idx):
    B, N = x.shape[:2]
    offset = torch.arange(B).view(B, 1) * N
    flat = x.reshape(B * N, *x.shape[2:])
    return flat[(idx + offset).reshape(-1)].reshape(B, idx.shape[1], *x.shape[2:])


def ref_forward(model, x, locs, rho):
    token_ratio = [rho ** (i + 1) for i in range(len(locs))]
    B = x.shape[0]
    x = model.norm_pre(model._pos_embed(model.patch_embed(x)))
    p = model.num_prefix_tokens
    init_n = x.shape[1] - p
    ids = torch.arange(init_n).repeat(B, 1)
    kept = []
    for i, blk in enumerate(model.blocks):
        if i in locs:
            s = locs.index(i)
            spatial = x[:, p:]
            score = ref_predictor(model.score_predictor[s], spatial)[:, :, 0]
            num_keep_node = int(init_n * token_ratio[s])
            keep_policy = torch.argsort(score, dim=1, descending=True)[:, :num_keep_node]
            x = torch.cat([x[:, :p], batch_index_select(spatial, keep_policy)], dim=1)
            ids = batch_index_select(ids, keep_policy)
            kept.append(ids)
        x = blk(x)  # timm's own block
    return model.forward_head(model.norm(x)), kept


# ------------------------------------------------------------------ counts
def test_counts_against_initial_n0():
    assert keep_counts(196, stage_ratios(0.7, 3)) == [137, 96, 67]
    model = tiny(img_size=224, patch_size=16)
    with torch.inference_mode():
        out = model.forward_trace(images(model, batch=1))
    assert [s.kept.shape[1] for s in out.trace.stages] == [137, 96, 67]
    assert out.trace.tokens_per_layer == [197, 138, 97, 68]


def test_counts_non_square_grid_with_registers():
    model = tiny(img_size=(48, 80), patch_size=8, reg_tokens=2, init_values=1e-5)  # 6 x 10 = 60 patches
    assert model.grid == (6, 10) and model.num_prefix_tokens == 3
    with torch.inference_mode():
        out = model.forward_trace(images(model))
    assert [s.kept.shape[1] for s in out.trace.stages] == [42, 29, 20]
    assert out.trace.tokens_per_layer == [63, 45, 32, 23]
    out.trace.validate(batch=2)


def test_published_gmacs():
    info = describe("dynamicvit_deit_small")
    assert info["tokens_per_layer"] == [197] * 3 + [138] * 3 + [97] * 3 + [68] * 3
    assert abs(info["gmacs"] - 2.9) <= max(0.03 * 2.9, 0.05)
    base = describe("dynamicvit_deit_base")
    assert abs(base["gmacs"] - 11.4) <= 0.03 * 11.4


# ------------------------------------------------------------------ inference semantics
def test_inference_keeps_exactly_topk_of_its_scores():
    model = tiny()
    with torch.inference_mode():
        out = model.forward_trace(images(model, batch=3))
    alive = torch.ones(3, 64, dtype=torch.bool)
    for stage in out.trace.stages:
        assert stage.kind == "prune"
        # scores exist exactly for the tokens alive before the stage; keep_prob is 0 elsewhere
        assert torch.equal(~torch.isnan(stage.scores), alive)
        assert torch.all(stage.keep_prob[~alive] == 0)
        torch.testing.assert_close(stage.keep_prob[alive], stage.scores[alive].exp())
        k = stage.kept.shape[1]
        top = torch.nan_to_num(stage.scores, nan=-float("inf")).topk(k, dim=1).indices
        assert torch.equal(top.sort(1).values, stage.kept.sort(1).values)
        alive = stage.kept_mask(64)
        assert int(alive.sum(1).max()) == k


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_inference_matches_independent_reference(dtype):
    locs, rho = (1, 2, 3), 0.7
    model = tiny(img_size=(48, 80), patch_size=8).to(dtype)
    x = images(model, batch=3).to(dtype)
    with torch.inference_mode():
        ref_logits, ref_kept = ref_forward(model, x, locs, rho)
        out = model.forward_trace(x)
        plain = model(x)
    torch.testing.assert_close(out.logits, ref_logits, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(plain, ref_logits, atol=1e-4, rtol=1e-4)
    for stage, ids in zip(out.trace.stages, ref_kept):
        assert torch.equal(stage.kept, ids)  # same tokens, same (score) order


# ------------------------------------------------------------------ training semantics
def _policy_layers(trace, depth):
    """For each layer, the (B, N0) decision in force (None before the first stage)."""
    out, current = [], None
    by_layer = {s.layer: s.extras["decision"] for s in trace.stages}
    for layer in range(depth):
        current = by_layer.get(layer, current)
        out.append(current)
    return out


def test_training_semantics_masks_attention():
    model = tiny(spread=0.05)
    p = model.num_prefix_tokens
    g = torch.Generator().manual_seed(3)
    with torch.inference_mode():
        out = model.forward_trace(images(model), attn=True, semantics="training", generator=g)
    trace = out.trace
    assert trace.tokens_per_layer == [65] * 4  # tokens stay in the sequence
    trace.validate(batch=2)
    assert all(s.kept is None and s.mask is not None for s in trace.stages)
    masks = trace.alive_masks()
    assert all(torch.equal(m, s.extras["decision"]) for m, s in zip(masks, trace.stages))
    dropped_somewhere = False
    for layer, decision in enumerate(_policy_layers(trace, 4)):
        if decision is None:
            continue
        attn = trace.attn[layer]  # (B, H, N, N)
        keep = torch.cat([torch.ones(2, p, dtype=torch.bool), decision], dim=1)  # (B, N)
        for b in range(2):
            dropped = (~keep[b]).nonzero().flatten()
            kept = keep[b].nonzero().flatten()
            for j in dropped.tolist():
                dropped_somewhere = True
                row = attn[b, :, j]  # (H, N)
                # the official G_ij = 1 if i == j else D_j: a dropped query sees the kept tokens and itself,
                # never another dropped token
                others = [d for d in dropped.tolist() if d != j]
                assert float(row[:, others].sum(-1).max()) < 1e-4
                assert float(row[:, j].min()) > 1e-3
                torch.testing.assert_close(row[:, kept].sum(-1) + row[:, j], torch.ones(row.shape[0]), atol=1e-4,
                                           rtol=0)
            # kept queries give ~0 weight to dropped keys, so dropped tokens never reach CLS or the logits
            assert float(attn[b][:, kept][:, :, dropped].sum(-1).max()) < 1e-4
    assert dropped_somewhere
    # decisions only ever drop more: later masks are subsets
    for a, b in zip(masks, masks[1:]):
        assert torch.all(b <= a)
    # keep_prob is 0 for tokens already gone
    for prev, stage in zip(masks, trace.stages[1:]):
        assert torch.all(stage.keep_prob[~prev] == 0) and torch.isnan(stage.scores[~prev]).all()


def test_gumbel_is_seeded_and_does_not_flip_training_mode():
    model = tiny()
    x = images(model)
    assert not model.training

    def run(seed):
        with torch.inference_mode():
            return model.forward_trace(x, semantics="training", generator=torch.Generator().manual_seed(seed))

    a, b, c = run(11), run(11), run(12)
    assert not model.training
    assert torch.equal(a.logits, b.logits)
    assert all(torch.equal(s.mask, t.mask) for s, t in zip(a.trace.stages, b.trace.stages))
    assert any(not torch.equal(s.mask, t.mask) for s, t in zip(a.trace.stages, c.trace.stages))
    # the model's own reducer and mode are untouched; a train-mode model stays in train mode
    assert model.reducer.semantics == "inference"
    model.train()
    run(1)
    assert model.training
    model.eval()


def test_gumbel_hard_is_one_hot_with_straight_through_gradients():
    logits = torch.randn(4, 7, 2, requires_grad=True)
    y = gumbel_hard(logits, tau=0.5, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(y.detach().sum(-1), torch.ones(4, 7))
    assert set(y.detach().round().unique().tolist()) <= {0.0, 1.0}
    (y[..., 0] * torch.arange(7.0)).sum().backward()
    assert logits.grad is not None and logits.grad.abs().sum() > 0


def test_forward_train_outputs_and_gradients_reach_the_predictors():
    model = tiny(spread=0.05)
    torch.manual_seed(1)
    teacher = TeacherWrapper(ViT(img_size=64, patch_size=8, **TINY).eval())
    x, y = images(model, batch=4), torch.tensor([1, 2, 3, 4])
    logits, features, final, decisions = model.forward_train(x, generator=torch.Generator().manual_seed(0), tau=1.0)
    assert logits.shape == (4, 10) and features.shape == (4, 64, 64) and final.shape == (4, 64, 1)
    assert len(decisions) == 3 and all(d.shape == (4, 64) for d in decisions)
    assert torch.equal(final[..., 0], decisions[-1].detach()) and not final.requires_grad
    assert all(d.requires_grad for d in decisions)
    criterion = DynamicViTLoss(teacher, keep_ratios=model.reducer.keep_ratios)
    loss, parts = criterion(x, (logits, features, final, decisions), y)
    assert set(parts) == {"cls", "ratio", "cls_kl", "token"} and torch.isfinite(loss)
    loss.backward()
    for name, param in model.score_predictor.named_parameters():
        assert param.grad is not None, name
    for k in range(3):
        assert model.score_predictor[k].out_conv[4].weight.grad.abs().sum() > 0
        assert model.score_predictor[k].in_conv[1].weight.grad.abs().sum() > 0
    assert not model.training


def test_loss_matches_the_official_formula():
    torch.manual_seed(0)
    B, N, C, K = 3, 5, 4, 10
    pred, cls_t = torch.randn(B, K), torch.randn(B, K)
    tokens, tokens_t = torch.randn(B, N, C), torch.randn(B, N, C)
    decisions = [torch.randint(0, 2, (B, N)).float() for _ in range(3)]
    mask = decisions[-1].unsqueeze(-1)
    labels = torch.tensor([0, 3, 7])
    ratios = (0.7, 0.49, 0.343)
    loss, parts = DynamicViTLoss(keep_ratios=ratios)(None, (pred, tokens, mask, decisions), labels,
                                                   teacher_outputs=(cls_t, tokens_t))
    ratio = sum(((d.mean(1) - r) ** 2).mean() for d, r in zip(decisions, ratios))
    kl = F.kl_div(F.log_softmax(pred, -1), F.log_softmax(cls_t, -1), reduction="batchmean", log_target=True)
    sel = mask[..., 0] > 0.5
    mse = ((tokens[sel] - tokens_t[sel]) ** 2).mean()
    expected = F.cross_entropy(pred, labels) + 2.0 * ratio / 3 + 0.5 * kl + 0.5 * mse
    torch.testing.assert_close(loss, expected)
    torch.testing.assert_close(parts["ratio"], ratio)


# ------------------------------------------------------------------ macs, checkpoints, config
def test_training_schedule_and_predictor_macs():
    model = tiny()
    inference = model.analytic_macs()
    training = model.analytic_macs(reducer=model.reducer_for("training"))
    assert training[0] == [65] * 4 and inference[0] == [65, 45, 32, 22]
    per_token = model.score_predictor[0].macs_per_token()
    assert per_token == 64 * 64 + 64 * 32 + 32 * 16 + 16 * 2
    plain = ViT(img_size=64, patch_size=8, **TINY).analytic_macs()
    # training keeps every token: block MACs as the plain ViT plus three predictors on all 64 patches
    assert abs(sum(training[1]) - sum(plain[1]) - 3 * 64 * per_token) < 1


def test_official_checkpoint_keys_load_strictly():
    spec = get_spec("dynamicvit_deit_small")
    with torch.device("meta"):
        full = spec.builder(**spec.default_options)
    keys = set(full.state_dict())
    for k in range(3):
        for part in ("in_conv.0", "in_conv.1", "out_conv.0", "out_conv.2", "out_conv.4"):
            assert {f"score_predictor.{k}.{part}.weight", f"score_predictor.{k}.{part}.bias"} <= keys
    assert not any(k.startswith("score_predictor.3") for k in keys)
    # an official-style file ({"model": state_dict}) into a tiny model
    src, dst = tiny(seed=1), tiny(seed=2)
    buf = io.BytesIO()
    torch.save({"model": src.state_dict(), "epoch": 30}, buf)
    load_strict(dst, extract_state_dict(read_checkpoint(buf.getvalue())))
    x = images(src)
    with torch.inference_mode():
        torch.testing.assert_close(dst(x), src(x))


def test_reducer_validates_configuration():
    with pytest.raises(ValueError):
        DynamicViTReducer(semantics="sampling")
    with pytest.raises(ValueError):
        DynamicViTReducer(pruning_loc=(3, 6), keep_ratios=(0.7,))
    with pytest.raises(ValueError):
        tiny(locs=(1, 5))


def test_object_ranking_loss_rewards_object_tokens_above_background():
    from vizcore.models.dynamicvit import object_ranking_loss
    objects = torch.tensor([[True, True, False, False]])
    ids = torch.tensor([[0, 1, 2, 3]])
    alive = torch.ones(1, 4, dtype=torch.bool)
    good = object_ranking_loss([(torch.tensor([[4.0, 3.0, -3.0, -4.0]]), ids, alive)], objects)
    bad = object_ranking_loss([(torch.tensor([[-4.0, -3.0, 3.0, 4.0]]), ids, alive)], objects)
    flat = object_ranking_loss([(torch.zeros(1, 4), ids, alive)], objects)
    assert float(flat) == pytest.approx(F.softplus(torch.tensor(0.0)).item())
    assert good < 0.01 < flat < bad
    # tokens already dropped do not count; ids map a stage's tokens to their patches
    dead = torch.tensor([[True, True, True, False]])
    assert object_ranking_loss([(torch.tensor([[4.0, 3.0, -3.0, 9.0]]), ids, dead)], objects) < 0.01
    swapped = torch.tensor([[2, 3, 0, 1]])
    assert object_ranking_loss([(torch.tensor([[4.0, 3.0, -3.0, -4.0]]), swapped, alive)], objects) > 3.0
    # a sample without both kinds of token adds nothing
    assert object_ranking_loss([(torch.zeros(1, 4), ids, alive)], torch.zeros(1, 4, dtype=torch.bool)) == 0.0
