"""Model registry: name -> builder, family, default options and the sources it can load from.

Sources: ``bundled`` (weights trained by this project, in assets/models), ``hub`` (timm pretrained
names; needs network), ``file`` (a local official checkpoint), ``random`` (seeded random init).

Every registered model is an ``nn.Module`` with ``forward(x) -> logits``,
``forward_trace(x, attn=False) -> TraceOutput`` and ``analytic_macs() -> (tokens, macs, other)``.
"""
from __future__ import annotations

import importlib
import json
import os
import re
import pkgutil
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from vizcore.models.checkpoint import CheckpointError, load_state_dict, load_strict, read_checkpoint

SOURCES = ("bundled", "hub", "file", "random")
ASSETS = Path(__file__).resolve().parents[2] / "assets" / "models"
#: modules that register models (and reducers) when imported, in this order; every other module of this
#: package is imported after them, by name, so a new method is one new file here
FAMILY_MODULES = ("vizcore.models.deit", "vizcore.models.dynamicvit", "vizcore.models.evit", "vizcore.models.tome",
                  "vizcore.models.random_drop", "vizcore.models.t2t", "vizcore.models.poolformer",
                  "vizcore.models.wukong", "vizcore.models.bundled")


_PACKAGE = Path(__file__).resolve().parent
#: (the package folder's modification time, its modules): listed again only when a file is added or removed
_listed: tuple = (None, ())


def family_modules() -> tuple[str, ...]:
    """FAMILY_MODULES, then the package's other modules in name order (every page run asks: one stat, not a
    listing of the folder, unless the folder changed)."""
    global _listed
    stamp = _PACKAGE.stat().st_mtime_ns
    if _listed[0] != stamp:
        found = (f"vizcore.models.{m.name}" for m in pkgutil.iter_modules([str(_PACKAGE)]) if not m.ispkg)
        _listed = (stamp, FAMILY_MODULES + tuple(sorted(m for m in found if m not in FAMILY_MODULES)))
    return _listed[1]


HUB_URL = "https://huggingface.co/api/models/timm/deit_tiny_patch16_224.fb_in1k"


class HubUnavailable(RuntimeError):
    """The model hub cannot be reached (offline machine, firewall)."""


@dataclass(frozen=True)
class ModelSpec:
    name: str
    family: str
    builder: Callable[..., nn.Module]
    default_options: dict[str, Any] = field(default_factory=dict)
    hub_name: str | None = None
    #: official checkpoint keys -> this model's keys (None: identical)
    key_map: Callable[[dict], dict] | None = None
    #: this model's keys -> the official checkpoint's keys (tests build official-style files with it)
    to_official: Callable[[dict], dict] | None = None
    description: str = ""
    paper: str = ""

    @property
    def bundled_path(self) -> Path:
        return ASSETS / f"{self.name}.safetensors"

    @property
    def card_path(self) -> Path:
        return ASSETS / f"{self.name}.json"

    @property
    def sources(self) -> list[str]:
        found = []
        if self.bundled_path.is_file():
            found.append("bundled")
        if self.hub_name:
            found.append("hub")
        found += ["file", "random"]
        return found

    def card(self) -> dict[str, Any]:
        """The bundled model's JSON card (empty when there is none)."""
        return json.loads(self.card_path.read_text()) if self.card_path.is_file() else {}


_REGISTRY: dict[str, ModelSpec] = {}
_loaded = False


def register(spec: ModelSpec) -> ModelSpec:
    if spec.name in _REGISTRY:
        raise ValueError(f"model {spec.name!r} registered twice")
    _REGISTRY[spec.name] = spec
    return spec


_LOAD_LOCK = threading.RLock()
_loading = False


