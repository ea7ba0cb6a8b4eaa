"""Warm-up: the model libraries load in a background thread while the first page renders."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import threading

import streamlit as st
import torch

from vizcore.models import registry
from vizcore.ui.streamlit_internals import freeze_long_lived_objects
from vizcore.ui.text import tr

#: set once the warm-up thread has finished (or failed): its imports are complete
_WARMED = threading.Event()
_STARTED = threading.Lock()


def _warm_up_now() -> None:
    """Import what the model pages need (timm pulls in torchvision and torch._dynamo: seconds) and run one
    small forward pass, so the first page a visitor opens does not pay for it. The imports are deferred to
    this thread on purpose: that is the warm-up."""
    import vizcore.models  # noqa: F401  (registers every model family)
    import vizcore.plots.attention_views  # noqa: F401
    import vizcore.plots.token_fate  # noqa: F401  (skimage.segmentation: about 0.8 s)
    import vizcore.plots.tradeoff_plot  # noqa: F401
    import vizcore.plots.t2t_views  # noqa: F401
    import vizcore.plots.poolformer_views  # noqa: F401
    import vizcore.plots.wukong_views  # noqa: F401
    import vizcore.views  # noqa: F401  (then each page's view module, below)
    import pytorch_grad_cam  # noqa: F401  (PoolFormer's class maps: OpenCV and scikit-learn, about 1 s)
    import altair  # noqa: F401  (the Trade-offs chart)
    import pandas  # noqa: F401  (the charts' data: about 1 s on its first import)
    import pyarrow  # noqa: F401  (the charts' data go through it: about 0.4 s on its first use)
    import vizcore.plots.reduction_views as rv
    for module in pkgutil.iter_modules(vizcore.views.__path__, "vizcore.views."):
        importlib.import_module(module.name)
    # matplotlib's first figure builds its font cache (no words: nobody sees this one)
    rv.per_layer_cost_image({"plain": [1, 1]}, {"plain": [1, 1]}, names={"plain": "·"})
    if "bundled_vit" in registry.list_models():
        model = registry.create_model("bundled_vit", "bundled")
        size = model.default_img_size
        with torch.inference_mode():
            model.forward_trace(torch.zeros(1, 3, *size), attn=True)
    # Streamlit's declare_component (T2T's image-coordinates component, imported by the page's first run) calls
    # inspect.getmodule, which reads the file of every loaded module once (about 1 s with torch loaded): here
    inspect.getmodule(inspect.currentframe())
    freeze_long_lived_objects()


def _run() -> None:
    try:
        _warm_up_now()
    except Exception:  # a warm-up must never break the app; the pages report real failures themselves
        pass
    finally:
        _WARMED.set()


def warm_up() -> bool:
    """Once per server process: start ``_warm_up_now`` in a background thread (the page does not wait)."""
    if _STARTED.acquire(blocking=False):  # never released: the first caller starts the thread
        threading.Thread(target=_run, name="vizcore-warm-up", daemon=True).start()
    return True


def wait_for_warm_up(timeout: float = 180.0) -> None:
    """Block until the warm-up thread is done. A page that imports timm while that thread is importing it
    can see the package half-initialised ("cannot import name 'create_model' from partially initialized
    module 'timm.models'"), so every page but Home waits; Home renders at once on a fresh server."""
    if not _WARMED.is_set():
        with st.spinner(tr("msg.loading_libraries")):
            _WARMED.wait(timeout)
