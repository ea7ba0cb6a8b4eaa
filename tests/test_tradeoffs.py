"""Trade-off bookkeeping: configurations, analytic cost, latency, the Pareto front, published numbers."""
import json

import pytest
import torch

from vizcore.analysis import reduction as red
from vizcore.analysis import tradeoffs as T
from vizcore.models.registry import build, list_models
from vizcore.models.reducer_registry import BUDGETS
from vizcore.models.tome import ToMeReducer


def test_pareto_front():
    pts = [(1, 0.5), (2, 0.6), (1.5, 0.4), (3, 0.6), (0.5, 0.2)]
    assert T.pareto_front(pts) == [4, 0, 1]


def test_imagenet_configurations_and_cost():
    configs = T.configurations("imagenet")
    labels = {c.label for c in configs}
    # ToMe's r on DeiT-S matched to DynamicViT's budget at rho 0.7 is the paper's r = 13
    assert {"ViT", "EViT 0.7", "ToMe r=13", "random 0.7", "DynamicViT 0.7", "T2T-ViT", "PoolFormer"} <= labels
    by = {c.label: T.cost(c) for c in configs if c.label in ("ViT", "EViT 0.7", "DynamicViT 0.7", "DynamicViT 0.5",
                                                                 "ToMe r=16", "ToMe r=5")}
    assert abs(by["ViT"]["gmacs"] - 4.6) <= 0.05
    assert abs(by["EViT 0.7"]["gmacs"] - 3.0) / 3.0 <= 0.03  # published EViT-DeiT-S/0.7
    assert abs(by["DynamicViT 0.7"]["gmacs"] - 2.9) / 2.9 <= 0.03  # published DynamicViT-DeiT-S/0.7
    assert by["DynamicViT 0.5"]["gmacs"] < by["DynamicViT 0.7"]["gmacs"] < by["ViT"]["gmacs"]
    assert by["ToMe r=16"]["gmacs"] < by["ToMe r=5"]["gmacs"]


def test_reducers_follow_the_config():
    config = T.Config("EViT 0.5", "deit_tiny_patch16_224", "evit", 0.5, (3, 6, 9))
    reducer = T.reducer_for(config, None)
    assert reducer.keep_rate == 0.5 and reducer.locs == (3, 6, 9)
    tome = T.reducer_for(T.Config("ToMe r=4", "deit_tiny_patch16_224", "tome", 4.0), None)
    assert tome.r == 4


def test_latency_is_positive_and_model_untouched():
    model = build("deit_tiny_patch16_224")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    ms = T.latency_ms(model, red.compare_reducers(red.match_budget(model, 0.7), model)["tome"], repeats=2, warmup=1)
    assert ms > 0
    assert all((before[k] == v).all() for k, v in model.state_dict().items())
    assert not model.training


def test_matched_budget_tome_is_closest():
    model = build("deit_tiny_patch16_224")
    budget = red.match_budget(model, 0.7, (3, 6, 9))
    target = budget.tokens_target
    r = budget.settings["tome"]
    best = abs(red.tokens_total(model, red.compare_reducers(budget, model)["tome"]) - target)
    for r in (r - 1, r + 1):
        assert abs(red.tokens_total(model, ToMeReducer(r)) - target) >= best


