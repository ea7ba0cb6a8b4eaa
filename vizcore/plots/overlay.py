"""Pure functions: arrays -> RGB images. Many small maps are composed into one image (fast to send to
a browser) rather than drawn as dozens of charts."""
from __future__ import annotations

import io
from functools import lru_cache
from typing import Sequence

import numpy as np
from matplotlib import colormaps
from PIL import Image, ImageDraw

from vizcore.plots.fonts import TEXT_PX, pil_font, points, use_in_matplotlib

#: colour-blind-friendly defaults (perceptually uniform)
COLORMAPS = ("viridis", "cividis", "magma", "inferno", "plasma")


def colorize(values: np.ndarray, cmap: str = "viridis", vmin: float | None = None,
             vmax: float | None = None) -> np.ndarray:
    """(h, w) floats -> (h, w, 3) uint8 through a matplotlib colour map (min-max unless given)."""
    v = np.asarray(values, dtype=np.float64)
    lo = float(np.nanmin(v)) if vmin is None else vmin
    hi = float(np.nanmax(v)) if vmax is None else vmax
    scaled = np.nan_to_num(np.clip((v - lo) / max(hi - lo, 1e-12), 0.0, 1.0), nan=0.0)
    lut = _lut(cmap)
    # the colour map's own binning (matplotlib: index = int(x * N), x == 1 -> N - 1), without building
    # a colormap object per call: ``colormaps[name]`` returns a fresh copy that re-initialises each time
    index = np.minimum((scaled * len(lut)).astype(np.intp), len(lut) - 1)
    return lut[index]


@lru_cache(maxsize=None)
def _lut(cmap: str) -> np.ndarray:
    """(N, 3) uint8 colours of a matplotlib colour map (read-only)."""
    cm = colormaps[cmap]
    lut = (cm(np.arange(cm.N))[:, :3] * 255).round().astype(np.uint8)
    lut.setflags(write=False)
    return lut


def resize_map(values: np.ndarray, size_hw: tuple[int, int], smooth: bool = False) -> np.ndarray:
    """(h, w) floats -> (H, W) floats, nearest (token cells stay crisp) or bilinear."""
    img = Image.fromarray(np.asarray(values, dtype=np.float32), mode="F")
    resample = Image.BILINEAR if smooth else Image.NEAREST
    return np.asarray(img.resize((size_hw[1], size_hw[0]), resample), dtype=np.float32)


def overlay(image: np.ndarray, values: np.ndarray, alpha: float = 0.6, cmap: str = "viridis",
            vmin: float | None = 0.0, vmax: float | None = 1.0, smooth: bool = False) -> np.ndarray:
    """Blend a token map (h, w) over an RGB image (H, W, 3) uint8 -> (H, W, 3) uint8."""
    H, W = image.shape[:2]
    heat = colorize(resize_map(values, (H, W), smooth), cmap, vmin, vmax).astype(np.float32)
    out = (1 - alpha) * image.astype(np.float32) + alpha * heat
    return out.round().clip(0, 255).astype(np.uint8)


def fade(image: np.ndarray, keep_mask: np.ndarray, towards: int = 255, strength: float = 0.8) -> np.ndarray:
    """Blend the patches where ``keep_mask`` (h, w) is False towards white (or ``towards``)."""
    H, W = image.shape[:2]
    dropped = resize_map((~keep_mask.astype(bool)).astype(np.float32), (H, W)) > 0.5
    return np.where(dropped[..., None], _fade_lut(float(strength), int(towards))[image], image)


@lru_cache(maxsize=16)
def _fade_lut(strength: float, towards: int) -> np.ndarray:
    """uint8 value -> its faded value, (1 - strength) * v + strength * towards, rounded (a table look-up
    is several times faster than blending every pixel in floats)."""
    lut = ((1 - strength) * np.arange(256, dtype=np.float32) + strength * towards).round().astype(np.uint8)
    lut.setflags(write=False)
    return lut


def draw_grid(image: np.ndarray, grid: tuple[int, int], color=(255, 255, 255), width: int = 1,
              highlight: int | None = None, highlight_color=(255, 60, 60)) -> np.ndarray:
    """Draw the patch grid lines (and one highlighted cell, row-major index) on a copy of the image."""
    H, W = image.shape[:2]
    h, w = grid
    img = Image.fromarray(image.copy())
    draw = ImageDraw.Draw(img)
    for i in range(1, h):
        y = round(i * H / h)
        draw.line([(0, y), (W, y)], fill=color, width=width)
    for j in range(1, w):
        x = round(j * W / w)
        draw.line([(x, 0), (x, H)], fill=color, width=width)
    if highlight is not None:
        r, c = divmod(int(highlight), w)
        box = (round(c * W / w), round(r * H / h), round((c + 1) * W / w) - 1, round((r + 1) * H / h) - 1)
        draw.rectangle(box, outline=highlight_color, width=max(2, width + 1))
    return np.asarray(img)


def wrap_text(text: str, font, width: int, max_lines: int = 2) -> list[str]:
    """``text`` broken into at most ``max_lines`` lines no wider than ``width`` px in ``font`` (at spaces, or
    between any two characters of a word without spaces, as Chinese is written)."""
    text = str(text)
    if font.getlength(text) <= width:
        return [text]
    lines, line = [], ""
    units = text.split(" ") if " " in text else list(text)
    joiner = " " if " " in text else ""
    for unit in units:
        candidate = f"{line}{joiner}{unit}" if line else unit
        if font.getlength(candidate) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = unit
    lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines - 1] + [joiner.join(lines[max_lines - 1:])]
    return lines


def text_height(px: int = TEXT_PX) -> int:
    """The height of one line of ``px`` text with its spacing."""
    return round(px * 1.3)