def _ensure_loaded() -> None:
    """Import every family module once (they register their models). Thread-safe: a second thread
    waits until the registry is complete (the app warms up in a background thread while a page runs)."""
    global _loaded, _loading
    if _loaded:
        return
    with _LOAD_LOCK:
        if _loaded or _loading:  # done meanwhile, or a family module asked again while being imported
            return
        _loading = True
        try:
            for mod in family_modules():
                try:
                    importlib.import_module(mod)
                except ModuleNotFoundError as err:
                    if err.name != mod:  # a real import error inside an existing module
                        raise
            _loaded = True
        finally:
            _loading = False


def list_models(family: str | None = None) -> list[str]:
    _ensure_loaded()
    return [n for n, s in _REGISTRY.items() if family is None or s.family == family]


def get_spec(name: str) -> ModelSpec:
    _ensure_loaded()
    if name not in _REGISTRY:
        raise KeyError(f"Unknown model '{name}'. Known: {', '.join(sorted(_REGISTRY))}.")
    return _REGISTRY[name]


def build(name: str, options: dict[str, Any] | None = None, seed: int = 0) -> nn.Module:
    """The model with seeded random weights, in eval mode, on the CPU."""
    spec = get_spec(name)
    opts = {**spec.default_options, **(options or {})}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = _construct(spec, opts)
    _attach_data_config(model, spec)
    return model.eval()


def _attach_data_config(model: nn.Module, spec: ModelSpec) -> None:
    """Give the model a timm ``pretrained_cfg`` so resolve_data_config knows its preprocessing."""
    cfg = dict(getattr(model, "pretrained_cfg", None) or {})
    if spec.hub_name:
        import timm  # deferred: about 2 s, and the app imports the registry at start-up (the hub models need it)
        hub_cfg = timm.models.get_pretrained_cfg(spec.hub_name)
        if hub_cfg is not None:
            cfg = {**hub_cfg.to_dict(), **cfg}
    own_size = getattr(model, "default_img_size", None)
    card = spec.card()
    if card.get("data_config"):
        cfg.update(card["data_config"])
    if card.get("data"):  # which synthetic scene set the weights were trained on (vizcore.data.scene_set)
        cfg["scenes"] = int(card["data"].get("version", 1))
    if own_size is not None:  # the built model's own size wins (options may have changed it)
        cfg["input_size"] = (3, *((own_size, own_size) if isinstance(own_size, int) else own_size))
    cfg.setdefault("input_size", (3, 224, 224))
    cfg.setdefault("interpolation", "bicubic")
    cfg.setdefault("crop_pct", 0.875)
    cfg.setdefault("mean", (0.485, 0.456, 0.406))
    cfg.setdefault("std", (0.229, 0.224, 0.225))
    model.pretrained_cfg = cfg


def hub_reachable(timeout: float = 4.0) -> bool:
    """True when the hub answers an HTTPS request within ``timeout`` s (DNS, TCP and TLS included).

    A bare TCP probe is not enough: some networks accept every connection and then go silent.
    """
    result = []

    def probe():
        try:
            req = urllib.request.Request(HUB_URL, method="HEAD")
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                result.append(resp.status < 500)
        except urllib.error.HTTPError as err:  # the hub answered, even if with an error page
            result.append(err.code < 500)
        except Exception:  # noqa: BLE001 - DNS failure, refused, TLS error, timeout: all mean offline
            result.append(False)

    t = threading.Thread(target=probe, daemon=True)
    t.start()
    t.join(timeout + 1.0)
    return bool(result and result[0])


