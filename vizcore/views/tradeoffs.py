"""The Trade-offs page's view: every configuration of a model set with its analytic cost and what was
measured of it (accuracy, latency), the configurations explored on the method pages, the published layer,
and the values of the captions; the chart's own view for a cost axis, highlight and published choice.

Captions are given as catalogue keys and their values, ``(key, {name: value})``: the page translates."""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from vizcore.analysis import tradeoffs as tro
from vizcore.analysis.sweep import loaded_rows, parse_records
from vizcore.analysis.tradeoffs import MODEL_SETS, Config, accuracy_by_key, load_results, measure_latencies
from vizcore.models.reducer_registry import find_reducer
from vizcore.plots.tradeoff_plot import log_cost_axis

__all__ = ["LOADED_COLUMNS", "MODEL_SETS", "PUBLISHED_WORDS", "RESULTS_ENV", "TABLE_COLUMNS", "YOURS_N", "ChartView",
           "Config", "LoadedView", "TradeoffsView", "accuracy_by_key", "chart_view", "direct", "launch_results",
           "load_results", "loaded_view", "measure_latencies", "tradeoffs_view"]

#: a results file (``python -m vizcore sweep --out``) the operator gives when starting the app, shown as the
#: loaded layer until a file is uploaded: ``TOKENLAB_RESULTS=FILE streamlit run app.py`` or
#: ``streamlit run app.py -- --results FILE``
RESULTS_ENV = "TOKENLAB_RESULTS"
#: the columns of the loaded results' table
LOADED_COLUMNS = ("label", "model", "method", "setting", "gmacs", "budget_gmacs", "mean_tokens", "top1", "top5",
                  "keep_precision", "images_per_s", "device", "source")

#: test scenes the accuracy of an explored setting is measured on (about 5 s per setting on a 2-core CPU)
YOURS_N = 500
#: the columns of the page's table (and of the CSV download)
TABLE_COLUMNS = ("label", "model", "method", "setting", "gmacs", "budget_gmacs", "params", "mean_tokens", "latency_ms",
                 "top1", "keep_precision")

#: the English words of the published table's settings and throughputs, as the papers write them, by the name
#: the page translates them under (``trade.pub.<name>``); model names, hardware and citations stay as written
PUBLISHED_WORDS = {"rho": "rho", "keep": "keep", "fused": "fused", "off_the_shelf": "off-the-shelf", "img_s": "img/s"}

Words = tuple[str, dict]  # a catalogue key and the values it is formatted with


