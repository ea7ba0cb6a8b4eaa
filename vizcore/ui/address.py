"""The page's state in its address (``st.query_params``): one binding for every page, no code per widget.

- ``begin(page)`` (first thing in every run, from the sidebar): when the address changed other than by this
  session's own writes (a link opened, the browser's back / forward, an edit by hand), its values are put into
  the widgets' session state before the widgets are drawn; a value that does not fit falls back to the default
  with a one-line note. Values whose range depends on the model wait for ``limits``.
- ``limits(**bounds)`` (a page, once its model is loaded): checks those values against the model.
- ``publish()`` (after the page, and after each fragment run: ``fragment``): writes the page's state into the
  address, adding a browser history entry when it changes, so the back button steps back. After a whole run
  Streamlit writes it (``st.query_params``); after a fragment's own run a small element in the fragment writes it
  in the browser (``history.pushState``): Streamlit keeps the query string in its top-level state, and a write
  through it draws the whole app again on every move of a slider. Streamlit's front end then still holds the
  address of the last whole run and sends it with the next run: ``begin`` knows that one (``FRONT``) and does not
  take it for a link, unless the run is the browser's back / forward.
- ``relabel()``: a choice widget is kept by the browser under its translated label; after a language switch
  this gives every choice its value again, so the widget shows it in the new language instead of nothing.
- ``copy_link()``: the "Copy link" control (a small offline component that reads the browser's address).

What the fields are and how values are written lives in ``vizcore.views.address`` (no Streamlit).
"""
from __future__ import annotations

import functools
import html
import json
from urllib.parse import urlencode

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from vizcore.ui.text import tr
from vizcore.views.address import (PAGES, PASSED_THROUGH, AddressError, Note, encode_state, field_of, fields,
                                   from_outside, parse_query)

PAGE = "_address_page"          # the page being drawn
WRITTEN = "_address_written"    # {key: text} this session wrote last
PENDING = "_address_pending"    # {key: value} from the address, waiting for the model's limits
FRONT = "_address_front"        # {key: text} Streamlit's front end holds (the last whole run's address)
WRITER_KEY = "vz_address"       # the element a fragment's run writes the address with (hidden by the CSS)
#: widgets with computed keys whose options are drawn translated (they are not part of the address)
RELABEL_PREFIXES = ("pf_channel_",)


def _query() -> dict[str, str]:
    return {key: st.query_params.get_all(key)[-1] for key in st.query_params if st.query_params.get_all(key)}


def show_note(note: Note) -> None:
    """One line under the page title (translated)."""
    if note.reason == "unknown":
        st.caption(tr("addr.unknown", name=note.key, value=note.value), help=str(note))
    else:
        st.caption(tr("addr.bad", name=note.key, value=note.value, expected=note.expected), help=str(note))


def begin(page: str) -> None:
    """Take the address's values for ``page`` into session state when the address changed from outside."""
    ss = st.session_state
    page = page if page in PAGES else "home"  # a page without fields of its own keeps the sidebar's
    moved, ss[PAGE] = ss.get(PAGE, page) != page, page
    query, written = _query(), ss.get(WRITTEN)
    ctx = get_script_run_ctx()
    history = bool(ctx and ctx.is_history_navigation)
    if history:
        ss[FRONT] = query           # the front end took the address from the browser's history
    if not from_outside(query, written, ss.get(FRONT), moved, history):
        return
    state, notes = parse_query(page, query)
    pending = {}
    for f in fields(page):
        if f.key in state:
            if isinstance(f.high, str):   # its range depends on the model: checked in limits()
                pending[f.key] = state[f.key]
            else:
                ss[f.key] = state[f.key]
        elif written is not None and f.default is not None and not f.always:
            ss[f.key] = f.default       # back to an address without it: its default
    ss[PENDING] = pending
    for note in notes:
        show_note(note)


def limits(**bounds: int) -> None:
    """The model-dependent bounds of this page (``layers``: last layer index, ``heads``: last head index,
    ``patches``: last patch index, ``tokens``: last token index). Values from the address are checked against
    them (a note and the widget's default when they do not fit); a value kept from another model that no longer
    fits goes back to the widget's default."""
    ss = st.session_state
    pending = ss.get(PENDING, {})
    for f in fields(ss.get(PAGE, "home")):
        if not isinstance(f.high, str) or f.high not in bounds:
            continue
        if f.key in pending:
            value = pending.pop(f.key)
            try:
                ss[f.key] = f.parse(f.encode(value), bounds)
            except AddressError:
                ss.pop(f.key, None)
                show_note(Note(f.key, f.encode(value), "bad", f.expected(bounds)))
        elif f.key in ss and ss[f.key] is not None:
            try:
                f.parse(f.encode(ss[f.key]), bounds)
            except AddressError:
                del ss[f.key]


