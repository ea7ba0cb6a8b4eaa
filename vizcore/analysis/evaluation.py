"""Evaluation of a model on the synthetic scenes (accuracy, cost and token precision) or an ImageFolder, in one
process or sharded across the processes of torchrun (``vizcore.data.distributed``: counts summed, the same numbers
for any number of processes).

Data: ``"scenes"`` (the held-out synthetic test split, with masks) or a folder in ImageFolder layout
(``root/<class>/<image>``; classes sorted, mapped to the model's outputs in that order, or, with
``wnids=True`` and folders named by ImageNet wnids such as ``n01440764``, to the ImageNet-1k class index, or
by a class-index file: ``vizcore.data.folder``).

Returned: ``top1`` and ``top5`` (0..1), ``n``, ``gmacs`` (analytic, per image), ``images_per_s``, for folders
``classes`` and, when files could not be read, ``skipped`` and ``skipped_files``; for token reducers (a trace whose last
stage drops or merges patch tokens) ``keep_precision`` — the share of the patch tokens alive after the last
stage whose object coverage is > 0 — with ``object_share``, the share of all patch tokens with coverage > 0,
and where the kept tokens lie: ``kept_by_region`` gives the share of each region's tokens still alive
(``inside``: fully covered; ``edge``: partly covered, the outline; ``near``: uncovered but touching an object
token, 8-neighbourhood; ``far``: the rest) and ``keep_precision_near`` counts object and near tokens as hits.
For WuKong (a "reduce" stage of soft maps) ``map_object_mass``: the mean mass of the T maps on the object.
For an adaptive reducer (the tokens kept depend on the image) ``measured_gmacs`` and ``measured_tokens``: the
mean of each image's own cost (what it computes alone), beside ``gmacs``, its analytic budget.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from vizcore.data.folder import Batch, ImageFolderData, collate_skipping, folder_classes, folder_items
from vizcore.data import model_scenes
from vizcore.data.scenes import batch_coverage, to_tensor
from vizcore.data.distributed import ShardSampler, World, barrier, gather_lists, sum_counts


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
        mass = (maps.float().cpu() * cov[:, None, :].float()).sum(-1).mean(-1)  # (B,)
        return {"kind": "reduce", "mass": mass.sum().item(), "share": cov.float().mean(-1).sum().item(), "n": len(cov),
                "obj_tokens": int(cov.sum()), "tokens": cov.numel()}
    kept = last.kept_mask(h * w).cpu()
    regions = token_regions(coverage, (h, w))
    return {"kind": "keep", "hit": (kept & cov).sum().item(), "kept": kept.sum().item(),
            "hit_near": (kept & (cov | regions["near"])).sum().item(),
            "region_kept": {k: (kept & r).sum().item() for k, r in regions.items()},
            "region_total": {k: r.sum().item() for k, r in regions.items()},
            "share": cov.float().mean(-1).sum().item(), "n": len(cov),
            "obj_tokens": int(cov.sum()), "tokens": cov.numel()}


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


class SceneData(Dataset):
    """The first ``n`` scenes of the held-out test split of ``scenes`` (a module of :func:`vizcore.data.scene_set`)
    at ``size`` px: (image (H, W, 3) uint8, label, mask)."""

    def __init__(self, n: int, size: int, scenes):
        self.n, self.size, self.scenes = n, size, scenes

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        images, labels, masks = self.scenes.make_batch([i], "test", self.size)
        return images[0], int(labels[0]), masks[0]


def _scene_collate(model):
    """DataLoader ``collate_fn`` of :class:`SceneData` for ``model``: its normalised input, labels, masks."""
    def collate(items) -> Batch:
        images, labels, masks = zip(*items)
        return Batch(_model_input(model, np.stack(images)), torch.tensor(labels), (), (np.stack(masks),))
    return collate


#: the counts an evaluation sums over its batches and processes (whole numbers, but the WuKong maps' mass)
_COUNTS = ("n", "correct1", "correct5", "skipped", "adaptive", "keep_images", "hit", "kept", "hit_near", "obj_tokens",
           "tokens", "reduce_images", "reduce_obj_tokens", "reduce_tokens")
_REGIONS = ("inside", "edge", "near", "far")


def _add_stats(counts: dict, st: dict) -> None:
    """Adds one batch's :func:`reducer_stats` to ``counts``."""
    if st["kind"] == "keep":
        counts["keep_images"] += st["n"]
        for k in ("hit", "kept", "hit_near", "obj_tokens", "tokens"):
            counts[k] += int(st[k])
        for k in _REGIONS:
            counts[f"kept_{k}"] += int(st["region_kept"][k])
            counts[f"total_{k}"] += int(st["region_total"][k])
    else:
        counts["reduce_images"] += st["n"]
        counts["reduce_obj_tokens"] += st["obj_tokens"]
        counts["reduce_tokens"] += st["tokens"]
        counts["mass"] += st["mass"]


def _summary(counts: dict) -> dict:
    """The reported numbers of summed counts (see the module doc)."""
    n = max(counts["n"], 1)
    res = {"top1": round(counts["correct1"] / n, 4), "top5": round(counts["correct5"] / n, 4)}
    if counts["keep_images"]:
        kept = max(counts["kept"], 1)
        res["keep_precision"] = round(counts["hit"] / kept, 4)
        res["object_share"] = round(counts["obj_tokens"] / max(counts["tokens"], 1), 4)
        res["keep_precision_near"] = round(counts["hit_near"] / kept, 4)
        res["kept_by_region"] = {k: round(counts[f"kept_{k}"] / max(counts[f"total_{k}"], 1), 4) for k in _REGIONS}
    elif counts["reduce_images"]:
        res["map_object_mass"] = round(counts["mass"] / counts["reduce_images"], 4)
        res["object_share"] = round(counts["reduce_obj_tokens"] / max(counts["reduce_tokens"], 1), 4)
    return res


