"""Streamlit glue shared by every page, split by concern; the only vizcore package that imports Streamlit.
Pages call it, it calls the rest of vizcore.

    cache                the one caching mechanism: stores whose keys are derived from the arguments
                         (draw, cached, from_upload); keys: fingerprint, derive_key, tag; lru: SharedLRU,
                         bounded in entries and bytes, uploads' results released with their session
    gate                 the cap on concurrent model runs (a queued note while a run waits)
    streamlit_internals  every use of something Streamlit does not promise, each with why
    sidebar              the shared sidebar, what it chose (Selection), widget values across pages
    loading              models, the image as a model sees it, forward passes (run_trace)
    downloads            download menus and number tables
    warmup               libraries loaded in the background on a fresh server
    memory               configurations the method pages explored (for Trade-offs)
    text                 translation in the chosen language
"""
from vizcore.ui import streamlit_internals
from vizcore.ui.cache import SharedLRU, cached, draw, fingerprint, read_only
from vizcore.ui.downloads import Download, download_payloads, downloads, number_table, number_text
from vizcore.ui.loading import load_model, macs_per_image, model_key, prepare_image, resolve_source, run_trace
from vizcore.ui.memory import explored, note_configuration
from vizcore.ui.sidebar import (DEFAULT_SAMPLE, PERSISTENT_KEYS, Selection, mask_in_view, mask_overlay, selection,
                                sidebar)
from vizcore.ui.streamlit_internals import ensure_navigation
from vizcore.ui.text import class_label, labeller, tr
from vizcore.ui.warmup import wait_for_warm_up, warm_up

streamlit_internals.memoise_image_encoding()

__all__ = ["DEFAULT_SAMPLE", "PERSISTENT_KEYS", "Download", "Selection", "SharedLRU", "cached", "class_label",
           "download_payloads", "downloads", "draw", "ensure_navigation", "explored", "fingerprint",
           "labeller", "load_model", "macs_per_image", "mask_in_view", "mask_overlay", "model_key",
           "note_configuration", "number_table", "number_text", "prepare_image", "read_only", "resolve_source",
           "run_trace", "selection", "sidebar", "tr", "wait_for_warm_up", "warm_up"]
