"""ToMe — Token Merging (Bolya et al., ICLR 2023): in every block, between attention and MLP, merge the r
most similar token pairs found by bipartite soft matching, and keep each token's size for proportional
attention (+ log(size) on the attention logits).

The algorithm follows facebookresearch/ToMe ``tome/merge.py`` (metric = head-mean keys, cosine
similarity; alternate split a = even, b = odd tokens; one best edge per a token; the top-r edges are
merged into b by a size-weighted mean with ``scatter_reduce``; ``source`` tracking over the original
tokens) and ``tome/utils.py`` (``parse_r``). Prefix tokens are protected; with one (CLS) or two
(CLS + dist) prefix tokens the output order is exactly the official one, and any number of prefix
tokens (registers) is handled the same way: protected a-side rows get -inf, protected b-side columns
-inf, and the prefix comes out first in its original order.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Union

import torch

from vizcore.models.deit import deit_kwargs
from vizcore.models.reducer_registry import ReducerSpec, Setting, budget_cost, closest_setting, cost, register_reducer
from vizcore.models.registry import ModelSpec, register
from vizcore.models.vit import TokenReducer, TokenState, ViT
from vizcore.published import Published
from vizcore.trace import Stage

RSpec = Union[int, list, tuple]


# ---------------------------------------------------------------------------------------------- algorithm
def parse_r(num_layers: int, r) -> list[int]:
    """ToMe's r schedule: int (constant), (r, inflection) (inflection -1 = decreasing ... +1 = increasing),
    or a list of per-layer values (padded with zeros)."""
    inflect = 0.0
    if isinstance(r, list):
        return list(r) + [0] * max(0, num_layers - len(r))
    if isinstance(r, tuple):
        r, inflect = r
    min_val = int(r * (1.0 - inflect))
    max_val = 2 * r - min_val
    step = (max_val - min_val) / (num_layers - 1) if num_layers > 1 else 0.0
    return [int(min_val + step * i) for i in range(num_layers)]


@dataclass
class MergePlan:
    """The outcome of one bipartite soft matching over T tokens (split a = even, b = odd positions).

    unm_idx: (B, ta - r, 1) a-tokens kept as they are (sorted when there is a prefix)
    src_idx: (B, r, 1) a-tokens merged away;  dst_idx: (B, r, 1) the b-token each merges into
    """

    unm_idx: torch.Tensor
    src_idx: torch.Tensor
    dst_idx: torch.Tensor
    r: int
    prefix: int

    @property
    def prefix_split(self) -> tuple[int, int]:
        """Prefix tokens on the a side and on the b side."""
        return (self.prefix + 1) // 2, self.prefix // 2

    def _assemble(self, unm: torch.Tensor, dst: torch.Tensor) -> torch.Tensor:
        pa, pb = self.prefix_split
        head = []
        for i in range(self.prefix):  # the prefix in its original order: even -> a, odd -> b
            head.append(unm[:, i // 2: i // 2 + 1] if i % 2 == 0 else dst[:, i // 2: i // 2 + 1])
        return torch.cat(head + [unm[:, pa:], dst[:, pb:]], dim=1)

    def merge(self, x: torch.Tensor, mode: str = "mean") -> torch.Tensor:
        """(B, T, C) -> (B, T - r, C): unmerged a-tokens, then b-tokens with their sources reduced in."""
        src, dst = x[:, ::2], x[:, 1::2]
        n, t1, c = src.shape
        unm = src.gather(1, self.unm_idx.expand(n, t1 - self.r, c))
        src = src.gather(1, self.src_idx.expand(n, self.r, c))
        dst = dst.scatter_reduce(1, self.dst_idx.expand(n, self.r, c), src, reduce=mode)
        return self._assemble(unm, dst)

    def select(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, ...) -> (B, T - r, ...): each output token's representative (b-tokens stand for their group)."""
        src, dst = x[:, ::2], x[:, 1::2]
        idx = self.unm_idx[..., 0]
        if x.dim() == 3:
            idx = idx.unsqueeze(-1).expand(-1, -1, x.shape[-1])
        return self._assemble(src.gather(1, idx), dst)


