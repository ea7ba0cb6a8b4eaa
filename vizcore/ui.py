"""Streamlit glue shared by every page: the sidebar, cached models and traces, messages.

The only vizcore module that imports Streamlit; pages call it, it calls the rest of vizcore.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st
import torch

from vizcore import images
from vizcore.device import available_devices, device_info, pick_device, threads_for
from vizcore.i18n import LANGUAGES, t
from vizcore.models import registry
from vizcore.plots.overlay import to_png

DEFAULT_SAMPLE = "astronaut"


class SharedLRU:
    """A process-wide, thread-safe least-recently-used store of computed results, shared by every session
    and rerun (as ``st.cache_resource``, but a hit is one dict lookup: no argument hashing, no spinner
    thread; a page run does a dozen of these). Values are shared: never modify them."""

    def __init__(self, capacity: int):
        from collections import OrderedDict
        self.capacity = capacity
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        """The value stored under ``key`` (now the most recent), or None."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def get_or_make(self, key, make):
        """The value under ``key``; made by ``make()`` and stored when absent (the oldest ones drop out)."""
        hit = self.get(key)
        if hit is not None:
            return hit
        value = make()
        self.put(key, value)
        return value

    def put(self, key, value) -> None:
        """Store ``value`` under ``key`` (replacing what was there); the oldest ones drop out."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


def _memoise_image_encoding(capacity: int = 128) -> None:
    """Streamlit encodes every numpy image again on every rerun, and a rerun redraws many unchanged
    pictures (only one slider moved). Remember recent encodings by content hash; a read-only array seen
    before (the pictures :func:`drawn` hands out are read-only and shared) is found by identity, without
    hashing its pixels again (about 1 ms per picture, several times that while the browser draws)."""
    from streamlit.elements.lib import image_utils
    original = getattr(image_utils, "_np_array_to_bytes", None)
    if original is None or getattr(original, "memoised", False):
        return
    cache = SharedLRU(capacity)
    by_identity = SharedLRU(capacity)

    def encode(array, output_format="JPEG"):
        frozen = _immutable(array)
        if frozen:
            hit = by_identity.get((id(array), output_format))
            if hit is not None and hit[0]() is array:
                return hit[1]
        a = np.ascontiguousarray(array)
        key = (hashlib.blake2b(a.data, digest_size=16).digest(), a.shape, str(a.dtype), output_format)
        data = cache.get_or_make(key, lambda: original(array, output_format))
        if frozen:
            by_identity.put((id(array), output_format), (weakref.ref(array), data))
        return data

    encode.memoised = True
    image_utils._np_array_to_bytes = encode


def _immutable(array) -> bool:
    """Whether ``array``'s pixels can no longer change: read-only, and so is every array it views."""
    node = array
    while isinstance(node, np.ndarray):
        if node.flags.writeable:
            return False
        node = node.base
    return isinstance(array, np.ndarray) and not isinstance(node, (bytearray, memoryview))


_memoise_image_encoding()


def _warm_up_now() -> None:
    """Import what the model pages need (timm pulls in torchvision and torch._dynamo: seconds) and run one
    small forward pass, so the first page a visitor opens does not pay for it."""
    import vizcore.models  # noqa: F401  (registers every model family)
    import vizcore.plots.attention_views  # noqa: F401
    import vizcore.plots.token_fate  # noqa: F401  (skimage.segmentation: about 0.8 s)
    import vizcore.plots.tradeoff_plot  # noqa: F401
    import vizcore.plots.t2t_views  # noqa: F401
    import vizcore.plots.poolformer_views  # noqa: F401
    import vizcore.plots.wukong_views  # noqa: F401
    import altair  # noqa: F401  (the Trade-offs chart)
    import pandas  # noqa: F401  (the tables: about 1 s on its first import)
    import pyarrow  # noqa: F401  (st.table's first use imports it: about 0.4 s)
    import vizcore.plots.reduction_views as rv
    rv.per_layer_cost_image({"plain": [1, 1]}, {"plain": [1, 1]})  # matplotlib's first figure builds its font cache
    if "bundled_vit" in registry.list_models():
        model = registry.create_model("bundled_vit", "bundled")
        size = model.default_img_size
        with torch.inference_mode():
            model.forward_trace(torch.zeros(1, 3, *size), attn=True)
    _freeze_long_lived_objects()


