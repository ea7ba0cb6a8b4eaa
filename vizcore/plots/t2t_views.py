"""Pictures and numbers for T2T-ViT's soft split: the pure geometry of ``vizcore.analysis.unfold`` drawn on the
image. Arrays in, RGB images / plotly figures / rows out; no Streamlit, no model run.

Text drawn into images stays language-neutral (k/s/p, sizes, numbers); the page translates the rest.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw, ImageFont
from plotly.subplots import make_subplots

from vizcore.geometry.unfold import (footprint_weights, overlap_count, receptive_box, soft_split_schedule,
                                     unfold_output_size, window_boxes)
from vizcore.plots import vega
from vizcore.plots.overlay import colorize, compose, draw_grid

Stage = tuple[int, int, int]
#: outline colours of neighbouring windows (Okabe-Ito: orange, sky blue, bluish green, vermillion, blue...)
WINDOW_COLOURS = ((230, 159, 0), (86, 180, 233), (0, 158, 115), (213, 94, 0), (0, 114, 178), (204, 121, 167),
                  (240, 228, 66), (0, 0, 0), (120, 120, 120))
PAD_GREY = (200, 200, 200)


def _font(size: int = 12):
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


@lru_cache(maxsize=64)
def _counts(hw: tuple[int, int], k: int, s: int, p: int) -> np.ndarray:
    """Read-only cached ``overlap_count`` as numpy (the same few geometries are drawn again and again)."""
    out = overlap_count(hw, k, s, p).numpy()
    out.setflags(write=False)
    return out


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
    size = max(8, min(14, cell // 2))
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


# ---------------------------------------------------------------------------------------- checks and numbers
def check_stages(img_size, stages: Sequence[Stage], in_chans: int = 3, token_dim: int = 64) -> tuple[
        list[dict] | None, list[tuple[str, dict]], list[tuple[str, dict]]]:
    """Validate soft-split settings on an image: (schedule or None, errors, warnings). The schedule's token
    widths use ``in_chans`` for the first split and the token modules' ``token_dim`` after it.

    Errors and warnings are ``(code, fields)`` so the caller can phrase them: ``fit`` (the window does not fit
    the map, even with padding), ``bad`` (kernel or stride below 1, negative padding); warnings ``gap`` (stride
    larger than the kernel: some positions are in no window), ``pad`` (padding >= kernel: some windows hold
    only zeros), ``big`` (more than 20 000 tokens at a stage)."""
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
        if hw[0] * hw[1] > 20000:
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
    model's own schedule (``trace.extras["soft_split"]``)."""
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


