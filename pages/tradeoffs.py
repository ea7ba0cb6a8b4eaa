"""Trade-offs page: GMACs, params, measured latency and accuracy for every method and keep setting,
as an interactive Pareto plot; published ImageNet numbers and a loaded results file (``python -m vizcore
sweep``) as layers of their own, with their sources."""
import streamlit as st

from vizcore.plots.tradeoff_plot import LABELS, pareto_figure, pareto_spec
from vizcore.ui import (cached, configuration_label, downloads, draw, explored, fragment, labeller, method_label,
                        number_table, selection, tr)
from vizcore.ui.presenter import page_intro
from vizcore.views import tradeoffs as views

sel = selection()
ss = st.session_state
st.title(tr("trade.title"))
page_intro(tr("trade.how"), tr("trade.explain"))


def say(words) -> str:
    """A caption given as (catalogue key, values) phrases, translated and joined."""
    return " ".join(tr(key, **values) for key, values in words)


def progress_bar():
    """A progress bar and the ``progress(i, total, label)`` that moves it."""
    bar = st.progress(0.0)
    return lambda i, total, label: bar.progress(i / total, text=tr("trade.measuring", label=label, i=i + 1, n=total))


# the model set and the measurements change the rows, so the tables too: they rerun the page; the chart's own
# controls (cost axis, published layer, highlight) are a fragment that reruns the chart alone
c1, c2 = st.columns([3, 4], vertical_alignment="bottom")
model_set = c1.radio(tr("trade.set"), list(views.MODEL_SETS), key="trade_set", format_func=labeller("trade.set."),
                     horizontal=True)
lat_key = f"latency:{model_set}:{sel.device}"
# top1 and keep precision measured on request, by what was measured (model, method, setting, blocks)
measured = ss.setdefault("yours_accuracy", {})
# what the user explored on the method pages and Compare is placed on the plot (cost only where the grid has
# no such configuration, until its accuracy is measured on request) and highlighted
v = cached(views.tradeoffs_view, model_set, explored(), tr("trade.yours"), views.load_results(), ss.get(lat_key, {}),
           measured, memo=cached, no_setting=tr("trade.no_setting"),
           words={name: tr(f"trade.pub.{name}") for name in views.PUBLISHED_WORDS})
if c2.button(tr("trade.measure", device=sel.device), key="trade_measure", icon=":material/timer:"):
    ss[lat_key] = views.measure_latencies(v.configs, sel.device, progress_bar())
    st.rerun()  # the page again, with the numbers
if v.to_measure and c2.button(tr("trade.measure_yours", k=len(v.to_measure), n=views.YOURS_N),
                              key="trade_measure_yours", icon=":material/target:"):
    measured.update(views.accuracy_by_key(v.to_measure, views.YOURS_N, progress_bar()))
    st.rerun()  # the page again, with the numbers and without the button
st.caption("  \n".join(say(line) for line in v.notes) or " ")
# a results file of your own sweep: uploaded here, else the one named when the app was started
with st.expander(tr("trade.load"), icon=":material/upload_file:"):
    st.caption(tr("trade.load_help"))
    upload = st.file_uploader(tr("trade.load_file"), type=["jsonl", "json", "txt"], key="trade_results_file")
given = (upload.getvalue().decode("utf-8", errors="replace"), upload.name) if upload else views.launch_results()
loaded = cached(views.loaded_view, *given) if given else None
if loaded is not None and loaded.error:
    st.warning(tr(loaded.error[0], **loaded.error[1]))
else:  # always one caption, so the elements after it keep their places
    st.caption(" " if loaded is None else tr("trade.loaded_from", name=loaded.name, k=len(loaded.rows),
                                              sources="; ".join(loaded.sources)))


@fragment
def chart(v: views.TradeoffsView, loaded_rows: list[dict] | None) -> None:
    """The Pareto chart, its controls and its caption: a fragment, so a control reruns the chart alone
    (the tables below, unchanged, are neither sent nor drawn again)."""
    c1, c2, c3, c4 = st.columns([2, 2, 2, 3], vertical_alignment="bottom")
    x_axis = c1.radio(tr("trade.x"), ["gmacs", "latency"], key="trade_x", format_func=labeller("trade.x."),
                      horizontal=True)
    # the published layer starts on beside the ImageNet-size models (the same cost range) and off beside the
    # bundled ones, which it would squeeze into one corner of a log axis; each set remembers its own choice
    show_published = c2.toggle(tr("trade.published"), value=v.model_set != "bundled",
                               key=f"trade_published_{v.model_set}", persist_state="session")
    y01 = c3.toggle(tr("trade.y01"), value=False, key="trade_y01")
    highlight = c4.selectbox(tr("trade.highlight"), v.labels, index=v.highlight_index, key="trade_highlight")
    c = cached(views.chart_view, v, x_axis, highlight, show_published, loaded_rows)
    unit = tr(f"trade.x.{x_axis}")
    labels = {k: tr(f"trade.chart.{k}") for k in LABELS}
    names = {m: method_label(m) for m in dict.fromkeys(r["method"] for r in [*v.rows, *(loaded_rows or [])])}
    spec = draw(pareto_spec, v.rows, x=c.x_field, highlight=highlight, published=c.published, x_title=unit,
                loaded=loaded_rows, y01=y01, labels=labels, names=names)
    st.vega_lite_chart(spec, key="trade_fig")
    # the chart in words (and the numbers of the highlighted configuration); always one caption: an element
    # that comes and goes would shift the ones after it, and the browser would build them again from scratch
    scale = tr("trade.scale.log" if c.log_scale else "trade.scale.linear")
    st.caption(say((key, {"unit": unit, "scale": scale, **values}) for key, values in c.words) or " ")
    downloads("tradeoffs", html=lambda: pareto_figure(v.rows, x=c.x_field, highlight=highlight, published=c.published,
                                                     x_title=unit, loaded=loaded_rows, y01=y01, labels=labels),
              rows=v.table, data=v.rows)


chart(v, loaded.rows if loaded is not None and not loaded.error else None)
st.subheader(tr("trade.table"))
number_table([{**r, "label": configuration_label(r["label"], r["method"]), "method": method_label(r["method"])}
              for r in v.table])
if loaded is not None and loaded.rows:
    st.subheader(tr("trade.loaded_table"))
    number_table(loaded.table)
st.subheader(tr("trade.sources"))
number_table([{**r, "family": method_label(r["family"])} if "family" in r else r for r in v.published])