def _freeze_long_lived_objects() -> None:
    """Move every object alive now (the imported libraries: ~500k objects) out of the garbage collector's
    reach. A full collection then takes milliseconds instead of about 0.25 s, whoever triggers it
    (Python's own thresholds, or Streamlit's collection after each run where that is not switched off)."""
    import gc
    gc.collect()
    gc.freeze()


#: set once the warm-up thread has finished (or failed): its imports are complete
_WARMED = threading.Event()


@st.cache_resource(show_spinner=False)
def warm_up() -> bool:
    """Once per server process: start ``_warm_up_now`` in a background thread (the page does not wait)."""

    def run():
        try:
            _warm_up_now()
        except Exception:  # a warm-up must never break the app; the pages report real failures themselves
            pass
        finally:
            _WARMED.set()

    threading.Thread(target=run, name="vizcore-warm-up", daemon=True).start()
    return True


def wait_for_warm_up(timeout: float = 180.0) -> None:
    """Block until the warm-up thread is done. A page that imports timm while that thread is importing it
    can see the package half-initialised ("cannot import name 'create_model' from partially initialized
    module 'timm.models'"), so every page but Home waits; Home renders at once on a fresh server."""
    if not _WARMED.is_set():
        with st.spinner(tr("msg.loading_libraries")):
            _WARMED.wait(timeout)


@dataclass
class Selection:
    """What the shared sidebar chose; pages read it with ``selection()``."""

    lang: str
    image: images.LoadedImage
    image_key: str
    source: str
    checkpoint_path: str
    checkpoint_key: str
    device: str
    mask: np.ndarray | None = None      # (H, W) bool object mask when the image is a synthetic scene
    label: int | None = None            # its class index


def tr(key: str, **fmt) -> str:
    """Translate with the language chosen in the sidebar."""
    return t(key, st.session_state.get("lang", "en"), **fmt)


def labeller(prefix: str):
    """A format_func for options whose labels are catalogue keys ``prefix + option``. The language is
    bound now, not when the function is called (it may be called outside a script run)."""
    lang = st.session_state.get("lang", "en")
    return lambda option: t(f"{prefix}{option}", lang)


def _digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()[:16]


@st.cache_data(max_entries=16, show_spinner=False)
def _decode_upload(data: bytes, name: str) -> images.LoadedImage:
    return images.load_image(data, name)


@st.cache_data(max_entries=16, show_spinner=False)
def _sample(name: str) -> images.LoadedImage:
    return images.load_sample(name)


@st.cache_data(max_entries=64, show_spinner=False)
def _scene(index: int):
    from vizcore.data import scenes
    image, label, mask = scenes.scene(index, split="test")
    return images.image_from_array(image, name=f"scene {index}", format="scene"), label, mask


PERSISTENT_KEYS = ("lang", "image_mode", "sample", "scene_index", "show_mask", "source", "checkpoint_path", "device")


def _restore_widget_state() -> None:
    """Widget values survive page switches: Streamlit drops a widget's state when a run does not draw
    it, so every choice is mirrored under ``pref_<key>`` and put back before the widget is drawn."""
    ss = st.session_state
    for key in PERSISTENT_KEYS:
        if key not in ss and f"pref_{key}" in ss:
            ss[key] = ss[f"pref_{key}"]


def _remember_widget_state() -> None:
    ss = st.session_state
    for key in PERSISTENT_KEYS:
        if key in ss:
            ss[f"pref_{key}"] = ss[key]


