"""Readable on a projector: the page style every page gets (compact header, text and charts at 14 CSS px or
more) and presenter mode (a sidebar toggle, or ``?present=1`` in the address): the sidebar collapsed,
Streamlit's toolbar and Deploy menu hidden, text and pictures enlarged, each page's main picture and its
controls on one 1280×720 screen."""
from __future__ import annotations

import streamlit as st

from vizcore.ui.text import tr

#: the session key of the toggle, and the address parameter that switches presenter mode on
KEY, PARAM = "present", "present"

#: every page: a compact header, so that the main picture starts on the first screen at 1280×720
BASE_CSS = """
[data-testid="stMainBlockContainer"] { padding-top: 4rem; padding-bottom: 2rem; }  /* just below the header */
[data-testid="stAppDeployButton"] { display: none; }
[data-testid="stMain"] h1 { font-size: 2rem; padding-top: 0.25rem; padding-bottom: 0.5rem; }
[data-testid="stMain"] h2, [data-testid="stMain"] h3 { padding-top: 0.4rem; padding-bottom: 0.4rem; }
.vz-table { overflow-x: auto; margin-bottom: 0.5rem; }
.vz-table table { border-collapse: collapse; width: 100%; font-size: 0.95rem; font-variant-numeric: tabular-nums; }
.vz-table th, .vz-table td { border: 1px solid rgba(49, 51, 63, 0.1); padding: 0.3rem 0.5rem; text-align: left;
  vertical-align: top; }
.vz-table th { font-weight: 600; background: rgba(49, 51, 63, 0.03); }
.vz-table td { word-break: keep-all; }  /* CJK: a two-character word is not split over two lines */
.vz-table td.num { text-align: right; }
[data-testid="stMarkdownContainer"] code, [data-testid="stCaptionContainer"] code { font-size: max(14px, 0.9em); }
.st-key-vz_address { display: none; }  /* the element that writes a fragment's state into the address */
"""

#: presenter mode on top: everything 1.25 times larger, no chrome, pictures as wide as the screen allows
#: but never taller than the window (so the controls above them stay on the same screen)
PRESENT_CSS = """
:root { --token-lab-present: 1; }
html { font-size: 18px; }
.st-key-page_intro { display: none; }
[data-testid="stMain"] [data-testid="stVerticalBlock"] { gap: 0.6rem; }
[data-testid="stToolbar"], [data-testid="stAppDeployButton"], [data-testid="stMainMenu"],
[data-testid="stDecoration"], [data-testid="stStatusWidget"] { display: none !important; }
[data-testid="stHeader"] { background: transparent; height: 2.2rem; }
[data-testid="stMainBlockContainer"] { padding-top: 1.6rem; padding-left: 2rem; padding-right: 2rem;
  max-width: 100%; }
[data-testid="stMain"] h1 { font-size: 1.6rem; padding-top: 0; padding-bottom: 0.3rem; }
[data-testid="stMain"] h3 { font-size: 1.2rem; }
[data-testid="stMain"] [data-testid="stImage"] img { width: 100% !important; max-width: 100% !important; height: auto;
  max-height: calc(100vh - 2rem); object-fit: contain; object-position: left top; }
[data-testid="stMain"] [data-testid="stElementContainer"] [data-testid="stExpander"] details summary p {
  font-size: 0.9rem; }
"""


#: presenter mode fits each picture that starts on the first screen into the rest of it, never shrinking it
#: below 7/8 of its natural size (its text stays at 14 CSS px or more); runs once per browser tab
FIT_JS = """
(() => {
  if (window.__tokenLabFit) return;
  window.__tokenLabFit = true;
  const fit = () => {
    const on = getComputedStyle(document.documentElement).getPropertyValue('--token-lab-present').trim() === '1';
    document.querySelectorAll('[data-testid="stMain"] [data-testid="stImage"] img').forEach((img) => {
      if (!on || !img.naturalHeight) { img.style.maxHeight = ''; return; }
      const top = img.getBoundingClientRect().top + window.scrollY;
      if (top >= window.innerHeight) { img.style.maxHeight = ''; return; }
      const room = Math.floor(window.innerHeight - top - 8);
      const floor = Math.ceil(img.naturalHeight * 0.875);
      img.style.maxHeight = Math.max(room, Math.min(floor, img.naturalHeight)) + 'px';
    });
  };
  new MutationObserver(fit).observe(document.body, {childList: true, subtree: true});
  window.addEventListener('resize', fit);
  document.addEventListener('load', fit, true);
  fit();
})();
"""


def page_intro(more_title: str, more_body: str, idea: str | None = None, icon: str = ":material/school:") -> None:
    """A page's introduction under its title: an ``idea`` paragraph and a "how it works" expander. Presenter
    mode hides it (the presenter says it), so that the picture and its controls share the first screen."""
    with st.container(key="page_intro"):
        if idea:
            st.markdown(idea)
        with st.expander(more_title, icon=icon):
            st.markdown(more_body)


def presenting() -> bool:
    """Whether this run is in presenter mode (pages draw wider, shorter pictures then)."""
    return bool(st.session_state.get(KEY))


def presenter_requested() -> bool:
    """Whether presenter mode is on: the toggle's value, first set from ``?present=1`` in the address."""
    ss = st.session_state
    if KEY not in ss:
        ss[KEY] = st.query_params.get(PARAM) in ("1", "true", "yes")
    return bool(ss[KEY])


def _sync_address() -> None:
    """The address follows the toggle, so that a link copied in presenter mode opens in it."""
    if st.session_state.get(KEY):
        st.query_params[PARAM] = "1"
    elif PARAM in st.query_params:
        del st.query_params[PARAM]


def presenter_toggle() -> bool:
    """The sidebar's presenter-mode toggle (call inside ``st.sidebar``); returns whether it is on."""
    presenter_requested()
    return st.toggle(tr("present.toggle"), key=KEY, help=tr("present.help"), on_change=_sync_address)


def page_style(present: bool) -> None:
    """Put the page style (and presenter mode's, when on) into the page."""
    css = BASE_CSS + (PRESENT_CSS if present else "")
    st.html(f"<style>{css}</style>")
    if present:
        st.html(f"<script>{FIT_JS}</script>", unsafe_allow_javascript=True)
