"""Figures for token reducers: score maps, keep frequency vs probability, the Gumbel-softmax explainer,
and tokens / GMACs per layer for several methods. Pure functions: arrays in, images or plotly out."""
from __future__ import annotations

from functools import lru_cache
from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
import torch
from PIL import Image, ImageDraw
from plotly.subplots import make_subplots

from vizcore.models.reducer_registry import find_reducer
from vizcore.plots.overlay import colorbar, compose, figure_image, overlay, static_figure, with_colorbar
from vizcore.trace import Trace

#: colours of what is no token reducer (Okabe-Ito, colour-blind safe); each reducer's is on its spec
BASE_COLOURS = {"plain": "#000000", "t2t": "#56B4E9", "poolformer": "#D55E00", "wukong": "#F0E442"}


def method_colour(method: str, default: str = "#777777") -> str:
    """The colour of a method in every chart: a registered reducer's own, the palette's for the others."""
    if method in BASE_COLOURS:
        return BASE_COLOURS[method]
    spec = find_reducer(method)
    return spec.colour if spec is not None else default


#: the labels of a picture drawn without words (tests, the warm-up): every template empty
_NO_LABELS = {"tile": "", "bar": "", "sampled": "", "predicted": "", "prob": "", "soft": "", "hard": "", "x": "",
              "y": ""}


def _small(view: np.ndarray, tile: int) -> np.ndarray:
    return np.asarray(Image.fromarray(view).resize((tile, tile), Image.BILINEAR))


def _grid_values(values: torch.Tensor, grid: tuple[int, int]) -> np.ndarray:
    return np.nan_to_num(values.float().reshape(grid).numpy(), nan=0.0)


def score_maps(view: np.ndarray, trace: Trace, labels: Mapping[str, str] | None = None, cmap: str = "viridis",
               tile: int = 168, b: int = 0, colour_bar: bool = False) -> np.ndarray:
    """The predictor's keep probability at every stage over the image, 0..1 on one scale; tokens
    already gone show probability 0. ``colour_bar``: the scale drawn below, in the same picture.
    ``labels`` (translated): tile (a template with {layer}), bar."""
    small = _small(view, tile)
    labels = labels or _NO_LABELS
    tiles, captions = [], []
    for s in trace.stages:
        if s.keep_prob is None:
            continue
        tiles.append(overlay(small, _grid_values(s.keep_prob[b], trace.grid), alpha=0.75, cmap=cmap))
        captions.append(labels["tile"].format(layer=s.layer))
    if not tiles:
        raise ValueError("this trace has no keep probabilities (not a DynamicViT trace)")
    out = compose(tiles, ncols=len(tiles), pad=4, labels=captions)
    return with_colorbar(out, colorbar(cmap, 0.0, 1.0, labels["bar"])) if colour_bar else out


def frequency_vs_probability(view: np.ndarray, frequency: torch.Tensor, probability: torch.Tensor,
                             grid: tuple[int, int], layers: Sequence[int], labels: Mapping[str, str] | None = None,
                             cmap: str = "viridis", tile: int = 150, colour_bar: bool = False) -> np.ndarray:
    """Row 1: how often each patch survived each stage over many Gumbel draws; row 2: the survival
    probability the predictor implies (product of its keep probabilities along the lineage).
    ``colour_bar``: the 0..1 scale drawn below, in the same picture. ``labels`` (translated): sampled and
    predicted (templates with {layer}), bar."""
    small = _small(view, tile)
    top = [overlay(small, _grid_values(f, grid), alpha=0.75, cmap=cmap) for f in frequency]
    bottom = [overlay(small, _grid_values(p, grid), alpha=0.75, cmap=cmap) for p in probability]
    labels = labels or _NO_LABELS
    captions = ([labels["sampled"].format(layer=l) for l in layers]
                + [labels["predicted"].format(layer=l) for l in layers])
    out = compose(top + bottom, ncols=len(top), pad=4, labels=captions)
    return with_colorbar(out, colorbar(cmap, 0.0, 1.0, labels["bar"])) if colour_bar else out


