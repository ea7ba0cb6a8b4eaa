"""Pictures for PoolFormer / MetaFormer: the block diagram with its token-mixer slot, what ``pool(x) − x``
does to a map, its frequency response, feature maps per stage and the mixer swap. Arrays and label strings
in, RGB images / SVG / Vega-Lite specs / plotly figures out; the numbers come from
``vizcore.analysis.poolformer`` through the page's view. No Streamlit, no model run, no analysis.

Text drawn into raster images stays English or language-neutral (no CJK font is guaranteed on the server);
the SVG diagram takes translated labels because the browser draws its text.
"""
from __future__ import annotations

import html
from functools import lru_cache
from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw

from vizcore.plots import vega
from vizcore.plots.fonts import TEXT_PX, pil_font
from vizcore.plots.overlay import colorize, compose

MIXERS = ("pooling", "identity", "attention")
#: mixer formulas (language-neutral), as they act on the normalised input y of the block
MIXER_FORMULAS = {"pooling": "AvgPool3x3(y) − y", "identity": "y",
                  "attention": "softmax(yyᵀ/√C)·y − y"}
#: colour-blind-safe colours per mixer (Okabe-Ito)
MIXER_COLOURS = {"pooling": "#E69F00", "identity": "#56B4E9", "attention": "#009E73"}

#: the block diagram's words, each given translated by the caller (catalogue keys ``pf.diagram.<key>``)
DIAGRAM_KEYS = ("input", "norm", "mixer", "add", "mlp", "output", "residual", "slot", "attention", "spatial_mlp",
                "pooling", "identity")


@lru_cache(maxsize=16)
def _font(size: int = TEXT_PX):
    """The shipped font (CJK included) at ``size`` px, never below ``fonts.TEXT_PX``."""
    return pil_font(size)


# ---------------------------------------------------------------------------------------- block diagram
def _layout(mixer: str, labels: dict) -> list[tuple]:
    """Diagram primitives: ("box", x0, y0, x1, y1, text, fill, bold), ("circle", cx, cy, r, text),
    ("arrow", [(x, y), ...]), ("text", x, y, text, size, anchor)."""
    L = {key: labels.get(key, "+" if key == "add" else "") for key in DIAGRAM_KEYS}
    grey, hi = "#EEEEEE", "#E69F00"
    y0, y1 = 70, 130
    mid = (y0 + y1) // 2
    items: list[tuple] = [("text", 20, mid + 5, L["input"], 16, "start")]
    xs = {"n1": (100, 190), "mix": (225, 415), "add1": 455, "n2": (500, 590), "mlp": (625, 755), "add2": 795}
    items += [("box", *(xs["n1"][0], y0, xs["n1"][1], y1), L["norm"], grey, False),
              ("box", xs["mix"][0], y0 - 12, xs["mix"][1], y1 + 12, L["mixer"], hi, True),
              ("text", (xs["mix"][0] + xs["mix"][1]) // 2, y1 + 34, MIXER_FORMULAS.get(mixer, mixer), 16, "middle"),
              ("circle", xs["add1"], mid, 16, L["add"]),
              ("box", xs["n2"][0], y0, xs["n2"][1], y1, L["norm"], grey, False),
              ("box", xs["mlp"][0], y0, xs["mlp"][1], y1, L["mlp"], grey, False),
              ("circle", xs["add2"], mid, 16, L["add"]),
              ("text", 830, mid + 5, L["output"], 16, "start")]
    items += [("arrow", [(75, mid), (xs["n1"][0], mid)]), ("arrow", [(xs["n1"][1], mid), (xs["mix"][0], mid)]),
              ("arrow", [(xs["mix"][1], mid), (xs["add1"] - 16, mid)]),
              ("arrow", [(xs["add1"] + 16, mid), (xs["n2"][0], mid)]),
              ("arrow", [(xs["n2"][1], mid), (xs["mlp"][0], mid)]),
              ("arrow", [(xs["mlp"][1], mid), (xs["add2"] - 16, mid)]),
              ("arrow", [(xs["add2"] + 16, mid), (825, mid)]),
              # residual paths above the boxes
              ("arrow", [(85, mid), (85, 30), (xs["add1"], 30), (xs["add1"], mid - 16)]),
              ("arrow", [(475, mid), (475, 30), (xs["add2"], 30), (xs["add2"], mid - 16)]),
              ("text", 270, 24, L["residual"], 15, "middle"), ("text", 635, 24, L["residual"], 15, "middle")]
    # the slot's possible contents
    items.append(("text", 20, 205, L["slot"], 15, "start"))
    options = [("attention", L["attention"]), ("spatial_mlp", L["spatial_mlp"]), ("pooling", L["pooling"]),
               ("identity", L["identity"])]
    for i, (key, text) in enumerate(options):
        x = 20 + i * 215
        items.append(("box", x, 218, x + 200, 256, text, hi if key == mixer else grey, key == mixer))
    return items


def block_svg(mixer: str = "pooling", labels: dict | None = None, width: int = 880) -> str:
    """The MetaFormer block as SVG, the token mixer highlighted and its formula below; translated labels."""
    items = _layout(mixer, labels or {})
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 270" width="{width}" height="270" '
           'font-family="sans-serif">',
           '<defs><marker id="arr" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
           '<path d="M0,0 L8,4 L0,8 z" fill="#333"/></marker></defs>',
           '<rect width="100%" height="100%" fill="white"/>']
    for it in items:
        kind = it[0]
        if kind == "box":
            _, x0, y0, x1, y1, text, fill, bold = it
            out.append(f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" rx="8" fill="{fill}" '
                       f'stroke="#333" stroke-width="{3 if bold else 1.2}"/>')
            out.append(f'<text x="{(x0 + x1) / 2}" y="{(y0 + y1) / 2 + 5}" text-anchor="middle" font-size="16" '
                       f'font-weight="{"bold" if bold else "normal"}">{html.escape(text)}</text>')
        elif kind == "circle":
            _, cx, cy, r, text = it
            out.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="white" stroke="#333" stroke-width="1.5"/>')
            out.append(f'<text x="{cx}" y="{cy + 6}" text-anchor="middle" font-size="18">{html.escape(text)}</text>')
        elif kind == "arrow":
            pts = " ".join(f"{x},{y}" for x, y in it[1])
            out.append(f'<polyline points="{pts}" fill="none" stroke="#333" stroke-width="1.5" '
                       'marker-end="url(#arr)"/>')
        elif kind == "text":
            _, x, y, text, size, anchor = it
            out.append(f'<text x="{x}" y="{y}" text-anchor="{anchor}" font-size="{size}">{html.escape(text)}</text>')
    out.append("</svg>")
    return "".join(out)


