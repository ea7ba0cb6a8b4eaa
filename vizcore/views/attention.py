"""The Attention page's views: one function per view of the page, each (model / trace, control values) -> a
frozen view object.

The trace is the model's cached ``forward_trace(pixels, attn=True)`` on the current image: every view reads
its attention maps and never runs the model again, so moving a control costs no forward pass. Pictures are
drawn by ``vizcore.plots.attention_views`` from the arrays here.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vizcore.analysis.attention import (Head, attention_shapes, colour_range, normalise, pick_head,
                                        pos_embed_similarity, prefix_shares, query_maps, rollout_grid)
from vizcore.trace import Trace

#: the click-a-patch picture is enlarged to about this many pixels wide, so a patch is easy to hit
CLICK_WIDTH = 448


def _patch_index(trace: Trace, patch: int) -> int:
    h, w = trace.grid
    if not 0 <= patch < h * w:
        raise ValueError(f"patch must be in 0..{h * w - 1}, not {patch}")
    return int(patch)


# ---------------------------------------------------------------------------------------- one map
@dataclass(frozen=True)
class MapView:
    """Where one token looks in one layer and head (or fusion of heads)."""

    values: np.ndarray   # (h, w) attention of the query token to every patch
    vmin: float          # the ends of its colour scale: this map, its layer or all layers and heads
    vmax: float
    layer: int
    head: Head
    query: int           # the query token's index in the full sequence (0 = CLS when there is one)
    patch: int | None    # the query's patch (row-major), None for the CLS token
    row: int | None
    col: int | None
    prefix_share: float  # the share of the query's attention that went to prefix tokens (cls, registers)


def map_view(trace: Trace, *, layer: int, head: Head, scale: str = "map", patch: int | None = None) -> MapView:
    """The CLS token's attention (``patch`` None) or a patch's, in ``layer`` and ``head``."""
    if not 0 <= layer < len(trace.attn):
        raise ValueError(f"layer must be in 0..{len(trace.attn) - 1}, not {layer}")
    row = col = None
    query = 0
    if patch is not None:
        patch = _patch_index(trace, patch)
        row, col = divmod(patch, trace.grid[1])
        query = trace.prefix + patch
    maps = query_maps(trace, query)  # (L, H, h, w)
    vmin, vmax = colour_range(maps, layer, head, scale)
    shares = prefix_shares(trace, query)[layer]  # (H,): a fusion of heads reports their mean
    share = float(shares.mean() if isinstance(head, str) else shares[head])
    return MapView(pick_head(maps, head)[layer, 0].numpy(), vmin, vmax, layer, head, query, patch, row, col, share)


def click_zoom(view_width: int) -> int:
    """How many times the click-a-patch picture enlarges a model view ``view_width`` pixels wide."""
    return max(1, CLICK_WIDTH // view_width)


def patch_at(click: dict, grid: tuple[int, int], size: tuple[int, int]) -> int:
    """The patch (row-major index) under a click {"x", "y"} (optionally "width", "height": the picture as
    shown) on a picture of ``size`` (height, width) pixels divided into ``grid`` (h, w) patches."""
    h, w = grid
    col = min(w - 1, int(click["x"] * w / click.get("width", size[1])))
    row = min(h - 1, int(click["y"] * h / click.get("height", size[0])))
    return row * w + col


# ---------------------------------------------------------------------------------------- layer x head grid
@dataclass(frozen=True)
class GridView:
    """The CLS token's attention in every layer and head, scaled to 0..1."""

    maps: np.ndarray  # (L, H, h, w) in 0..1: per map, per layer or over all of them
    scale: str


def grid_tile(heads: int, width: int = 1200, low: int = 84, high: int = 240) -> int:
    """Side of one map of the layer x head grid so that ``heads`` columns span about ``width`` pixels."""
    return max(low, min(high, width // max(heads, 1)))


def grid_view(trace: Trace, *, scale: str = "layer") -> GridView:
    """Every layer (rows) and head (columns) of the CLS token's attention, min-max scaled by ``scale``."""
    return GridView(normalise(query_maps(trace, 0), scale).numpy(), scale)


# ---------------------------------------------------------------------------------------- rollout
@dataclass(frozen=True)
class RolloutView:
    """Attention rollout of the CLS token through layers 0..upto (None where the token count changes)."""

    values: np.ndarray | None  # (h, w), or None: rollout needs a constant number of tokens
    vmin: float
    vmax: float
    fusion: str
    discard: float
    upto: int

    @property
    def available(self) -> bool:
        return self.values is not None


def rollout_view(trace: Trace, *, fusion: str = "mean", discard: float = 0.0, upto: int | None = None) -> RolloutView:
    """Rollout with heads fused by ``fusion`` and the weakest ``discard`` share of each row dropped."""
    upto = len(trace.attn) - 1 if upto is None else int(upto)
    if len(set(trace.tokens_per_layer)) > 1:
        return RolloutView(None, 0.0, 0.0, fusion, discard, upto)
    values = rollout_grid(trace, fusion, discard, upto=upto).numpy()
    return RolloutView(values, float(values.min()), float(values.max()), fusion, discard, upto)


# ---------------------------------------------------------------------------------------- shapes & positions
@dataclass(frozen=True)
class ShapesView:
    """The attention tensors' shapes per layer, and how alike the learned position embeddings are."""

    rows: list[dict]    # analysis.attention.attention_shapes (tuples)
    table: list[dict]   # the same as text, columns: layer, x, Q, K, V, softmax(QKᵀ/√d), out
    similarity: np.ndarray | None  # (h, w, h, w) cosine similarity of the patch position embeddings
    ref: int            # the reference patch (row-major)
    ref_values: np.ndarray | None  # (h, w) its similarity to every patch


def shapes_view(model, trace: Trace, *, ref: int | None = None) -> ShapesView:
    """Shapes per layer; with a ``pos_embed``, the similarity of every patch's position embedding to all others
    and to patch ``ref`` (default: the middle patch)."""
    h, w = trace.grid
    ref = _patch_index(trace, (h // 2) * w + w // 2 if ref is None else ref)
    rows = attention_shapes(model, trace.tokens_per_layer)
    table = [{"layer": r["layer"], "x": str(r["x"]), "Q": str(r["q"]), "K": str(r["k"]), "V": str(r["v"]),
              "softmax(QKᵀ/√d)": str(r["attn"]), "out": str(r["out"])} for r in rows]
    pos = getattr(model, "pos_embed", None)
    if pos is None:
        return ShapesView(rows, table, None, ref, None)
    sim = pos_embed_similarity(pos.detach().cpu(), trace.prefix, trace.grid).numpy()
    return ShapesView(rows, table, sim, ref, sim[divmod(ref, w)])


__all__ = ["CLICK_WIDTH", "MapView", "map_view", "click_zoom", "patch_at", "GridView", "grid_tile", "grid_view", "RolloutView",
           "rollout_view", "ShapesView", "shapes_view"]
