"""Vega-Lite specs (plain dicts) for the pages' small interactive charts.

The pages draw charts with ``st.vega_lite_chart`` rather than plotly: its script is a tenth of plotly's
4.7 MB (the first chart of a page or view opens about a second sooner) and the browser redraws it several
times faster. Every chart keeps its data in named datasets: when only the data change (a slider moved),
the spec stays the same and the browser swaps the data in the chart it has instead of building a new one.
The plotly twins of these charts stay as the offline interactive HTML downloads.
"""
from __future__ import annotations

from typing import Any


#: text sizes (CSS px) of every chart: 14 px or more, readable on a projector
FONT_CONFIG = {"axis": {"labelFontSize": 14, "titleFontSize": 15},
               "legend": {"labelFontSize": 14, "titleFontSize": 14, "labelLimit": 0},
               "header": {"labelFontSize": 14, "titleFontSize": 15},
               "title": {"fontSize": 16},
               "text": {"fontSize": 14}}
#: how the browser draws every chart: on a canvas. A move that swaps a chart's data then costs one pass of
#: drawing calls; drawn as SVG, it changes hundreds of DOM nodes (a Trade-offs axis switch: 270-750), which
#: the browser styles, lays out and paints again. The words stay the spec's (translated, sized by FONT_CONFIG).
RENDERER = "canvas"


def finish(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with the charts' text sizes (its own settings win) and the renderer, in place; returned."""
    spec["config"] = {**FONT_CONFIG, **spec.get("config", {})}
    spec["usermeta"] = {**spec.get("usermeta", {}), "embedOptions": {"renderer": RENDERER}}
    return spec


def legend(title: str | None = None) -> dict:
    """A legend above the plot, its labels never cut."""
    return {"orient": "top", "title": title, "labelLimit": 0, "direction": "horizontal"}


def colour_scale(domain: list[str], colours: list[str]) -> dict:
    return {"domain": list(domain), "range": list(colours)}


def chart(body: dict[str, Any], datasets: dict[str, list[dict]], title: str | None = None,
          height: int = 320) -> dict:
    """A complete spec: ``body`` (mark/encoding, layer or hconcat) reading the named ``datasets``
    (name -> rows), a title at the top left, ``height`` px per plot."""
    spec: dict[str, Any] = dict(body)
    if "hconcat" not in spec:
        spec["height"] = height
    if title:
        spec["title"] = {"text": title, "anchor": "start"}
    spec["datasets"] = {name: list(rows) for name, rows in datasets.items()}
    return finish(spec)


def data(name: str) -> dict:
    return {"name": name}


def datasets_used(spec: dict) -> set[str]:
    """The names of the datasets the spec's views read (for tests: none is missing or unused)."""
    found = set()

    def visit(node):
        if isinstance(node, dict):
            if isinstance(node.get("data"), dict) and "name" in node["data"]:
                found.add(node["data"]["name"])
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit({k: v for k, v in spec.items() if k != "datasets"})
    return found
