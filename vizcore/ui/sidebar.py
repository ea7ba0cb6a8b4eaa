"""The shared sidebar (language, image, model weights, device), what it chose, and widget values that
survive page switches."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import streamlit as st

from vizcore import images
from vizcore.data import scene_set
from vizcore.device import available_devices, device_info, pick_device
from vizcore.i18n import LANGUAGES, t
from vizcore.models import registry
from vizcore.ui import address
from vizcore.ui.access import checkpoint_path_key, server_paths_enabled
from vizcore.ui.cache import cached, draw, from_upload, start_sweeper
from vizcore.ui.streamlit_internals import ensure_navigation
from vizcore.ui.text import labeller, scene_class, scene_pattern, tr

DEFAULT_SAMPLE = "astronaut"
#: widgets whose values survive page switches
PERSISTENT_KEYS = ("lang", "image_mode", "sample", "scene_index", "show_mask", "source", "checkpoint_path", "device")
UPLOAD_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff", "gif"]
CHECKPOINT_TYPES = ["pth", "pt", "tar", "bin", "safetensors"]


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


def _digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()[:16]


def _scene(index: int):
    """(LoadedImage, label, mask (H, W) bool, shapes drawn) of test scene ``index`` of the default scene set."""
    s = scene_set().render(index, "test")
    shapes = len(getattr(s, "parts", ())) or 1
    return images.image_from_array(s.image, name=f"scene {index}", format="scene"), s.label, s.mask, shapes


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


def _image_choice():
    """The image widgets: (LoadedImage, image key, mask or None, label or None, show the mask?)."""
    ss = st.session_state
    st.subheader(tr("side.image"))
    # the bundled models learned synthetic scenes: those are the meaningful default offline
    ss.setdefault("image_mode", "scene" if ss.get("source", "bundled") == "bundled" else "gallery")
    mode = st.radio(tr("side.image_source"), ["gallery", "scene", "upload"], key="image_mode", horizontal=True,
                    format_func=labeller("side."))
    mask = label = None
    show_mask = False
    if mode == "scene":
        index = int(st.number_input(tr("side.scene_index"), 0, scene_set().TEST_SIZE - 1, 0, key="scene_index"))
        image, label, mask, shapes = cached(_scene, index)
        image_key = f"scene:{index}"
        key = "side.scene_label" if shapes == 1 else "side.scene_label_twice"  # set 1: one object; set 2: a pair
        st.caption(tr(key, cls=scene_class(label), pattern=scene_pattern(label), n=shapes))
        show_mask = st.toggle(tr("side.show_mask"), key="show_mask")
    else:
        samples = images.list_samples()
        ss.setdefault("sample", DEFAULT_SAMPLE if DEFAULT_SAMPLE in samples else samples[0])
        if mode == "gallery":
            sample = st.selectbox(tr("side.sample"), samples, key="sample",
                                  format_func=lambda s: images.SAMPLE_CAPTIONS.get(s, s))
        else:  # upload: the gallery photo stands in until a file arrives, without a box of its own
            sample = ss.get("sample", ss.get("pref_sample", DEFAULT_SAMPLE))
            sample = sample if sample in samples else samples[0]
        image, image_key = cached(images.load_sample, sample), f"sample:{sample}"
    if mode == "upload":
        up = st.file_uploader(tr("side.upload_label"), key="upload", type=UPLOAD_TYPES)
        if up is None:
            st.caption(tr("side.upload_wait"))
        else:
            data = up.getvalue()
            try:
                image, image_key = from_upload(images.load_image, data, up.name), f"upload:{_digest(data)}"
            except images.ImageError as err:
                st.error(tr("msg.bad_image", error=str(err)))
    return image, image_key, mask, label, show_mask


def _checkpoint_choice(source: str) -> tuple[str, str]:
    """The checkpoint widgets when the weights come from a file: (path, key naming its contents). The path
    box is only there for the server's owner (vizcore.ui.access); visitors upload."""
    if source != "file":
        return "", ""
    path = ""
    if server_paths_enabled():
        path = st.text_input(tr("side.checkpoint_path"), key="checkpoint_path").strip()
    up = st.file_uploader(tr("side.checkpoint_upload"), key="checkpoint_upload", type=CHECKPOINT_TYPES)
    if up is not None:
        data = up.getvalue()
        key = _digest(data)
        st.session_state["_checkpoint_bytes"] = (key, data, up.name)
        return path, key
    if path:
        key, problem = checkpoint_path_key(path)
        if problem:
            st.error(tr("msg.bad_path", error=problem))
        return path, key
    return path, ""


def sidebar(page: str | None = None) -> Selection:
    """Draw the shared sidebar (language, image, model weights, device) and remember the choice; ``page``
    (its url path) names whose state the address holds."""
    ss = st.session_state
    ss["_random_notice_shown"] = False  # one notice of each kind per run, however many models a page loads
    ss["_scene_notice_shown"] = False
    start_sweeper()  # what sessions that have ended uploaded leaves the shared caches
    address.begin(page or ss.get(address.PAGE, "home"))  # a link's values first: they win over remembered ones
    _restore_widget_state()
    with st.sidebar:
        st.selectbox(t("side.language", ss.get("lang", "en")), list(LANGUAGES), key="lang",
                     format_func=LANGUAGES.get, on_change=address.relabel)
        image, image_key, mask, label, show_mask = _image_choice()
        # the overlay is for the eye only: the models always see the clean scene
        st.image(draw(mask_overlay, image.array, mask) if show_mask else image.array, width="stretch")

        st.subheader(tr("side.model_source"))
        source = st.radio(tr("side.model_source"), list(registry.SOURCES), key="source",
                          format_func=labeller("side.source."), label_visibility="collapsed")
        ckpt_path, ckpt_key = _checkpoint_choice(source)
        device = st.selectbox(tr("side.device"), ["auto", *available_devices()], key="device")
        dev = pick_device(None if device == "auto" else device)
        info = device_info(dev)
        st.caption(tr("side.device_info", device=info.device, name=info.name, torch=info.torch_version))
        address.copy_link()
    _remember_widget_state()
    sel = Selection(ss.get("lang", "en"), image, image_key, source, ckpt_path, ckpt_key, str(dev), mask, label)
    ss["selection"] = sel
    return sel


def mask_overlay(array: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 scene with its (H, W) bool object mask tinted and outlined (the mask toggle)."""
    from skimage.segmentation import find_boundaries  # deferred: about 0.8 s, and Home never needs it

    out = array.astype(np.float32).copy()
    out[mask] = 0.55 * out[mask] + 0.45 * np.array([0, 114, 178], np.float32)
    out[find_boundaries(mask, mode="inner")] = (255, 255, 255)
    return out.round().astype(np.uint8)


def _mask_view(mask: np.ndarray, cfg: dict) -> np.ndarray:
    rgb = np.repeat(mask[..., None].astype(np.uint8) * 255, 3, axis=-1)
    return images.model_view(rgb, cfg)[..., 0] > 127


def mask_in_view(cfg: dict) -> np.ndarray | None:
    """The scene's object mask as the model sees it (same resize and crop), or None for other images."""
    sel = selection()
    return None if sel.mask is None else cached(_mask_view, sel.mask, cfg)


def selection() -> Selection:
    """The sidebar's current choice (the sidebar is drawn by app.py before every page)."""
    ensure_navigation()
    sel = st.session_state.get("selection")
    if sel is None:  # a page run on its own (tests): draw the sidebar here
        sel = sidebar()
    return sel