def bipartite_soft_matching(metric: torch.Tensor, r: int, prefix: int = 1) -> MergePlan | None:
    """Match the a (even) tokens to their most similar b (odd) token and pick the r best edges.

    metric: (B, T, c). r is capped at (T - prefix) // 2. Returns None when nothing is merged.
    """
    t = metric.shape[1]
    r = min(r, (t - prefix) // 2)
    if r <= 0:
        return None
    pa, pb = (prefix + 1) // 2, prefix // 2
    with torch.no_grad():
        metric = metric / metric.norm(dim=-1, keepdim=True)
        a, b = metric[:, ::2], metric[:, 1::2]
        scores = a @ b.transpose(-1, -2)  # (B, ta, tb)
        if pa:
            scores[:, :pa, :] = -math.inf
        if pb:
            scores[:, :, :pb] = -math.inf
        node_max, node_idx = scores.max(dim=-1)
        edge_idx = node_max.argsort(dim=-1, descending=True)[..., None]
        unm_idx = edge_idx[:, r:]
        src_idx = edge_idx[:, :r]
        dst_idx = node_idx[..., None].gather(1, src_idx)
        if prefix:
            unm_idx = unm_idx.sort(dim=1)[0]
    return MergePlan(unm_idx, src_idx, dst_idx, r, prefix)


def merge_wavg(plan: MergePlan, x: torch.Tensor, size: torch.Tensor | None = None):
    """Size-weighted average merge -> (x (B, T - r, C), size (B, T - r, 1))."""
    if size is None:
        size = torch.ones_like(x[..., :1])
    x = plan.merge(x * size, mode="sum")
    size = plan.merge(size, mode="sum")
    return x / size, size


def merge_source(plan: MergePlan, source: torch.Tensor) -> torch.Tensor:
    """Source tracking: (B, T, N0) membership of the original tokens -> (B, T - r, N0)."""
    return plan.merge(source, mode="amax")


# ---------------------------------------------------------------------------------------------- glue
@dataclass(frozen=True)
class ToMeReducer(TokenReducer):
    r: RSpec = 13
    prop_attn: bool = True

    name = "tome"
    is_identity = False

    def r_per_layer(self, depth: int) -> list[int]:
        return parse_r(depth, self.r)

    def needs_qk(self, layer: int) -> bool:
        return True

    def before_block(self, model: ViT, layer: int, x: torch.Tensor, state: TokenState) -> torch.Tensor:
        if layer == 0:
            state.extras["r"] = self.r_per_layer(len(model.blocks))
        return x

    def attention_bias(self, layer: int, state: TokenState) -> torch.Tensor | None:
        if not self.prop_attn or state.size is None:
            return None
        return state.size.log()[:, None, None, :, 0]

    def after_attention(self, layer: int, x: torch.Tensor, q, k, state: TokenState) -> torch.Tensor:
        r = state.extras["r"][layer]
        if r <= 0:
            return x
        p = state.prefix
        plan = bipartite_soft_matching(k.mean(dim=1), r, p)
        if plan is None:
            return x
        x, state.size = merge_wavg(plan, x, state.size)
        # ids: (B, n) patches only -> pad prefix positions so the plan (over all T tokens) applies
        B = x.shape[0]
        pad = torch.full((B, p), -1, dtype=state.ids.dtype, device=state.ids.device)
        state.ids = plan.select(torch.cat([pad, state.ids], dim=1))[:, p:]
        if state.tracing:
            n0 = state.num_patches
            source = state.source
            if source is None:
                source = torch.eye(n0, dtype=x.dtype, device=x.device).expand(B, n0, n0)
            full = torch.cat([source.new_zeros(B, p, n0), source], dim=1)
            state.source = merge_source(plan, full)[:, p:]
            state.stages.append(Stage(layer=layer, kind="merge", kept=state.ids, source=state.source,
                                      extras={"r": plan.r, "size": state.size[:, p:, 0]}))
        return x

    def schedule(self, num_patches: int, prefix: int, depth: int) -> list[tuple[int, int]]:
        t = prefix + num_patches
        out = []
        for r in self.r_per_layer(depth):
            r_eff = max(0, min(r, (t - prefix) // 2))
            out.append((t, t - r_eff))
            t -= r_eff
        return out

    def extra_macs(self, model: ViT, num_patches: int, prefix: int) -> list[float]:
        head_dim = model.blocks[0].attn.head_dim
        out = []
        for t, t_out in self.schedule(num_patches, prefix, len(model.blocks)):
            # the similarity matmul a @ b^T on head-mean keys
            out.append(float(((t + 1) // 2) * (t // 2) * head_dim) if t_out < t else 0.0)
        return out


class ToMe(ViT):
    """timm ViT/DeiT with token merging in every block."""

    family = "tome"

    def __init__(self, r: RSpec = 13, prop_attn: bool = True, **timm_kwargs):
        """r: int (per layer), [r0, r1, ...] (per-layer list) or (r, inflection) as ToMe's ``parse_r``."""
        super().__init__(reducer=ToMeReducer(r, bool(prop_attn)), **timm_kwargs)


def build_tome(size: str, r: RSpec = 13, prop_attn: bool = True, **options) -> ToMe:
    if isinstance(r, list) and len(r) == 2 and isinstance(r[1], float):
        r = (int(r[0]), float(r[1]))  # JSON has no tuples: [r, inflection]
    return ToMe(r=r, prop_attn=prop_attn, **deit_kwargs(size, **options))


register(ModelSpec(
    name="tome_deit_small", family="tome",
    builder=lambda **o: build_tome("small", **o),
    default_options={"r": 13, "prop_attn": True},
    hub_name=None,
    description=("ToMe on DeiT-S, r=13: every block merges its 13 most similar token pairs (bipartite soft "
                 "matching on keys) with size-weighted means and proportional attention; 197 -> 41 tokens."),
    paper="Bolya et al., Token Merging: Your ViT But Faster, ICLR 2023"))


def match_r(model: ViT, rho: float, locs: tuple[int, ...], measure: str = "tokens") -> int:
    """The constant r whose cost under ``measure`` (mean patch tokens per layer, or GMACs) comes closest to
    pruning at keep ratio ``rho`` at ``locs`` (ties: the smaller r). ToMe's cost falls as r grows (never
    rises): bisection, about 8 cost counts instead of n/2. Integer steps: the match may miss by a few %."""
    target = budget_cost(model, rho, locs, measure)
    steps = range(model.patch_embed.num_patches // 2 + 1)
    return int(closest_setting(steps, lambda r: cost(model, ToMeReducer(r), measure), target))


_SOURCE = "Bolya et al., Token Merging: Your ViT But Faster, ICLR 2023, Table 5 / official repository README"
register_reducer(ReducerSpec(
    name="tome", tag="ToMe", family="merge", label_key="reducer.tome", about_key="reducer.tome.about",
    colour="#009E73",
    setting=Setting("r", "reducer.setting.r", 0, 98, 1, 13, text="r={:.0f}", match=match_r),
    make=lambda model, r, locs: ToMeReducer(int(r), True),
    uses_locations=False, keeps_every_patch=True,
    paper="Bolya et al., Token Merging: Your ViT But Faster, ICLR 2023",
    published=(Published("ToMe ViT-S/16 AugReg", "vit", "r 0", 81.4, 4.6, 22.1, "953 img/s (V100)", _SOURCE),
               Published("tome_deit_small", "tome", "r 13 (ViT-S/16 AugReg, off-the-shelf)", 79.3, None, 22.1,
                         "1564 img/s (V100)", _SOURCE))))
