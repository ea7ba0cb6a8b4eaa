"""Streamlit glue shared by every page, split by concern; the only vizcore package that imports Streamlit.
Pages call it, it calls the rest of vizcore.

    cache                the one caching mechanism: stores whose keys are derived from the arguments
                         (draw, cached, from_upload); keys: fingerprint, derive_key, tag; lru: SharedLRU,
                         bounded in entries and bytes, uploads' results released with their session
    gate                 the cap on concurrent model runs (a queued note while a run waits)
    streamlit_internals  every use of something Streamlit does not promise, each with why
    sidebar              the shared sidebar, what it chose (Selection), widget values across pages
    access               whether the checkpoint-path box exists (server paths are for the owner)
    errors               page runs guarded: an unexpected error is one line with an id, traceback in the log
    loading              models, the image as a model sees it, forward passes (run_trace)
    downloads            download menus and number tables
    animation            animations: a client-side player and their GIF download
    warmup               libraries loaded in the background on a fresh server
    memory               configurations the method pages explored (for Trade-offs)
    text                 translation in the chosen language (class, method and column names too)
    address              the page's state in its address (links), the "Copy link" control
    lessons              lesson steps: the step's text beside its page, Previous / Next, the keys
    presenter            the page style (readable at 1280×720) and presenter mode
"""
from vizcore.ui import address, streamlit_internals
from vizcore.ui.address import fragment, limits
from vizcore.ui.animation import animation, animation_files
from vizcore.ui.cache import SharedLRU, cached, draw, fingerprint, read_only
from vizcore.ui.downloads import Download, download_payloads, downloads, number_table, number_text
from vizcore.ui.errors import guarded
from vizcore.ui.lessons import available_lessons, lesson_frame, page_title
from vizcore.ui.lessons import go as go_to_step
from vizcore.ui.loading import load_model, macs_per_image, model_key, prepare_image, resolve_source, run_trace
from vizcore.ui.memory import explored, note_configuration
from vizcore.ui.sidebar import (DEFAULT_SAMPLE, PERSISTENT_KEYS, Selection, mask_in_view, mask_overlay, selection,
                                sidebar)
from vizcore.ui.streamlit_internals import ensure_navigation
from vizcore.ui.text import (class_label, class_name, column_label, column_labeller, configuration_label, labeller,
                             method_label, scene_class, scene_pattern, tr)
from vizcore.ui.warmup import wait_for_warm_up, warm_up

streamlit_internals.memoise_image_encoding()

__all__ = ["DEFAULT_SAMPLE", "PERSISTENT_KEYS", "Download", "Selection", "SharedLRU", "address", "animation",
           "animation_files", "available_lessons", "cached", "class_label", "configuration_label", "fragment",
           "go_to_step", "guarded", "lesson_frame", "limits", "page_title", "download_payloads", "downloads", "draw",
           "ensure_navigation", "explored", "fingerprint", "method_label", "class_name", "column_label",
           "column_labeller", "scene_class", "scene_pattern", "labeller", "load_model", "macs_per_image",
           "mask_in_view", "mask_overlay", "model_key", "note_configuration", "number_table", "number_text",
           "prepare_image", "read_only", "resolve_source", "run_trace", "selection", "sidebar", "tr",
           "wait_for_warm_up", "warm_up"]
