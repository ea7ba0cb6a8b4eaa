"""ATS — Adaptive Token Sampling (Fayyaz et al., ECCV 2022): training-free. In a few blocks, after attention
and before the MLP, every patch token is scored by the CLS token's attention to it weighted by the norm of its
value vector, and a budget of K tokens is drawn from those scores by inverse transform sampling. A token drawn
twice is kept once, so fewer than K tokens may survive: how many adapts to the image.

The algorithm (small functions over token tensors) is apart from the glue (``ATSReducer`` hooks, the model,
registration). Checked against the independent implementation in ``vit-pytorch`` (``vit_pytorch/ats_vit.py``,
``AdaptiveTokenSampling``) in tests/test_ats.py:

* significance ``S_j = sum_h A_h[CLS, j] * ||V_h,j||`` over the heads, normalised over the patch tokens
  (vit-pytorch's form; the official code weighs the head-summed attention by the norm of the whole value);
* ``deterministic`` sampling (the default), the official code's rule: the scores ordered ascending and
  accumulated, the CDF min-max rescaled to [0, 1] (so the least significant token sits at 0), K points spaced
  evenly from the smallest non-zero CDF value to 1, and for each point the token whose CDF value is nearest
  (the first on a tie). The official code spaces its reference token count of points; here K, the budget.
  ``stochastic``: K independent draws by Gumbel-max with noise from the forward's generator (vit-pytorch's
  way; the same distribution as inverse transform sampling of uniform draws), checked against vit-pytorch;
* duplicates dropped, the survivors in sequence order; CLS (all prefix tokens) always kept; an image whose
  tokens already fit the budget keeps them all (vit-pytorch's rule, per image rather than per batch).

Budget: ``K = int(N0 * rho**k)`` patch tokens at the k-th sampling block (DynamicViT's counts), so ATS takes the
pruners' keep ratio; the analytic schedule is that budget, an upper bound. What an image costs is its own count:
after a sampling block the sequence holds the batch's longest image (the official code's ``drop_tokens``), an
image with fewer tokens has its remaining slots masked out of attention (``-inf`` on their keys, never drawn
again), so its kept tokens compute exactly what they would alone. Alone (batch 1) nothing is padded. A trace
reports the pass's own cost and each image's (``Trace.macs_per_image``); each stage records the adaptive count
(``extras["kept"]``). The head must read the CLS token.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import torch

from vizcore.models.deit import deit_kwargs
from vizcore.models.reducer_registry import KEEP_RATIO, ReducerSpec, match_keep_ratio, register_reducer
from vizcore.models.registry import ModelSpec, register
from vizcore.models.vit import TokenReducer, TokenState, ViT, gather_tokens, keep_count
from vizcore.trace import Stage

PAPER = "Fayyaz et al., Adaptive Token Sampling For Efficient Vision Transformers, ECCV 2022"
EPS = 1e-6  # as vit-pytorch: in the normalisation and the log of the scores


# ---------------------------------------------------------------------------------------------- algorithm
def cls_attention_rows(q: torch.Tensor, k: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """Each head's attention of token 0 (CLS) to every token: q, k (B, H, N, hd), bias broadcastable to
    (B, H, 1, N) -> (B, H, N), softmax over all N keys (the row of the full attention matrix)."""
    logits = (q[:, :, :1] * q.shape[-1] ** -0.5) @ k.transpose(-2, -1)  # (B, H, 1, N)
    if bias is not None:
        logits = logits + bias
    return logits.softmax(dim=-1)[:, :, 0]


def significance(cls_attn: torch.Tensor, values: torch.Tensor, valid: torch.Tensor | None = None) -> torch.Tensor:
    """Token scores: cls_attn (B, H, n) CLS attention to the patch tokens, values (B, H, n, hd) their values,
    valid (B, n) bool or None -> (B, n), ``sum_h A_h * ||V_h||`` normalised to sum 1 (0 where not valid)."""
    score = (cls_attn * values.norm(dim=-1)).sum(dim=1)
    if valid is not None:
        score = score * valid
    return score / (score.sum(dim=-1, keepdim=True) + EPS)


def cdf_points(cdf: torch.Tensor, k: int) -> torch.Tensor:
    """The official code's sampling points on a min-max rescaled CDF: cdf (B, n) ascending in [0, 1] -> (B, k),
    evenly spaced from each row's smallest non-zero value to 1 (both ends included)."""
    start = torch.where(cdf > 0, cdf, torch.ones_like(cdf)).min(dim=-1, keepdim=True).values  # (B, 1)
    steps = torch.linspace(0.0, 1.0, k, dtype=cdf.dtype, device=cdf.device) if k > 1 else cdf.new_zeros(1)
    return start + (1.0 - start) * steps  # (B, k)


