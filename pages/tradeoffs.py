"""Trade-offs page: GMACs, params, measured latency and accuracy for every method and keep setting,
as an interactive Pareto plot; published ImageNet numbers as a second layer with their sources."""
import streamlit as st

from vizcore.analysis import tradeoffs as tro
from vizcore.models.registry import create_model
from vizcore.plots.tradeoff_plot import log_cost_axis, pareto_figure, pareto_spec
from vizcore.ui import downloads, drawn, explored, labeller, number_table, selection, tr

sel = selection()
st.title(tr("trade.title"))
with st.expander(tr("trade.how"), icon=":material/school:"):
    st.markdown(tr("trade.explain"))


#: test scenes the accuracy of an explored setting is measured on (about 5 s per setting on a 2-core CPU)
YOURS_N = 500


@st.cache_data(show_spinner=False)
def rows_for(model_set_: str) -> list[dict]:
    return tro.cost_rows(tro.configurations(model_set_))


@st.cache_data(max_entries=64, show_spinner=False)
def rows_of(configs: tuple[tro.Config, ...]) -> list[dict]:
    return tro.cost_rows(list(configs))


def measure_latency(rows: list[dict], key: str) -> None:
    """Time every configuration on the current device (random weights: latency does not depend on them);
    stored by :attr:`tro.Config.key`, whatever the language of the labels."""
    bar = st.progress(0.0)
    latencies, models = {}, {}
    for i, r in enumerate(rows):
        bar.progress(i / len(rows), text=tr("trade.measuring", label=r["label"], i=i + 1, n=len(rows)))
        config = tro.Config(r["label"], *tro.row_key(r))
        if config.model not in models:
            models[config.model] = create_model(config.model, "random", device=sel.device)
        model = models[config.model]
        latencies[config.key] = round(tro.latency_ms(model, tro.reducer_for(config, model), sel.device), 3)
    bar.empty()
    st.session_state[key] = latencies


def measure_yours(configs: list[tro.Config], store: dict) -> None:
    """Top-1 and keep precision of explored settings on the first YOURS_N test scenes, into ``store`` by
    :attr:`tro.Config.key`."""
    bar = st.progress(0.0)

    def progress(i, total, label):
        bar.progress(i / total, text=tr("trade.measuring", label=label, i=i + 1, n=total))

    for config, row in zip(configs, tro.measure_accuracy(configs, n=YOURS_N, progress=progress)):
        store[config.key] = {"top1": row["top1"], "keep_precision": row.get("keep_precision")}


# the model set and the latency measurement change the rows, so the tables too: they rerun the page; the
# chart's own controls (cost axis, published layer, highlight) are a fragment that reruns the chart alone
c1, c2 = st.columns([3, 4], vertical_alignment="bottom")
model_set = c1.radio(tr("trade.set"), list(tro.MODEL_SETS), key="trade_set", format_func=labeller("trade.set."),
                     horizontal=True)
# what the user explored on the method pages and Compare: placed on the plot (cost only where the grid has
# no such configuration, until its accuracy is measured on request) and highlighted
yours = tro.explored_configs(explored(), model_set, suffix=tr("trade.yours"))
grid_rows = rows_for(model_set)
grid_labels = {r["label"] for r in grid_rows}
new_yours = [c for c in yours if c.label not in grid_labels]
# top1 and keep precision by what was measured (model, method, setting, blocks), whatever the language
measured_yours = st.session_state.setdefault("yours_accuracy", {})
lat_key = f"latency:{model_set}:{sel.device}"
all_rows = grid_rows + rows_of(tuple(new_yours))
if c2.button(tr("trade.measure", device=sel.device), key="trade_measure", icon=":material/timer:"):
    measure_latency(all_rows, lat_key)
to_measure = [c for c in new_yours if c.key not in measured_yours]
if model_set == "bundled" and to_measure and c2.button(tr("trade.measure_yours", k=len(to_measure), n=YOURS_N),
                                                       key="trade_measure_yours", icon=":material/target:"):
    measure_yours(to_measure, measured_yours)
    st.rerun()  # the page again, with the numbers and without the button
results = tro.load_results()
latencies = st.session_state.get(lat_key, {})
rows = tro.with_measurements(all_rows, model_set, results, latencies, measured_yours)
notes = [] if latencies else [tr("trade.no_latency", s=5 if model_set == "bundled" else 60)]
if model_set == "bundled":
    notes.append(tr("trade.results_from", n=results.get("n") or "all") if results.get("rows") else tr("trade.no_results"))
if new_yours:
    done = sum(c.key in measured_yours for c in new_yours)
    notes.append(tr("trade.yours_note", yours=tr("trade.yours")) + " "
                 + (tr("trade.yours_measured", k=done, n=YOURS_N) if done else tr("trade.yours_unmeasured")
                    if model_set == "bundled" else tr("trade.yours_imagenet")))
st.caption("  \n".join(notes) or " ")
published_rows = [p.as_dict() for p in tro.published()]


@st.fragment
def chart(rows: list[dict], published_rows: list[dict], preferred: str | None, model_set: str) -> None:
    """The Pareto chart, its controls and its caption: a fragment, so a control reruns the chart alone
    (the tables below, unchanged, are neither sent nor drawn again)."""
    c1, c2, c3 = st.columns([2, 2, 3], vertical_alignment="bottom")
    x_axis = c1.radio(tr("trade.x"), ["gmacs", "latency"], key="trade_x", format_func=labeller("trade.x."),
                      horizontal=True)
    # the published layer starts on beside the ImageNet-size models (the same cost range) and off beside the
    # bundled ones, which it would squeeze into one corner of a log axis; each set remembers its own choice
    show_published = c2.toggle(tr("trade.published"), value=model_set != "bundled", key=f"trade_published_{model_set}",
                               persist_state="session")
    labels = [r["label"] for r in rows]
    highlight = c3.selectbox(tr("trade.highlight"), labels, index=labels.index(tro.default_highlight(labels, preferred)),
                             key="trade_highlight")
    published = published_rows if show_published else []
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
    # always one caption: an element that comes and goes would shift the ones after it, and the browser
    # would then build them again from scratch instead of updating them
    st.caption(" ".join(words) or " ")
    downloads("tradeoffs", html=lambda: pareto_figure(rows, x=x_field, highlight=highlight, published=published,
                                                     x_title=tr(f"trade.x.{x_axis}")),
              rows=[{h: r.get(h) for h in TABLE_COLUMNS} for r in rows], data=rows)


TABLE_COLUMNS = ["label", "model", "method", "setting", "gmacs", "params", "mean_tokens", "latency_ms", "top1",
                 "keep_precision"]
chart(rows, published_rows, yours[0].label if yours else None, model_set)
st.subheader(tr("trade.table"))
number_table([{h: r.get(h) for h in TABLE_COLUMNS} for r in rows])
st.subheader(tr("trade.sources"))
number_table(published_rows)
