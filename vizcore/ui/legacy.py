"""Deprecated spellings of the cache, kept until every page calls ``draw`` / ``cached`` (then delete
this file). Both IGNORE the hand-written key they are given and derive it from the arguments, so a
page not converted yet is already correct."""
from __future__ import annotations

from vizcore.ui.cache import cached, draw


def drawn(fn, models, key, *args, **kwargs):
    """Deprecated: ``draw(fn, *args, **kwargs)``. ``models`` and ``key`` are ignored."""
    return draw(fn, *args, **kwargs)


def run_cached(fn, name: str, *args, options: dict | None = None, **kwargs):
    """Deprecated: ``cached(fn, *args, **kwargs)``. ``name`` and ``options`` are ignored (a model among
    the arguments names itself)."""
    return cached(fn, *args, **kwargs)
