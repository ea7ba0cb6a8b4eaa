"""Text in the language chosen in the sidebar."""
from __future__ import annotations

import streamlit as st

from vizcore.data.scenes import PATTERNS, class_names
from vizcore.i18n import STRINGS, t
from vizcore.models.reducer_registry import find_reducer


def tr(key: str, **fmt) -> str:
    """Translate with the language chosen in the sidebar."""
    return t(key, st.session_state.get("lang", "en"), **fmt)


def labeller(prefix: str):
    """A format_func for options whose labels are catalogue keys ``prefix + option``. The language is
    bound now, not when the function is called (it may be called outside a script run)."""
    lang = st.session_state.get("lang", "en")
    return lambda option: t(f"{prefix}{option}", lang)


def scene_class(index: int) -> str:
    """The synthetic scenes' class ``index`` in the chosen language."""
    return tr(f"scene.class.{class_names()[index]}")


def scene_pattern(index: int) -> str:
    """The interior pattern of scene class ``index`` in the chosen language."""
    return tr(f"scene.pattern.{PATTERNS[index]}")


def class_label(name: str, index: int) -> str:
    """A readable class: the scene class names for the bundled models, else the class index."""
    if name.startswith("bundled_"):
        names = class_names()
        if 0 <= index < len(names):
            return f"{scene_class(index)} ({index})"
    return str(index)


def class_name(name: str) -> str:
    """A class name as a model's head names it, in the chosen language (the synthetic scenes' classes are
    translated; ImageNet's and others stay as they are)."""
    return tr(f"scene.class.{name}") if f"scene.class.{name}" in STRINGS else name


def method_key(method: str) -> str | None:
    """The catalogue key of a method's name (a registered reducer's label, "plain ViT" for the backbone alone,
    the whole-model methods' names), or None: then the id itself is its name."""
    spec = find_reducer(method)
    if spec is not None:
        return spec.label_key
    key = "pic.plain" if method == "plain" else f"pic.method.{method}"
    return key if key in STRINGS else None


def method_label(method: str) -> str:
    """A method's name in charts and tables, in the chosen language (see :func:`method_key`)."""
    key = method_key(method)
    return tr(key) if key else method


def configuration_label(label: str, method: str) -> str:
    """A configuration's label ("random 0.7", not translated by the registry) with its method's tag in the
    reader's language where the catalogue has the tag (``tag.<tag>``: the tags that are English words)."""
    spec = find_reducer(method)
    if spec is None or not label.startswith(spec.tag + " ") or f"tag.{spec.tag}" not in STRINGS:
        return label
    return tr(f"tag.{spec.tag}") + label[len(spec.tag):]


def column_labeller():
    """A function column -> its header in the language chosen now (``col.<column>`` from the catalogue when it
    has one, else the column itself); the language is bound now, as in :func:`labeller`."""
    lang = st.session_state.get("lang", "en")
    return lambda column: t(f"col.{column}", lang) if f"col.{column}" in STRINGS else column


def column_label(column: str) -> str:
    """A table's or a CSV file's column header in the chosen language (see :func:`column_labeller`)."""
    return column_labeller()(column)
