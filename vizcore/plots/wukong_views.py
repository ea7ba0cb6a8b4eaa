"""Pictures and charts of WuKong's TokenReduction: arrays and label strings in, RGB images / Vega-Lite specs /
plotly figures out. No analysis here (that is ``vizcore.analysis.wukong`` and ``vizcore.views.wukong``) and no
Streamlit.

Words drawn *into* pictures come from the page (translated) and are drawn with the shipped font
(``vizcore.plots.fonts``, Chinese included). Chart text (Vega-Lite, plotly) is drawn by the browser.
"""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw

from vizcore.plots import vega
from vizcore.plots.fonts import TEXT_PX, pil_font
from vizcore.plots.overlay import compose, draw_grid, fade, overlay

#: colour-blind-safe categorical colours: Okabe-Ito, then Paul Tol's "muted" (cells also carry numbers)
PALETTE = ((230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66), (0, 114, 178), (213, 94, 0),
           (204, 121, 167), (0, 0, 0), (51, 34, 136), (136, 204, 238), (68, 170, 153), (17, 119, 51),
           (153, 153, 51), (221, 204, 119), (204, 102, 119), (136, 34, 85), (170, 68, 153), (221, 221, 221))


def _font(size: int = TEXT_PX):
    """The shipped font (CJK included) at ``size`` px, never below ``fonts.TEXT_PX``."""
    return pil_font(size)


def upscale(view: np.ndarray, min_side: int = 336) -> np.ndarray:
    """Enlarge a small model view (96 px for the bundled models) so drawn lines and numbers stay crisp."""
    h, w = view.shape[:2]
    f = max(1, math.ceil(min_side / min(h, w)))
    if f == 1:
        return view
    return np.asarray(Image.fromarray(view).resize((w * f, h * f), Image.BILINEAR))


def tile(view: np.ndarray, side: int) -> np.ndarray:
    """Resize an RGB view so its longer side is ``side`` pixels (for grids of small maps)."""
    h, w = view.shape[:2]
    s = side / max(h, w)
    return np.asarray(Image.fromarray(view).resize((max(1, round(w * s)), max(1, round(h * s))), Image.BILINEAR))


