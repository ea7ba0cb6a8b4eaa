"""The trade-off table: for every method and keep setting, analytic GMACs, parameters, measured latency on
the current device, and accuracy (bundled models on the scenes test split, cached under assets/results)."""
from __future__ import annotations

import functools
import json
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from vizcore.analysis import scene_figures
from vizcore.analysis.evaluation import evaluate_model
from vizcore.device import threads_for
from vizcore.data.distributed import World, setup, teardown
from vizcore.models.reducer_registry import find_reducer, list_reducers, model_for, pruning_locations
from vizcore.models.registry import build_meta, count_params, create_model, get_spec, list_models
from vizcore.published import PUBLISHED, Published

RESULTS = Path(__file__).resolve().parents[2] / "assets" / "results" / "tradeoffs.json"


@dataclass(frozen=True, slots=True)
class Config:
    """One point of the trade-off plot: a model, optionally with a reducer setting. A value without a
    ``__dict__``: a cache names it by its fields, and never attaches a key to the grid's shared ones."""

    label: str
    model: str
    method: str                  # plain, a registered reducer's name, or another architecture's family
    setting: float | None = None  # the reducer's setting (keep ratio, ToMe's r, ...)
    locs: tuple[int, ...] = ()    # the blocks it acts at (reducers that use them)

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def key(self) -> tuple:
        """What the configuration computes, without its (translated) label."""
        return row_key(self.as_dict())


def row_key(row: dict) -> tuple:
    """:attr:`Config.key` of a configuration or of a table row made from one (its label left out)."""
    setting = row.get("setting")
    return (row["model"], row["method"], None if setting is None else round(float(setting), 4),
            tuple(int(v) for v in row.get("locs") or ()))


#: per model set: the plain ViT the reducers run on (or beside, with their trained partner) and the other
#: architectures, each one point
MODEL_SETS = {
    "bundled": {"backbone": "bundled_vit", "others": ("bundled_t2t", "bundled_poolformer", "bundled_wukong")},
    "imagenet": {"backbone": "deit_small_patch16_224", "others": ("t2t_vit_14", "poolformer_s12", "wukong_vit_b32")},
}
NAMES = {"t2t": "T2T-ViT", "poolformer": "PoolFormer", "wukong": "WuKong"}


def configurations(model_set: str = "bundled") -> list[Config]:
    """Every configuration the Trade-offs page offers for one model set (bundled or ImageNet-size)."""
    return list(_configurations(model_set, tuple(list_models())))


@functools.lru_cache(maxsize=8)
def _configurations(model_set: str, registered: tuple[str, ...]) -> tuple[Config, ...]:
    """:func:`configurations` for the models registered now: the plain backbone, every registered reducer
    at each budget of the grid (:data:`vizcore.models.reducer_registry.BUDGETS`), the other architectures.
    Matching the budgets costs some analytic cost counts: done once per model set and registry."""
    known = set(registered)
    backbone = MODEL_SETS[model_set]["backbone"]
    out: list[Config] = []
    if backbone in known:
        locs = pruning_locations(backbone)
        meta = build_meta(backbone)
        out.append(Config("ViT", backbone, "plain"))
        for spec in list_reducers():
            model = model_for(spec, backbone)
            if model is None:
                continue
            for value in spec.grid(meta, locs):
                out.append(Config(spec.label(value), model, spec.name, value, locs if spec.uses_locations else ()))
    for name in MODEL_SETS[model_set]["others"]:
        if name in known:
            family = get_spec(name).family
            out.append(Config(NAMES.get(family, family), name, family))
    return tuple(out)


