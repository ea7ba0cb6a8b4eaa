"""Do the bundled models show the trade-offs? The figures asked of the bundled set, checked on measured rows.

Input: the Trade-offs grid's rows as ``tradeoffs --write`` stores them (label, model, method, setting, gmacs,
mean_tokens, top1, keep_precision, object_share), the number ``n`` of held-out scenes they were measured on,
and the bundled models' cards (DynamicViT's trained keep ratio, WuKong's map diversity). Output: one entry
per figure, ``{"figure", "value", "target", "holds"}`` (``holds`` None when the rows lack what it needs), and
the measured order of the reducers at the lowest budget beside the papers' order on ImageNet.

Sampling noise: a top-1 on n scenes has standard error sqrt(p (1 - p) / n); "falls as its budget falls" allows
a rise of one standard error of the difference of two such top-1s between neighbouring budgets.
"""
from __future__ import annotations

import math

import numpy as np

from vizcore.models.reducer_registry import list_reducers

#: the figures' thresholds
VIT_TOP1, OTHERS_TOP1 = 0.90, 0.88
RANDOM_GAP = 0.15          # random drop at the lowest budget at least this far below the full model
TRAINED_GAP = 0.02         # DynamicViT at its trained ratio within this of the full model
LEARNED_MARGIN = 0.05      # DynamicViT at the lowest budget at least this far above random drop at its GMACs
KEEP_PRECISION, PRECISION_OVER_SHARE = 0.8, 1.5
MAP_COSINE = 0.5
#: reducer families (``ReducerSpec.family``) the figures compare: pruning learned by a predictor, and the
#: untrained baseline that drops tokens at random
LEARNED, BASELINE = "learned", "prune"


def binomial_se(p: float, n: int) -> float:
    """Standard error of a top-1 ``p`` measured on ``n`` images (floored at 1/n so p = 0 or 1 is not certain)."""
    return math.sqrt(max(p * (1 - p), 1.0 / n) / n)


def family_methods(family: str) -> list[str]:
    """The registered reducers (their names, as in rows' ``method``) of ``family``."""
    return [spec.name for spec in list_reducers() if spec.family == family]


def family_rows(rows: list[dict], family: str) -> list[dict]:
    """The measured rows of the first registered reducer of ``family`` found in ``rows``, cheapest first."""
    for method in family_methods(family):
        if found := method_rows(rows, method):
            return found
    return []


def method_rows(rows: list[dict], method: str, model: str | None = None) -> list[dict]:
    """The measured rows of ``method`` (optionally on ``model``), cheapest first."""
    out = [r for r in rows if r.get("method") == method and r.get("top1") is not None
           and (model is None or r.get("model") == model)]
    return sorted(out, key=lambda r: r["gmacs"])


def top1_at(rows: list[dict], gmacs: float) -> float:
    """Top-1 of a method's rows (cheapest first) at ``gmacs``, linearly interpolated (clamped at the ends)."""
    return float(np.interp(gmacs, [r["gmacs"] for r in rows], [r["top1"] for r in rows]))


def _se_of_difference(a: float, b: float, n: int) -> float:
    return math.hypot(binomial_se(a, n), binomial_se(b, n))


def falls_with_budget(rows: list[dict], n: int) -> tuple[bool, float, float]:
    """Rows cheapest first -> (holds, largest rise beyond one SE, drop from the dearest to the cheapest row).
    Holds when top-1 never rises by more than one standard error as the budget falls *and* the cheapest row
    is more than one standard error below the dearest (a flat curve does not fall)."""
    worst = -1.0
    for cheap, dear in zip(rows, rows[1:]):
        worst = max(worst, cheap["top1"] - dear["top1"] - _se_of_difference(cheap["top1"], dear["top1"], n))
    drop = rows[-1]["top1"] - rows[0]["top1"]
    return worst <= 0 and drop > _se_of_difference(rows[0]["top1"], rows[-1]["top1"], n), worst, drop


def _entry(figure: str, value, target: str, holds) -> dict:
    return {"figure": figure, "value": value, "target": target, "holds": holds}