def test_matched_budget_bisection_equals_the_exhaustive_search():
    model = build("deit_tiny_patch16_224")
    n = model.patch_embed.num_patches
    totals = [red.tokens_total(model, ToMeReducer(r)) for r in range(n // 2 + 1)]
    assert all(a >= b for a, b in zip(totals, totals[1:]))  # what the bisection relies on
    for rho in (0.3, 0.45, 0.5, 0.7, 0.85, 0.95):
        for locs in ((3, 6, 9), (1, 2, 3), (6, 9, 11)):
            budget = red.match_budget(model, rho, locs)
            exhaustive = min(range(n // 2 + 1), key=lambda r: (abs(totals[r] - budget.tokens_target), r))
            assert budget.settings["tome"] == exhaustive, (rho, locs)


@pytest.mark.parametrize("p", T.published(), ids=lambda p: p.model)
def test_published_rows_are_sourced(p):
    assert p.source and 0 < p.top1 < 100
    if p.model.islower() and "_" in p.model:
        assert p.model in list_models(), p.model


def test_gumbel_samples_share_noise():
    import torch
    logits = torch.log(torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]]))
    soft, hard = red.gumbel_samples(logits, tau=0.5, samples=200, seed=1)
    assert torch.allclose(soft.sum(-1), torch.ones(200, 3))
    assert torch.equal(hard.argmax(-1), soft.argmax(-1))
    freq = hard[..., 0].mean(0)
    assert abs(freq[0] - 0.9) < 0.08 and abs(freq[1] - 0.2) < 0.08


def test_every_reducer_sweeps_the_same_budgets_down_to_low_ones():
    """Each reducer's grid spends the budgets of keep ratio 0.3 .. 0.9: the lowest leaves about 40 % of the
    bundled ViT's tokens on average (its first two blocks always see all of them), the same for every method
    whose setting is matched to the budget (ToMe's r: 145 -> 35 tokens needs r = 22, the grid goes on)."""
    plain = T.cost(T.Config("ViT", "bundled_vit", "plain"))["mean_tokens"]
    configs = T.configurations("bundled")
    lowest = {}
    for c in configs:
        if c.method != "plain" and c.setting is not None:
            lowest[c.method] = min(lowest.get(c.method, plain), T.cost(c)["mean_tokens"])
    assert {"dynamicvit", "evit", "tome", "random_drop"} <= set(lowest)
    assert lowest["random_drop"] < 0.45 * plain and abs(lowest["tome"] - lowest["random_drop"]) <= 3
    assert len([c for c in configs if c.method == "tome"]) == len(BUDGETS)


def test_explored_configurations_join_the_grid_or_are_labelled_as_yours():
    locs = tuple(T.build_meta("bundled_dynamicvit").pruning_loc)
    evit_model = T.model_for(T.find_reducer("evit"), "bundled_vit")  # its fine-tuned partner, once bundled
    explored = [
        {"method": "dynamicvit", "model": "bundled_dynamicvit", "setting": 0.6500000000000001, "locs": list(locs)},
        {"method": "evit", "model": evit_model, "setting": 0.7, "locs": list(locs)},           # the grid's own
        {"method": "tome", "model": "bundled_vit", "setting": 13, "locs": []},
        {"method": "evit", "model": "deit_small_patch16_224", "setting": 0.7, "locs": [3, 6, 9]},  # other set
        {"method": "dynamicvit", "model": "bundled_vit", "setting": 0.7, "locs": list(locs)},  # not a DynamicViT
        {"method": "random_drop", "model": "bundled_vit", "setting": 0.7, "locs": [1, 2, 3]},  # other blocks
    ]
    configs = T.explored_configs(explored, "bundled", suffix="yours")
    grid = {c.label: c for c in T.configurations("bundled")}
    assert [c.label for c in configs] == ["DynamicViT 0.65 (yours)", "EViT 0.7", "ToMe r=13 (yours)",
                                          "random 0.7 (yours)"]
    assert configs[1] == grid["EViT 0.7"]
    assert configs[0].setting == 0.65 and configs[0].locs == locs and configs[2].locs == ()
    rows = {r["label"]: r for r in T.cost_rows(configs + [grid["DynamicViT 0.6"], grid["DynamicViT 0.7"]])}
    assert rows["DynamicViT 0.7"]["gmacs"] > rows["DynamicViT 0.65 (yours)"]["gmacs"] > rows["DynamicViT 0.6"]["gmacs"]
    assert T.explored_configs(explored, "imagenet")[0].label == "EViT 0.7"


def test_with_measurements_fills_accuracy_and_latency_where_measured():
    rows = [{"label": "ViT", "model": "bundled_vit", "gmacs": 0.07},
            {"label": "DynamicViT 0.65 (yours)", "model": "bundled_dynamicvit", "gmacs": 0.05},
            {"label": "ToMe r=13 (yours)", "model": "bundled_vit", "gmacs": 0.04}]
    results = {"rows": [{"model": "bundled_vit", "label": "ViT", "top1": 0.99, "keep_precision": None}]}
    rows[1].update(method="dynamicvit", setting=0.65, locs=[2, 3, 4])
    rows[0].update(method="plain", setting=None, locs=[])
    rows[2].update(method="tome", setting=13.0, locs=[])
    out = T.with_measurements(rows, "bundled", results, {T.row_key(rows[0]): 1.5},
                              {("bundled_dynamicvit", "dynamicvit", 0.65, (2, 3, 4)): {"top1": 0.98, "keep_precision": 0.9}})
    assert [(r["top1"], r["keep_precision"], r["latency_ms"]) for r in out] == [
        (0.99, None, 1.5), (0.98, 0.9, None), (None, None, None)]
    assert "top1" not in rows[0] and out[0]["gmacs"] == 0.07  # new dicts, cost kept
    # the cached accuracy is of the bundled models: not carried over to another set of the same labels
    assert T.with_measurements(rows[:1], "imagenet", results)[0]["top1"] is None


def test_row_key_leaves_out_the_label():
    config = T.Config("DynamicViT 0.65 (yours)", "bundled_dynamicvit", "dynamicvit", 0.6500000000000001, (2, 3, 4))
    row = {**config.as_dict(), "label": "DynamicViT 0.65 (你的)", "locs": [2, 3, 4]}
    assert T.row_key(row) == config.key == ("bundled_dynamicvit", "dynamicvit", 0.65, (2, 3, 4))
    assert T.Config("ViT", "bundled_vit", "plain").key == ("bundled_vit", "plain", None, ())


def test_written_grid_records_the_scenes_it_was_measured_on(tmp_path):
    """``--write`` over every test scene (n None) stores the rows' n, so ``--figures`` can derive its noise."""
    rows = [{"label": "a", "top1": 0.9, "n": 2000}, {"label": "b", "top1": 0.8, "n": 2000}]
    T.write_results(rows, None, tmp_path / "t.json")
    assert json.loads((tmp_path / "t.json").read_text())["n"] == 2000
    T.write_results(rows, 300, tmp_path / "u.json")
    assert json.loads((tmp_path / "u.json").read_text())["n"] == 300


def test_figures_take_n_from_the_rows_of_a_file_written_without_it(tmp_path, monkeypatch, capsys):
    """A stored grid with ``"n": null`` (written before ``--write`` recorded it) is checked on its rows' n."""
    rows = [{"label": "ViT", "model": "bundled_vit", "method": "plain", "setting": None, "gmacs": 0.07,
             "mean_tokens": 145.0, "top1": 0.96, "n": 2000}]
    monkeypatch.setattr(T, "load_results", lambda: {"n": None, "data": "scenes test split", "rows": rows})
    assert T._print_figures(as_json=True) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 2000


def test_an_adaptive_reducer_is_evaluated_at_each_scene_s_own_cost():
    """ATS keeps as many tokens as each image needs: the evaluation reports the mean of every scene's own
    cost (each scene run alone costs exactly that), beside the analytic budget; a fixed budget reports none."""
    from vizcore.analysis.evaluation import evaluate_model
    from vizcore.models.reducer_registry import get_reducer, pruning_locations
    from vizcore.models.registry import create_model
    model = create_model("bundled_vit", "bundled")
    locs = pruning_locations("bundled_vit")
    ats = get_reducer("ats").make(model, 0.8, locs)
    res = evaluate_model(model, n=12, batch=6, reducer=ats)
    assert res["measured_gmacs"] < res["gmacs"] and res["measured_tokens"] < T.cost(
        T.Config("a", "bundled_vit", "ats", 0.8, locs), model)["mean_tokens"]
    data = evaluation_inputs(model, 12)
    with torch.inference_mode():
        alone = [model.forward_trace(data[i:i + 1], reducer=ats).trace for i in range(12)]
    assert abs(res["measured_gmacs"] - sum(t.gmacs for t in alone) / 12) < 1e-4
    mean_tokens = [sum(t.tokens_per_layer) / len(t.tokens_per_layer) for t in alone]
    assert abs(res["measured_tokens"] - sum(mean_tokens) / 12) < 0.06
    one_by_one = evaluate_model(model, n=12, batch=1, reducer=ats)  # alone, no image is padded: the same
    assert (one_by_one["measured_gmacs"], one_by_one["measured_tokens"]) == (res["measured_gmacs"], res["measured_tokens"])
    fixed = evaluate_model(model, n=12, batch=6, reducer=get_reducer("random_drop").make(model, 0.8, locs))
    assert "measured_gmacs" not in fixed and "measured_tokens" not in fixed


def evaluation_inputs(model, n):
    """The first ``n`` test scenes as the evaluation feeds them to ``model``."""
    from vizcore.analysis.evaluation import SceneData, _scene_collate
    from vizcore.data import model_scenes
    data = SceneData(n, 96, model_scenes(model))
    return _scene_collate(model)([data[i] for i in range(n)]).x


def test_a_measured_cost_row_is_plotted_where_it_computed():
    row = {"label": "ATS 0.8", "gmacs": 0.0589, "mean_tokens": 119.7, "adaptive": True, "top1": 0.87,
           "measured_gmacs": 0.0474, "measured_tokens": 41.3}
    out = T.measured_cost_row(row)
    shown = (out["gmacs"], out["mean_tokens"], out["budget_gmacs"], out["budget_tokens"])
    assert shown == (0.0474, 41.3, 0.0589, 119.7)
    assert "measured_gmacs" not in out and row["gmacs"] == 0.0589  # a new dict
    plain = {"label": "random 0.8", "gmacs": 0.0557, "mean_tokens": 107.8}
    assert T.measured_cost_row(plain) == plain
    # the page takes the stored measured cost over the analytic one, for the bundled set only
    cost_row = {"label": "ATS 0.8", "model": "bundled_vit", "method": "ats", "setting": 0.8, "locs": [2, 3, 4],
                "gmacs": 0.0589, "mean_tokens": 119.7, "adaptive": True}
    stored = {"rows": [{**cost_row, **out}]}
    shown = T.with_measurements([cost_row], "bundled", stored)[0]
    assert (shown["gmacs"], shown["mean_tokens"], shown["budget_gmacs"], shown["top1"]) == (0.0474, 41.3, 0.0589, 0.87)
    assert T.with_measurements([cost_row], "imagenet", stored)[0]["gmacs"] == 0.0589


def test_the_stored_grid_plots_adaptive_rows_at_their_measured_cost():
    rows = T.load_results()["rows"]
    adaptive = [r for r in rows if r.get("adaptive")]
    assert adaptive, "the grid holds an adaptive reducer"
    for r in adaptive:
        assert r["budget_gmacs"] > r["gmacs"] > 0 and r["budget_tokens"] > r["mean_tokens"]
    assert all(r.get("budget_gmacs") is None for r in rows if not r.get("adaptive"))