def block_png(mixer: str, labels: dict, width: int = 880, scale: int = 2) -> np.ndarray:
    """The same diagram as a raster image with the same translated labels (for the PNG download)."""
    items = _layout(mixer, labels)
    img = Image.new("RGB", (width * scale, 270 * scale), (255, 255, 255))
    d = ImageDraw.Draw(img)
    s = scale

    def hexrgb(h):
        return tuple(int(h[i:i + 2], 16) for i in (1, 3, 5))

    for it in items:
        kind = it[0]
        if kind == "box":
            _, x0, y0, x1, y1, text, fill, bold = it
            d.rounded_rectangle((x0 * s, y0 * s, x1 * s, y1 * s), radius=8 * s, fill=hexrgb(fill),
                                outline=(51, 51, 51), width=(3 if bold else 1) * s)
            d.text(((x0 + x1) / 2 * s, (y0 + y1) / 2 * s), text, fill=(20, 20, 20), font=_font(16 * s), anchor="mm")
        elif kind == "circle":
            _, cx, cy, r, text = it
            d.ellipse(((cx - r) * s, (cy - r) * s, (cx + r) * s, (cy + r) * s), fill=(255, 255, 255),
                      outline=(51, 51, 51), width=s)
            d.text((cx * s, cy * s), text, fill=(20, 20, 20), font=_font(18 * s), anchor="mm")
        elif kind == "arrow":
            pts = [(x * s, y * s) for x, y in it[1]]
            d.line(pts, fill=(51, 51, 51), width=max(1, int(1.5 * s)))
            (xa, ya), (xb, yb) = pts[-2], pts[-1]
            v = np.array([xb - xa, yb - ya], dtype=float)
            v /= max(np.linalg.norm(v), 1e-9)
            n = np.array([-v[1], v[0]])
            tip = np.array([xb, yb])
            head = [tuple(tip), tuple(tip - 8 * s * v + 4 * s * n), tuple(tip - 8 * s * v - 4 * s * n)]
            d.polygon(head, fill=(51, 51, 51))
        elif kind == "text":
            _, x, y, text, size, anchor = it
            d.text((x * s, y * s), text, fill=(20, 20, 20), font=_font(size * s),
                   anchor={"start": "ls", "middle": "ms", "end": "rs"}[anchor])
    return np.asarray(img)