_WRITE_JS = """
export default function ({ data }) {
  if (!data || !data.write) return;
  const search = data.query ? "?" + data.query : "";
  if (window.location.search !== search)
    window.history.pushState({}, "", window.location.pathname + search + window.location.hash);
}
"""
_writer = st.components.v2.component("tokenlab_address", js=_WRITE_JS)


def _fragment_run() -> bool:
    """True in a fragment's own run (not when a whole run draws the fragment)."""
    ctx = get_script_run_ctx()
    return bool(ctx and ctx.fragment_ids_this_run)


def publish(in_fragment: bool = False) -> None:
    """Write the page's state into the address (only when it changed, so no history entry is added for
    nothing). Parameters other parts of the app read (``present``) are kept. ``in_fragment``: called at the end
    of a fragment's body, which draws the element that writes the address in the browser in the fragment's own
    runs (drawn in every run of the fragment, so it stays the same element and only its data changes)."""
    ss = st.session_state
    page = ss.get(PAGE)
    if page is None:
        return
    state = {f.key: ss[f.key] for f in fields(page) if f.key in ss}
    query = _query()
    wanted = {**encode_state(page, state), **{k: v for k, v in query.items() if k.lower() in PASSED_THROUGH}}
    if in_fragment:
        _writer(data={"query": urlencode(wanted), "write": _fragment_run()}, key=WRITER_KEY)
    else:
        if query != wanted:
            st.query_params.from_dict(wanted)
        ss[FRONT] = wanted
    ss[WRITTEN] = wanted


def fragment(func):
    """``st.fragment`` that writes the page's state into the address at the end of each of its runs."""
    @functools.wraps(func)
    def run(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        finally:
            publish(in_fragment=True)

    return st.fragment(run)


def relabel() -> None:
    """After a language switch: every choice of this page set again to its value (see the module docstring)."""
    ss = st.session_state
    keys = [f.key for f in fields(ss.get(PAGE, "home")) if f.kind in ("choice", "head", "text") and f.key != "lang"]
    keys += [k for k in list(ss.keys()) if isinstance(k, str) and k.startswith(RELABEL_PREFIXES)]
    for key in keys:
        if key in ss and ss[key] is not None:
            ss[key] = ss[key]


_COPY_LINK = """<div style="font-family:'Source Sans Pro',sans-serif;font-size:15px;color:#31333f">
<button id="copy" type="button" style="font:inherit;padding:4px 12px;border:1px solid #d0d3da;border-radius:8px;
background:#fff;cursor:pointer">&#128279; {label}</button>
<span id="said" style="margin-left:8px;color:#3b5ba5"></span>
<input id="url" readonly aria-label="{label}" style="display:block;width:100%;box-sizing:border-box;margin-top:6px;
font:13px monospace;padding:3px;border:1px solid #d0d3da;border-radius:6px;color:#31333f">
</div>
<script>
const box = document.getElementById("url"), said = document.getElementById("said");
const text = {text};
function address() {{ try {{ return window.parent.location.href; }} catch (e) {{ return ""; }} }}
function show() {{ if (document.activeElement !== box) box.value = address(); }}
show(); setInterval(show, 600);
document.getElementById("copy").addEventListener("click", () => {{
  box.value = address(); box.focus(); box.select();
  let ok = false;
  try {{ ok = document.execCommand("copy"); }} catch (e) {{ ok = false; }}
  said.textContent = ok ? text.copied : text.select;
}});
</script>"""


def copy_link() -> None:
    """The "Copy link" control: copies the browser's address (the page in its current state) to the clipboard,
    and shows it for copying by hand. Works offline (no script from another host)."""
    text = json.dumps({"copied": tr("addr.copied"), "select": tr("addr.select")})
    st.iframe(_COPY_LINK.format(label=html.escape(tr("addr.copy")), text=text), height=78)
    if st.session_state.get("image_mode") == "upload":
        st.caption(tr("addr.no_upload"))
    else:
        st.caption(tr("addr.help"))


__all__ = ["begin", "copy_link", "field_of", "fragment", "limits", "publish", "relabel"]
