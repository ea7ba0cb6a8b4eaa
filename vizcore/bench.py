"""Throughput benchmarks: ``python -m vizcore bench``.

* compare:    ``bench --model A --vs B --batch 32 --json`` -> images/s of A and B with random weights under
  ``torch.inference_mode()``; ``ratio`` = A over B, the median of per-pair ratios of >= 5 interleaved
  pairs (ABBA order, after warm-up), so slow drifts of a shared machine cancel out.
* trace cost: ``bench --model M --trace-cost --batch 1 --json`` -> time of ``forward_trace(attn=True)``
  over plain ``forward`` (``ratio`` > 1: tracing is slower).

``--clock cpu`` times this process's CPU time instead of the wall clock: with ``--threads 1`` it measures
the work done and hardly moves when other jobs share the cores (wall-clock ratios there swing 0.3-2.5x).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from typing import Any, Callable

import torch

from vizcore.cli import json_object
from vizcore.device import pick_device
from vizcore.models.registry import build

MIN_PAIRS = 5


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def _timed(fn: Callable[[], Any], device: torch.device, repeat: int = 1, clock: str = "wall") -> float:
    """Seconds per call of ``fn`` (mean of ``repeat`` calls) on the ``wall`` clock, or the ``cpu`` time of
    this process (robust on a CPU shared with other jobs when torch runs one thread; CPU devices only)."""
    now = CLOCKS[clock]
    _sync(device)
    start = now()
    for _ in range(repeat):
        fn()
    _sync(device)
    return (now() - start) / repeat


def interleaved_pairs(fn_a: Callable[[], Any], fn_b: Callable[[], Any], device: torch.device, *,
                      pairs: int = 7, warmup: int = 2, repeat: int = 1,
                      clock: str = "wall") -> list[tuple[float, float]]:
    """[(seconds of A, seconds of B)] for ``pairs`` pairs, alternating which goes first."""
    with torch.inference_mode():
        for _ in range(warmup):
            fn_a()
            fn_b()
        out = []
        for i in range(max(pairs, 1)):
            if i % 2 == 0:
                ta = _timed(fn_a, device, repeat, clock)
                tb = _timed(fn_b, device, repeat, clock)
            else:
                tb = _timed(fn_b, device, repeat, clock)
                ta = _timed(fn_a, device, repeat, clock)
            out.append((ta, tb))
    return out


def environment(device: torch.device, batch: int) -> dict[str, Any]:
    info = {"device": str(device), "torch": torch.__version__, "threads": torch.get_num_threads(), "batch": batch,
            "cpu_count": os.cpu_count(), "machine": platform.machine()}
    if device.type == "cuda":
        info["device_name"] = torch.cuda.get_device_name(device)
    if hasattr(os, "getloadavg"):
        info["loadavg_1m"] = round(os.getloadavg()[0], 2)
    return info


def _input_size(model) -> tuple[int, int]:
    patch_embed = getattr(model, "patch_embed", None)
    if patch_embed is not None and getattr(patch_embed, "img_size", None):
        return tuple(patch_embed.img_size)
    cfg = getattr(model, "pretrained_cfg", None) or {}
    return tuple(cfg.get("input_size", (3, 224, 224))[1:])


def _input(model, batch: int, device: torch.device, seed: int = 0) -> torch.Tensor:
    h, w = _input_size(model)
    x = torch.randn(batch, 3, h, w, generator=torch.Generator().manual_seed(seed))
    return x.to(device)


def _gmacs(model) -> float | None:
    if not hasattr(model, "analytic_macs"):
        return None
    _, macs, other = model.analytic_macs()
    return (sum(macs) + other) / 1e9


def _check(pairs: int, clock: str, device: torch.device) -> str:
    if pairs < MIN_PAIRS:
        raise ValueError(f"use at least {MIN_PAIRS} timing pairs, not {pairs}")
    if clock not in CLOCKS:
        raise ValueError(f"clock must be one of {', '.join(CLOCKS)}")
    if clock == "cpu" and device.type != "cpu":
        raise ValueError("the cpu clock only measures CPU devices; use --clock wall")
    return clock


def _sig(v: float | None, digits: int = 4) -> float | None:
    return None if v is None else float(f"{v:.{digits}g}")


def compare(model_a, model_b, batch: int = 32, *, device: torch.device | str = "cpu", pairs: int = 7,
            warmup: int = 2, repeat: int = 1, names: tuple[str, str] = ("a", "b"),
            clock: str = "wall") -> dict[str, Any]:
    """Throughput of two models on the same random input; ``ratio`` = A's images/s over B's."""
    device = torch.device(device)
    model_a, model_b = model_a.to(device).eval(), model_b.to(device).eval()
    x = _input(model_a, batch, device)
    xb = x if _input_size(model_b) == _input_size(model_a) else _input(model_b, batch, device)
    timings = interleaved_pairs(lambda: model_a(x), lambda: model_b(xb), device, pairs=pairs, warmup=warmup,
                                repeat=repeat, clock=_check(pairs, clock, device))
    rows = [{"a_s": ta, "b_s": tb, "a_img_s": batch / ta, "b_img_s": batch / tb, "ratio": tb / ta}
            for ta, tb in timings]
    a_med = statistics.median(t for t, _ in timings)
    b_med = statistics.median(t for _, t in timings)
    ga, gb = _gmacs(model_a), _gmacs(model_b)
    return {"mode": "compare", "model": names[0], "vs": names[1],
            "a_img_s": round(batch / a_med, 3), "b_img_s": round(batch / b_med, 3),
            "ratio": round(statistics.median(r["ratio"] for r in rows), 4),
            "pairs": rows, "a_gmacs": _sig(ga), "b_gmacs": _sig(gb),
            "gmacs_ratio": round(gb / ga, 4) if ga and gb else None,
            "warmup": warmup, "repeat": repeat, "clock": clock, **environment(device, batch)}


def trace_cost(model, batch: int = 1, *, device: torch.device | str = "cpu", pairs: int = 7, warmup: int = 2,
               repeat: int = 1, name: str = "model", clock: str = "wall") -> dict[str, Any]:
    """Time of ``forward_trace(x, attn=True)`` over plain ``forward(x)`` (median of interleaved pairs)."""
    device = torch.device(device)
    model = model.to(device).eval()
    x = _input(model, batch, device)
    timings = interleaved_pairs(lambda: model.forward_trace(x, attn=True), lambda: model(x), device,
                                pairs=pairs, warmup=warmup, repeat=repeat, clock=_check(pairs, clock, device))
    rows = [{"trace_s": tt, "plain_s": tp, "ratio": tt / tp} for tt, tp in timings]
    return {"mode": "trace_cost", "model": name,
            "trace_s": statistics.median(t for t, _ in timings),
            "plain_s": statistics.median(t for _, t in timings),
            "ratio": round(statistics.median(r["ratio"] for r in rows), 4),
            "pairs": rows, "warmup": warmup, "repeat": repeat, "clock": clock, **environment(device, batch)}


# ---------------------------------------------------------------------------------------------- CLI
def _pairs(text: str) -> int:
    """argparse type of --pairs: a whole number of at least MIN_PAIRS."""
    if not text.strip().isdigit() or int(text) < MIN_PAIRS:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least {MIN_PAIRS}, got {text}")
    return int(text)


def cmd_bench(args) -> int:
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    if args.trace_cost:
        result = trace_cost(build(args.model, args.options), args.batch, device=device, pairs=args.pairs,
                            warmup=args.warmup, repeat=args.repeat, name=args.model, clock=args.clock)
    else:
        result = compare(build(args.model, args.options), build(args.vs, args.vs_options), args.batch, device=device,
                         pairs=args.pairs, warmup=args.warmup, repeat=args.repeat, names=(args.model, args.vs),
                         clock=args.clock)
    if args.json:
        print(json.dumps(result, indent=1))
    elif result["mode"] == "compare":
        print(f"{result['model']}: {result['a_img_s']:.1f} img/s   {result['vs']}: {result['b_img_s']:.1f} img/s   "
              f"ratio {result['ratio']:.3f}x  (median of {len(result['pairs'])} pairs, batch {result['batch']}, "
              f"{result['device']}, {result['threads']} threads)")
    else:
        print(f"{result['model']}: forward_trace(attn=True) {result['trace_s'] * 1e3:.1f} ms vs forward "
              f"{result['plain_s'] * 1e3:.1f} ms -> {result['ratio']:.3f}x (batch {result['batch']}, {result['device']})")
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("bench", help="throughput of a model vs another, or the cost of tracing")
    p.add_argument("--model", required=True, help="registered model name (A)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--vs", default=None, help="registered model to compare with (B)")
    what.add_argument("--trace-cost", action="store_true", help="time forward_trace(attn=True) over forward")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--pairs", type=_pairs, default=7, help=f"interleaved timing pairs (>= {MIN_PAIRS})")
    p.add_argument("--warmup", type=int, default=2, help="untimed rounds of each model first")
    p.add_argument("--repeat", type=int, default=1, help="calls per timing")
    p.add_argument("--device", default=None, help="cpu, cuda, mps or auto (default: $VIZCORE_DEVICE or best)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                   help="wall time, or this process's CPU time (steadier on a shared CPU with --threads 1)")
    p.add_argument("--options", type=json_object, default=None,
                   help="JSON build options for --model, e.g. '{\"r\": 8}'")
    p.add_argument("--vs-options", type=json_object, default=None, help="JSON build options for --vs")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_bench)
