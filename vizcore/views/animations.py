"""Animations across depth (or draws, or window positions), made once from the pages' own views and plots:
each function returns an :class:`Animation` — equally sized frames, a language-neutral label per frame (drawn
into it) and the numbers of each frame. The pages show one with a client-side player and offer it as a GIF;
``python -m vizcore render --gif`` writes the same GIF.

    fate_through_layers    a reducer's trace: which patches are left entering each layer (DynamicViT)
    compare_through_layers every reducer's trace side by side, layer by layer (Compare)
    gumbel_draws           DynamicViT's training semantics: successive hard Gumbel-softmax draws, stage by stage
    window_slide           one T2T soft split: its window stepping over the map, and the token each one makes
    cls_through_layers     where the CLS token looks, layer by layer (Attention)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import torch
from PIL import Image

from vizcore.analysis import reduction as red
from vizcore.analysis.lineage import fates
from vizcore.geometry.unfold import window_boxes
from vizcore.plots import attention_views as av
from vizcore.plots.animation import labelled, same_size, window_frame
from vizcore.plots.overlay import compose
from vizcore.plots.token_fate import fate_picture, lineage_strip
from vizcore.trace import Trace
from vizcore.views.attention import map_view
from vizcore.views.t2t import SplitsView

#: windows per row and rows of windows the T2T animation steps through
SLIDE_COLUMNS, SLIDE_ROWS = 8, 2


@dataclass(frozen=True)
class Animation:
    """Frames of one animation. unit: what a frame is ("layer", "draw", "position"); frames: (H, W, 3) uint8,
    all one size; labels: what each frame shows, language-neutral (drawn into it); steps: the layer, draw or
    position index of each frame; numbers: per frame, the JSON-able numbers it shows; caption_key and
    captions: the catalogue key of a frame's caption and, per frame, its fields (the page translates)."""

    unit: str
    frames: tuple[np.ndarray, ...]
    labels: tuple[str, ...]
    steps: tuple[int, ...]
    numbers: tuple[dict, ...]
    caption_key: str
    captions: tuple[dict, ...]

    def data(self) -> dict:
        """The animation's numbers (JSON download)."""
        return {"unit": self.unit, "frames": [{"step": s, "label": l, **n}
                                              for s, l, n in zip(self.steps, self.labels, self.numbers)]}


def _small(view: np.ndarray, tile: int) -> np.ndarray:
    return view if view.shape[:2] == (tile, tile) else np.asarray(Image.fromarray(view).resize((tile, tile),
                                                                                                 Image.BILINEAR))


def _alive_tokens(trace: Trace, layer: int) -> tuple[object, int]:
    """(the Fate after the last stage at or before ``layer`` or None, patch tokens left then)."""
    fate = red.fates_at(trace, [layer])[0]
    return fate, trace.num_patches if fate is None else fate.tokens


def fate_through_layers(view: np.ndarray, trace: Trace, tile: int = 224) -> Animation:
    """One frame per layer of ``trace``: the patches left entering that layer, dropped ones faded, merged
    ones in their group's colour, fused ones tinted (``plots.token_fate.fate_picture``). view (H, W, 3)."""
    small = _small(view, tile)
    frames, labels, numbers = [], [], []
    layers = len(trace.tokens_per_layer)
    for layer in range(layers):
        fate, left = _alive_tokens(trace, layer)
        labels.append(f"layer {layer}/{layers - 1}: {left} of {trace.num_patches} patches")
        frames.append(labelled(small if fate is None else fate_picture(small, fate), labels[-1]))
        numbers.append({"patches": left, "tokens": int(trace.tokens_per_layer[layer])})
    captions = tuple({"layer": i, "last": layers - 1, "left": n["patches"], "n": trace.num_patches}
                     for i, n in enumerate(numbers))
    return Animation("layer", tuple(frames), tuple(labels), tuple(range(layers)), tuple(numbers),
                     "anim.fate_frame", captions)


def compare_through_layers(view: np.ndarray, traces: Mapping[str, Trace], tile: int = 170) -> Animation:
    """One frame per layer: every method's patches left entering it, side by side (methods in the order of
    ``traces``, each tile captioned with its name and count; all traces the same depth)."""
    small = _small(view, tile)
    methods = list(traces)
    layers = min(len(t.tokens_per_layer) for t in traces.values())
    frames, labels, numbers = [], [], []
    for layer in range(layers):
        tiles, captions, counts = [], [], {}
        for m in methods:
            fate, left = _alive_tokens(traces[m], layer)
            tiles.append(small if fate is None else fate_picture(small, fate))
            captions.append(f"{m}: {left}")
            counts[m] = left
        labels.append(f"layer {layer}/{layers - 1}")
        frames.append(labelled(compose(tiles, ncols=len(tiles), pad=4, labels=captions), labels[-1]))
        numbers.append({"patches": counts})
    captions = tuple({"layer": i, "last": layers - 1, "counts": ", ".join(f"{m} {c}" for m, c in n["patches"].items())}
                     for i, n in enumerate(numbers))
    return Animation("layer", tuple(same_size(frames)), tuple(labels), tuple(range(layers)), tuple(numbers),
                     "anim.compare_frame", captions)


