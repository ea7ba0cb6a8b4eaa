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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m vizcore", description="Token Lab's library and tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("models", help="list registered models with params, GMACs and token schedule")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.add_argument("--family", default=None, help="only this family")
    p.set_defaults(func=cmd_models)
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
