"""The one caching mechanism of the app: process-wide LRU stores whose keys the cache derives itself.

A cached value is keyed by what it is computed from — the function plus the fingerprints of all its
arguments — never by a list the caller writes (a hand-written key went stale on the DynamicViT page).
What the cache hands out carries its key: a model, a trace, a tensor or an immutable array the cache
produced is recognised when it comes back as an argument, so a hit costs a few dictionary lookups, not a
hash of every attention tensor. Everything else is fingerprinted by value (arrays by content).

    draw(fn, *args, **kwargs)     a picture or a figure; arrays in it made read-only
    cached(fn, *args, **kwargs)   any pure computation (a spinner shows while a miss computes)

Cached values are shared by every rerun and session: read them, never modify them. ``fn`` must be pure
in its arguments (module globals it reads are not part of the key).
"""
from __future__ import annotations

import dataclasses
from contextlib import nullcontext

import numpy as np
import streamlit as st

from vizcore.i18n import t
from vizcore.ui.keys import CACHE_KEY, derive_key, fingerprint, tag  # noqa: F401  (re-exported)
from vizcore.ui.lru import MISSING, SharedLRU


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

    def call(self, fn, args: tuple, kwargs: dict, *, busy=nullcontext, finish=None):
        """``fn(*args, **kwargs)`` remembered under ``derive_key(fn, args, kwargs)``. busy: a context shown
        while a miss computes; finish: applied to a new result before it is stored and tagged."""
        key = derive_key(fn, args, kwargs)
        hit = self.get(key, MISSING)
        if hit is not MISSING:
            return hit
        with busy():
            value = fn(*args, **kwargs)
        if finish is not None:
            value = finish(value)
        tag(value, key, skip=frozenset(map(id, (*args, *kwargs.values()))))
        self.put(key, value)
        return value


#: pictures and figures (draw)
PICTURES = Store(128)
#: any other pure computation (cached): decoded images, prepared pixels, view objects, statistics
RESULTS = Store(128)


def _running():
    """A spinner while a miss computes, inside a script run only (plain calls and unit tests show none)."""
    if not st.runtime.exists():
        return nullcontext()
    return st.spinner(t("msg.running", st.session_state.get("lang", "en")))


def draw(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` — a picture or a figure — remembered by ``fn`` and the fingerprints of all
    its arguments, across reruns and sessions. A rerun that only moved another control, or came back to
    earlier values, draws nothing again and hands Streamlit the same (read-only) object."""
    return PICTURES.call(fn, args, kwargs, finish=read_only)


def cached(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` — any pure computation — remembered by ``fn`` and the fingerprints of all
    its arguments. Arrays in the result are made read-only; the result carries its key."""
    return RESULTS.call(fn, args, kwargs, busy=_running, finish=read_only)
