"""Trade-offs page: GMACs, params, measured latency and accuracy for every method and keep setting,
as an interactive Pareto plot; published ImageNet numbers as a second layer with their sources."""
import streamlit as st

from vizcore.analysis import tradeoffs as tro
from vizcore.models.registry import create_model
from vizcore.plots.tradeoff_plot import log_cost_axis, pareto_figure, pareto_spec
from vizcore.published import PUBLISHED
from vizcore.ui import downloads, drawn, labeller, number_table, selection, tr

sel = selection()
st.title(tr("trade.title"))
with st.expander(tr("trade.how"), icon=":material/school:"):
    st.markdown(tr("trade.explain"))


@st.cache_data(show_spinner=False)
def rows_for(model_set_: str) -> list[dict]:
    return tro.cost_rows(tro.configurations(model_set_))


@st.fragment
def explore() -> None:
    """Every control and what it changes (the chart, the tables): a fragment, so a control reruns this
    part only, not the sidebar and the header."""
    c1, c2, c3 = st.columns([3, 2, 2])
    model_set = c1.radio(tr("trade.set"), list(tro.MODEL_SETS), key="trade_set", format_func=labeller("trade.set."))
    x_axis = c2.radio(tr("trade.x"), ["gmacs", "latency"], key="trade_x", format_func=labeller("trade.x."),
                      horizontal=True)
    show_published = c3.toggle(tr("trade.published"), value=True, key="trade_published")

    rows = rows_for(model_set)
    labels = [r["label"] for r in rows]
    highlight = st.selectbox(tr("trade.highlight"), labels, index=labels.index("DynamicViT 0.7") if "DynamicViT 0.7"
                             in labels else 0, key="trade_highlight")

    results = tro.load_results()
    accuracy = {(r["model"], r["label"]): r for r in results.get("rows", [])}
    for r in rows:
        measured = accuracy.get((r["model"], r["label"])) if model_set == "bundled" else None
        r["top1"] = measured["top1"] if measured else None
        r["keep_precision"] = measured.get("keep_precision") if measured else None

    lat_key = f"latency:{model_set}:{sel.device}"
    if st.button(tr("trade.measure", device=sel.device), key="trade_measure", icon=":material/timer:"):
        bar = st.progress(0.0)
        latencies, models = {}, {}
        for i, r in enumerate(rows):
            bar.progress(i / len(rows), text=tr("trade.measuring", label=r["label"], i=i + 1, n=len(rows)))
            config = tro.Config(r["label"], r["model"], r["method"], r["setting"], tuple(r["locs"]))
            if config.model not in models:
                models[config.model] = create_model(config.model, "random", device=sel.device)
            model = models[config.model]
            latencies[r["label"]] = round(tro.latency_ms(model, tro.reducer_for(config, model), sel.device), 3)
        bar.empty()
        st.session_state[lat_key] = latencies
    latencies = st.session_state.get(lat_key, {})
    for r in rows:
        r["latency_ms"] = latencies.get(r["label"])
    if not latencies:
        st.caption(tr("trade.no_latency", s=5 if model_set == "bundled" else 60))
    if model_set == "bundled":
        st.caption(tr("trade.results_from", n=results.get("n") or "all") if results.get("rows") else tr("trade.no_results"))

    published = [p.as_dict() for p in PUBLISHED] if show_published else []
    # every input of the chart is small: its own JSON is the key
    x_field = "latency_ms" if x_axis == "latency" else "gmacs"
    spec = drawn(pareto_spec, None, [rows, x_axis, highlight, show_published], rows, x=x_field, highlight=highlight,
                 published=published if show_published else None, x_title=tr(f"trade.x.{x_axis}"))
    st.vega_lite_chart(spec, key="trade_fig")
    # the chart in words (and the numbers of the highlighted configuration)
    unit = tr(f"trade.x.{x_axis}")
    scale = tr("trade.scale.log" if log_cost_axis(rows, published if show_published else None)
               else "trade.scale.linear")
    hit = next((r for r in rows if r["label"] == highlight), None)
    words = []
    if hit is not None and hit.get(x_field) is not None:
        top1 = "–" if hit.get("top1") is None else f"{hit['top1']:.4g}"
        words.append(tr("trade.highlighted", label=highlight, cost=f"{hit[x_field]:.4g}", unit=unit, top1=top1,
                        scale=scale))
    elif hit is not None:
        words.append(tr("trade.highlight_off_axis", label=highlight, unit=unit))
    if show_published and x_axis != "gmacs":
        words.append(tr("trade.published_gmacs_only"))
    # always one caption: an element that comes and goes would shift every later one, and the browser
    # would then build the tables below again from scratch (about 0.1 s) instead of keeping them
    st.caption(" ".join(words) or " ")
    header = ["label", "model", "method", "setting", "gmacs", "params", "mean_tokens", "latency_ms", "top1",
              "keep_precision"]
    table = [{h: r.get(h) for h in header} for r in rows]
    downloads("tradeoffs", html=lambda: pareto_figure(rows, x=x_field, highlight=highlight, published=published,
                                                     x_title=tr(f"trade.x.{x_axis}")), rows=table, data=rows)

    st.subheader(tr("trade.table"))
    number_table(table)
    if show_published:
        st.subheader(tr("trade.sources"))
        number_table(published)


explore()
