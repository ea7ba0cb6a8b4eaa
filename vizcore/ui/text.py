"""Text in the language chosen in the sidebar."""
from __future__ import annotations

import streamlit as st

from vizcore.data.scenes import class_names
from vizcore.i18n import t


def tr(key: str, **fmt) -> str:
    """Translate with the language chosen in the sidebar."""
    return t(key, st.session_state.get("lang", "en"), **fmt)


def labeller(prefix: str):
    """A format_func for options whose labels are catalogue keys ``prefix + option``. The language is
    bound now, not when the function is called (it may be called outside a script run)."""
    lang = st.session_state.get("lang", "en")
    return lambda option: t(f"{prefix}{option}", lang)


def class_label(name: str, index: int) -> str:
    """A readable class: the scene class names for the bundled models, else the class index."""
    if name.startswith("bundled_"):
        names = class_names()
        if 0 <= index < len(names):
            return f"{names[index]} ({index})"
    return str(index)
