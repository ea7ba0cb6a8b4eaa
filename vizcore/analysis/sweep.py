"""Sweeps that survive interruption: models x reducers (from the registry) x settings, evaluated one
configuration after another, one JSON-lines record per finished configuration.

A record (one line of the results file)::

    {"config": {"label", "model", "method", "setting", "locs"}, "source", "data", "data_name", "n_requested",
     "top1", "top5", "n", "gmacs", "mean_tokens", "keep_precision" (where masks exist, else null),
     "images_per_s", "device", "processes", "date", ["skipped", "skipped_files"],
     ["budget_gmacs", "budget_tokens"]}

``gmacs`` and ``mean_tokens`` are analytic, but for an adaptive reducer (the tokens kept depend on the image):
the mean of each image's own cost, its analytic budget (an upper bound) then in ``budget_gmacs`` and
``budget_tokens``.

Rank 0 appends a record and syncs the file as soon as its configuration is done; a rerun of the same sweep
reads the file and skips every configuration already in it (:func:`record_key`: configuration, source, data
and n). Ctrl-C or a killed process therefore loses at most the configuration in flight; a line cut short by a
kill is dropped when the file is next opened (:func:`load_records`).
"""
from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
from typing import Callable

import torch

from vizcore.analysis.evaluation import evaluate_model
from vizcore.analysis.tradeoffs import NAMES, Config, cost, measured_cost_row, reducer_for
from vizcore.data.distributed import World, broadcast
from vizcore.models.reducer_registry import find_reducer, get_reducer, list_reducers, model_for, pruning_locations
from vizcore.models.registry import build_meta, create_model, get_spec

#: fields of a record that change from run to run of the same configuration (time and speed, not results)
VOLATILE = ("images_per_s", "date", "device", "processes")


def sweep_configs(models: list[str], reducers: list[str] | None = None,
                  settings: list[float] | None = None) -> list[Config]:
    """The configurations of a sweep, in order: per model in ``models``, a plain ViT gives itself and each of
    ``reducers`` (default: every registered one) at each of ``settings`` (default: the reducer's own grid, one
    setting per token budget) on it or on its trained partner; any other model is one configuration.
    Raises KeyError for an unknown model or reducer."""
    specs = list_reducers() if not reducers else [get_reducer(r) for r in reducers]
    out: list[Config] = []
    for name in models:
        family = get_spec(name).family
        trained = next((s for s in list_reducers(training_free=False) if s.model_family == family), None)
        if trained is not None:  # a reducer's own trained model: that reducer, at its default or the settings
            locs = tuple(int(v) for v in getattr(build_meta(name), "pruning_loc", ()) or ())
            for value in settings or (trained.setting.default,):
                out.append(Config(trained.label(value), name, trained.name, float(value), locs))
            continue
        if family != "vit":
            out.append(Config(NAMES.get(family, family), name, family))
            continue
        meta, locs = build_meta(name), pruning_locations(name)
        out.append(Config("ViT", name, "plain"))
        for spec in specs:
            model = model_for(spec, name)
            if model is None:
                continue
            values = spec.grid(meta, locs) if not settings else tuple(float(v) for v in settings)
            for value in values:
                out.append(Config(spec.label(value), model, spec.name, value, locs if spec.uses_locations else ()))
    return list(dict.fromkeys(out))


def record_key(config: dict, source: str, data: str, n: int | None) -> str:
    """What identifies a finished configuration in a results file (its label left out)."""
    setting = config.get("setting")
    return json.dumps([config["model"], config["method"], None if setting is None else round(float(setting), 4),
                       [int(v) for v in config.get("locs") or ()], source, data, n])


def load_records(path: Path) -> list[dict]:
    """The records of a results file (none when it does not exist). A last line cut short by a kill is removed
    from the file; any other line that is no JSON object raises ValueError."""
    path = Path(path)
    if not path.is_file():
        return []
    raw = path.read_bytes()
    if raw and not raw.endswith(b"\n"):  # a record cut short: the configuration in flight when it was killed
        raw = raw[:raw.rfind(b"\n") + 1]
        with open(path, "r+b") as f:
            f.truncate(len(raw))
    return parse_records(raw.decode("utf-8"), str(path))


def parse_records(text: str, name: str = "results") -> list[dict]:
    """The records of a results file's text; a last line without its newline (cut short) is left out. Raises
    ValueError naming the first line that is not a sweep record."""
    lines = text.splitlines()
    if lines and not text.endswith("\n"):
        lines = lines[:-1]
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            raise ValueError(f"{name}, line {number}: not a JSON record") from None
        if not isinstance(rec, dict) or not isinstance(rec.get("config"), dict) or "model" not in rec["config"]:
            raise ValueError(f"{name}, line {number}: not a sweep record (no 'config' with a model)")
        records.append(rec)
    return records


