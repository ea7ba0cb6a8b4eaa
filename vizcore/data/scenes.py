"""Synthetic scenes with ground-truth object masks: Token Lab's offline data set.

Each scene is one large foreground object of one of ``CLASSES`` (a shape with random colour or tinted
texture fill, scale, rotation, slight stretch and position) on a background cut from one of
scikit-image's bundled photos or textures (loaded at run time, never copied into the repo), with
distractors underneath it: clutter strokes, amorphous blobs and *partial* shapes (small class shapes cut
by a half-plane, so they are of no class). Colour and "there is a thing here" are useless on their own.
The class shows twice, both times on the object itself: in its outline and in its interior, which is
painted with the class's own pattern (``PATTERNS``: stripes, checks, dots... at a random period,
orientation and pair of colours). Many distractors wear a class pattern too (any class's, the label's
included, so a pattern elsewhere says nothing): the pattern that counts is the one inside the large,
complete shape. A token reducer is therefore rewarded for keeping the object's own tokens, interior
included, and for dropping the distractors' tokens, whose patterns mislead.

Everything is a pure function of ``(split, index)``: ``np.random.default_rng([SEED, split_code, index])``.
The train split is unbounded; the held-out ``test`` split (indices ``0 .. TEST_SIZE-1``) lives in its
own seed space, so no train scene can equal a test scene. Labels cycle with the index (``index % 10``),
so every contiguous slice is class-balanced.

``render(index, split, size)`` -> :class:`Scene` (image uint8 HxWx3, label, mask bool HxW);
``scene(index, split="test")`` -> (image, label, mask) for the gallery; ``token_coverage(mask, grid)``
-> the fraction of each patch's pixels inside the object for any patch grid.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import skimage.data
from PIL import Image, ImageDraw

__all__ = ["CLASSES", "PATTERNS", "SCENE_SIZE", "TEST_SIZE", "SEED", "BACKGROUNDS", "Scene", "render", "scene", "stack_scenes",
           "class_names", "token_coverage", "batch_coverage", "make_batch", "to_tensor", "SPLITS"]

CLASSES = ("circle", "triangle", "square", "star", "cross", "ring", "crescent", "arrow", "heart", "bowtie")
#: the interior pattern of each class (same order as CLASSES)
PATTERNS = ("stripes", "checks", "dots", "grid", "zigzag", "speckle", "bricks", "rings", "triangles", "waves")
#: default rendering size = the bundled models' input size (their data_config), so masks align with tokens
SCENE_SIZE = 96
#: size of the fixed held-out split
TEST_SIZE = 2000
SEED = 20240917
SPLITS = {"train": 0, "test": 1}
#: scikit-image images used as backgrounds (photos, micrographs, textures)
BACKGROUNDS = ("astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field", "immunohistochemistry", "coins",
               "camera", "grass", "gravel", "brick", "moon", "cell", "retina", "clock", "text", "page", "cat")
_TEXTURES = ("grass", "gravel", "brick", "moon", "cell")
_SS = 2  # supersampling of the shape masks (anti-aliased edges)


@dataclass(frozen=True)
class Scene:
    image: np.ndarray  # (H, W, 3) uint8
    label: int
    mask: np.ndarray  # (H, W) bool, True on the visible pixels of the labelled object
    index: int
    split: str

    @property
    def class_name(self) -> str:
        return CLASSES[self.label]


def class_names() -> list[str]:
    return list(CLASSES)


# ----------------------------------------------------------------------------------------------- sources
@functools.lru_cache(maxsize=None)
def _source(name: str) -> tuple[np.ndarray, bool]:
    """A scikit-image sample as uint8 (H, W, 3) (grey images repeated on 3 channels) and whether it is grey."""
    a = np.asarray(getattr(skimage.data, name)())
    if a.dtype != np.uint8:
        a = a.astype(np.float64)
        a = (255 * (a - a.min()) / max(float(np.ptp(a)), 1e-9)).astype(np.uint8)
    grey = a.ndim == 2
    if grey:
        a = np.repeat(a[..., None], 3, axis=2)
    return np.ascontiguousarray(a[..., :3]), grey


@functools.lru_cache(maxsize=8)
def _ramps(size: int) -> tuple[np.ndarray, np.ndarray]:
    """(yy, xx) pixel-centre coordinates (size, size) float32 (cached: do not modify them)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    return yy, xx


def _down(img: Image.Image, size: int | tuple[int, int]) -> np.ndarray:
    """A supersampled 'L' mask -> coverage (size, size) (or (h, w)) float32 in [0, 1] (box filter)."""
    h, w = (size, size) if isinstance(size, int) else size
    return np.asarray(img.resize((w, h), Image.BOX), dtype=np.float32) / 255.0


