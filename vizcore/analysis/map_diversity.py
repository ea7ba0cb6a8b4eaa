"""Do WuKong's T maps differ? Batch measures of how alike the maps are and where each one peaks.

For maps (B, T, N) (each row a distribution over the N = h*w patches, as in
``trace.stages[-1].source``) and, per image, the token coverage of each object (P, N):

- ``cosine``: mean over images and over map pairs t != t' of the cosine similarity of two maps;
- ``distinct_peaks``: per image, how many different objects or background cells the T peaks fall on
  (a peak on a patch touched by an object counts as that object, the one covering most of the patch;
  any other peak counts as its own patch), over T, averaged;
- ``peaks_on_objects``: the share of all peaks that fall on an object;
- ``object_mass`` / ``object_share``: the maps' mean mass on patches touching an object, beside those
  patches' share of the grid (mass above share means the maps pool the objects).
"""
from __future__ import annotations

import numpy as np
import torch

from vizcore.data import model_scenes
from vizcore.data.scenes import to_tensor, token_coverage
from vizcore.data.scenes_v2 import part_masks


def pairwise_cosine(maps: np.ndarray) -> np.ndarray:
    """(T, N) -> (T, T) cosine similarity of the maps."""
    m = np.asarray(maps, dtype=np.float64)
    m = m / np.clip(np.linalg.norm(m, axis=1, keepdims=True), 1e-12, None)
    return m @ m.T


def peak_regions(maps: np.ndarray, objects: np.ndarray) -> np.ndarray:
    """maps (T, N), objects (P, N) coverage in 0..1 -> (T,) region id of each map's peak: the object index
    (0..P-1) covering most of the peak patch, or P + patch index on the background."""
    peaks = np.asarray(maps).argmax(axis=1)  # (T,)
    objects = np.asarray(objects, dtype=np.float64)
    if not len(objects):
        return len(objects) + peaks
    cov = objects[:, peaks]  # (P, T)
    owner = cov.argmax(axis=0)
    return np.where(cov.max(axis=0) > 0, owner, len(objects) + peaks)


def diversity(maps: np.ndarray, objects: list[np.ndarray]) -> dict:
    """maps (B, T, N); objects: per image a (P_b, N) coverage array -> the measures in the module doc."""
    maps = np.asarray(maps, dtype=np.float64)
    B, T, _ = maps.shape
    cos, distinct, on_obj, mass, share = [], [], [], [], []
    off_diagonal = ~np.eye(T, dtype=bool)
    for b in range(B):
        c = pairwise_cosine(maps[b])
        cos.append(c[off_diagonal].mean() if T > 1 else 1.0)
        regions = peak_regions(maps[b], objects[b])
        distinct.append(len(set(regions.tolist())) / T)
        n_obj = len(objects[b])
        on_obj.append(float((regions < n_obj).mean()))
        touched = (np.asarray(objects[b]) > 0).any(axis=0) if n_obj else np.zeros(maps.shape[2], bool)
        rows = maps[b] / np.clip(maps[b].sum(1, keepdims=True), 1e-12, None)
        mass.append(float(rows[:, touched].sum(1).mean()))
        share.append(float(touched.mean()))
    return {"cosine": float(np.mean(cos)), "distinct_peaks": float(np.mean(distinct)),
            "peaks_on_objects": float(np.mean(on_obj)), "object_mass": float(np.mean(mass)),
            "object_share": float(np.mean(share)), "n": B, "maps": T}


def object_coverage(scene, grid: tuple[int, int]) -> np.ndarray:
    """(P, h*w) token coverage of each object of a rendered scene: its parts where the scene set has them
    (set 2), else its one mask."""
    masks = part_masks(scene) if hasattr(scene, "parts") else np.asarray(scene.mask)[None]
    return token_coverage(masks, grid).reshape(len(masks), -1)


@torch.no_grad()
def scene_diversity(model, n: int = 500, batch: int = 50) -> dict:
    """:func:`diversity` of ``model``'s last-stage maps on the first ``n`` held-out scenes of its scene set."""
    data = model_scenes(model)
    size = int(model.pretrained_cfg["input_size"][-1])
    mean, std = model.pretrained_cfg["mean"], model.pretrained_cfg["std"]
    maps, objects = [], []
    for start in range(0, n, batch):
        rendered = [data.render(i, "test", size) for i in range(start, min(n, start + batch))]
        x = to_tensor(np.stack([s.image for s in rendered]), mean, std)
        out = model.forward_trace(x)
        stage = out.trace.stages[-1]
        h, w = out.trace.grid
        maps.append(stage.source.float().numpy())
        objects += [object_coverage(s, (h, w)) for s in rendered]
    return diversity(np.concatenate(maps), objects)