def sidebar() -> Selection:
    """Draw the shared sidebar (language, image, model weights, device) and remember the choice."""
    ss = st.session_state
    ss["_random_notice_shown"] = False  # one notice of each kind per run, however many models a page loads
    ss["_scene_notice_shown"] = False
    _restore_widget_state()
    with st.sidebar:
        st.selectbox(t("side.language", ss.get("lang", "en")), list(LANGUAGES), key="lang",
                     format_func=LANGUAGES.get)
        st.subheader(tr("side.image"))
        # the bundled models learned synthetic scenes: those are the meaningful default offline
        ss.setdefault("image_mode", "scene" if ss.get("source", "bundled") == "bundled" else "gallery")
        mode = st.radio(tr("side.image_source"), ["gallery", "scene", "upload"], key="image_mode", horizontal=True,
                        format_func=labeller("side."))
        mask = label = None
        show_mask = False
        if mode == "scene":
            from vizcore.data import scenes
            index = st.number_input(tr("side.scene_index"), 0, scenes.TEST_SIZE - 1, 0, key="scene_index")
            image, label, mask = _scene(int(index))
            image_key = f"scene:{int(index)}"
            st.caption(tr("side.scene_label", cls=scenes.class_names()[label], pattern=scenes.PATTERNS[label]))
            show_mask = st.toggle(tr("side.show_mask"), key="show_mask")
        else:
            samples = images.list_samples()
            ss.setdefault("sample", DEFAULT_SAMPLE if DEFAULT_SAMPLE in samples else samples[0])
            sample = st.selectbox(tr("side.sample"), samples, key="sample",
                                  format_func=lambda s: images.SAMPLE_CAPTIONS.get(s, s))
            image, image_key = _sample(sample), f"sample:{sample}"
        if mode == "upload":
            up = st.file_uploader(tr("side.upload_label"), key="upload",
                                  type=["png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff", "gif"])
            if up is None:
                st.caption(tr("side.upload_wait"))
            else:
                data = up.getvalue()
                try:
                    image, image_key = _decode_upload(data, up.name), f"upload:{_digest(data)}"
                except images.ImageError as err:
                    st.error(tr("msg.bad_image", error=str(err)))
        # the overlay is for the eye only: the models always see the clean scene
        st.image(_mask_overlay(image.array, mask) if show_mask else image.array, width="stretch")

        st.subheader(tr("side.model_source"))
        source = st.radio(tr("side.model_source"), list(registry.SOURCES), key="source",
                          format_func=labeller("side.source."), label_visibility="collapsed")
        ckpt_path, ckpt_key = "", ""
        if source == "file":
            ckpt_path = st.text_input(tr("side.checkpoint_path"), key="checkpoint_path").strip()
            up = st.file_uploader(tr("side.checkpoint_upload"), key="checkpoint_upload",
                                  type=["pth", "pt", "tar", "bin", "safetensors"])
            if up is not None:
                data = up.getvalue()
                ckpt_key = _digest(data)
                ss["_checkpoint_bytes"] = (ckpt_key, data)
            elif ckpt_path:
                p = Path(ckpt_path).expanduser()
                ckpt_key = f"path:{p}:{p.stat().st_mtime_ns if p.is_file() else 0}"
        devices = ["auto", *available_devices()]
        device = st.selectbox(tr("side.device"), devices, key="device")
        dev = pick_device(None if device == "auto" else device)
        info = device_info(dev)
        st.caption(tr("side.device_info", device=info.device, name=info.name, torch=info.torch_version))
    _remember_widget_state()
    sel = Selection(ss.get("lang", "en"), image, image_key, source, ckpt_path, ckpt_key, str(dev), mask, label)
    ss["selection"] = sel
    return sel


