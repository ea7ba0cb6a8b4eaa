"""The DynamicViT page's view: kept tokens per stage, the predictor's scores, the Gumbel explainer and
the per-layer cost, for one model, image and control values."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from vizcore.analysis import reduction as red
from vizcore.analysis.forward import traced_forward
from vizcore.analysis.lineage import Fate, fates
from vizcore.models.vit import TokenReducer
from vizcore.trace import Trace

#: tokens the Gumbel explainer shows, and the soft / hard samples it draws for each
GUMBEL_TOKENS, GUMBEL_SAMPLES = 12, 6


@dataclass(frozen=True)
class DynamicViTView:
    """What the DynamicViT page shows. Token counts are patch tokens: the prefix (CLS) is never counted."""

    num_patches: int                      # patch tokens before the first stage (n0)
    prefix: int                           # prefix tokens (CLS) beside them
    pruning_loc: tuple[int, ...]          # layers where a stage prunes
    counts: tuple[int, ...]               # patch tokens rho implies after each stage: int(n0 * rho**k)
    kept: tuple[int, ...]                 # patch tokens the pass shown keeps after each stage (the drawn sample
                                          # in training; equal to counts in inference)
    expected: tuple[float, ...] | None    # training: expected patch tokens after each stage (sum of the
                                          # survival probabilities along the lineages); inference: None
    trace: Trace                          # the forward pass (image 0 of a batch of 1)
    fates: tuple[Fate, ...]               # each stage's fate of the patches (image 0)
    predicted: int                        # top class
    confidence: float                     # its softmax probability
    final_tokens: int                     # patch tokens entering the last layer
    keep_frequency: torch.Tensor | None   # (stages, h*w) survival frequency over Gumbel draws; training only
    expected_keep: torch.Tensor | None    # (stages, h*w) survival probability from the predictor; training only
    gumbel: tuple[np.ndarray, np.ndarray, np.ndarray]  # keep prob (n,), soft (samples, n), hard (samples, n)
    cost_tokens: dict[str, list[int]]     # {"dynamicvit"|"plain": patch tokens entering each layer}
    cost_gmacs: dict[str, list[float]]    # {"dynamicvit"|"plain": GMACs of each layer}
    gmacs: float                          # whole model, one image
    plain_gmacs: float                    # the same backbone without pruning


def dynamicvit_view(model, pixels: torch.Tensor, rho: float, semantics: str = "inference", tau: float = 1.0,
                    seed: int | None = None, samples: int = 32) -> DynamicViTView:
    """model: a DynamicViT; pixels (1, 3, H, W); rho: keep ratio per stage; semantics "inference" (top-k)
    or "training" (Gumbel-softmax at temperature ``tau``, drawn with ``seed``; ``samples`` draws for the
    survival frequency)."""
    reducer = red.dynamicvit_reducer(model, rho, semantics, tau)
    plain_tokens, plain_macs, plain_other = model.analytic_macs(reducer=TokenReducer())
    tokens, macs, other = model.analytic_macs(reducer=reducer)
    logits, trace = traced_forward(model, pixels, sum(macs) + other, seed, reducer=reducer)
    probs = logits.softmax(-1)[0]
    training = semantics == "training"
    frequency = red.keep_frequency(model, pixels, samples=samples, tau=tau, seed=seed, rho=rho) if training else None
    # the first stage's keep probabilities do not depend on rho (its predictor sees every token)
    gumbel = red.gumbel_demo(trace.stages[0].keep_prob[0][:GUMBEL_TOKENS], tau=tau, samples=GUMBEL_SAMPLES,
                             seed=seed or 0)
    locs = tuple(model.pruning_loc)
    prefix = int(model.num_prefix_tokens)
    stage_fates = tuple(fates(trace))
    expected = red.expected_keep(trace) if training else None
    return DynamicViTView(
        num_patches=model.patch_embed.num_patches, prefix=prefix, pruning_loc=locs,
        counts=tuple(red.implied_counts(model.patch_embed.num_patches, rho, len(locs))),
        kept=tuple(f.tokens for f in stage_fates),
        expected=tuple(float(e) for e in expected.sum(-1)) if expected is not None else None, trace=trace,
        fates=stage_fates,
        predicted=int(probs.argmax()), confidence=float(probs.max()),
        final_tokens=trace.tokens_per_layer[-1] - prefix,
        keep_frequency=frequency, expected_keep=expected, gumbel=gumbel,
        cost_tokens={"dynamicvit": [t - prefix for t in tokens], "plain": [t - prefix for t in plain_tokens]},
        cost_gmacs={"dynamicvit": [m / 1e9 for m in macs], "plain": [m / 1e9 for m in plain_macs]},
        gmacs=(sum(macs) + other) / 1e9, plain_gmacs=(sum(plain_macs) + plain_other) / 1e9)


def token_fate_data(v: DynamicViTView, model_name: str, rho: float, semantics: str, tau: float,
                    seed: int | None) -> dict:
    """The token-fate numbers of the JSON download: kept patch ids and keep probabilities per stage."""
    stages = [{"layer": s.layer, "kept": s.kept_mask(v.trace.num_patches)[0].nonzero().flatten().tolist(),
               "keep_prob": [round(float(p), 5) for p in s.keep_prob[0]]} for s in v.trace.stages]
    return {"model": model_name, "rho": rho, "semantics": semantics, "tau": tau, "seed": seed,
            "grid": v.trace.grid, "stages": stages}


def cost_rows(v: DynamicViTView) -> list[dict]:
    """The cost chart's numbers (CSV download): tokens and GMACs per layer."""
    return [{"layer": i, "patch_tokens": t, "gmacs": g}
            for i, (t, g) in enumerate(zip(v.cost_tokens["dynamicvit"], v.cost_gmacs["dynamicvit"]))]
