"""Analyses across token reducers: matched token budgets for comparing every registered reducer on one
backbone (``vizcore.models.reducer_registry``), and the DynamicViT page's views of its two semantics
(Gumbel-softmax samples, keep frequency)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, Sequence

import torch
import torch.nn.functional as F

from vizcore.analysis.lineage import Fate, keep_precision, stage_fate
from vizcore.data.scenes import token_coverage
from vizcore.models.dynamicvit import keep_counts, stage_ratios
from vizcore.models.reducer_registry import (MATCH_TOLERANCE, budget_cost, budget_tokens, find_reducer, get_reducer,
                                             list_reducers, mismatch, model_for, tokens_total)
from vizcore.models.registry import list_models
from vizcore.models.vit import TokenReducer
from vizcore.trace import Trace

__all__ = ["Budget", "Entry", "achieved", "compare_backbones", "compare_entries", "compare_reducers", "dynamicvit_reducer",
           "entry_reducer", "expected_keep", "fates_at", "gumbel_demo", "gumbel_samples", "implied_counts",
           "keep_frequency", "match_budget", "matched_settings", "missing_reducers", "off_target", "partner_models", "summary_rows",
           "tokens_total"]


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
    """A matched budget for one backbone: keep ratio ``rho`` at the pruning blocks ``locs`` (DynamicViT's
    schedule, ``tokens_target`` tokens over all layers, prefix included), what is held equal (``measure``:
    "tokens", mean patch tokens entering a layer, or "gmacs") and its ``target`` value, and each reducer's
    setting matched to it."""

    rho: float
    locs: tuple[int, ...]
    tokens_target: int
    settings: dict[str, float]
    measure: str = "tokens"
    target: float = 0.0
@dataclass(frozen=True)
class Entry:
    """One reducer on the Compare page: the model it runs on (the backbone or its trained partner) and its
    setting at the budget."""

    method: str
    model: str
    setting: float
    locs: tuple[int, ...]


def match_budget(backbone, rho: float = 0.7, locs: tuple[int, ...] = (3, 6, 9), measure: str = "tokens",
                 runs_on: Mapping[str, object] | None = None) -> Budget:
    """Every registered reducer's setting at the budget of keep ratio ``rho`` at ``locs`` on ``backbone``,
    matched under ``measure`` ("tokens" or "gmacs") on the model it runs on (``runs_on``: reducer name -> its
    model, e.g. DynamicViT's with its predictors; the backbone where absent)."""
    locs = tuple(locs)
    runs_on = runs_on or {}
    return Budget(rho, locs, budget_tokens(backbone, rho, locs),
                  {spec.name: spec.matched(runs_on.get(spec.name) or backbone, rho, locs, measure)
                   for spec in list_reducers()},
                  measure, budget_cost(backbone, rho, locs, measure))


def compare_backbones() -> list[str]:
    """The plain ViTs the reducers run on or beside (model family "vit"), the bundled ones first."""
    return sorted(list_models("vit"), key=lambda n: not n.startswith("bundled"))


def compare_entries(backbone_name: str, budget: Budget) -> list[Entry]:
    """The reducers that can run beside ``backbone_name`` (training-free ones on it, the others on their
    trained partner when one exists), each at its setting for ``budget``."""
    out = []
    for spec in list_reducers():
        model = model_for(spec, backbone_name)
        if model is not None:
            out.append(Entry(spec.name, model, budget.settings[spec.name], budget.locs if spec.uses_locations else ()))
    return out


def partner_models(backbone_name: str) -> list[str]:
    """The trained models beside ``backbone_name`` that registered reducers run on (the backbone itself left out)."""
    return [m for m in dict.fromkeys(model_for(spec, backbone_name) for spec in list_reducers())
            if m is not None and m != backbone_name]


def missing_reducers(backbone_name: str) -> list[str]:
    """Catalogue keys of the reducers that have no trained model for ``backbone_name`` (left off Compare)."""
    return [spec.label_key for spec in list_reducers() if model_for(spec, backbone_name) is None]


def entry_reducer(entry: Entry, model) -> TokenReducer:
    """The reducer of a Compare entry for its model."""
    return get_reducer(entry.method).make(model, entry.setting, entry.locs)


def compare_reducers(budget: Budget, model=None) -> dict[str, TokenReducer]:
    """Training-free reducers for a plain backbone at the budget (those needing a trained model left out)."""
    return {spec.name: spec.make(model, budget.settings[spec.name], budget.locs)
            for spec in list_reducers(training_free=True)}


def matched_settings(budget: Budget) -> tuple[tuple[str, str], ...]:
    """The settings of the reducers whose setting is not the keep ratio but matched to the budget: (catalogue
    key of the reducer's label, its setting in words, e.g. "r=13")."""
    return tuple((spec.label_key, spec.setting.label(budget.settings[spec.name]))
                 for spec in list_reducers() if spec.setting.match is not None)


def fates_at(trace: Trace, layers: Sequence[int], b: int = 0) -> tuple[Fate | None, ...]:
    """For each of ``layers``: the Fate after the last stage at or before it (None before the first stage)."""
    out = []
    for layer in layers:
        chosen = None
        for s in trace.stages:
            if s.layer <= layer:
                chosen = s
        out.append(stage_fate(chosen, trace.grid, b) if chosen is not None else None)
    return tuple(out)


def achieved(trace: Trace, prefix: int, measure: str) -> float:
    """What a traced pass spent under ``measure``: mean patch tokens entering a layer (``prefix`` tokens such
    as CLS left out) or GMACs."""
    if measure == "tokens":
        return sum(trace.tokens_per_layer) / len(trace.tokens_per_layer) - prefix
    return trace.gmacs


def summary_rows(results: dict, mask=None, prefix: int = 1, budget: Budget | None = None,
                 class_names: Sequence[str] = ()) -> list[dict]:
    """One row per method, language-neutral keys (the page translates the headers): its setting at the
    budget, mean patch tokens per layer and GMACs (what it spent; ``prefix`` tokens left out of the counts),
    ``off_target_pct`` (how far the matched measure is off the budget's target, %), patch tokens in the last
    layer, the predicted class (its name from ``class_names``) and its probability, and — with an object mask
    (H, W) of the model view — keep precision of the last stage and the object's share.

    results: method -> (logits (1, classes), Trace)."""
    rows = []
    for method, (logits, trace) in results.items():
        probs = logits.softmax(-1)[0]
        top = int(probs.argmax())
        spec = find_reducer(method)
        setting = budget.settings.get(method) if budget is not None and spec is not None else None
        off = None
        if setting is not None:
            off = round(100 * mismatch(achieved(trace, prefix, budget.measure), budget.target), 1)
        row = {"method": method, "setting": spec.setting.label(setting) if setting is not None else "",
               "mean_patch_tokens": round(achieved(trace, prefix, "tokens"), 1), "gmacs": round(trace.gmacs, 4),
               "off_target_pct": off, "final_patch_tokens": int(trace.tokens_per_layer[-1]) - prefix,
               "prediction": class_names[top] if top < len(class_names) else str(top),
               "probability": round(float(probs[top]), 4)}
        if mask is not None:
            coverage = token_coverage(mask, trace.grid)
            alive = stage_fate(trace.stages[-1], trace.grid).alive if trace.stages else coverage >= 0
            precision, share = keep_precision(alive, coverage)
            merged = bool(trace.stages) and trace.stages[-1].kind == "merge"  # merging keeps every patch
            row["keep_precision"] = None if merged else round(precision, 4)
            row["object_share"] = round(share, 4)
        rows.append(row)
    return rows


def off_target(budget: Budget, rows: Sequence[dict], tolerance: float = MATCH_TOLERANCE) -> tuple[tuple[str, float], ...]:
    """(method, % off) of the rows whose matched measure misses the budget's target by more than
    ``tolerance`` (integer steps, or a reducer that cannot spend that little)."""
    return tuple((r["method"], r["off_target_pct"]) for r in rows
                 if r["off_target_pct"] is not None and abs(r["off_target_pct"]) > 100 * tolerance + 1e-9)
