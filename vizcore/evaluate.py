"""``python -m vizcore evaluate --model NAME --data scenes[:N] --json``: accuracy, cost and token precision.

Data: ``scenes`` / ``scenes[:N]`` (the held-out synthetic test split, with masks) or a folder in ImageFolder
layout (``root/<class>/<image>``; classes sorted, mapped to the model's outputs in that order, by the
ImageNet-1k class index when the folder names are ImageNet wnids and ``--wnids`` is given, or by a class-index
file, ``--classes``).

Under ``torchrun --nproc_per_node N -m vizcore evaluate ...`` every process evaluates its shard of the data
and rank 0 prints the summed result (``vizcore.data.distributed``); the numbers are the same for any N.

The evaluation itself, and what each printed number means, is ``vizcore.analysis.evaluation``; this module
parses the command line and calls it.
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import torch

from vizcore.analysis.evaluation import evaluate_model
from vizcore.cli import block_list, json_object, positive_int
from vizcore.data.distributed import setup, teardown
from vizcore.models.reducer_registry import default_locations, get_reducer, pruning_locations, reducer_names
from vizcore.models.registry import create_model, get_spec, list_models


def parse_data(spec: str) -> tuple[str, int | None]:
    """'scenes' -> ('scenes', None); 'scenes[:500]' -> ('scenes', 500); anything else: an ImageFolder path,
    which must exist. Raises ValueError / FileNotFoundError with a message for the user."""
    spec = spec.strip()
    m = re.fullmatch(r"scenes(?:\[:(\d+)\])?", spec)
    if m:
        return "scenes", (int(m.group(1)) if m.group(1) else None)
    if spec.startswith("scenes["):
        raise ValueError(f"--data {spec!r}: use scenes, scenes[:N] (N a whole number) or a folder")
    if not Path(spec).is_dir():
        raise FileNotFoundError(f"--data {spec!r}: no such folder (use scenes, scenes[:N] or an ImageFolder directory)")
    return spec, None


def make_reducer(kind: str, model, setting: float | None = None, locs=None, model_name: str | None = None):
    """A training-free reducer of the reducer registry for the plain ViT ``model`` at ``setting`` (default: the
    reducer's own) and blocks ``locs`` (default: those of ``model_name``'s trained partner, else spread out)."""
    spec = get_reducer(kind)
    if not spec.training_free:
        raise ValueError(f"{kind} needs its own trained model: evaluate one of {', '.join(list_models(spec.model_family))} "
                         "with --model instead")
    if not locs:
        locs = pruning_locations(model_name) if model_name else default_locations(len(model.blocks))
    if max(locs) >= len(model.blocks):
        raise ValueError(f"--locs {','.join(map(str, locs))}: the model has blocks 0 to {len(model.blocks) - 1}")
    return spec.make(model, spec.setting.default if setting is None else setting, tuple(locs))


def reducer_choice(value: str) -> str:
    """``--reducer``: a training-free reducer of the registry (checked when given, so --help stays fast)."""
    names = reducer_names(training_free=True)
    if value not in names:
        raise argparse.ArgumentTypeError(f"unknown reducer {value!r}; choose from {', '.join(names)}")
    return value


def threads(count: int | None) -> None:
    """``--threads``: torch's intra-op threads of this process (under torchrun: of each process)."""
    if count:
        torch.set_num_threads(count)


def non_negative_int(text: str) -> int:
    """argparse type of ``--workers``: 0 (load in the main process) or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


def cmd_evaluate(args) -> int:
    data, n = parse_data(args.data)  # a bad --data fails before the model loads
    if (args.wnids or args.classes) and data == "scenes":
        raise ValueError("--wnids and --classes map the folders of an ImageFolder; the scenes have their own classes")
    if args.wnids and args.classes:
        raise ValueError("--wnids and --classes both map the folders: give one")
    spec = get_spec(args.model)
    source = args.source or ("bundled" if "bundled" in spec.sources else "random")
    world = setup(args.device)
    try:
        model = create_model(args.model, source, checkpoint=args.checkpoint, options=args.options, device=world.device)
        threads(args.threads)
        if args.n is not None:
            n = args.n
        reducer = None
        if args.reducer:
            reducer = make_reducer(args.reducer, model, args.setting, args.locs, model_name=args.model)
        res = {"model": args.model, "source": source, "data": args.data,
               **({"reducer": args.reducer} if reducer else {}),
               **evaluate_model(model, n=n, batch=args.batch, reducer=reducer, data=data, progress=not args.json,
                                wnids=args.wnids, class_file=args.classes, workers=args.workers, world=world),
               "device": str(world.device), "processes": world.size}
    finally:
        teardown()
    if not world.main:
        return 0
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
    p.add_argument("--n", "--images", dest="n", type=positive_int, default=None,
                   help="only the first N images (under torchrun: --images; torchrun takes --n for --nnodes)")
    p.add_argument("--wnids", action="store_true",
                   help="the ImageFolder's class folders are ImageNet wnids (n01440764, ...): map them to the "
                        "model's 1000 ImageNet outputs")
    p.add_argument("--classes", type=Path, default=None,
                   help="class-index file for another label space: JSON {folder: index}, or one class name per "
                        "line (line k = output k)")
    p.add_argument("--source", default=None, help="bundled (default when present), random, hub or file")
    p.add_argument("--checkpoint", default=None, help="checkpoint file for --source file")
    p.add_argument("--options", type=json_object, default=None, help="JSON model options, e.g. '{\"r\": 8}'")
    p.add_argument("--reducer", default=None, type=reducer_choice,
                   help="run a training-free reducer of the registry on a plain ViT (python -m vizcore reducers)")
    p.add_argument("--setting", type=float, default=None,
                   help="the reducer's setting (keep ratio, ToMe's r, ...; default: the reducer's own)")
    p.add_argument("--locs", type=block_list, default=None, help="reduction blocks, e.g. 2,3,4")
    p.add_argument("--batch", type=positive_int, default=100)
    p.add_argument("--threads", type=positive_int, default=None)
    p.add_argument("--workers", type=non_negative_int, default=0, help="DataLoader worker processes (per process)")
    p.add_argument("--device", default=None,
                   help="cpu, cuda, mps or auto (default: $VIZCORE_DEVICE or the best; under torchrun each rank "
                        "takes GPU LOCAL_RANK)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_evaluate)