def create_model(name: str, source: str = "random", *, checkpoint: str | os.PathLike | bytes | None = None,
                 options: dict[str, Any] | None = None, device: torch.device | str | None = None,
                 seed: int = 0, checkpoint_name: str | None = None) -> nn.Module:
    """Build ``name`` and load its weights from ``source``; eval mode, on ``device`` (default CPU).

    Raises HubUnavailable (offline hub, within ~10 s), CheckpointError (bad or mismatched file) or
    ValueError (unknown source) with messages meant for the user. A ``checkpoint`` file (path or bytes) is
    untrusted: it is parsed in a worker process with a time and memory limit; ``checkpoint_name`` names it
    in messages (an upload's file name).
    """
    spec = get_spec(name)
    if source not in SOURCES:
        raise ValueError(f"Unknown source '{source}'; use one of {', '.join(SOURCES)}.")
    if source not in spec.sources:
        raise ValueError(f"'{name}' cannot load from '{source}'; it offers {', '.join(spec.sources)}.")
    if source == "random":
        model = build(name, options, seed=seed)
    else:
        if source == "bundled":
            state, key_map = read_checkpoint(spec.bundled_path), None
        elif source == "file":
            if checkpoint is None:
                raise CheckpointError("Choose a checkpoint file to load.")
            state, key_map = load_state_dict(checkpoint, checkpoint_name), spec.key_map
        else:
            state, key_map = hub_state_dict(spec.hub_name), spec.key_map
        model = _build_from_state(name, options, seed, state, key_map)
    if device is not None:
        model = model.to(device)
    return model.eval()


def _build_from_state(name: str, options: dict[str, Any] | None, seed: int, state: dict, key_map) -> nn.Module:
    """The model with the checkpoint's weights, without a random init that would be thrown away: built
    on the meta device and given the checkpoint's tensors. Models with tensors outside the state dict
    (non-persistent buffers) get a normal build first."""
    model = build_meta(name, options)
    load_strict(model, state, key_map=key_map, assign=True)
    if any(t.is_meta for t in (*model.parameters(), *model.buffers())):
        model = build(name, options, seed=seed)
        load_strict(model, state, key_map=key_map)
    else:
        _attach_data_config(model, get_spec(name))
    return model.eval()


def hub_state_dict(hub_name: str) -> dict[str, torch.Tensor]:
    """Weights of a timm pretrained model from the hub; fails fast and clearly when offline."""
    import timm  # deferred: about 2 s, see _attach_data_config
    if not hub_reachable():
        raise HubUnavailable(f"The model hub (huggingface.co) cannot be reached, so '{hub_name}' cannot be "
                             "downloaded. Use the bundled models, or load a checkpoint file you have.")
    try:
        return timm.create_model(hub_name, pretrained=True).state_dict()
    except Exception as err:  # noqa: BLE001
        raise HubUnavailable(f"Downloading '{hub_name}' failed: {type(err).__name__}: {err}") from err


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def build_meta(name: str, options: dict[str, Any] | None = None) -> nn.Module:
    """The model's structure on the meta device (no memory, no init): for shapes, params and analytic cost."""
    spec = get_spec(name)
    with torch.device("meta"):
        return _construct(spec, {**spec.default_options, **(options or {})})


def _construct(spec: ModelSpec, options: dict[str, Any]) -> nn.Module:
    """``spec.builder(**options)``; an option the builder does not take is the user's error (ValueError)."""
    try:
        return spec.builder(**options)
    except TypeError as err:
        unknown = re.search(r"unexpected keyword argument '(\w+)'", str(err))
        if unknown is None:
            raise
        raise ValueError(f"{spec.name} has no option {unknown.group(1)!r} (its default options: "
                         f"{', '.join(sorted(spec.default_options)) or 'none'})") from None


def describe(name: str) -> dict[str, Any]:
    """The facts ``python -m vizcore models --json`` prints for one model (default input and options)."""
    spec = get_spec(name)
    model = build_meta(name)
    tokens, macs, other = model.analytic_macs()
    return {
        "name": name,
        "family": spec.family,
        "params": count_params(model),
        "gmacs": round((sum(macs) + other) / 1e9, 3),
        "tokens_per_layer": [int(t) for t in tokens],
        "sources": spec.sources,
        "hub_name": spec.hub_name,
        "options": spec.default_options,
        "description": spec.description,
    }


__all__ = ["ModelSpec", "register", "list_models", "get_spec", "build", "create_model", "describe",
           "HubUnavailable", "CheckpointError", "SOURCES", "hub_reachable", "count_params"]
