"""The bundled models: cards agree with the code, weights load strictly, recorded accuracy reproduces."""
import json

import pytest

from vizcore.analysis.scene_figures import binomial_se
from vizcore.models.bundled import CONFIGS
from vizcore.models.registry import ASSETS, count_params, create_model, describe, get_spec, list_models

TRAINED = [n for n in CONFIGS if n in list_models() and get_spec(n).bundled_path.is_file()]


def test_assets_fit_the_budget():
    root = ASSETS.parent
    total = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    assert total <= 40 * 2**20, total / 2**20


def test_bundled_models_build_without_weights():
    from vizcore.models.registry import build
    for name in CONFIGS:
        if name in list_models():
            model = build(name)
            assert tuple(model.pretrained_cfg["input_size"]) == (3, 96, 96)
            assert model.pretrained_cfg["crop_pct"] == 1.0


@pytest.mark.skipif(not TRAINED, reason="no bundled weights trained yet")
@pytest.mark.parametrize("name", TRAINED)
def test_card_loads_and_reproduces_its_accuracy(name):
    from vizcore.analysis.evaluation import evaluate_model
    spec = get_spec(name)
    card = spec.card()
    assert card["name"] == name
    assert card["config"] == json.loads(json.dumps(CONFIGS[name])), "card and code disagree on the architecture"
    dc = card["data_config"]
    assert dc["crop_pct"] == 1.0 and list(dc["input_size"]) == [3, 96, 96]
    model = create_model(name, "bundled")  # strict load
    assert list(model.pretrained_cfg["input_size"]) == [3, 96, 96]
    assert card["params"] == count_params(model)
    assert abs(card["gmacs"] - describe(name)["gmacs"]) < 1e-3
    check = card["check"]
    res = evaluate_model(model, n=check["n"])
    tol = card["tolerance"]
    assert abs(res["top1"] - check["top1"]) <= tol, (res, check)
    if "keep_precision" in check:
        assert abs(res["keep_precision"] - check["keep_precision"]) <= tol, (res, check)
    # the first n scenes agree with the card's top-1 on the whole held-out split within sampling noise:
    # three binomial standard errors of a top-1 measured on n scenes
    p, n = card["top1"], check["n"]
    noise = 3 * binomial_se(p, n)
    assert abs(res["top1"] - p) <= noise, (res["top1"], p, noise)
