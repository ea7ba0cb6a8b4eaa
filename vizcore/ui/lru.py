"""A process-wide, thread-safe least-recently-used store, bounded in entries and in bytes, whose entries
derived from one visitor's upload are released when that visitor's session ends."""
from __future__ import annotations

import os
import sys
import threading
import weakref
from collections import OrderedDict

import numpy as np
import torch
from PIL import Image

#: what ``get`` returns for an absent key when asked to tell it from a stored None
MISSING = object()
#: every store alive, so that a session's entries can be released from all of them at once
_STORES: weakref.WeakSet = weakref.WeakSet()
#: bytes per sample of PIL modes that are not one byte per band
_PIL_SAMPLE_BYTES = {"I": 4, "F": 4, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}
_SCALARS = (int, float, bool, complex, type(None), np.generic)


def budget_mb(name: str, default: int) -> int:
    """A byte budget in MB for a cache, from the environment variable ``name`` (the operator's knob:
    ``TOKENLAB_CACHE_MB`` and friends, see the README), else ``default``."""
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


def estimate_bytes(value, _limit: int = 20_000) -> int:
    """Roughly how many bytes ``value`` holds: arrays, tensors (their storage), bytes, PIL images and
    torch modules exactly, containers and plain objects (dataclasses, figures) by walking what they hold
    (each object counted once, at most ``_limit`` objects visited)."""
    seen: set[int] = set()
    total = 0
    stack = [value]
    visited = 0
    while stack and visited < _limit:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        visited += 1
        if isinstance(obj, np.ndarray):
            if obj.base is not None and id(obj.base) not in seen and isinstance(obj.base, np.ndarray):
                stack.append(obj.base)  # a view: the memory is its base's
            else:
                total += obj.nbytes
            continue
        if isinstance(obj, torch.Tensor):
            storage = obj.untyped_storage()
            if storage.data_ptr() not in seen:
                seen.add(storage.data_ptr())
                total += storage.nbytes()
            continue
        if isinstance(obj, (bytes, bytearray, memoryview, str)):
            total += sys.getsizeof(obj) if not isinstance(obj, memoryview) else obj.nbytes
            continue
        if isinstance(obj, Image.Image):
            total += obj.width * obj.height * len(obj.getbands()) * _PIL_SAMPLE_BYTES.get(obj.mode, 1)
            continue
        if isinstance(obj, torch.nn.Module):
            stack.extend(obj.parameters())
            stack.extend(obj.buffers())
            continue
        if isinstance(obj, _SCALARS):
            total += sys.getsizeof(obj)
            continue
        if isinstance(obj, (list, tuple, set, frozenset)):
            total += sys.getsizeof(obj)
            if obj and all(isinstance(v, _SCALARS) for v in (next(iter(obj)),)) and len(obj) > 64:
                total += 32 * len(obj)  # a long list of numbers: not walked one by one
            else:
                stack.extend(obj)
            continue
        if isinstance(obj, dict):
            total += sys.getsizeof(obj)
            stack.extend(obj.keys())
            stack.extend(obj.values())
            continue
        if isinstance(obj, type) or callable(obj) and not hasattr(obj, "__dict__"):
            continue
        total += sys.getsizeof(obj)
        state = getattr(obj, "__dict__", None)
        if isinstance(state, dict):
            stack.append(state)
        for slot in getattr(type(obj), "__slots__", ()):
            if isinstance(slot, str) and hasattr(obj, slot):
                stack.append(getattr(obj, slot))
    return total


class SharedLRU:
    """A process-wide, thread-safe least-recently-used store of computed results, shared by every session
    and rerun (as ``st.cache_resource``, but a hit is one dict lookup: no argument pickling, no spinner
    thread; a page run does a dozen of these). Values are shared: never modify them.

    Bounded by ``capacity`` entries and, when ``max_bytes`` is given, by the bytes its values hold
    (:func:`estimate_bytes`, measured once when stored): the least recently used drop out first, and a
    value larger than the whole budget is handed back but not kept. An entry may be *owned* by sessions
    (it was computed from their uploads): :func:`release_session` drops it once no owner is left."""

    def __init__(self, capacity: int, max_bytes: int | None = None):
        self.capacity = capacity
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict = OrderedDict()  # key -> (value, nbytes)
        self._owners: dict = {}  # key -> set of session ids, for entries derived from uploads
        self._lock = threading.Lock()
        _STORES.add(self)

    def get(self, key, default=None):
        """The value stored under ``key`` (now the most recent), or ``default``."""
        with self._lock:
            item = self._items.get(key, MISSING)
            if item is MISSING:
                return default
            self._items.move_to_end(key)
            return item[0]

    def get_or_make(self, key, make):
        """The value under ``key``; made by ``make()`` and stored when absent (the oldest ones drop out)."""
        hit = self.get(key, MISSING)
        if hit is not MISSING:
            return hit
        value = make()
        self.put(key, value)
        return value

    def put(self, key, value, owners=()) -> None:
        """Store ``value`` under ``key`` (replacing what was there), owned by the sessions ``owners`` (if
        any); the oldest ones drop out until both bounds hold."""
        size = estimate_bytes(value) if self.max_bytes is not None else 0
        with self._lock:
            self._drop(key)
            if self.max_bytes is not None and size > self.max_bytes:
                return  # larger than the whole budget: handed back, not kept
            self._items[key] = (value, size)
            self.bytes += size
            if owners:
                self._owners[key] = set(owners)
            while len(self._items) > self.capacity or (self.max_bytes is not None and self.bytes > self.max_bytes):
                self._drop(next(iter(self._items)))

    def _drop(self, key) -> None:
        item = self._items.pop(key, None)
        if item is not None:
            self.bytes -= item[1]
        self._owners.pop(key, None)

    def owners(self, key) -> frozenset:
        """The sessions that own the entry under ``key`` (empty for an entry no upload made)."""
        with self._lock:
            return frozenset(self._owners.get(key, ()))

    def claim(self, key, session) -> None:
        """Add ``session`` to the owners of an owned entry (another visitor uploaded the same file)."""
        with self._lock:
            if key in self._owners:
                self._owners[key].add(session)

    def release(self, session) -> int:
        """Forget ``session`` as an owner; entries left with no owner are dropped. Returns how many."""
        with self._lock:
            dropped = [k for k, who in self._owners.items() if who.discard(session) or not who]
            for key in dropped:
                self._drop(key)
            return len(dropped)

    def __len__(self) -> int:
        return len(self._items)


def owners_of(key) -> frozenset:
    """The sessions owning the stored result ``key`` names (a tag's key: its first 32 bytes), in any store."""
    root = key[:32] if isinstance(key, bytes) else key
    found: set = set()
    for store in list(_STORES):
        found |= store.owners(root)
    return frozenset(found)


def release_session(session) -> int:
    """Drop, from every store, the entries only ``session`` owned. Returns how many were dropped."""
    return sum(store.release(session) for store in list(_STORES))