def gumbel_figure(probs: np.ndarray, soft: np.ndarray, hard: np.ndarray, labels: Mapping[str, str] | None = None,
                  title: str = "") -> go.Figure:
    """Keep probability per token beside soft and hard Gumbel-softmax samples drawn with the same noise.

    probs (n,), soft/hard (samples, n) of the 'keep' channel; ``labels`` (translated): prob, soft and hard
    (templates with {n}), x, y."""
    labels = labels or _NO_LABELS
    n = probs.shape[0]
    tokens = [f"t{i}" for i in range(n)]
    samples = soft.shape[0]
    # all samples in one trace per kind (one trace per sample costs the browser and the server)
    x = tokens * samples
    jitter = 0.02 * (np.arange(samples)[:, None] - samples / 2) / samples  # hard samples sit on 0 and 1
    fig = go.Figure()
    fig.add_bar(x=tokens, y=probs, name=labels["prob"], marker_color="#0072B2")
    fig.add_scatter(x=x, y=np.asarray(soft).reshape(-1), mode="markers", name=labels["soft"].format(n=samples),
                    marker=dict(color="#E69F00", size=8, symbol="circle"))
    fig.add_scatter(x=x, y=(np.asarray(hard) + jitter).reshape(-1), mode="markers",
                    name=labels["hard"].format(n=samples),
                    marker=dict(color="#CC79A7", size=7, symbol="x"))
    fig.update_layout(title=title, xaxis_title=labels["x"], yaxis_title=labels["y"],
                      yaxis_range=[-0.08, 1.08], height=340, margin=dict(l=50, r=20, t=40, b=40),
                      legend=dict(orientation="h", y=-0.25))
    return fig


def gumbel_image(probs: np.ndarray, soft: np.ndarray, hard: np.ndarray, labels: Mapping[str, str] | None = None,
                 title: str = "", size: tuple[int, int] = (760, 360)) -> np.ndarray:
    """``gumbel_figure`` as a static RGB image (H, W, 3): bars of the keep probability, soft samples as
    dots and hard samples as crosses (sitting on 0 and 1, jittered apart)."""
    labels = labels or _NO_LABELS
    n, samples = probs.shape[0], soft.shape[0]
    fig = static_figure(*size, margins=(70, 16, 34 if title else 12, 84))
    ax = fig.subplots()
    x = np.arange(n)
    ax.bar(x, probs, color="#0072B2", label=labels["prob"])
    offsets = 0.5 * (np.arange(samples) - (samples - 1) / 2) / max(samples, 1)
    for s in range(samples):
        ax.scatter(x + offsets[s], soft[s], color="#E69F00", s=16, zorder=3,
                   label=labels["soft"].format(n=samples) if s == 0 else None)
        ax.scatter(x + offsets[s], hard[s], color="#CC79A7", marker="x", s=22,
                   label=labels["hard"].format(n=samples) if s == 0 else None, zorder=3)
    ax.set_xticks(x, [f"t{i}" for i in range(n)])
    ax.set_ylim(-0.08, 1.08)
    ax.set_xlabel(labels["x"])
    ax.set_ylabel(labels["y"])
    ax.grid(axis="y", alpha=0.3)
    if title:
        ax.set_title(title)
    fig.legend(loc="lower center", ncols=3, frameon=False)
    return figure_image(fig)


#: per method index: marker, marker size (pt), line width (pt) — later methods thinner, so that methods on the
#: same budget (identical lines) stay visible under one another
_LINE_STYLES = tuple(("osD^v*"[i % 6], max(3.0, 9 - 1.5 * i), max(0.8, 2.6 - 0.45 * i)) for i in range(6))
_SS = 2  # supersampling of the lines drawn onto the cached axes


