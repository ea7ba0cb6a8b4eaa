"""Bounded shared state: caches bounded in bytes, a cap on concurrent runs with a queued note, and what a
session uploaded released when the session ends."""
import threading
import time

import numpy as np
import pytest
import streamlit as st
import torch
from PIL import Image
from streamlit.runtime import media_file_manager
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFileRec
from streamlit.testing.v1 import AppTest

from conftest import assert_clean, png_bytes
from vizcore.ui import cache, gate, lru, streamlit_internals
from vizcore.ui.cache import Store, release_ended_sessions
from vizcore.ui.loading import MODELS, TRACES
from vizcore.ui.lru import SharedLRU, estimate_bytes, release_session

MB = 1 << 20


@pytest.fixture(autouse=True)
def _nothing_owned_before():
    """Each test starts with no session owning anything in the process-wide stores (AppTest sessions of
    earlier test files leave their uploads owned until a sweep finds them ended)."""
    for owner in {s for store in list(lru._STORES) for who in store._owners.values() for s in who}:
        release_session(owner)


def test_estimate_bytes_counts_arrays_tensors_images_and_modules_once():
    a = np.zeros((256, 1024), np.float32)  # 1 MB
    assert estimate_bytes(a) == MB
    assert estimate_bytes((a, a, a[:10])) < 1.01 * MB  # the same memory counted once, a view by its base
    t = torch.zeros(256, 1024)
    assert estimate_bytes({"t": t, "v": t[:3]}) < 1.01 * MB
    assert estimate_bytes(Image.new("RGB", (512, 512))) == 3 * 512 * 512
    assert estimate_bytes(Image.new("F", (512, 512))) == 4 * 512 * 512
    assert estimate_bytes(b"x" * MB) >= MB
    layer = torch.nn.Linear(512, 512)
    assert estimate_bytes(layer) >= 4 * 512 * 513

    class View:  # a plain object holding arrays (as a view object or a figure does)
        def __init__(self):
            self.maps = [np.ones((512, 512), np.float32) for _ in range(3)]
    assert 3 * MB <= estimate_bytes(View()) < 3.1 * MB


def test_bytes_bound_evicts_the_least_recent_and_refuses_what_never_fits():
    store = SharedLRU(100, max_bytes=3 * MB + 4096)
    for k in "abcd":
        store.put(k, np.zeros(MB, np.uint8))
    assert store.get("a") is None and store.get("b") is not None  # four 1 MB values, room for three
    assert len(store) == 3 and store.bytes <= store.max_bytes
    store.get("b")  # "b" is now the most recent: "c" goes next
    store.put("e", np.zeros(MB, np.uint8))
    assert store.get("c") is None and store.get("b") is not None
    huge = np.zeros(8 * MB, np.uint8)
    store.put("huge", huge)  # larger than the whole budget: not kept, nothing else evicted for it
    assert store.get("huge") is None and len(store) == 3


def test_the_app_stores_are_bounded_in_bytes():
    for store in (cache.PICTURES, cache.RESULTS, MODELS, TRACES):
        assert store.max_bytes is not None and store.max_bytes <= 1 << 30


def _decode(data: bytes) -> np.ndarray:
    return np.frombuffer(data, np.uint8).reshape(16, 16, 3).copy()


def _brighter(image: np.ndarray) -> np.ndarray:
    return image // 2 + 100


def _grey(n: int) -> np.ndarray:
    return np.full((8, 8), n, np.uint8)


def test_what_an_upload_made_is_released_when_its_session_ends():
    store, other = Store(64, 64 * MB), Store(64, 64 * MB)
    photo = bytes(range(256)) * 3
    decoded = store.call(_decode, (photo,), {}, owner="session-a", finish=cache.read_only)
    derived = other.call(_brighter, (decoded,), {})  # computed from the upload: owned by its session too
    unrelated = store.call(_grey, (3,), {})
    key_decoded, key_derived = cache.derive_key(_decode, (photo,), {}), cache.derive_key(_brighter, (decoded,), {})
    assert store.owners(key_decoded) == {"session-a"} and other.owners(key_derived) == {"session-a"}
    # a second visitor uploads the same photo: the results are theirs too, and stay while they are here
    assert store.call(_decode, (photo,), {}, owner="session-b", finish=cache.read_only) is decoded
    assert other.call(_brighter, (decoded,), {}) is derived
    assert other.owners(key_derived) == {"session-a", "session-b"}
    release_session("session-a")
    assert store.get(key_decoded) is decoded and other.get(key_derived) is derived
    release_session("session-b")
    assert store.get(key_decoded) is None and other.get(key_derived) is None
    assert store.get(cache.derive_key(_grey, (3,), {})) is unrelated  # not from an upload: kept


def test_ended_sessions_are_found_and_released(monkeypatch):
    store = Store(8, 8 * MB)
    store.call(_decode, (bytes(768),), {}, owner="gone")
    store.call(_decode, (bytes([1]) * 768,), {}, owner="here")
    monkeypatch.setattr(cache, "session_alive", lambda s: s == "here")
    assert release_ended_sessions() == 1
    assert len(store) == 1 and store.owners(cache.derive_key(_decode, (bytes([1]) * 768,), {})) == {"here"}


