"""The reducer registry: every spec keeps its contract, consumers only iterate over it, and no page or
analysis names a reducer (a new reducer is one file in vizcore/models/ plus its test and locale entries)."""
import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from vizcore.evaluate import make_reducer, reducer_choice
from vizcore.i18n import STRINGS
from vizcore.models import reducer_registry as R
from vizcore.models.registry import build_meta, get_spec
from vizcore.models.vit import TokenReducer, ViT
from vizcore.trace import STAGE_KINDS

ROOT = Path(__file__).resolve().parents[1]
SPECS = R.list_reducers()
FAMILIES = {"learned", "prune", "fuse", "merge", "sample"}
TINY = dict(img_size=(48, 64), patch_size=8, embed_dim=64, depth=6, num_heads=4, num_classes=10)  # 6 x 8 grid

#: files that may name a reducer besides its own module, its locale entries (vizcore/locale/, the catalogue in
#: vizcore/i18n.py) and the model registry's import order: the DynamicViT family has a page, a training recipe,
#: a bundled model and page analyses of its own; random drop is DynamicViT's schedule without the predictor
ALLOWED = {
    "dynamicvit": {"pages/dynamicvit.py", "vizcore/views/dynamicvit.py", "pages/home.py", "vizcore/analysis/reduction.py",
                   "vizcore/bench_ui.py", "vizcore/models/bundled.py", "vizcore/models/random_drop.py", "vizcore/train.py",
                   "vizcore/render.py",  # render draws the DynamicViT page's figures, as that page does
                   "vizcore/views/address.py",  # the DynamicViT page's address fields
                   "vizcore/load.py", "vizcore/load_common.py"},  # the load generator visits every page by its name
    "evit": {"vizcore/models/bundled.py"},  # the bundled model fine-tuned with it
}
ALWAYS = {"vizcore/i18n.py", "vizcore/models/registry.py"}


def own_file(spec) -> str:
    return str(Path(sys.modules[spec.make.__module__].__file__).resolve().relative_to(ROOT))


def tiny_vit(seed=0) -> ViT:
    torch.manual_seed(seed)
    return ViT(**TINY).eval()


def test_the_known_reducers_are_registered_in_order():
    names = R.reducer_names()
    assert names[:4] == ["dynamicvit", "evit", "tome", "random_drop"]
    assert R.reducer_names(training_free=False) == ["dynamicvit"]
    assert len(set(names)) == len(names)
    with pytest.raises(KeyError, match="Unknown reducer"):
        R.get_reducer("nope")
    assert R.find_reducer("plain") is None and R.find_reducer("t2t") is None


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_spec_contract(spec):
    assert spec.family in FAMILIES and re.fullmatch(r"#[0-9A-Fa-f]{6}", spec.colour)
    for key in (spec.label_key, spec.about_key, spec.setting.label_key):
        assert STRINGS[key]["en"] and STRINGS[key].get("zh"), key  # translated
    s = spec.setting
    assert s.low <= s.default <= s.high and s.step > 0
    assert spec.label(s.default).startswith(spec.tag + " ")
    assert own_file(spec).startswith("vizcore/models/")
    if not spec.training_free:  # its trained models exist and share a plain backbone's configuration
        assert R.list_models(spec.model_family)
        assert R.model_for(spec, "deit_small_patch16_224") in R.list_models(spec.model_family)
    for p in spec.published:
        assert p.source and 0 < p.top1 < 100
    # the grid spends the budgets from low to high: settings never repeat, costs follow the budget
    meta = build_meta("bundled_vit")
    locs = R.pruning_locations("bundled_vit")
    grid = spec.grid(meta, locs)
    assert len(grid) == len(set(grid)) >= 3
    if spec.training_free:
        totals = [R.tokens_total(meta, spec.make(meta, v, locs)) for v in grid]
        assert totals == sorted(totals)  # the budgets rise with rho: so does the token total
        if s.match is not None and not s.is_keep_ratio:  # a setting the grid matches to the budget spends it
            assert abs(totals[0] - R.budget_tokens(meta, R.BUDGETS[0], locs)) <= 0.05 * totals[0]


@pytest.mark.parametrize("spec", [s for s in SPECS if s.training_free], ids=lambda s: s.name)
def test_training_free_reducers_run_on_a_plain_vit(spec):
    model = tiny_vit()
    x = torch.randn(2, 3, 48, 64, generator=torch.Generator().manual_seed(0))
    locs = R.default_locations(len(model.blocks))
    setting = spec.matched(model, 0.5, locs)
    reducer = spec.make(model, setting, locs)
    assert isinstance(reducer, TokenReducer) and not reducer.is_identity
    with torch.inference_mode():
        out = model.forward_trace(x, reducer=reducer)
        plain = model.forward_trace(x)
    out.trace.validate(batch=2)
    assert out.trace.tokens_per_layer == model.analytic_macs(reducer=reducer)[0]
    assert out.trace.tokens_per_layer[-1] < plain.trace.tokens_per_layer[-1]
    assert out.trace.stages and {s.kind for s in out.trace.stages} <= set(STAGE_KINDS)
    assert model.reducer.is_identity  # the shared model is never changed