def compose(tiles: Sequence[np.ndarray], ncols: int, pad: int = 4, labels: Sequence[str] | None = None,
            row_labels: Sequence[str] | None = None, col_labels: Sequence[str] | None = None,
            background: int = 255, text_px: int = TEXT_PX) -> np.ndarray:
    """Lay equally sized tiles (H, W, 3) out in a grid with optional captions -> one RGB image. Captions are
    drawn with the shipped font at ``text_px`` (at least ``fonts.TEXT_PX``), wrapped to two lines when a
    tile is narrower than its caption."""
    if not tiles:
        raise ValueError("nothing to compose")
    th, tw = tiles[0].shape[:2]
    nrows = -(-len(tiles) // ncols)
    font = pil_font(text_px)
    line = text_height(font.size)
    wrapped = [wrap_text(text, font, tw) for text in labels] if labels else []
    cap = line * max(len(w) for w in wrapped) + 2 if labels else 0
    left = (max(round(font.getlength(str(t))) for t in row_labels[:nrows]) + 8) if row_labels else 0
    top = line if col_labels else 0
    H = top + nrows * (th + cap + pad) + pad
    W = left + ncols * (tw + pad) + pad
    canvas = Image.new("RGB", (W, H), (background,) * 3)
    draw = ImageDraw.Draw(canvas)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, ncols)
        x = left + pad + c * (tw + pad)
        y = top + pad + r * (th + cap + pad)
        canvas.paste(Image.fromarray(tile), (x, y + cap))
        if labels:
            for k, text in enumerate(wrapped[i]):
                draw.text((x, y + k * line), text, fill=(20, 20, 20), font=font)
    if row_labels:
        for r, text in enumerate(row_labels[:nrows]):
            draw.text((2, top + pad + r * (th + cap + pad) + cap + th // 2), str(text), fill=(20, 20, 20), font=font,
                      anchor="lm")
    if col_labels:
        for c, text in enumerate(col_labels[:ncols]):
            draw.text((left + pad + c * (tw + pad) + tw // 2, 0), str(text), fill=(20, 20, 20), font=font, anchor="mt")
    return np.asarray(canvas)


@lru_cache(maxsize=64)
def colorbar(cmap: str = "viridis", vmin: float = 0.0, vmax: float = 1.0, label: str = "",
             width: int = 320, text_px: int = TEXT_PX) -> np.ndarray:
    """A horizontal colour bar with end values and a label below it (the shipped font at ``text_px``), as an
    RGB image (shared and read-only)."""
    font = pil_font(text_px)
    left, right = f"{vmin:.3g}", f"{vmax:.3g}"
    # the label sits between the end values; a long one widens the bar's picture, never overlaps them
    width = max(width, round(font.getlength(left) + font.getlength(right) + font.getlength(label)) + 24)
    bar = colorize(np.tile(np.linspace(0, 1, width), (14, 1)), cmap, 0.0, 1.0)
    canvas = Image.new("RGB", (width, 18 + text_height(font.size)), (255, 255, 255))
    canvas.paste(Image.fromarray(bar), (0, 0))
    draw = ImageDraw.Draw(canvas)
    draw.text((0, 17), left, fill=(20, 20, 20), font=font)
    draw.text((width, 17), right, fill=(20, 20, 20), font=font, anchor="ra")
    if label:
        draw.text((width // 2, 17), label, fill=(20, 20, 20), font=font, anchor="ma")
    out = np.asarray(canvas)
    out.setflags(write=False)
    return out


def with_colorbar(image: np.ndarray, bar: np.ndarray, gap: int = 8, background: int = 255) -> np.ndarray:
    """``image`` (H, W, 3) with ``bar`` (h, w, 3, a :func:`colorbar`) below it, left-aligned: one picture
    for the page (one element fewer for the browser to update), read-only."""
    H, W = image.shape[:2]
    h, w = bar.shape[:2]
    out = np.full((H + gap + h, max(W, w), 3), background, np.uint8)
    out[:H, :W] = image
    out[H + gap:, :w] = bar
    out.setflags(write=False)
    return out


def enlarge(image: np.ndarray, factor: int) -> np.ndarray:
    """Integer nearest-neighbour upscaling (H, W, 3) -> (H*f, W*f, 3), crisp pixels for small views."""
    return image if factor <= 1 else np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def static_figure(width_px: int, height_px: int, margins: tuple[int, int, int, int] = (64, 16, 14, 48),
                  dpi: int = 100, wspace: float = 0.22):
    """A matplotlib Figure (object API: thread-safe, no pyplot state) of the given pixel size, with fixed
    margins in pixels (left, right, top, bottom): a third faster to draw than a constrained layout."""
    from matplotlib.figure import Figure  # deferred (about 0.35 s): the app imports this module at start-up
    use_in_matplotlib()
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    left, right, top, bottom = margins
    fig.subplots_adjust(left=left / width_px, right=1 - right / width_px, top=1 - top / height_px,
                        bottom=bottom / height_px, wspace=wspace)
    return fig


def figure_image(fig) -> np.ndarray:
    """Render a matplotlib Figure -> (H, W, 3) uint8 RGB (read-only). Charts that move with a slider are
    drawn here rather than as plotly charts: an image swaps in the browser at once, and a page without
    plotly does not load and parse its 4.7 MB script."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # deferred (about 0.1 s): as static_figure's
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    out = np.ascontiguousarray(np.asarray(canvas.buffer_rgba())[..., :3])
    out.setflags(write=False)
    return out


def to_png(image: np.ndarray) -> bytes:
    """RGB uint8 array -> PNG bytes (for download buttons)."""
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return buf.getvalue()
