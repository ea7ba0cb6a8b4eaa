"""Soft-split (``nn.Unfold``) geometry for T2T-ViT: pure functions, no model needed.

A soft split with kernel k, stride s and padding p turns an (H, W) map into L = h_out * w_out tokens,
each the concatenation of a k x k window; windows overlap when s < k. Every function here speaks in
*input pixels* of the map the split is applied to (for the first stage: the image), rows first.

Conventions
-----------
- ``hw`` arguments are ``(H, W)`` tuples (an int means a square map).
- a ``stage`` is a ``(kernel, stride, padding)`` tuple (square kernels, as in T2T-ViT).
- windows are half-open boxes ``(y0, x0, y1, x1)``; unclipped boxes may extend into the zero padding
  (negative or beyond H/W), clipped ones are cut to the map.
- the composed *footprint* of a final token follows only the unfold windows: the token modules' attention
  between soft splits mixes all tokens of a stage globally, so the footprint is the structural receptive
  field of the soft split, not an effective receptive field.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F

Stage = tuple[int, int, int]
#: the T2T-ViT default: (7, 4, 2) on the image, then (3, 2, 1) twice
T2T_STAGES: tuple[Stage, ...] = ((7, 4, 2), (3, 2, 1), (3, 2, 1))


def _pair(v) -> tuple[int, int]:
    if isinstance(v, int):
        return (v, v)
    a, b = v
    return int(a), int(b)


def unfold_output_size(size, kernel: int, stride: int, padding: int = 0, dilation: int = 1):
    """Output length of ``nn.Unfold`` along one axis (int ``size``) or both axes (``(H, W)``).

    ``(size + 2p - d(k-1) - 1) // s + 1``; raises ValueError when the window does not fit at all.
    """
    if not isinstance(size, int):
        h, w = _pair(size)
        return (unfold_output_size(h, kernel, stride, padding, dilation),
                unfold_output_size(w, kernel, stride, padding, dilation))
    span = dilation * (kernel - 1) + 1
    if size + 2 * padding < span:
        raise ValueError(f"a {kernel}x{kernel} window (padding {padding}) does not fit a map of size {size}")
    return (size + 2 * padding - span) // stride + 1


def soft_split_schedule(img_size, stages: Sequence[Stage] = T2T_STAGES, in_chans: int = 3,
                        token_dim: int = 64) -> list[dict]:
    """Per soft split: kernel, stride, padding, input hw, output hw, tokens and token dim.

    The first split sees ``in_chans`` channels; the later ones see the token modules' ``token_dim``
    (T2T-ViT: 3136x147 -> 784x576 -> 196x576 at 224 px).
    """
    hw = _pair(img_size)
    chans = in_chans
    out = []
    for i, (k, s, p) in enumerate(stages):
        o = unfold_output_size(hw, k, s, p)
        out.append({"stage": i, "kernel": k, "stride": s, "padding": p, "in_hw": hw, "out_hw": o,
                    "tokens": o[0] * o[1], "token_dim": chans * k * k, "in_chans": chans})
        hw, chans = o, token_dim
    return out


def window_boxes(in_hw, kernel: int, stride: int, padding: int = 0, clip: bool = True) -> torch.Tensor:
    """(L, 4) long: the window ``(y0, x0, y1, x1)`` (half-open, input pixels) of every output token,
    row-major over the output grid. ``clip=False`` keeps the parts that lie in the zero padding."""
    H, W = _pair(in_hw)
    oh, ow = unfold_output_size((H, W), kernel, stride, padding)
    ys = torch.arange(oh) * stride - padding
    xs = torch.arange(ow) * stride - padding
    y0 = ys.view(-1, 1).expand(oh, ow).reshape(-1)
    x0 = xs.view(1, -1).expand(oh, ow).reshape(-1)
    boxes = torch.stack([y0, x0, y0 + kernel, x0 + kernel], dim=1)
    if clip:
        boxes[:, 0::2] = boxes[:, 0::2].clamp(0, H)
        boxes[:, 1::2] = boxes[:, 1::2].clamp(0, W)
    return boxes


def window_origins(in_hw, kernel: int, stride: int, padding: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Origins (L, 2) ``(y, x)`` (may be negative: padding) and clipped sizes (L, 2) ``(h, w)`` of the
    window of every output token."""
    unclipped = window_boxes(in_hw, kernel, stride, padding, clip=False)
    clipped = window_boxes(in_hw, kernel, stride, padding, clip=True)
    sizes = torch.stack([clipped[:, 2] - clipped[:, 0], clipped[:, 3] - clipped[:, 1]], dim=1)
    return unclipped[:, :2].clone(), sizes


