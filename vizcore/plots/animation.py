"""Animations: frames (RGB arrays) in, an animated GIF or a small offline HTML player out, plus the frames of
the T2T window sliding over its map. Draw only: no analysis, no Streamlit.

Frame labels drawn into the pictures are language-neutral (no CJK font is guaranteed for raster text); the
player shows the translated captions as HTML under the picture."""
from __future__ import annotations

import base64
import html
import io
import json
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from vizcore.plots.overlay import to_png

#: how long a frame stays by default (milliseconds)
FRAME_MS = 700
#: the player's narrowest width (pixels) and the height of its controls and caption under the frame
PLAYER_MIN_WIDTH, PLAYER_CONTROLS_HEIGHT = 480, 96
#: the window and token colours of the sliding-window frames (Okabe-Ito vermillion, sky blue), padding grey
CURRENT, VISITED, PAD_GREY = (213, 94, 0), (86, 180, 233), (200, 200, 200)


def labelled(image: np.ndarray, text: str, band: int = 16) -> np.ndarray:
    """``image`` (H, W, 3) with a white band on top holding ``text`` (ASCII; drawn into the picture)."""
    H, W = image.shape[:2]
    canvas = Image.new("RGB", (W, H + band), (255, 255, 255))
    canvas.paste(Image.fromarray(np.ascontiguousarray(image)), (0, band))
    ImageDraw.Draw(canvas).text((4, 2), text, fill=(20, 20, 20), font=ImageFont.load_default())
    return np.asarray(canvas)


def same_size(frames: Sequence[np.ndarray], background: int = 255) -> list[np.ndarray]:
    """Frames (H_i, W_i, 3) padded at the bottom and right to the largest (a GIF's frames share one size)."""
    H = max(f.shape[0] for f in frames)
    W = max(f.shape[1] for f in frames)
    out = []
    for f in frames:
        if f.shape[:2] == (H, W):
            out.append(f)
            continue
        pad = np.full((H, W, 3), background, np.uint8)
        pad[:f.shape[0], :f.shape[1]] = f
        out.append(pad)
    return out


def to_gif(frames: Sequence[np.ndarray], ms: int = FRAME_MS, loop: int = 0) -> bytes:
    """RGB frames (H, W, 3) uint8, all one size -> animated GIF bytes, ``ms`` per frame, looping (0: for ever).
    Pillow folds a frame identical to the one before into it: give each frame its own label (a GIF that
    animates L layers then has L frames)."""
    if not len(frames):
        raise ValueError("an animation needs at least one frame")
    images = [Image.fromarray(np.ascontiguousarray(f)) for f in frames]
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=int(ms), loop=loop)
    return buf.getvalue()


def player_html(frames: Sequence[np.ndarray], captions: Sequence[str], labels: dict, ms: int = FRAME_MS,
                autoplay: bool = True) -> str:
    """A self-contained HTML player (no server round trip per frame, nothing fetched): the frames as PNG data
    URLs, play / pause, step back and forward, a position slider, a speed choice and the frame's caption.

    labels: the translated words {"play", "pause", "previous", "next", "speed", "frame"}."""
    if len(frames) != len(captions):
        raise ValueError(f"{len(frames)} frames but {len(captions)} captions")
    urls = ["data:image/png;base64," + base64.b64encode(to_png(np.ascontiguousarray(f))).decode() for f in frames]
    word = {k: html.escape(str(v)) for k, v in labels.items()}
    data = json.dumps({"frames": urls, "captions": list(captions), "ms": int(ms), "autoplay": bool(autoplay),
                       "play": labels["play"], "pause": labels["pause"]})
    speeds = "".join(f'<option value="{s}"{" selected" if s == 1 else ""}>{s}×</option>' for s in (0.25, 0.5, 1, 2, 4))
    width = max(max(f.shape[1] for f in frames), PLAYER_MIN_WIDTH)  # the controls fit on one line
    return f"""<div class="tl-player" style="font-family:sans-serif;font-size:14px;max-width:{width}px">
<img id="tl-frame" alt="" style="max-width:100%;image-rendering:auto;display:block" src="{urls[0]}">
<div style="display:flex;gap:6px;align-items:center;margin-top:4px;flex-wrap:wrap">
<button id="tl-prev" title="{word['previous']}" aria-label="{word['previous']}">&#9664;&#9664;</button>
<button id="tl-play" style="min-width:5em"></button>
<button id="tl-next" title="{word['next']}" aria-label="{word['next']}">&#9654;&#9654;</button>
<input id="tl-pos" type="range" min="0" max="{len(frames) - 1}" value="0" aria-label="{word['frame']}"
 style="flex:1;min-width:80px">
<span id="tl-count"></span>
<label>{word['speed']} <select id="tl-speed">{speeds}</select></label>
</div>
<div id="tl-caption" style="margin-top:2px;color:#333"></div>
</div>
<script>
(function() {{
  const d = {data};
  const img = document.getElementById("tl-frame"), pos = document.getElementById("tl-pos");
  const play = document.getElementById("tl-play"), speed = document.getElementById("tl-speed");
  const count = document.getElementById("tl-count"), caption = document.getElementById("tl-caption");
  const cache = d.frames.map(src => {{ const i = new Image(); i.src = src; return i; }});
  let i = 0, timer = null;
  function show(k) {{
    i = (k + d.frames.length) % d.frames.length;
    img.src = d.frames[i]; pos.value = i;
    count.textContent = (i + 1) + " / " + d.frames.length; caption.textContent = d.captions[i];
  }}
  function stop() {{ if (timer) clearInterval(timer); timer = null; play.textContent = "\\u25B6 " + d.play; }}
  function start() {{
    stop(); play.textContent = "\\u23F8 " + d.pause;
    timer = setInterval(() => show(i + 1), d.ms / parseFloat(speed.value));
  }}
  play.onclick = () => timer ? stop() : start();
  document.getElementById("tl-prev").onclick = () => {{ stop(); show(i - 1); }};
  document.getElementById("tl-next").onclick = () => {{ stop(); show(i + 1); }};
  pos.oninput = () => {{ stop(); show(parseInt(pos.value)); }};
  speed.onchange = () => {{ if (timer) start(); }};
  show(0); d.autoplay && d.frames.length > 1 ? start() : stop();
}})();
</script>"""


