"""The trade-off (Pareto) plot: measured configurations, the highlighted one, and published numbers."""
from __future__ import annotations

import plotly.graph_objects as go

from vizcore.analysis.tradeoffs import pareto_front
from vizcore.plots.reduction_views import method_colour


Y_TITLE = "top-1 on the scenes test split (0–1)"
Y2_TITLE = "ImageNet top-1 (%) — published"
#: the second legend of the page's chart: what each kind of mark is (shape) and the front (dash)
LAYER_LABELS = {"measured": "measured on the scenes (left axis)", "cost_only": "cost only, accuracy not measured",
                "published": "published ImageNet (right axis)", "front": "Pareto front"}
_LAYER_SHAPES = {"measured": "circle", "cost_only": "square", "published": "diamond"}


def pareto_parts(rows: list[dict], x: str = "gmacs", highlight: str | None = None,
                 published: list[dict] | None = None) -> dict:
    """What the plot shows, whichever library draws it: measured rows with a cost ``x`` (points without
    accuracy sit at 0, drawn open), the Pareto front, the highlighted row, the published rows (only on the
    GMACs axis) and whether the cost axis is logarithmic (when the costs span more than 20x: the bundled
    models, ~0.05 GMACs, beside ImageNet-size ones, 1-18 GMACs, would pile up at zero on a linear axis)."""
    measured = [r for r in rows if r.get(x) is not None]
    with_acc = [r for r in measured if r.get("top1") is not None]
    front = ([with_acc[i] for i in pareto_front([(r[x], r["top1"]) for r in with_acc])]
             if len(with_acc) > 1 else [])
    hit = [r for r in measured if highlight is not None and r["label"] == highlight]
    pub = [p for p in (published or []) if p.get("gmacs") is not None] if x == "gmacs" else []
    xs = [r[x] for r in measured] + [p["gmacs"] for p in pub]
    return {"measured": measured, "front": front, "highlight": hit[0] if hit else None, "published": pub,
            "log_x": bool(xs) and min(xs) > 0 and max(xs) / min(xs) > 20}


def log_cost_axis(rows: list[dict], published: list[dict] | None) -> bool:
    """Whether the page's chart uses a log cost axis: decided on the GMACs of every row and published point,
    whichever axis is shown, so that switching the axis keeps the chart's spec (see :func:`pareto_spec`)."""
    return pareto_parts(rows, "gmacs", None, published)["log_x"]


