"""EViT (Liang et al., ICLR 2022): in a few blocks, after attention and before the MLP, keep the patch
tokens the CLS token attends to most (head-averaged) and fuse the rest into one token weighted by that
attention. No new parameters: plain DeiT keys.

Faithful to the official code (youweiliang/evit, ``evit.py``):
* kept = ``ceil(keep_rate * (N - 1))`` counted on the non-CLS tokens of the *current* sequence — which
  includes fused tokens of earlier stages: they compete with patch tokens and may be kept or re-fused;
* ``topk(largest=True, sorted=True)`` order; the fused token = sum of the dropped tokens weighted by their
  raw (not renormalised) CLS attention, appended at the end.
Generalised to several prefix tokens (registers): all prefix tokens are kept, the CLS row is token 0's.
The CLS attention row is computed from q[:, :, :1] and k, so the rest of attention stays fused (SDPA).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Sequence

import torch

from vizcore.models.deit import deit_kwargs
from vizcore.models.reducer_registry import KEEP_RATIO, ReducerSpec, match_keep_ratio, register_reducer
from vizcore.models.registry import ModelSpec, register
from vizcore.models.vit import TokenReducer, TokenState, ViT, gather_tokens
from vizcore.published import Published
from vizcore.trace import Stage


# ---------------------------------------------------------------------------------------------- algorithm
def evit_keep_count(candidates: int, keep_rate: float) -> int:
    """Tokens kept out of ``candidates`` non-prefix tokens: the official ``math.ceil(keep_rate * (N - 1))``."""
    return math.ceil(keep_rate * candidates)


def cls_attention(q: torch.Tensor, k: torch.Tensor, prefix: int, scale: float | None = None) -> torch.Tensor:
    """Head-averaged attention of token 0 (CLS) to the non-prefix tokens.

    q, k: (B, H, N, hd) -> (B, N - prefix); softmax over all N keys, as the full attention row would be.
    """
    scale = q.shape[-1] ** -0.5 if scale is None else scale
    row = ((q[:, :, :1] * scale) @ k.transpose(-2, -1)).softmax(dim=-1)  # (B, H, 1, N)
    return row[:, :, 0, prefix:].mean(dim=1)


def complement(idx: torch.Tensor, n: int) -> torch.Tensor:
    """(B, n - k) ascending indices of range(n) not in idx (B, k) (the official ``complement_idx``)."""
    taken = torch.zeros(idx.shape[0], n, dtype=torch.bool, device=idx.device).scatter_(1, idx, True)
    order = torch.argsort(taken.to(torch.uint8), dim=1, stable=True)  # untaken first, ascending
    return order[:, : n - idx.shape[1]]


def select_and_fuse(x: torch.Tensor, cls_attn: torch.Tensor, prefix: int, keep: int, fuse: bool = True):
    """Keep the ``keep`` top tokens of x[:, prefix:] by ``cls_attn``; optionally fuse the others.

    x: (B, N, C), cls_attn: (B, N - prefix) -> x' (B, prefix + keep (+1), C), idx (B, keep) best first,
    compl (B, N - prefix - keep) ascending, weights (B, N - prefix - keep) = cls_attn at compl.
    """
    non = x[:, prefix:]
    idx = torch.topk(cls_attn, keep, dim=1, largest=True, sorted=True).indices
    parts = [x[:, :prefix], gather_tokens(non, idx)]
    compl = complement(idx, non.shape[1])
    weights = cls_attn.gather(1, compl)
    if fuse:
        fused = (gather_tokens(non, compl) * weights.unsqueeze(-1)).sum(dim=1, keepdim=True)
        parts.append(fused)
    return torch.cat(parts, dim=1), idx, compl, weights


# ---------------------------------------------------------------------------------------------- glue
FUSED_ID = -1  # id of a fused token in TokenState.ids


def _on_grid(ids: torch.Tensor, values: torch.Tensor, num_patches: int, fill) -> torch.Tensor:
    """Scatter per-token values (B, n) onto the original grid (B, num_patches); fused tokens are skipped."""
    out = torch.full((ids.shape[0], num_patches + 1), fill, dtype=values.dtype, device=values.device)
    out.scatter_(1, torch.where(ids == FUSED_ID, torch.full_like(ids, num_patches), ids), values)
    return out[:, :num_patches]


@dataclass(frozen=True)
class EViTReducer(TokenReducer):
    locs: tuple[int, ...] = (3, 6, 9)
    keep_rate: float = 0.7
    fuse_token: bool = True

    name = "evit"
    is_identity = False

    def needs_qk(self, layer: int) -> bool:
        return layer in self.locs

    def after_attention(self, layer: int, x: torch.Tensor, q, k, state: TokenState) -> torch.Tensor:
        if layer not in self.locs:
            return x
        p = state.prefix
        n = x.shape[1] - p
        keep = evit_keep_count(n, self.keep_rate)
        if keep >= n:
            return x
        attn = cls_attention(q, k, p)
        x, idx, compl, weights = select_and_fuse(x, attn, p, keep, self.fuse_token)
        ids = state.ids  # (B, n): original patch id, FUSED_ID for fused tokens
        kept_ids = ids.gather(1, idx)
        if state.tracing:
            state.stages.append(self._stage(layer, state, attn, idx, compl, weights, kept_ids))
        new_ids = [kept_ids]
        if self.fuse_token:
            new_ids.append(torch.full_like(kept_ids[:, :1], FUSED_ID))
        state.ids = torch.cat(new_ids, dim=1)
        return x

    def _stage(self, layer, state, attn, idx, compl, weights, kept_ids) -> Stage:
        B, n0 = kept_ids.shape[0], state.num_patches
        comp = state.source  # (B, n, N0): which original patches each current token holds, with weights
        if comp is None:
            comp = torch.eye(n0, dtype=attn.dtype, device=attn.device).expand(B, n0, n0)
        fused_w = (comp.gather(1, compl.unsqueeze(-1).expand(-1, -1, n0)) * weights.unsqueeze(-1)).sum(dim=1)
        rows = [comp.gather(1, idx.unsqueeze(-1).expand(-1, -1, n0))]
        if self.fuse_token:
            rows.append(fused_w.unsqueeze(1))
        state.source = torch.cat(rows, dim=1)
        real = kept_ids != FUSED_ID
        mask = _on_grid(kept_ids, real, n0, False)
        kept, kept_mask = kept_ids, None
        if not bool(real.all()):
            # an earlier fused token survived: pad each row with one of its real patches; the mask is exact
            kept_mask = mask
            if bool(real.any(dim=1).all()):
                first = torch.where(real, kept_ids, torch.full_like(kept_ids, n0)).min(dim=1, keepdim=True).values
                kept = torch.where(real, kept_ids, first)
            else:
                kept = None
        real_before = state.ids != FUSED_ID
        scores_grid = _on_grid(state.ids, attn, n0, float("nan"))
        return Stage(layer=layer, kind="fuse" if self.fuse_token else "prune", kept=kept, mask=kept_mask,
                     fused_weights=fused_w if self.fuse_token else None, scores=scores_grid,
                     extras={"kept_ids": kept_ids, "fused_mass": weights.sum(dim=1),
                             "cls_attn_fused": torch.where(real_before, torch.zeros_like(attn), attn).sum(dim=1)})

    def schedule(self, num_patches: int, prefix: int, depth: int) -> list[tuple[int, int]]:
        n = num_patches  # non-prefix tokens (patches and fused tokens)
        out = []
        for layer in range(depth):
            n_attn = n
            if layer in self.locs:
                keep = evit_keep_count(n, self.keep_rate)
                if keep < n:
                    n = keep + (1 if self.fuse_token else 0)
            out.append((prefix + n_attn, prefix + n))
        return out

    def extra_macs(self, model: ViT, num_patches: int, prefix: int) -> list[float]:
        attn_dim = model.blocks[0].attn.num_heads * model.blocks[0].attn.head_dim
        sched = self.schedule(num_patches, prefix, len(model.blocks))
        return [float(na * attn_dim) if layer in self.locs else 0.0 for layer, (na, _) in enumerate(sched)]


class EViT(ViT):
    """timm ViT/DeiT with EViT's token reorganisation (no extra parameters)."""

    family = "evit"

    def __init__(self, locs: Sequence[int] = (3, 6, 9), keep_rate: float = 0.7, fuse_token: bool = True,
                 **timm_kwargs):
        super().__init__(reducer=EViTReducer(tuple(int(i) for i in locs), float(keep_rate), bool(fuse_token)),
                         **timm_kwargs)
        if not self.has_class_token:
            raise ValueError("EViT ranks tokens by CLS attention: the model needs a class token")
        if locs and max(locs) >= len(self.blocks):
            raise ValueError(f"EViT locations {tuple(locs)} outside the {len(self.blocks)} blocks")


