"""The Pareto plot: one trace per method, the front, the highlight, published numbers on a second axis."""
from vizcore.plots.tradeoff_plot import pareto_figure

ROWS = [{"label": "ViT", "method": "plain", "gmacs": 0.073, "top1": 0.95},
        {"label": "DynamicViT 0.7", "method": "dynamicvit", "gmacs": 0.052, "top1": 0.948},
        {"label": "EViT 0.7", "method": "evit", "gmacs": 0.055, "top1": 0.70},
        {"label": "T2T-ViT", "method": "t2t", "gmacs": 0.063, "top1": None}]
PUBLISHED = [{"model": "DeiT-S", "setting": "", "family": "plain", "gmacs": 4.6, "top1": 79.8, "source": "paper"},
             {"model": "DynamicViT-DeiT-S", "setting": "0.7", "family": "dynamicvit", "gmacs": 2.9, "top1": 79.3,
              "source": "paper"}]


def test_traces_front_and_highlight():
    fig = pareto_figure(ROWS, highlight="EViT 0.7")
    names = [t.name for t in fig.data]
    assert names[:4] == ["plain", "dynamicvit", "evit", "cost only, accuracy not measured"]
    front = next(t for t in fig.data if t.name == "Pareto front")
    assert list(front.x) == [0.052, 0.073]  # EViT is dominated by DynamicViT; T2T has no accuracy
    assert front.line.shape == "hv" and front.line.dash is None  # a solid staircase
    rug = fig.data[3]  # T2T: a tick on its own hidden axis at the foot, not a point at accuracy 0
    assert rug.yaxis == "y3" and list(rug.x) == [0.063] and fig.layout.yaxis3.visible is False
    assert all(0 not in list(t.y) for t in fig.data if t.yaxis in (None, "y"))
    assert any(t.name == "▶ EViT 0.7" for t in fig.data)
    assert fig.layout.xaxis.type in (None, "linear")  # the bundled points alone span < 2x


def test_published_layer_goes_right_and_the_axis_goes_log():
    fig = pareto_figure(ROWS, published=PUBLISHED)
    pub = fig.data[-1]
    assert pub.yaxis == "y2" and list(pub.x) == [4.6, 2.9]
    assert fig.layout.xaxis.type == "log"  # 0.05 beside 4.6 GMACs
    assert fig.layout.yaxis2.side == "right"
    # latency has no published counterpart: no second layer, no log axis
    lat = pareto_figure([{**r, "latency_ms": 2.0 + i} for i, r in enumerate(ROWS)], x="latency_ms",
                        published=PUBLISHED)
    assert all(t.yaxis != "y2" for t in lat.data) and lat.layout.xaxis.type in (None, "linear")


def test_the_page_chart_shows_the_same_parts():
    import json

    from vizcore.plots.tradeoff_plot import pareto_chart, pareto_parts
    parts = pareto_parts(ROWS, highlight="EViT 0.7", published=PUBLISHED)
    assert [r["label"] for r in parts["front"]] == ["DynamicViT 0.7", "ViT"] and parts["log_x"]
    spec = pareto_chart(ROWS, highlight="EViT 0.7", published=PUBLISHED).to_dict()
    text = json.dumps(spec)
    assert spec["resolve"]["scale"]["y"] == "independent"  # published numbers on their own right axis
    assert '"type": "log"' in text and "ImageNet top-1" in text and "\\u25b6 EViT 0.7" in text
    front, points, rug = spec["layer"][0]["layer"][:3]
    # cost-only configurations: ticks of a rug at the foot (a pixel position), never at top-1 0
    assert rug["mark"]["type"] == "tick" and "value" in rug["encoding"]["y"]
    assert rug["data"]["values"] == [{"label": "T2T-ViT", "method": "t2t", "cost": 0.063, "cost_text": "GMACs: 0.063",
                                      "top1_text": "–", "layer": "cost only, accuracy not measured"}]
    assert [p["label"] for p in points["data"]["values"]] == ["ViT", "DynamicViT 0.7", "EViT 0.7"]
    # the accuracy axis fits the points (no fixed 0-1.1), with room at the foot for the rug
    assert points["encoding"]["y"]["scale"] == {"nice": True, "padding": 26, "zero": False}
    # the front: a solid step line drawn under the points
    assert front["mark"]["type"] == "line" and front["mark"]["interpolate"] == "step-after"
    assert front["mark"]["strokeWidth"] >= 2 and front["encoding"]["strokeDash"]["scale"]["range"] == [[1, 0]]
    # a second legend names the kinds of mark (shape) and the front (dash), not only the methods
    shape = points["encoding"]["shape"]["scale"]
    assert shape == {"domain": ["measured on the scenes (left axis)", "cost only, accuracy not measured",
                                "published ImageNet (right axis)"], "range": ["circle", "stroke", "diamond"]}
    assert spec["layer"][1]["layer"][0]["encoding"]["shape"]["scale"] == shape  # the published diamonds share it
    assert front["encoding"]["strokeDash"]["scale"]["domain"] == ["Pareto front"]
    whole = pareto_chart(ROWS, y01=True).to_dict()["layer"][1]  # the toggle: the whole 0-1 range
    assert whole["encoding"]["y"]["scale"]["domain"] == [0, 1]
    plain_spec = pareto_chart(ROWS).to_dict()
    assert "published ImageNet (right axis)" not in plain_spec["layer"][1]["encoding"]["shape"]["scale"]["domain"]
    plain = json.dumps(plain_spec)
    assert '"type": "log"' not in plain and "ImageNet" not in plain and "\\u25b6" not in plain


