"""The trade-off (Pareto) plot: measured configurations, the highlighted one, and published numbers."""
from __future__ import annotations

import plotly.graph_objects as go

from vizcore.analysis.tradeoffs import pareto_front
from vizcore.i18n import t
from vizcore.plots import vega
from vizcore.plots.reduction_views import method_colour


#: the words the chart draws (catalogue keys ``trade.chart.<key>``): English by default, the page passes its
#: own language's (``labels=``)
WORD_KEYS = ("y", "y2", "y2_loaded", "y2_both", "measured", "cost_only", "published", "loaded", "front", "method",
              "marks", "cost", "top1", "source", "label")
LABELS = {key: t(f"trade.chart.{key}", "en") for key in WORD_KEYS}
#: the second legend of the page's chart: what each kind of mark is (shape) and the front (dash)
LAYER_LABELS = {k: LABELS[k] for k in ("measured", "cost_only", "published", "loaded", "front")}
_LAYER_SHAPES = {"measured": "circle", "cost_only": "stroke", "published": "diamond", "loaded": "triangle-up"}
#: pixels kept free at the foot of the plot for the rug of cost-only configurations
RUG_PAD = 26
HEIGHT = 460


def pareto_parts(rows: list[dict], x: str = "gmacs", highlight: str | None = None,
                 published: list[dict] | None = None, loaded: list[dict] | None = None) -> dict:
    """What the plot shows, whichever library draws it: measured rows with a cost ``x`` and an accuracy, the
    cost-only rows (no accuracy: a rug along the cost axis, never at accuracy 0), the Pareto front of the
    measured ones, the highlighted row, the published rows and the loaded results (GMACs only: on the GMACs
    axis) and whether the cost axis is logarithmic (when the costs span more than 20x: the bundled models,
    ~0.05 GMACs, beside ImageNet-size ones, 1-18 GMACs, would pile up at zero on a linear axis)."""
    on_axis = [r for r in rows if r.get(x) is not None]
    with_acc = [r for r in on_axis if r.get("top1") is not None]
    front = ([with_acc[i] for i in pareto_front([(r[x], r["top1"]) for r in with_acc])]
             if len(with_acc) > 1 else [])
    hit = [r for r in on_axis if highlight is not None and r["label"] == highlight]
    pub = [p for p in (published or []) if p.get("gmacs") is not None] if x == "gmacs" else []
    mine = [r for r in (loaded or []) if r.get("gmacs") is not None and r.get("top1") is not None] \
        if x == "gmacs" else []
    xs = [r[x] for r in on_axis] + [p["gmacs"] for p in pub] + [r["gmacs"] for r in mine]
    return {"measured": with_acc, "cost_only": [r for r in on_axis if r.get("top1") is None], "front": front,
            "highlight": hit[0] if hit else None, "published": pub, "loaded": mine,
            "log_x": bool(xs) and min(xs) > 0 and max(xs) / min(xs) > 20}


def log_cost_axis(rows: list[dict], published: list[dict] | None, loaded: list[dict] | None = None) -> bool:
    """Whether the page's chart uses a log cost axis: decided on the GMACs of every row and published or loaded
    point, whichever axis is shown, so that switching the axis keeps the chart's spec (see :func:`pareto_spec`)."""
    return pareto_parts(rows, "gmacs", None, published, loaded)["log_x"]


def _right_title(labels: dict, published: bool, loaded: bool) -> str:
    return labels["y2_both"] if published and loaded else labels["y2_loaded"] if loaded else \
        labels["y2"] if published else ""


