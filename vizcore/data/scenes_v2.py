"""Synthetic scenes v2, "which shape appears twice": a task whose answer is spread over the image.

Each scene holds four to six small, complete shapes of ``CLASSES`` on a photo or texture background with
clutter strokes and blobs underneath. Exactly one class appears twice; every other shape appears once. The
label is the class that appears twice. Every shape wears its class's interior pattern (``PATTERNS``) in colours
drawn independently per object, so colour, size or orientation never give the pair away: a reader has to
identify each shape and compare. The shapes are small (radius 9-12 px at 96 px, about 2-3 patches across), so
a reducer that drops one copy loses the answer, and one that keeps the shapes' tokens keeps it.

Which objects matter: all of them. To know which class is doubled one must read every complete shape (a
singleton rules its class out), so ``mask`` covers every complete shape and keep precision counts them all;
``pair_mask`` covers the two copies only.

Everything is a pure function of ``(split, index)`` through ``np.random.default_rng([SEED, version, split,
index])``, a seed space of its own (no scene equals a v1 scene). The held-out ``test`` split is indices
``0 .. TEST_SIZE-1``. Labels cycle with the index (``index % 10``), so every contiguous slice is balanced.

``render(index, split, size)`` -> :class:`Scene` (image uint8 HxWx3, label, mask, pair_mask, parts);
``scene(index)`` -> (image, label, mask) for the gallery; ``label_of(parts)`` recomputes the label.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vizcore.data.scenes import (CLASSES, PATTERNS, SCENE_SIZE, SEED, SPLITS, TEST_SIZE, _background, _blob,
                                 _colour, _composite, _fill, _outline, _patterned_fill, _place, _raster, _stroke,
                                 batch_coverage, class_names, stack_scenes, to_tensor, token_coverage)

__all__ = ["CLASSES", "PATTERNS", "SCENE_SIZE", "TEST_SIZE", "SEED", "VERSION", "Part", "Scene", "render", "scene",
           "class_names", "label_of", "token_coverage", "batch_coverage", "make_batch", "to_tensor", "SPLITS",
           "RADIUS", "OTHERS", "part_masks"]

VERSION = 2
#: object radius range, as a fraction of the scene size (9.1-12 px at 96 px): two copies always outweigh
#: one shape in area, and each shape spans 2-3 patches of 8 px
RADIUS = (0.095, 0.125)
#: how many singletons (shapes that appear once) beside the pair
OTHERS = (2, 4)
_GAP = 2.0  # pixels between two shapes' bounding circles (they never overlap)


@dataclass(frozen=True)
class Part:
    """One complete shape: its class index, centre (px), radius (px), rotation (rad) and stretch."""

    label: int
    cx: float
    cy: float
    r: float
    angle: float
    stretch: float

    @property
    def class_name(self) -> str:
        return CLASSES[self.label]


@dataclass(frozen=True)
class Scene:
    image: np.ndarray  # (H, W, 3) uint8
    label: int
    mask: np.ndarray  # (H, W) bool: every complete shape (all matter to the label)
    index: int
    split: str
    pair_mask: np.ndarray  # (H, W) bool: the two copies of the label's shape
    parts: tuple[Part, ...]  # in drawing order
    #: (H, W) int64: the class of the shape over each pixel, ``len(CLASSES)`` for background (dense labels)
    class_map: np.ndarray | None = None

    @property
    def class_name(self) -> str:
        return CLASSES[self.label]


def label_of(parts) -> int:
    """The class that appears exactly twice among ``parts`` (ValueError unless exactly one does)."""
    counts = np.bincount([p.label for p in parts], minlength=len(CLASSES))
    twice = np.flatnonzero(counts == 2)
    if len(twice) != 1 or (counts > 2).any():
        raise ValueError(f"no single class appears twice: counts {counts.tolist()}")
    return int(twice[0])


def _rng(split: str, index: int) -> np.random.Generator:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {tuple(SPLITS)}, not {split!r}")
    if index < 0 or (split == "test" and index >= TEST_SIZE):
        raise IndexError(f"{split} index {index} outside 0..{TEST_SIZE - 1 if split == 'test' else 'inf'}")
    return np.random.default_rng([SEED, VERSION, SPLITS[split], int(index)])


def _layout(rng: np.random.Generator, labels: list[int], size: int) -> list[Part]:
    """Non-overlapping placements for ``labels`` (the pair first); singletons that find no room are left
    out (the pair always fits: two small circles in a square)."""
    parts: list[Part] = []
    for k, label in enumerate(labels):
        for _ in range(64):
            r = rng.uniform(*RADIUS) * size
            margin = 1.05 * r
            cx, cy = rng.uniform(margin, size - margin, size=2)
            if all(math.hypot(cx - p.cx, cy - p.cy) >= 1.08 * (r + p.r) + _GAP for p in parts):
                parts.append(Part(int(label), float(cx), float(cy), float(r), float(rng.uniform(0, 2 * np.pi)),
                                  float(rng.uniform(0.9, 1.1))))
                break
        else:
            if k < 2:
                raise RuntimeError("no room for the pair")  # unreachable at these radii
    return parts


def _coverage(p: Part, size: int) -> np.ndarray:
    """The part's anti-aliased coverage (size, size) float32 in [0, 1]."""
    return _raster([(_place(pts, p.cx, p.cy, p.r, p.angle, p.stretch), f) for pts, f in _outline(CLASSES[p.label])],
                   size)


