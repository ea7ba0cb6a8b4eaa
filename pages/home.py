"""Landing page: what Token Lab is and what each page shows."""
import streamlit as st

from vizcore.ui import selection, tr

sel = selection()
st.title(tr("app.title"))
st.markdown(f"#### {tr('app.tagline')}")
st.markdown(tr("home.intro"))
st.subheader(tr("home.pages"))
st.markdown("- " + tr("home.attention"))
st.caption(tr("home.offline", device=sel.device))