def nearest_cdf_sample(scores: torch.Tensor, k: int, valid: torch.Tensor | None = None) -> torch.Tensor:
    """Deterministic inverse transform sampling as the official ATS code does it: scores (B, n) -> token
    indices (B, k). The scores are ordered ascending (ties keep their order) and accumulated, the CDF rescaled
    to [0, 1] by its minimum and maximum, and each of :func:`cdf_points` takes the token whose CDF value is
    nearest (the first on a tie). The least significant token sits at 0 and is never picked; a token holding
    a large share of the mass is picked for several points. Slots not ``valid`` (B, n) (score 0) are left out
    of the rescaling, so an image padded in a batch samples what it samples alone."""
    order = torch.argsort(scores, dim=-1, stable=True)
    cdf = scores.gather(1, order).cumsum(dim=-1)
    first = (~valid).sum(dim=1, keepdim=True) if valid is not None else cdf.new_zeros(cdf.shape[0], 1).long()
    low, high = cdf.gather(1, first.clamp_max(cdf.shape[1] - 1)), cdf[:, -1:]  # the least valid token, the sum
    cdf = ((cdf - low) / (high - low).clamp_min(torch.finfo(cdf.dtype).tiny)).clamp_min(0.0)
    points = cdf_points(cdf, k)
    nearest = (points[:, :, None] - cdf[:, None, :]).abs().argmin(dim=-1)  # (B, k, n) -> (B, k), first on ties
    return order.gather(1, nearest)


def gumbel_noise(shape, generator: torch.Generator, device, dtype=torch.float32) -> torch.Tensor:
    """Standard Gumbel noise ``-log(-log(u))`` (with vit-pytorch's eps) drawn from ``generator`` on its device."""
    u = torch.rand(shape, generator=generator, device=generator.device, dtype=dtype).to(device)
    return -(-(u + EPS).log() + EPS).log()


def gumbel_sample(scores: torch.Tensor, noise: torch.Tensor, valid: torch.Tensor | None = None) -> torch.Tensor:
    """K independent draws from the categorical ``scores`` (B, n) by Gumbel-max: noise (B, K, n) -> (B, K).
    Tokens not ``valid`` (B, n) are never drawn."""
    logits = (scores + EPS).log()
    if valid is not None:
        logits = logits.masked_fill(~valid, -torch.finfo(logits.dtype).max / 2)
    return (logits[:, None, :] + noise).argmax(dim=-1)