def _adjoint(m: torch.Tensor, in_hw, kernel: int, stride: int, padding: int) -> torch.Tensor:
    """Adjoint of an all-ones unfold: spread a value per output token (oh, ow) over its window.

    m: (oh, ow) float -> (H, W) float, sum over the windows containing each input pixel.
    """
    H, W = _pair(in_hw)
    L = m.numel()
    cols = m.reshape(1, 1, L).to(torch.float64).expand(1, kernel * kernel, L)
    return F.fold(cols, (H, W), kernel_size=kernel, stride=stride, padding=padding)[0, 0]


def overlap_count(in_hw, kernel: int, stride: int, padding: int = 0) -> torch.Tensor:
    """(H, W) long: in how many windows (output tokens) each input pixel appears — exact, via ``F.fold``
    of ones (pixels that no window covers count 0)."""
    oh, ow = unfold_output_size(_pair(in_hw), kernel, stride, padding)
    return _adjoint(torch.ones(oh, ow), in_hw, kernel, stride, padding).round().long()


def _grids(img_size, stages: Sequence[Stage]) -> list[tuple[int, int]]:
    """The map size before each split and after the last: [image, after split 0, ..., final grid]."""
    hw = _pair(img_size)
    grids = [hw]
    for k, s, p in stages:
        hw = unfold_output_size(hw, k, s, p)
        grids.append(hw)
    return grids


def final_grid(img_size, stages: Sequence[Stage] = T2T_STAGES) -> tuple[int, int]:
    """The token grid after every soft split (14x14 for T2T-ViT at 224 px)."""
    return _grids(img_size, stages)[-1]


def _token_rc(token, grid: tuple[int, int]) -> tuple[int, int]:
    if isinstance(token, int):
        if not 0 <= token < grid[0] * grid[1]:
            raise IndexError(f"token {token} outside a {grid[0]}x{grid[1]} grid")
        return divmod(token, grid[1])
    r, c = token
    if not (0 <= r < grid[0] and 0 <= c < grid[1]):
        raise IndexError(f"token {(r, c)} outside a {grid[0]}x{grid[1]} grid")
    return int(r), int(c)


def footprint_weights(img_size, token, stages: Sequence[Stage] = T2T_STAGES) -> torch.Tensor:
    """(H, W) float64: how many unfold paths lead from the final token to each input pixel.

    ``token`` is a row-major index or ``(row, col)`` in the final grid. The map is the composition of the
    splits' all-ones adjoints (one-hot at the token, spread back stage by stage); its sum equals the
    product of ``k*k`` over the stages minus the paths that end in padding.
    """
    grids = _grids(img_size, stages)
    r, c = _token_rc(token, grids[-1])
    m = torch.zeros(grids[-1], dtype=torch.float64)
    m[r, c] = 1.0
    for (k, s, p), in_hw in zip(reversed(list(stages)), reversed(grids[:-1])):
        m = _adjoint(m, in_hw, k, s, p)
    return m


def receptive_box(img_size, token, stages: Sequence[Stage] = T2T_STAGES) -> tuple[int, int, int, int]:
    """``(y0, x0, y1, x1)`` half-open box of input pixels a final token's soft-split chain touches,
    computed analytically (interval arithmetic through the stages, clipped at every map)."""
    grids = _grids(img_size, stages)
    r, c = _token_rc(token, grids[-1])
    ylo, yhi, xlo, xhi = r, r, c, c  # inclusive index ranges on the current map
    for (k, s, p), (H, W) in zip(reversed(list(stages)), reversed(grids[:-1])):
        ylo, yhi = max(0, ylo * s - p), min(H - 1, yhi * s - p + k - 1)
        xlo, xhi = max(0, xlo * s - p), min(W - 1, xhi * s - p + k - 1)
    return ylo, xlo, yhi + 1, xhi + 1


def token_footprint(img_size, token, stages: Sequence[Stage] = T2T_STAGES) -> dict:
    """Everything a page needs to draw a final token on the image: ``box`` (receptive box),
    ``weights`` (H, W) path counts, ``weights_norm`` (scaled to max 1) and ``window`` — the token's
    own last-stage window on the previous grid, as a box."""
    grids = _grids(img_size, stages)
    r, c = _token_rc(token, grids[-1])
    k, s, p = stages[-1]
    idx = r * grids[-1][1] + c
    weights = footprint_weights(img_size, (r, c), stages)
    peak = float(weights.max())
    return {
        "token": (r, c),
        "box": receptive_box(img_size, (r, c), stages),
        "weights": weights,
        "weights_norm": weights / peak if peak > 0 else weights,
        "window": tuple(int(v) for v in window_boxes(grids[-2], k, s, p)[idx]),
        "grids": grids,
    }


__all__ = ["T2T_STAGES", "unfold_output_size", "soft_split_schedule", "window_boxes", "window_origins",
           "overlap_count", "final_grid", "footprint_weights", "receptive_box", "token_footprint"]
