"""Token Lab — entry point: navigation, the shared sidebar, and the pages.

Run with ``streamlit run app.py`` (see README for the one-command set-up).
"""
from pathlib import Path

import streamlit as st

from vizcore.i18n import t
from vizcore.ui import address, guarded, lesson_frame, sidebar, wait_for_warm_up, warm_up
from vizcore.ui.presenter import page_style, presenter_requested, presenter_toggle

HERE = Path(__file__).parent
# a local icon: a Material icon or emoji would be fetched from Google's font servers (not reachable offline)
# presenter mode (sidebar toggle or ?present=1) starts with the sidebar collapsed
st.set_page_config(page_title="Token Lab", page_icon=str(HERE / "assets" / "icon.png"), layout="wide",
                   initial_sidebar_state="collapsed" if presenter_requested() else "auto")
lang = st.session_state.get("lang", "en")

# (section, [(file, title key, icon, url)]) — pages that do not exist yet are skipped
SECTIONS = [
    ("nav.basics", [("home.py", "nav.home", ":material/home:", "home"), ("lesson.py", "nav.lesson", ":material/school:", "lesson"),
                    ("attention.py", "nav.attention", ":material/visibility:", "attention")]),
    ("nav.methods", [("wukong.py", "nav.wukong", ":material/blur_on:", "wukong"), ("t2t.py", "nav.t2t", ":material/grid_view:", "t2t"),
                     ("poolformer.py", "nav.poolformer", ":material/waves:", "poolformer"),
                     ("dynamicvit.py", "nav.dynamicvit", ":material/content_cut:", "dynamicvit")]),
    ("nav.compare", [("compare.py", "nav.compare_page", ":material/compare:", "compare"),
                     ("tradeoffs.py", "nav.tradeoffs", ":material/scatter_plot:", "tradeoffs")]),
]


def _title(key: str) -> str:
    try:
        return t(key, lang)
    except KeyError:
        return key.split(".")[-1].title()


pages = {}
for section, entries in SECTIONS:
    found = [st.Page(HERE / "pages" / f, title=_title(k), icon=icon, url_path=url, default=(url == "home"))
             for f, k, icon, url in entries if (HERE / "pages" / f).is_file()]
    if found:
        pages[_title(section)] = found

page = st.navigation(pages)
warm_up()  # the model libraries load in the background while the first page renders
url = page.url_path or "home"
with guarded():  # an unexpected error: one line with an id here, its traceback in the server log
    with st.sidebar:
        page_style(presenter_toggle())
    sidebar(url)  # also takes a link's values into the widgets' state
    if url not in ("home", "lesson"):
        wait_for_warm_up()  # the model pages import those libraries too: never at the same time
    with lesson_frame(url):  # a lesson step's text beside the page, when the address names one
        page.run()
    address.publish()  # the page's state into its address (fragments write theirs after each of their runs)
