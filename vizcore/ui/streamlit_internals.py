"""Every use of something Streamlit does not promise (a private function, a class attribute, a runner
setting that pairs with gc freezing) lives here, each with why it exists. tests/test_streamlit_internals.py
fails with a clear message when a Streamlit upgrade removes or renames what these hook.

- ``memoise_image_encoding``: ``streamlit.elements.lib.image_utils._np_array_to_bytes``
- ``ensure_navigation``: ``streamlit.runtime.pages_manager.PagesManager.uses_pages_directory``
- ``freeze_long_lived_objects``: ``gc.freeze``, which pays off because ``.streamlit/config.toml`` sets
  ``runner.postScriptGC = false`` (Streamlit's full collection after every run)
"""
from __future__ import annotations

import gc

import streamlit as st
from streamlit.elements.lib import image_utils
from streamlit.runtime.pages_manager import PagesManager

from vizcore.ui.cache import SharedLRU, fingerprint

#: the private function Streamlit encodes every numpy picture with (array, output_format) -> bytes
IMAGE_ENCODER = "_np_array_to_bytes"


def memoise_image_encoding(capacity: int = 128) -> None:
    """Streamlit encodes every numpy image again on every rerun, and a rerun redraws many unchanged
    pictures (only one slider moved). Remember recent encodings by the picture's fingerprint: a picture
    ``draw`` handed out (read-only, shared) is found by identity without hashing its pixels again (about
    1 ms per picture, several times that while the browser draws); any other array by content."""
    original = getattr(image_utils, IMAGE_ENCODER, None)
    if original is None or getattr(original, "memoised", False):
        return
    encodings = SharedLRU(capacity)

    def encode(array, output_format="JPEG"):
        key = (fingerprint(array), output_format)
        return encodings.get_or_make(key, lambda: original(array, output_format))

    encode.memoised = True
    encode.original = original
    setattr(image_utils, IMAGE_ENCODER, encode)


def ensure_navigation() -> None:
    """A deep link (e.g. /wukong) as a fresh server's very first request makes Streamlit run that page
    file alone, in its older folder-based multipage mode, without app.py's navigation and sidebar (it
    sees the ``pages/`` folder). Switch that mode off and rerun, so app.py routes the request."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def freeze_long_lived_objects() -> None:
    """Move every object alive now (the imported libraries: ~500k objects) out of the garbage collector's
    reach. A full collection then takes milliseconds instead of about 0.25 s, whoever triggers it
    (Python's own thresholds, or Streamlit's collection after each run where ``runner.postScriptGC`` is
    not switched off)."""
    gc.collect()
    gc.freeze()
