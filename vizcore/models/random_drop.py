"""Random drop: the baseline for DynamicViT — drop random patch tokens at the same locations and in the
same numbers (``int(N0 * rho**k)`` kept before blocks 3/6/9), with no predictor. The draw comes from the
``torch.Generator`` given to ``forward_trace``; without one a fresh generator seeded with ``seed`` is used,
so ``forward`` is deterministic.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

from vizcore.models.deit import deit_kwargs
from vizcore.models.dynamicvit import keep_counts, stage_ratios, to_grid
from vizcore.models.reducer_registry import KEEP_RATIO, ReducerSpec, register_reducer
from vizcore.models.registry import ModelSpec, register
from vizcore.models.vit import TokenReducer, TokenState, ViT, gather_tokens, keep_count
from vizcore.trace import Stage


# ---------------------------------------------------------------------------------------------- algorithm
def random_scores(batch: int, n: int, generator: torch.Generator, device, dtype=torch.float32) -> torch.Tensor:
    """(B, n) uniform scores from ``generator`` (drawn on its device, moved to ``device``)."""
    return torch.rand(batch, n, generator=generator, device=generator.device, dtype=dtype).to(device)


def random_keep(scores: torch.Tensor, k: int) -> torch.Tensor:
    """Indices (B, k) of a uniformly random k-subset per row (top-k of uniform scores), in grid order."""
    return torch.topk(scores, min(k, scores.shape[1]), dim=1).indices.sort(dim=1).values


# ---------------------------------------------------------------------------------------------- glue
@dataclass(frozen=True)
class RandomDropReducer(TokenReducer):
    pruning_loc: tuple[int, ...] = (3, 6, 9)
    keep_ratios: tuple[float, ...] = (0.7, 0.7 ** 2, 0.7 ** 3)
    seed: int = 0

    name = "random_drop"
    is_identity = False

    def before_block(self, model: ViT, layer: int, x: torch.Tensor, state: TokenState) -> torch.Tensor:
        if layer not in self.pruning_loc:
            return x
        if state.generator is None:  # one default generator per forward: deterministic forward()
            state.generator = torch.Generator().manual_seed(self.seed)
        stage = self.pruning_loc.index(layer)
        k = keep_count(state.num_patches, self.keep_ratios[stage])
        p = state.prefix
        spatial = x[:, p:]
        scores = random_scores(x.shape[0], spatial.shape[1], state.generator, x.device)
        keep = random_keep(scores, k)
        x = torch.cat([x[:, :p], gather_tokens(spatial, keep)], dim=1)
        kept_ids = state.ids.gather(1, keep)
        if state.tracing:
            state.stages.append(Stage(
                layer=layer, kind="drop", kept=kept_ids,
                scores=to_grid(scores.to(x.dtype), state.ids, state.num_patches, float("nan")),
                extras={"stage": stage, "keep_count": keep.shape[1]}))
        state.ids = kept_ids
        return x

    def schedule(self, num_patches: int, prefix: int, depth: int) -> list[tuple[int, int]]:
        n = num_patches
        out = []
        for layer in range(depth):
            if layer in self.pruning_loc:
                n = min(n, keep_count(num_patches, self.keep_ratios[self.pruning_loc.index(layer)]))
            out.append((prefix + n, prefix + n))
        return out


class RandomDrop(ViT):
    """timm ViT/DeiT that drops random patch tokens where DynamicViT prunes (no extra parameters)."""

    family = "random_drop"

    def __init__(self, pruning_loc: Sequence[int] = (3, 6, 9), keep_ratio: float = 0.7,
                 keep_ratios: Sequence[float] | None = None, seed: int = 0, **timm_kwargs):
        locs = tuple(int(i) for i in pruning_loc)
        ratios = tuple(float(r) for r in keep_ratios) if keep_ratios else stage_ratios(keep_ratio, len(locs))
        if len(ratios) != len(locs):
            raise ValueError("one keep ratio per pruning location")
        super().__init__(reducer=RandomDropReducer(locs, ratios, int(seed)), **timm_kwargs)
        if locs and max(locs) >= len(self.blocks):
            raise ValueError(f"drop locations {locs} outside the {len(self.blocks)} blocks")

    def kept_counts(self) -> list[int]:
        return keep_counts(self.patch_embed.num_patches, self.reducer.keep_ratios)


def build_random_drop(size: str, pruning_loc: Sequence[int] = (3, 6, 9), keep_ratio: float = 0.7,
                      keep_ratios: Sequence[float] | None = None, seed: int = 0, **options) -> RandomDrop:
    return RandomDrop(pruning_loc=pruning_loc, keep_ratio=keep_ratio, keep_ratios=keep_ratios, seed=seed,
                      **deit_kwargs(size, **options))


register(ModelSpec(
    name="random_drop_deit_small", family="random_drop",
    builder=lambda **o: build_random_drop("small", **o),
    default_options={"keep_ratio": 0.7, "pruning_loc": [3, 6, 9], "seed": 0},
    hub_name=None,
    description=("Random-drop baseline on DeiT-S: before blocks 3/6/9 keep a random int(N0*0.7^k) patch tokens "
                 "(137/96/67 at 14x14), the same schedule as DynamicViT/0.7 without a predictor."),
    paper="Baseline in Rao et al., DynamicViT, NeurIPS 2021"))

register_reducer(ReducerSpec(
    name="random_drop", tag="random", family="prune", label_key="reducer.random_drop",
    about_key="reducer.random_drop.about", colour="#CC79A7", setting=KEEP_RATIO,
    make=lambda model, rho, locs: RandomDropReducer(tuple(locs), stage_ratios(float(rho), len(locs))),
    paper="Baseline in Rao et al., DynamicViT, NeurIPS 2021"))