# ---------------------------------------------------------------------------------------- T2T's sliding window
def _cells(view: np.ndarray, in_hw: tuple[int, int], region: tuple[int, int, int, int], cell: int) -> np.ndarray:
    """The map of ``in_hw`` cells (the image resampled to that grid) inside ``region`` (y0, x0, y1, x1, may reach
    into the padding, grey), each cell ``cell`` pixels square."""
    H, W = in_hw
    grid = view if view.shape[:2] == (H, W) else np.asarray(Image.fromarray(view).resize((W, H), Image.BILINEAR))
    y0, x0, y1, x1 = region
    out = np.empty((y1 - y0, x1 - x0, 3), np.uint8)
    out[:] = PAD_GREY
    ya, yb, xa, xb = max(y0, 0), min(y1, H), max(x0, 0), min(x1, W)
    if ya < yb and xa < xb:
        out[ya - y0:yb - y0, xa - x0:xb - x0] = grid[ya:yb, xa:xb]
    return np.kron(out, np.ones((cell, cell, 1), np.uint8))


def window_frame(view: np.ndarray, in_hw: tuple[int, int], region: tuple[int, int, int, int],
                 boxes: np.ndarray, current: int, tokens: Sequence[tuple[int, int]], token_grid: tuple[int, int],
                 cell: int, label: str) -> np.ndarray:
    """One frame of a soft split's window sliding over its map.

    view (H, W, 3): the image; in_hw: the map's grid; region (y0, x0, y1, x1): the part of the map shown (in
    cells, may reach into the padding); boxes (n, 4): the windows (y0, x0, y1, x1) of the path, in order;
    current: the window shown now (the earlier ones are outlined faintly); tokens: the output token (row, col)
    of each window; token_grid: the rows and columns of output tokens drawn below the map."""
    y0, x0, y1, x1 = region
    top = Image.fromarray(_cells(view, in_hw, region, cell))
    layer = Image.new("RGBA", top.size, (0, 0, 0, 0))
    ld = ImageDraw.Draw(layer)
    for i in range(current):
        by0, bx0, by1, bx1 = boxes[i]
        ld.rectangle(((bx0 - x0) * cell, (by0 - y0) * cell, (bx1 - x0) * cell - 1, (by1 - y0) * cell - 1),
                     outline=(*VISITED, 200), width=1)
    by0, bx0, by1, bx1 = boxes[current]
    ld.rectangle(((bx0 - x0) * cell, (by0 - y0) * cell, (bx1 - x0) * cell - 1, (by1 - y0) * cell - 1),
                 fill=(*CURRENT, 60), outline=(*CURRENT, 255), width=3)
    top = Image.alpha_composite(top.convert("RGBA"), layer).convert("RGB")
    # the output tokens: visited ones blue, the current one in the window's colour
    rows, cols = token_grid
    tcell = max(8, min(28, top.width // max(cols, 1) - 2))
    bottom = Image.new("RGB", (cols * (tcell + 2) + 2, rows * (tcell + 2) + 2), (255, 255, 255))
    bd = ImageDraw.Draw(bottom)
    done = {tuple(t): i for i, t in enumerate(tokens[:current + 1])}
    for r in range(rows):
        for c in range(cols):
            i = done.get((r, c))
            fill = (235, 235, 235) if i is None else CURRENT if i == current else VISITED
            bd.rectangle((2 + c * (tcell + 2), 2 + r * (tcell + 2), 1 + c * (tcell + 2) + tcell,
                          1 + r * (tcell + 2) + tcell), fill=fill)
    gap = 8
    W = max(top.width, bottom.width)
    canvas = Image.new("RGB", (W, top.height + gap + bottom.height), (255, 255, 255))
    canvas.paste(top, (0, 0))
    canvas.paste(bottom, (0, top.height + gap))
    return labelled(np.asarray(canvas), label)