def explored_configs(explored: list[dict], model_set: str, suffix: str = "yours") -> list[Config]:
    """The configurations a user explored on the method pages (dicts of method, model, setting, locs; newest
    first) that belong to ``model_set``, as the trade-off plot's configurations: the grid's own one where it
    has the same model, method, setting and blocks, else a new one labelled e.g. "DynamicViT 0.65 (yours)".
    Others (another backbone, a model the reducer does not run on, an unknown method) are left out."""
    if not explored:
        return []
    backbone = MODEL_SETS[model_set]["backbone"]
    grid = {c.key: c for c in configurations(model_set)}
    out: list[Config] = []
    for e in explored:
        spec, setting = find_reducer(e.get("method") or ""), e.get("setting")
        if spec is None or setting is None or e.get("model") != model_for(spec, backbone):
            continue
        key = row_key({**e, "locs": e.get("locs") if spec.uses_locations else ()})
        config = grid.get(key) or Config(f"{spec.label(key[2])} ({suffix})", *key)
        if config not in out:
            out.append(config)
    return out


def default_highlight(labels: list[str], preferred: str | None = None) -> str:
    """What the plot highlights first: ``preferred`` when it is a row, else the first reducer with its own
    trained model at its default setting (the grid's reference point), else the first row."""
    reference = [s.label(s.setting.default) for s in list_reducers(training_free=False)]
    return next((label for label in (preferred, *reference) if label in labels), labels[0])


def published() -> list[Published]:
    """The published layer: the backbones and architectures of ``vizcore.published``, then every registered
    reducer's numbers."""
    return [*PUBLISHED, *(p for spec in list_reducers() for p in spec.published)]


def with_measurements(rows: list[dict], model_set: str, results: dict, latencies: dict[tuple, float] | None = None,
                      extra_accuracy: dict[tuple, dict] | None = None) -> list[dict]:
    """``rows`` (cost rows) with top1, keep_precision and latency_ms filled in where measured: accuracy from the
    cached ``results`` (the bundled set only) or from ``extra_accuracy`` (settings measured on request); latency
    from ``latencies``. Both dicts are keyed by :func:`row_key`, so translated labels do not matter. Missing
    values are None. Returns new dicts."""
    cached = {(r["model"], r["label"]): r for r in results.get("rows", [])} if model_set == "bundled" else {}
    extra, latencies = extra_accuracy or {}, latencies or {}
    out = []
    for r in rows:
        key = row_key(r)
        hit = cached.get((r["model"], r["label"])) or extra.get(key) or {}
        spent = {k: hit[k] for k in ("gmacs", "mean_tokens", "budget_gmacs", "budget_tokens")
                 if hit.get("budget_gmacs") is not None}  # an adaptive reducer: where it computed
        out.append({**r, **spent, "top1": hit.get("top1"), "keep_precision": hit.get("keep_precision"),
                    "latency_ms": latencies.get(key)})
    return out


def reducer_for(config: Config, model):
    """The reducer a configuration applies to its model (None: the model as it is)."""
    spec = find_reducer(config.method)
    return None if spec is None else spec.make(model, config.setting, tuple(config.locs))


def cost(config: Config, model=None) -> dict:
    """Analytic GMACs, tokens and parameters of a configuration; ``adaptive`` True where the tokens kept depend
    on the image (the analytic figures are then its budget, an upper bound)."""
    model = model if model is not None else build_meta(config.model)
    reducer = reducer_for(config, model)
    tokens, macs, other = model.analytic_macs(reducer=reducer) if reducer is not None else model.analytic_macs()
    out = {"gmacs": round((sum(macs) + other) / 1e9, 4), "params": count_params(model),
           "mean_tokens": round(sum(tokens) / len(tokens), 1)}
    if getattr(reducer, "adaptive", False):  # the budget: an upper bound of what an image costs
        out["adaptive"] = True
    return out


def cost_rows(configs: list[Config]) -> list[dict]:
    """Config fields plus analytic cost for each configuration; each model is built once (meta device)."""
    models = {name: build_meta(name) for name in dict.fromkeys(c.model for c in configs)}
    return [{**c.as_dict(), **cost(c, models[c.model])} for c in configs]


