"""A process-wide, thread-safe least-recently-used store."""
from __future__ import annotations

import threading
from collections import OrderedDict

#: what ``get`` returns for an absent key when asked to tell it from a stored None
MISSING = object()


class SharedLRU:
    """A process-wide, thread-safe least-recently-used store of computed results, shared by every session
    and rerun (as ``st.cache_resource``, but a hit is one dict lookup: no argument pickling, no spinner
    thread; a page run does a dozen of these). Values are shared: never modify them."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, default=None):
        """The value stored under ``key`` (now the most recent), or ``default``."""
        with self._lock:
            value = self._items.get(key, MISSING)
            if value is MISSING:
                return default
            self._items.move_to_end(key)
            return value

    def get_or_make(self, key, make):
        """The value under ``key``; made by ``make()`` and stored when absent (the oldest ones drop out)."""
        hit = self.get(key, MISSING)
        if hit is not MISSING:
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
