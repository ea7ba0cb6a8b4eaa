"""Pictures of T2T-ViT's soft split: the geometry computed by ``vizcore.analysis.t2t`` (windows, coverage counts,
a token's footprint) drawn on the image, and the schedule chart. Arrays and label strings in, RGB images /
Vega-Lite specs / plotly figures out; no analysis, no Streamlit, no model run.

Text drawn into raster images comes in as labels and stays language-neutral (no CJK font is guaranteed on the
server); the charts take translated labels because the browser draws their text.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw
from plotly.subplots import make_subplots

from vizcore.analysis.t2t import FootprintStage, WindowPanel
from vizcore.plots import vega
from vizcore.plots.fonts import TEXT_PX, pil_font
from vizcore.plots.overlay import colorize, compose, draw_grid

#: outline colours of neighbouring windows (Okabe-Ito: orange, sky blue, bluish green, vermillion, blue...)
WINDOW_COLOURS = ((230, 159, 0), (86, 180, 233), (0, 158, 115), (213, 94, 0), (0, 114, 178), (204, 121, 167),
                  (240, 228, 66), (0, 0, 0), (120, 120, 120))
PAD_GREY = (200, 200, 200)


def _font(size: int = TEXT_PX):
    """The shipped font (CJK included) at ``size`` px, never below ``fonts.TEXT_PX``."""
    return pil_font(size)


@lru_cache(maxsize=64)
def _label(text: str, size: int) -> Image.Image:
    """A white, black-outlined label as an RGBA patch (rendered once, pasted many times)."""
    font = _font(size)
    l, t, r, b = font.getbbox(text, stroke_width=1)
    patch = Image.new("RGBA", (r - l + 2, b - t + 2), (0, 0, 0, 0))
    ImageDraw.Draw(patch).text((1 - l, 1 - t), text, fill=(255, 255, 255), font=font, stroke_width=1,
                               stroke_fill=(0, 0, 0))
    return patch


def stamp_numbers(img: Image.Image, values: np.ndarray, cell: int, mask: np.ndarray | None = None) -> Image.Image:
    """Write each integer of ``values`` (h, w) centred in its ``cell``-pixel square of ``img`` (in place)."""
    size = TEXT_PX
    h, w = values.shape
    for r in range(h):
        for c in range(w):
            if mask is None or mask[r, c]:
                patch = _label(str(int(values[r, c])), size)
                img.paste(patch, (int((c + 0.5) * cell - patch.width / 2), int((r + 0.5) * cell - patch.height / 2)),
                          patch)
    return img


def _pair(v) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _resize(img: np.ndarray, hw: tuple[int, int], nearest: bool = False) -> np.ndarray:
    return np.asarray(Image.fromarray(img).resize((hw[1], hw[0]), Image.NEAREST if nearest else Image.BILINEAR))


# ---------------------------------------------------------------------------------------- pictures
def _cells_image(view: np.ndarray, in_hw: tuple[int, int], region: tuple[int, int, int, int], cell: int) -> np.ndarray:
    """The map of ``in_hw`` cells (the image resampled to that grid) inside ``region`` (y0, x0, y1, x1, may reach
    into the padding, drawn grey), each cell ``cell`` pixels."""
    H, W = in_hw
    grid = view if view.shape[:2] == (H, W) else _resize(view, (H, W))
    y0, x0, y1, x1 = region
    out = np.empty((y1 - y0, x1 - x0, 3), dtype=np.uint8)
    out[:] = PAD_GREY
    ya, yb, xa, xb = max(y0, 0), min(y1, H), max(x0, 0), min(x1, W)
    if ya < yb and xa < xb:
        out[ya - y0:yb - y0, xa - x0:xb - x0] = grid[ya:yb, xa:xb]
    return np.kron(out, np.ones((cell, cell, 1), dtype=np.uint8))


def windows_panel(view: np.ndarray, panel: WindowPanel, vmax: int, side: int = 300,
                  cmap: str = "viridis") -> list[np.ndarray]:
    """Four tiles (side x side) for one unfold stage (``vizcore.analysis.t2t.window_panel``) on its map (the
    image for the first split; later splits' maps are drawn as the image resampled to their grid):

    1. the whole map with the zoomed region marked;
    2. the zoom: the panel's group of neighbouring windows outlined in different colours, padding grey;
    3. the same zoom: how many windows cover each position (numbers in the cells when they fit);
    4. the whole map's coverage counts as a heatmap, colours from 0 to ``vmax``."""
    H, W = panel.in_hw
    counts, sel = panel.counts, panel.boxes
    y0, x0, y1, x1 = panel.region
    span = y1 - y0
    cell = max(1, side // span)
    zside = cell * span

    # 1. overview
    base = _resize(view, (side, side))
    if side / max(H, W) >= 6:
        base = draw_grid(base, (H, W), color=(235, 235, 235))
    over = Image.fromarray(base)
    d = ImageDraw.Draw(over)
    sy, sx = side / H, side / W
    d.rectangle((max(0, x0) * sx, max(0, y0) * sy, min(W, x1) * sx - 1, min(H, y1) * sy - 1), outline=(255, 40, 40),
                width=2)
    t1 = np.asarray(over)

    # 2. zoom with windows
    zoom = _cells_image(view, (H, W), (y0, x0, y1, x1), cell)
    layer = Image.new("RGBA", (zside, zside), (0, 0, 0, 0))
    ld = ImageDraw.Draw(layer)
    for i, (yy0, xx0, yy1, xx1) in enumerate(sel):
        colour = WINDOW_COLOURS[i % len(WINDOW_COLOURS)]
        ld.rectangle(((xx0 - x0) * cell, (yy0 - y0) * cell, (xx1 - x0) * cell - 1, (yy1 - y0) * cell - 1),
                     fill=(*colour, 40))
    zimg = Image.alpha_composite(Image.fromarray(zoom).convert("RGBA"), layer).convert("RGB")
    zd = ImageDraw.Draw(zimg)
    if cell >= 10:
        for i in range(1, span):
            zd.line((0, i * cell, zside, i * cell), fill=(255, 255, 255))
            zd.line((i * cell, 0, i * cell, zside), fill=(255, 255, 255))
    for i, (yy0, xx0, yy1, xx1) in enumerate(sel):
        colour = WINDOW_COLOURS[i % len(WINDOW_COLOURS)]
        inset = (i % 3)  # nested outlines stay visible where windows share an edge
        zd.rectangle(((xx0 - x0) * cell + inset, (yy0 - y0) * cell + inset, (xx1 - x0) * cell - 1 - inset,
                      (yy1 - y0) * cell - 1 - inset), outline=colour, width=2)
    t2 = _pad_to(np.asarray(zimg), side)

    # 3. zoomed counts
    zc = np.zeros((span, span))
    ya, yb, xa, xb = max(y0, 0), min(y1, H), max(x0, 0), min(x1, W)
    zc[ya - y0:yb - y0, xa - x0:xb - x0] = counts[ya:yb, xa:xb]
    inside = np.zeros((span, span), dtype=bool)
    inside[ya - y0:yb - y0, xa - x0:xb - x0] = True
    crgb = colorize(zc, cmap, 0, vmax)
    crgb[~inside] = PAD_GREY
    cimg = Image.fromarray(np.kron(crgb, np.ones((cell, cell, 1), dtype=np.uint8)))
    if cell >= TEXT_PX + 8:  # numbers only where a readable one fits; the colours and the colour bar say it too
        stamp_numbers(cimg, zc, cell, inside)
    t3 = _pad_to(np.asarray(cimg), side)

    # 4. whole-map counts
    t4 = _resize(colorize(counts, cmap, 0, vmax), (side, side), nearest=True)
    return [t1, t2, t3, t4]


def _pad_to(img: np.ndarray, side: int) -> np.ndarray:
    out = np.full((side, side, 3), 255, dtype=np.uint8)
    h, w = min(side, img.shape[0]), min(side, img.shape[1])
    out[:h, :w] = img[:h, :w]
    return out


def windows_figure(view: np.ndarray, soft: WindowPanel, hard: WindowPanel, vmax: int, labels: Sequence[str],
                   cmap: str = "viridis", side: int = 200) -> np.ndarray:
    """A soft split's panel (row 1) beside ViT's hard split's (row 2) as ONE image on one colour scale
    (0..``vmax``); ``labels``: the eight tiles' captions, row by row."""
    tiles = windows_panel(view, soft, vmax, side, cmap) + windows_panel(view, hard, vmax, side, cmap)
    return compose(tiles, ncols=4, labels=list(labels))


def footprint_figure(view: np.ndarray, stages: Sequence[FootprintStage], final_grid, token_rc, hard_box,
                     labels: Sequence[str], cmap: str = "viridis", side: int = 160) -> np.ndarray:
    """A final token's footprint (``vizcore.analysis.t2t.footprint_chain``: last split first) as one row of
    tiles: the final grid with the token ``token_rc`` (row, col); on the input map of each split, the token's
    path counts (scaled to max 1) with its receptive box outlined; last, the one patch ``hard_box`` of ViT's
    hard split on the image. ``labels``: one caption per tile."""
    fh, fw = _pair(final_grid)
    img_hw = stages[-1].map_hw
    base = _resize(view, (side, side))
    r, c = token_rc
    if side / max(fh, fw) >= 4:
        t0 = draw_grid(base, (fh, fw), color=(235, 235, 235), highlight=r * fw + c)
    else:
        t0 = _box(base, (r, c, r + 1, c + 1), (fh, fw), (255, 40, 40))
    tiles = [t0]
    for st in stages:
        tile = _heat_on(base, st.weights, cmap)
        if side / max(st.map_hw) >= 6:
            tile = draw_grid(tile, st.map_hw, color=(235, 235, 235))
        tiles.append(_box(tile, st.box, st.map_hw, (255, 40, 40)))
    hmap = np.zeros(img_hw)
    hmap[hard_box[0]:hard_box[2], hard_box[1]:hard_box[3]] = 1.0
    tiles.append(_box(_heat_on(base, hmap, cmap), hard_box, img_hw, (255, 40, 40)))
    return compose(tiles, ncols=len(tiles), labels=list(labels))


def _heat_on(base: np.ndarray, values: np.ndarray, cmap: str) -> np.ndarray:
    """Colour the positions where ``values`` (in [0, 1]) > 0 over the image; fade the rest towards white."""
    side = base.shape[:2]
    heat = _resize(colorize(values, cmap, 0.0, 1.0), side, nearest=True).astype(np.float32)
    on = _resize(((values > 0) * 255).astype(np.uint8), side, nearest=True)[..., None] > 127
    faded = 0.55 * base.astype(np.float32) + 0.45 * 255
    return np.where(on, 0.25 * base + 0.75 * heat, faded).round().clip(0, 255).astype(np.uint8)


def _box(img: np.ndarray, box, hw, colour) -> np.ndarray:
    """Outline a half-open (y0, x0, y1, x1) box given in ``hw`` map coordinates on an image."""
    H, W = img.shape[:2]
    pil = Image.fromarray(img)
    d = ImageDraw.Draw(pil)
    y0, x0, y1, x1 = box
    d.rectangle((x0 * W / hw[1], y0 * H / hw[0], x1 * W / hw[1] - 1, y1 * H / hw[0] - 1), outline=colour, width=2)
    return np.asarray(pil)


def token_picker(view: np.ndarray, grid, token: int, min_side: int = 420) -> np.ndarray:
    """The (enlarged) image with the final token grid and the chosen token outlined: the click target."""
    h, w = view.shape[:2]
    f = max(1, -(-min_side // min(h, w)))
    big = np.asarray(Image.fromarray(view).resize((w * f, h * f), Image.BILINEAR)) if f > 1 else view
    return draw_grid(big, _pair(grid), color=(240, 240, 240), highlight=int(token), width=1)


def norm_maps(view: np.ndarray, norms: Sequence[np.ndarray], labels: Sequence[str], cmap: str = "viridis",
              side: int = 240) -> np.ndarray:
    """The token modules' outputs (channel L2 norm per token, (h, w) each, coloured min-max per map) beside
    the image; ``labels``: the image's caption, then one per map."""
    tiles = [_resize(view, (side, side))]
    tiles += [_resize(colorize(np.asarray(n, dtype=np.float64), cmap), (side, side), nearest=True) for n in norms]
    return compose(tiles, ncols=len(tiles), labels=list(labels))


# ---------------------------------------------------------------------------------------- plotly
def schedule_figure(soft: Sequence[dict], hard: dict, labels: dict) -> go.Figure:
    """Tokens (log scale) and token width per stage: the soft splits vs ViT's hard split.
    ``labels``: tokens, dims, stage, soft, hard, title."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12)
    xs = [f"{i + 1}: k{r['kernel']} s{r['stride']} p{r['padding']}" for i, r in enumerate(soft)]
    fig.add_trace(go.Bar(x=xs, y=[r["tokens"] for r in soft], name=labels["soft"], marker_color="#3b528b",
                         text=[f"{r['tokens']:,}" for r in soft], textposition="outside", legendgroup="soft"), 1, 1)
    fig.add_trace(go.Bar(x=xs, y=[r["token_dim"] for r in soft], name=labels["soft"], marker_color="#3b528b",
                         text=[f"{r['token_dim']:,}" for r in soft], textposition="outside", showlegend=False,
                         legendgroup="soft"), 1, 2)
    hx = [f"ViT k{hard['kernel']} s{hard['stride']}"]
    fig.add_trace(go.Bar(x=hx, y=[hard["tokens"]], name=labels["hard"], marker_color="#5ec962",
                         text=[f"{hard['tokens']:,}"], textposition="outside", legendgroup="hard"), 1, 1)
    fig.add_trace(go.Bar(x=hx, y=[hard["token_dim"]], name=labels["hard"], marker_color="#5ec962",
                         text=[f"{hard['token_dim']:,}"], textposition="outside", showlegend=False,
                         legendgroup="hard"), 1, 2)
    top = max([r["tokens"] for r in soft] + [hard["tokens"]])
    fig.update_yaxes(type="log", title_text=labels["tokens"], range=[0, np.log10(top) + 0.35], row=1, col=1)
    fig.update_yaxes(title_text=labels["dims"], row=1, col=2)
    fig.update_xaxes(title_text=labels["stage"])
    fig.update_layout(title=labels.get("title"), height=380, legend=dict(orientation="h", y=1.12, x=0),
                      margin=dict(l=60, r=10, t=80, b=50))
    return fig


def schedule_spec(soft: Sequence[dict], hard: dict, labels: dict) -> dict:
    """:func:`schedule_figure` as a Vega-Lite spec for the page: two bar panels (tokens on a log axis,
    token width), the soft splits beside ViT's hard split, each bar labelled with its value."""
    rows = [{"stage": f"{i + 1}: k{r['kernel']} s{r['stride']} p{r['padding']}", "kind": labels["soft"],
             "tokens": int(r["tokens"]), "dims": int(r["token_dim"])} for i, r in enumerate(soft)]
    rows.append({"stage": f"ViT k{hard['kernel']} s{hard['stride']}", "kind": labels["hard"],
                 "tokens": int(hard["tokens"]), "dims": int(hard["token_dim"])})
    colour = {"field": "kind", "type": "nominal", "legend": vega.legend(),
              "scale": vega.colour_scale([labels["soft"], labels["hard"]], ["#3b528b", "#5ec962"])}
    x = {"field": "stage", "type": "nominal", "sort": None, "title": labels["stage"], "axis": {"labelAngle": 0}}

    def panel(field: str, title: str, log: bool) -> dict:
        top = max(r[field] for r in rows)
        # a log axis has no zero: its bars rise from 1, and the domain leaves room above for the labels
        scale = {"type": "log", "domain": [1, top * 4], "nice": False} if log else {"domain": [0, top * 1.12]}
        y = {"field": field, "type": "quantitative", "title": title, "scale": scale}
        if log:  # ticks at the powers of ten
            y["axis"] = {"values": [10 ** k for k in range(len(str(int(top * 4))))], "format": ","}
        bar = {"color": colour, "tooltip": [{"field": "stage", "type": "nominal", "title": labels["stage"]},
                                            {"field": field, "type": "quantitative", "format": ",", "title": title}]}
        if log:
            bar["y2"] = {"datum": 1}
        return {"data": vega.data("stages"), "width": 280, "height": 300, "encoding": {"x": x, "y": y},
                "layer": [{"mark": {"type": "bar"}, "encoding": bar},
                          {"mark": {"type": "text", "dy": -8, "fontSize": 14},
                           "encoding": {"text": {"field": field, "type": "quantitative", "format": ","}}}]}

    body = {"hconcat": [panel("tokens", labels["tokens"], True), panel("dims", labels["dims"], False)]}
    return vega.chart(body, {"stages": rows}, title=labels.get("title"))


__all__ = ["windows_panel", "windows_figure", "footprint_figure", "stamp_numbers", "token_picker", "norm_maps",
           "schedule_figure", "schedule_spec"]
