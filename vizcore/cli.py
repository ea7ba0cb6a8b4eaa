"""The ``python -m vizcore`` command line.

Errors speak in one line: a user error (an exception in :data:`USER_ERRORS`: an unknown model, a checkpoint
that does not fit, a missing file or folder, a bad ``--data``, an unreachable hub, ...) prints
``error: <message>`` on stderr and exits 1; a usage error is argparse's own (usage + message, exit 2); Ctrl-C
prints ``error: interrupted`` and exits 130. ``--debug`` (before or after the command) adds the traceback.
Any other exception is a bug and keeps Python's traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import traceback

from vizcore.images import ImageError
from vizcore.models.reducer_registry import list_reducers
from vizcore.models.registry import CheckpointError, HubUnavailable, describe, get_spec, list_models

#: exceptions whose message is written for the user: printed as one line, no traceback. CheckpointError (a
#: file that is no checkpoint or does not fit the model) and ImageError are ValueErrors, HubUnavailable a
#: RuntimeError; ValueError: a bad value (unknown source, bad --data); KeyError: an unknown name (model,
#: recipe); the OSErrors: a file or folder that is missing or cannot be read.
USER_ERRORS: tuple[type[BaseException], ...] = (
    CheckpointError, ImageError, HubUnavailable, ValueError, KeyError,
    FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError)
EXIT_USER_ERROR = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
#: modules that each add one subcommand (``add_parser(subparsers)``); a missing one is skipped
COMMAND_MODULES = ("vizcore.bench", "vizcore.bench_ui", "vizcore.evaluate", "vizcore.train",
                   "vizcore.analysis.tradeoffs", "vizcore.load", "vizcore.render", "vizcore.sweep",
                   "vizcore.views.lessons")


def one_line(err: BaseException) -> str:
    """The message of ``err`` on one line (a KeyError's without the quotes ``str`` adds)."""
    text = err.args[0] if isinstance(err, KeyError) and len(err.args) == 1 else str(err)
    text = " ".join(part.strip() for part in str(text).splitlines() if part.strip())
    return text or type(err).__name__


def json_object(text: str) -> dict:
    """argparse type of a JSON-object option (``'{"r": 8}'``): anything else is a usage error."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise argparse.ArgumentTypeError(f"not JSON ({err.msg}, column {err.colno}): {text}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a JSON object such as '{{\"r\": 8}}', got {text}")
    return value


def positive_int(text: str) -> int:
    """argparse type of a count (``--n``, ``--batch``, ``--threads``): a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def non_negative_float(text: str) -> float:
    """argparse type of a duration (``--think``): a number of at least 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number of at least 0, got {text}")
    return value


def block_list(text: str) -> tuple[int, ...]:
    """argparse type of a list of block indices (``--locs 2,3,4``): distinct whole numbers from 0, ascending."""
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected block indices such as 2,3,4, got {text!r}") from None
    if any(v < 0 for v in values) or list(values) != sorted(set(values)):
        raise argparse.ArgumentTypeError(f"expected distinct ascending block indices from 0, got {text!r}")
    return values


def cmd_models(args) -> int:
    names = list_models(args.family)
    if args.family and not names:
        families = sorted({get_spec(n).family for n in list_models()})
        raise ValueError(f"no family {args.family!r}; families: {', '.join(families)}")
    rows = [describe(name) for name in names]
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print(f"{'name':28s} {'family':12s} {'params':>12s} {'GMACs':>7s}  sources")
        for r in rows:
            print(f"{r['name']:28s} {r['family']:12s} {r['params']:12,d} {r['gmacs']:7.2f}  {','.join(r['sources'])}")
    return 0


def cmd_reducers(args) -> int:
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
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("models", help="list registered models with params, GMACs and token schedule")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.add_argument("--family", default=None, help="only this family")
    p.set_defaults(func=cmd_models)
    p = sub.add_parser("reducers", help="list registered token reducers: family, setting, the models they run on")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(func=cmd_reducers)
    for extra in COMMAND_MODULES:
        try:
            module = __import__(extra, fromlist=["add_parser"])
        except ModuleNotFoundError as err:
            if err.name != extra:
                raise
            continue
        module.add_parser(sub)
    for command in sub.choices.values():  # --debug after the command too; SUPPRESS keeps the one given before
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                             help="show the traceback of an error")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns its exit status (argparse exits 2 itself on a usage error)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser().parse_args(argv)
    except KeyboardInterrupt:  # Ctrl-C while the command modules load
        return _interrupted("--debug" in argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return _interrupted(args.debug)
    except BrokenPipeError:  # the reader left (``... | head``): nothing more to say, and nowhere to say it
        sys.stdout = None  # Python's own flush at exit would fail on the closed pipe again
        return EXIT_USER_ERROR
    except USER_ERRORS as err:
        if args.debug:
            traceback.print_exc()
        if os.environ.get("RANK", "0") == "0":  # under torchrun every rank meets the error: rank 0 says it once
            print(f"error: {one_line(err)}", file=sys.stderr)
        return EXIT_USER_ERROR


def _interrupted(debug: bool) -> int:
    if debug:
        traceback.print_exc()
    print("error: interrupted", file=sys.stderr)
    return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
