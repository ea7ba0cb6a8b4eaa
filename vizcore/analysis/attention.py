"""Attention analyses: per-token rows on the patch grid, rollout, colour-scale normalisation,
position-embedding similarity and the tensor shapes of a model's attention."""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F

from vizcore.trace import Trace

HEAD_FUSIONS = ("mean", "max", "min")
SCALE_MODES = ("map", "layer", "global")
Head = int | str  # a head index, or a fusion of all heads (one of HEAD_FUSIONS)


def token_row(attn: torch.Tensor, query: int, prefix: int, grid: tuple[int, int]) -> torch.Tensor:
    """Where token ``query`` looks: attn (B, H, N, N) -> (B, H, h, w) over the patch tokens.

    ``query`` indexes the full sequence (0 = CLS when there is one). Prefix columns are left out, so
    a row does not sum to one on the grid; the share that went to prefix tokens is ``prefix_share``.
    """
    h, w = grid
    row = attn[:, :, query, prefix:prefix + h * w]
    return row.reshape(*row.shape[:2], h, w)


def prefix_share(attn: torch.Tensor, query: int, prefix: int) -> torch.Tensor:
    """(B, H) share of token ``query``'s attention spent on prefix tokens (cls/registers)."""
    return attn[:, :, query, :prefix].sum(-1)


def query_maps(trace: Trace, query: int) -> torch.Tensor:
    """(L, H, h, w) where token ``query`` (full-sequence index) looks in every layer and head, image 0."""
    if not trace.has_attention():
        raise ValueError("the trace holds no attention maps; run forward_trace(x, attn=True)")
    return torch.stack([token_row(a[:1].float(), query, trace.prefix, trace.grid)[0] for a in trace.attn])


def prefix_shares(trace: Trace, query: int = 0) -> torch.Tensor:
    """(L, H) share of token ``query``'s attention spent on prefix tokens in every layer and head, image 0."""
    return torch.stack([prefix_share(a[:1].float(), query, trace.prefix)[0] for a in trace.attn])


def pick_head(maps: torch.Tensor, head: Head) -> torch.Tensor:
    """(L, H, ...) -> (L, 1, ...): one head, or all heads fused by mean, max or min."""
    if isinstance(head, str):
        return fuse_heads(maps, head).unsqueeze(1)
    if not 0 <= head < maps.shape[1]:
        raise ValueError(f"head must be in 0..{maps.shape[1] - 1}, not {head}")
    return maps[:, head:head + 1]


def colour_range(maps: torch.Tensor, layer: int, head: Head, scale: str = "map") -> tuple[float, float]:
    """The ends of the colour scale for the map of ``layer``/``head`` among maps (L, H, h, w): that map
    alone, its layer (every head), or every layer and head (``scale`` in SCALE_MODES)."""
    if scale == "map":
        ref = pick_head(maps, head)[layer]
    elif scale == "layer":
        ref = maps[layer]
    elif scale == "global":
        ref = maps
    else:
        raise ValueError(f"scale mode must be one of {SCALE_MODES}, not {scale!r}")
    return float(ref.min()), float(ref.max())


def fuse_heads(attn: torch.Tensor, fusion: str = "mean") -> torch.Tensor:
    """(B, H, N, N) -> (B, N, N) by mean, max or min over heads."""
    if fusion == "mean":
        return attn.mean(dim=1)
    if fusion == "max":
        return attn.amax(dim=1)
    if fusion == "min":
        return attn.amin(dim=1)
    raise ValueError(f"head fusion must be one of {HEAD_FUSIONS}, not {fusion!r}")


