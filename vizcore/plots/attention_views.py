"""Attention pictures: arrays and label strings in, RGB images out. No analysis here (that is
``vizcore.analysis.attention`` and ``vizcore.views.attention``) and no Streamlit."""
from __future__ import annotations

import numpy as np
from PIL import Image

from vizcore.plots.overlay import colorize, compose, draw_grid, enlarge, overlay


def map_overlay(view: np.ndarray, values: np.ndarray, vmin: float, vmax: float, cmap: str = "viridis",
                alpha: float = 0.6, zoom: int = 1, highlight: int | None = None) -> np.ndarray:
    """One attention map (h, w) coloured from ``vmin`` to ``vmax`` over the model view (H, W, 3), enlarged
    ``zoom`` times -> (H·zoom, W·zoom, 3); with ``highlight`` (a row-major patch index) the patch grid is
    drawn and that patch outlined."""
    img = overlay(enlarge(view, zoom), values, alpha=alpha, cmap=cmap, vmin=vmin, vmax=vmax)
    if highlight is not None:
        img = draw_grid(img, values.shape, color=(255, 255, 255), width=1, highlight=highlight)
    return img


def click_picture(view: np.ndarray, grid: tuple[int, int], zoom: int = 1, highlight: int | None = None) -> np.ndarray:
    """The model view enlarged ``zoom`` times with its patch grid (h, w) and one patch outlined: the picture a
    reader clicks to choose a patch."""
    return draw_grid(enlarge(view, zoom), grid, color=(230, 230, 230), highlight=highlight)


def layer_head_grid(view: np.ndarray, maps: np.ndarray, row_labels: list[str], col_labels: list[str],
                    cmap: str = "viridis", alpha: float = 0.7, tile: int = 84) -> np.ndarray:
    """Maps (L, H, h, w) in 0..1 as one composed image: a small overlay per layer (rows) and head (columns)."""
    L, H = maps.shape[:2]
    small = np.asarray(Image.fromarray(view).resize((tile, tile), Image.BILINEAR))
    tiles = [overlay(small, maps[l, h], alpha=alpha, cmap=cmap) for l in range(L) for h in range(H)]
    return compose(tiles, ncols=H, pad=3, row_labels=row_labels, col_labels=col_labels)


def similarity_image(view: np.ndarray, values: np.ndarray, highlight: int, cmap: str = "viridis",
                     alpha: float = 0.75) -> np.ndarray:
    """Cosine similarities (h, w) in -1..1 of one position embedding (patch ``highlight``, outlined) with all
    others, over the view."""
    img = overlay(view, values, alpha=alpha, cmap=cmap, vmin=-1.0, vmax=1.0)
    return draw_grid(img, values.shape, color=(255, 255, 255), width=1, highlight=highlight)


def similarity_atlas(sim: np.ndarray, cmap: str = "viridis", cell: int = 6) -> np.ndarray:
    """The classic ViT figure from similarities (h, w, h, w) in -1..1: for every grid cell, a small map of its
    similarity to all cells."""
    h, w = sim.shape[:2]
    tiles = [np.kron(colorize(sim[i, j], cmap, -1.0, 1.0), np.ones((cell, cell, 1), dtype=np.uint8))
             for i in range(h) for j in range(w)]
    return compose(tiles, ncols=w, pad=1)


__all__ = ["map_overlay", "click_picture", "layer_head_grid", "similarity_image", "similarity_atlas"]
