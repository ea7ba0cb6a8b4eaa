"""Pictures and numbers for PoolFormer / MetaFormer: the block diagram with its token-mixer slot, what
``pool(x) − x`` does to a map, feature maps per stage, the mixer swap and class names. Arrays in, RGB images /
SVG / plotly figures out; no Streamlit, no model run.

Text drawn into raster images stays English or language-neutral (no CJK font is guaranteed on the server);
the SVG diagram takes translated labels because the browser draws its text.
"""
from __future__ import annotations

import html
from functools import lru_cache
from typing import Sequence

import numpy as np
import plotly.graph_objects as go
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont

from vizcore.plots import vega
from vizcore.plots.overlay import colorize, compose

MIXERS = ("pooling", "identity", "attention")
#: mixer formulas (language-neutral), as they act on the normalised input y of the block
MIXER_FORMULAS = {"pooling": "AvgPool3x3(y) − y", "identity": "y (identity)",
                  "attention": "softmax(yyᵀ/√C)·y − y"}
#: colour-blind-safe colours per mixer (Okabe-Ito)
MIXER_COLOURS = {"pooling": "#E69F00", "identity": "#56B4E9", "attention": "#009E73"}

DEFAULT_LABELS = {"input": "input x", "norm": "Norm", "mixer": "Token mixer", "add": "+", "mlp": "Channel MLP",
                  "output": "output", "residual": "residual", "slot": "the token-mixer slot can hold:",
                  "attention": "Attention (Transformer)", "spatial_mlp": "Spatial MLP (MLP-Mixer)",
                  "pooling": "Pooling (PoolFormer)", "identity": "Identity (ablation)"}


@lru_cache(maxsize=16)
def _font(size: int = 12):
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