def _measured_cost(counts: dict) -> dict:
    """Where the tokens kept depended on the image (an adaptive reducer): the mean of each image's own cost,
    ``measured_gmacs`` and ``measured_tokens`` (tokens entering a layer, prefix included), beside the analytic
    budget ``gmacs``. Empty otherwise (every image costs ``gmacs``)."""
    if not counts["adaptive"] or not counts["n"]:
        return {}
    return {"measured_gmacs": round(counts["image_gmacs"] / counts["n"], 4),
            "measured_tokens": round(counts["image_tokens"] / counts["n"], 1)}


def _device_of(model) -> torch.device:
    return next((p.device for p in model.parameters()), torch.device("cpu"))


@torch.no_grad()
def evaluate_model(model, n: int | None = None, batch: int = 100, reducer=None, data: str = "scenes",
                   progress: bool = False, wnids: bool = False, class_file: Path | None = None, workers: int = 0,
                   world: World | None = None) -> dict:
    """Evaluate ``model`` (on its own device) on the scenes test split (first ``n``) or an ImageFolder ``data``
    (first ``n`` images; classes by ``wnids`` or ``class_file``, see :mod:`vizcore.data.folder`), with the
    model's own preprocessing, ``workers`` DataLoader workers, ``batch`` images per forward pass.

    Under torchrun (``world`` of :func:`vizcore.data.distributed.setup`) each process takes its shard and the counts
    are summed: every process returns the same numbers, identical for any number of processes. A progress bar
    (images, images/s, ETA) on rank 0 when ``progress``. Unreadable images are skipped: ``skipped`` and
    ``skipped_files`` in the result (folders only). Also returned: ``top5``, ``images_per_s`` (all processes
    together, wall time)."""
    world = world or World(0, 1, _device_of(model))
    model.eval()
    tokens, macs, other = model.analytic_macs(reducer=reducer) if reducer is not None else model.analytic_macs()
    gmacs = (sum(macs) + other) / 1e9
    extra = {}
    if data == "scenes":
        size = int(model.pretrained_cfg["input_size"][-1]) if hasattr(model, "pretrained_cfg") else 96
        scenes = model_scenes(model)  # the scene set the model learnt
        dataset = SceneData(scenes.TEST_SIZE if n is None else min(int(n), scenes.TEST_SIZE), size, scenes)
        collate = _scene_collate(model)
    else:
        from timm.data import create_transform, resolve_data_config  # defers timm (about 2 s) to folder evaluation
        root = Path(data)
        labels = folder_classes(root, wnids, getattr(model, "num_classes", None), class_file)
        items = folder_items(root, labels)
        dataset = ImageFolderData(items[:n] if n is not None else items,
                                  create_transform(**resolve_data_config({}, model=model)), root)
        collate, extra = collate_skipping, {"classes": len(labels)}
    loader = DataLoader(dataset, batch_size=batch, sampler=ShardSampler(len(dataset), world.rank, world.size),
                        num_workers=workers, collate_fn=collate, persistent_workers=False)
    counts: dict = dict.fromkeys(_COUNTS, 0) | {f"{w}_{k}": 0 for w in ("kept", "total") for k in _REGIONS}
    counts["mass"] = counts["image_gmacs"] = counts["image_tokens"] = 0.0
    adaptive = bool(getattr(reducer, "adaptive", False))  # the tokens kept depend on the image
    skipped: list[str] = []
    device = _device_of(model)
    bar = tqdm(total=len(dataset), unit="img", desc="evaluate", file=sys.stderr, dynamic_ncols=True,
               disable=not (progress and world.main))
    start = time.perf_counter()
    for b in loader:
        skipped += b.skipped
        counts["skipped"] += len(b.skipped)
        if b.x is not None:
            x, y = b.x.to(device), b.labels
            if reducer is not None or b.extra:
                out = model.forward_trace(x, **({"reducer": reducer} if reducer is not None else {}))
                logits, trace = out.logits, out.trace
            else:
                logits, trace = model(x), None
            top = logits.topk(min(5, logits.shape[-1]), dim=-1).indices.cpu()  # (B, 5)
            if adaptive and trace is not None:  # each image's own cost (the pass's, where the batch agrees)
                counts["image_gmacs"] += float(trace.image_gmacs(len(y)).sum())
                counts["image_tokens"] += float(trace.image_tokens(len(y)).sum())
                counts["adaptive"] += len(y)
            counts["n"] += len(y)
            counts["correct1"] += int((top[:, 0] == y).sum())
            counts["correct5"] += int((top == y[:, None]).any(-1).sum())
            st = reducer_stats(trace, b.extra[0]) if b.extra and trace is not None else None
            if st is not None:
                _add_stats(counts, st)
        bar.update((len(b.labels) + len(b.skipped)) * world.size)  # the others' shards move alike
    barrier(world)
    seconds = time.perf_counter() - start
    bar.close()
    counts = sum_counts(counts, world)
    skipped = gather_lists(skipped, world)
    res = {**_summary(counts), "n": counts["n"], "gmacs": round(gmacs, 4), **extra,
           **_measured_cost(counts),
           "images_per_s": round((counts["n"] + counts["skipped"]) / max(seconds, 1e-9), 1)}
    if skipped:
        res["skipped"] = len(skipped)
        res["skipped_files"] = sorted(skipped)
    return res


__all__ = ["SceneData", "evaluate_model", "folder_classes", "reducer_stats", "token_regions"]