def build_evit(size: str, locs: Sequence[int] = (3, 6, 9), keep_rate: float = 0.7, fuse_token: bool = True,
               **options) -> EViT:
    return EViT(locs=locs, keep_rate=keep_rate, fuse_token=fuse_token, **deit_kwargs(size, **options))


register(ModelSpec(
    name="evit_deit_small", family="evit",
    builder=lambda **o: build_evit("small", **o),
    default_options={"keep_rate": 0.7, "locs": [3, 6, 9], "fuse_token": True},
    hub_name=None,
    description=("EViT-DeiT-S, keep 0.7: in blocks 3/6/9 keep the ceil(0.7(N-1)) tokens the CLS token attends "
                 "to most and fuse the rest into one attention-weighted token (197 -> 140 -> 100 -> 72)."),
    paper="Liang et al., Not All Patches are What You Need: Expediting Vision Transformers via Token "
          "Reorganizations, ICLR 2022"))

def match_keep_rate(model: ViT, rho: float, locs: tuple[int, ...], measure: str = "tokens") -> float:
    """The keep rate whose cost under ``measure`` comes closest to the budget of keep ratio ``rho`` at ``locs``.
    EViT cuts after attention, keeps ceil(rate * n) of the tokens present (not of N0) and adds a fused token:
    at rho itself it spends more than the budget (bundled ViT, rho 0.7: 111 vs 93.7 mean tokens per layer)."""
    return match_keep_ratio(lambda rate: EViTReducer(tuple(locs), rate, True), model, rho, locs, measure)


register_reducer(ReducerSpec(
    name="evit", tag="EViT", family="fuse", label_key="reducer.evit", about_key="reducer.evit.about",
    colour="#E69F00", setting=replace(KEEP_RATIO, match=match_keep_rate),
    make=lambda model, keep_rate, locs: EViTReducer(tuple(locs), float(keep_rate), True), tuned_family="evit",
    paper="Liang et al., Not All Patches are What You Need: Expediting Vision Transformers via Token "
          "Reorganizations, ICLR 2022",
    published=(Published("evit_deit_small", "evit", "keep 0.7, fused", 79.5, 3.0, 22.1, "4385 img/s",
                         "Liang et al., Not All Patches are What You Need: Expediting Vision Transformers via Token "
                         "Reorganizations (EViT), ICLR 2022, Table 1"),)))
