"""Cross-page memory: what the method pages explored, for the Trade-offs page to place and highlight."""
from __future__ import annotations

import streamlit as st

#: how many explored configurations are remembered (one per method, newest first)
REMEMBERED = 6


def note_configuration(method: str, model: str, setting: float, locs=()) -> None:
    """Remember a configuration the user is exploring on a method page (newest first, one per method), so
    that the Trade-offs page can place it on its plot and highlight it."""
    ss = st.session_state
    entry = {"method": method, "model": model, "setting": float(setting), "locs": [int(v) for v in locs]}
    older = [e for e in ss.get("explored_configs", []) if e["method"] != method]
    ss["explored_configs"] = [entry, *older][:REMEMBERED]


def explored() -> list[dict]:
    """What :func:`note_configuration` remembered, newest first."""
    return list(st.session_state.get("explored_configs", []))