def _block(out_hw: tuple[int, int], where: str, block: int) -> tuple[int, int, int]:
    """Top-left output token (row, col) of a ``block`` x ``block`` group at the centre or the top-left corner."""
    oh, ow = out_hw
    b = max(1, min(block, oh, ow))
    if where == "corner":
        return 0, 0, b
    return max(0, (oh - b) // 2), max(0, (ow - b) // 2), b


def windows_panel(view: np.ndarray, in_hw, stage: Stage, where: str = "centre", block: int = 3, side: int = 300,
                  cmap: str = "viridis", vmax: int | None = None,
                  label: str = "") -> tuple[list[np.ndarray], list[str], dict]:
    """Four tiles (side x side) for one unfold stage on a map of ``in_hw`` (the image for the first split; later
    splits' maps are drawn as the image resampled to their grid):

    1. the whole map with the zoomed region marked;
    2. the zoom: ``block`` x ``block`` neighbouring windows outlined in different colours, padding grey;
    3. the same zoom: how many windows cover each position (numbers in the cells when they fit);
    4. the whole map's coverage counts as a heatmap.
    Returns (tiles, labels, info) — info holds the counts (H, W), the zoom region and the count histogram."""
    H, W = _pair(in_hw)
    k, s, p = stage
    out_hw = unfold_output_size((H, W), k, s, p)
    counts = _counts((H, W), k, s, p)
    vmax = vmax or int(counts.max())
    r0, c0, b = _block(out_hw, where, block)
    boxes = window_boxes((H, W), k, s, p, clip=False).numpy()
    picked = [(r, c) for r in range(r0, r0 + b) for c in range(c0, c0 + b)]
    sel = np.array([boxes[r * out_hw[1] + c] for r, c in picked])
    y0, x0 = int(sel[:, 0].min()) - 1, int(sel[:, 1].min()) - 1
    y1, x1 = int(sel[:, 2].max()) + 1, int(sel[:, 3].max()) + 1
    span = max(y1 - y0, x1 - x0)
    y1, x1 = y0 + span, x0 + span  # square zoom
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
    if cell >= 14:
        stamp_numbers(cimg, zc, cell, inside)
    t3 = _pad_to(np.asarray(cimg), side)

    # 4. whole-map counts
    t4 = _resize(colorize(counts, cmap, 0, vmax), (side, side), nearest=True)

    values, freq = np.unique(counts, return_counts=True)
    info = {"counts": counts, "region": (y0, x0, y1, x1), "out_hw": out_hw, "block": (r0, c0, b),
            "histogram": {int(v): int(f) for v, f in zip(values, freq)}, "vmax": vmax}
    name = label or f"k{k} s{s} p{p}"
    labels = [f"{name}: {H}x{W} -> {out_hw[0]}x{out_hw[1]}", f"zoom: {b}x{b} windows", "windows per position",
              f"windows per position ({H}x{W})"]
    return [t1, t2, t3, t4], labels, info


def _pad_to(img: np.ndarray, side: int) -> np.ndarray:
    out = np.full((side, side, 3), 255, dtype=np.uint8)
    h, w = min(side, img.shape[0]), min(side, img.shape[1])
    out[:h, :w] = img[:h, :w]
    return out


def windows_figure(view: np.ndarray, img_size, stages: Sequence[Stage], stage: int, hard: Stage,
                   where: str = "centre", cmap: str = "viridis", side: int = 300) -> tuple[np.ndarray, dict]:
    """Soft split ``stage`` (row 1) beside ViT's hard split (row 2) as ONE image; one colour scale for both.
    Returns (image, info with ``soft`` and ``hard`` panels' numbers and ``vmax``)."""
    sched = soft_split_schedule(_pair(img_size), stages)
    in_hw = sched[stage]["in_hw"]
    k, s, p = stages[stage]
    vmax = max(int(_counts(tuple(in_hw), k, s, p).max()), 1)
    soft_tiles, soft_labels, soft_info = windows_panel(view, in_hw, (k, s, p), where, side=side, cmap=cmap,
                                                       vmax=vmax, label=f"split {stage + 1} k{k} s{s} p{p}")
    hard_tiles, hard_labels, hard_info = windows_panel(view, _pair(img_size), hard, where, side=side, cmap=cmap,
                                                       vmax=vmax, label=f"ViT k{hard[0]} s{hard[1]} p0")
    img = compose(soft_tiles + hard_tiles, ncols=4, labels=soft_labels + hard_labels)
    return img, {"soft": soft_info, "hard": hard_info, "vmax": vmax}


def footprint_figure(view: np.ndarray, img_size, stages: Sequence[Stage], token: int, hard: Stage,
                     cmap: str = "viridis", side: int = 260) -> tuple[np.ndarray, dict]:
    """A final token's footprint through every soft split, from the last grid back to the image, beside the
    one patch a ViT token comes from. Tile j shows, on the input map of split j, how many unfold paths lead
    from the token to each position (scaled to the tile's max), with the receptive box outlined.
    Returns (image, info with per-stage boxes, path-count maxima and the image-level box)."""
    img_hw = _pair(img_size)
    sched = soft_split_schedule(img_hw, stages)
    grids = [st["in_hw"] for st in sched] + [sched[-1]["out_hw"]]
    fh, fw = grids[-1]
    r, c = divmod(int(token), fw)
    base = _resize(view, (side, side))
    tiles, labels, stages_info = [], [], []
    # final grid with the token
    t0 = draw_grid(base, (fh, fw), color=(235, 235, 235), highlight=r * fw + c) if side / max(fh, fw) >= 4 else base
    if side / max(fh, fw) < 4:
        t0 = _box(t0, (r, c, r + 1, c + 1), (fh, fw), (255, 40, 40))
    tiles.append(t0)
    labels.append(f"token ({r},{c}) of {fh}x{fw}")
    for j in range(len(stages) - 1, -1, -1):
        hw = grids[j]
        weights = footprint_weights(hw, (r, c), stages[j:]).numpy()
        box = receptive_box(hw, (r, c), stages[j:])
        peak = float(weights.max()) or 1.0
        tile = _heat_on(base, weights / peak, cmap)
        if side / max(hw) >= 6:
            tile = draw_grid(tile, hw, color=(235, 235, 235))
        tiles.append(_box(tile, box, hw, (255, 40, 40)))
        name = "image" if j == 0 else f"grid {j}"
        labels.append(f"{name} {hw[0]}x{hw[1]}: box {box[2] - box[0]}x{box[3] - box[1]}")
        stages_info.append({"split": j + 1, "map_hw": hw, "box": box, "box_hw": (box[2] - box[0], box[3] - box[1]),
                            "max_paths": peak, "positions": int((weights > 0).sum())})
    # ViT hard split: exactly one patch
    hk = hard[0]
    hb = (r * hk, c * hk, min(img_hw[0], (r + 1) * hk), min(img_hw[1], (c + 1) * hk))
    hmap = np.zeros(img_hw)
    hmap[hb[0]:hb[2], hb[1]:hb[3]] = 1.0
    tile = _heat_on(base, hmap, cmap)
    tiles.append(_box(tile, hb, img_hw, (255, 40, 40)))
    labels.append(f"ViT: one {hk}x{hk} patch")
    info = {"token": (r, c), "final_grid": (fh, fw), "stages": stages_info, "image_box": stages_info[-1]["box"],
            "hard_box": hb}
    return compose(tiles, ncols=len(tiles), labels=labels), info


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


def norm_maps(view: np.ndarray, norms: Sequence[np.ndarray], names: Sequence[str], cmap: str = "viridis",
              side: int = 260) -> np.ndarray:
    """The token modules' outputs (channel L2 norm per token, reshaped to their grids) beside the image."""
    tiles = [_resize(view, (side, side))]
    labels = ["input"]
    for n, name in zip(norms, names):
        n = np.asarray(n, dtype=np.float64)
        tiles.append(_resize(colorize(n, cmap), (side, side), nearest=True))
        labels.append(f"{name} {n.shape[0]}x{n.shape[1]}")
    return compose(tiles, ncols=len(tiles), labels=labels)


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
                          {"mark": {"type": "text", "dy": -7, "fontSize": 11},
                           "encoding": {"text": {"field": field, "type": "quantitative", "format": ","}}}]}

    body = {"hconcat": [panel("tokens", labels["tokens"], True), panel("dims", labels["dims"], False)]}
    return vega.chart(body, {"stages": rows}, title=labels.get("title"))

__all__ = ["check_stages", "formula_text", "hard_split", "model_shapes", "windows_panel", "windows_figure",
           "footprint_figure", "stamp_numbers", "token_picker", "norm_maps", "schedule_figure", "schedule_spec"]
