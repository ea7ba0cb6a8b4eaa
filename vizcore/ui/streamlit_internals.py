"""Every use of something Streamlit does not promise (a private function, a class attribute, a runner
setting that pairs with gc freezing) lives here, each with why it exists. tests/test_streamlit_internals.py
fails with a clear message when a Streamlit upgrade removes or renames what these hook.

- ``memoise_image_encoding``: ``streamlit.elements.lib.image_utils._np_array_to_bytes``
- ``ensure_navigation``: ``streamlit.runtime.pages_manager.PagesManager.uses_pages_directory``
- ``current_session`` / ``session_alive``: ``streamlit.runtime.scriptrunner.get_script_run_ctx`` and
  ``Runtime.is_active_session`` (which sessions still exist, to release what their uploads left)
- ``release_forgotten_sessions``: ``Runtime._session_mgr.get_session_info``, the uploaded-file manager's
  ``file_storage`` and the media-file manager's ``_files_by_session_and_coord`` (Streamlit drops a
  disconnected session after ``server.disconnectedSessionTTL`` without shutting it down, so what it
  uploaded and the media it was sent would stay in the process for good)
- ``freeze_long_lived_objects``: ``gc.freeze``, which pays off because ``.streamlit/config.toml`` sets
  ``runner.postScriptGC = false`` (Streamlit's full collection after every run)
"""
from __future__ import annotations

import gc

import streamlit as st
from streamlit.elements.lib import image_utils
from streamlit.runtime.pages_manager import PagesManager

from streamlit.runtime.scriptrunner import get_script_run_ctx

from vizcore.ui.keys import fingerprint, keyed
from vizcore.ui.lru import MISSING, SharedLRU, budget_mb

#: the private function Streamlit encodes every numpy picture with (array, output_format) -> bytes
IMAGE_ENCODER = "_np_array_to_bytes"


def memoise_image_encoding(capacity: int = 128, max_bytes: int | None = None) -> None:
    """Streamlit encodes every numpy image again on every rerun, and a rerun redraws many unchanged
    pictures (only one slider moved). Remember recent encodings by the picture's fingerprint: a picture
    ``draw`` handed out (read-only, shared) is found by identity without hashing its pixels again (about
    1 ms per picture, several times that while the browser draws); any other array by content. An
    encoding of a picture computed from an upload belongs to the upload's sessions (released with them)."""
    original = getattr(image_utils, IMAGE_ENCODER, None)
    if original is None or getattr(original, "memoised", False):
        return
    encodings = SharedLRU(capacity, max_bytes or budget_mb("TOKENLAB_ENCODINGS_MB", 64) << 20)

    def encode(array, output_format="JPEG"):
        key, owners = keyed(lambda: (fingerprint(array), output_format))
        hit = encodings.get(key, MISSING)
        if hit is MISSING:
            hit = original(array, output_format)
            encodings.put(key, hit, owners)
        for session in owners:
            encodings.claim(key, session)
        return hit

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


def current_session() -> str | None:
    """The id of the session whose script run this thread serves, or None outside a run."""
    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else None


def session_alive(session_id: str) -> bool:
    """Whether the session still has a browser connected (False once it disconnected or closed; True when
    no server runs, e.g. under AppTest, where it cannot be told)."""
    return not st.runtime.exists() or st.runtime.get_instance().is_active_session(session_id)


def release_forgotten_sessions() -> int:
    """Release the uploaded files and media files of sessions Streamlit no longer knows.

    Streamlit keeps a disconnected session for reconnection (``server.disconnectedSessionTTL``, 2 min) and
    then drops it from its storage without shutting it down: the files it uploaded and the pictures it was
    sent stay in the server's memory for good. Every session id that still holds uploaded files or media
    references but is neither connected nor stored has them removed here, as its shutdown would have.
    Returns how many sessions were released (0 when no server runs)."""
    if not st.runtime.exists():
        return 0
    rt = st.runtime.get_instance()
    uploads, media = rt.uploaded_file_mgr, rt.media_file_mgr
    holders = set(getattr(uploads, "file_storage", {})) | set(getattr(media, "_files_by_session_and_coord", {}))
    gone = [s for s in holders if rt._session_mgr.get_session_info(s) is None]
    for session_id in gone:
        uploads.remove_session_files(session_id)
        media.clear_session_refs(session_id)
    if gone:
        media.remove_orphaned_files()
    return len(gone)
