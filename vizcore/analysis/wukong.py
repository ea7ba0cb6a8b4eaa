"""Analyses of WuKong's TokenReduction maps: how spread each map is, which token each patch feeds, and the
module's forward pass step by step with shapes, parameters and MACs.

The T learned maps (T, h, w) are ``trace.extras["token_maps"][0]``: each a softmax over the h·w patch
positions (sums to 1), so map t says how much of output token t comes from each patch. The cost of
token-wise late interaction is :func:`vizcore.models.wukong.late_interaction_cost`.
"""
from __future__ import annotations

import math

import numpy as np


def map_stats(maps: np.ndarray, mass: float = 0.9) -> list[dict]:
    """Per map (T, h, w) -> entropy (nats), entropy / log N, effective patches exp(H), coverage (the share of
    the N patches needed to hold ``mass`` of the map), peak weight and its (row, col)."""
    maps = np.asarray(maps, dtype=np.float64)
    T, h, w = maps.shape
    n = h * w
    flat = maps.reshape(T, n)
    flat = flat / np.clip(flat.sum(1, keepdims=True), 1e-12, None)
    rows = []
    for t in range(T):
        p = flat[t]
        ent = float(-(p[p > 0] * np.log(p[p > 0])).sum())
        srt = np.sort(p)[::-1]
        k = int(np.searchsorted(np.cumsum(srt), mass - 1e-9) + 1)
        peak = int(p.argmax())
        rows.append({"token": t, "entropy": ent, "entropy_norm": ent / math.log(n) if n > 1 else 0.0,
                     "effective_patches": math.exp(ent), "coverage": min(k, n) / n,
                     "patches_for_mass": min(k, n), "peak": float(p[peak]), "peak_row": peak // w,
                     "peak_col": peak % w})
    return rows


def assignment(maps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which output token each patch feeds most: (h, w) argmax over T of the maps (T, h, w), and that token's
    share of the patch's total weight (weight / sum over tokens), (h, w)."""
    maps = np.asarray(maps, dtype=np.float64)
    best = maps.argmax(0)
    total = np.clip(maps.sum(0), 1e-12, None)
    share = np.take_along_axis(maps, best[None], 0)[0] / total
    return best, share


def map_contrast(maps: np.ndarray) -> np.ndarray:
    """How each map (T, h, w) differs from the mean of all T maps, relative to it: (T, h, w), 0.1 where map t
    draws 10 % more from a patch than the maps do on average. Nearly uniform maps still show where they differ."""
    maps = np.asarray(maps, dtype=np.float64)
    mean = np.clip(maps.mean(0, keepdims=True), 1e-12, None)
    return maps / mean - 1.0


def map_similarity(maps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Map-to-map similarity of the maps (T, h, w): (T, T) cosine of the maps themselves (near 1 for any two
    nearly uniform maps) and (T, T) correlation of their patterns (each map minus its own mean: whether two maps
    take their extra weight from the same patches; 1 on the diagonal, 0 for a constant map)."""
    flat = np.asarray(maps, dtype=np.float64).reshape(len(maps), -1)
    unit = flat / np.clip(np.linalg.norm(flat, axis=1, keepdims=True), 1e-12, None)
    centred = flat - flat.mean(1, keepdims=True)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    pattern = np.where(norms > 1e-12, centred / np.clip(norms, 1e-12, None), 0.0)
    correlation = pattern @ pattern.T
    np.fill_diagonal(correlation, 1.0)
    return unit @ unit.T, correlation


def reduction_steps(B: int, h: int, w: int, C: int, T: int, groups: int) -> list[dict]:
    """The TokenReduction forward step by step with shapes, parameters and MACs (official module order)."""
    n = h * w
    return [
        {"step": "input", "op": "patch grid after ln_post + proj", "shape": (B, h, w, C), "params": 0, "macs": 0},
        {"step": "norm", "op": "LayerNorm(C)", "shape": (B, h, w, C), "params": 2 * C, "macs": 0},
        {"step": "permute", "op": "to channels-first", "shape": (B, C, h, w), "params": 0, "macs": 0},
        {"step": "attention_maps.0", "op": f"grouped 1x1 conv C->C, {groups} groups, no bias", "shape": (B, C, h, w),
         "params": C * C // groups, "macs": n * C * C // groups},
        {"step": "attention_maps.1", "op": "1x1 conv C->T, no bias", "shape": (B, T, h, w), "params": C * T,
         "macs": n * C * T},
        {"step": "reshape", "op": "(B, h*w, T) -> (B, T, h*w)", "shape": (B, T, n), "params": 0, "macs": 0},
        {"step": "softmax", "op": "softmax over the h*w positions: T maps, each sums to 1", "shape": (B, T, n),
         "params": 0, "macs": 0},
        {"step": "feat_conv", "op": f"grouped 1x1 conv of the un-normalised input, {groups} groups",
         "shape": (B, n, C), "params": C * C // groups, "macs": n * C * C // groups},
        {"step": "einsum", "op": "einsum('...si,...id->...sd'): weighted sums of the features", "shape": (B, T, C),
         "params": 0, "macs": T * n * C},
    ]


def colour_ranges(maps: np.ndarray, scale: str = "map") -> tuple[np.ndarray, np.ndarray]:
    """Per map (T, h, w), the (T,) low and high ends of its colour scale: each map's own min and max
    ("map"), or the min and max over all maps ("shared")."""
    maps = np.asarray(maps, dtype=np.float64)
    T = maps.shape[0]
    if scale == "map":
        flat = maps.reshape(T, -1)
        return flat.min(1), flat.max(1)
    if scale == "shared":
        return np.full(T, maps.min()), np.full(T, maps.max())
    raise ValueError(f"scale must be 'map' or 'shared', not {scale!r}")


__all__ = ["map_stats", "assignment", "map_contrast", "map_similarity", "reduction_steps", "colour_ranges"]