# ---------------------------------------------------------------------------------------- pictures
def maps_grid(view: np.ndarray, maps: np.ndarray, vmin: np.ndarray, vmax: np.ndarray, labels: list[str],
              cmap: str = "viridis", alpha: float = 0.65, side: int | None = None,
              ncols: int | None = None) -> np.ndarray:
    """All T maps (T, h, w) over the image as ONE composed image, map t coloured from ``vmin[t]`` to
    ``vmax[t]`` and captioned ``labels[t]``."""
    T = len(maps)
    ncols = ncols or (T if T <= 4 else math.ceil(T / 2) if T <= 12 else 8)
    side = side or max(110, min(240, 816 // ncols - 8))  # fits the page's 820 px at 1280×720 with the sidebar
    base = tile(view, side)
    tiles = [overlay(base, np.asarray(maps[t], dtype=np.float64), alpha=alpha, cmap=cmap, vmin=float(vmin[t]),
                     vmax=float(vmax[t])) for t in range(T)]
    return compose(tiles, ncols=ncols, labels=labels)


def difference_grid(view: np.ndarray, contrast: np.ndarray, bound: float, best: np.ndarray,
                    peaks: list[tuple[int, int]], labels: list[str], cmap: str = "RdBu_r", alpha: float = 0.75,
                    side: int | None = None, ncols: int | None = None) -> np.ndarray:
    """Each map's difference from the mean map (T, h, w) on one symmetric range -bound..bound, the patches
    outside its argmax region (``best`` (h, w) != t) faded, its peak cell (row, col) outlined; one image."""
    T, h, w = contrast.shape
    ncols = ncols or (T if T <= 4 else math.ceil(T / 2) if T <= 12 else 8)
    side = side or max(110, min(240, 960 // ncols - 8))
    base = tile(view, side)
    tiles = []
    for t in range(T):
        img = overlay(base, contrast[t], alpha=alpha, cmap=cmap, vmin=-bound, vmax=bound)
        img = Image.fromarray(fade(img, best == t, strength=0.55))
        r, c = peaks[t]
        ch, cw = img.height / h, img.width / w
        ImageDraw.Draw(img).rectangle([c * cw, r * ch, (c + 1) * cw - 1, (r + 1) * ch - 1], outline=(0, 0, 0),
                                      width=max(2, side // 80))
        tiles.append(np.asarray(img))
    return compose(tiles, ncols=ncols, labels=labels)


def similarity_spec(matrix: np.ndarray, labels: dict, domain: tuple[float, float] = (-1.0, 1.0)) -> dict:
    """A (T, T) map-to-map similarity matrix as a Vega-Lite heat map with its values written in the cells;
    ``labels``: "x", "y", "value" (axis and tooltip titles) and "title"."""
    T = len(matrix)
    data = [{"a": f"T{a}", "b": f"T{b}", "value": round(float(matrix[a, b]), 3)} for a in range(T) for b in range(T)]
    order = [f"T{t}" for t in range(T)]
    x = {"field": "b", "type": "nominal", "sort": order, "title": labels["x"], "axis": {"labelAngle": 0}}
    y = {"field": "a", "type": "nominal", "sort": order, "title": labels["y"]}
    body = {"data": vega.data("similarity"), "encoding": {"x": x, "y": y}, "layer": [
        {"mark": {"type": "rect"},
         "encoding": {"color": {"field": "value", "type": "quantitative", "title": labels["value"],
                                "scale": {"scheme": "redblue", "reverse": True, "domain": list(domain)},
                                "legend": vega.legend()},
                      "tooltip": [{"field": "a", "type": "nominal", "title": labels["y"]},
                                  {"field": "b", "type": "nominal", "title": labels["x"]},
                                  {"field": "value", "type": "quantitative", "format": ".3f",
                                   "title": labels["value"]}]}},
        {"mark": {"type": "text", "fontSize": 14},
         "encoding": {"text": {"field": "value", "type": "quantitative", "format": ".2f"},
                      "color": {"condition": {"test": "abs(datum.value) > 0.6", "value": "white"}, "value": "black"}}}]}
    spec = vega.chart(body, {"similarity": data}, title=labels.get("title"))
    spec["height"] = {"step": 36}  # one 36 px row per map, however many maps
    return spec


def single_map(view: np.ndarray, values: np.ndarray, cmap: str = "viridis", alpha: float = 0.6,
               vmin: float | None = None, vmax: float | None = None, numbers: bool = True,
               min_side: int = 420) -> np.ndarray:
    """One map over the (enlarged) image with its patch grid; with ``numbers`` each cell shows its weight in
    per cent (when the grid is small enough to read)."""
    base = upscale(view, min_side)
    values = np.asarray(values, dtype=np.float64)
    h, w = values.shape
    img = overlay(base, values, alpha=alpha, cmap=cmap, vmin=float(values.min()) if vmin is None else vmin,
                  vmax=float(values.max()) if vmax is None else vmax)
    img = draw_grid(img, (h, w), color=(235, 235, 235))
    H, W = img.shape[:2]
    if numbers and min(H / h, W / w) >= 3 * TEXT_PX:
        pil = Image.fromarray(img)
        draw = ImageDraw.Draw(pil)
        font = _font(max(TEXT_PX, min(20, int(min(H / h, W / w) / 3.2))))
        for r in range(h):
            for c in range(w):
                pct = 100 * values[r, c]
                text = "0" if pct < 0.05 else f"{pct:.1f}" if pct < 10 else f"{pct:.0f}"
                x, y = (c + 0.5) * W / w, (r + 0.5) * H / h
                draw.text((x, y), text, fill=(255, 255, 255), font=font, anchor="mm", stroke_width=1,
                          stroke_fill=(0, 0, 0))
        img = np.asarray(pil)
    return img


def assignment_image(view: np.ndarray, best: np.ndarray, share: np.ndarray, alpha: float = 0.55,
                     min_side: int = 420) -> np.ndarray:
    """Each patch painted with the colour of the output token it feeds most, its index written in the cell;
    the colour is stronger where that token takes a larger share of the patch."""
    base = upscale(view, min_side).astype(np.float32)
    H, W = base.shape[:2]
    h, w = best.shape
    colours = np.array([PALETTE[int(t) % len(PALETTE)] for t in best.reshape(-1)], dtype=np.float32).reshape(h, w, 3)
    cell = np.asarray(Image.fromarray(colours.astype(np.uint8)).resize((W, H), Image.NEAREST), dtype=np.float32)
    strength = alpha * (0.5 + 0.5 * np.asarray(Image.fromarray(share.astype(np.float32), mode="F")
                                                .resize((W, H), Image.NEAREST)))[..., None]
    img = ((1 - strength) * base + strength * cell).round().clip(0, 255).astype(np.uint8)
    img = draw_grid(img, (h, w), color=(250, 250, 250))
    if min(H / h, W / w) >= 2 * TEXT_PX:
        pil = Image.fromarray(img)
        draw = ImageDraw.Draw(pil)
        font = _font(max(TEXT_PX, min(22, int(min(H / h, W / w) / 2.6))))
        for r in range(h):
            for c in range(w):
                draw.text(((c + 0.5) * W / w, (r + 0.5) * H / h), str(int(best[r, c])), fill=(255, 255, 255),
                          font=font, anchor="mm", stroke_width=1, stroke_fill=(0, 0, 0))
        img = np.asarray(pil)
    return img


def legend_image(num_tokens: int, counts: np.ndarray | None = None, width: int = 420) -> np.ndarray:
    """Colour swatches T0..T(T-1) (with the number of patches each one wins, when given)."""
    font = _font()
    per_row = max(1, width // 100)
    rows = -(-num_tokens // per_row)
    line = font.size + 8
    canvas = Image.new("RGB", (width, rows * line + 4), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    for t in range(num_tokens):
        r, c = divmod(t, per_row)
        x, y = 4 + c * (width // per_row), 4 + r * line
        draw.rectangle((x, y, x + 16, y + 16), fill=PALETTE[t % len(PALETTE)], outline=(40, 40, 40))
        text = f"T{t}" + (f": {int(counts[t])}" if counts is not None else "")
        draw.text((x + 21, y + 1), text, fill=(20, 20, 20), font=font)
    return np.asarray(canvas)


def similarity_shapes(n: int, t: int, m: int, titles: tuple[str, str], width: int = 640,
                      height: int = 320) -> np.ndarray:
    """The two similarity matrices of token-wise late interaction drawn to scale: n x m before, t x m after
    (one cell per image-token/text-token similarity; both matrices use the same cell size), each under its
    title."""
    font = _font()
    gap, top, margin = 40, font.size + 16, 10
    cw = (width - gap - 2 * margin) / (2 * max(m, 1))
    ch = min(cw * 2, (height - top - margin) / max(n, t, 1))
    canvas = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    for k, (rows, colour, label) in enumerate(((n, (68, 1, 84), titles[0]), (t, (53, 183, 121), titles[1]))):
        x0 = margin + k * (m * cw + gap)
        draw.text((x0, 8), label, fill=(20, 20, 20), font=font)
        draw.rectangle((x0, top, x0 + m * cw, top + rows * ch), fill=colour)
        if min(cw, ch) >= 4:
            for i in range(1, rows):
                draw.line((x0, top + i * ch, x0 + m * cw, top + i * ch), fill=(255, 255, 255))
            for j in range(1, m):
                draw.line((x0 + j * cw, top, x0 + j * cw, top + rows * ch), fill=(255, 255, 255))
    return np.asarray(canvas)


# ---------------------------------------------------------------------------------------- plotly
def stats_figure(rows: list[dict], labels: dict) -> go.Figure:
    """Bars per output token: normalised entropy and coverage (both 0..1). ``labels``: x, y, entropy,
    coverage, title (translated by the page)."""
    tokens = [f"T{r['token']}" for r in rows]
    fig = go.Figure([
        go.Bar(name=labels["entropy"], x=tokens, y=[r["entropy_norm"] for r in rows], marker_color="#440154",
               hovertemplate="%{x}: %{y:.3f}<extra></extra>"),
        go.Bar(name=labels["coverage"], x=tokens, y=[r["coverage"] for r in rows], marker_color="#35b779",
               hovertemplate="%{x}: %{y:.0%}<extra></extra>"),
    ])
    fig.update_layout(barmode="group", title=labels.get("title"), xaxis_title=labels["x"], yaxis_title=labels["y"],
                      yaxis_range=[0, 1.05], legend=dict(orientation="h", y=1.12, x=0), height=360,
                      margin=dict(l=50, r=10, t=60, b=40))
    return fig


def cost_figure(curve: dict, chosen: dict, labels: dict) -> go.Figure:
    """Similarities per image-text pair against the text length M: ``curve`` {"M", "full", "reduced"} (lists
    along M) drawn as two lines, the ``chosen`` M {"M", "full", "reduced"} marked. ``labels``: x, y, full,
    reduced, title."""
    m = chosen["M"]
    fig = go.Figure([
        go.Scatter(x=curve["M"], y=curve["full"], mode="lines", name=labels["full"],
                   line=dict(color="#440154", width=3)),
        go.Scatter(x=curve["M"], y=curve["reduced"], mode="lines", name=labels["reduced"],
                   line=dict(color="#35b779", width=3)),
        go.Scatter(x=[m, m], y=[chosen["full"], chosen["reduced"]], mode="markers+text", showlegend=False,
                   text=[f"{chosen['full']}", f"{chosen['reduced']}"], textposition="middle right",
                   marker=dict(size=10, color=["#440154", "#35b779"])),
    ])
    fig.update_layout(title=labels.get("title"), xaxis_title=labels["x"], yaxis_title=labels["y"], height=360,
                      legend=dict(orientation="h", y=1.12, x=0), margin=dict(l=60, r=10, t=60, b=40))
    return fig


def stats_spec(rows: list[dict], labels: dict) -> dict:
    """:func:`stats_figure` as a Vega-Lite spec for the page: per output token, grouped bars of normalised
    entropy and coverage on one 0..1 axis."""
    measures = [labels["entropy"], labels["coverage"]]
    data = [{"token": f"T{r['token']}", "measure": name, "value": round(float(r[key]), 6)}
            for r in rows for name, key in zip(measures, ("entropy_norm", "coverage"))]
    body = {"data": vega.data("stats"), "mark": {"type": "bar"},
            "encoding": {"x": {"field": "token", "type": "nominal", "sort": None, "title": labels["x"],
                               "axis": {"labelAngle": 0}},
                         "xOffset": {"field": "measure", "type": "nominal", "sort": measures},
                         "y": {"field": "value", "type": "quantitative", "title": labels["y"],
                               "scale": {"domain": [0, 1.05], "nice": False}},
                         "color": {"field": "measure", "type": "nominal", "legend": vega.legend(),
                                   "scale": vega.colour_scale(measures, ["#440154", "#35b779"])},
                         "tooltip": [{"field": "token", "type": "nominal", "title": labels["x"]},
                                     {"field": "measure", "type": "nominal", "title": " "},
                                     {"field": "value", "type": "quantitative", "format": ".3f", "title": labels["y"]}]}}
    return vega.chart(body, {"stats": data}, title=labels.get("title"), height=300)


def cost_spec(curve: dict, chosen: dict, labels: dict) -> dict:
    """:func:`cost_figure` as a Vega-Lite spec for the page. The lines sit in one dataset and the chosen M
    in another, so moving M changes the data only (the browser keeps the chart)."""
    series = [labels["full"], labels["reduced"]]
    lines = [{"M": k, "similarities": v, "series": name}
             for name, key in zip(series, ("full", "reduced")) for k, v in zip(curve["M"], curve[key])]
    marks = [{"M": chosen["M"], "similarities": chosen[key], "series": name, "text": f"{chosen[key]:,}"}
             for name, key in zip(series, ("full", "reduced"))]
    m_lo, m_hi = min(curve["M"]), max(curve["M"])
    x = {"field": "M", "type": "quantitative", "title": labels["x"], "scale": {"domain": [m_lo, m_hi], "padding": 0}}
    y = {"field": "similarities", "type": "quantitative", "title": labels["y"],
         "scale": {"domain": [0, max(curve["full"])], "padding": 0}}
    colour = {"field": "series", "type": "nominal", "legend": vega.legend(),
              "scale": vega.colour_scale(series, ["#440154", "#35b779"])}
    body = {"encoding": {"x": x, "y": y, "color": colour}, "layer": [
        {"data": vega.data("lines"), "mark": {"type": "line", "strokeWidth": 3}},
        {"data": vega.data("chosen"), "mark": {"type": "point", "filled": True, "size": 90},
         "encoding": {"tooltip": [{"field": "series", "type": "nominal", "title": " "},
                                  {"field": "M", "type": "quantitative", "title": labels["x"]},
                                  {"field": "text", "type": "nominal", "title": labels["y"]}]}},
        {"data": vega.data("chosen"), "mark": {"type": "text", "align": "left", "dx": 6, "dy": -10, "fontSize": 14},
         "encoding": {"text": {"field": "text", "type": "nominal"}}}]}
    return vega.chart(body, {"lines": lines, "chosen": marks}, title=labels.get("title"), height=300)


__all__ = ["PALETTE", "upscale", "tile", "maps_grid", "single_map", "assignment_image", "legend_image",
           "similarity_shapes", "stats_figure", "cost_figure", "stats_spec", "cost_spec"]
