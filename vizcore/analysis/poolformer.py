"""Numbers behind the PoolFormer / MetaFormer page: what ``pool(x) − x`` does to a map and to each spatial
frequency, which channels vary most, class names and probabilities, the mixer swap compared against
pooling, and the parameters and MACs of each stage. Arrays in, arrays and plain rows out; no drawing."""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from timm.data import ImageNetInfo

from vizcore.data.scenes import CLASSES as SCENE_CLASSES


# ---------------------------------------------------------------------------------------- pool(x) − x
def pool_minus_identity(x: np.ndarray, size: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(H, W) or (C, H, W) -> (pool(x), pool(x) − x) with PoolFormer's AvgPool (stride 1, padding size//2,
    ``count_include_pad=False``, so border positions average only the neighbours that exist)."""
    t = torch.tensor(np.asarray(x, dtype=np.float32))  # a copy: the input may be a read-only view
    t4 = t.reshape(1, -1, *t.shape[-2:])
    pooled = F.avg_pool2d(t4, size, stride=1, padding=size // 2, count_include_pad=False).reshape(t.shape)
    return pooled.numpy(), (pooled - t).numpy()


def pool_kernel(size: int = 3) -> np.ndarray:
    """The interior kernel of pool(x) − x: 1/size² everywhere, minus 1 in the centre (a Laplacian-like
    high-pass; for 3x3 it is the 8-neighbour Laplacian divided by 9)."""
    k = np.full((size, size), 1.0 / size ** 2)
    k[size // 2, size // 2] -= 1.0
    return k


def frequency_response(points: int = 91) -> dict[str, np.ndarray]:
    """Gain of the 3x3 mean filter (``pool``) and of pool − identity (``diff``) against the spatial frequency
    ``w`` in [0, pi], along a row, (1 + 2 cos w) / 3, and along the diagonal (its square). Keys: w,
    pool_row, pool_diag, diff_row, diff_diag; each (points,)."""
    w = np.linspace(0, np.pi, points)
    row = (1 + 2 * np.cos(w)) / 3
    return {"w": w, "pool_row": row, "pool_diag": row ** 2, "diff_row": row - 1, "diff_diag": row ** 2 - 1}


def to_gray(view: np.ndarray) -> np.ndarray:
    """RGB uint8 (H, W, 3) -> luminance (H, W) in [0, 1]."""
    return (np.asarray(view, dtype=np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)) / 255.0


# ---------------------------------------------------------------------------------------- feature maps
def channel_order(feature: np.ndarray) -> np.ndarray:
    """Channels of (C, H, W) sorted by spatial variance, most varied first."""
    f = np.asarray(feature, dtype=np.float64)
    return np.argsort(-f.reshape(f.shape[0], -1).var(axis=1), kind="stable")


def stage_maps(features: Sequence[np.ndarray], per_stage: int = 6) -> tuple[list[list[np.ndarray]], list[list[str]],
                                                                             list[dict]]:
    """Per stage (C, H, W): the channel-L2 norm then its ``per_stage - 1`` most varied channels, their tile
    names, and one row per stage (stage, shape (1, C, H, W), tokens, channels shown)."""
    maps, names, rows = [], [], []
    for i, f in enumerate(features):
        f = np.asarray(f, dtype=np.float32)
        C, H, W = f.shape
        order = channel_order(f)[:per_stage - 1]
        maps.append([np.sqrt((f ** 2).sum(0))] + [f[c] for c in order])
        names.append([f"s{i} |x|"] + [f"s{i} c{c}" for c in order])
        rows.append({"stage": i, "shape": (1, C, H, W), "tokens": H * W, "channels": [int(c) for c in order]})
    return maps, names, rows


def stage_rows(model, stage_shapes: Sequence[tuple], macs_per_layer: Sequence[float]) -> list[dict]:
    """One row per stage of a PoolFormer: its blocks, output shape, tokens, the parameters of one block's
    token mixer and channel MLP, and one block's MMACs."""
    rows = []
    for i, (depth, shape) in enumerate(zip(model.depths, stage_shapes)):
        blk = model.stages[i].blocks[0]
        rows.append({"stage": i, "blocks": depth, "shape": str(tuple(shape)), "tokens": shape[-2] * shape[-1],
                     "mixer_params": sum(p.numel() for p in blk.token_mixer.parameters()),
                     "mlp_params": sum(p.numel() for p in blk.mlp.parameters()),
                     "block_mmacs": round(macs_per_layer[sum(model.depths[:i])] / 1e6, 2)})
    return rows


# ---------------------------------------------------------------------------------------- predictions
@lru_cache(maxsize=4)
def class_names(num_classes: int) -> tuple[str, ...]:
    """Readable names: ImageNet-1k (timm's offline tables), the synthetic scenes' 10 shapes, else indices."""
    if num_classes == 1000:
        try:
            info = ImageNetInfo()
            return tuple(info.index_to_description(i).split(",")[0] for i in range(1000))
        except Exception:  # noqa: BLE001 - no tables: fall back to indices
            pass
    if num_classes == len(SCENE_CLASSES):
        return tuple(SCENE_CLASSES)
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


def mixer_probabilities(logits: dict, names: Sequence[str], k: int = 5, reference: str = "pooling") -> list[dict]:
    """The probabilities of the reference mixer's top-k classes under every mixer: rows of class (its name;
    a name ImageNet repeats, such as "crane", gets its index so its bars keep their own band), index,
    probability and mixer, in the reference's order."""
    classes = top_classes(logits[reference], k)
    plain = [names[c] for c in classes]
    labels = [f"{n} ({c})" if plain.count(n) > 1 else n for n, c in zip(plain, classes)]
    return [{"class": label, "index": c, "probability": float(softmax(lg)[c]), "mixer": m}
            for m, lg in logits.items() for label, c in zip(labels, classes)]


__all__ = ["pool_minus_identity", "pool_kernel", "frequency_response", "to_gray", "channel_order", "stage_maps",
           "stage_rows", "class_names", "softmax", "top_classes", "mixer_rows", "mixer_probabilities"]