@lru_cache(maxsize=32)
def _cost_axes(methods: tuple[str, ...], names: tuple[str, ...], layers: int, y_max: tuple[float, float],
               titles: tuple[str, ...], x_title: str, size: tuple[int, int]):
    """The chart without its data lines: two panels with fixed limits, ticks, grid, labels and the legend,
    drawn once by matplotlib -> (RGB image, per panel the affine data -> pixel map (ax, bx, ay, by))."""
    fig = static_figure(*size, margins=(72, 16, 12, 96))
    axes = fig.subplots(1, 2)
    handles = []
    for ax, top, y_title in zip(axes, y_max, titles):
        ax.set_xlim(-0.3, layers - 0.7)
        ax.set_ylim(0, top * 1.06 if top > 0 else 1)
        ax.set_xticks(range(layers))
        ax.set_xlabel(x_title)
        ax.set_ylabel(y_title)
        ax.grid(alpha=0.3)
    for i, (method, name) in enumerate(zip(methods, names)):  # legend entries only: the lines are drawn per call
        marker, ms, lw = _LINE_STYLES[i % len(_LINE_STYLES)]
        handles.append(axes[0].plot([], [], marker=marker, markersize=ms, linewidth=lw, label=name,
                                    color=method_colour(method.split(" ")[0]))[0])
    fig.legend(handles=handles, loc="lower center", ncols=min(6, len(methods)), frameon=False,
               bbox_to_anchor=(0.5, -0.01))
    image = figure_image(fig)
    height = image.shape[0]
    maps = []
    for ax in axes:
        (x0, y0), (x1, y1) = ax.transData.transform([(0.0, 0.0), (1.0, 1.0)])
        maps.append((x1 - x0, x0, -(y1 - y0), height - y0))  # pixel column = ax*x + bx, row = ay*y + by
    return image, tuple(maps)


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (times a power of ten) at or above ``value``: axis
    limits that a slider moving the data a little leaves alone (so the cached axes are reused)."""
    if value <= 0:
        return 0.0
    scale = 10.0 ** np.floor(np.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * scale >= value * (1 - 1e-9):
            return float(step * scale)
    return float(10 * scale)


def _marker(draw, shape: str, x: float, y: float, r: float, colour: str) -> None:
    if shape == "o":
        draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
    elif shape == "s":
        draw.rectangle([x - r * 0.85, y - r * 0.85, x + r * 0.85, y + r * 0.85], fill=colour)
    elif shape == "D":
        draw.polygon([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], fill=colour)
    elif shape == "^":
        draw.polygon([(x, y - r), (x + r, y + r * 0.8), (x - r, y + r * 0.8)], fill=colour)
    elif shape == "v":
        draw.polygon([(x, y + r), (x + r, y - r * 0.8), (x - r, y - r * 0.8)], fill=colour)
    else:  # "*": a five-pointed star
        pts = [(x + (r if k % 2 == 0 else r * 0.45) * np.sin(np.pi * k / 5),
                y - (r if k % 2 == 0 else r * 0.45) * np.cos(np.pi * k / 5)) for k in range(10)]
        draw.polygon(pts, fill=colour)


def per_layer_cost_image(tokens: Mapping[str, Sequence[float]], gmacs: Mapping[str, Sequence[float]],
                         titles: Sequence[str] = ("", ""), x_title: str = "", names: Mapping[str, str] | None = None,
                         size: tuple[int, int] = (820, 360)) -> np.ndarray:
    """``per_layer_cost_figure`` as a static RGB image (H, W, 3): two panels, one legend below. ``titles``: the
    panels' y titles, ``x_title``, ``names``: method -> its legend label (translated; default the method).

    The axes come from a cache (the limits depend only on the methods and the largest values, which a
    slider such as rho leaves alone); only the lines are drawn per call, supersampled, in a few ms — a
    matplotlib figure would cost ~0.1 s for every new slider value."""
    methods = tuple(tokens)
    layers = max(len(v) for v in tokens.values())
    y_max = (_nice_ceiling(max(max(v) for v in tokens.values())), _nice_ceiling(max(max(v) for v in gmacs.values())))
    names = names or {}
    base, maps = _cost_axes(methods, tuple(names.get(m, m) for m in methods), layers, y_max, tuple(titles), x_title,
                            tuple(size))
    canvas = Image.fromarray(base).resize((base.shape[1] * _SS, base.shape[0] * _SS), Image.NEAREST)
    draw = ImageDraw.Draw(canvas)
    px_per_pt = 100 / 72 * _SS
    for series, (ax, bx, ay, by) in zip((tokens, gmacs), maps):
        for i, (method, values) in enumerate(series.items()):
            marker, ms, lw = _LINE_STYLES[i % len(_LINE_STYLES)]
            colour = method_colour(method.split(" ")[0])
            pts = [((ax * x + bx) * _SS, (ay * float(v) + by) * _SS) for x, v in enumerate(values)]
            draw.line(pts, fill=colour, width=max(1, round(lw * px_per_pt)), joint="curve")
            for x, y in pts:
                _marker(draw, marker, x, y, ms * px_per_pt / 2, colour)
    out = np.asarray(canvas.reduce(_SS))
    out.setflags(write=False)
    return out


def per_layer_cost_figure(tokens: Mapping[str, Sequence[float]], gmacs: Mapping[str, Sequence[float]],
                          titles: Sequence[str] = ("", ""), x_title: str = "",
                          names: Mapping[str, str] | None = None) -> go.Figure:
    """Tokens and GMACs per layer, one line per method, as two panels of one figure (one legend: the
    browser draws one chart, not two, when a control moves)."""
    names = names or {}
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1)
    for col, series in enumerate((tokens, gmacs), start=1):
        for method, values in series.items():
            fig.add_scatter(x=list(range(len(values))), y=list(values), mode="lines+markers",
                            name=names.get(method, method),
                            legendgroup=method, showlegend=col == 1, row=1, col=col,
                            line=dict(color=method_colour(method.split(" ")[0])))
        fig.update_xaxes(title_text=x_title, row=1, col=col)
        fig.update_yaxes(title_text=titles[col - 1], row=1, col=col)
    fig.update_layout(height=340, margin=dict(l=50, r=20, t=20, b=40), legend=dict(orientation="h", y=-0.25))
    return fig
