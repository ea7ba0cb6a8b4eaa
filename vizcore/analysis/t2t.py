"""T2T-ViT's soft split analysed for a reader: checks of the splits a reader sets, the output-size formula with
the numbers put in, the hard split (ViT) that reaches the same grid, the windows around one place of a map and
how many windows cover each position, a final token's footprint through every split, the model's real tensor
shapes, and which final token lies under a click. Pure functions over the unfold geometry of
``vizcore.geometry.unfold``: no drawing, no Streamlit.

Conventions as in ``unfold``: ``hw`` is ``(H, W)`` (an int means a square map), a stage is ``(kernel, stride,
padding)``, boxes are half-open ``(y0, x0, y1, x1)`` in positions of the map they lie on. Results that are
cached are returned with read-only arrays: they are shared, never modify them.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

from vizcore.geometry.unfold import (footprint_weights, overlap_count, receptive_box, soft_split_schedule,
                                     unfold_output_size, window_boxes)

Stage = tuple[int, int, int]
#: more tokens than this at one split earns a warning: attention over them is very expensive
MANY_TOKENS = 20_000


def _pair(v) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _read_only(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


# ---------------------------------------------------------------------------------------- checks and numbers
def check_stages(img_size, stages: Sequence[Stage], in_chans: int = 3, token_dim: int = 64) -> tuple[
        list[dict] | None, list[tuple[str, dict]], list[tuple[str, dict]]]:
    """Validate soft-split settings on an image: (schedule or None, errors, warnings). The schedule's token
    widths use ``in_chans`` for the first split and the token modules' ``token_dim`` after it.

    Errors and warnings are ``(code, fields)`` so the caller can phrase them: ``fit`` (the window does not fit
    the map, even with padding), ``bad`` (kernel or stride below 1, negative padding); warnings ``gap`` (stride
    larger than the kernel: some positions are in no window), ``pad`` (padding >= kernel: some windows hold
    only zeros), ``big`` (more than ``MANY_TOKENS`` tokens at a split)."""
    hw = _pair(img_size)
    errors, warnings = [], []
    for i, (k, s, p) in enumerate(stages):
        fields = {"stage": i + 1, "k": k, "s": s, "p": p, "h": hw[0], "w": hw[1]}
        if k < 1 or s < 1 or p < 0:
            errors.append(("bad", fields))
            return None, errors, warnings
        if min(hw) + 2 * p < k:
            errors.append(("fit", fields))
            return None, errors, warnings
        if s > k:
            warnings.append(("gap", fields))
        if p >= k:
            warnings.append(("pad", fields))
        hw = unfold_output_size(hw, k, s, p)
        if hw[0] * hw[1] > MANY_TOKENS:
            warnings.append(("big", {**fields, "tokens": hw[0] * hw[1]}))
    return soft_split_schedule(_pair(img_size), stages, in_chans, token_dim), errors, warnings


def formula_text(in_hw, k: int, s: int, p: int) -> str:
    """The unfold output size with the numbers put in, ⌊(H + 2·p − k) / s⌋ + 1 = h (per axis when H != W).
    Plain Unicode rather than LaTeX: the page shows three that change with every slider move, and KaTeX
    re-typesetting them cost about 45 ms per move (measured in the browser)."""
    H, W = _pair(in_hw)
    parts = []
    for size in ([H] if H == W else [H, W]):
        out = (size + 2 * p - k) // s + 1
        parts.append(f"⌊({size} + 2·{p} − {k}) / {s}⌋ + 1 = {out}")
    return ",  ".join(parts)


def hard_split(img_size, grid) -> Stage:
    """ViT's patchify as an unfold with kernel = stride (no padding) that gives the same final grid."""
    H, _ = _pair(img_size)
    patch = max(1, H // _pair(grid)[0])
    return (patch, patch, 0)


def model_shapes(pixels_shape, info: Sequence[dict], token_dim: int, embed_dim: int, num_classes: int,
                 token_module: str) -> list[dict]:
    """The real tensor shapes through T2T-ViT's tokens-to-token module and backbone for one input, from the
    model's own schedule (``trace.extras["soft_split"]``): rows ``{"step", "shape"}``."""
    B = int(pixels_shape[0])
    rows = [{"step": "image", "shape": tuple(int(v) for v in pixels_shape)}]
    for i, st in enumerate(info):
        L, d = st["tokens"], st["token_dim"]
        rows.append({"step": f"soft_split{i} (Unfold k={st['kernel']} s={st['stride']} p={st['padding']})",
                     "shape": (B, d, L)})
        rows.append({"step": "transpose", "shape": (B, L, d)})
        if i < 2:
            rows.append({"step": f"attention{i + 1} (token {token_module}, 1 head)", "shape": (B, L, token_dim)})
            rows.append({"step": "reshape (re-structurize)", "shape": (B, token_dim, *st["out_hw"])})
        else:
            rows.append({"step": "project (Linear)", "shape": (B, L, embed_dim)})
            rows.append({"step": "cat CLS + pos_embed", "shape": (B, L + 1, embed_dim)})
            rows.append({"step": "blocks", "shape": (B, L + 1, embed_dim)})
            rows.append({"step": "head (CLS)", "shape": (B, num_classes)})
    return rows


# ---------------------------------------------------------------------------------------- windows and overlap
@lru_cache(maxsize=64)
def coverage(in_hw: tuple[int, int], k: int, s: int, p: int) -> np.ndarray:
    """(H, W) int64, read-only: in how many windows each position of the map lies (``overlap_count``, cached:
    the same few geometries are asked for again and again)."""
    return _read_only(overlap_count(_pair(in_hw), k, s, p).numpy())


@dataclass(frozen=True, eq=False)
class WindowPanel:
    """One unfold stage on one map, and a ``b x b`` group of neighbouring windows to zoom on.

    counts (H, W): windows per position; histogram: {count: positions}; boxes (b*b, 4): the group's windows
    (unclipped: they may reach into the padding), row-major; block: the group's top-left output token and b;
    region: the square zoom (y0, x0, y1, x1) around the group, one position of margin, may reach outside."""

    in_hw: tuple[int, int]
    stage: Stage
    out_hw: tuple[int, int]
    counts: np.ndarray
    histogram: dict[int, int]
    block: tuple[int, int, int]
    boxes: np.ndarray
    region: tuple[int, int, int, int]


def _block(out_hw: tuple[int, int], where: str, block: int) -> tuple[int, int, int]:
    """Top-left output token (row, col) of a ``block`` x ``block`` group at the centre or the top-left corner."""
    oh, ow = out_hw
    b = max(1, min(block, oh, ow))
    if where == "corner":
        return 0, 0, b
    return max(0, (oh - b) // 2), max(0, (ow - b) // 2), b


@lru_cache(maxsize=64)
def window_panel(in_hw: tuple[int, int], stage: Stage, where: str = "centre", block: int = 3) -> WindowPanel:
    """The windows of ``stage`` on a map of ``in_hw``: coverage counts, their histogram and a group of
    ``block`` x ``block`` neighbouring windows at the map's ``where`` ("centre" or "corner") with its zoom."""
    H, W = _pair(in_hw)
    k, s, p = stage
    out_hw = unfold_output_size((H, W), k, s, p)
    counts = coverage((H, W), k, s, p)
    r0, c0, b = _block(out_hw, where, block)
    boxes = window_boxes((H, W), k, s, p, clip=False).numpy().reshape(*out_hw, 4)
    sel = boxes[r0:r0 + b, c0:c0 + b].reshape(-1, 4)
    y0, x0 = int(sel[:, 0].min()) - 1, int(sel[:, 1].min()) - 1
    span = max(int(sel[:, 2].max()) + 1 - y0, int(sel[:, 3].max()) + 1 - x0)  # square zoom
    values, freq = np.unique(counts, return_counts=True)
    return WindowPanel((H, W), (k, s, p), out_hw, counts, {int(v): int(f) for v, f in zip(values, freq)},
                       (r0, c0, b), _read_only(np.ascontiguousarray(sel)), (y0, x0, y0 + span, x0 + span))


def coverage_spread(histogram: dict[int, int]) -> tuple[dict[int, float], float]:
    """({count: share of positions}, mean windows per position) of a coverage histogram."""
    total = sum(histogram.values())
    return ({c: n / total for c, n in sorted(histogram.items())},
            sum(c * n for c, n in histogram.items()) / total)


# ---------------------------------------------------------------------------------------- a token's footprint
@dataclass(frozen=True, eq=False)
class FootprintStage:
    """A final token traced back to the input map of soft split ``split`` (1-based).

    weights (H, W): unfold paths from the token to each position, scaled to max 1 (read-only); box: the
    receptive box; max_paths: the most paths to one position; positions: how many positions are reached."""

    split: int
    map_hw: tuple[int, int]
    weights: np.ndarray
    box: tuple[int, int, int, int]
    box_hw: tuple[int, int]
    max_paths: float
    positions: int


@lru_cache(maxsize=32)
def footprint_chain(img_size, stages: tuple[Stage, ...], token: int) -> tuple[FootprintStage, ...]:
    """The final token ``token`` (row-major) through every soft split, from the last split's input map back to
    the image: one ``FootprintStage`` per split, last split first."""
    grids = [st["in_hw"] for st in soft_split_schedule(_pair(img_size), stages)]
    final = unfold_output_size(grids[-1], *stages[-1])
    rc = divmod(int(token), final[1])
    out = []
    for j in range(len(stages) - 1, -1, -1):
        hw = grids[j]
        weights = footprint_weights(hw, rc, stages[j:]).numpy()
        box = receptive_box(hw, rc, stages[j:])
        peak = float(weights.max()) or 1.0
        out.append(FootprintStage(j + 1, hw, _read_only(weights / peak), box, (box[2] - box[0], box[3] - box[1]),
                                  peak, int((weights > 0).sum())))
    return tuple(out)


def hard_patch_box(img_size, hard: Stage, rc: tuple[int, int]) -> tuple[int, int, int, int]:
    """The one patch (y0, x0, y1, x1) of ViT's hard split that final token ``rc`` comes from."""
    H, W = _pair(img_size)
    k = hard[0]
    r, c = rc
    return r * k, c * k, min(H, (r + 1) * k), min(W, (c + 1) * k)


def centre_token(grid) -> int:
    """The row-major index of the token at the centre of a (h, w) grid (the lower-right one of four)."""
    h, w = _pair(grid)
    return (h // 2) * w + w // 2


def token_at(click: dict, grid, picture_hw) -> int:
    """The row-major index of the final-grid token under a click on a picture the grid covers evenly.

    click: ``{"x", "y"}`` in pixels of the picture as shown, with its shown ``"width"`` and ``"height"`` when
    known (else ``picture_hw`` (height, width) is the shown size); a click on or past an edge picks the edge
    token."""
    h, w = _pair(grid)
    ph = click.get("height") or picture_hw[0]
    pw = click.get("width") or picture_hw[1]
    row = min(h - 1, max(0, int(click["y"] * h / ph)))
    col = min(w - 1, max(0, int(click["x"] * w / pw)))
    return row * w + col


__all__ = ["MANY_TOKENS", "check_stages", "formula_text", "hard_split", "model_shapes", "coverage", "WindowPanel",
           "window_panel", "coverage_spread", "FootprintStage", "footprint_chain", "hard_patch_box", "centre_token",
           "token_at"]
