"""A page's state in its address: which fields each page has, and query string <-> typed values.

Streamlit-free, so the command line (``render --from-link URL``, ``lesson check``) reads the same addresses the
app writes. A field's name in the address is the widget's session-state key (``dyn_rho=0.5``); values are
language-independent (``image_mode=scene``, never the translated label).

    fields(page)                      -> the page's fields, the shared sidebar's (GLOBAL) first
    parse_query(page, query, limits)  -> (state {key: value}, [Note]); a bad value is left out with a note
    encode_state(page, state)         -> {key: text} for a query string (static defaults left out)
    parse_link(url)                   -> (page, state, [Note]) of a copied address
    make_link(base, page, state)      -> the address of ``page`` in ``state``

``limits`` names the bounds that depend on the model (``layers``: the last layer index, ``heads``, ``patches``:
the last patch index, ``tokens``): a field whose range depends on one is checked against it when given, and
only against its type when not (a lesson file is checked without a model).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from vizcore import images
from vizcore.data import scene_set
from vizcore.i18n import LANGUAGES
from vizcore.models.reducer_registry import KEEP_RATIO
from vizcore.models.registry import SOURCES, list_models
from vizcore.plots.overlay import COLORMAPS
from vizcore.views.compare import compare_backbones
from vizcore.views.poolformer import CAM_METHODS, MIXERS, SHOWS
from vizcore.views.poolformer import SOURCES as POOL_SOURCES
from vizcore.views.tradeoffs import MODEL_SETS
from vizcore.views.wukong import MAX_TEXT_TOKENS

KINDS = ("choice", "int", "float", "bool", "head", "text")
#: parameters that other parts of the app read from the address (not page state): never reported as unknown
PASSED_THROUGH = ("present", "embed", "embed_options")


class AddressError(ValueError):
    """A value that does not fit its field (the message says what was expected)."""


@dataclass(frozen=True)
class Field:
    """One piece of page state. ``options``: the allowed values of a choice (a tuple, or a function returning
    them); ``low`` / ``high``: an inclusive range, ``high`` may name a model-dependent limit; ``default``:
    None when it depends on the model (the widget's own default), and then the field is always written."""

    key: str
    kind: str
    options: tuple | Callable[[], Sequence] | None = None
    low: float | None = None
    high: float | str | None = None
    default: object = None
    always: bool = False        # written even at its default; a link without it keeps the current value

    def __post_init__(self):
        assert self.kind in KINDS, self.kind

    def choices(self) -> tuple:
        return tuple(self.options() if callable(self.options) else self.options or ())

    def expected(self, limits: Mapping[str, int] | None = None) -> str:
        """What a value must be, in a few words (for notes and lesson errors)."""
        if self.kind == "choice":
            return "one of " + ", ".join(map(str, self.choices()))
        if self.kind == "bool":
            return "true or false"
        if self.kind == "text":
            return "text"
        high = self._high(limits)
        word = {"int": "a whole number", "float": "a number", "head": "mean, max or a head number"}[self.kind]
        if self.kind == "head":
            return word + (f" from 0 to {high}" if high is not None else "")
        if self.low is not None and high is not None:
            return f"{word} from {self.low:g} to {high:g}"
        return f"{word} of at least {self.low:g}" if self.low is not None else word

    def _high(self, limits: Mapping[str, int] | None):
        if isinstance(self.high, str):
            return None if limits is None else limits.get(self.high)
        return self.high

    def parse(self, value, limits: Mapping[str, int] | None = None):
        """The typed value of ``value`` (text from an address, or a value from a lesson file); raises
        AddressError when it does not fit."""
        text = str(value).strip()
        bad = AddressError(f"{self.key}={text!r}: expected {self.expected(limits)}")
        if self.kind == "choice":
            for option in self.choices():
                if str(option) == text:
                    return option
            raise bad
        if self.kind == "text":
            return text
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            if text.lower() in ("1", "true", "yes", "on"):
                return True
            if text.lower() in ("0", "false", "no", "off"):
                return False
            raise bad
        if self.kind == "head" and text in ("mean", "max"):
            return text
        try:
            number = float(text) if self.kind == "float" else int(text)
        except ValueError:
            raise bad from None
        if isinstance(value, bool) or not math.isfinite(number):
            raise bad
        high = self._high(limits)
        if (self.low is not None and number < self.low) or (high is not None and number > high) \
                or (self.kind == "head" and number < 0):
            raise bad
        return number

    def encode(self, value) -> str:
        if self.kind == "bool":
            return "true" if value else "false"
        if self.kind == "float":
            return f"{round(float(value), 6):g}"
        return str(value)


def _models(family: str) -> Callable[[], list[str]]:
    return lambda: list_models(family=family)


def _choice(key: str, options, default=None, **kw) -> Field:
    return Field(key, "choice", options=tuple(options) if not callable(options) else options, default=default, **kw)


def _range(key: str, kind: str, low, high, default=None) -> Field:
    return Field(key, kind, low=low, high=high, default=default)


ALPHA = (0.0, 1.0, 0.6)

#: the shared sidebar's state, on every page (device and checkpoint files name this machine: not in links;
#: an upload cannot travel in a link either: ``image_mode=upload`` opens the gallery image until one is given)
GLOBAL: tuple[Field, ...] = (
    _choice("lang", LANGUAGES, "en", always=True),
    _choice("image_mode", ("gallery", "scene", "upload")),
    _choice("sample", images.list_samples, "astronaut"),
    _range("scene_index", "int", 0, scene_set().TEST_SIZE - 1, 0),
    Field("show_mask", "bool", default=False),
    _choice("source", SOURCES, "bundled"),
    Field("lesson", "text"),                     # a lesson being walked through (its file's name) and the step
    _range("step", "int", 1, None, None),
)

PAGES: dict[str, tuple[Field, ...]] = {
    "home": (),
    "lesson": (Field("lesson_pick", "text"),),
    "attention": (
        _choice("attn_model", _models("vit")),
        _range("attn_layer", "int", 0, "layers"),
        Field("attn_head", "head", high="heads", default="mean"),
        _choice("attn_scale", ("map", "layer", "global"), "map"),
        _choice("attn_cmap", COLORMAPS, COLORMAPS[0]),
        _choice("attn_view", ("cls", "grid", "patch", "rollout", "shapes"), "cls"),
        _range("attn_alpha", "float", *ALPHA),
        _range("attn_patch", "int", 0, "patches"),
        _choice("roll_fusion", ("mean", "max", "min"), "mean"),
        _range("roll_discard", "float", 0.0, 0.95, 0.0),
        _range("roll_upto", "int", 0, "layers"),
        _range("pos_patch", "int", 0, "patches"),
    ),
    "wukong": (
        _choice("wk_model", _models("wukong")),
        _choice("wk_cmap", COLORMAPS, COLORMAPS[0]),
        _choice("wk_view", ("grid", "single", "assign", "stats", "steps", "cost"), "grid"),
        _choice("wk_scale", ("map", "shared"), "map"),
        _range("wk_token", "int", 0, "tokens", 0),
        _range("wk_alpha", "float", *ALPHA),
        _range("wk_text_tokens", "int", 1, MAX_TEXT_TOKENS, 32),
        _choice("wk_batch", (1, 8, 32, 128, 256, 1024), 256),
    ),
    "t2t": (
        _choice("t2t_model", _models("t2t")),
        _choice("t2t_cmap", COLORMAPS, COLORMAPS[0]),
        *(_range(f"t2t_{what}{i}", "int", lo, hi) for i in range(3)
          for what, lo, hi in (("k", 1, 15), ("s", 1, 8), ("p", 0, 7))),
        _choice("t2t_view", ("windows", "footprint", "schedule"), "windows"),
        _choice("t2t_stage", (0, 1, 2), 0),
        _choice("t2t_where", ("centre", "corner"), "centre"),
        _range("t2t_token", "int", 0, None),
    ),
    "poolformer": (
        _choice("pf_model", _models("poolformer")),
        _choice("pf_cmap", COLORMAPS, COLORMAPS[0]),
        _choice("pf_view", SHOWS, SHOWS[0]),
        _choice("pf_slot", MIXERS, MIXERS[0]),
        _choice("pf_source", POOL_SOURCES, POOL_SOURCES[0]),
        _range("pf_stage", "int", 0, 3, 0),
        _range("pf_per_stage", "int", 2, 10, 6),
        _choice("pf_cam_method", CAM_METHODS, next(iter(CAM_METHODS))),
        _choice("pf_cam_mixer", MIXERS, MIXERS[0]),
        _range("pf_alpha", "float", *ALPHA),
    ),
    "dynamicvit": (
        _choice("dyn_model", _models("dynamicvit")),
        _range("dyn_rho", "float", 0.3, 0.95),
        _choice("dyn_semantics", ("inference", "training"), "inference"),
        _range("dyn_tau", "float", 0.1, 5.0, 1.0),
        _range("dyn_seed", "int", 0, None, 0),         # the Gumbel draw: "new sample" counts it up
        _choice("dyn_samples", (8, 16, 32, 64), 32),
    ),
    "compare": (
        _choice("cmp_backbone", compare_backbones),
        _range("cmp_rho", "float", KEEP_RATIO.low, KEEP_RATIO.high, KEEP_RATIO.default),
    ),
    "tradeoffs": (
        _choice("trade_set", MODEL_SETS, next(iter(MODEL_SETS))),
        _choice("trade_x", ("gmacs", "latency"), "gmacs"),
        Field("trade_highlight", "text"),
    ),
}

_BY_KEY: dict[str, Field] = {f.key: f for group in (GLOBAL, *PAGES.values()) for f in group}


def field_of(key: str) -> Field | None:
    return _BY_KEY.get(key)


def fields(page: str) -> tuple[Field, ...]:
    """The shared sidebar's fields and then ``page``'s (KeyError naming the pages for an unknown page)."""
    if page not in PAGES:
        raise KeyError(f"no page {page!r}; pages: {', '.join(PAGES)}")
    return GLOBAL + PAGES[page]


@dataclass(frozen=True)
class Note:
    """A part of an address that was not used: ``reason`` is "unknown" (no such field) or "bad" (a value
    that does not fit; ``expected`` says what would)."""

    key: str
    value: str
    reason: str
    expected: str = ""

    def __str__(self) -> str:
        if self.reason == "unknown":
            return f"{self.key}={self.value!r} is not part of this page's address: ignored"
        return f"{self.key}={self.value!r} does not fit (expected {self.expected}): using the default"


def _last(value) -> str:
    return value[-1] if isinstance(value, (list, tuple)) else value


def parse_query(page: str, query: Mapping[str, str | Sequence[str]],
                limits: Mapping[str, int] | None = None) -> tuple[dict, list[Note]]:
    """The typed state of ``page`` in ``query`` and notes on what was left out. Keys of other pages are
    dropped quietly (an address keeps them for a moment after a page switch); keys of no page get a note."""
    own = {f.key: f for f in fields(page)}
    state, notes = {}, []
    for key, raw in query.items():
        text = _last(raw)
        f = own.get(key)
        if f is None:
            if key not in _BY_KEY and key.lower() not in PASSED_THROUGH:
                notes.append(Note(key, text, "unknown"))
            continue
        try:
            state[key] = f.parse(text, limits)
        except AddressError:
            notes.append(Note(key, text, "bad", f.expected(limits)))
    return state, notes


def encode_state(page: str, state: Mapping) -> dict[str, str]:
    """``{key: text}`` of ``page``'s fields found in ``state``, in field order; a value equal to its field's
    static default is left out (a link without it opens the default)."""
    out = {}
    for f in fields(page):
        value = state.get(f.key)
        if value is None or (f.default is not None and not f.always and value == f.default):
            continue
        out[f.key] = f.encode(value)
    return out


def from_outside(query: Mapping[str, str], written: Mapping[str, str] | None, front: Mapping[str, str] | None,
                 moved: bool, history: bool) -> bool:
    """Whether the address a run starts with says something this session did not write itself: a link opened,
    the browser's back / forward, an edit by hand (its values are then taken into the widgets).

    ``written``: the address this session wrote last (None: nothing yet, a new session); ``front``: the one the
    app's front end holds, which lags behind ``written`` when a fragment wrote the address in the browser;
    ``moved``: the run switched pages (the navigation drops the address or keeps the last page's part of it);
    ``history``: the run is the browser's back / forward (then the front end holds the browser's address, even
    when it equals ``front``)."""
    if written is None:
        return True
    if query == written or (not history and query == front):
        return False
    return not (moved and query.items() <= written.items())


def page_of_path(path: str) -> str:
    """The page an address's path opens: its last part (``/app/dynamicvit`` -> ``dynamicvit``), ``home`` for
    the root; KeyError for a path that names no page."""
    name = path.rstrip("/").rpartition("/")[2] or "home"
    if name not in PAGES:
        raise KeyError(f"the address opens no page of Token Lab ({path!r}); pages: {', '.join(PAGES)}")
    return name


def parse_link(url: str, limits: Mapping[str, int] | None = None) -> tuple[str, dict, list[Note]]:
    """``(page, state, notes)`` of a copied address such as ``http://host:8501/dynamicvit?dyn_rho=0.5``."""
    parts = urlsplit(url.strip())
    page = page_of_path(parts.path)
    query: dict[str, list[str]] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        query.setdefault(key, []).append(value)
    state, notes = parse_query(page, query, limits)
    return page, state, notes


def make_link(base: str, page: str, state: Mapping) -> str:
    """The address of ``page`` in ``state`` under ``base`` (``http://host:8501``)."""
    query = urlencode(encode_state(page, state))
    path = "" if page == "home" else page
    return f"{base.rstrip('/')}/{path}" + (f"?{query}" if query else "")


__all__ = ["AddressError", "Field", "GLOBAL", "Note", "PAGES", "encode_state", "field_of", "fields", "from_outside",
           "make_link",
           "page_of_path", "parse_link", "parse_query"]
