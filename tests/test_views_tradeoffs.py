"""The Trade-offs page's view without Streamlit: the rows of a model set with what was measured joined, the
configurations explored on the method pages, the captions' values, and the chart's view."""
import pytest

from vizcore.analysis import tradeoffs as T
from vizcore.models.reducer_registry import find_reducer
from vizcore.plots.tradeoff_plot import log_cost_axis
from vizcore.views import tradeoffs as views

LOCS = [2, 3, 4]


def explored(rho: float) -> list[dict]:
    """What the DynamicViT page notes at ``rho`` for the bundled model."""
    return [{"method": "dynamicvit", "model": "bundled_dynamicvit", "setting": rho, "locs": LOCS}]


def keys(line) -> list[str]:
    return [key for key, _ in line]


@pytest.fixture(scope="module")
def grid_rows():
    return T.cost_rows(T.configurations("bundled"))


def memo_with(grid_rows):
    """A memo that hands out the grid's rows counted once (a cache would), and counts what else it runs."""
    calls = []

    def memo(fn, *args):
        calls.append(args)
        return grid_rows if args == (tuple(T.configurations("bundled")),) else fn(*args)

    return memo, calls


def test_rows_of_the_grid_with_the_stored_results(grid_rows):
    memo, calls = memo_with(grid_rows)
    results = T.load_results()
    v = views.tradeoffs_view("bundled", [], "yours", results, memo=memo)
    configs = T.configurations("bundled")
    assert v.configs == tuple(configs) and v.labels == [c.label for c in configs] and len(v.rows) == len(configs)
    # the analytic cost, but where an adaptive reducer's evaluation measured each scene's own cost
    stored_rows = {(r["model"], r["label"]): r for r in results.get("rows", [])}
    measured = {k: r for k, r in stored_rows.items() if r.get("budget_gmacs") is not None}
    assert [r["gmacs"] for r in v.rows] == [measured[(g["model"], g["label"])]["gmacs"]
                                            if (g["model"], g["label"]) in measured else g["gmacs"] for g in grid_rows]
    for r, g in zip(v.rows, grid_rows):
        if (r["model"], r["label"]) in measured:
            assert r["budget_gmacs"] == g["gmacs"] and r["gmacs"] < g["gmacs"] and g.get("adaptive")
            assert r["budget_tokens"] == g["mean_tokens"] and r["mean_tokens"] < g["mean_tokens"]
    assert all(r["latency_ms"] is None for r in v.rows)
    stored = {(r["model"], r["label"]): r["top1"] for r in results.get("rows", [])}
    assert [r["top1"] for r in v.rows] == [stored.get((r["model"], r["label"])) for r in v.rows]
    assert v.table == [{h: r.get(h) for h in views.TABLE_COLUMNS} for r in v.rows]
    assert v.labels[v.highlight_index] == T.default_highlight(v.labels)
    assert v.new_yours == v.to_measure == () and len(v.published) == len(T.published())
    # settings written out: a model used as it is says so (a lone "-" showed as a bullet in the table)
    assert [p["setting"] for p in v.published] == [p.setting if p.setting != "-" else "full model"
                                                   for p in T.published()]
    assert "-" not in {p["setting"] for p in v.published} and "full model" in {p["setting"] for p in v.published}
    assert keys(v.notes[0]) == ["trade.no_latency"] and v.notes[0][0][1] == {"s": 5}
    assert keys(v.notes[1]) == (["trade.results_from"] if results.get("rows") else ["trade.no_results"])
    tags = ", ".join(dict.fromkeys(find_reducer(r["method"]).tag for r in measured.values()))
    assert v.notes[2:] == (((("trade.adaptive_measured", {"methods": tags}),),) if measured else ())
    assert calls == [(tuple(configs),)]  # the grid's cost through memo, nothing else


def test_an_explored_setting_the_grid_lacks_is_added_highlighted_and_measurable(grid_rows):
    memo, calls = memo_with(grid_rows)
    v = views.tradeoffs_view("bundled", explored(0.65), "mine", {}, memo=memo)
    mine = "DynamicViT 0.65 (mine)"
    assert v.labels[-1] == mine and v.labels[v.highlight_index] == mine and len(v.rows) == len(grid_rows) + 1
    assert [c.label for c in v.new_yours] == [mine] and v.to_measure == v.new_yours and v.configs[-1] == v.new_yours[0]
    assert calls[-1] == (v.new_yours,)  # its cost through memo too
    assert v.notes[-1] == (("trade.yours_note", {"yours": "mine"}), ("trade.yours_unmeasured", {}))
    assert keys(v.notes[1]) == ["trade.no_results"]
    # measured on request: no longer to measure, its accuracy in its row, the caption counts it
    key = v.new_yours[0].key
    done = views.tradeoffs_view("bundled", explored(0.65), "mine", {}, {key: 1.25},
                                {key: {"top1": 0.9, "keep_precision": 0.8}}, memo=memo)
    assert done.to_measure == () and done.rows[-1]["top1"] == 0.9 and done.rows[-1]["latency_ms"] == 1.25
    assert done.notes[-1][1] == ("trade.yours_measured", {"k": 1, "n": views.YOURS_N})
    assert "trade.no_latency" not in [k for line in done.notes for k in keys(line)]