def figures(rows: list[dict], n: int, cards: dict[str, dict], published: list | None = None) -> dict:
    """The checks (see the module doc) -> {"checks": [...], "order": {...}}."""
    checks = []
    plain = next((r for r in rows if r.get("method") == "plain" and r.get("top1") is not None), None)
    full = plain["top1"] if plain else None
    if plain:
        checks.append(_entry(f"{plain['model']} top-1", full, f">= {VIT_TOP1}", full >= VIT_TOP1))
    dyn = family_rows(rows, LEARNED)
    trained_rho = (cards.get(dyn[0]["model"]) or {}).get("config", {}).get("keep_ratio") if dyn else None
    for r in rows:  # the other architectures, and DynamicViT at its trained ratio
        if r.get("top1") is None:
            continue
        other = r.get("setting") is None and r.get("method") not in ("plain",)
        trained = r in dyn and trained_rho is not None and r.get("setting") == trained_rho
        if other or trained:
            checks.append(_entry(f"{r['label']} top-1", r["top1"], f">= {OTHERS_TOP1}", r["top1"] >= OTHERS_TOP1))

    random = family_rows(rows, BASELINE)
    if random and full is not None:
        gap = full - random[0]["top1"]
        checks.append(_entry(f"full model minus {random[0]['label']} ({random[0]['mean_tokens']:.0f} mean tokens)",
                             round(gap, 4), f">= {RANDOM_GAP}", gap >= RANDOM_GAP))
    for method in sorted({r["method"] for r in rows if r.get("setting") is not None}):
        ordered = method_rows(rows, method)
        if len(ordered) > 1:
            ok, worst, drop = falls_with_budget(ordered, n)
            checks.append(_entry(f"{method}: top-1 falls with the budget ({ordered[-1]['label']} -> "
                                 f"{ordered[0]['label']}: drop; largest rise beyond one SE)",
                                 f"{drop:+.4f}; {worst:+.4f}", "drop > 1 SE; rise <= 0", ok))

    at_trained = next((r for r in dyn if r.get("setting") == trained_rho), None)
    if at_trained and full is not None:
        gap = full - at_trained["top1"]
        checks.append(_entry(f"full model minus {at_trained['label']}", round(gap, 4), f"<= {TRAINED_GAP}",
                             gap <= TRAINED_GAP))
    if dyn and random:
        margin = dyn[0]["top1"] - top1_at(random, dyn[0]["gmacs"])
        checks.append(_entry(f"{dyn[0]['label']} minus random drop at {dyn[0]['gmacs']} GMACs", round(margin, 4),
                             f">= {LEARNED_MARGIN}", margin >= LEARNED_MARGIN))
    if at_trained and at_trained.get("keep_precision") is not None:
        kp, share = at_trained["keep_precision"], at_trained.get("object_share")
        checks.append(_entry(f"{at_trained['label']} keep precision", kp, f">= {KEEP_PRECISION}",
                             kp >= KEEP_PRECISION))
        if share:
            checks.append(_entry(f"{at_trained['label']} keep precision / object share", round(kp / share, 3),
                                 f">= {PRECISION_OVER_SHARE}", kp / share >= PRECISION_OVER_SHARE))
    maps = next((c["map_diversity"] for c in cards.values() if c.get("map_diversity")), None)
    if maps:
        checks.append(_entry("WuKong maps: mean pairwise cosine", maps["cosine"], f"<= {MAP_COSINE}",
                             maps["cosine"] <= MAP_COSINE))
        checks.append(_entry("WuKong maps: share of maps whose peak is on its own object or region",
                             maps["distinct_peaks"], "reported", None))
        checks.append(_entry("WuKong maps: mass on the objects / the objects' share of the grid",
                             f"{maps['object_mass']:.3f} / {maps['object_share']:.3f}", "reported", None))
    return {"n": n, "checks": checks, "order": order(rows, published or [])}


def order(rows: list[dict], published: list) -> dict:
    """Every registered reducer in ``rows`` by top-1 at the grid's lowest budget (each one's cheapest row),
    beside their order among the papers' DeiT-S numbers (a reducer without one is left out of that list)."""
    ordered = [spec.name for spec in list_reducers()]
    lowest = {m: found[0] for m in ordered if (found := method_rows(rows, m))}
    measured = sorted(lowest, key=lambda m: -lowest[m]["top1"])
    paper = {}
    for p in published:
        if p.family in ordered and "deit_small" in p.model:
            paper[p.family] = p
    return {"measured": [{"method": m, "label": lowest[m]["label"], "top1": lowest[m]["top1"],
                          "gmacs": lowest[m]["gmacs"]} for m in measured],
            "papers": [{"method": m, "model": paper[m].model, "setting": paper[m].setting, "top1": paper[m].top1,
                        "gmacs": paper[m].gmacs} for m in sorted(paper, key=lambda m: -paper[m].top1)]}