# ---------------------------------------------------------------------------------------- block diagram
def _layout(mixer: str, labels: dict) -> list[tuple]:
    """Diagram primitives: ("box", x0, y0, x1, y1, text, fill, bold), ("circle", cx, cy, r, text),
    ("arrow", [(x, y), ...]), ("text", x, y, text, size, anchor)."""
    L = {**DEFAULT_LABELS, **labels}
    grey, hi = "#EEEEEE", "#E69F00"
    y0, y1 = 70, 130
    mid = (y0 + y1) // 2
    items: list[tuple] = [("text", 20, mid + 5, L["input"], 14, "start")]
    xs = {"n1": (100, 190), "mix": (225, 415), "add1": 455, "n2": (500, 590), "mlp": (625, 755), "add2": 795}
    items += [("box", *(xs["n1"][0], y0, xs["n1"][1], y1), L["norm"], grey, False),
              ("box", xs["mix"][0], y0 - 12, xs["mix"][1], y1 + 12, L["mixer"], hi, True),
              ("text", (xs["mix"][0] + xs["mix"][1]) // 2, y1 + 34, MIXER_FORMULAS.get(mixer, mixer), 13, "middle"),
              ("circle", xs["add1"], mid, 16, L["add"]),
              ("box", xs["n2"][0], y0, xs["n2"][1], y1, L["norm"], grey, False),
              ("box", xs["mlp"][0], y0, xs["mlp"][1], y1, L["mlp"], grey, False),
              ("circle", xs["add2"], mid, 16, L["add"]),
              ("text", 830, mid + 5, L["output"], 14, "start")]
    items += [("arrow", [(75, mid), (xs["n1"][0], mid)]), ("arrow", [(xs["n1"][1], mid), (xs["mix"][0], mid)]),
              ("arrow", [(xs["mix"][1], mid), (xs["add1"] - 16, mid)]),
              ("arrow", [(xs["add1"] + 16, mid), (xs["n2"][0], mid)]),
              ("arrow", [(xs["n2"][1], mid), (xs["mlp"][0], mid)]),
              ("arrow", [(xs["mlp"][1], mid), (xs["add2"] - 16, mid)]),
              ("arrow", [(xs["add2"] + 16, mid), (825, mid)]),
              # residual paths above the boxes
              ("arrow", [(85, mid), (85, 30), (xs["add1"], 30), (xs["add1"], mid - 16)]),
              ("arrow", [(475, mid), (475, 30), (xs["add2"], 30), (xs["add2"], mid - 16)]),
              ("text", 270, 24, L["residual"], 12, "middle"), ("text", 635, 24, L["residual"], 12, "middle")]
    # the slot's possible contents
    items.append(("text", 20, 205, L["slot"], 13, "start"))
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
            out.append(f'<text x="{(x0 + x1) / 2}" y="{(y0 + y1) / 2 + 5}" text-anchor="middle" font-size="14" '
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


def block_png(mixer: str = "pooling", width: int = 880, scale: int = 2) -> np.ndarray:
    """The same diagram as a raster image with English labels (for the PNG download)."""
    items = _layout(mixer, {})
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
            d.text(((x0 + x1) / 2 * s, (y0 + y1) / 2 * s), text, fill=(20, 20, 20), font=_font(14 * s), anchor="mm")
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
def pool_minus_identity(x: np.ndarray, size: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(H, W) or (C, H, W) -> (pool(x), pool(x) − x) with PoolFormer's AvgPool (stride 1, padding size//2,
    ``count_include_pad=False``, so border positions average only the neighbours that exist)."""
    t = torch.as_tensor(np.asarray(x, dtype=np.float32))
    t4 = t.reshape(1, -1, *t.shape[-2:])
    pooled = F.avg_pool2d(t4, size, stride=1, padding=size // 2, count_include_pad=False).reshape(t.shape)
    return pooled.numpy(), (pooled - t).numpy()


def pool_kernel(size: int = 3) -> np.ndarray:
    """The interior kernel of pool(x) − x: 1/size² everywhere, minus 1 in the centre (a Laplacian-like
    high-pass; for 3x3 it is the 8-neighbour Laplacian divided by 9)."""
    k = np.full((size, size), 1.0 / size ** 2)
    k[size // 2, size // 2] -= 1.0
    return k


def to_gray(view: np.ndarray) -> np.ndarray:
    """RGB uint8 -> luminance in [0, 1]."""
    return (np.asarray(view, dtype=np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)) / 255.0


def triptych(x: np.ndarray, pooled: np.ndarray, diff: np.ndarray, cmap: str = "viridis", diff_cmap: str = "cividis",
             side: int = 300, names: Sequence[str] = ("x", "pool(x)", "pool(x) - x")) -> tuple[np.ndarray, dict]:
    """x, pool(x) and pool(x) − x side by side as ONE image. x and pool(x) share a scale; the difference has a
    symmetric scale around 0 (99.5th percentile of |pool(x) − x|, so a few outliers do not wash it out).
    Returns (image, scales)."""
    lo, hi = float(min(x.min(), pooled.min())), float(max(x.max(), pooled.max()))
    a = float(np.percentile(np.abs(diff), 99.5)) or float(np.abs(diff).max()) or 1.0  # a few outliers set no scale

    def big(rgb):
        return np.asarray(Image.fromarray(rgb).resize((side, side), Image.NEAREST))

    tiles = [big(colorize(x, cmap, lo, hi)), big(colorize(pooled, cmap, lo, hi)), big(colorize(diff, diff_cmap, -a, a))]
    return compose(tiles, ncols=3, labels=list(names)), {"x": (lo, hi), "diff": (-a, a)}


def frequency_figure(labels: dict) -> go.Figure:
    """Gain of the 3x3 mean filter and of pool − identity against spatial frequency (along a row and along
    the diagonal). ``labels``: x, y, pool, diff, row, diag, title."""
    w, m1 = _frequency_gains(181)
    fig = go.Figure([
        go.Scatter(x=w, y=m1, name=f"{labels['pool']} — {labels['row']}", line=dict(color="#0072B2", width=3)),
        go.Scatter(x=w, y=m1 - 1, name=f"{labels['diff']} — {labels['row']}", line=dict(color="#E69F00", width=3)),
        go.Scatter(x=w, y=m1 ** 2, name=f"{labels['pool']} — {labels['diag']}",
                   line=dict(color="#0072B2", width=2, dash="dot")),
        go.Scatter(x=w, y=m1 ** 2 - 1, name=f"{labels['diff']} — {labels['diag']}",
                   line=dict(color="#E69F00", width=2, dash="dot")),
    ])
    fig.add_hline(y=0, line=dict(color="#888", width=1))
    fig.update_layout(title=labels.get("title"), xaxis_title=labels["x"], yaxis_title=labels["y"], height=360,
                      legend=dict(orientation="h", y=-0.25, x=0), margin=dict(l=60, r=10, t=50, b=40),
                      xaxis=dict(tickvals=[0, np.pi / 4, np.pi / 2, 3 * np.pi / 4, np.pi],
                                 ticktext=["0", "π/4", "π/2", "3π/4", "π"]))
    return fig



def _frequency_gains(points: int) -> tuple[np.ndarray, np.ndarray]:
    """Spatial frequency w in [0, pi] and the 3x3 mean filter's gain along a row, (1 + 2 cos w) / 3
    (along the diagonal the gain is its square)."""
    w = np.linspace(0, np.pi, points)
    return w, (1 + 2 * np.cos(w)) / 3


def frequency_spec(labels: dict) -> dict:
    """:func:`frequency_figure` as a Vega-Lite spec for the page (same labels): the filter by colour, the
    direction by dash, a rule at zero gain, the x axis ticked in fractions of pi."""
    w, m1 = _frequency_gains(91)
    rows = []
    for filt, gain in ((labels["pool"], (m1, m1 ** 2)), (labels["diff"], (m1 - 1, m1 ** 2 - 1))):
        for direction, g in zip((labels["row"], labels["diag"]), gain):
            rows += [{"w": round(float(a), 5), "gain": round(float(b), 5), "filter": filt, "direction": direction}
                     for a, b in zip(w, g)]
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
                                "scale": vega.colour_scale([labels["pool"], labels["diff"]], ["#0072B2", "#E69F00"])},
                      "strokeDash": {"field": "direction", "type": "nominal", "legend": vega.legend(),
                                     "scale": {"domain": [labels["row"], labels["diag"]], "range": [[1, 0], [4, 3]]}},
                      "tooltip": [{"field": "filter", "type": "nominal", "title": " "},
                                  {"field": "direction", "type": "nominal", "title": "  "},
                                  {"field": "w", "type": "quantitative", "format": ".3f", "title": labels["x"]},
                                  {"field": "gain", "type": "quantitative", "format": ".3f", "title": labels["y"]}]}}]}
    return vega.chart(body, {"gain": rows, "zero": [{"y": 0}]}, title=labels.get("title"), height=300)

# ---------------------------------------------------------------------------------------- feature maps
def channel_order(feature: np.ndarray) -> np.ndarray:
    """Channels of (C, H, W) sorted by spatial variance, most varied first."""
    f = np.asarray(feature, dtype=np.float64)
    return np.argsort(-f.reshape(f.shape[0], -1).var(axis=1), kind="stable")


def stage_maps(features: Sequence[np.ndarray], per_stage: int = 6, cmap: str = "viridis",
               side: int = 120) -> tuple[np.ndarray, list[dict]]:
    """Rows = stages; first tile the channel-L2 norm of the stage output, then its ``per_stage - 1`` most
    varied channels (each min-max scaled). One composed image and per-stage rows (shape, channels shown)."""
    tiles, labels, rows = [], [], []
    for i, f in enumerate(features):
        f = np.asarray(f, dtype=np.float32)
        C, H, W = f.shape
        order = channel_order(f)[:per_stage - 1]
        maps = [np.sqrt((f ** 2).sum(0))] + [f[c] for c in order]
        names = [f"s{i} |x|"] + [f"s{i} c{c}" for c in order]
        for m, n in zip(maps, names):
            tiles.append(np.asarray(Image.fromarray(colorize(m, cmap)).resize((side, side), Image.NEAREST)))
            labels.append(n)
        for _ in range(per_stage - len(maps)):
            tiles.append(np.full((side, side, 3), 255, np.uint8))
            labels.append("")
        rows.append({"stage": i, "shape": (1, C, H, W), "tokens": H * W, "channels": [int(c) for c in order]})
    img = compose(tiles, ncols=per_stage, labels=labels,
                  row_labels=[f"{r['shape'][1]}x{r['shape'][2]}x{r['shape'][3]}" for r in rows])
    return img, rows


def norm_overlays(view: np.ndarray, maps: dict, cmap: str = "viridis", side: int = 260,
                  alpha: float = 0.6) -> np.ndarray:
    """One tile per mixer: a (h, w) map (e.g. the last stage's feature norm) over the image, min-max scaled."""
    base = np.asarray(Image.fromarray(view).resize((side, side), Image.BILINEAR), dtype=np.float32)
    tiles, labels = [], []
    for name, m in maps.items():
        m = np.asarray(m, dtype=np.float64)
        heat = np.asarray(Image.fromarray(colorize(m, cmap)).resize((side, side), Image.BILINEAR), dtype=np.float32)
        tiles.append(((1 - alpha) * base + alpha * heat).round().astype(np.uint8))
        labels.append(name)
    return compose(tiles, ncols=len(tiles), labels=labels)


# ---------------------------------------------------------------------------------------- predictions
@lru_cache(maxsize=4)
def class_names(num_classes: int) -> tuple[str, ...]:
    """Readable names: ImageNet-1k (timm's offline tables), the synthetic scenes' 10 shapes, else indices."""
    if num_classes == 1000:
        try:
            from timm.data import ImageNetInfo
            info = ImageNetInfo()
            return tuple(info.index_to_description(i).split(",")[0] for i in range(1000))
        except Exception:  # noqa: BLE001 - no tables: fall back to indices
            pass
    try:
        from vizcore.data.scenes import CLASSES
        if num_classes == len(CLASSES):
            return tuple(CLASSES)
    except ImportError:
        pass
    return tuple(f"class {i}" for i in range(num_classes))


def softmax(logits: np.ndarray) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max()
    e = np.exp(z)
    return e / e.sum()


def top_classes(logits: np.ndarray, k: int = 5) -> list[int]:
    return [int(i) for i in np.argsort(-np.asarray(logits), kind="stable")[:k]]


def mixer_rows(logits: dict, macs: dict, names: Sequence[str], reference: str = "pooling") -> list[dict]:
    """Per mixer: top-1 class and probability, the reference's top-1 probability under this mixer, the mean
    absolute logit change against the reference, and GMACs."""
    ref = np.asarray(logits[reference], dtype=np.float64)
    ref_top = int(ref.argmax())
    rows = []
    for m, lg in logits.items():
        lg = np.asarray(lg, dtype=np.float64)
        p = softmax(lg)
        top = int(lg.argmax())
        rows.append({"mixer": m, "top1": names[top], "top1_index": top, "top1_prob": float(p[top]),
                     "ref_class_prob": float(p[ref_top]), "mean_abs_logit_change": float(np.abs(lg - ref).mean()),
                     "gmacs": float(macs[m]) / 1e9})
    return rows


def mixer_figure(logits: dict, names: Sequence[str], labels: dict, k: int = 5, reference: str = "pooling") -> go.Figure:
    """Grouped bars: the probabilities of the reference mixer's top-k classes under every mixer.
    ``labels``: x, y, title and one label per mixer."""
    classes = top_classes(logits[reference], k)
    fig = go.Figure([go.Bar(name=labels.get(m, m), x=[names[c] for c in classes],
                            y=[float(softmax(lg)[c]) for c in classes], marker_color=MIXER_COLOURS.get(m),
                            hovertemplate="%{x}: %{y:.1%}<extra>" + labels.get(m, m) + "</extra>")
                     for m, lg in logits.items()])
    fig.update_layout(barmode="group", title=labels.get("title"), xaxis_title=labels["x"], yaxis_title=labels["y"],
                      yaxis_tickformat=".0%", height=360, legend=dict(orientation="h", y=1.15, x=0),
                      margin=dict(l=60, r=10, t=70, b=40))
    return fig



def mixer_spec(logits: dict, names: Sequence[str], labels: dict, k: int = 5, reference: str = "pooling") -> dict:
    """:func:`mixer_figure` as a Vega-Lite spec for the page: grouped bars, one colour per mixer."""
    classes = top_classes(logits[reference], k)
    plain = [names[c] for c in classes]
    # ImageNet repeats a few names ("crane", "maillot"): those get their index, or their bars would share a band
    order = [f"{n} ({c})" if plain.count(n) > 1 else n for n, c in zip(plain, classes)]
    mixers = list(logits)
    rows = [{"class": name, "probability": round(float(softmax(lg)[c]), 6), "mixer": labels.get(m, m)}
            for m, lg in logits.items() for name, c in zip(order, classes)]
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
    return vega.chart(body, {"probs": rows}, title=labels.get("title"), height=300)

__all__ = ["MIXERS", "MIXER_FORMULAS", "MIXER_COLOURS", "block_svg", "block_png", "pool_minus_identity",
           "pool_kernel", "to_gray", "triptych", "frequency_figure", "channel_order", "stage_maps", "norm_overlays",
           "class_names", "softmax", "top_classes", "mixer_rows", "mixer_figure", "frequency_spec", "mixer_spec"]