def pareto_chart(rows: list[dict], x: str = "gmacs", highlight: str | None = None,
                 published: list[dict] | None = None, x_title: str = "GMACs", log_x: bool | None = None,
                 loaded: list[dict] | None = None, y01: bool = False, labels: dict | None = None,
                 names: dict | None = None):
    """The trade-off plot for the page, as a Vega-Lite (Altair) chart: tooltips, zoom and pan. The browser
    draws it several times faster than the plotly twin, and its script is a tenth of plotly's 4.7 MB.

    The accuracy axis fits the measured points (``y01``: 0 to 1); configurations without a measured accuracy
    are ticks of a rug along the foot of the plot; the Pareto front is a solid step line under the points.
    ``published`` (top1 in %) and ``loaded`` (rows of a results file: label, method, gmacs, top1 0-1, source)
    share a right-hand axis in %. Every layer is always there (the front, the highlight, the rug and, when
    ``published`` or ``loaded`` is given, the right-hand ones may have no rows), and the legends list what
    the rows hold on any axis: the cost axis and the highlight change the data only. ``log_x``: the cost axis
    type (default: as the data of this view); ``labels``: the words drawn (:data:`LABELS`, translated)."""
    import altair as alt  # deferred: about 0.45 s, and only this chart needs it (the warm-up imports it early)
    words = {**LABELS, **(labels or {})}
    parts = pareto_parts(rows, x, highlight, published, loaded)
    log_x = parts["log_x"] if log_x is None else log_x
    shown = (names or {}).get  # a method id -> the name the legend and tooltips show (``names``, translated)
    colours = {shown(m, m): method_colour(m) for m in dict.fromkeys([*(r["method"] for r in rows),
                                                                     *(r["method"] for r in loaded or [])])}
    scale_x = alt.Scale(type="log" if log_x else "linear", zero=False)
    enc_x = alt.X("cost:Q", title=x_title, scale=scale_x)
    # fitted to the points, RUG_PAD pixels kept free at the foot for the rug; or the whole 0-1 range
    scale_y = alt.Scale(domain=[0, 1], nice=False, padding=RUG_PAD) if y01 else \
        alt.Scale(zero=False, nice=True, padding=RUG_PAD)
    points = [{"label": r["label"], "method": shown(r["method"], r["method"]), "cost": r[x], "cost_text": f"{x_title}: {r[x]:.4g}",
               "top1": r["top1"], "layer": words["measured"]} for r in parts["measured"]]
    rug = [{"label": r["label"], "method": shown(r["method"], r["method"]), "cost": r[x], "cost_text": f"{x_title}: {r[x]:.4g}",
            "top1_text": "–", "layer": words["cost_only"]} for r in parts["cost_only"]]
    has_loaded = loaded is not None and len(loaded) > 0
    present = {"measured": any(r.get("top1") is not None for r in rows),
               "cost_only": any(r.get("top1") is None for r in rows), "published": published is not None,
               "loaded": has_loaded}
    kinds = [k for k in _LAYER_SHAPES if present[k]]
    shape = alt.Shape("layer:N", title=words["marks"], legend=alt.Legend(labelLimit=360),
                      scale=alt.Scale(domain=[words[k] for k in kinds], range=[_LAYER_SHAPES[k] for k in kinds]))
    colour = alt.Color("method:N", title=words["method"],
                       scale=alt.Scale(domain=list(colours), range=list(colours.values())))
    tooltip = [alt.Tooltip("label:N", title=words["label"]), alt.Tooltip("cost_text:N", title=words["cost"]),
               alt.Tooltip("top1:Q", title=words["top1"], format=".3f")]
    enc_y = alt.Y("top1:Q", title=words["y"], scale=scale_y)
    front = [{"cost": r[x], "top1": r["top1"], "series": words["front"]} for r in parts["front"]]
    dash = alt.StrokeDash("series:N", title=None, scale=alt.Scale(domain=[words["front"]], range=[[1, 0]]))
    r = parts["highlight"]
    on_rug = r is not None and r.get("top1") is None
    hit = [] if r is None or on_rug else [{"cost": r[x], "top1": r["top1"], "label": f"▶ {r['label']}"}]
    hit_rug = [{"cost": r[x], "label": f"▶ {r['label']}"}] if on_rug else []
    rug_y = alt.value(HEIGHT - RUG_PAD / 2)
    meta = [{"x_title": x_title, "y2_title": _right_title(words, bool(parts["published"]), bool(parts["loaded"]))}]
    layers = [alt.Chart(alt.Data(values=front)).mark_line(color="#333333", strokeWidth=2.5, interpolate="step-after",
                                                          opacity=0.8)
              .encode(x=enc_x, y=enc_y, strokeDash=dash),
              alt.Chart(alt.Data(values=points)).mark_point(filled=True, size=90, opacity=0.9)
              .encode(x=enc_x, y=enc_y, color=colour, shape=shape, tooltip=tooltip),
              alt.Chart(alt.Data(values=rug)).mark_tick(thickness=3, size=RUG_PAD - 6, opacity=0.9)
              .encode(x=enc_x, y=rug_y, color=colour,
                      tooltip=[alt.Tooltip("label:N", title=words["label"]),
                               alt.Tooltip("cost_text:N", title=words["cost"]),
                               alt.Tooltip("layer:N", title=words["top1"])]),
              alt.Chart(alt.Data(values=hit)).mark_point(size=520, strokeWidth=3, color="#D55E00", filled=False)
              .encode(x=enc_x, y=enc_y),
              alt.Chart(alt.Data(values=hit)).mark_text(dy=-18, color="#D55E00", fontWeight="bold", fontSize=14)
              .encode(x=enc_x, y=enc_y, text="label:N"),
              alt.Chart(alt.Data(values=hit_rug)).mark_text(dy=-RUG_PAD, color="#D55E00", fontWeight="bold",
                                                            fontSize=14)
              .encode(x=enc_x, y=rug_y, text="label:N"),
              # carries the axis titles for the browser (an unused dataset would be dropped): invisible
              alt.Chart(alt.Data(values=meta)).mark_text(opacity=0).encode(text="x_title:N")]
    chart = alt.layer(*layers)
    if published is not None or has_loaded:
        enc_y2 = alt.Y("top1_pct:Q", title="__y2__", scale=alt.Scale(zero=False, nice=True, padding=RUG_PAD),
                       axis=alt.Axis(orient="right"))
        pub = [{"cost": p["gmacs"], "top1_pct": p["top1"], "label": f"{p['model']} {p['setting']}".strip(),
                "source": p["source"], "colour": method_colour(p["family"], "#999999"),
                "layer": words["published"]} for p in parts["published"]]
        mine = [{"cost": m["gmacs"], "top1_pct": round(100 * m["top1"], 2), "label": m["label"],
                 "method": shown(m["method"], m["method"]), "source": m["source"], "layer": words["loaded"]} for m in parts["loaded"]]
        right_tip = [alt.Tooltip("label:N", title=words["label"]), alt.Tooltip("cost:Q", title="GMACs"),
                     alt.Tooltip("top1_pct:Q", title=f"{words['top1']} (%)"),
                     alt.Tooltip("source:N", title=words["source"])]
        right = alt.layer(
            alt.Chart(alt.Data(values=pub)).mark_point(filled=True, size=110, stroke="#000000", strokeWidth=1,
                                                       opacity=1)
            .encode(x=enc_x, y=enc_y2, color=alt.Color("colour:N", scale=None), shape=shape, tooltip=right_tip),
            alt.Chart(alt.Data(values=mine)).mark_point(filled=True, size=130, stroke="#000000", strokeWidth=1,
                                                        opacity=1)
            .encode(x=enc_x, y=enc_y2, color=colour, shape=shape, tooltip=right_tip))
        chart = alt.layer(chart, right).resolve_scale(y="independent")
    return chart.properties(height=HEIGHT).interactive(bind_y=False)