def test_another_explored_setting_gives_another_view(grid_rows):
    memo, _ = memo_with(grid_rows)
    a = views.tradeoffs_view("bundled", explored(0.65), memo=memo)
    b = views.tradeoffs_view("bundled", explored(0.55), memo=memo)
    assert a.rows[-1]["gmacs"] > b.rows[-1]["gmacs"] and a.labels[-1] != b.labels[-1]
    grid = views.tradeoffs_view("bundled", explored(0.7), memo=memo)  # the grid has it: highlighted there
    assert grid.new_yours == () and grid.labels == [c.label for c in T.configurations("bundled")]
    assert grid.labels[grid.highlight_index] == "DynamicViT 0.7"


def test_the_imagenet_set_measures_no_accuracy_here():
    v = views.tradeoffs_view("imagenet", explored(0.65) + [
        {"method": "evit", "model": "deit_small_patch16_224", "setting": 0.65, "locs": [3, 6, 9]}], "yours",
        T.load_results())
    assert [c.label for c in v.new_yours] == ["EViT 0.65 (yours)"] and v.to_measure == ()
    assert all(r["top1"] is None for r in v.rows)  # the stored accuracy is of the bundled models
    adaptive = [r for r in v.rows if r.get("adaptive")]  # not measured here: plotted at the budget, and said so
    assert adaptive and all(r.get("budget_gmacs") is None for r in adaptive)
    tags = ", ".join(dict.fromkeys(find_reducer(r["method"]).tag for r in adaptive))
    assert v.notes == ((("trade.no_latency", {"s": 60}),), (("trade.adaptive_budget", {"methods": tags}),),
                       (("trade.yours_note", {"yours": "yours"}), ("trade.yours_imagenet", {})))


def test_chart_view_follows_axis_highlight_and_published_layer(grid_rows):
    memo, _ = memo_with(grid_rows)
    v = views.tradeoffs_view("bundled", explored(0.65), "yours", {}, {c.key: 2.0 for c in T.configurations("bundled")},
                             memo=memo)
    c = views.chart_view(v, "gmacs", "ViT", False)
    assert c.x_field == "gmacs" and c.published is None and c.log_scale == log_cost_axis(v.rows, None)
    assert c.words == (("trade.highlighted", {"label": "ViT", "cost": f"{v.rows[0]['gmacs']:.4g}", "top1": "–"}),
                       ("trade.rug", {}))  # nothing measured: every configuration on the rug, and the caption says so
    lat = views.chart_view(v, "latency", "DynamicViT 0.65 (yours)", True)
    assert lat.x_field == "latency_ms" and lat.published == v.published
    assert lat.log_scale == log_cost_axis(v.rows, v.published) and lat.log_scale != c.log_scale
    assert [k for k, _ in lat.words] == ["trade.highlight_off_axis", "trade.published_gmacs_only", "trade.rug"]


def test_latency_is_measured_per_configuration_with_progress():
    configs = [c for c in T.configurations("bundled") if c.model == "bundled_vit"][:2]
    seen = []
    out = views.measure_latencies(configs, "cpu", lambda i, n, label: seen.append((i, n, label)))
    assert list(out) == [c.key for c in configs] and all(ms > 0 for ms in out.values())
    assert seen == [(0, 2, configs[0].label), (1, 2, configs[1].label)]


RECORD = {"config": {"label": "EViT 0.7", "model": "deit_small_patch16_224", "method": "evit", "setting": 0.7,
                     "locs": [3, 6, 9]}, "data_name": "val", "n": 50000, "top1": 0.7812, "top5": 0.94, "gmacs": 3.03,
          "mean_tokens": 120.5, "keep_precision": None, "images_per_s": 812.5, "device": "cuda:0",
          "date": "2026-12-06T23:10:00+00:00"}


def test_a_results_file_becomes_the_loaded_layer_with_its_source():
    import json
    text = json.dumps(RECORD) + "\n" + json.dumps({**RECORD, "config": {**RECORD["config"], "label": "ViT",
                                                                         "method": "plain", "setting": None}}) + "\n"
    lv = views.loaded_view(text + '{"config": {"mod', "sweep.jsonl")  # a line cut short by a kill is left out
    assert lv.error is None and [r["label"] for r in lv.rows] == ["EViT 0.7", "ViT"]
    assert lv.sources == ("val, n=50000, 2026-12-06",) and lv.rows[0]["top1"] == 0.7812
    assert list(lv.table[0]) == list(views.LOADED_COLUMNS)
    bad = views.loaded_view("not json\n", "x.jsonl")
    assert bad.rows == [] and bad.error[0] == "trade.loaded_bad" and "line 1" in bad.error[1]["error"]
    assert views.loaded_view("", "empty.jsonl").error == ("trade.loaded_empty", {"name": "empty.jsonl"})
    v = views.tradeoffs_view("imagenet", [], "yours", {})
    # no latency measured: nothing on that axis, not even the rug; the loaded points stay on the GMACs axis
    assert [k for k, _ in views.chart_view(v, "latency", None, False, lv.rows).words] == ["trade.loaded_gmacs_only"]


def test_the_operator_names_a_results_file_at_launch(tmp_path):
    f = tmp_path / "mine.jsonl"
    f.write_text("{}\n")
    assert views.launch_results(["--results", str(f)], {}) == ("{}\n", "mine.jsonl")
    assert views.launch_results([], {views.RESULTS_ENV: str(f)}) == ("{}\n", "mine.jsonl")
    assert views.launch_results([], {}) is None
    assert views.launch_results(["--results", str(tmp_path / "gone.jsonl")], {}) == ("", "gone.jsonl")
