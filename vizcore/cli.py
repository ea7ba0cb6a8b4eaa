"""The ``python -m vizcore`` command line."""
from __future__ import annotations

import argparse
import json
import sys


def cmd_models(args) -> int:
    from vizcore.models.registry import describe, list_models
    rows = [describe(name) for name in list_models(args.family)]
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print(f"{'name':28s} {'family':12s} {'params':>12s} {'GMACs':>7s}  sources")
        for r in rows:
            print(f"{r['name']:28s} {r['family']:12s} {r['params']:12,d} {r['gmacs']:7.2f}  {','.join(r['sources'])}")
    return 0


def cmd_reducers(args) -> int:
    from vizcore.models.reducer_registry import list_reducers
    rows = [spec.describe() for spec in list_reducers()]
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print(f"{'name':14s} {'family':8s} {'setting':8s} {'default':>8s}  {'runs on':28s} models")
        for r in rows:
            runs_on = "a plain ViT (training-free)" if r["training_free"] else f"its own {r['model_family']} models"
            print(f"{r['name']:14s} {r['family']:8s} {r['setting']['name']:8s} {r['setting']['default']:8g}  "
                  f"{runs_on:28s} {','.join(r['models'])}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m vizcore", description="Token Lab's library and tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("models", help="list registered models with params, GMACs and token schedule")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.add_argument("--family", default=None, help="only this family")
    p.set_defaults(func=cmd_models)
    p = sub.add_parser("reducers", help="list registered token reducers: family, setting, the models they run on")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(func=cmd_reducers)
    for extra in ("vizcore.bench", "vizcore.bench_ui", "vizcore.evaluate", "vizcore.train", "vizcore.analysis.tradeoffs"):
        try:
            module = __import__(extra, fromlist=["add_parser"])
        except ModuleNotFoundError as err:
            if err.name != extra:
                raise
            continue
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