def latency_ms(model, reducer, device: torch.device | str = "cpu", batch: int = 1, repeats: int = 7,
               warmup: int = 2) -> float:
    """Median wall time of one forward pass (ms) on ``device`` at ``batch``, under inference_mode, on
    torch's default thread count (whatever another pass in this process set)."""
    device = torch.device(device)
    cfg = getattr(model, "pretrained_cfg", {}) or {}
    _, h, w = cfg.get("input_size", (3, 224, 224))
    x = torch.randn(batch, 3, h, w, device=device)
    model = model.to(device)

    def run():
        if reducer is None:
            return model(x)
        return model.forward_trace(x, reducer=reducer).logits

    times = []
    with torch.inference_mode(), threads_for(float("inf"), device):
        for i in range(warmup + repeats):
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            t0 = time.perf_counter()
            run()
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            if i >= warmup:
                times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times)


def measure_accuracy(configs: list[Config], n: int | None = None, progress=None, world: World | None = None) -> list[dict]:
    """Top-1 (and keep precision for pruners) of each configuration on the scenes test split.

    Needs the bundled weights; ``progress(i, total, label)`` is called before each configuration. Under
    torchrun (``world``) the processes share each configuration's scenes; every one returns the same rows."""
    rows, models = [], {}
    for i, config in enumerate(configs):
        if progress is not None:
            progress(i, len(configs), config.label)
        if config.model not in models:
            models[config.model] = create_model(config.model, "bundled", device=world.device if world else None)
        model = models[config.model]
        res = evaluate_model(model, n=n, reducer=reducer_for(config, model), world=world)
        res.pop("images_per_s", None)  # the stored grid keeps results only
        spec = find_reducer(config.method)
        if spec is not None and spec.keeps_every_patch:  # merging: keep precision is undefined
            res["keep_precision"] = None
        rows.append(measured_cost_row({**config.as_dict(), **cost(config, model), **res}))
    return rows


def measured_cost_row(row: dict) -> dict:
    """A row of an adaptive reducer (its evaluation measured each image's own cost) plotted where it computes:
    ``gmacs`` and ``mean_tokens`` become the measured means, the analytic budget (an upper bound) kept as
    ``budget_gmacs`` and ``budget_tokens``. Other rows as they are. Returns a new dict."""
    row = dict(row)
    if row.get("measured_gmacs") is None:
        return row
    row["budget_gmacs"], row["gmacs"] = row.get("gmacs"), row.pop("measured_gmacs")
    row["budget_tokens"], row["mean_tokens"] = row.get("mean_tokens"), row.pop("measured_tokens")
    return row


def measure_latencies(configs: list[Config], device: torch.device | str = "cpu", progress=None) -> dict[tuple, float]:
    """:func:`latency_ms` of each configuration on ``device`` (ms, three decimals) by :attr:`Config.key`, whatever
    the language of the labels. Random weights (latency does not depend on them), each model built once;
    ``progress(i, total, label)`` is called before each configuration."""
    latencies, models = {}, {}
    for i, config in enumerate(configs):
        if progress is not None:
            progress(i, len(configs), config.label)
        if config.model not in models:
            models[config.model] = create_model(config.model, "random", device=device)
        model = models[config.model]
        latencies[config.key] = round(latency_ms(model, reducer_for(config, model), device), 3)
    return latencies


def accuracy_by_key(configs: list[Config], n: int | None = None, progress=None) -> dict[tuple, dict]:
    """:func:`measure_accuracy` as {:attr:`Config.key`: {"top1", "keep_precision", and the cost columns}},
    whatever the language of the labels."""
    keep = ("top1", "keep_precision", "gmacs", "mean_tokens", "budget_gmacs", "budget_tokens")
    return {config.key: {k: row.get(k) for k in keep}
            for config, row in zip(configs, measure_accuracy(configs, n=n, progress=progress))}


def load_results(path: Path = RESULTS) -> dict:
    """Cached accuracy results {"n": ..., "rows": [...]} (empty when not yet computed)."""
    return json.loads(path.read_text()) if path.is_file() else {"rows": []}


def measured_n(rows: list[dict]) -> int | None:
    """The number of scenes every row was measured on (the smallest rows' ``n``), None without any."""
    return min((int(r["n"]) for r in rows if r.get("n")), default=None)


def write_results(rows: list[dict], n: int | None, path: Path = RESULTS) -> None:
    """Store the grid; ``n`` None (every test scene) is stored as the scenes the rows were measured on."""
    if n is None:
        n = measured_n(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"n": n, "data": "scenes test split", "rows": rows}, indent=1))