#: a crop of the scene, (y0, y1, x0, x1) in pixels: primitives given one compute only that window, with the
#: same random draws and the same values as the full-size result cut to it
Box = tuple[int, int, int, int]


def _window(a: np.ndarray, box: Box | None, scale: int = 1) -> np.ndarray:
    if box is None:
        return a
    y0, y1, x0, x1 = box
    return a[y0 * scale:y1 * scale, x0 * scale:x1 * scale]


def _crop(rng: np.random.Generator, name: str, size: int, min_frac: float, max_frac: float) -> np.ndarray:
    """A random square crop of a source, resized to size x size, float32 (size, size, 3)."""
    src, _ = _source(name)
    h, w = src.shape[:2]
    side = int(min(h, w) * rng.uniform(min_frac, max_frac))
    side = max(side, 8)
    y, x = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
    patch = src[y:y + side, x:x + side]
    img = Image.fromarray(patch).resize((size, size), Image.BILINEAR)
    out = np.asarray(img, dtype=np.float32) / 255.0
    if rng.random() < 0.5:
        out = out[:, ::-1]
    if rng.random() < 0.5:
        out = out[::-1]
    return out


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    name = BACKGROUNDS[int(rng.integers(len(BACKGROUNDS)))]
    bg = _crop(rng, name, size, 0.25, 0.9)
    if rng.random() < 0.3 or _source(name)[1]:  # recolour (grey sources always): tint
        tint = rng.uniform(0.35, 1.0, size=3).astype(np.float32)
        bg = bg.mean(axis=2, keepdims=True) * tint + rng.uniform(0, 0.25, size=3).astype(np.float32)
    contrast, brightness = rng.uniform(0.35, 0.9), rng.uniform(-0.15, 0.15)
    m = float(bg[::4, ::4].mean())
    bg = (bg - m) * contrast + m + brightness
    return np.clip(bg, 0, 1)


def _colour(rng: np.random.Generator, avoid: np.ndarray | None = None, min_dist: float = 0.45) -> np.ndarray:
    """A random RGB colour in [0, 1], at least ``min_dist`` (Euclidean) away from ``avoid`` when possible."""
    best, best_d = None, -1.0
    for _ in range(12):
        c = rng.uniform(0, 1, size=3).astype(np.float32)
        if avoid is None:
            return c
        d = float(np.linalg.norm(c - avoid))
        if d >= min_dist:
            return c
        if d > best_d:
            best, best_d = c, d
    return np.clip(1.0 - avoid, 0, 1).astype(np.float32) if best_d < 0.2 else best


# ----------------------------------------------------------------------------------------------- shapes
def _regular(n: int, r: float, phase: float = 0.0) -> np.ndarray:
    t = phase + 2 * np.pi * np.arange(n) / n
    return np.stack([np.cos(t), np.sin(t)], 1) * r


def _outline(kind: str) -> list[tuple[np.ndarray, bool]]:
    """The shape in unit coordinates (radius ~1, centred): polygons with fill (True) or hole (False)."""
    if kind == "circle":
        return [(_regular(48, 1.0), True)]
    if kind == "triangle":
        return [(_regular(3, 1.05, -np.pi / 2), True)]
    if kind == "square":
        return [(_regular(4, 1.0, np.pi / 4), True)]
    if kind == "heart":
        t = np.linspace(0, 2 * np.pi, 60, endpoint=False)
        x = 16 * np.sin(t) ** 3
        y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
        return [(np.stack([x, y + 2.5], 1) / 16.5, True)]
    if kind == "bowtie":
        pts = [(-0.95, -0.8), (0.0, -0.12), (0.95, -0.8), (0.95, 0.8), (0.0, 0.12), (-0.95, 0.8)]
        return [(np.array(pts, dtype=np.float64), True)]
    if kind == "star":
        outer, inner = _regular(5, 1.05, -np.pi / 2), _regular(5, 0.45, -np.pi / 2 + np.pi / 5)
        return [(np.stack([outer, inner], 1).reshape(-1, 2), True)]
    if kind == "cross":
        a, b = 0.32, 0.95
        pts = [(-a, -b), (a, -b), (a, -a), (b, -a), (b, a), (a, a), (a, b), (-a, b), (-a, a), (-b, a), (-b, -a),
               (-a, -a)]
        return [(np.array(pts, dtype=np.float64), True)]
    if kind == "ring":
        return [(_regular(48, 1.0), True), (_regular(48, 0.55), False)]
    if kind == "crescent":
        return [(_regular(48, 1.0), True), (_regular(48, 0.85) + np.array([0.5, 0.0]), False)]
    if kind == "arrow":
        pts = [(-0.95, -0.25), (0.15, -0.25), (0.15, -0.65), (0.98, 0.0), (0.15, 0.65), (0.15, 0.25), (-0.95, 0.25)]
        return [(np.array(pts, dtype=np.float64), True)]
    raise KeyError(kind)