def test_budget_tokens_is_dynamicvits_schedule():
    meta = build_meta("dynamicvit_deit_small")
    assert R.budget_tokens(meta, 0.7, (3, 6, 9)) == sum(meta.analytic_macs()[0])
    assert R.budget_tokens(meta, 0.7, (3, 6, 9)) == 3 * 197 + 3 * 138 + 3 * 97 + 3 * 68


def test_partners_and_locations_come_from_the_model_registry():
    assert R.partner_model("bundled_vit", "dynamicvit") == "bundled_dynamicvit"
    assert R.partner_model("deit_base_patch16_224", "dynamicvit") == "dynamicvit_deit_base"
    assert R.partner_model("deit_tiny_patch16_224", "dynamicvit") is None
    assert R.pruning_locations("bundled_vit") == tuple(build_meta("bundled_dynamicvit").pruning_loc) == (2, 3, 4)
    assert R.pruning_locations("deit_tiny_patch16_224") == (3, 6, 9)  # no partner: a quarter, half, three quarters
    assert R.partner_model("poolformer_s12", "dynamicvit") is None


def test_evit_runs_on_its_bundled_fine_tuned_partner_and_on_imagenet_backbones_as_they_are(tmp_path, monkeypatch):
    from vizcore.models.registry import get_spec
    evit = R.get_reducer("evit")
    assert evit.training_free and evit.tuned_family == "evit"
    assert R.partner_model("bundled_vit", "evit") == "bundled_evit"
    assert R.partner_model("deit_small_patch16_224", "evit") == "evit_deit_small"
    assert R.model_for(evit, "deit_small_patch16_224") == "deit_small_patch16_224"  # no bundled partner there
    assert R.model_for(R.get_reducer("tome"), "bundled_vit") == "bundled_vit"
    if "bundled" in get_spec("bundled_evit").sources:
        assert R.model_for(evit, "bundled_vit") == "bundled_evit"
    cls = type(get_spec("bundled_evit"))
    real = cls.bundled_path
    monkeypatch.setattr(cls, "bundled_path", property(
        lambda self: tmp_path / "absent.safetensors" if self.name == "bundled_evit" else real.fget(self)))
    assert "bundled" in get_spec("bundled_vit").sources and "bundled" not in get_spec("bundled_evit").sources
    assert R.model_for(evit, "bundled_vit") == "bundled_vit"  # before it is trained: the backbone


def test_evaluate_builds_any_training_free_reducer_and_refuses_the_others():
    meta = build_meta("bundled_vit")
    for name in R.reducer_names(training_free=True):
        assert reducer_choice(name) == name
        reducer = make_reducer(name, meta, None, None, model_name="bundled_vit")
        spec = R.get_reducer(name)
        assert reducer == spec.make(meta, spec.setting.default, (2, 3, 4) if spec.uses_locations else ())
    with pytest.raises(argparse.ArgumentTypeError, match="choose from"):
        reducer_choice("dynamicvit")
    with pytest.raises(ValueError, match="own trained model"):
        make_reducer("dynamicvit", meta)


def test_the_command_line_lists_the_reducers():
    out = subprocess.run([sys.executable, "-m", "vizcore", "reducers", "--json"], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    rows = {r["name"]: r for r in json.loads(out.stdout)}
    assert list(rows) == R.reducer_names()
    assert rows["tome"]["setting"]["matched_to_budget"] and rows["evit"]["setting"]["matched_to_budget"]
    assert not rows["random_drop"]["setting"]["matched_to_budget"]  # its schedule is the budget
    assert "bundled_dynamicvit" in rows["dynamicvit"]["models"] and rows["dynamicvit"]["published"]


def _python_files():
    for folder in ("vizcore", "pages"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_no_page_or_analysis_names_a_reducer(spec):
    """Outside its own module, its locale entries and the registries, a reducer's identifier (and its module)
    appears nowhere in vizcore/ and pages/: every consumer iterates over the reducer registry."""
    allowed = {own_file(spec), *ALWAYS, *ALLOWED.get(spec.name, ())}
    module = spec.make.__module__
    word = re.compile(rf"\b{re.escape(spec.name)}\b|{re.escape(module)}\b")
    hits = [f"{rel}:{i}: {line.strip()}" for rel, text in _python_files()
            if rel not in allowed and not rel.startswith("vizcore/locale/")
            for i, line in enumerate(text.splitlines(), 1) if word.search(line)]
    assert not hits, "\n".join(hits)


def test_the_grep_can_fail(tmp_path):
    """The check above finds a reducer named in a consumer (so it is not toothless)."""
    spec = R.get_reducer("evit")
    word = re.compile(rf"\b{re.escape(spec.name)}\b")
    assert word.search('for method in ("random_drop", "evit"):') and not word.search("EViTReducer, evit_deit_small")
