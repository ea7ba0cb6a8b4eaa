"""The Compare page's view: every registered token reducer on one backbone and image at a matched token
budget — each reducer's forward pass, tokens and GMACs per layer, and a summary row per method."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
import torch

from vizcore.analysis import reduction as red
from vizcore.analysis.forward import traced_forward
from vizcore.analysis.lineage import Fate
from vizcore.analysis.reduction import Budget, Entry, compare_backbones, partner_models
from vizcore.analysis.poolformer import class_names
from vizcore.models.reducer_registry import cost, list_reducers, mismatch, model_for, pruning_locations
from vizcore.trace import Trace

__all__ = ["PLAIN", "CompareView", "compare_backbones", "compare_view", "cost_rows", "direct", "partner_models",
           "summary_data"]

#: the method name of the backbone's own pass, without a reducer
PLAIN = "plain"


def direct(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``: what ``memo`` is without a cache."""
    return fn(*args, **kwargs)


@dataclass(frozen=True)
class CompareView:
    """What the Compare page shows. Methods are "plain" (the backbone alone) and the registered reducers'
    names, in the registry's order."""

    backbone: str                         # the backbone's registry name
    rho: float                            # the keep ratio the budget is made of
    budget: Budget                        # the pruning blocks, the measure held equal, its target, every setting
    entries: tuple[Entry, ...]            # every reducer that runs beside this backbone (its model, setting)
    traces: dict[str, Trace]              # reducer -> its pass (image 0 of 1), those whose model is loaded
    fates: dict[str, tuple[Fate | None, ...]]  # reducer -> what became of the patches at each budget block
    num_patches: int                      # patch tokens before the first block
    prefix: int                           # prefix tokens (CLS) beside them, left out of every count shown
    tokens: dict[str, list[int]]          # "plain" and each reducer in traces -> patch tokens entering each layer
    gmacs: dict[str, list[float]]         # the same keys -> GMACs of each layer
    rows: list[dict]                      # the summary: one row per method ("plain" first), neutral keys
    off_target: tuple[tuple[str, float], ...]  # (method, % off) of those the match misses by more than 2 % (an
                                               # adaptive one by its budget: what it may spend at most)
    under_budget: tuple[tuple[str, float], ...]  # (method, % off) of adaptive ones: matched by their budget, an
                                                 # upper bound, they spend what this image needs
    label_keys: dict[str, str]            # method -> catalogue key of its name ("plain" included)
    matched: tuple[tuple[str, str], ...]  # (catalogue key of a reducer, its setting in words) matched to the budget
    missing: tuple[str, ...]              # catalogue keys of the reducers without a model for this backbone
    object_share: float | None            # share of the patches touching the object (with a mask), else None


def _work(model) -> float:
    tokens, macs, other = model.analytic_macs()
    return float(sum(macs) + other)


def compare_view(backbone_name: str, backbone, pixels: torch.Tensor, rho: float, mask: np.ndarray | None = None,
                 partners: Mapping[str, object] | None = None, memo: Callable = direct,
                 measure: str = "tokens") -> CompareView:
    """backbone: the plain ViT ``backbone_name``; pixels (1, 3, H, W) as it sees the image; rho: the keep
    ratio of the budget (DynamicViT's schedule at the backbone's pruning blocks); mask (H, W) bool: the
    object in the model's view, for keep precision; partners: {name: loaded model or None} for the trained
    models of :func:`partner_models` (a reducer whose model is absent is left out); measure: what every
    reducer's setting is matched on, "tokens" (mean patch tokens per layer) or "gmacs".

    ``memo(fn, *args)`` runs each forward pass: the page passes its cache, so that every pass is remembered
    on its own (the plain one outlives a move of rho; a reducer whose setting a move leaves alone is not
    run again)."""
    models = {**(partners or {}), backbone_name: backbone}
    runs_on = {spec.name: models.get(model_for(spec, backbone_name)) for spec in list_reducers()}
    budget = red.match_budget(backbone, rho, pruning_locations(backbone_name), measure, runs_on)
    entries = tuple(red.compare_entries(backbone_name, budget))
    work = _work(backbone)
    results = {PLAIN: memo(traced_forward, backbone, pixels, work, reducer=None)}
    budget_off = {}  # adaptive reducers: how far their budget (an upper bound of what they spend) is off, %
    for entry in entries:
        model = models.get(entry.model)
        if model is not None:
            reducer = red.entry_reducer(entry, model)
            results[entry.method] = memo(traced_forward, model, pixels, work, reducer=reducer)
            if reducer.adaptive:
                budget_off[entry.method] = round(100 * mismatch(cost(model, reducer, measure), budget.target), 1)
    prefix = int(backbone.num_prefix_tokens)
    rows = red.summary_rows(results, mask=mask, prefix=prefix, budget=budget,
                            class_names=class_names(int(results[PLAIN][0].shape[-1])))
    traces = {m: trace for m, (_, trace) in results.items() if m != PLAIN}
    return CompareView(
        backbone=backbone_name, rho=rho, budget=budget, entries=entries, traces=traces,
        fates={m: red.fates_at(trace, budget.locs) for m, trace in traces.items()},
        num_patches=results[PLAIN][1].num_patches, prefix=prefix,
        tokens={m: [t - prefix for t in trace.tokens_per_layer] for m, (_, trace) in results.items()},
        gmacs={m: [v / 1e9 for v in trace.macs_per_layer] for m, (_, trace) in results.items()},
        rows=rows, off_target=red.off_target(budget, [{**r, "off_target_pct": budget_off[r["method"]]}
                                                      if r["method"] in budget_off else r for r in rows]),
        under_budget=tuple((r["method"], r["off_target_pct"]) for r in rows
                           if r["method"] in budget_off and r["off_target_pct"] is not None),
        label_keys={PLAIN: "cmp.plain", **{spec.name: spec.label_key for spec in list_reducers()}},
        matched=red.matched_settings(budget), missing=tuple(red.missing_reducers(backbone_name)),
        object_share=rows[0]["object_share"] if mask is not None else None)


def cost_rows(v: CompareView) -> list[dict]:
    """The cost chart's numbers (CSV download): tokens and GMACs per method and layer."""
    return [{"method": m, "layer": i, "patch_tokens": t, "gmacs": g}
            for m in v.tokens for i, (t, g) in enumerate(zip(v.tokens[m], v.gmacs[m]))]


def summary_data(v: CompareView) -> dict:
    """The summary's JSON download: the backbone, rho, every reducer's setting and the rows."""
    return {"backbone": v.backbone, "rho": v.rho, "measure": v.budget.measure, "target": v.budget.target,
            "prefix_tokens_left_out": v.prefix, "settings": v.budget.settings, "rows": v.rows}
