"""Token lineage: what became of every original patch, stage by stage, for any reducer's Trace."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from vizcore.trace import Stage, Trace


@dataclass
class Fate:
    """The state of the original patch grid after one stage (image ``b`` of the batch).

    alive:   (h, w) bool — the patch is still represented by a token of its own or a merged one
    group:   (h, w) int — for merges, the id of the token that holds the patch (-1 when gone);
             for keep/drop, the patch's own index when alive
    fused:   (h, w) float — weight of the patch in EViT's fused token (0 elsewhere), or None
    tokens:  patch tokens left after the stage (merged groups count once)
    """

    layer: int
    kind: str
    alive: np.ndarray
    group: np.ndarray
    fused: np.ndarray | None
    tokens: int


def stage_fate(stage: Stage, grid: tuple[int, int], b: int = 0) -> Fate:
    """The Fate of the grid after ``stage``."""
    h, w = grid
    n = h * w
    if stage.source is not None:
        src = stage.source[b].float()  # (n_out, n)
        holds = src.sum(0) > 0
        owner = torch.where(holds, src.argmax(0), torch.full((n,), -1, dtype=torch.long))
        alive = holds.numpy().reshape(h, w)
        group = owner.numpy().reshape(h, w)
        tokens = int((src.sum(1) > 0).sum())
    else:
        mask = stage.kept_mask(n)[b]
        alive = mask.numpy().reshape(h, w)
        group = np.where(alive, np.arange(n).reshape(h, w), -1)
        tokens = int(mask.sum())
    fused = stage.fused_weights[b].float().numpy().reshape(h, w) if stage.fused_weights is not None else None
    return Fate(stage.layer, stage.kind, alive, group, fused, tokens)


def fates(trace: Trace, b: int = 0) -> list[Fate]:
    """One Fate per stage, in order."""
    return [stage_fate(s, trace.grid, b) for s in trace.stages]


def keep_precision(alive: np.ndarray, coverage: np.ndarray) -> tuple[float, float]:
    """(share of alive patches that touch the object, the object's share of all patches).

    alive, coverage: (h, w); coverage is the fraction of each patch inside the object mask.
    """
    touches = coverage > 0
    kept = alive.astype(bool)
    precision = float(touches[kept].mean()) if kept.any() else 0.0
    return precision, float(touches.mean())


def survival_depth(trace: Trace, b: int = 0) -> np.ndarray:
    """(h, w) int: how many stages each patch survived (len(stages) = kept to the end)."""
    h, w = trace.grid
    depth = np.zeros((h, w), dtype=np.int64)
    for f in fates(trace, b):
        depth += f.alive
    return depth