#: the datasets of the page's chart, in the order of its layers (the highlight's ring and label share one)
_DATASETS = ("front", "points", "rug", "highlight", "highlight", "highlight_rug", "meta", "published", "loaded")


def pareto_spec(rows: list[dict], x: str = "gmacs", highlight: str | None = None,
                published: list[dict] | None = None, x_title: str = "GMACs", loaded: list[dict] | None = None,
                y01: bool = False, labels: dict | None = None, names: dict | None = None) -> dict:
    """:func:`pareto_chart` as the Vega-Lite spec (a plain dict) the page hands to ``st.vega_lite_chart``.

    Its data sit in named datasets and the axis titles are signals read from the "meta" dataset, so for
    one model set, published choice, loaded file and accuracy range the spec is the same on either cost axis
    and for any highlight: the browser then swaps the data in the chart it has (a few ms) instead of building
    a new chart from the spec (about 75 ms here). Altair's schema check (40-90 ms) runs once per view: the
    page caches this dict. Altair's default theme (a fixed 300 px view) is left out: the page sizes the chart;
    the text sizes and the renderer are every chart's (:func:`vega.finish`)."""
    log_x = log_cost_axis(rows, published, loaded)
    spec = pareto_chart(rows, x, highlight, published, x_title, log_x=log_x, loaded=loaded, y01=y01,
                        labels=labels, names=names).to_dict()
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
                if enc and (key == "x" or enc.get("title") == "__y2__"):
                    enc["title"] = title

    visit(spec)
    spec["datasets"] = datasets
    # axis titles from the data, and fixed names where Altair makes hashed ones
    spec["params"] = [{"name": "x_title", "expr": "length(data('meta')) ? data('meta')[0].x_title : ''"},
                      {"name": "y2_title", "expr": "length(data('meta')) ? data('meta')[0].y2_title : ''"},
                      *({**p, "name": "zoom_pan", "views": ["zoom_view"]} for p in spec.get("params", []))]
    return vega.finish(spec)