def pareto_front(points: list[tuple[float, float]]) -> list[int]:
    """Indices of the points no other point beats (lower cost x and higher accuracy y), by x."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
    front, best = [], float("-inf")
    for i in order:
        if points[i][1] > best:
            front.append(i)
            best = points[i][1]
    return front


def merge_results(configs: list[Config], results: dict, rows: list[dict]) -> list[dict]:
    """The rows of ``configs`` in their order: from ``rows`` (newly measured) where there, else from the cached
    ``results``; rows of configurations no longer in the grid are dropped."""
    by = {(r["model"], r["label"]): r for r in results.get("rows", [])}
    by.update({(r["model"], r["label"]): r for r in rows})
    return [by[(c.model, c.label)] for c in configs if (c.model, c.label) in by]


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("tradeoffs", help="measure every bundled configuration on the scenes test split")
    p.add_argument("--n", "--images", dest="n", type=int, default=None,
                   help="first N test scenes (default: all; under torchrun: --images)")
    p.add_argument("--write", action="store_true",
                   help=f"store the results in {RESULTS.relative_to(RESULTS.parents[2])}")
    p.add_argument("--missing", action="store_true",
                   help="measure only the configurations the stored results lack (on their N), merged in with --write")
    p.add_argument("--figures", action="store_true",
                   help="check the stored results against the figures asked of the bundled set (no measuring)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd)


def _cmd(args) -> int:
    if args.figures:
        return _print_figures(args.json)
    configs = [c for c in configurations("bundled") if c.model in _bundled_models()]
    if not configs:
        print("no bundled models found; train them first (python -m vizcore train all)")
        return 1
    stored, n = load_results(), args.n
    todo = configs
    if args.missing:
        n = stored.get("n") if args.n is None else args.n
        if n != stored.get("n"):
            print(f"the stored results are on N = {stored.get('n')}, not {n}: measure all or use their N")
            return 2
        have = {(r["model"], r["label"]) for r in stored.get("rows", [])}
        todo = [c for c in configs if (c.model, c.label) not in have]
    world = setup("cpu")  # under torchrun: the processes share each configuration's scenes (gloo)
    try:
        rows = measure_accuracy(todo, n=n, world=world, progress=lambda i, total, label: print(
            f"[{i + 1}/{total}] {label}", flush=True) if not args.json and world.main else None)
    finally:
        teardown()
    if not world.main:
        return 0
    if args.write:
        write_results(merge_results(configs, stored, rows) if args.missing else rows, n)
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        for r in rows:
            print(f"{r['label']:18s} top1 {r['top1']:.4f}  GMACs {r['gmacs']:.4f}  "
                  f"keep precision {r.get('keep_precision', '-')}")
    return 0


def _bundled_models() -> set[str]:
    return {n for n in list_models() if "bundled" in get_spec(n).sources}


def _print_figures(as_json: bool) -> int:
    stored = load_results()
    if not stored.get("rows"):
        print("no stored results: run python -m vizcore tradeoffs --write first")
        return 1
    cards = {name: get_spec(name).card() or {} for name in sorted(_bundled_models())}
    n = stored.get("n") or measured_n(stored["rows"])
    if not n:
        print("the stored results do not say how many scenes they were measured on: write them again")
        return 1
    out = scene_figures.figures(stored["rows"], int(n), cards, published())
    if as_json:
        print(json.dumps(out, indent=1))
        return 0
    mark = {True: "holds", False: "MISSED", None: "-"}
    print(f"on {out['n']} held-out scenes ({stored.get('data', '')})")
    for c in out["checks"]:
        print(f"  {mark[c['holds']]:7s} {c['figure']}: {c['value']} (target {c['target']})")
    print("  order at the lowest budget: " + " > ".join(f"{o['label']} {o['top1']}" for o in out["order"]["measured"]))
    print("  papers (DeiT-S, ImageNet): " + " > ".join(f"{o['method']} {o['top1']}" for o in out["order"]["papers"]))
    return 0