def direct(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``: what ``memo`` is without a cache."""
    return fn(*args, **kwargs)


@dataclass(frozen=True)
class TradeoffsView:
    """What the Trade-offs page shows for one model set."""

    model_set: str
    rows: list[dict]                  # the grid's configurations, then the explored ones it lacks: cost + measured
    table: list[dict]                 # the rows' TABLE_COLUMNS
    configs: tuple[Config, ...]       # the configurations of the rows, in order (what latency is measured for)
    labels: list[str]                 # the rows' labels (the highlight's options)
    highlight_index: int              # highlighted first: the newest explored configuration, else the reference
    new_yours: tuple[Config, ...]     # explored configurations the grid lacks (cost only until measured)
    to_measure: tuple[Config, ...]    # of those, the ones whose accuracy can be measured here and is not yet
    published: list[dict]             # the published layer's rows
    notes: tuple[tuple[Words, ...], ...]  # the caption: one line per entry, each of one or more phrases


def _tags(rows) -> str:
    """The reducers' tags (e.g. "ToMe") of ``rows``, each once, in order, comma-separated."""
    tags = (spec.tag for r in rows if (spec := find_reducer(r.get("method") or "")) is not None)
    return ", ".join(dict.fromkeys(tags))


def _notes(model_set: str, results: dict, latencies: dict, new_yours: tuple[Config, ...], measured: dict,
           suffix: str, rows: list[dict] = ()) -> tuple[tuple[Words, ...], ...]:
    bundled = model_set == "bundled"
    lines: list[tuple[Words, ...]] = []
    if not latencies:
        lines.append((("trade.no_latency", {"s": 5 if bundled else 60}),))
    if bundled:
        lines.append((("trade.results_from", {"n": results.get("n") or "all"}),) if results.get("rows")
                     else (("trade.no_results", {}),))
    measured_cost = _tags(r for r in rows if r.get("budget_gmacs") is not None)
    if measured_cost:
        lines.append((("trade.adaptive_measured", {"methods": measured_cost}),))
    budget_only = _tags(r for r in rows if r.get("adaptive") and r.get("budget_gmacs") is None)
    if budget_only:
        lines.append((("trade.adaptive_budget", {"methods": budget_only}),))
    if new_yours:
        done = sum(c.key in measured for c in new_yours)
        state = (("trade.yours_measured", {"k": done, "n": YOURS_N}) if done
                 else ("trade.yours_unmeasured", {}) if bundled else ("trade.yours_imagenet", {}))
        lines.append((("trade.yours_note", {"yours": suffix}), state))
    return tuple(lines)


def _reworded(text: str, words: dict[str, str]) -> str:
    """``text`` with each of PUBLISHED_WORDS that ``words`` names (as a whole word) replaced by its entry."""
    for name, word in PUBLISHED_WORDS.items():
        if name in words:
            text = re.sub(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", lambda _: words[name], text)
    return text


def _written_out(published: list[dict], no_setting: str, words: dict[str, str]) -> list[dict]:
    """Published rows with an empty setting ("-": the model as it is) written out as ``no_setting``, and the
    words of the settings and throughputs in ``words`` (PUBLISHED_WORDS' names -> the reader's words)."""
    return [{**p, "setting": no_setting if str(p.get("setting", "")).strip() in ("", "-")
             else _reworded(p["setting"], words), "throughput": _reworded(p.get("throughput") or "", words)}
            for p in published]


def tradeoffs_view(model_set: str, explored: list[dict] = (), suffix: str = "yours", results: dict | None = None,
                   latencies: dict[tuple, float] | None = None, measured: dict[tuple, dict] | None = None,
                   memo: Callable = direct, no_setting: str = "full model",
                   words: dict[str, str] | None = None) -> TradeoffsView:
    """model_set: a key of MODEL_SETS; explored: the configurations noted on the method pages (newest first),
    labelled with ``suffix`` where the grid lacks them; results: the stored accuracy of the grid
    (:func:`load_results`); latencies and measured: what was measured on request, by :attr:`Config.key`
    (:func:`measure_latencies`, :func:`accuracy_by_key`); no_setting: the published table's words for a model
    used as it is (no reducer setting); words: the published table's words in the reader's language (PUBLISHED_WORDS'
    names -> words; the papers' English where absent).

    ``memo(fn, *args)`` computes the analytic costs (about a second for a grid): the page passes its cache,
    so that a new measurement or explored setting does not count the grid again."""
    results, latencies, measured = results or {}, latencies or {}, measured or {}
    yours = tro.explored_configs(list(explored), model_set, suffix=suffix)
    grid = tuple(tro.configurations(model_set))
    grid_rows = memo(tro.cost_rows, grid)
    in_grid = {r["label"] for r in grid_rows}
    new_yours = tuple(c for c in yours if c.label not in in_grid)
    all_rows = grid_rows + (memo(tro.cost_rows, new_yours) if new_yours else [])
    rows = tro.with_measurements(all_rows, model_set, results, latencies, measured)
    labels = [r["label"] for r in rows]
    highlight = tro.default_highlight(labels, yours[0].label if yours else None)
    to_measure = tuple(c for c in new_yours if c.key not in measured) if model_set == "bundled" else ()
    return TradeoffsView(
        model_set=model_set, rows=rows, table=[{h: r.get(h) for h in TABLE_COLUMNS} for r in rows],
        configs=(*grid, *new_yours), labels=labels, highlight_index=labels.index(highlight), new_yours=new_yours,
        to_measure=to_measure, published=_written_out([p.as_dict() for p in tro.published()], no_setting,
                                                       words or {}),
        notes=_notes(model_set, results, latencies, new_yours, measured, suffix, rows))


@dataclass(frozen=True)
class ChartView:
    """What the chart shows beside its rows for one cost axis, highlight and published choice."""

    x_field: str                  # the rows' key of the cost: "gmacs" or "latency_ms"
    published: list[dict] | None  # the published layer, when shown
    log_scale: bool               # whether the cost axis is logarithmic (decided on GMACs: see log_cost_axis)
    words: tuple[Words, ...]      # the caption; "{unit}" (the cost axis) and "{scale}" are left to the page


def chart_view(v: TradeoffsView, x_axis: str = "gmacs", highlight: str | None = None,
               show_published: bool = False, loaded: list[dict] | None = None) -> ChartView:
    """x_axis: "gmacs" or "latency"; highlight: a label of ``v.labels``; show_published: the published layer;
    loaded: the rows of a loaded results file (:attr:`LoadedView.rows`)."""
    x_field = "latency_ms" if x_axis == "latency" else "gmacs"
    published = v.published if show_published else None
    hit = next((r for r in v.rows if r["label"] == highlight), None)
    words: list[Words] = []
    if hit is not None and hit.get(x_field) is not None:
        top1 = "–" if hit.get("top1") is None else f"{hit['top1']:.4g}"
        words.append(("trade.highlighted", {"label": highlight, "cost": f"{hit[x_field]:.4g}", "top1": top1}))
    elif hit is not None:
        words.append(("trade.highlight_off_axis", {"label": highlight}))
    if show_published and x_axis != "gmacs":
        words.append(("trade.published_gmacs_only", {}))
    if loaded and x_axis != "gmacs":
        words.append(("trade.loaded_gmacs_only", {}))
    if any(r.get("top1") is None for r in v.rows if r.get(x_field) is not None):
        words.append(("trade.rug", {}))
    return ChartView(x_field, published, log_cost_axis(v.rows, published, loaded), tuple(words))


@dataclass(frozen=True)
class LoadedView:
    """A results file as the page's loaded layer: its rows (plot and table) or why it cannot be shown."""

    name: str                     # the file's name
    rows: list[dict]              # loaded_rows: label, model, method, setting, gmacs, top1, ..., source
    table: list[dict]             # the rows' LOADED_COLUMNS
    sources: tuple[str, ...]      # the distinct sources (data folder, n, date)
    error: Words | None = None    # (catalogue key, values) when the file is no results file


def loaded_view(text: str, name: str) -> LoadedView:
    """The text of a results file (JSON lines of ``python -m vizcore sweep``) named ``name``."""
    try:
        rows = loaded_rows(parse_records(text, name))
    except ValueError as err:
        return LoadedView(name, [], [], (), ("trade.loaded_bad", {"error": str(err)}))
    if not rows:
        return LoadedView(name, [], [], (), ("trade.loaded_empty", {"name": name}))
    return LoadedView(name, rows, [{h: r.get(h) for h in LOADED_COLUMNS} for r in rows],
                      tuple(dict.fromkeys(r["source"] for r in rows)))


def launch_results(argv: list[str] | None = None, environ: dict | None = None) -> tuple[str, str] | None:
    """The results file the operator named when starting the app (``--results FILE`` after ``--`` on the
    ``streamlit run`` line, else ``$TOKENLAB_RESULTS``) as (text, file name); None when none was named. A file
    that cannot be read comes back as an empty text (the page then says so)."""
    argv = sys.argv[1:] if argv is None else argv
    environ = os.environ if environ is None else environ
    path = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--results"), None) or environ.get(RESULTS_ENV)
    if not path:
        return None
    try:
        return Path(path).read_text(encoding="utf-8"), Path(path).name
    except (OSError, UnicodeDecodeError):
        return "", Path(path).name