def _place(pts: np.ndarray, cx: float, cy: float, r: float, angle: float, stretch: float) -> np.ndarray:
    p = pts * np.array([stretch, 1.0 / stretch])
    c, s = math.cos(angle), math.sin(angle)
    p = p @ np.array([[c, s], [-s, c]])
    return p * r + np.array([cx, cy])


def _raster(polys: list[tuple[np.ndarray, bool]], size: int) -> np.ndarray:
    """Polygons (pixel coordinates) -> coverage (size, size) float32 in [0, 1], supersampled."""
    img = Image.new("L", (size * _SS, size * _SS), 0)
    draw = ImageDraw.Draw(img)
    for pts, fill in polys:
        draw.polygon([(float(x) * _SS, float(y) * _SS) for x, y in pts], fill=255 if fill else 0)
    return _down(img, size)


def _half_plane(size: int, cx: float, cy: float, angle: float) -> np.ndarray:
    yy, xx = _ramps(size)
    return (((xx - cx) * math.cos(angle) + (yy - cy) * math.sin(angle)) > 0).astype(np.float32)


def _stroke(rng: np.random.Generator, size: int) -> np.ndarray:
    img = Image.new("L", (size * _SS, size * _SS), 0)
    n = int(rng.integers(2, 5))
    pts = [(float(x) * _SS, float(y) * _SS) for x, y in rng.uniform(-0.1, 1.1, size=(n, 2)) * size]
    width = max(1, int(rng.uniform(0.015, 0.045) * size * _SS))
    ImageDraw.Draw(img).line(pts, fill=255, width=width, joint="curve")
    return _down(img, size)


def _blob(rng: np.random.Generator, size: int) -> np.ndarray:
    r = rng.uniform(0.07, 0.2) * size
    cx, cy = rng.uniform(0, size, size=2)
    t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    rad = np.ones_like(t)
    for k in (2, 3, 5):
        rad += rng.uniform(0.0, 0.25) * np.cos(k * t + rng.uniform(0, 2 * np.pi))
    pts = np.stack([np.cos(t) * rad, np.sin(t) * rad], 1) * r + np.array([cx, cy])
    return _raster([(pts, True)], size)


def _partial(rng: np.random.Generator, size: int) -> np.ndarray:
    kind = CLASSES[int(rng.integers(len(CLASSES)))]
    r = rng.uniform(0.08, 0.16) * size
    cx, cy = rng.uniform(0, size, size=2)
    angle, stretch = rng.uniform(0, 2 * np.pi), rng.uniform(0.8, 1.25)
    cov = _raster([(_place(p, cx, cy, r, angle, stretch), f) for p, f in _outline(kind)], size)
    off = rng.uniform(-0.3, 0.3) * r
    cut = rng.uniform(0, 2 * np.pi)
    return cov * _half_plane(size, cx + off * math.cos(cut), cy + off * math.sin(cut), cut)


def _fill(rng: np.random.Generator, size: int, colour: np.ndarray, texture_p: float = 0.2,
          box: Box | None = None) -> np.ndarray:
    """A (size, size, 3) paint (or its ``box``): a colour with a soft gradient, modulated by a texture with
    probability ``texture_p``."""
    yy, xx = (_window(r, box) for r in _ramps(size))
    g = (rng.uniform(-0.25, 0.25) / size) * (xx - size / 2) + (rng.uniform(-0.25, 0.25) / size) * (yy - size / 2)
    paint = colour[None, None, :] + g[..., None]
    if rng.random() < texture_p:
        tex = _window(_crop(rng, _TEXTURES[int(rng.integers(len(_TEXTURES)))], size, 0.2, 0.5)[..., :1], box)
        paint = paint * (1.0 + 0.9 * (tex - float(tex[::4, ::4].mean())))
    return np.clip(paint, 0, 1)


