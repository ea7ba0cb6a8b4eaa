"""``python -m vizcore evaluate --model NAME --data scenes[:N] --json``: accuracy, cost and token precision.

Data: ``scenes`` / ``scenes[:N]`` (the held-out synthetic test split, with masks) or a folder in ImageFolder
layout (``root/<class>/<image>``; classes sorted, mapped to the model's outputs in that order, or by the
ImageNet-1k class index when the folder names are ImageNet wnids and ``--wnids`` is given).

The evaluation itself, and what each printed number means, is ``vizcore.analysis.evaluation``; this module
parses the command line and calls it.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import torch

from vizcore.analysis.evaluation import evaluate_model
from vizcore.cli import json_object
from vizcore.models.registry import create_model, get_spec


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


def make_reducer(kind: str, keep: float = 0.7, locs=None, r: int | None = None, depth: int = 6):
    """A training-free reducer for a plain ViT: evit | random_drop | tome."""
    locs = tuple(locs) if locs else ((2, 3, 4) if depth == 6 else (3, 6, 9))
    if kind == "evit":
        from vizcore.models.evit import EViTReducer
        return EViTReducer(locs=locs, keep_rate=keep)
    if kind == "random_drop":
        from vizcore.models.random_drop import RandomDropReducer
        return RandomDropReducer(pruning_loc=locs, keep_ratios=tuple(keep ** (i + 1) for i in range(len(locs))))
    if kind == "tome":
        from vizcore.models.tome import ToMeReducer
        return ToMeReducer(r=8 if r is None else r)
    raise ValueError(f"unknown reducer {kind!r} (evit, random_drop, tome)")


def cmd_evaluate(args) -> int:
    data, n = parse_data(args.data)  # a bad --data fails before the model loads
    if args.wnids and data == "scenes":
        raise ValueError("--wnids maps the folders of an ImageFolder; the scenes have their own classes")
    spec = get_spec(args.model)
    source = args.source or ("bundled" if "bundled" in spec.sources else "random")
    model = create_model(args.model, source, checkpoint=args.checkpoint, options=args.options)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.n is not None:
        n = args.n
    reducer = None
    if args.reducer:
        locs = [int(v) for v in args.locs.split(",")] if args.locs else None
        reducer = make_reducer(args.reducer, args.keep, locs, args.r, depth=len(getattr(model, "blocks", [])) or 12)
    res = {"model": args.model, "source": source, "data": args.data, **({"reducer": args.reducer} if reducer else {}),
           **evaluate_model(model, n=n, batch=args.batch, reducer=reducer, data=data, progress=not args.json,
                             wnids=args.wnids)}
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
    p.add_argument("--wnids", action="store_true",
                   help="the ImageFolder's class folders are ImageNet wnids (n01440764, ...): map them to the "
                        "model's 1000 ImageNet outputs")
    p.add_argument("--source", default=None, help="bundled (default when present), random, hub or file")
    p.add_argument("--checkpoint", default=None, help="checkpoint file for --source file")
    p.add_argument("--options", type=json_object, default=None, help="JSON model options, e.g. '{\"r\": 8}'")
    p.add_argument("--reducer", default=None, choices=["evit", "random_drop", "tome"],
                   help="run a training-free reducer on a plain ViT")
    p.add_argument("--keep", type=float, default=0.7, help="keep rate of evit/random_drop")
    p.add_argument("--locs", default=None, help="reduction blocks, e.g. 2,3,4")
    p.add_argument("--r", type=int, default=None, help="ToMe tokens merged per block")
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_evaluate)
