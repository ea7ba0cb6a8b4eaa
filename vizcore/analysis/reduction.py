"""Analyses across token reducers: DynamicViT's two semantics, Gumbel-softmax samples, and matched
token budgets for comparing DynamicViT, EViT, ToMe and random drop on one backbone."""
from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from vizcore.models.dynamicvit import keep_counts, stage_ratios
from vizcore.models.evit import EViTReducer
from vizcore.models.random_drop import RandomDropReducer
from vizcore.models.tome import ToMeReducer
from vizcore.models.vit import TokenReducer


def implied_counts(num_patches: int, rho: float, stages: int = 3) -> list[int]:
    """Patch tokens kept after each DynamicViT stage: int(N0 * rho**k), k = 1..stages."""
    return keep_counts(num_patches, stage_ratios(rho, stages))


def keep_frequency(model, pixels: torch.Tensor, samples: int = 32, tau: float = 1.0, seed: int = 0,
                   rho: float | None = None) -> torch.Tensor:
    """How often each patch survives each stage under the training semantics (hard Gumbel-softmax).

    pixels (1, 3, H, W) -> (stages, h*w) frequencies over ``samples`` draws, seeded.
    The model is not modified: the draws run in one batch with an explicit generator.
    """
    reducer = _with_rho(model.reducer_for("training", tau), rho)
    device = next(model.parameters()).device
    gen = torch.Generator(device=device).manual_seed(seed)
    batch = pixels.to(device).expand(samples, -1, -1, -1)
    with torch.inference_mode():
        trace = model.forward_trace(batch, reducer=reducer, generator=gen).trace
    return torch.stack([s.kept_mask(trace.num_patches).float().mean(0) for s in trace.stages]).cpu()


def expected_keep(trace) -> torch.Tensor:
    """(stages, h*w) probability of surviving up to each stage under the training semantics, from the
    predictor's per-stage keep probabilities (product along the lineage). Image 0."""
    out, alive = [], None
    for s in trace.stages:
        p = s.keep_prob[0].float()
        alive = p if alive is None else alive * p
        out.append(alive)
    return torch.stack(out)


def _with_rho(reducer, rho: float | None):
    from dataclasses import replace
    if rho is None:
        return reducer
    return replace(reducer, keep_ratios=stage_ratios(rho, len(reducer.pruning_loc)))


def dynamicvit_reducer(model, rho: float | None = None, semantics: str = "inference", tau: float = 1.0):
    """The model's DynamicViT reducer with another keep ratio / semantics (the model is untouched)."""
    return _with_rho(model.reducer_for(semantics, tau), rho)


def gumbel_samples(logits: torch.Tensor, tau: float = 1.0, samples: int = 8, seed: int = 0):
    """Soft and hard Gumbel-softmax samples drawn with the *same* noise.

    logits (n, k) -> soft (samples, n, k) on the simplex, hard (samples, n, k) one-hot of the soft argmax.
    """
    gen = torch.Generator().manual_seed(seed)
    u = torch.rand((samples, *logits.shape), generator=gen).clamp_(1e-10, 1 - 1e-10)
    noise = -torch.log(-torch.log(u))
    soft = F.softmax((logits.unsqueeze(0) + noise) / tau, dim=-1)
    hard = F.one_hot(soft.argmax(-1), logits.shape[-1]).to(soft.dtype)
    return soft, hard


def gumbel_demo(keep_prob: torch.Tensor, tau: float = 1.0, samples: int = 6, seed: int = 0):
    """For the explainer: keep probabilities (n,) -> (probabilities, soft keep samples (samples, n),
    hard keep samples (samples, n)) as numpy arrays, soft and hard drawn with the same noise."""
    p = keep_prob.float().clamp(1e-6, 1 - 1e-6)
    soft, hard = gumbel_samples(torch.stack([p.log(), (1 - p).log()], dim=-1), tau, samples, seed)
    return p.numpy(), soft[..., 0].numpy(), hard[..., 0].numpy()


@dataclass(frozen=True)
class Budget:
    """A matched token budget for one backbone: the same pruning locations and keep ratio for the
    pruners, and ToMe's r chosen so that its total tokens over all layers come closest."""

    rho: float
    locs: tuple[int, ...]
    tome_r: int
    tokens_target: int


def tokens_total(model, reducer: TokenReducer) -> int:
    tokens, _, _ = model.analytic_macs(reducer=reducer)
    return int(sum(tokens))


def match_budget(backbone, rho: float = 0.7, locs: tuple[int, ...] = (3, 6, 9)) -> Budget:
    """The ToMe r (constant per layer) whose token total is closest to DynamicViT's at ``rho``."""
    pruning = RandomDropReducer(locs, stage_ratios(rho, len(locs)))
    target = tokens_total(backbone, pruning)
    n = backbone.patch_embed.num_patches
    # ToMe's token total falls as r grows (never rises): bisect for the first r at or below the target,
    # then the closer of it and its predecessor (ties: the smaller r). 8 cost counts instead of n/2.
    total = functools.lru_cache(maxsize=None)(lambda r: tokens_total(backbone, ToMeReducer(r)))
    lo, hi = 0, n // 2
    while lo < hi:
        mid = (lo + hi) // 2
        if total(mid) <= target:
            hi = mid
        else:
            lo = mid + 1
    best = min({max(lo - 1, 0), lo}, key=lambda r: (abs(total(r) - target), r))
    return Budget(rho, tuple(locs), best, target)


def compare_reducers(budget: Budget, seed: int = 0) -> dict[str, TokenReducer]:
    """Reducers for a plain backbone at the budget (DynamicViT needs its own trained predictors)."""
    ratios = stage_ratios(budget.rho, len(budget.locs))
    return {
        "evit": EViTReducer(budget.locs, budget.rho, True),
        "tome": ToMeReducer(budget.tome_r, True),
        "random_drop": RandomDropReducer(budget.locs, ratios, seed),
    }


def summary_rows(results: dict, mask=None) -> list[dict]:
    """One row per method: final tokens, mean tokens per layer, GMACs, prediction, and — when an object
    mask (H, W) of the model view is given — keep precision of the last stage and the object's share.

    results: method -> (logits (1, classes), Trace)."""
    from vizcore.analysis.lineage import keep_precision, stage_fate
    from vizcore.data.scenes import token_coverage

    rows = []
    for method, (logits, trace) in results.items():
        probs = logits.softmax(-1)[0]
        row = {"method": method, "final tokens": int(trace.tokens_per_layer[-1]),
               "mean tokens": round(sum(trace.tokens_per_layer) / len(trace.tokens_per_layer), 1),
               "GMACs": round(trace.gmacs, 4), "class": int(probs.argmax()), "p": round(float(probs.max()), 4)}
        if mask is not None:
            coverage = token_coverage(mask, trace.grid)
            alive = stage_fate(trace.stages[-1], trace.grid).alive if trace.stages else coverage >= 0
            precision, share = keep_precision(alive, coverage)
            merged = bool(trace.stages) and trace.stages[-1].kind == "merge"  # merging keeps every patch
            row["keep precision"] = None if merged else round(precision, 4)
            row["object share"] = round(share, 4)
        rows.append(row)
    return rows
