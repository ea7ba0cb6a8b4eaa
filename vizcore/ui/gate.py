"""A cap on concurrent model runs, shared by every session: a run beyond the cap waits for a free slot
with a visible "queued" note, instead of every run slowing down together on the few cores.

    RUNS.slot(on_wait)   a context holding one slot (re-entrant: a run nested in a run takes none)
    computing(message)   the slot plus a spinner, inside a script run; the queued note while it waits

The cap is ``TOKENLAB_MAX_RUNS`` (environment), else the number of CPU cores.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import streamlit as st

from vizcore.i18n import t


def max_runs() -> int:
    """The operator's cap on concurrent runs: ``TOKENLAB_MAX_RUNS``, else the number of cores."""
    try:
        return max(1, int(os.environ["TOKENLAB_MAX_RUNS"]))
    except (KeyError, ValueError):
        return max(1, os.cpu_count() or 1)


class RunGate:
    """At most ``slots`` runs at once across threads; a thread already holding a slot enters again freely
    (a cached computation that calls another one)."""

    def __init__(self, slots: int):
        self.slots = slots
        self._free = threading.BoundedSemaphore(slots)
        self._held = threading.local()
        self._count = threading.Lock()
        self.running = 0
        self.waiting = 0

    @contextmanager
    def slot(self, on_wait=None):
        """Hold a slot for the block. When none is free, ``on_wait()`` is called first (it may return a
        function, called once the slot is taken: e.g. to clear a note) and the thread waits. Once taken,
        the slot is given back whatever happens, also when clearing the note raises (Streamlit stops a
        script at its next call when the visitor moved a control meanwhile)."""
        depth = getattr(self._held, "depth", 0)
        if depth > 0:
            self._held.depth = depth + 1
            try:
                yield
            finally:
                self._held.depth = depth
            return
        clear = None
        if not self._free.acquire(blocking=False):
            clear = on_wait() if on_wait is not None else None  # may raise: nothing is held yet
            with self._count:
                self.waiting += 1
            try:
                self._free.acquire()
            finally:
                with self._count:
                    self.waiting -= 1
        with self._count:
            self.running += 1
        self._held.depth = 1
        try:
            if callable(clear):
                clear()
            yield
        finally:
            self._held.depth = 0
            with self._count:
                self.running -= 1
            self._free.release()


#: the one gate of the process
RUNS = RunGate(max_runs())


def show_queued():
    """The translated "queued" note, drawn where the run's output will be; returns what clears it."""
    note = st.empty()
    note.info(t("server.queued", st.session_state.get("lang", "en")), icon=":material/hourglass_top:")
    return note.empty


@contextmanager
def computing(message: str):
    """A model run: one of the gate's slots (the queued note while waiting for it) and a spinner."""
    with RUNS.slot(on_wait=show_queued), st.spinner(message):
        yield