# ---------------------------------------------------------------------------------------- pool(x) − x
def triptych(x: np.ndarray, pooled: np.ndarray, diff: np.ndarray, cmap: str = "viridis", diff_cmap: str = "cividis",
             side: int = 300, names: Sequence[str] = ("x", "pool(x)", "pool(x) − x")) -> tuple[np.ndarray, dict]:
    """x, pool(x) and pool(x) − x (each (H, W)) side by side as ONE image. x and pool(x) share a scale; the
    difference has a symmetric scale around 0 (99.5th percentile of |pool(x) − x|, so a few outliers do not
    wash it out). Returns (image, scales)."""
    lo, hi = float(min(x.min(), pooled.min())), float(max(x.max(), pooled.max()))
    a = float(np.percentile(np.abs(diff), 99.5)) or float(np.abs(diff).max()) or 1.0  # a few outliers set no scale

    def big(rgb):
        return np.asarray(Image.fromarray(rgb).resize((side, side), Image.NEAREST))

    tiles = [big(colorize(x, cmap, lo, hi)), big(colorize(pooled, cmap, lo, hi)), big(colorize(diff, diff_cmap, -a, a))]
    return compose(tiles, ncols=3, labels=list(names)), {"x": (lo, hi), "diff": (-a, a)}


#: the response curves: (key of the frequency response, filter label key, direction label key)
_CURVES = (("pool_row", "pool", "row"), ("diff_row", "diff", "row"), ("pool_diag", "pool", "diag"),
           ("diff_diag", "diff", "diag"))
_FILTER_COLOURS = {"pool": "#0072B2", "diff": "#E69F00"}


def frequency_figure(response: Mapping[str, np.ndarray], labels: dict) -> go.Figure:
    """The gains of ``analysis.poolformer.frequency_response`` against the frequency as a plotly figure (the
    HTML download). ``labels``: x, y, pool, diff, row, diag, title."""
    fig = go.Figure([go.Scatter(x=response["w"], y=response[key], name=f"{labels[filt]} — {labels[direction]}",
                                line=dict(color=_FILTER_COLOURS[filt], width=3 if direction == "row" else 2,
                                          dash="solid" if direction == "row" else "dot"))
                     for key, filt, direction in _CURVES])
    fig.add_hline(y=0, line=dict(color="#888", width=1))
    fig.update_layout(title=labels.get("title"), xaxis_title=labels["x"], yaxis_title=labels["y"], height=360,
                      legend=dict(orientation="h", y=-0.25, x=0), margin=dict(l=60, r=10, t=50, b=40),
                      xaxis=dict(tickvals=[0, np.pi / 4, np.pi / 2, 3 * np.pi / 4, np.pi],
                                 ticktext=["0", "π/4", "π/2", "3π/4", "π"]))
    return fig


def frequency_spec(response: Mapping[str, np.ndarray], labels: dict) -> dict:
    """:func:`frequency_figure` as a Vega-Lite spec for the page (same labels): the filter by colour, the
    direction by dash, a rule at zero gain, the x axis ticked in fractions of pi."""
    rows = []
    for key, filt, direction in sorted(_CURVES, key=lambda c: (c[1] != "pool", c[2] != "row")):
        rows += [{"w": round(float(a), 5), "gain": round(float(b), 5), "filter": labels[filt],
                  "direction": labels[direction]} for a, b in zip(response["w"], response[key])]
    ticks = [0, np.pi / 4, np.pi / 2, 3 * np.pi / 4, np.pi]
    x = {"field": "w", "type": "quantitative", "title": labels["x"], "scale": {"domain": [0, float(np.pi)]},
         "axis": {"values": [float(t) for t in ticks],
                  "labelExpr": "['0', 'π/4', 'π/2', '3π/4', 'π'][round(datum.value / (PI / 4))]"}}
    body = {"layer": [
        {"data": vega.data("zero"), "mark": {"type": "rule", "color": "#888888", "strokeWidth": 1},
         "encoding": {"y": {"field": "y", "type": "quantitative"}}},
        {"data": vega.data("gain"), "mark": {"type": "line", "strokeWidth": 3},
         "encoding": {"x": x, "y": {"field": "gain", "type": "quantitative", "title": labels["y"]},
                      "color": {"field": "filter", "type": "nominal", "legend": vega.legend(),
                                "scale": vega.colour_scale([labels["pool"], labels["diff"]],
                                                           [_FILTER_COLOURS["pool"], _FILTER_COLOURS["diff"]])},
                      "strokeDash": {"field": "direction", "type": "nominal", "legend": vega.legend(),
                                     "scale": {"domain": [labels["row"], labels["diag"]], "range": [[1, 0], [4, 3]]}},
                      "tooltip": [{"field": "filter", "type": "nominal", "title": " "},
                                  {"field": "direction", "type": "nominal", "title": "  "},
                                  {"field": "w", "type": "quantitative", "format": ".3f", "title": labels["x"]},
                                  {"field": "gain", "type": "quantitative", "format": ".3f", "title": labels["y"]}]}}]}
    return vega.chart(body, {"gain": rows, "zero": [{"y": 0}]}, title=labels.get("title"), height=300)