def test_the_cap_makes_the_next_run_wait_with_a_note():
    runs = gate.RunGate(2)
    holding, release = threading.Barrier(3), threading.Event()

    def hold():
        with runs.slot():
            holding.wait()
            release.wait(5)

    holders = [threading.Thread(target=hold) for _ in range(2)]
    for h in holders:
        h.start()
    holding.wait()
    notes, order = [], []

    def third():
        with runs.slot(on_wait=lambda: notes.append("queued") or (lambda: notes.append("cleared"))):
            order.append("third ran")

    waiter = threading.Thread(target=third)
    waiter.start()
    time.sleep(0.3)
    assert notes == ["queued"] and not order and runs.waiting == 1 and runs.running == 2
    release.set()
    waiter.join(5)
    for h in holders:
        h.join(5)
    assert notes == ["queued", "cleared"] and order == ["third ran"] and runs.running == 0
    with runs.slot(), runs.slot(), runs.slot():  # re-entrant: a run inside a run takes no second slot
        assert runs.running == 1


def _queued_page():
    """An AppTest script (its body runs on its own: it imports what it uses): another visitor holds the
    only slot for half a second, this run waits with the queued note, then runs."""
    import threading

    import streamlit as st

    from vizcore.ui import gate
    runs = gate.RunGate(1)
    taken, done = threading.Event(), threading.Event()

    def other_visitor():
        with runs.slot():
            taken.set()
            done.wait(0.5)

    threading.Thread(target=other_visitor).start()
    taken.wait(5)
    with runs.slot(on_wait=lambda: gate.show_queued() and None):  # the note is kept, to be seen here
        st.write("ran")


@pytest.mark.parametrize("lang, words", [("en", "Queued"), ("zh", "排队中")])
def test_the_queued_note_is_shown_in_the_page_language(lang, words):
    at = AppTest.from_function(_queued_page, default_timeout=30)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception
    assert any(words in m.value for m in at.info), [m.value for m in at.info]
    assert any("ran" == m.value for m in at.markdown)


def test_files_of_sessions_streamlit_forgot_are_released(monkeypatch):
    """Streamlit drops a disconnected session after its TTL without shutting it down; its uploaded files
    and media files must not stay in the process."""
    class Sessions:
        def get_session_info(self, session_id):
            return object() if session_id == "here" else None  # "gone" expired from Streamlit's storage

    class Runtime:
        uploaded_file_mgr = MemoryUploadedFileManager("/_stcore/upload_file")
        media_file_mgr = MediaFileManager(MemoryMediaFileStorage("/media"))
        _session_mgr = Sessions()

    rt = Runtime()
    for session in ("gone", "here"):
        rt.uploaded_file_mgr.add_file(session, UploadedFileRec(f"{session}-1", "photo.png", "image/png", b"x" * 1000))
        monkeypatch.setattr(media_file_manager, "_get_session_id", lambda s=session: s)
        rt.media_file_mgr.add(b"jpeg bytes of " + session.encode(), "image/jpeg", "coord")
    assert len(rt.media_file_mgr._file_metadata) == 2
    monkeypatch.setattr(st.runtime, "exists", lambda: True)
    monkeypatch.setattr(st.runtime, "get_instance", lambda: rt)
    assert streamlit_internals.release_forgotten_sessions() == 1
    assert rt.uploaded_file_mgr.get_files("gone", ["gone-1"]) == []
    assert len(rt.uploaded_file_mgr.get_files("here", ["here-1"])) == 1
    assert "gone" not in rt.media_file_mgr._files_by_session_and_coord
    assert len(rt.media_file_mgr._file_metadata) == 1  # the picture only "gone" was sent is deleted
    assert streamlit_internals.release_forgotten_sessions() == 0


def _owned_by_anyone() -> dict:
    """store -> the number of entries some session owns, over every store alive."""
    return {store: len(store._owners) for store in list(lru._STORES) if store._owners}


def test_an_upload_on_a_page_is_owned_down_to_its_traces_and_pictures_and_released(attention_page):
    at = attention_page
    at.radio(key="image_mode").set_value("upload").run()
    at.sidebar.file_uploader(key="upload").upload("mine.png", png_bytes(seed=17), "image/png")
    at.run()
    assert_clean(at)
    owners = {s for store in lru._STORES for who in store._owners.values() for s in who}
    assert len(owners) == 1  # this session's
    owned = _owned_by_anyone()
    assert owned.get(cache.RESULTS, 0) >= 2  # the decoded upload and the pixels prepared from it
    assert owned.get(TRACES, 0) >= 1 and owned.get(cache.PICTURES, 0) >= 1  # its forward pass, its pictures
    (session,) = owners
    assert release_session(session) == sum(owned.values())
    assert not _owned_by_anyone()


def test_a_slot_is_given_back_when_clearing_the_note_raises():
    """Streamlit stops a waiting script at its next call (the visitor moved a control): the slot it had
    just taken must not leak, or the server stalls once every slot has leaked."""
    runs = gate.RunGate(1)
    taken, release = threading.Event(), threading.Event()

    def hold():
        with runs.slot():
            taken.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait(5)
    failures = []

    def stopped_visitor():
        def clear():
            raise RuntimeError("stopped by a rerun")
        try:
            with runs.slot(on_wait=lambda: clear):
                failures.append("ran")
        except RuntimeError as err:
            failures.append(str(err))

    waiter = threading.Thread(target=stopped_visitor)
    waiter.start()
    time.sleep(0.2)
    release.set()
    waiter.join(5)
    holder.join(5)
    assert failures == ["stopped by a rerun"] and runs.running == 0 and runs.waiting == 0
    assert runs._free.acquire(timeout=2), "the slot leaked: a later run would wait for ever"
