"""The one caching mechanism of the app: process-wide LRU stores whose keys the cache derives itself.

A cached value is keyed by what it is computed from — the function plus the fingerprints of all its
arguments — never by a list the caller writes (a hand-written key went stale on the DynamicViT page).
What the cache hands out carries its key: a model, a trace, a tensor or an immutable array the cache
produced is recognised when it comes back as an argument, so a hit costs a few dictionary lookups, not a
hash of every attention tensor. Everything else is fingerprinted by value (arrays by content).

    draw(fn, *args, **kwargs)     a picture or a figure; arrays in it made read-only
    cached(fn, *args, **kwargs)   any pure computation (a spinner shows while a miss computes)

    from_upload(fn, *args)        as ``cached``, for what decodes a visitor's upload: the result, and
                                  every result computed from it, belong to the sessions that uploaded it
                                  and are released when those sessions end (release_ended_sessions)

Cached values are shared by every rerun and session: read them, never modify them. ``fn`` must be pure
in its arguments (module globals it reads are not part of the key). Every store is bounded in entries
and in bytes (budgets in MB from the environment: TOKENLAB_PICTURES_MB, TOKENLAB_RESULTS_MB, ...).
"""
from __future__ import annotations

import dataclasses
import threading
from contextlib import nullcontext

import numpy as np
import streamlit as st

from vizcore.i18n import t
from vizcore.ui.gate import computing
from vizcore.ui.keys import CACHE_KEY, derive_key, fingerprint, keyed, tag  # noqa: F401  (re-exported)
from vizcore.ui.lru import _STORES, MISSING, SharedLRU, budget_mb, release_session
from vizcore.ui.streamlit_internals import current_session, release_forgotten_sessions, session_alive

#: how often (seconds) a background sweep releases what ended sessions owned
SWEEP_SECONDS = 20.0
_sweeper_started = threading.Event()


def read_only(result, _depth: int = 0):
    """Arrays in ``result`` (itself, or inside tuples, lists, dicts and dataclasses) made read-only: they
    are shared, and a read-only array is found again by identity (a picture is encoded for the browser
    once, an argument is not hashed again)."""
    if isinstance(result, np.ndarray):
        result.setflags(write=False)
    elif _depth < 4:
        if isinstance(result, (tuple, list)):
            items = result
        elif isinstance(result, dict):
            items = result.values()
        elif dataclasses.is_dataclass(result) and not isinstance(result, type):
            items = [getattr(result, f.name) for f in dataclasses.fields(result)]
        else:
            items = ()
        for item in items:
            read_only(item, _depth + 1)
    return result


class Store(SharedLRU):
    """A SharedLRU of function results under derived keys."""

    def call(self, fn, args: tuple, kwargs: dict, *, busy=nullcontext, finish=None, owner=None):
        """``fn(*args, **kwargs)`` remembered under ``derive_key(fn, args, kwargs)``. busy: a context shown
        while a miss computes; finish: applied to a new result before it is stored and tagged; owner: the
        session the result belongs to (an upload), besides those owning the results it is computed from."""
        key, owners = keyed(lambda: derive_key(fn, args, kwargs))
        owners = owners | {owner} if owner is not None else owners
        hit = self.get(key, MISSING)
        if hit is not MISSING:
            for session in owners:
                self.claim(key, session)
            return hit
        with busy():
            value = fn(*args, **kwargs)
        if finish is not None:
            value = finish(value)
        tag(value, key, skip=frozenset(map(id, (*args, *kwargs.values()))))
        self.put(key, value, owners)
        return value


#: pictures and figures (draw)
PICTURES = Store(128, budget_mb("TOKENLAB_PICTURES_MB", 128) << 20)
#: any other pure computation (cached): decoded images, prepared pixels, view objects, statistics
RESULTS = Store(128, budget_mb("TOKENLAB_RESULTS_MB", 192) << 20)


def release_ended_sessions() -> int:
    """Drop, from every store, what only sessions that have ended owned (their uploads and all computed
    from them), and Streamlit's own files of sessions it has forgotten. Returns how many cache entries
    were dropped."""
    release_forgotten_sessions()
    owners: set = set()
    for store in list(_STORES):
        with store._lock:
            for who in store._owners.values():
                owners |= who
    return sum(release_session(s) for s in owners if not session_alive(s))


def _sweep_forever() -> None:
    while True:
        threading.Event().wait(SWEEP_SECONDS)
        try:
            release_ended_sessions()
        except Exception:  # the sweep must never die; the next run sweeps again
            pass


def start_sweeper() -> None:
    """Release ended sessions' uploads from a background thread every SWEEP_SECONDS (so memory comes back
    even when no one uses the server any more). Idempotent: a page run calls it."""
    if not _sweeper_started.is_set():
        _sweeper_started.set()
        threading.Thread(target=_sweep_forever, name="tokenlab-upload-sweeper", daemon=True).start()


def _running():
    """A run slot and a spinner while a miss computes, inside a script run only (plain calls and unit tests
    show none)."""
    if not st.runtime.exists():
        return nullcontext()
    return computing(t("msg.running", st.session_state.get("lang", "en")))


def draw(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` — a picture or a figure — remembered by ``fn`` and the fingerprints of all
    its arguments, across reruns and sessions. A rerun that only moved another control, or came back to
    earlier values, draws nothing again and hands Streamlit the same (read-only) object."""
    return PICTURES.call(fn, args, kwargs, finish=read_only)


def cached(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` — any pure computation — remembered by ``fn`` and the fingerprints of all
    its arguments. Arrays in the result are made read-only; the result carries its key."""
    return RESULTS.call(fn, args, kwargs, busy=_running, finish=read_only)


def from_upload(fn, *args, **kwargs):
    """As :func:`cached`, for a function that decodes a visitor's upload: the result, and everything later
    computed from it, belongs to the current session and is released when the session ends."""
    return RESULTS.call(fn, args, kwargs, busy=_running, finish=read_only, owner=current_session())
