"""Models under the sidebar's choice of weights and device, the image as each model sees it, and
forward passes — all through the cache, so a rerun that changed nothing computes nothing."""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

from vizcore import images
from vizcore.analysis.forward import traced_forward
from vizcore.models import registry
from vizcore.ui.access import server_paths_enabled
from vizcore.ui.cache import CACHE_KEY, Store, cached
from vizcore.ui.gate import computing
from vizcore.ui.lru import budget_mb
from vizcore.ui.sidebar import Selection, selection
from vizcore.ui.streamlit_internals import current_session
from vizcore.ui.text import tr

#: the loaded models (a few hundred MB each at most): keyed by name, source, weights, device and options
MODELS = Store(6, budget_mb("TOKENLAB_MODELS_MB", 1024) << 20)
#: (logits, Trace) of recent forward passes
TRACES = Store(48, budget_mb("TOKENLAB_TRACES_MB", 256) << 20)


@dataclass(frozen=True)
class Checkpoint:
    """Weights from a file: ``payload`` (bytes or a path) is named in keys by ``cache_key`` (the digest of
    the upload, or the path with its modification time), so megabytes are never hashed on a rerun."""

    cache_key: str
    payload: object
    name: str = ""  # the uploaded file's name (for messages)


def resolve_source(name: str, sel: Selection) -> str:
    """The source to use for ``name``: bundled falls back to random (with a notice) when absent."""
    spec = registry.get_spec(name)
    if sel.source == "bundled" and "bundled" not in spec.sources:
        return "random"
    if sel.source == "hub" and "hub" not in spec.sources:
        return "random"
    return sel.source


def _create_model(name: str, source: str, checkpoint: Checkpoint | None, device: str, options_json: str):
    """A shared, read-only model that carries its ``cache_key`` (name, source, weights, device, options).
    Never mutate it."""
    model = registry.create_model(name, source, checkpoint=checkpoint.payload if checkpoint else None,
                                  options=json.loads(options_json) or None, device=device,
                                  checkpoint_name=checkpoint.name if checkpoint else None)
    for p in model.parameters():
        p.requires_grad_(False)
    setattr(model, CACHE_KEY, (name, source, checkpoint.cache_key if checkpoint else "", device, options_json))
    return model


def _notice_weights(name: str, source: str, sel: Selection) -> None:
    """One notice per run for bundled weights on a photo and for random weights."""
    ss = st.session_state
    if source == "bundled" and sel.mask is None and not ss.get("_scene_notice_shown"):
        ss["_scene_notice_shown"] = True
        st.info(tr("msg.bundled_on_photo"), icon=":material/info:")
    if source == "random":
        if sel.source == "bundled":
            st.caption(tr("msg.no_bundled", model=name))
        elif sel.source == "hub":
            st.caption(tr("msg.no_hub", model=name))
        if not ss.get("_random_notice_shown"):
            ss["_random_notice_shown"] = True
            st.warning(tr("msg.random_weights"), icon=":material/casino:")


def load_model(name: str, options: dict | None = None):
    """The model for ``name`` under the sidebar's choice of weights and device, or None after showing
    a clear message (offline hub, bad checkpoint). Notices random weights. The model carries a
    ``cache_key``, so caches recognise it without hashing its weights."""
    sel = selection()
    source = resolve_source(name, sel)
    checkpoint = None
    if source == "file":
        if not sel.checkpoint_key:
            st.info(tr("msg.need_checkpoint" if server_paths_enabled() else "msg.need_upload"))
            return None
        stored = st.session_state.get("_checkpoint_bytes")
        uploaded = bool(stored) and stored[0] == sel.checkpoint_key
        checkpoint = (Checkpoint(sel.checkpoint_key, stored[1], stored[2]) if uploaded
                      else Checkpoint(sel.checkpoint_key, sel.checkpoint_path))
    args = (name, source, checkpoint, sel.device, json.dumps(options or {}, sort_keys=True))
    try:
        uploaded = checkpoint is not None and isinstance(checkpoint.payload, bytes)
        model = MODELS.call(_create_model, args, {}, owner=current_session() if uploaded else None,
                            busy=lambda: computing(tr("msg.loading_model", model=name)))
    except (registry.HubUnavailable, registry.CheckpointError, ValueError, KeyError, OSError) as err:
        st.error(tr("msg.model_failed", model=name, error=str(err)))
        return None
    _notice_weights(name, source, sel)
    return model


def model_key(name: str, options: dict | None = None) -> str:
    """A text naming the model ``load_model(name, options)`` gives under the sidebar's current choice."""
    sel = selection()
    return f"{name}|{resolve_source(name, sel)}|{sel.checkpoint_key}|{sel.device}|{json.dumps(options or {}, sort_keys=True)}"


def _macs_of(model) -> float:
    try:
        tokens, per_layer, other = model.analytic_macs()
        return float(sum(per_layer) + other)
    except Exception:  # a model without the analytic count is treated as large
        return float("inf")


def macs_per_image(model) -> float:
    """The model's analytic multiply-accumulates for one image at its default size (remembered for loaded
    models; computed afresh for others, e.g. a model on the meta device, which no cache can name)."""
    return cached(_macs_of, model) if getattr(model, CACHE_KEY, None) is not None else _macs_of(model)


def _forward(model, pixels: torch.Tensor, seed: int | None, kwargs: dict):
    """(logits, Trace) on the CPU of one traced forward pass (the key holds the model, not its cost)."""
    return traced_forward(model, pixels, macs_per_image(model), seed, **kwargs)


def run_trace(name: str, model, pixels: torch.Tensor, options: dict | None = None, seed: int | None = None,
              **kwargs):
    """(logits, Trace) of ``model.forward_trace(pixels, **kwargs)``, remembered by the model's key, the
    pixels, the seed and the call arguments (reducers are dataclasses: by their fields). ``name`` and
    ``options`` are kept for the callers; the model names itself.

    The results are shared by every rerun and session and carry their key (a picture drawn from the trace
    is found without hashing it): read them, never modify them in place. ``seed`` seeds a generator for
    stochastic views (Gumbel draws, random drop)."""
    return TRACES.call(_forward, (model, pixels, seed, kwargs), {}, busy=lambda: computing(tr("msg.running")))


def _prepared(array: np.ndarray, cfg: dict):
    return images.preprocess(array, cfg), images.model_view(array, cfg)


def prepare_image(model) -> tuple[torch.Tensor, np.ndarray, dict]:
    """(pixels (1,3,H,W), the RGB view the model sees (H,W,3), data config) for the current image. The
    pixels and the view are shared (the view read-only) and carry their key."""
    sel = selection()
    cfg = images.data_config_for(model)
    pixels, view = cached(_prepared, sel.image.array, cfg)
    return pixels, view, cfg