def unique_tokens(samples: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The distinct tokens of each row of ``samples`` (B, K) out of n, ascending, in K slots ->
    (ids (B, K), valid (B, K) bool); the slots after a row's distinct tokens repeat its first one."""
    B, K = samples.shape
    drawn = torch.zeros(B, n, dtype=torch.bool, device=samples.device).scatter_(1, samples, True)
    order = torch.argsort((~drawn).to(torch.uint8), dim=1, stable=True)[:, :K]  # drawn first, each part ascending
    valid = torch.arange(K, device=samples.device)[None] < drawn.sum(dim=1, keepdim=True)
    return torch.where(valid, order, order[:, :1]), valid


# ---------------------------------------------------------------------------------------------- glue
def _on_grid(ids: torch.Tensor, values: torch.Tensor, valid: torch.Tensor, num_patches: int, fill) -> torch.Tensor:
    """Per-slot values (B, n) at the original patch ids (B, n) of the valid slots -> (B, num_patches)."""
    out = torch.full((ids.shape[0], num_patches + 1), fill, dtype=values.dtype, device=values.device)
    out.scatter_(1, torch.where(valid, ids, torch.full_like(ids, num_patches)), values)
    return out[:, :num_patches]


@dataclass(frozen=True)
class ATSReducer(TokenReducer):
    locs: tuple[int, ...] = (3, 6, 9)
    keep_ratios: tuple[float, ...] = (0.7, 0.7 ** 2, 0.7 ** 3)
    stochastic: bool = False
    seed: int = 0

    name = "ats"
    is_identity = False
    adaptive = True

    def __post_init__(self):
        if len(self.keep_ratios) != len(self.locs):
            raise ValueError("one keep ratio per sampling block")

    def needs_qk(self, layer: int) -> bool:
        return layer in self.locs

    def before_block(self, model: ViT, layer: int, x: torch.Tensor, state: TokenState) -> torch.Tensor:
        if layer == 0 and (not model.has_class_token or model.global_pool != "token"):
            raise ValueError("ATS scores tokens by CLS attention and leaves masked slots: the head must read CLS")
        return x

    def attention_bias(self, layer: int, state: TokenState) -> torch.Tensor | None:
        return state.extras.get("ats_key_bias")

    def after_attention(self, layer: int, x: torch.Tensor, q, k, state: TokenState) -> torch.Tensor:
        if layer not in self.locs:
            return x
        p, stage = state.prefix, self.locs.index(layer)
        n, budget = x.shape[1] - p, keep_count(state.num_patches, self.keep_ratios[stage])
        if budget >= n:
            return x
        valid = state.valid  # (B, n) slots holding a token, None: all
        attn = cls_attention_rows(q, k, state.extras.get("ats_key_bias"))[:, :, p:]
        scores = significance(attn, state.values[:, :, p:], valid)
        if self.stochastic:
            if state.generator is None:  # one default generator per forward: deterministic forward()
                state.generator = torch.Generator().manual_seed(self.seed)
            noise = gumbel_noise((x.shape[0], budget, n), state.generator, x.device, scores.dtype)
            samples = gumbel_sample(scores, noise, valid)
        else:
            samples = nearest_cdf_sample(scores, budget, valid)
        slots, kept = unique_tokens(samples, n)
        live = valid.sum(dim=1, keepdim=True) if valid is not None else torch.full_like(slots[:, :1], n)
        fits = live <= budget  # (B, 1): an image whose live tokens fit the budget keeps them all (sampling skipped)
        if bool(fits.any()):
            first = torch.arange(budget, device=x.device).expand_as(slots)  # its live tokens are its first slots
            slots, kept = torch.where(fits, first, slots), torch.where(fits, first < live, kept)
        width = int(kept.sum(dim=1).max())  # the batch's longest image: the empty slots after it are dropped
        slots, kept = slots[:, :width], kept[:, :width]  # each row's kept tokens come first
        x = torch.cat([x[:, :p], gather_tokens(x[:, p:], slots)], dim=1)
        kept_ids = state.ids.gather(1, slots)
        if state.tracing:
            before = valid if valid is not None else torch.ones_like(state.ids, dtype=torch.bool)
            state.stages.append(Stage(
                layer=layer, kind="prune", kept=kept_ids,
                mask=_on_grid(kept_ids, kept, kept, state.num_patches, False),
                scores=_on_grid(state.ids, scores, before, state.num_patches, float("nan")),
                extras={"stage": stage, "budget": budget, "kept": kept.sum(dim=1), "samples": samples}))
        state.ids = kept_ids
        if bool(kept.all()):
            state.extras["ats_key_bias"], state.valid = None, None
        else:  # empty slots: -inf on their keys, for every query and head
            state.valid = kept
            bias = torch.zeros(x.shape[0], x.shape[1], dtype=x.dtype, device=x.device)
            bias[:, p:] = bias[:, p:].masked_fill(~kept, float("-inf"))
            state.extras["ats_key_bias"] = bias[:, None, None, :]
        return x

    def schedule(self, num_patches: int, prefix: int, depth: int) -> list[tuple[int, int]]:
        n = num_patches  # slots after the last sampling block (the budget: an upper bound of the kept tokens)
        out = []
        for layer in range(depth):
            n_attn = n
            if layer in self.locs:
                n = min(n, keep_count(num_patches, self.keep_ratios[self.locs.index(layer)]))
            out.append((prefix + n_attn, prefix + n))
        return out

    def extra_macs(self, model: ViT, num_patches: int, prefix: int) -> list[float]:
        """The CLS attention row recomputed at each sampling block (q_cls . k over the heads)."""
        attn_dim = model.blocks[0].attn.num_heads * model.blocks[0].attn.head_dim
        sched = self.schedule(num_patches, prefix, len(model.blocks))
        return [float(na * attn_dim) if layer in self.locs and nm < na else 0.0
                for layer, (na, nm) in enumerate(sched)]


def stage_budgets(rho: float, stages: int) -> tuple[float, ...]:
    """Keep ratios against N0 per sampling block: rho, rho**2, ... (DynamicViT's schedule)."""
    return tuple(float(rho) ** (i + 1) for i in range(stages))


class ATS(ViT):
    """timm ViT/DeiT with adaptive token sampling (no extra parameters: plain DeiT keys)."""

    family = "ats"

    def __init__(self, locs: Sequence[int] = (3, 6, 9), keep_ratio: float = 0.7, stochastic: bool = False,
                 seed: int = 0, **timm_kwargs):
        locs = tuple(int(i) for i in locs)
        super().__init__(reducer=ATSReducer(locs, stage_budgets(keep_ratio, len(locs)), bool(stochastic), int(seed)),
                         **timm_kwargs)
        if locs and max(locs) >= len(self.blocks):
            raise ValueError(f"ATS blocks {locs} outside the {len(self.blocks)} blocks")


def build_ats(size: str, locs: Sequence[int] = (3, 6, 9), keep_ratio: float = 0.7, stochastic: bool = False,
              seed: int = 0, **options) -> ATS:
    return ATS(locs=locs, keep_ratio=keep_ratio, stochastic=stochastic, seed=seed, **deit_kwargs(size, **options))


register(ModelSpec(
    name="ats_deit_small", family="ats",
    builder=lambda **o: build_ats("small", **o),
    default_options={"keep_ratio": 0.7, "locs": [3, 6, 9]},
    hub_name=None,
    description=("ATS on DeiT-S, keep 0.7: in blocks 3/6/9 sample up to int(196*0.7^k) = 137/96/67 patch tokens "
                 "by inverse transform sampling of CLS attention x value norm; duplicates dropped (training-free)."),
    paper=PAPER))

def match_keep_ratio_ats(model: ViT, rho: float, locs: tuple[int, ...], measure: str = "tokens") -> float:
    """The keep ratio whose budget of slots, sampled after attention, costs under ``measure`` what the budget of
    keep ratio ``rho`` at ``locs`` (cut before the block) costs: a little below rho."""
    return match_keep_ratio(lambda r: ATSReducer(tuple(locs), stage_budgets(r, len(locs))), model, rho, locs, measure)


register_reducer(ReducerSpec(
    name="ats", tag="ATS", family="sample", label_key="reducer.ats", about_key="reducer.ats.about",
    colour="#882255", setting=replace(KEEP_RATIO, match=match_keep_ratio_ats),
    make=lambda model, rho, locs: ATSReducer(tuple(locs), stage_budgets(rho, len(locs))),
    paper=PAPER))
