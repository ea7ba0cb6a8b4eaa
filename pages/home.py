"""Landing page: what Token Lab is and what each page shows."""
import streamlit as st

from vizcore.ui import selection, tr

sel = selection()
st.title(tr("app.title"))
st.markdown(f"#### {tr('app.tagline')}")
st.markdown(tr("home.intro"))
st.subheader(tr("home.pages"))
for key in ("home.attention", "home.wukong", "home.t2t", "home.poolformer", "home.dynamicvit", "home.compare",
            "home.tradeoffs"):
    st.markdown("- " + tr(key))
st.caption(tr("home.offline", device=sel.device))