def pareto_figure(rows: list[dict], x: str = "gmacs", highlight: str | None = None,
                  published: list[dict] | None = None, x_title: str = "GMACs", loaded: list[dict] | None = None,
                  y01: bool = False, labels: dict | None = None) -> go.Figure:
    """The same plot in plotly, for the interactive HTML download (it embeds its script: opens offline).
    rows: dicts with label, method, ``x`` and optional top1 (0-1); rows without top1 are a rug of ticks at the
    foot of the plot; published rows (top1 in %, gmacs) and loaded ones (top1 0-1) go on a right-hand axis in %."""
    words = {**LABELS, **(labels or {})}
    parts = pareto_parts(rows, x, highlight, published, loaded)
    fig = go.Figure()
    measured = parts["measured"]
    for method in dict.fromkeys(r["method"] for r in measured):
        pts = [r for r in measured if r["method"] == method]
        fig.add_scatter(
            x=[r[x] for r in pts], y=[r["top1"] for r in pts], mode="markers", name=method,
            text=[r["label"] for r in pts], marker=dict(size=10, color=method_colour(method)),
            hovertemplate="%{text}<br>" + x_title + " %{x:.4g}<br>" + words["top1"] + " %{y:.3f}<extra></extra>")
    if parts["cost_only"]:
        rug = parts["cost_only"]  # a rug on the x axis (paper coordinates for y: the foot of the plot)
        fig.add_scatter(x=[r[x] for r in rug], y=[0.02] * len(rug), yaxis="y3", mode="markers",
                        name=words["cost_only"], text=[r["label"] for r in rug],
                        marker=dict(symbol="line-ns-open", size=16, line=dict(width=3),
                                    color=[method_colour(r["method"]) for r in rug]),
                        hovertemplate="%{text}<br>" + x_title + " %{x:.4g}<extra></extra>")
        fig.update_layout(yaxis3=dict(overlaying="y", range=[0, 1], visible=False, fixedrange=True))
    if parts["front"]:
        front = parts["front"]
        fig.add_scatter(x=[r[x] for r in front], y=[r["top1"] for r in front], mode="lines", name=words["front"],
                        line=dict(color="#333333", width=2.5, shape="hv"), hoverinfo="skip")
    if parts["highlight"] is not None and parts["highlight"].get("top1") is not None:
        r = parts["highlight"]
        fig.add_scatter(x=[r[x]], y=[r["top1"]], mode="markers+text", name=f"▶ {highlight}",
                        text=[highlight], textposition="top center",
                        marker=dict(size=22, color="rgba(0,0,0,0)", line=dict(color="#D55E00", width=3)))
    if parts["published"]:
        pub = parts["published"]
        fig.add_scatter(x=[p["gmacs"] for p in pub], y=[p["top1"] for p in pub], yaxis="y2", mode="markers",
                        name=words["published"], text=[f"{p['model']} {p['setting']}" for p in pub],
                        customdata=[p["source"] for p in pub],
                        marker=dict(size=9, symbol="diamond", color=[method_colour(p["family"], "#999999")
                                                                      for p in pub], line=dict(color="#000", width=1)),
                        hovertemplate="%{text}<br>%{x} GMACs, %{y}% top-1<br>%{customdata}<extra></extra>")
    if parts["loaded"]:
        mine = parts["loaded"]
        fig.add_scatter(x=[m["gmacs"] for m in mine], y=[round(100 * m["top1"], 2) for m in mine], yaxis="y2",
                        mode="markers", name=words["loaded"], text=[m["label"] for m in mine],
                        customdata=[m["source"] for m in mine],
                        marker=dict(size=11, symbol="triangle-up", color=[method_colour(m["method"]) for m in mine],
                                    line=dict(color="#000", width=1)),
                        hovertemplate="%{text}<br>%{x} GMACs, %{y}% top-1<br>%{customdata}<extra></extra>")
    if parts["published"] or parts["loaded"]:
        fig.update_layout(yaxis2=dict(title=_right_title(words, bool(parts["published"]), bool(parts["loaded"])),
                                      overlaying="y", side="right", showgrid=False))
    if parts["log_x"]:
        fig.update_xaxes(type="log")
    fig.update_layout(xaxis_title=x_title, yaxis=dict(title=words["y"], **({"range": [0, 1.02]} if y01 else {})),
                      height=480, margin=dict(l=60, r=60, t=30, b=50), legend=dict(orientation="h", y=-0.2))
    return fig
