"""Reducer registry: one frozen :class:`ReducerSpec` per token reducer, registered in the reducer's own
module beside its models (``register_reducer(ReducerSpec(...))``).

Pages, analyses, charts and commands iterate over :func:`list_reducers`; none names a reducer. A spec
carries what a method is called (catalogue keys, and a tag for configuration labels), its colour, its one
setting (range, default, label format, and how a token budget maps to it), whether it runs on a model
trained for it, and ``make(model, setting, locations) -> TokenReducer``.

The common token budget is DynamicViT's: keep ratio rho at given pruning blocks, ``int(N0 * rho**k)``
patch tokens after the k-th. Pruners take rho as their setting; others (ToMe's r) say how to match it.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Sequence

from torch import nn

from vizcore.models.registry import build_meta, family_modules, list_models
from vizcore.models.vit import TokenReducer, keep_count
from vizcore.published import Published

#: keep ratios rho of the budgets the Trade-offs grid sweeps: at 0.3 the last stage keeps 2.7 % of the
#: patch tokens and the layers see about 40 % of them on average (the bundled ViT)
BUDGETS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)

#: setting(model, rho, locations) -> this reducer's setting at that budget
Match = Callable[[nn.Module, float, tuple[int, ...]], float]


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

    def matched(self, model: nn.Module, rho: float, locs: Sequence[int]) -> float:
        """The setting that spends the budget of keep ratio ``rho`` at ``locs`` on ``model``."""
        return float(rho) if self.match is None else float(self.match(model, float(rho), tuple(locs)))


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

    def matched(self, model: nn.Module, rho: float, locs: Sequence[int]) -> float:
        return self.setting.matched(model, rho, locs)

    def grid(self, backbone: nn.Module, locs: Sequence[int], budgets: Sequence[float] = BUDGETS) -> tuple[float, ...]:
        """The settings the Trade-offs grid sweeps on ``backbone``: one per budget, duplicates dropped."""
        return tuple(dict.fromkeys(round(self.matched(backbone, rho, locs), 4) for rho in budgets))

    def describe(self) -> dict:
        """What ``python -m vizcore reducers --json`` prints."""
        s = self.setting
        return {"name": self.name, "tag": self.tag, "family": self.family, "colour": self.colour,
                "training_free": self.training_free, "model_family": self.model_family,
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


def model_for(spec: ReducerSpec, backbone: str) -> str | None:
    """The model ``spec`` runs on beside ``backbone``: the backbone itself (training-free) or its trained partner."""
    return backbone if spec.training_free else partner_model(backbone, spec.model_family)


__all__ = ["BUDGETS", "KEEP_RATIO", "ReducerSpec", "Setting", "budget_tokens", "default_locations", "find_reducer",
           "get_reducer", "list_reducers", "model_for", "partner_model", "pruning_locations", "reducer_names",
           "register_reducer", "tokens_total"]