def pareto_chart(rows: list[dict], x: str = "gmacs", highlight: str | None = None,
                 published: list[dict] | None = None, x_title: str = "GMACs", log_x: bool | None = None):
    """The trade-off plot for the page, as a Vega-Lite (Altair) chart: tooltips, zoom and pan. The browser
    draws it several times faster than the plotly twin, and its script is a tenth of plotly's 4.7 MB.

    Every layer is always there (the front, the highlight and, when ``published`` is given, the published
    points may have no rows), and the legends list what ``rows`` hold on any axis: the cost axis and the
    highlight change the data only. ``log_x``: the cost axis type (default: as the data of this view)."""
    import altair as alt  # deferred: about 0.45 s, and only this chart needs it (the warm-up imports it early)
    parts = pareto_parts(rows, x, highlight, published)
    log_x = parts["log_x"] if log_x is None else log_x
    colours = {m: method_colour(m) for m in dict.fromkeys(r["method"] for r in rows)}
    scale_x = alt.Scale(type="log" if log_x else "linear", zero=False)
    enc_x = alt.X("cost:Q", title=x_title, scale=scale_x)
    scale_y = alt.Scale(domain=[0, 1.1], nice=False)  # room above 1.0 for the highlight's label
    points = [{"label": r["label"], "method": r["method"], "cost": r[x], "cost_text": f"{x_title}: {r[x]:.4g}",
               "top1": r.get("top1") or 0.0, "measured": r.get("top1") is not None,
               "layer": LAYER_LABELS["measured" if r.get("top1") is not None else "cost_only"]}
              for r in parts["measured"]]
    present = {"measured": any(r.get("top1") is not None for r in rows),
               "cost_only": any(r.get("top1") is None for r in rows), "published": published is not None}
    kinds = [k for k in _LAYER_SHAPES if present[k]]
    shape = alt.Shape("layer:N", title="marks", legend=alt.Legend(labelLimit=320),
                      scale=alt.Scale(domain=[LAYER_LABELS[k] for k in kinds], range=[_LAYER_SHAPES[k] for k in kinds]))
    colour = alt.Color("method:N", title="method", scale=alt.Scale(domain=list(colours), range=list(colours.values())))
    tooltip = [alt.Tooltip("label:N"), alt.Tooltip("cost_text:N", title="cost"),
               alt.Tooltip("top1:Q", title="top-1", format=".3f")]
    base = alt.Chart(alt.Data(values=points)).encode(
        x=enc_x, y=alt.Y("top1:Q", title=Y_TITLE, scale=scale_y), color=colour, shape=shape, tooltip=tooltip)
    front = [{"cost": r[x], "top1": r["top1"], "series": LAYER_LABELS["front"]} for r in parts["front"]]
    dash = alt.StrokeDash("series:N", title=None, scale=alt.Scale(domain=[LAYER_LABELS["front"]], range=[[3, 3]]))
    r = parts["highlight"]
    hit = [] if r is None else [{"cost": r[x], "top1": r.get("top1") or 0.0, "label": f"▶ {r['label']}"}]
    hl = alt.Chart(alt.Data(values=hit))
    meta = [{"x_title": x_title, "y2_title": Y2_TITLE if parts["published"] else ""}]
    layers = [base.transform_filter("datum.measured").mark_point(filled=True, size=90, opacity=0.9),
              base.transform_filter("!datum.measured").mark_point(filled=False, size=90),
              alt.Chart(alt.Data(values=front)).mark_line(color="#555555")
              .encode(x=enc_x, y="top1:Q", strokeDash=dash),
              hl.mark_point(size=520, strokeWidth=3, color="#D55E00", filled=False).encode(x=enc_x, y="top1:Q"),
              hl.mark_text(dy=-18, color="#D55E00", fontWeight="bold").encode(x=enc_x, y="top1:Q", text="label:N"),
              # carries the axis titles for the browser (an unused dataset would be dropped): invisible
              alt.Chart(alt.Data(values=meta)).mark_text(opacity=0).encode(text="x_title:N")]
    chart = alt.layer(*layers)
    if published is not None:
        pub = [{"cost": p["gmacs"], "top1_pct": p["top1"], "label": f"{p['model']} {p['setting']}".strip(),
                "source": p["source"], "colour": method_colour(p["family"], "#999999"),
                "layer": LAYER_LABELS["published"]} for p in parts["published"]]
        right = (alt.Chart(alt.Data(values=pub))
                 .mark_point(filled=True, size=110, stroke="#000000", strokeWidth=1, opacity=1)
                 .encode(x=enc_x, y=alt.Y("top1_pct:Q", title=Y2_TITLE, scale=alt.Scale(zero=False),
                                          axis=alt.Axis(orient="right")), color=alt.Color("colour:N", scale=None),
                         shape=shape,
                         tooltip=[alt.Tooltip("label:N"), alt.Tooltip("cost:Q", title="GMACs"),
                                  alt.Tooltip("top1_pct:Q", title="top-1 (%)"), alt.Tooltip("source:N")]))
        chart = alt.layer(chart, right).resolve_scale(y="independent")
    return chart.properties(height=460).interactive(bind_y=False)


#: the datasets of the page's chart, in the order of its layers (the two kinds of point share one)
_DATASETS = ("points", "points", "front", "highlight", "highlight", "meta", "published")


