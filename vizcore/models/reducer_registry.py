"""Reducer registry: one frozen :class:`ReducerSpec` per token reducer, registered in the reducer's own
module beside its models (``register_reducer(ReducerSpec(...))``).

Pages, analyses, charts and commands iterate over :func:`list_reducers`; none names a reducer. A spec
carries what a method is called (catalogue keys, and a tag for configuration labels), its colour, its one
setting (range, default, label format, and how a token budget maps to it), whether it runs on a model
trained for it, and ``make(model, setting, locations) -> TokenReducer``.

The common token budget is DynamicViT's: keep ratio rho at given pruning blocks, ``int(N0 * rho**k)``
patch tokens after the k-th. What a budget holds equal is a *measure* (:data:`MEASURES`): the mean patch
tokens entering a layer (prefix tokens such as CLS left out) or the GMACs of one image. A setting's ``match``
finds the value whose analytic cost comes closest to the budget's under a measure (a merging r, the keep rate
of a reducer that cuts after attention, by bisection); a setting without one is the keep ratio rho itself.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Sequence

from torch import nn

from vizcore.models.registry import build_meta, family_modules, get_spec, list_models
from vizcore.models.vit import TokenReducer, keep_count
from vizcore.published import Published

#: keep ratios rho of the budgets the Trade-offs grid sweeps: at 0.3 the last stage keeps 2.7 % of the
#: patch tokens and the layers see about 40 % of them on average (the bundled ViT)
BUDGETS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)

#: what a matched budget holds equal: mean patch tokens entering a layer, or GMACs (one image)
MEASURES = ("tokens", "gmacs")
#: the largest relative mismatch a matched setting may leave before the page says so
MATCH_TOLERANCE = 0.02
#: the keep ratios a keep-ratio setting is matched over (bisection: 10 cost counts)
KEEP_RATIO_STEPS = tuple(round(0.02 + 0.001 * i, 3) for i in range(981))

#: setting(model, rho, locations, measure) -> this reducer's setting at that budget under that measure
Match = Callable[[nn.Module, float, tuple[int, ...], str], float]


@dataclass(frozen=True)
class Setting:
    """The one control of a reducer: what it is (a catalogue key), its range and default, how a value reads
    in a configuration label (``text``), and how DynamicViT's budget maps to it (``match``; None: the
    setting *is* the keep ratio rho)."""

    name: str
    label_key: str
    low: float
    high: float
    step: float
    default: float
    text: str = "{:g}"
    match: Match | None = None

    def label(self, value: float) -> str:
        return self.text.format(value)

    @property
    def is_keep_ratio(self) -> bool:
        """Whether the setting is a keep ratio (the Trade-offs grid sweeps it as it is)."""
        return self.name == "rho"

    def matched(self, model: nn.Module, rho: float, locs: Sequence[int], measure: str = "tokens") -> float:
        """The setting that spends the budget of keep ratio ``rho`` at ``locs`` on ``model`` under ``measure``."""
        if self.match is None:
            return float(rho)
        return float(self.match(model, float(rho), tuple(locs), measure))


#: the keep ratio rho as a setting (the pruners: ``int(N0 * rho**k)`` kept against N0, or ``ceil(rho * N)`` of N)
KEEP_RATIO = Setting("rho", "reducer.setting.rho", 0.3, 0.95, 0.05, 0.7)


@dataclass(frozen=True)
class ReducerSpec:
    """One token reducer as the pages and commands see it.

    name:          the method identifier (``Config.method``, rows, colours, ``evaluate --reducer``)
    tag:           its name in configuration labels ("EViT" in "EViT 0.7"); labels key cached results
    family:        what it does to tokens: learned (pruning) | prune | fuse | merge | sample
    label_key:     catalogue key of its display name; ``about_key``: one sentence on what it does
    make:          (model, setting, locations) -> TokenReducer for that model (the model may be None for a
                   training-free reducer whose reducer does not depend on it)
    model_family:  the model-registry family of the model it needs trained for it (its predictors); None:
                   training-free, on a plain ViT backbone
    tuned_family:  training-free, but fine-tuned with it in its paper: the family of such a model, run on in
                   place of a bundled backbone when one is bundled beside it (:func:`model_for`)
    uses_locations: whether it acts at given blocks (False: every block, as merging)
    keeps_every_patch: every patch stays represented (merging): keep precision is undefined
    published:     ImageNet numbers from its paper, with sources
    """

    name: str
    tag: str
    family: str
    label_key: str
    about_key: str
    colour: str
    setting: Setting
    make: Callable[[nn.Module | None, float, tuple[int, ...]], TokenReducer]
    model_family: str | None = None
    tuned_family: str | None = None
    uses_locations: bool = True
    keeps_every_patch: bool = False
    paper: str = ""
    published: tuple[Published, ...] = ()

    @property
    def training_free(self) -> bool:
        return self.model_family is None

    def label(self, value: float) -> str:
        """The configuration label of a setting, e.g. "EViT 0.7", "ToMe r=13" (not translated)."""
        return f"{self.tag} {self.setting.label(value)}"

    def matched(self, model: nn.Module, rho: float, locs: Sequence[int], measure: str = "tokens") -> float:
        """Its setting at the budget of keep ratio ``rho`` at ``locs``, matched under ``measure`` on ``model``
        (the model it runs on: a trained partner's predictors count in its GMACs)."""
        return self.setting.matched(model, rho, locs, measure)

    def grid(self, backbone: nn.Module, locs: Sequence[int], budgets: Sequence[float] = BUDGETS) -> tuple[float, ...]:
        """The settings the Trade-offs grid sweeps on ``backbone``: one per budget, duplicates dropped. A keep
        ratio is swept as it is (each point sits at its own measured cost); another setting (ToMe's r) is the
        one matched to the budget's tokens."""
        values = (rho if self.setting.is_keep_ratio else self.matched(backbone, rho, locs) for rho in budgets)
        return tuple(dict.fromkeys(round(v, 4) for v in values))

    def describe(self) -> dict:
        """What ``python -m vizcore reducers --json`` prints."""
        s = self.setting
        return {"name": self.name, "tag": self.tag, "family": self.family, "colour": self.colour,
                "training_free": self.training_free, "model_family": self.model_family,
                "tuned_family": self.tuned_family,
                "uses_locations": self.uses_locations,
                "setting": {"name": s.name, "low": s.low, "high": s.high, "step": s.step, "default": s.default,
                            "matched_to_budget": s.match is not None},
                "models": list_models(self.name), "paper": self.paper,
                "published": [p.as_dict() for p in self.published]}


_REDUCERS: dict[str, ReducerSpec] = {}


def register_reducer(spec: ReducerSpec) -> ReducerSpec:
    if spec.name in _REDUCERS:
        raise ValueError(f"reducer {spec.name!r} registered twice")
    _REDUCERS[spec.name] = spec
    return spec


def list_reducers(training_free: bool | None = None) -> list[ReducerSpec]:
    """Every registered reducer in the model registry's module order, whoever imported a module first
    (optionally only the training-free ones or the others)."""
    list_models()  # imports every model module: they register their reducers
    rank = {module: i for i, module in enumerate(family_modules())}
    specs = sorted(_REDUCERS.values(), key=lambda s: rank.get(s.make.__module__, len(rank)))
    return [s for s in specs if training_free is None or s.training_free == training_free]


def reducer_names(training_free: bool | None = None) -> list[str]:
    return [s.name for s in list_reducers(training_free)]


def get_reducer(name: str) -> ReducerSpec:
    list_models()
    if name not in _REDUCERS:
        raise KeyError(f"Unknown reducer '{name}'. Known: {', '.join(_REDUCERS)}.")
    return _REDUCERS[name]


def find_reducer(name: str) -> ReducerSpec | None:
    """The spec of ``name``, or None when it is no reducer (plain, t2t, ...)."""
    list_models()
    return _REDUCERS.get(name)


# ---------------------------------------------------------------------------------------------- budgets
def budget_tokens(model: nn.Module, rho: float, locs: Sequence[int]) -> int:
    """Tokens over all layers when the patch tokens are cut to ``int(N0 * rho**k)`` before the k-th block of
    ``locs`` (DynamicViT's schedule, prefix tokens included): what the other reducers are matched to."""
    n0, prefix, depth = model.patch_embed.num_patches, model.num_prefix_tokens, len(model.blocks)
    locs = tuple(locs)
    n, total = n0, 0
    for layer in range(depth):
        if layer in locs:
            n = min(n, keep_count(n0, rho ** (locs.index(layer) + 1)))
        total += prefix + n
    return total


def tokens_total(model: nn.Module, reducer: TokenReducer) -> int:
    """Tokens entering all layers under ``reducer`` (analytic, one image)."""
    tokens, _, _ = model.analytic_macs(reducer=reducer)
    return int(sum(tokens))


def budget_schedule(num_patches: int, rho: float, locs: Sequence[int], depth: int) -> list[int]:
    """Patch tokens entering each layer under the budget (prefix tokens left out): N0 up to the first block
    of ``locs``, ``int(N0 * rho**k)`` from the k-th on."""
    locs = tuple(locs)
    n, out = num_patches, []
    for layer in range(depth):
        if layer in locs:
            n = min(n, keep_count(num_patches, rho ** (locs.index(layer) + 1)))
        out.append(n)
    return out


@dataclass(frozen=True)
class BudgetSchedule(TokenReducer):
    """The budget itself as a schedule, for its analytic cost: tokens cut to ``int(N0 * rho**k)`` before the
    k-th block of ``locs``, nothing computed to choose them (it runs no forward pass)."""

    rho: float
    locs: tuple[int, ...]
    is_identity = False

    def schedule(self, num_patches: int, prefix: int, depth: int) -> list[tuple[int, int]]:
        return [(prefix + n, prefix + n) for n in budget_schedule(num_patches, self.rho, self.locs, depth)]


def cost(model: nn.Module, reducer: TokenReducer, measure: str = "tokens") -> float:
    """The analytic cost of one image under ``reducer``: mean patch tokens entering a layer (prefix tokens
    left out; a fused token counts) or GMACs (the reducer's own work included)."""
    tokens, macs, other = model.analytic_macs(reducer=reducer)
    if measure == "tokens":
        return sum(tokens) / len(tokens) - model.num_prefix_tokens
    if measure == "gmacs":
        return (sum(macs) + other) / 1e9
    raise ValueError(f"Unknown measure '{measure}'. Known: {', '.join(MEASURES)}.")


def budget_cost(model: nn.Module, rho: float, locs: Sequence[int], measure: str = "tokens") -> float:
    """What a reducer matched to the budget of keep ratio ``rho`` at ``locs`` spends under ``measure``."""
    return cost(model, BudgetSchedule(float(rho), tuple(locs)), measure)


def closest_setting(values: Sequence[float], cost_of: Callable[[float], float], target: float,
                    preferred: float | None = None) -> float:
    """The value of ``values`` whose cost comes closest to ``target``, cost monotone along ``values`` (rising
    or falling). Bisects for the first value at or past the target, then takes the closer of it and its
    predecessor; ``preferred`` (the budget's own rho) wins a tie. About log2(len(values)) cost counts."""
    cost_of = functools.lru_cache(maxsize=None)(cost_of)
    rising = cost_of(values[-1]) >= cost_of(values[0])
    past = (lambda v: cost_of(v) >= target) if rising else (lambda v: cost_of(v) <= target)
    lo, hi = 0, len(values) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if past(values[mid]):
            hi = mid
        else:
            lo = mid + 1
    candidates = [values[max(lo - 1, 0)], values[lo]] + ([preferred] if preferred is not None else [])
    # distances rounded: a tie stays a tie when the costs are means (float division)
    return min(candidates, key=lambda v: (round(abs(cost_of(v) - target), 12), v != preferred))


def match_keep_ratio(reducer_at: Callable[[float], TokenReducer], model: nn.Module, rho: float,
                     locs: Sequence[int], measure: str = "tokens") -> float:
    """The keep ratio (on :data:`KEEP_RATIO_STEPS`) at which ``reducer_at(ratio)`` spends on ``model`` what the
    budget of keep ratio ``rho`` at ``locs`` spends under ``measure``; rho itself when it is as close."""
    target = budget_cost(model, rho, locs, measure)
    return closest_setting(KEEP_RATIO_STEPS, lambda r: cost(model, reducer_at(r), measure), target, float(rho))


def mismatch(achieved: float, target: float) -> float:
    """Relative mismatch of an achieved cost against its target (0.02: 2 % over)."""
    return achieved / target - 1.0 if target else 0.0


def default_locations(depth: int) -> tuple[int, ...]:
    """Pruning blocks for a backbone without a trained DynamicViT-style partner: a quarter, half, three quarters."""
    return (depth // 4, depth // 2, 3 * depth // 4)


def _signature(name: str) -> tuple:
    """What makes two ViTs the same backbone: stem, grid, width, depth, heads, prefix, classes."""
    m = build_meta(name)
    pe = m.patch_embed
    return (type(pe).__name__, tuple(pe.img_size), tuple(pe.patch_size), m.embed_dim,
            len(m.blocks), m.blocks[0].attn.num_heads, m.num_prefix_tokens, m.num_classes,
            m.blocks[0].mlp.fc1.out_features)


@functools.lru_cache(maxsize=64)
def partner_model(backbone: str, family: str) -> str | None:
    """The registered model of ``family`` built on the same configuration as ``backbone`` (e.g. DynamicViT's
    predictors on that ViT), or None."""
    if not hasattr(build_meta(backbone), "blocks"):
        return None
    sig = _signature(backbone)
    return next((n for n in list_models(family) if _signature(n) == sig), None)


@functools.lru_cache(maxsize=64)
def pruning_locations(backbone: str) -> tuple[int, ...]:
    """The blocks the budget's pruning acts at on ``backbone``: those of a trained partner that has them (the
    reducer registry's first such model), else :func:`default_locations`."""
    for spec in list_reducers(training_free=False):
        partner = partner_model(backbone, spec.model_family)
        locs = getattr(build_meta(partner), "pruning_loc", None) if partner else None
        if locs:
            return tuple(int(v) for v in locs)
    return default_locations(len(build_meta(backbone).blocks))


def tuned_partner(backbone: str, family: str) -> str | None:
    """A fine-tuned model of ``family`` on ``backbone``'s configuration whose weights ship with the app beside
    the bundled ``backbone`` (the bundled EViT beside bundled_vit), or None. ImageNet-size backbones keep their
    own weights (from the hub or a file), which no bundled partner could match."""
    partner = partner_model(backbone, family)
    bundled = partner is not None and "bundled" in get_spec(partner).sources and "bundled" in get_spec(backbone).sources
    return partner if bundled else None


def model_for(spec: ReducerSpec, backbone: str) -> str | None:
    """The model ``spec`` runs on beside ``backbone``: its trained partner, else (training-free) a fine-tuned
    partner bundled beside it (:func:`tuned_partner`) or the backbone itself."""
    if not spec.training_free:
        return partner_model(backbone, spec.model_family)
    return (tuned_partner(backbone, spec.tuned_family) if spec.tuned_family else None) or backbone


__all__ = ["BUDGETS", "KEEP_RATIO", "KEEP_RATIO_STEPS", "MATCH_TOLERANCE", "MEASURES", "BudgetSchedule", "ReducerSpec",
           "Setting", "budget_cost", "budget_schedule", "budget_tokens", "closest_setting", "cost", "default_locations",
           "find_reducer", "get_reducer", "list_reducers", "match_keep_ratio", "mismatch", "model_for",
           "partner_model", "pruning_locations", "reducer_names", "register_reducer", "tokens_total", "tuned_partner"]
