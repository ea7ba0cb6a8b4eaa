"""Evaluation of a model on the synthetic scenes (accuracy, cost and token precision) or an ImageFolder.

Data: ``"scenes"`` (the held-out synthetic test split, with masks) or a folder in ImageFolder layout
(``root/<class>/<image>``; classes sorted, mapped to the model's outputs in that order, or, with
``wnids=True`` and folders named by ImageNet wnids such as ``n01440764``, to the ImageNet-1k class index).

Returned: ``top1`` (0..1), ``n``, ``gmacs`` (analytic, per image), and for token reducers (a trace whose last
stage drops or merges patch tokens) ``keep_precision`` — the share of the patch tokens alive after the last
stage whose object coverage is > 0 — with ``object_share``, the share of all patch tokens with coverage > 0,
and where the kept tokens lie: ``kept_by_region`` gives the share of each region's tokens still alive
(``inside``: fully covered; ``edge``: partly covered, the outline; ``near``: uncovered but touching an object
token, 8-neighbourhood; ``far``: the rest) and ``keep_precision_near`` counts object and near tokens as hits.
For WuKong (a "reduce" stage of soft maps) ``map_object_mass``: the mean mass of the T maps on the object.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from tqdm import tqdm

from vizcore.data import model_scenes
from vizcore.data.scenes import batch_coverage, to_tensor

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}


def _model_input(model, images: np.ndarray) -> torch.Tensor:
    cfg = model.pretrained_cfg
    size = int(cfg["input_size"][-1])
    if images.shape[1] != size:
        images = np.stack([np.asarray(Image.fromarray(im).resize((size, size), Image.BILINEAR)) for im in images])
    return to_tensor(images, cfg["mean"], cfg["std"])


def reducer_stats(trace, masks: np.ndarray) -> dict | None:
    """Kept-token precision of the last stage against the masks (B, H, W)."""
    if not trace.stages:
        return None
    h, w = trace.grid
    coverage = batch_coverage(masks, (h, w))  # (B, h*w) in 0..1
    cov = torch.from_numpy(coverage > 0)
    last = trace.stages[-1]
    if last.kind == "reduce":
        maps = last.source  # (B, T, h*w), rows sum to 1
        if maps is None:
            return None
        mass = (maps.float() * cov[:, None, :].float()).sum(-1).mean(-1)  # (B,)
        return {"kind": "reduce", "mass": mass.sum().item(), "share": cov.float().mean(-1).sum().item(), "n": len(cov)}
    kept = last.kept_mask(h * w).cpu()
    regions = token_regions(coverage, (h, w))
    return {"kind": "keep", "hit": (kept & cov).sum().item(), "kept": kept.sum().item(),
            "hit_near": (kept & (cov | regions["near"])).sum().item(),
            "region_kept": {k: (kept & r).sum().item() for k, r in regions.items()},
            "region_total": {k: r.sum().item() for k, r in regions.items()},
            "share": cov.float().mean(-1).sum().item(), "n": len(cov)}


def token_regions(coverage: np.ndarray, grid: tuple[int, int]) -> dict[str, torch.Tensor]:
    """Patch tokens by where they lie against the object: coverage (B, h*w) in 0..1 -> bool (B, h*w) masks
    ``inside`` (coverage 1), ``edge`` (0 < coverage < 1), ``near`` (0, but an 8-neighbour of a covered
    token) and ``far``; together they partition the grid."""
    cov = torch.as_tensor(coverage, dtype=torch.float32)
    h, w = grid
    obj = cov > 0
    grown = F.max_pool2d(obj.float().reshape(-1, 1, h, w), 3, stride=1, padding=1).reshape(obj.shape) > 0
    inside = cov >= 1 - 1e-6
    return {"inside": inside, "edge": obj & ~inside, "near": grown & ~obj, "far": ~grown}


@torch.no_grad()
def evaluate_model(model, n: int | None = None, batch: int = 100, reducer=None, data: str = "scenes",
                   progress: bool = False, wnids: bool = False) -> dict:
    """Evaluate ``model`` on the scenes test split (first ``n``) or an ImageFolder; see the module doc."""
    model.eval()
    tokens, macs, other = model.analytic_macs(reducer=reducer) if reducer is not None else model.analytic_macs()
    gmacs = (sum(macs) + other) / 1e9
    if data != "scenes":
        return _evaluate_folder(model, Path(data), n, batch, gmacs, wnids)
    data_set = model_scenes(model)
    n = data_set.TEST_SIZE if n is None else min(int(n), data_set.TEST_SIZE)
    correct, hit, kept, share, mass, count, kind = 0, 0, 0, 0.0, 0.0, 0, None
    hit_near, region_kept, region_total = 0, {}, {}
    it = range(0, n, batch)
    if progress:
        it = tqdm(it, desc="evaluate", file=sys.stderr)
    for i in it:
        images, labels, masks = data_set.make_batch(range(i, min(n, i + batch)), "test", 96 if not hasattr(model, "pretrained_cfg")
                                           else int(model.pretrained_cfg["input_size"][-1]))
        x = _model_input(model, images)
        kwargs = {"reducer": reducer} if reducer is not None else {}
        out = model.forward_trace(x, **kwargs)
        correct += (out.logits.argmax(-1).numpy() == labels).sum()
        st = reducer_stats(out.trace, masks)
        if st is not None:
            kind = st["kind"]
            share += st["share"]
            count += st["n"]
            if kind == "keep":
                hit += st["hit"]
                kept += st["kept"]
                hit_near += st["hit_near"]
                for k in st["region_kept"]:
                    region_kept[k] = region_kept.get(k, 0) + st["region_kept"][k]
                    region_total[k] = region_total.get(k, 0) + st["region_total"][k]
            else:
                mass += st["mass"]
    res = {"top1": round(float(correct) / n, 4), "n": n, "gmacs": round(gmacs, 4)}
    if kind == "keep":
        res["keep_precision"] = round(hit / max(kept, 1), 4)
        res["object_share"] = round(share / max(count, 1), 4)
        res["keep_precision_near"] = round(hit_near / max(kept, 1), 4)
        res["kept_by_region"] = {k: round(region_kept[k] / max(region_total[k], 1), 4) for k in region_kept}
    elif kind == "reduce":
        res["map_object_mass"] = round(mass / max(count, 1), 4)
        res["object_share"] = round(share / max(count, 1), 4)
    return res


def folder_classes(root: Path, wnids: bool = False, num_outputs: int | None = None) -> dict[str, int]:
    """The class folders of an ImageFolder ``root`` -> the model output each one is: sorted order, or with
    ``wnids`` the ImageNet-1k index of the folder's wnid (timm's offline ImageNet metadata). ``num_outputs``
    (the model's, when known) is checked against the classes. Raises FileNotFoundError / ValueError with a
    message for the user."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"no folder {root}")
    classes = sorted(d.name for d in root.iterdir() if d.is_dir())
    if not classes:
        raise ValueError(f"{root} has no class sub-folders (ImageFolder layout: root/<class>/<image>)")
    if not wnids:
        if num_outputs is not None and len(classes) > num_outputs:
            raise ValueError(f"{root} has {len(classes)} class folders but the model has {num_outputs} outputs")
        return {c: i for i, c in enumerate(classes)}
    from timm.data import ImageNetInfo  # defers timm (about 2 s): only an ImageNet folder needs its class list
    index = {name: i for i, name in enumerate(ImageNetInfo().label_names())}
    unknown = [c for c in classes if c not in index]
    if unknown:
        raise ValueError(f"--wnids: {len(unknown)} folder(s) of {root} are no ImageNet-1k wnid, e.g. {unknown[0]!r} "
                         "(expected names like n01440764)")
    if num_outputs is not None and num_outputs != len(index):
        raise ValueError(f"--wnids maps folders to the {len(index)} ImageNet-1k classes, but the model has "
                         f"{num_outputs} outputs")
    return {c: index[c] for c in classes}


def _evaluate_folder(model, root: Path, n: int | None, batch: int, gmacs: float, wnids: bool = False) -> dict:
    """ImageFolder evaluation with timm's eval transform for the model's data config."""
    from timm.data import create_transform, resolve_data_config  # defers timm (about 2 s) to folder evaluation
    labels = folder_classes(root, wnids, getattr(model, "num_classes", None))
    items = [(p, label) for c, label in labels.items() for p in sorted((root / c).iterdir())
             if p.suffix.lower() in IMAGE_SUFFIXES]
    if not items:
        raise ValueError(f"{root} has no images in its class folders ({', '.join(sorted(IMAGE_SUFFIXES))})")
    if n is not None:
        items = items[:n]
    tf = create_transform(**resolve_data_config({}, model=model))
    correct = 0
    for i in range(0, len(items), batch):
        chunk = items[i:i + batch]
        x = torch.stack([tf(Image.open(p).convert("RGB")) for p, _ in chunk])
        y = torch.tensor([c for _, c in chunk])
        correct += (model(x).argmax(-1) == y).sum().item()
    return {"top1": round(correct / max(1, len(items)), 4), "n": len(items), "gmacs": round(gmacs, 4),
            "classes": len(labels)}


__all__ = ["evaluate_model", "folder_classes", "reducer_stats", "token_regions"]
