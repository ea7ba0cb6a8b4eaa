"""Compare's budgets are matched honestly: under either measure (mean patch tokens per layer, GMACs) every
reducer's setting spends the budget within 2 % where its steps allow, and the view says which miss and by
how much. Before: EViT and ATS took rho itself and spent 111 and 109.5 mean tokens against 93.7."""
import pytest
import torch

from vizcore.analysis import reduction as red
from vizcore.models import reducer_registry as R
from vizcore.models.registry import build, build_meta
from vizcore.views import compare as views

BACKBONE = "bundled_vit"


@pytest.fixture(scope="module")
def models():
    backbone = build_meta(BACKBONE)
    return backbone, {spec.name: build_meta(R.model_for(spec, BACKBONE)) for spec in R.list_reducers()}


def spends(spec, model, setting, locs, measure):
    return R.cost(model, spec.make(model, setting, locs if spec.uses_locations else ()), measure)


def test_the_budget_in_patch_tokens_is_dynamicvits_schedule_without_cls(models):
    backbone, _ = models
    locs = R.pruning_locations(BACKBONE)
    assert R.budget_schedule(144, 0.7, locs, 6) == [144, 144, 100, 70, 49, 49]
    assert R.budget_cost(backbone, 0.7, locs, "tokens") == pytest.approx(sum([144, 144, 100, 70, 49, 49]) / 6)
    assert R.budget_cost(backbone, 0.7, locs, "gmacs") < R.cost(backbone, R.BudgetSchedule(1.0, locs), "gmacs")
    with pytest.raises(ValueError, match="Unknown measure"):
        R.cost(backbone, R.BudgetSchedule(0.7, locs), "watts")


@pytest.mark.parametrize("measure", R.MEASURES)
@pytest.mark.parametrize("rho", [0.5, 0.7, 0.9])
def test_every_reducer_is_matched_within_two_percent(models, measure, rho):
    backbone, runs_on = models
    locs = R.pruning_locations(BACKBONE)
    target = R.budget_cost(backbone, rho, locs, measure)
    budget = red.match_budget(backbone, rho, locs, measure, runs_on)
    assert budget.measure == measure and budget.target == pytest.approx(target)
    for spec in R.list_reducers():
        model = runs_on[spec.name]
        achieved = spends(spec, model, budget.settings[spec.name], locs, measure)
        assert abs(R.mismatch(achieved, target)) <= R.MATCH_TOLERANCE, (spec.name, achieved, target)


def test_keep_ratio_reducers_at_rho_itself_miss_the_budget(models):
    """The old behaviour (a keep ratio took rho as it was) fails the 2 % rule: the matches are needed."""
    backbone, runs_on = models
    locs = R.pruning_locations(BACKBONE)
    target = R.budget_cost(backbone, 0.7, locs, "tokens")
    missed = [spec.name for spec in R.list_reducers()
              if abs(R.mismatch(spends(spec, runs_on[spec.name], 0.7, locs, "tokens"), target)) > R.MATCH_TOLERANCE]
    assert {"evit", "ats"} <= set(missed)  # both cut after attention: they spend 18 % more at rho itself
    gmacs = R.budget_cost(backbone, 0.7, locs, "gmacs")
    assert R.mismatch(spends(R.get_reducer("dynamicvit"), runs_on["dynamicvit"], 0.7, locs, "gmacs"), gmacs) > 0.02


def test_closest_setting_bisects_either_direction():
    values = list(range(50))
    assert R.closest_setting(values, lambda v: 3.0 * v, 31.0) == 10  # rising
    assert R.closest_setting(values, lambda v: 100.0 - 2 * v, 51.0) == 24  # falling: the smaller of a tie
    assert R.closest_setting([0.1, 0.2, 0.3], lambda v: round(v), 0.0, preferred=0.2) == 0.2  # plateau: preferred


def test_the_view_names_what_it_cannot_match():
    """At rho 0.3 EViT and ATS cannot spend as little as the budget (they keep full attention up to their first
    block): the view lists them with their mismatch instead of pretending."""
    backbone = build(BACKBONE)
    partners = {name: build(name) for name in views.partner_models(BACKBONE)}
    pixels = torch.zeros(1, 3, *backbone.patch_embed.img_size)
    v = views.compare_view(BACKBONE, backbone, pixels, 0.3, None, partners, measure="tokens")
    missing = dict(v.off_target)
    assert set(missing) == {"evit", "ats"} and all(pct > 2 for pct in missing.values())
    for row in v.rows[1:]:
        if row["method"] == "ats":  # adaptive: its budget cannot go that low; on the image it may spend less
            assert dict(v.under_budget)["ats"] == row["off_target_pct"] <= missing["ats"]
        else:
            assert (row["method"] in missing) == (abs(row["off_target_pct"]) > 2)
    g = views.compare_view(BACKBONE, backbone, pixels, 0.7, None, partners, measure="gmacs")
    assert g.budget.measure == "gmacs" and not g.off_target
    assert all(abs(r["gmacs"] / g.budget.target - 1) <= 0.02 + 1e-3 for r in g.rows[1:])  # rows round to 4 places


def test_the_summary_names_classes_and_says_what_each_column_is():
    backbone = build(BACKBONE)
    pixels = torch.zeros(1, 3, *backbone.patch_embed.img_size)
    v = views.compare_view(BACKBONE, backbone, pixels, 0.7, None, {n: build(n) for n in views.partner_models(BACKBONE)})
    from vizcore.data.scenes import class_names
    assert all(r["prediction"] in class_names() for r in v.rows)  # a name, not an index
    assert not {"p", "class"} & set(v.rows[0])
    from vizcore.i18n import STRINGS
    for key in v.rows[0]:
        assert STRINGS[f"cmp.col.{key}"]["en"] and STRINGS[f"cmp.col.{key}"]["zh"], key
    assert set(v.label_keys) == {views.PLAIN, *R.reducer_names()}