def test_the_page_spec_changes_only_its_data_with_the_axis_and_the_highlight():
    """The browser swaps the data of the chart it has when only the datasets differ: the cost axis and
    the highlight must leave the rest of the spec alone (the axis titles are signals read from the data)."""
    import json

    from vizcore.plots.tradeoff_plot import pareto_chart, pareto_spec
    rows = [{**r, "latency_ms": 1.0 + i} for i, r in enumerate(ROWS)]
    gmacs = pareto_spec(rows, highlight="EViT 0.7", published=PUBLISHED)
    latency = pareto_spec(rows, x="latency_ms", highlight="ViT", published=PUBLISHED, x_title="latency (ms)")

    def without_data(spec):
        return json.dumps({k: v for k, v in spec.items() if k != "datasets"}, sort_keys=True)

    assert without_data(gmacs) == without_data(latency)
    assert "values" not in without_data(gmacs)  # all data named
    from vizcore.plots.vega import FONT_CONFIG
    assert gmacs["config"] == FONT_CONFIG  # the charts' text sizes; no fixed 300 px view (Altair's theme)
    assert set(gmacs["datasets"]) == {"points", "rug", "front", "highlight", "highlight_rug", "meta", "published",
                                      "loaded"}
    assert gmacs["datasets"]["meta"] == [{"x_title": "GMACs", "y2_title": "ImageNet top-1 (%) — published"}]
    assert latency["datasets"]["meta"] == [{"x_title": "latency (ms)", "y2_title": ""}]  # no right axis
    assert latency["datasets"]["published"] == [] and len(gmacs["datasets"]["published"]) == 2
    assert latency["datasets"]["highlight"] == [{"cost": 1.0, "top1": 0.95, "label": "▶ ViT"}]
    assert {p["name"] for p in gmacs["params"]} == {"x_title", "y2_title", "zoom_pan"}
    text = without_data(gmacs)
    assert '"title": {"signal": "x_title"}' in text and '"title": {"signal": "y2_title"}' in text
    assert '"type": "log"' in text  # decided on GMACs and the published points, on either axis
    # the published switch and the model set do change the spec (layers, legends): a new chart then
    plain = pareto_spec(rows, highlight="EViT 0.7")
    assert without_data(plain) != without_data(gmacs) and "published" not in plain["datasets"]
    # the same marks as the Altair chart it comes from
    chart = pareto_chart(rows, highlight="EViT 0.7", published=PUBLISHED).to_dict()
    assert chart["layer"][0]["layer"][1]["data"]["values"] == gmacs["datasets"]["points"]


LOADED = [{"label": "EViT 0.7", "method": "evit", "gmacs": 3.03, "top1": 0.7812, "source": "val, n=50000, 2026-12-06"},
          {"label": "ViT", "method": "plain", "gmacs": 4.6, "top1": 0.798, "source": "val, n=50000, 2026-12-06"}]


def test_a_loaded_results_file_is_its_own_layer_on_the_right_axis_with_its_source():
    from vizcore.plots.tradeoff_plot import pareto_spec
    spec = pareto_spec(ROWS, loaded=LOADED)
    assert spec["datasets"]["loaded"] == [
        {"cost": 3.03, "top1_pct": 78.12, "label": "EViT 0.7", "method": "evit", "source": "val, n=50000, 2026-12-06",
         "layer": "loaded results (right axis)"},
        {"cost": 4.6, "top1_pct": 79.8, "label": "ViT", "method": "plain", "source": "val, n=50000, 2026-12-06",
         "layer": "loaded results (right axis)"}]
    assert spec["datasets"]["meta"][0]["y2_title"] == "top-1 (%) — loaded results file"
    assert spec["resolve"]["scale"]["y"] == "independent"
    loaded_layer = spec["layer"][1]["layer"][1]
    assert {"field": "source", "title": "source", "type": "nominal"} in loaded_layer["encoding"]["tooltip"]
    legend = loaded_layer["encoding"]["shape"]["scale"]
    assert legend["domain"][-1] == "loaded results (right axis)" and legend["range"][-1] == "triangle-up"
    both = pareto_spec(ROWS, loaded=LOADED, published=PUBLISHED)
    assert both["datasets"]["meta"][0]["y2_title"] == "top-1 (%) — published ImageNet and loaded results"
    fig = pareto_figure(ROWS, loaded=LOADED)
    assert fig.data[-1].yaxis == "y2" and list(fig.data[-1].y) == [78.12, 79.8]


def test_labels_are_drawn_in_the_language_given():
    import json

    from vizcore.plots.tradeoff_plot import LABELS, pareto_spec
    zh = {k: f"ZH-{k}" for k in LABELS}
    text = json.dumps(pareto_spec(ROWS, published=PUBLISHED, loaded=LOADED, labels=zh), ensure_ascii=False)
    for english in ("Pareto front", "cost only", "published ImageNet", "loaded results", "top-1 on the scenes"):
        assert english not in text, english
    assert "ZH-front" in text and "ZH-y2_both" in text
