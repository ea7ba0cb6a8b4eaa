"""``python -m vizcore sweep --models M[,M] [--reducers R,R] [--settings S,S] --data DIR --out results.jsonl``:
accuracy and cost of every configuration (models x reducers x settings), one JSON line per finished one,
resumable, under torchrun as well as in one process (``vizcore.analysis.sweep``)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vizcore.analysis.sweep import run_sweep, sweep_configs
from vizcore.cli import positive_int
from vizcore.data.distributed import setup, teardown
from vizcore.evaluate import parse_data, threads
from vizcore.models.reducer_registry import reducer_names
from vizcore.models.registry import get_spec


def names(text: str) -> list[str]:
    """argparse type of a comma-separated list of names."""
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values:
        raise argparse.ArgumentTypeError(f"expected names separated by commas, got {text!r}")
    return values


def numbers(text: str) -> list[float]:
    """argparse type of a comma-separated list of settings (0.5,0.7 or 8,13)."""
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None


def model_files(pairs: list[str] | None) -> dict[str, str]:
    """``--checkpoint MODEL=FILE`` (repeated) -> {model: file}."""
    out = {}
    for pair in pairs or ():
        model, sep, path = pair.partition("=")
        if not sep or not model or not path:
            raise ValueError(f"--checkpoint {pair!r}: expected MODEL=FILE")
        if not Path(path).is_file():
            raise FileNotFoundError(f"--checkpoint {pair!r}: no such file {path}")
        out[model] = path
    return out


def cmd_sweep(args) -> int:
    data, n = parse_data(args.data)
    if args.n is not None:
        n = args.n
    if args.wnids and data == "scenes":
        raise ValueError("--wnids maps the folders of an ImageFolder; the scenes have their own classes")
    unknown = [r for r in args.reducers or () if r not in reducer_names()]
    if unknown:
        raise ValueError(f"unknown reducer {unknown[0]!r}; choose from {', '.join(reducer_names())}")
    files = model_files(args.checkpoint)

    def source_for(model: str) -> tuple[str, str | None]:
        if model in files:
            return "file", files[model]
        if args.source:
            return args.source, None
        return ("bundled" if "bundled" in get_spec(model).sources else "random"), None

    configs = sweep_configs(args.models, args.reducers, args.settings)
    world = setup(args.device)
    try:
        threads(args.threads)
        run_sweep(configs, Path(args.out), data=args.data if data == "scenes" else data, n=n, source_for=source_for,
                  batch=args.batch, workers=args.workers, wnids=args.wnids, class_file=args.classes, world=world,
                  progress=not args.quiet, say=None if args.quiet else lambda line: print(line, flush=True),
                  after=None if args.quiet or not world.main else lambda r: print(
                      f"  top-1 {r['top1']:.4f}  top-5 {r['top5']:.4f}  n {r['n']}  GMACs {r['gmacs']:.4f}  "
                      f"{r['images_per_s']:.1f} images/s" + (f"  skipped {r['skipped']}" if r.get("skipped") else ""),
                      flush=True))
    finally:
        teardown()
    if world.main and not args.quiet:
        print(f"results in {args.out}", file=sys.stderr)
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("sweep", help="accuracy and cost of models x reducers x settings, one JSON line per "
                                            "configuration, resumable (also under torchrun)")
    p.add_argument("--models", type=names, required=True, help="e.g. deit_small_patch16_224,dynamicvit_deit_small")
    p.add_argument("--reducers", type=names, default=None,
                   help="reducers of the registry to run on the plain ViTs (default: all; see python -m vizcore reducers)")
    p.add_argument("--settings", type=numbers, default=None,
                   help="settings of every reducer, e.g. 0.5,0.7 (default: each reducer's grid over the token budgets)")
    p.add_argument("--data", default="scenes", help="scenes, scenes[:N] or an ImageFolder directory")
    p.add_argument("--n", "--images", dest="n", type=positive_int, default=None,
                   help="only the first N images (under torchrun: --images; torchrun takes --n for --nnodes)")
    p.add_argument("--wnids", action="store_true", help="class folders are ImageNet wnids (n01440764, ...)")
    p.add_argument("--classes", type=Path, default=None,
                   help="class-index file for another label space: JSON {folder: index} or one class name per line")
    p.add_argument("--out", required=True, help="results file (JSON lines); a rerun skips what it holds")
    p.add_argument("--source", default=None, help="bundled (default when present), random or hub")
    p.add_argument("--checkpoint", action="append", default=None, metavar="MODEL=FILE",
                   help="a checkpoint file for one model (repeatable)")
    p.add_argument("--device", default=None, help="cpu, cuda, mps or auto (under torchrun: each rank its own GPU)")
    p.add_argument("--batch", type=positive_int, default=100)
    p.add_argument("--workers", type=int, default=0, help="DataLoader worker processes per rank")
    p.add_argument("--threads", type=positive_int, default=None)
    p.add_argument("--quiet", action="store_true", help="no progress or lines, only the results file")
    p.set_defaults(func=cmd_sweep)