def _composite(img: np.ndarray, paint: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    a = alpha[..., None]
    return img * (1 - a) + paint * a


# --------------------------------------------------------------------------------------------- patterns
def _pattern(rng: np.random.Generator, size: int, kind: str, cx: float, cy: float, box: Box | None = None) -> np.ndarray:
    """A class pattern as coverage (size, size) float32 in [0, 1]: 1 on the pattern's second colour.

    Period 4-7 px at the 96-px scene size (relative units, so ``size`` only changes resolution), random
    orientation and phase; computed on a 2x supersampled grid and box-filtered (no aliasing moire).
    ``(cx, cy)`` is the object's centre in pixels (the rings are concentric around it)."""
    period = rng.uniform(0.042, 0.073) * size
    angle, phase = rng.uniform(0, np.pi), rng.uniform(0, 1, size=2)
    yy, xx = (_window(r, box, _SS) / _SS for r in _ramps(size * _SS))  # pixel coords of the supersampled grid
    c, s = math.cos(angle), math.sin(angle)
    u = ((xx - cx) * c + (yy - cy) * s) / period + phase[0]  # along the pattern, in periods
    v = (-(xx - cx) * s + (yy - cy) * c) / period + phase[1]
    fu, fv = u - np.floor(u), v - np.floor(v)
    if kind == "stripes":
        on = fu < 0.45
    elif kind == "checks":
        on = (np.floor(u * 1.25) + np.floor(v * 1.25)) % 2 == 0
    elif kind == "dots":
        on = (fu - 0.5) ** 2 + (fv - 0.5) ** 2 < 0.3 ** 2
    elif kind == "grid":
        on = (fu < 0.28) | (fv < 0.28)
    elif kind == "zigzag":
        tri = np.abs(2 * (v / 2 - np.floor(v / 2 + 0.5)))  # triangle wave 0..1, wavelength 2 periods
        w = u + 0.9 * tri
        on = (w - np.floor(w)) < 0.45
    elif kind == "speckle":
        cells = rng.random((int(size / period * 2) + 4,) * 2) < 0.5  # random on/off squares of half a period
        iu = np.clip(((xx / period) * 2).astype(np.int64), 0, cells.shape[1] - 1)
        iv = np.clip(((yy / period) * 2).astype(np.int64), 0, cells.shape[0] - 1)
        on = cells[iv, iu]
    elif kind == "bricks":
        v2 = v * 1.6
        row = np.floor(v2)
        w = u * 0.8 + 0.5 * row
        on = ((v2 - row) < 0.3) | ((w - np.floor(w)) < 0.22)
    elif kind == "rings":
        d = np.hypot(xx - cx, yy - cy) / period + phase[0]
        on = (d - np.floor(d)) < 0.45
    elif kind == "triangles":
        on = (fu + fv) < 1.0
        on = on ^ ((np.floor(u) % 2) == 0)
    elif kind == "waves":
        w = u + 0.45 * np.sin(2 * np.pi * v / 1.3)
        on = (w - np.floor(w)) < 0.45
    else:
        raise KeyError(kind)
    img = Image.fromarray(on.astype(np.uint8) * 255, "L")
    return _down(img, size if box is None else (box[1] - box[0], box[3] - box[2]))


def _patterned_fill(rng: np.random.Generator, size: int, colour: np.ndarray, kind: str, cx: float,
                    cy: float, box: Box | None = None) -> np.ndarray:
    """The object's paint (or its ``box``): ``colour`` and a second colour of shifted brightness, laid out by
    ``kind``."""
    base = _fill(rng, size, colour, texture_p=0.0, box=box)
    shift = rng.uniform(0.3, 0.55) * (1.0 if float(colour.mean()) < 0.5 else -1.0)
    second = np.clip(base + shift, 0, 1)
    return _composite(base, second, _pattern(rng, size, kind, cx, cy, box))


# ----------------------------------------------------------------------------------------------- scenes
def _rng(split: str, index: int) -> np.random.Generator:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {tuple(SPLITS)}, not {split!r}")
    if index < 0 or (split == "test" and index >= TEST_SIZE):
        raise IndexError(f"{split} index {index} outside 0..{TEST_SIZE - 1 if split == 'test' else 'inf'}")
    return np.random.default_rng([SEED, SPLITS[split], int(index)])


def render(index: int, split: str = "train", size: int = SCENE_SIZE) -> Scene:
    """The scene ``index`` of ``split`` rendered at size x size pixels (pure function of its arguments
    except for ``size``, which only changes the resolution: geometry is in relative coordinates)."""
    rng = _rng(split, index)
    label = int(index) % len(CLASSES)
    img = _background(rng, size)
    # the object's geometry first (distractors avoid nothing: they go underneath)
    r = rng.uniform(0.34, 0.46) * size
    margin = 0.8 * r
    cx, cy = rng.uniform(margin, size - margin, size=2)
    angle, stretch = rng.uniform(0, 2 * np.pi), rng.uniform(0.9, 1.1)
    # distractors
    for _ in range(int(rng.integers(2, 6))):
        kind = rng.random()
        cov = _stroke(rng, size) if kind < 0.4 else _blob(rng, size) if kind < 0.7 else _partial(rng, size)
        if kind >= 0.4 and rng.random() < 0.6 and cov.sum() > 1:  # blobs and partial shapes: often patterned
            yy, xx = _ramps(size)
            w = cov / cov.sum()
            paint = _patterned_fill(rng, size, _colour(rng), PATTERNS[int(rng.integers(len(PATTERNS)))],
                                    float((xx * w).sum()), float((yy * w).sum()))
        else:
            paint = _fill(rng, size, _colour(rng))
        img = _composite(img, paint, cov)
    # the object, with a colour that stands out from what is under it
    cov = _raster([(_place(p, cx, cy, r, angle, stretch), f) for p, f in _outline(CLASSES[label])], size)
    under = (img * cov[..., None]).sum(axis=(0, 1)) / max(float(cov.sum()), 1.0)
    paint = _patterned_fill(rng, size, _colour(rng, avoid=under), PATTERNS[label], cx, cy)
    img = _composite(img, paint, cov)
    img = img + rng.normal(0, rng.uniform(0.0, 0.04), size=img.shape).astype(np.float32)
    image = (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
    return Scene(image=image, label=label, mask=cov >= 0.5, index=int(index), split=split)


def scene(index: int, split: str = "test", size: int = SCENE_SIZE) -> tuple[np.ndarray, int, np.ndarray]:
    """(image (H, W, 3) uint8, label, mask (H, W) bool) — the gallery's entry point."""
    s = render(index, split, size)
    return s.image, s.label, s.mask


def make_batch(indices, split: str = "train", size: int = SCENE_SIZE):
    """(images (B, H, W, 3) uint8, labels (B,) int64, masks (B, H, W) bool) for these indices."""
    return stack_scenes([render(int(i), split, size) for i in indices])


def stack_scenes(scenes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rendered scenes of any scene set -> (images (B, H, W, 3) uint8, labels (B,) int64, masks (B, H, W) bool)."""
    return (np.stack([s.image for s in scenes]), np.array([s.label for s in scenes], dtype=np.int64),
            np.stack([s.mask for s in scenes]))


def token_coverage(mask: np.ndarray, grid: tuple[int, int] | int) -> np.ndarray:
    """Fraction of each patch's pixels inside the mask: mask (H, W) or (B, H, W) bool -> (gh, gw) or
    (B, gh, gw) float64. Patch i spans rows floor(i*H/gh) .. floor((i+1)*H/gh) (exact tiling when the
    grid divides the image, as for patch embeddings)."""
    gh, gw = (grid, grid) if isinstance(grid, int) else grid
    m = np.asarray(mask, dtype=np.float64)
    squeeze = m.ndim == 2
    if squeeze:
        m = m[None]
    _, H, W = m.shape
    if H % gh == 0 and W % gw == 0:
        out = m.reshape(m.shape[0], gh, H // gh, gw, W // gw).mean(axis=(2, 4))
    else:
        ys = (np.arange(gh + 1) * H) // gh
        xs = (np.arange(gw + 1) * W) // gw
        c = np.pad(m.cumsum(1).cumsum(2), ((0, 0), (1, 0), (1, 0)))
        area = np.outer(np.diff(ys), np.diff(xs))
        tot = c[:, ys[1:]][:, :, xs[1:]] - c[:, ys[:-1]][:, :, xs[1:]] - c[:, ys[1:]][:, :, xs[:-1]] \
            + c[:, ys[:-1]][:, :, xs[:-1]]
        out = tot / area
    return out[0] if squeeze else out


def batch_coverage(masks: np.ndarray, grid: tuple[int, int] | int) -> np.ndarray:
    """(B, H, W) masks -> (B, gh*gw) coverage in row-major token order."""
    cov = token_coverage(masks, grid)
    return cov.reshape(cov.shape[0], -1)


def to_tensor(images: np.ndarray, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)):
    """(B, H, W, 3) uint8 -> normalised float tensor (B, 3, H, W)."""
    import torch  # deferred (about 1.5 s): scenes render and load without torch; only this helper needs it
    x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float().div_(255.0)
    m = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
    s = torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1)
    return (x - m) / s