def _bounds(cov: np.ndarray) -> tuple[int, int, int, int]:
    """(y0, y1, x0, x1): the smallest window holding every pixel with coverage > 0 (at least 1 x 1)."""
    rows, cols = np.flatnonzero(cov.any(axis=1)), np.flatnonzero(cov.any(axis=0))
    if not len(rows):
        return 0, 1, 0, 1
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def render(index: int, split: str = "train", size: int = SCENE_SIZE) -> Scene:
    """The scene ``index`` of ``split`` at size x size pixels (``size`` only changes the resolution)."""
    rng = _rng(split, index)
    label = int(index) % len(CLASSES)
    others = [c for c in range(len(CLASSES)) if c != label]
    n_others = int(rng.integers(OTHERS[0], OTHERS[1] + 1))
    singles = [int(c) for c in rng.choice(others, size=n_others, replace=False)]
    parts = _layout(rng, [label, label, *singles], size)
    order = rng.permutation(len(parts))  # the pair is not always drawn first
    parts = [parts[i] for i in order]
    img = _background(rng, size)
    for _ in range(int(rng.integers(2, 5))):  # clutter underneath: strokes and amorphous blobs
        cov = _stroke(rng, size) if rng.random() < 0.5 else _blob(rng, size)
        img = _composite(img, _fill(rng, size, _colour(rng)), cov)
    mask = np.zeros((size, size), bool)
    pair = np.zeros((size, size), bool)
    classes = np.full((size, size), len(CLASSES), np.int64)
    for p in parts:
        cov = _coverage(p, size)
        under = (img * cov[..., None]).sum(axis=(0, 1)) / max(float(cov.sum()), 1.0)
        box = _bounds(cov)  # paint only the shape's window: same values as a full-size paint cut to it
        y0, y1, x0, x1 = box
        paint = _patterned_fill(rng, size, _colour(rng, avoid=under), PATTERNS[p.label], p.cx, p.cy, box)
        img[y0:y1, x0:x1] = _composite(img[y0:y1, x0:x1], paint, cov[y0:y1, x0:x1])
        mask |= cov >= 0.5
        classes[cov >= 0.5] = p.label
        if p.label == label:
            pair |= cov >= 0.5
    img = img + rng.normal(0, rng.uniform(0.0, 0.04), size=img.shape).astype(np.float32)
    image = (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
    return Scene(image=image, label=label, mask=mask, index=int(index), split=split, pair_mask=pair,
                 parts=tuple(parts), class_map=classes)


def part_masks(s: Scene) -> np.ndarray:
    """(P, H, W) bool: each part's own mask, in ``s.parts`` order (shapes never overlap)."""
    size = s.image.shape[0]
    out = [_coverage(p, size) >= 0.5 for p in s.parts]
    return np.stack(out) if out else np.zeros((0, size, size), bool)


def scene(index: int, split: str = "test", size: int = SCENE_SIZE) -> tuple[np.ndarray, int, np.ndarray]:
    """(image (H, W, 3) uint8, label, mask (H, W) bool) — the gallery's entry point."""
    s = render(index, split, size)
    return s.image, s.label, s.mask


def make_batch(indices, split: str = "train", size: int = SCENE_SIZE, dense: bool = False):
    """(images (B, H, W, 3) uint8, labels (B,) int64, masks (B, H, W) bool) for these indices; with ``dense``
    a fourth item, the class maps (B, H, W) int64 (``len(CLASSES)`` = background)."""
    scenes = [render(int(i), split, size) for i in indices]
    out = stack_scenes(scenes)
    return (*out, np.stack([s.class_map for s in scenes])) if dense else out
