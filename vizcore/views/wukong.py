"""The WuKong TokenReduction page's views: one function per view of the page, each (model, pixels, logits,
trace, control values) -> a frozen view object that also carries the :class:`Pipeline` shown above every view.

The trace is the model's cached ``forward_trace`` on the current image (``trace.extras``: ``token_maps``
(1, T, h, w), ``reduced_tokens`` (1, T, C), ``patch_embeddings`` (1, h·w, C)); a view reads it and never
runs the model again, so moving a control costs no forward pass. Tables are lists of dicts keyed by column
ids (the page translates the headers); download rows are methods, built only when a download is clicked.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from vizcore.analysis.wukong import (assignment, colour_ranges, map_contrast, map_similarity, map_stats,
                                    reduction_steps)
from vizcore.models.wukong import WUKONG_CONFIGS, late_interaction_cost
from vizcore.trace import Trace

#: the longest text WuKong's cost chart shows (CLIP's context length)
MAX_TEXT_TOKENS = 77


@dataclass(frozen=True)
class Pipeline:
    """The real tensor shapes on this image, from the pixels to the reduced tokens."""

    image: tuple[int, ...]             # (1, 3, H, W)
    blocks_out: tuple[int, ...]        # (1, prefix + N, width): what the ViT blocks hand on
    grid: tuple[int, ...]              # (1, h, w, C): the projected patch grid the module reads
    patch_embeddings: tuple[int, ...]  # (1, N, C)
    token_maps: tuple[int, ...]        # (1, T, h, w)
    reduced_tokens: tuple[int, ...]    # (1, T, C)
    logits: tuple[int, ...]            # (1, classes): the linear probe
    T: int                             # output tokens
    h: int
    w: int
    C: int                             # channels the module works on (the joint embedding width)
    groups: int                        # groups of its grouped 1x1 convolutions

    @property
    def N(self) -> int:
        """Patch tokens in."""
        return self.h * self.w

    def shapes(self) -> dict:
        """The traced shapes by name (the steps view's download)."""
        return {"image": self.image, "blocks_out": self.blocks_out, "patch_embeddings": self.patch_embeddings,
                "token_maps": self.token_maps, "reduced_tokens": self.reduced_tokens, "logits": self.logits}


def pipeline(model, pixels: torch.Tensor, logits: torch.Tensor, trace: Trace) -> Pipeline:
    """The shapes a WuKongViT's forward pass produced on ``pixels`` (1, 3, H, W)."""
    maps = trace.extras["token_maps"]  # (1, T, h, w)
    T, h, w = maps.shape[1:]
    C = model.token_reduction.in_channels
    return Pipeline(image=tuple(pixels.shape), blocks_out=(1, trace.prefix + h * w, model.embed_dim),
                    grid=(1, h, w, C), patch_embeddings=tuple(trace.extras["patch_embeddings"].shape),
                    token_maps=tuple(maps.shape), reduced_tokens=tuple(trace.extras["reduced_tokens"].shape),
                    logits=tuple(logits.shape), T=T, h=h, w=w, C=C, groups=model.token_reduction.num_groups)


def _maps(trace: Trace) -> np.ndarray:
    """(T, h, w) token maps of image 0, each summing to 1."""
    return trace.extras["token_maps"][0].float().numpy()


# ---------------------------------------------------------------------------------------- all maps
@dataclass(frozen=True)
class MapsView:
    """All T maps over the image, each with its colour range."""

    pipeline: Pipeline
    maps: np.ndarray      # (T, h, w), each sums to 1
    vmin: np.ndarray      # (T,) low end of each map's colour scale
    vmax: np.ndarray      # (T,) high end
    peaks: np.ndarray     # (T,) each map's largest weight
    bar: tuple[float, float]  # the colour bar's ends: 0..1 of each map's own range, or the shared range

    def rows(self) -> list[dict]:
        T, h, w = self.maps.shape
        return [{"token": t, "row": r, "col": c, "weight": float(self.maps[t, r, c])}
                for t in range(T) for r in range(h) for c in range(w)]

    def data(self) -> dict:
        return {"shape": list(self.maps.shape), "maps": self.maps.tolist()}


def maps_view(model, pixels: torch.Tensor, logits: torch.Tensor, trace: Trace, *, scale: str = "map") -> MapsView:
    """The "all maps" view; ``scale``: "map" (each map on its own range) or "shared" (one range for all)."""
    maps = _maps(trace)
    vmin, vmax = colour_ranges(maps, scale)
    bar = (0.0, 1.0) if scale == "map" else (float(vmin[0]), float(vmax[0]))
    return MapsView(pipeline(model, pixels, logits, trace), maps, vmin, vmax, maps.reshape(len(maps), -1).max(1), bar)


# ---------------------------------------------------------------------------------------- one map
@dataclass(frozen=True)
class TokenView:
    """One output token's map and how spread it is."""

    pipeline: Pipeline
    token: int
    map: np.ndarray   # (h, w), sums to 1
    vmin: float
    vmax: float
    stats: dict       # a row of analysis.wukong.map_stats
    total: float      # the map's sum (1 up to rounding)

    def rows(self) -> list[dict]:
        h, w = self.map.shape
        return [{"row": r, "col": c, "weight": float(self.map[r, c])} for r in range(h) for c in range(w)]

    def data(self) -> dict:
        return {"token": self.token, "stats": self.stats, "map": self.map.tolist()}


def token_view(model, pixels: torch.Tensor, logits: torch.Tensor, trace: Trace, *, token: int = 0) -> TokenView:
    """The "one map" view of output token ``token`` (0..T-1)."""
    maps = _maps(trace)
    if not 0 <= token < len(maps):
        raise ValueError(f"token must be in 0..{len(maps) - 1}, not {token}")
    m = maps[token]
    return TokenView(pipeline(model, pixels, logits, trace), token, m, float(m.min()), float(m.max()),
                     map_stats(maps)[token], float(m.sum()))


# ---------------------------------------------------------------------------------------- patch -> token
@dataclass(frozen=True)
class AssignmentView:
    """Which output token each patch feeds most."""

    pipeline: Pipeline
    best: np.ndarray    # (h, w) token index
    share: np.ndarray   # (h, w) that token's share of the patch's weight
    counts: list[int]   # (T,) patches each token wins
    unused: int         # tokens that win no patch

    def rows(self) -> list[dict]:
        h, w = self.best.shape
        return [{"row": r, "col": c, "token": int(self.best[r, c]), "share": float(self.share[r, c])}
                for r in range(h) for c in range(w)]

    def data(self) -> dict:
        return {"patches_per_token": self.counts}


def assignment_view(model, pixels: torch.Tensor, logits: torch.Tensor, trace: Trace) -> AssignmentView:
    """The "patch -> token" view."""
    maps = _maps(trace)
    best, share = assignment(maps)
    counts = np.bincount(best.reshape(-1), minlength=len(maps)).tolist()
    return AssignmentView(pipeline(model, pixels, logits, trace), best, share, counts, sum(c == 0 for c in counts))


# ---------------------------------------------------------------------------------------- how the maps differ
@dataclass(frozen=True)
class DifferView:
    """What sets the maps apart, visible even when they are nearly uniform: each map against the mean map,
    the patches where it is the largest map (its argmax region), its peak, and map-to-map similarity."""

    pipeline: Pipeline
    contrast: np.ndarray      # (T, h, w) map / mean map - 1
    bound: float              # the largest |contrast|: one symmetric colour range for all maps
    best: np.ndarray          # (h, w) the map that is largest at each patch
    region_sizes: list[int]   # (T,) patches in each map's argmax region
    peaks: list[tuple[int, int]]  # (T,) (row, col) of each map's largest weight
    distinct_peaks: int       # how many different patches the T peaks fall on
    cosine: np.ndarray        # (T, T) cosine similarity of the maps
    correlation: np.ndarray   # (T, T) correlation of their patterns (each minus its mean)

    def rows(self) -> list[dict]:
        """The similarity matrices as CSV rows."""
        T = len(self.cosine)
        return [{"token": f"T{a}", "other": f"T{b}", "cosine": float(self.cosine[a, b]),
                 "correlation": float(self.correlation[a, b])} for a in range(T) for b in range(T)]

    def data(self) -> dict:
        return {"peaks": [list(p) for p in self.peaks], "region_sizes": self.region_sizes,
                "cosine": self.cosine.tolist(), "correlation": self.correlation.tolist(),
                "contrast": self.contrast.tolist()}

    def off_diagonal(self, matrix: np.ndarray) -> tuple[float, float]:
        """(lowest, highest) value of ``matrix`` off its diagonal (the diagonal's 1 when T is 1)."""
        T = len(matrix)
        values = matrix[~np.eye(T, dtype=bool)] if T > 1 else matrix.reshape(-1)
        return float(values.min()), float(values.max())


def differ_view(model, pixels: torch.Tensor, logits: torch.Tensor, trace: Trace) -> DifferView:
    """The "how the maps differ" view."""
    maps = _maps(trace)
    contrast = map_contrast(maps)
    best, _ = assignment(maps)
    stats = map_stats(maps)
    peaks = [(r["peak_row"], r["peak_col"]) for r in stats]
    cosine, correlation = map_similarity(maps)
    return DifferView(pipeline(model, pixels, logits, trace), contrast, max(float(np.abs(contrast).max()), 1e-9),
                      best, np.bincount(best.reshape(-1), minlength=len(maps)).tolist(), peaks, len(set(peaks)),
                      cosine, correlation)


# ---------------------------------------------------------------------------------------- entropy & coverage
@dataclass(frozen=True)
class StatsView:
    """Per map: entropy, coverage and peak, as analysis rows and as the table the page shows."""

    pipeline: Pipeline
    rows: list[dict]    # analysis.wukong.map_stats
    table: list[dict]   # column ids: token, entropy, entropy_norm, effective, coverage, peak, peak_at


def stats_view(model, pixels: torch.Tensor, logits: torch.Tensor, trace: Trace) -> StatsView:
    """The "entropy & coverage" view."""
    rows = map_stats(_maps(trace))
    table = [{"token": f"T{r['token']}", "entropy": round(r["entropy"], 3), "entropy_norm": round(r["entropy_norm"], 3),
              "effective": round(r["effective_patches"], 1), "coverage": f"{r['coverage']:.0%}",
              "peak": f"{r['peak']:.1%}", "peak_at": f"({r['peak_row']}, {r['peak_col']})"} for r in rows]
    return StatsView(pipeline(model, pixels, logits, trace), rows, table)


# ---------------------------------------------------------------------------------------- steps & shapes
@dataclass(frozen=True)
class StepsView:
    """The module's forward pass with this model's sizes, checked against the traced tensors."""

    pipeline: Pipeline
    rows: list[dict]   # analysis.wukong.reduction_steps (B = 1)
    sums: tuple[float, float]  # the smallest and largest sum of a traced map (both 1 for a softmax)

    def csv_rows(self) -> list[dict]:
        return [{**r, "shape": "x".join(map(str, r["shape"]))} for r in self.rows]

    def data(self) -> dict:
        return {"steps": self.rows, "trace_shapes": self.pipeline.shapes()}


def steps_view(model, pixels: torch.Tensor, logits: torch.Tensor, trace: Trace) -> StepsView:
    """The "steps & shapes" view."""
    p = pipeline(model, pixels, logits, trace)
    sums = _maps(trace).reshape(p.T, -1).sum(1)
    return StepsView(p, reduction_steps(1, p.h, p.w, p.C, p.T, p.groups), (float(sums.min()), float(sums.max())))


# ---------------------------------------------------------------------------------------- late interaction
@dataclass(frozen=True)
class CostView:
    """Token-wise late interaction before (N image tokens) and after (T) the reduction, for M text tokens."""

    pipeline: Pipeline
    per_pair: dict     # late_interaction_cost for one image-text pair
    batch: dict        # the same for a batch of B images x B texts (B² pairs)
    saving: float      # 1 - T/N: the share of similarities the reduction saves
    curve: dict        # {"M": [1, M_max], "full": [...], "reduced": [...]}: similarities per pair along M
    chosen: dict       # {"M": M, "full": N·M, "reduced": T·M}
    published: list[dict]  # the published WuKong encoders at 224 px; column ids: model, grid, N, T, N x M, T x M


def cost_view(model, pixels: torch.Tensor, logits: torch.Tensor, trace: Trace, *, text_tokens: int = 32,
              batch: int = 256) -> CostView:
    """The "late-interaction cost" view for ``text_tokens`` M and a contrastive batch of ``batch`` pairs a side."""
    p = pipeline(model, pixels, logits, trace)
    dim = p.reduced_tokens[-1]

    def cost(m: int, pairs: int = 1, n: int = p.N, t: int = p.T) -> dict:
        return late_interaction_cost(n, m, t, dim=dim, num_pairs=pairs)

    ends = [cost(m) for m in (1, max(MAX_TEXT_TOKENS, text_tokens))]
    curve = {"M": [c["text_tokens"] for c in ends], "full": [c["full_similarities"] for c in ends],
             "reduced": [c["reduced_similarities"] for c in ends]}
    one = cost(text_tokens)
    published = []
    for name, (patch, _width, _depth, _heads, _out, t) in WUKONG_CONFIGS.items():
        side = 224 // patch
        ref = cost(text_tokens, n=side * side, t=t)
        published.append({"model": name, "grid": f"{side}x{side}", "N": side * side, "T": t,
                          "N x M": ref["full_similarities"], "T x M": ref["reduced_similarities"]})
    return CostView(p, one, cost(text_tokens, pairs=batch * batch), 1 - p.T / p.N, curve,
                    {"M": text_tokens, "full": one["full_similarities"], "reduced": one["reduced_similarities"]},
                    published)


__all__ = ["MAX_TEXT_TOKENS", "Pipeline", "pipeline", "MapsView", "maps_view", "TokenView", "token_view",
           "AssignmentView", "assignment_view", "DifferView", "differ_view", "StatsView", "stats_view", "StepsView", "steps_view", "CostView",
           "cost_view"]