def rollout(attns: Sequence[torch.Tensor], head_fusion: str = "mean", discard_ratio: float = 0.0,
            prefix: int = 1, upto: int | None = None) -> torch.Tensor:
    """Attention rollout (Abnar & Zuidema 2020) through layers 0..upto.

    attns: per layer (B, H, N, N) with a constant N. Each layer: fuse heads, drop the weakest
    ``discard_ratio`` of each row's weights (prefix columns are never dropped), add the identity for
    the residual path, renormalise every row to sum 1 (keepdim!), and multiply. Returns (B, N, N);
    row i tells how much each input token flows into output token i.
    """
    if not 0.0 <= discard_ratio < 1.0:
        raise ValueError("discard_ratio must be in [0, 1)")
    layers = list(attns)[: (upto + 1) if upto is not None else None]
    if not layers:
        raise ValueError("rollout needs at least one attention map")
    n = layers[0].shape[-1]
    if any(a.shape[-1] != n for a in layers):
        raise ValueError("rollout needs the same number of tokens in every layer (no token reduction)")
    eye = torch.eye(n, dtype=torch.float64, device=layers[0].device)
    result = eye.expand(layers[0].shape[0], n, n).clone()
    for attn in layers:
        fused = fuse_heads(attn.double(), head_fusion)  # (B, N, N)
        if discard_ratio > 0:
            patch = fused[..., prefix:]
            k = int(patch.shape[-1] * discard_ratio)
            if k > 0:
                drop = patch.topk(k, dim=-1, largest=False).indices
                patch = patch.scatter(-1, drop, 0.0)
                fused = torch.cat([fused[..., :prefix], patch], dim=-1)
        a = (fused + eye) / 2.0
        a = a / a.sum(dim=-1, keepdim=True)
        result = a @ result
    return result.float()


def rollout_grid(trace: Trace, head_fusion: str = "mean", discard_ratio: float = 0.0, upto: int | None = None,
                 query: int = 0) -> torch.Tensor:
    """(h, w) rollout (see :func:`rollout`) of token ``query`` (CLS by default) over the patches, image 0."""
    r = rollout([a[:1] for a in trace.attn], head_fusion, discard_ratio, prefix=trace.prefix, upto=upto)
    h, w = trace.grid
    return r[0, query, trace.prefix:trace.prefix + h * w].reshape(h, w)


def normalise(maps: torch.Tensor, mode: str = "map", eps: float = 1e-12) -> torch.Tensor:
    """Min-max scale maps (L, H, h, w) to [0, 1]: each map alone, per layer (shared by its heads),
    or globally (one scale for all), as CNN Explainer offers."""
    if maps.dim() != 4:
        raise ValueError("expected maps shaped (layers, heads, h, w)")
    if mode == "map":
        dims = (2, 3)
    elif mode == "layer":
        dims = (1, 2, 3)
    elif mode == "global":
        dims = (0, 1, 2, 3)
    else:
        raise ValueError(f"scale mode must be one of {SCALE_MODES}, not {mode!r}")
    lo = maps.amin(dim=dims, keepdim=True)
    hi = maps.amax(dim=dims, keepdim=True)
    return (maps - lo) / (hi - lo).clamp_min(eps)


def pos_embed_similarity(pos_embed: torch.Tensor, prefix: int, grid: tuple[int, int]) -> torch.Tensor:
    """Cosine similarity of every patch position embedding with every other: (1, P+N, C) -> (h, w, h, w)."""
    h, w = grid
    pe = pos_embed.reshape(-1, pos_embed.shape[-1])[-h * w:]  # patch rows (prefix rows, if any, come first)
    pe = F.normalize(pe.float(), dim=-1)
    return (pe @ pe.T).reshape(h, w, h, w)


def attention_shapes(model, tokens_per_layer: Sequence[int], batch: int = 1) -> list[dict]:
    """The actual Q, K, V and attention tensor shapes of each block of a timm-style ViT, given the
    tokens entering each layer (``trace.tokens_per_layer``). One dict per layer."""
    rows = []
    for i, (blk, n) in enumerate(zip(model.blocks, tokens_per_layer)):
        heads, hd = blk.attn.num_heads, blk.attn.head_dim
        rows.append({
            "layer": i, "tokens": n, "heads": heads, "head_dim": hd,
            "x": (batch, n, model.embed_dim),
            "q": (batch, heads, n, hd), "k": (batch, heads, n, hd), "v": (batch, heads, n, hd),
            "attn": (batch, heads, n, n), "out": (batch, n, model.embed_dim),
        })
    return rows
