"""``python -m vizcore evaluate --model NAME --data scenes[:N] --json``: accuracy, cost and token precision.

Data: ``scenes`` / ``scenes[:N]`` (the held-out synthetic test split, with masks) or a folder in ImageFolder
layout (``root/<class>/<image>``; classes sorted, mapped to the model's outputs in that order, or by an
``imagenet`` class index when the folder names are ImageNet wnids and ``--wnids`` is given).

Printed: ``top1`` (0..1), ``n``, ``gmacs`` (analytic, per image), and for token reducers (a trace whose last
stage drops or merges patch tokens) ``keep_precision`` — the share of the patch tokens alive after the last
stage whose object coverage is > 0 — with ``object_share``, the share of all patch tokens with coverage > 0,
and where the kept tokens lie: ``kept_by_region`` gives the share of each region's tokens still alive
(``inside``: fully covered; ``edge``: partly covered, the outline; ``near``: uncovered but touching an object
token, 8-neighbourhood; ``far``: the rest) and ``keep_precision_near`` counts object and near tokens as hits.
For WuKong (a "reduce" stage of soft maps) ``map_object_mass``: the mean mass of the T maps on the object.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from vizcore.models.reducer_registry import default_locations, get_reducer, pruning_locations, reducer_names
from vizcore.models.registry import list_models


def parse_data(spec: str) -> tuple[str, int | None]:
    """'scenes' -> ('scenes', None); 'scenes[:500]' -> ('scenes', 500); anything else: a folder path."""
    m = re.fullmatch(r"scenes(?:\[:(\d+)\])?", spec.strip())
    if m:
        return "scenes", (int(m.group(1)) if m.group(1) else None)
    return spec, None


def _model_input(model, images: np.ndarray) -> torch.Tensor:
    from vizcore.data.scenes import to_tensor
    cfg = model.pretrained_cfg
    size = int(cfg["input_size"][-1])
    if images.shape[1] != size:
        from PIL import Image
        images = np.stack([np.asarray(Image.fromarray(im).resize((size, size), Image.BILINEAR)) for im in images])
    return to_tensor(images, cfg["mean"], cfg["std"])


def _reducer_stats(trace, masks: np.ndarray) -> dict | None:
    """Kept-token precision of the last stage against the masks (B, H, W)."""
    from vizcore.data.scenes import batch_coverage
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
                   progress: bool = False) -> dict:
    """Evaluate ``model`` on the scenes test split (first ``n``) or an ImageFolder; see the module doc."""
    model.eval()
    tokens, macs, other = model.analytic_macs(reducer=reducer) if reducer is not None else model.analytic_macs()
    gmacs = (sum(macs) + other) / 1e9
    if data != "scenes":
        return _evaluate_folder(model, Path(data), n, batch, gmacs)
    from vizcore.data.scenes import TEST_SIZE, make_batch
    n = TEST_SIZE if n is None else min(int(n), TEST_SIZE)
    correct, hit, kept, share, mass, count, kind = 0, 0, 0, 0.0, 0.0, 0, None
    hit_near, region_kept, region_total = 0, {}, {}
    it = range(0, n, batch)
    if progress:
        from tqdm import tqdm
        it = tqdm(it, desc="evaluate", file=sys.stderr)
    for i in it:
        images, labels, masks = make_batch(range(i, min(n, i + batch)), "test", 96 if not hasattr(model, "pretrained_cfg")
                                           else int(model.pretrained_cfg["input_size"][-1]))
        x = _model_input(model, images)
        kwargs = {"reducer": reducer} if reducer is not None else {}
        out = model.forward_trace(x, **kwargs)
        correct += (out.logits.argmax(-1).numpy() == labels).sum()
        st = _reducer_stats(out.trace, masks)
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


def _evaluate_folder(model, root: Path, n: int | None, batch: int, gmacs: float) -> dict:
    """ImageFolder evaluation with timm's eval transform for the model's data config."""
    from PIL import Image
    from timm.data import create_transform, resolve_data_config
    if not root.is_dir():
        raise FileNotFoundError(f"no folder {root}")
    classes = sorted(d.name for d in root.iterdir() if d.is_dir())
    if not classes:
        raise ValueError(f"{root} has no class sub-folders (ImageFolder layout: root/<class>/<image>)")
    exts = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".JPEG"}
    items = [(p, i) for i, c in enumerate(classes) for p in sorted((root / c).iterdir()) if p.suffix in exts
             or p.suffix.lower() in exts]
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
            "classes": len(classes)}


def make_reducer(kind: str, model, setting: float | None = None, locs=None, model_name: str | None = None):
    """A training-free reducer of the reducer registry for the plain ViT ``model`` at ``setting`` (default: the
    reducer's own) and blocks ``locs`` (default: those of ``model_name``'s trained partner, else spread out)."""
    spec = get_reducer(kind)
    if not spec.training_free:
        raise ValueError(f"{kind} needs its own trained model: evaluate one of {', '.join(list_models(spec.model_family))} "
                         "with --model instead")
    if not locs:
        locs = pruning_locations(model_name) if model_name else default_locations(len(model.blocks))
    return spec.make(model, spec.setting.default if setting is None else setting, tuple(locs))


def reducer_choice(value: str) -> str:
    """``--reducer``: a training-free reducer of the registry (checked when given, so --help stays fast)."""
    names = reducer_names(training_free=True)
    if value not in names:
        raise argparse.ArgumentTypeError(f"unknown reducer {value!r}; choose from {', '.join(names)}")
    return value


def cmd_evaluate(args) -> int:
    from vizcore.models.registry import create_model, get_spec
    spec = get_spec(args.model)
    source = args.source or ("bundled" if "bundled" in spec.sources else "random")
    options = json.loads(args.options) if args.options else None
    model = create_model(args.model, source, checkpoint=args.checkpoint, options=options)
    if args.threads:
        torch.set_num_threads(args.threads)
    data, n = parse_data(args.data)
    if args.n is not None:
        n = args.n
    reducer = None
    if args.reducer:
        locs = [int(v) for v in args.locs.split(",")] if args.locs else None
        reducer = make_reducer(args.reducer, model, args.setting, locs, model_name=args.model)
    res = {"model": args.model, "source": source, "data": args.data, **({"reducer": args.reducer} if reducer else {}),
           **evaluate_model(model, n=n, batch=args.batch, reducer=reducer, data=data, progress=not args.json)}
    if args.json:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print(f"{k:16s} {v}")
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("evaluate", help="top-1, GMACs and kept-token precision on scenes or an ImageFolder")
    p.add_argument("--model", required=True)
    p.add_argument("--data", default="scenes", help="scenes, scenes[:N] or an ImageFolder directory")
    p.add_argument("--n", type=int, default=None, help="only the first N images")
    p.add_argument("--source", default=None, help="bundled (default when present), random, hub or file")
    p.add_argument("--checkpoint", default=None, help="checkpoint file for --source file")
    p.add_argument("--options", default=None, help="JSON model options")
    p.add_argument("--reducer", default=None, type=reducer_choice,
                   help="run a training-free reducer of the registry on a plain ViT (python -m vizcore reducers)")
    p.add_argument("--setting", type=float, default=None,
                   help="the reducer's setting (keep ratio, ToMe's r, ...; default: the reducer's own)")
    p.add_argument("--locs", default=None, help="reduction blocks, e.g. 2,3,4")
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_evaluate)
