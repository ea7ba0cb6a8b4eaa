"""Token-fate pictures: kept, dropped, merged and fused patches over the image, for any reducer."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from PIL import Image
from skimage.segmentation import find_boundaries

from vizcore.analysis.lineage import Fate
from vizcore.plots.overlay import compose, fade, resize_map

FUSED_TINT = np.array([214, 39, 40], dtype=np.float32)  # red: patches folded into EViT's fused token


def _upsample_labels(labels: np.ndarray, size_hw: tuple[int, int]) -> np.ndarray:
    """(h, w) int labels -> (H, W) by nearest neighbour (cells stay crisp)."""
    H, W = size_hw
    h, w = labels.shape
    rows = np.minimum((np.arange(H) * h) // H, h - 1)
    cols = np.minimum((np.arange(W) * w) // W, w - 1)
    return labels[rows][:, cols]


def merge_picture(view: np.ndarray, group: np.ndarray, outline=(255, 255, 255)) -> np.ndarray:
    """ToMe's picture: every merged group painted with its mean colour and outlined.

    view (H, W, 3) uint8; group (h, w) int token ids (-1 = gone) -> (H, W, 3) uint8.
    """
    H, W = view.shape[:2]
    labels = _upsample_labels(group, (H, W))
    out = view.astype(np.float32).copy()
    flat = out.reshape(-1, 3)
    slot = labels.reshape(-1) + 1  # 0: gone; group ids are small non-negative ints, so bincount, not unique
    counts = np.bincount(slot)
    sums = np.stack([np.bincount(slot, weights=flat[:, c], minlength=len(counts)) for c in range(3)], axis=1)
    means = (sums / np.maximum(counts, 1)[:, None]).astype(np.float32)
    flat[:] = means[slot]
    flat[slot == 0] = 255.0
    edges = find_boundaries(labels, mode="inner")
    out[edges] = outline
    return out.round().clip(0, 255).astype(np.uint8)


def fate_picture(view: np.ndarray, fate: Fate, strength: float = 0.8) -> np.ndarray:
    """One stage's fate over the image: merged groups in their mean colour; dropped patches faded
    towards white; patches folded into a fused token tinted red by their weight."""
    if fate.kind == "merge":
        return merge_picture(view, fate.group)
    out = fade(view, fate.alive, strength=strength)
    if fate.fused is not None and fate.fused.max() > 0:
        H, W = view.shape[:2]
        weight = resize_map(fate.fused / fate.fused.max(), (H, W))[..., None] * 0.7
        out = ((1 - weight) * out + weight * FUSED_TINT).round().clip(0, 255).astype(np.uint8)
    return out


def lineage_strip(view: np.ndarray, stage_fates: Sequence[Fate], num_patches: int,
                  labels: Sequence[str] | None = None, tile: int = 168) -> np.ndarray:
    """The original view and every stage's fate (``analysis.lineage.fates``) side by side, as one image;
    ``labels``: the input's caption, then one per stage (translated by the caller)."""
    small = np.asarray(Image.fromarray(view).resize((tile, tile), Image.BILINEAR))
    tiles = [small] + [fate_picture(small, f) for f in stage_fates]
    return compose(tiles, ncols=len(tiles), pad=4, labels=list(labels) if labels else None)


def fate_grid(view: np.ndarray, fate_rows: Mapping[str, Sequence[Fate | None]], layers: Sequence[int],
              num_patches: int, caption: str = "{tokens}", tile: int = 150, per_row: int = 1) -> np.ndarray:
    """Methods (rows) x layers (columns) of token-fate pictures, plus the input, as one image.

    view (H, W, 3) uint8; fate_rows: method label -> the Fate after each of ``layers`` (None: no stage yet,
    all ``num_patches`` patches left); caption: a translated template with {layer} and {tokens}; per_row:
    methods side by side in one row of the picture (a wide, short picture for a projector)."""
    small = np.asarray(Image.fromarray(view).resize((tile, tile), Image.BILINEAR))
    tiles, labels = [], []
    for method, row in fate_rows.items():
        tiles.append(small)
        labels.append(method)
        for layer, fate in zip(layers, row):
            tiles.append(small if fate is None else fate_picture(small, fate))
            labels.append(caption.format(layer=layer, tokens=num_patches if fate is None else fate.tokens))
    return compose(tiles, ncols=(len(layers) + 1) * max(1, per_row), pad=4, labels=labels)