def gumbel_draws(model, pixels: torch.Tensor, view: np.ndarray, rho: float, tau: float = 1.0, seed: int = 0,
                 draws: int = 8, tile: int = 160) -> Animation:
    """DynamicViT's training semantics drawn ``draws`` times (one batch, seeded): one frame per draw, the input
    and the patches each stage kept in that draw. pixels (1, 3, H, W)."""
    reducer = red.dynamicvit_reducer(model, rho, "training", tau)
    device = next(model.parameters()).device
    gen = torch.Generator(device=device).manual_seed(int(seed))
    with torch.inference_mode():
        trace = model.forward_trace(pixels.to(device).expand(draws, -1, -1, -1), reducer=reducer,
                                    generator=gen).trace.to("cpu")
    frames, labels, numbers = [], [], []
    for b in range(draws):
        stage_fates = fates(trace, b)
        captions = [f"draw {b + 1}/{draws}"] + [f"layer {f.layer}: {f.tokens} kept" for f in stage_fates]
        frames.append(lineage_strip(view, stage_fates, trace.num_patches, tile=tile, labels=captions))
        labels.append(f"draw {b + 1}/{draws}")
        numbers.append({"kept": [np.flatnonzero(f.alive).tolist() for f in stage_fates]})
    captions = tuple({"i": b + 1, "n": draws, "counts": " → ".join(str(len(k)) for k in n["kept"])}
                     for b, n in enumerate(numbers))
    return Animation("draw", tuple(frames), tuple(labels), tuple(range(draws)), tuple(numbers),
                     "anim.gumbel_frame", captions)


def window_slide(view: np.ndarray, splits: SplitsView, stage: int, columns: int = SLIDE_COLUMNS,
                 rows: int = SLIDE_ROWS, side: int = 560) -> Animation:
    """Soft split ``stage`` (0-based) of ``splits``: its window stepping over the top-left of its map (where
    the padding is) along ``rows`` rows of ``columns`` output tokens, one frame per window; the tokens made
    so far drawn below. view (H, W, 3): the image (a later split's map is drawn as the image resampled to
    its grid)."""
    k, s, p = splits.stages[stage]
    row = splits.schedule[stage]
    in_hw, out_hw = tuple(row["in_hw"]), tuple(row["out_hw"])
    rows, columns = max(1, min(rows, out_hw[0])), max(1, min(columns, out_hw[1]))
    path = [(r, c) for r in range(rows) for c in range(columns)]
    every = window_boxes(in_hw, k, s, p, clip=False).numpy().reshape(*out_hw, 4)  # (oh, ow, 4) y0, x0, y1, x1
    boxes = np.stack([every[r, c] for r, c in path])  # (n, 4), the path's windows
    region = (int(boxes[:, 0].min()), int(boxes[:, 1].min()), int(boxes[:, 2].max()), int(boxes[:, 3].max()))
    cell = max(2, side // max(region[3] - region[1], 1))
    frames, labels, numbers = [], [], []
    for i, (r, c) in enumerate(path):
        labels.append(f"split {stage + 1} (k{k} s{s} p{p}) on {in_hw[0]}x{in_hw[1]}: window {i + 1}/{len(path)}"
                      f" -> token ({r}, {c})")
        frames.append(window_frame(view, in_hw, region, boxes, i, path, (rows, columns), cell, labels[-1]))
        numbers.append({"token": [r, c], "window": [int(v) for v in boxes[i]]})
    captions = tuple({"i": i + 1, "n": len(path), "r": r, "c": c} for i, (r, c) in enumerate(path))
    return Animation("position", tuple(same_size(frames)), tuple(labels), tuple(range(len(path))), tuple(numbers),
                     "anim.slide_frame", captions)


def cls_through_layers(view: np.ndarray, trace: Trace, head="mean", scale: str = "global", cmap: str = "viridis",
                       alpha: float = 0.6, width: int = 224) -> Animation:
    """One frame per layer: the CLS token's attention in ``head`` (a head index, "mean" or "max") over the
    view, coloured per map, per layer or on one scale for all (``scale``), as the Attention page's map; a
    small view is enlarged by a whole factor to about ``width`` pixels."""
    layers = len(trace.attn)
    zoom = max(1, round(width / view.shape[1]))
    frames, labels, numbers = [], [], []
    for layer in range(layers):
        v = map_view(trace, layer=layer, head=head, scale=scale)
        labels.append(f"layer {layer}/{layers - 1}, head {head}")
        frames.append(labelled(av.map_overlay(view, v.values, v.vmin, v.vmax, cmap=cmap, alpha=alpha, zoom=zoom),
                               labels[-1]))
        numbers.append({"vmin": v.vmin, "vmax": v.vmax, "prefix_share": v.prefix_share,
                        "peak_patch": int(np.argmax(v.values))})
    captions = tuple({"layer": i, "last": layers - 1} for i in range(layers))
    return Animation("layer", tuple(frames), tuple(labels), tuple(range(layers)), tuple(numbers),
                     "anim.cls_frame", captions)
