"""Attention pictures composed from a Trace: pure functions, arrays in, RGB images and numbers out."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from vizcore.analysis.attention import fuse_heads, normalise, prefix_share, rollout, token_row
from vizcore.plots.overlay import colorize, compose, draw_grid, overlay
from vizcore.trace import Trace

Head = int | str  # a head index, or "mean" / "max"


def query_maps(trace: Trace, query: int) -> torch.Tensor:
    """(L, H, h, w) where ``query`` looks in every layer and head (image 0 of the batch)."""
    if not trace.has_attention():
        raise ValueError("the trace holds no attention maps; run forward_trace(x, attn=True)")
    maps = [token_row(a[:1].float(), query, trace.prefix, trace.grid)[0] for a in trace.attn]
    return torch.stack(maps)


def pick_head(maps: torch.Tensor, head: Head) -> torch.Tensor:
    """(L, H, h, w) -> (L, 1, h, w) for one head or a fusion of all heads."""
    if isinstance(head, str):
        return {"mean": maps.mean(1, keepdim=True), "max": maps.amax(1, keepdim=True),
                "min": maps.amin(1, keepdim=True)}[head]
    return maps[:, head:head + 1]


@dataclass
class MapView:
    image: np.ndarray       # (H, W, 3) uint8 — the picture to show
    values: np.ndarray      # (h, w) float — raw attention numbers behind it
    vmin: float
    vmax: float


def single_map(view: np.ndarray, trace: Trace, layer: int, head: Head, query: int = 0, scale: str = "map",
               cmap: str = "viridis", alpha: float = 0.6, highlight: int | None = None) -> MapView:
    """Attention of ``query`` in ``layer``/``head`` overlaid on the model view.

    The colour scale follows ``scale``: this map alone, this layer (all heads), or all layers and heads.
    """
    maps = query_maps(trace, query)  # (L, H, h, w)
    values = pick_head(maps, head)[layer, 0]
    if scale == "map":
        ref = values
    elif scale == "layer":
        ref = maps[layer]
    else:
        ref = maps
    vmin, vmax = float(ref.min()), float(ref.max())
    img = overlay(view, values.numpy(), alpha=alpha, cmap=cmap, vmin=vmin, vmax=vmax)
    if highlight is not None:
        img = draw_grid(img, trace.grid, color=(255, 255, 255), width=1, highlight=highlight)
    return MapView(img, values.numpy(), vmin, vmax)


def layer_head_grid(view: np.ndarray, trace: Trace, query: int = 0, scale: str = "layer", cmap: str = "viridis",
                    alpha: float = 0.7, tile: int = 84) -> np.ndarray:
    """All layers (rows) x heads (columns) as one composed image of small overlays."""
    maps = query_maps(trace, query)  # (L, H, h, w)
    scaled = normalise(maps, scale)
    L, H = maps.shape[:2]
    small = np.asarray(Image.fromarray(view).resize((tile, tile), Image.BILINEAR))
    tiles = [overlay(small, scaled[l, h].numpy(), alpha=alpha, cmap=cmap) for l in range(L) for h in range(H)]
    return compose(tiles, ncols=H, pad=3, row_labels=[f"layer {l}" for l in range(L)],
                   col_labels=[f"head {h}" for h in range(H)])


def rollout_map(trace: Trace, head_fusion: str = "mean", discard_ratio: float = 0.0, upto: int | None = None,
                query: int = 0) -> np.ndarray:
    """(h, w) rollout of the query token (CLS by default) over the patches, image 0."""
    r = rollout([a[:1] for a in trace.attn], head_fusion, discard_ratio, prefix=trace.prefix, upto=upto)
    h, w = trace.grid
    return r[0, query, trace.prefix:trace.prefix + h * w].reshape(h, w).numpy()


def prefix_shares(trace: Trace, query: int = 0) -> np.ndarray:
    """(L, H) share of the query's attention that went to prefix tokens."""
    return torch.stack([prefix_share(a[:1].float(), query, trace.prefix)[0] for a in trace.attn]).numpy()


def fused_layer(trace: Trace, layer: int, fusion: str = "mean") -> np.ndarray:
    """(N, N) head-fused attention matrix of one layer (image 0)."""
    return fuse_heads(trace.attn[layer][:1].float(), fusion)[0].numpy()


def similarity_image(sim: np.ndarray, ref: tuple[int, int], view: np.ndarray, cmap: str = "viridis",
                     alpha: float = 0.75) -> np.ndarray:
    """Cosine similarity of one position embedding (grid cell ``ref``) with all others, over the view."""
    values = sim[ref[0], ref[1]]
    img = overlay(view, values, alpha=alpha, cmap=cmap, vmin=-1.0, vmax=1.0)
    return draw_grid(img, values.shape, color=(255, 255, 255), width=1, highlight=ref[0] * values.shape[1] + ref[1])


def similarity_atlas(sim: np.ndarray, cmap: str = "viridis", cell: int = 6) -> np.ndarray:
    """The classic ViT figure: for every grid cell, a small map of its similarity to all cells."""
    h, w = sim.shape[:2]
    tiles = [np.kron(colorize(sim[i, j], cmap, -1.0, 1.0), np.ones((cell, cell, 1), dtype=np.uint8))
             for i in range(h) for j in range(w)]
    return compose(tiles, ncols=w, pad=1)