def pareto_spec(rows: list[dict], x: str = "gmacs", highlight: str | None = None,
                published: list[dict] | None = None, x_title: str = "GMACs") -> dict:
    """:func:`pareto_chart` as the Vega-Lite spec (a plain dict) the page hands to ``st.vega_lite_chart``.

    Its data sit in named datasets and the axis titles are signals read from the "meta" dataset, so for
    one model set and published choice the spec is the same on either cost axis and for any highlight:
    the browser then swaps the data in the chart it has (a few ms) instead of building a new chart from
    the spec (about 75 ms here). Altair's schema check (40-90 ms) runs once per view: the page caches
    this dict. Altair's default theme (a fixed 300 px view) is left out: the page sizes the chart."""
    log_x = log_cost_axis(rows, published)
    spec = pareto_chart(rows, x, highlight, published, x_title, log_x=log_x).to_dict()
    spec.pop("config", None)
    datasets, names = {}, iter(_DATASETS)

    def visit(node: dict) -> None:
        for child in node.get("layer", []):
            if "layer" in child:
                visit(child)
                continue
            if "name" in child:  # the view the zoom is bound to
                child["name"] = "zoom_view"
            name = next(names)
            datasets[name] = child["data"]["values"]
            child["data"] = {"name": name}
            for key, title in (("x", {"signal": "x_title"}), ("y", {"signal": "y2_title"})):
                enc = child.get("encoding", {}).get(key)
                if enc and (key == "x" or enc.get("title") == Y2_TITLE):
                    enc["title"] = title

    visit(spec)
    spec["datasets"] = datasets
    # axis titles from the data, and fixed names where Altair makes hashed ones
    spec["params"] = [{"name": "x_title", "expr": "length(data('meta')) ? data('meta')[0].x_title : ''"},
                      {"name": "y2_title", "expr": "length(data('meta')) ? data('meta')[0].y2_title : ''"},
                      *({**p, "name": "zoom", "views": ["zoom_view"]} for p in spec.get("params", []))]
    return spec


def pareto_figure(rows: list[dict], x: str = "gmacs", highlight: str | None = None,
                  published: list[dict] | None = None, x_title: str = "GMACs") -> go.Figure:
    """The same plot in plotly, for the interactive HTML download (it embeds its script: opens offline).
    rows: dicts with label, method, ``x`` and optional top1 (0-1); published rows (top1 in %, gmacs) go on
    a right-hand axis."""
    parts = pareto_parts(rows, x, highlight, published)
    fig = go.Figure()
    measured = parts["measured"]
    for method in dict.fromkeys(r["method"] for r in measured):
        pts = [r for r in measured if r["method"] == method]
        fig.add_scatter(
            x=[r[x] for r in pts], y=[r["top1"] if r.get("top1") is not None else 0.0 for r in pts],
            mode="markers", name=method, text=[r["label"] for r in pts],
            marker=dict(size=10, color=method_colour(method),
                        symbol=["circle" if r.get("top1") is not None else "circle-open" for r in pts]),
            hovertemplate="%{text}<br>" + x_title + " %{x:.4g}<br>top-1 %{y:.3f}<extra></extra>")
    if parts["front"]:
        front = parts["front"]
        fig.add_scatter(x=[r[x] for r in front], y=[r["top1"] for r in front], mode="lines", name="Pareto front",
                        line=dict(color="#555555", dash="dot"), hoverinfo="skip")
    if parts["highlight"] is not None:
        r = parts["highlight"]
        fig.add_scatter(x=[r[x]], y=[r.get("top1") or 0.0], mode="markers+text", name=f"▶ {highlight}",
                        text=[highlight], textposition="top center",
                        marker=dict(size=22, color="rgba(0,0,0,0)", line=dict(color="#D55E00", width=3)))
    if parts["published"]:
        pub = parts["published"]
        fig.add_scatter(x=[p["gmacs"] for p in pub], y=[p["top1"] for p in pub], yaxis="y2", mode="markers",
                        name="published (ImageNet, right axis)", text=[f"{p['model']} {p['setting']}" for p in pub],
                        customdata=[p["source"] for p in pub],
                        marker=dict(size=9, symbol="diamond", color=[method_colour(p["family"], "#999999")
                                                                      for p in pub], line=dict(color="#000", width=1)),
                        hovertemplate="%{text}<br>%{x} GMACs, %{y}% top-1<br>%{customdata}<extra></extra>")
        fig.update_layout(yaxis2=dict(title=Y2_TITLE, overlaying="y", side="right", showgrid=False))
    if parts["log_x"]:
        fig.update_xaxes(type="log")
    fig.update_layout(xaxis_title=x_title, yaxis_title=Y_TITLE, height=480,
                      margin=dict(l=60, r=60, t=30, b=50), legend=dict(orientation="h", y=-0.2))
    return fig