# ---------------------------------------------------------------------------------------- feature maps
def stage_maps(maps: Sequence[Sequence[np.ndarray]], names: Sequence[Sequence[str]], row_labels: Sequence[str],
               per_stage: int = 6, cmap: str = "viridis", side: int = 120) -> np.ndarray:
    """Rows = stages, each a list of (H, W) maps (min-max scaled each) with its tile names, padded with
    blank tiles to ``per_stage``; one composed image with ``row_labels`` on the left."""
    tiles, labels = [], []
    for row, row_names in zip(maps, names):
        for m, n in zip(row, row_names):
            tiles.append(np.asarray(Image.fromarray(colorize(m, cmap)).resize((side, side), Image.NEAREST)))
            labels.append(n)
        for _ in range(per_stage - len(row)):
            tiles.append(np.full((side, side, 3), 255, np.uint8))
            labels.append("")
    return compose(tiles, ncols=per_stage, labels=labels, row_labels=list(row_labels))


def norm_overlays(view: np.ndarray, maps: dict, cmap: str = "viridis", side: int = 260,
                  alpha: float = 0.6) -> np.ndarray:
    """One tile per entry of ``maps`` (label -> (h, w) map, e.g. the last stage's feature norm) over the
    image, min-max scaled."""
    base = np.asarray(Image.fromarray(view).resize((side, side), Image.BILINEAR), dtype=np.float32)
    tiles, labels = [], []
    for name, m in maps.items():
        m = np.asarray(m, dtype=np.float64)
        heat = np.asarray(Image.fromarray(colorize(m, cmap)).resize((side, side), Image.BILINEAR), dtype=np.float32)
        tiles.append(((1 - alpha) * base + alpha * heat).round().astype(np.uint8))
        labels.append(name)
    return compose(tiles, ncols=len(tiles), labels=labels)


# ---------------------------------------------------------------------------------------- predictions
def mixer_figure(rows: Sequence[dict], labels: dict) -> go.Figure:
    """Grouped bars from ``analysis.poolformer.mixer_probabilities`` rows (class, probability, mixer), one
    colour per mixer (the HTML download). ``labels``: x, y, title and one label per mixer id."""
    mixers = list(dict.fromkeys(r["mixer"] for r in rows))
    fig = go.Figure([go.Bar(name=labels.get(m, m), x=[r["class"] for r in rows if r["mixer"] == m],
                            y=[r["probability"] for r in rows if r["mixer"] == m], marker_color=MIXER_COLOURS.get(m),
                            hovertemplate="%{x}: %{y:.1%}<extra>" + labels.get(m, m) + "</extra>")
                     for m in mixers])
    fig.update_layout(barmode="group", title=labels.get("title"), xaxis_title=labels["x"], yaxis_title=labels["y"],
                      yaxis_tickformat=".0%", height=360, legend=dict(orientation="h", y=1.15, x=0),
                      margin=dict(l=60, r=10, t=70, b=40))
    return fig


def mixer_spec(rows: Sequence[dict], labels: dict) -> dict:
    """:func:`mixer_figure` as a Vega-Lite spec for the page: grouped bars, one colour per mixer, the classes
    in the rows' order."""
    mixers = list(dict.fromkeys(r["mixer"] for r in rows))
    order = list(dict.fromkeys(r["class"] for r in rows))
    data = [{"class": r["class"], "probability": round(float(r["probability"]), 6),
             "mixer": labels.get(r["mixer"], r["mixer"])} for r in rows]
    mixer_labels = [labels.get(m, m) for m in mixers]
    body = {"data": vega.data("probs"), "mark": {"type": "bar"},
            "encoding": {"x": {"field": "class", "type": "nominal", "sort": order, "title": labels["x"],
                               "axis": {"labelAngle": 0}},
                         "xOffset": {"field": "mixer", "type": "nominal", "sort": mixer_labels},
                         "y": {"field": "probability", "type": "quantitative", "title": labels["y"],
                               "axis": {"format": ".0%"}},
                         "color": {"field": "mixer", "type": "nominal", "legend": vega.legend(),
                                   "scale": vega.colour_scale(mixer_labels,
                                                              [MIXER_COLOURS.get(m, "#777777") for m in mixers])},
                         "tooltip": [{"field": "mixer", "type": "nominal", "title": " "},
                                     {"field": "class", "type": "nominal", "title": labels["x"]},
                                     {"field": "probability", "type": "quantitative", "format": ".1%",
                                      "title": labels["y"]}]}}
    return vega.chart(body, {"probs": data}, title=labels.get("title"), height=300)


__all__ = ["MIXERS", "MIXER_FORMULAS", "MIXER_COLOURS", "DIAGRAM_KEYS", "block_svg", "block_png", "triptych",
           "frequency_figure", "frequency_spec", "stage_maps", "norm_overlays", "mixer_figure", "mixer_spec"]
