"""The trade-off (Pareto) plot: measured configurations, the highlighted one, and published numbers."""
from __future__ import annotations

import plotly.graph_objects as go

from vizcore.analysis.tradeoffs import pareto_front
from vizcore.plots.reduction_views import METHOD_COLOURS


def pareto_figure(rows: list[dict], x: str = "gmacs", highlight: str | None = None,
                  published: list[dict] | None = None, x_title: str = "GMACs") -> go.Figure:
    """rows: dicts with label, method, ``x`` and optional top1 (0-1). Points without accuracy sit on a
    strip at the bottom (cost only). Published rows (top1 in %, gmacs) go on a right-hand axis."""
    fig = go.Figure()
    measured = [r for r in rows if r.get(x) is not None]
    for method in dict.fromkeys(r["method"] for r in measured):
        pts = [r for r in measured if r["method"] == method]
        fig.add_scatter(
            x=[r[x] for r in pts], y=[r["top1"] if r.get("top1") is not None else 0.0 for r in pts],
            mode="markers", name=method, text=[r["label"] for r in pts],
            marker=dict(size=10, color=METHOD_COLOURS.get(method, "#777777"),
                        symbol=["circle" if r.get("top1") is not None else "circle-open" for r in pts]),
            hovertemplate="%{text}<br>" + x_title + " %{x:.4g}<br>top-1 %{y:.3f}<extra></extra>")
    with_acc = [r for r in measured if r.get("top1") is not None]
    if len(with_acc) > 1:
        front = [with_acc[i] for i in pareto_front([(r[x], r["top1"]) for r in with_acc])]
        fig.add_scatter(x=[r[x] for r in front], y=[r["top1"] for r in front], mode="lines", name="Pareto front",
                        line=dict(color="#555555", dash="dot"), hoverinfo="skip")
    if highlight is not None:
        hit = [r for r in measured if r["label"] == highlight]
        if hit:
            r = hit[0]
            fig.add_scatter(x=[r[x]], y=[r.get("top1") or 0.0], mode="markers+text", name=f"▶ {highlight}",
                            text=[highlight], textposition="top center",
                            marker=dict(size=22, color="rgba(0,0,0,0)", line=dict(color="#D55E00", width=3)))
    if published and x == "gmacs":
        pub = [p for p in published if p.get("gmacs") is not None]
        fig.add_scatter(x=[p["gmacs"] for p in pub], y=[p["top1"] for p in pub], yaxis="y2", mode="markers",
                        name="published (ImageNet, right axis)", text=[f"{p['model']} {p['setting']}" for p in pub],
                        customdata=[p["source"] for p in pub],
                        marker=dict(size=9, symbol="diamond", color=[METHOD_COLOURS.get(p["family"], "#999999")
                                                                      for p in pub], line=dict(color="#000", width=1)),
                        hovertemplate="%{text}<br>%{x} GMACs, %{y}% top-1<br>%{customdata}<extra></extra>")
        fig.update_layout(yaxis2=dict(title="ImageNet top-1 (%) — published", overlaying="y", side="right",
                                      showgrid=False))
    xs = [r[x] for r in measured] + ([p["gmacs"] for p in published if p.get("gmacs") is not None]
                                     if published and x == "gmacs" else [])
    if xs and min(xs) > 0 and max(xs) / min(xs) > 20:
        # the bundled models (~0.05 GMACs) beside ImageNet-size ones (1-18 GMACs): a linear axis would
        # pile the first at zero
        fig.update_xaxes(type="log")
    fig.update_layout(xaxis_title=x_title, yaxis_title="top-1 on the scenes test split (0–1)", height=480,
                      margin=dict(l=60, r=60, t=30, b=50), legend=dict(orientation="h", y=-0.2))
    return fig