def loaded_rows(records: list[dict]) -> list[dict]:
    """The records of a results file as rows of the Trade-offs page's loaded layer: configuration, cost,
    accuracy and their ``source`` ("val, n=50000, 2026-12-06": data folder, images, date)."""
    rows = []
    for r in records:
        c = r["config"]
        source = f"{r.get('data_name') or r.get('data', '?')}, n={r.get('n', '?')}, {str(r.get('date', ''))[:10]}"
        rows.append({"label": c.get("label") or c["model"], "model": c["model"], "method": c.get("method", "plain"),
                     "setting": c.get("setting"), "gmacs": r.get("gmacs"), "mean_tokens": r.get("mean_tokens"),
                     "budget_gmacs": r.get("budget_gmacs"),
                     "top1": r.get("top1"), "top5": r.get("top5"), "keep_precision": r.get("keep_precision"),
                     "images_per_s": r.get("images_per_s"), "device": r.get("device"), "source": source})
    return rows


def append_record(path: Path, record: dict) -> None:
    """Appends one record as one line and syncs it to disk."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")
        f.flush()
        os.fsync(f.fileno())


def data_name(data: str) -> str:
    """What a results file calls its data: "scenes" or the folder's own name (``.../imagenet/val`` -> "val")."""
    return "scenes" if data.startswith("scenes") else Path(data).resolve().name


def run_sweep(configs: list[Config], out: Path, data: str = "scenes", n: int | None = None,
              source_for: Callable[[str], tuple[str, str | None]] | None = None, batch: int = 100,
              workers: int = 0, wnids: bool = False, class_file: Path | None = None, world: World | None = None,
              progress: bool = False, say: Callable[[str], None] | None = None,
              after: Callable[[dict], None] | None = None) -> list[dict]:
    """Evaluates every configuration ``out`` lacks and appends its record (rank 0). ``source_for(model)`` gives
    (source, checkpoint) of a model (default: bundled where offered, else random). ``say`` prints a line (rank 0),
    ``after(record)`` runs after each record is written. Returns the records of this run."""
    world = world or World(0, 1, torch.device("cpu"))
    source_for = source_for or (lambda m: ("bundled" if "bundled" in get_spec(m).sources else "random", None))
    done = broadcast({r.get("key") or "" for r in load_records(out)} if world.main else None, world)
    todo = []
    for c in configs:
        source, _ = source_for(c.model)
        key = record_key(c.as_dict(), source, data, n)
        if key not in done:
            todo.append((c, source, key))
    if say is not None and world.main:
        say(f"{len(configs) - len(todo)} of {len(configs)} configurations already in {out}; {len(todo)} to run")
    new, models = [], {}
    for i, (c, source, key) in enumerate(todo):
        if say is not None and world.main:
            say(f"[{i + 1}/{len(todo)}] {c.label} ({c.model})")
        if c.model not in models:
            models.clear()  # one model in memory at a time
            models[c.model] = create_model(c.model, source, checkpoint=source_for(c.model)[1], device=world.device)
        model = models[c.model]
        res = evaluate_model(model, n=n, batch=batch, reducer=reducer_for(c, model),
                             data="scenes" if data.startswith("scenes") else data, progress=progress,
                             wnids=wnids, class_file=class_file, workers=workers, world=world)
        spec = find_reducer(c.method)
        spent = measured_cost_row({**cost(c, model), **{k: v for k, v in res.items() if k.startswith("measured_")}})
        record = {"config": c.as_dict(), "key": key, "source": source, "data": data, "data_name": data_name(data),
                  "n_requested": n, "top1": res["top1"], "top5": res["top5"], "n": res["n"],
                  "gmacs": spent["gmacs"], "mean_tokens": spent["mean_tokens"],
                  **{k: spent[k] for k in ("budget_gmacs", "budget_tokens") if k in spent},
                  "keep_precision": None if spec is not None and spec.keeps_every_patch else res.get("keep_precision"),
                  "images_per_s": res["images_per_s"], "device": str(world.device), "processes": world.size,
                  "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
        if res.get("skipped"):
            record["skipped"], record["skipped_files"] = res["skipped"], res["skipped_files"]
        if world.main:
            append_record(out, record)
        new.append(record)
        if after is not None:
            after(record)
    return new


__all__ = ["VOLATILE", "append_record", "data_name", "load_records", "loaded_rows", "parse_records", "record_key",
           "run_sweep", "sweep_configs"]