def _mask_overlay(array: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The scene with its object mask tinted and outlined (for the mask-overlay toggle)."""
    from skimage.segmentation import find_boundaries
    out = array.astype(np.float32).copy()
    out[mask] = 0.55 * out[mask] + 0.45 * np.array([0, 114, 178], np.float32)
    out[find_boundaries(mask, mode="inner")] = (255, 255, 255)
    return out.round().astype(np.uint8)


def mask_in_view(cfg: dict) -> np.ndarray | None:
    """The scene's object mask as the model sees it (same resize and crop), or None for other images."""
    sel = selection()
    if sel.mask is None:
        return None
    rgb = np.repeat(sel.mask[..., None].astype(np.uint8) * 255, 3, axis=-1)
    return images.model_view(rgb, cfg)[..., 0] > 127


def ensure_navigation() -> None:
    """A deep link (e.g. /wukong) as a fresh server's very first request makes Streamlit run that page
    file alone, in its older folder-based multipage mode, without app.py's navigation and sidebar (it
    sees the ``pages/`` folder). Switch that mode off and rerun, so app.py routes the request."""
    from streamlit.runtime.pages_manager import PagesManager
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def selection() -> Selection:
    """The sidebar's current choice (the sidebar is drawn by app.py before every page)."""
    ensure_navigation()
    sel = st.session_state.get("selection")
    if sel is None:  # a page run on its own (tests): draw the sidebar here
        sel = sidebar()
    return sel


@st.cache_resource(max_entries=6, show_spinner=False)
def _cached_model(name: str, source: str, checkpoint_key: str, device: str, options_json: str, _checkpoint=None):
    """One shared, read-only model per (name, source, weights, device, options). Never mutate it."""
    model = registry.create_model(name, source, checkpoint=_checkpoint, options=json.loads(options_json) or None,
                                  device=device)
    for p in model.parameters():
        p.requires_grad_(False)
    return model


#: the loaded models by (name, source, weights, device, options): a hit skips the resource cache's hashing
_MODELS = SharedLRU(6)


def resolve_source(name: str, sel: Selection) -> str:
    """The source to use for ``name``: bundled falls back to random (with a notice) when absent."""
    spec = registry.get_spec(name)
    if sel.source == "bundled" and "bundled" not in spec.sources:
        return "random"
    if sel.source == "hub" and "hub" not in spec.sources:
        return "random"
    return sel.source


def load_model(name: str, options: dict | None = None):
    """The model for ``name`` under the sidebar's choice of weights and device, or None after showing
    a clear message (offline hub, bad checkpoint). Notices random weights."""
    sel = selection()
    source = resolve_source(name, sel)
    checkpoint = None
    if source == "file":
        if not sel.checkpoint_key:
            st.info(tr("msg.need_checkpoint"))
            return None
        stored = st.session_state.get("_checkpoint_bytes")
        checkpoint = stored[1] if stored and stored[0] == sel.checkpoint_key else sel.checkpoint_path
    key = (name, source, sel.checkpoint_key if source == "file" else "", sel.device,
           json.dumps(options or {}, sort_keys=True))
    try:
        model = _MODELS.get(key)
        if model is None:
            with st.spinner(tr("msg.loading_model", model=name)):
                model = _MODELS.get_or_make(key, lambda: _cached_model(*key, _checkpoint=checkpoint))
    except (registry.HubUnavailable, registry.CheckpointError, ValueError, KeyError, OSError) as err:
        st.error(tr("msg.model_failed", model=name, error=str(err)))
        return None
    if source == "bundled" and sel.mask is None and not st.session_state.get("_scene_notice_shown"):
        st.session_state["_scene_notice_shown"] = True
        st.info(tr("msg.bundled_on_photo"), icon=":material/info:")
    if source == "random":
        if sel.source == "bundled":
            st.caption(tr("msg.no_bundled", model=name))
        elif sel.source == "hub":
            st.caption(tr("msg.no_hub", model=name))
        if not st.session_state.get("_random_notice_shown"):
            st.session_state["_random_notice_shown"] = True
            st.warning(tr("msg.random_weights"), icon=":material/casino:")
    return model


def note_configuration(method: str, model: str, setting: float, locs=()) -> None:
    """Remember a configuration the user is exploring on a method page (newest first, one per method), so
    that the Trade-offs page can place it on its plot and highlight it."""
    ss = st.session_state
    entry = {"method": method, "model": model, "setting": float(setting), "locs": [int(v) for v in locs]}
    older = [e for e in ss.get("explored_configs", []) if e["method"] != method]
    ss["explored_configs"] = [entry, *older][:6]


def explored() -> list[dict]:
    """What :func:`note_configuration` remembered, newest first."""
    return list(st.session_state.get("explored_configs", []))


def class_label(name: str, index: int) -> str:
    """A readable class: the scene class names for the bundled models, else the class index."""
    if name.startswith("bundled_"):
        from vizcore.data.scenes import class_names
        names = class_names()
        if 0 <= index < len(names):
            return f"{names[index]} ({index})"
    return str(index)


def model_key(name: str, options: dict | None = None) -> str:
    sel = selection()
    return f"{name}|{resolve_source(name, sel)}|{sel.checkpoint_key}|{sel.device}|{json.dumps(options or {}, sort_keys=True)}"


_TRACES = SharedLRU(48)


_MACS: "weakref.WeakKeyDictionary[torch.nn.Module, float]" = weakref.WeakKeyDictionary()


def macs_per_image(model) -> float:
    """The model's analytic multiply-accumulates for one image at its default size (remembered per model)."""
    macs = _MACS.get(model)
    if macs is None:
        try:
            tokens, per_layer, other = model.analytic_macs()
            macs = float(sum(per_layer) + other)
        except Exception:  # a model without the analytic count is treated as large
            macs = float("inf")
        _MACS[model] = macs
    return macs


def _forward(model, pixels: torch.Tensor, seed: int | None, kwargs: dict):
    device = next(model.parameters()).device
    if seed is not None:
        kwargs = {**kwargs, "generator": torch.Generator(device=device).manual_seed(seed)}
    with torch.inference_mode(), threads_for(macs_per_image(model) * pixels.shape[0], device):
        out = model.forward_trace(pixels.to(device), **kwargs)
    return out.logits.float().cpu(), out.trace.to("cpu")


def run_trace(name: str, model, pixels: torch.Tensor, options: dict | None = None, seed: int | None = None,
              **kwargs):
    """(logits, Trace) for the current image, cached per model, image, call arguments and seed.

    The cached objects are shared by every rerun and session (no copy per rerun): read them, never
    modify them in place.

    ``seed`` seeds a generator for stochastic views (Gumbel draws, random drop); reducers passed in
    ``kwargs`` are stateless dataclasses, so their repr identifies them.
    """
    sel = selection()
    key = (model_key(name, options), sel.image_key, json.dumps(kwargs, sort_keys=True, default=repr), seed)
    hit = _TRACES.get(key)
    if hit is not None:
        return hit
    with st.spinner(tr("msg.running")):
        return _TRACES.get_or_make(key, lambda: _forward(model, pixels, seed, kwargs))


@st.cache_data(max_entries=16, show_spinner=False)
def cached_call(fn_key: str, model_key_: str, image_key: str, args_key: str, _fn, _args: tuple, _kwargs: dict):
    """Cache any pure computation on (model, image, arguments): ``fn_key`` names the function."""
    return _fn(*_args, **_kwargs)


def run_cached(fn, name: str, *args, options: dict | None = None, **kwargs):
    """``fn(*args, **kwargs)`` cached per function, model, current image and the JSON of kwargs."""
    sel = selection()
    args_key = json.dumps(kwargs, sort_keys=True, default=repr)
    with st.spinner(tr("msg.running")):
        return cached_call(f"{fn.__module__}.{fn.__qualname__}", model_key(name, options), sel.image_key, args_key,
                           fn, args, kwargs)


_DRAWN = SharedLRU(128)


def drawn(fn, models, key, *args, **kwargs):
    """``fn(*args, **kwargs)`` — a picture or a figure — remembered across reruns and sessions.

    models: the model name(s) the arguments were computed with; key: JSON-able values that, together
    with those models, the current image and the language, determine the arguments (the control values).
    A rerun that only moved another control, or came back to earlier values, draws nothing again and
    hands Streamlit the same object. The result is shared: never modify it.
    """
    sel = selection()
    names = [models] if isinstance(models, str) else list(models or [])
    context = json.dumps([sel.lang, sel.image_key, *(model_key(n) for n in names)])
    return _DRAWN.get_or_make((f"{fn.__module__}.{fn.__qualname__}", context,
                               json.dumps(key, sort_keys=True, default=repr)), lambda: _read_only(fn(*args, **kwargs)))


def _read_only(result):
    """Pictures (and pictures inside tuples) made read-only: they are shared, and a read-only picture is
    encoded for the browser once, then found by identity."""
    for item in result if isinstance(result, tuple) else (result,):
        if isinstance(item, np.ndarray):
            item.setflags(write=False)
    return result


@st.cache_data(max_entries=24, show_spinner=False)
def _prepared(image_key: str, cfg_json: str, _array: np.ndarray):
    cfg = json.loads(cfg_json)
    return images.preprocess(_array, cfg), images.model_view(_array, cfg)


def prepare_image(model) -> tuple[torch.Tensor, np.ndarray, dict]:
    """(pixels (1,3,H,W), the RGB view the model sees (H,W,3), data config) for the current image."""
    sel = selection()
    cfg = images.data_config_for(model)
    pixels, view = _prepared(sel.image_key, json.dumps(cfg, sort_keys=True, default=list), sel.image.array)
    return pixels, view, cfg


def _csv(rows) -> str:
    rows = rows() if callable(rows) else rows
    if len(rows) and not isinstance(rows[0], dict):  # a 2-D array of numbers
        return "".join(",".join(f"{v:.6g}" for v in row) + "\n" for row in rows)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


@dataclass(frozen=True)
class Download:
    """One file a download button offers: made only when the button is clicked."""

    label_key: str  # catalogue key of the button's label
    make: object    # () -> bytes | str
    file_name: str
    mime: str


def download_payloads(stem: str, png=None, rows=None, data=None, html=None, svg=None) -> list[Download]:
    """The files offered for a figure and its numbers, in button order.

    png: RGB array (H, W, 3), or a function returning one; rows: list of dicts, 2-D numbers, or a function
    returning either (CSV); data: JSON-able, or a function returning it; html: a plotly figure, or a function
    building one (interactive HTML); svg: SVG text."""
    items = []
    if png is not None:
        items.append(Download("common.download_png", lambda img=png: to_png(img() if callable(img) else img),
                              f"{stem}.png", "image/png"))
    if svg is not None:
        items.append(Download("common.download_svg", lambda s=svg: s() if callable(s) else s, f"{stem}.svg",
                              "image/svg+xml"))
    if rows is not None and (callable(rows) or len(rows)):
        items.append(Download("common.download_csv", lambda r=rows: _csv(r), f"{stem}.csv", "text/csv"))
    if data is not None:
        items.append(Download("common.download_json",
                              lambda d=data: json.dumps(d() if callable(d) else d, indent=1, default=str),
                              f"{stem}.json", "application/json"))
    if html is not None:
        items.append(Download("common.download_html",
                              lambda f=html: (f() if callable(f) else f).to_html(include_plotlyjs=True),
                              f"{stem}.html", "text/html"))
    return items


def downloads(stem: str, png=None, rows=None, data=None, html=None, svg=None) -> None:
    """A "Download" menu for a figure and its numbers (arguments as :func:`download_payloads`); each file is
    made only when its button is clicked.

    One popover per figure, not a row of buttons: Streamlit gives a deferred download a new id on every
    rerun, so visible buttons are all drawn again each time a control moves; closed, the menu's buttons
    cost the browser nothing."""
    items = download_payloads(stem, png=png, rows=rows, data=data, html=html, svg=svg)
    if not items:
        return
    formats = " · ".join(item.file_name.rsplit(".", 1)[1].upper() for item in items)
    with st.popover(tr("common.download_menu", formats=formats), icon=":material/download:"):
        for item in items:
            ext = item.file_name.rsplit(".", 1)[1]
            st.download_button(tr(item.label_key), item.make, item.file_name, item.mime, key=f"dl_{ext}_{stem}",
                               on_click="ignore", icon=":material/download:", width="stretch")


def number_text(value) -> str:
    """How a table shows a number: integers as integers (145, not 145.0000), other floats with four
    significant digits (0.9485, 93.7, 0.0732), missing values as an en dash."""
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    v = float(value)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.4g}" if abs(v) < 1e4 else f"{v:.0f}"


def number_table(rows, **kwargs) -> None:
    """``st.table`` of a list of dicts (or a DataFrame) whose float columns are shown as
    :func:`number_text` (st.table would print 145.0000). The columns become text; a styler would keep them
    numeric but costs about 10 ms per table per run, this costs microseconds."""
    import pandas as pd
    df = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    for c in df.columns:
        if df[c].dtype.kind in "fc" or (df[c].dtype == object and any(isinstance(v, float) for v in df[c])):
            df[c] = [number_text(v) if isinstance(v, (int, float, np.number)) or v is None else v for v in df[c]]
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    st.table(df, **kwargs)
