"""The bench command on tiny models: JSON keys and internal consistency (never timings)."""
import json
import statistics

import pytest
import torch

from vizcore import bench
from vizcore.cli import main
from vizcore.models.tome import ToMe
from vizcore.models.vit import ViT

TINY = dict(img_size=32, patch_size=8, embed_dim=32, depth=2, num_heads=2, num_classes=5)


def _models():
    torch.manual_seed(0)
    a, b = ToMe(r=2, **TINY), ViT(**TINY)
    for m in (a, b):
        m.pretrained_cfg = {"input_size": (3, 32, 32)}
    return a, b


def test_compare_keys_and_ratio_consistency():
    a, b = _models()
    res = bench.compare(a, b, batch=2, pairs=5, warmup=1, names=("tome", "vit"))
    for key in ("a_img_s", "b_img_s", "ratio", "pairs", "device", "torch", "threads", "batch"):
        assert key in res
    assert res["batch"] == 2 and res["device"] == "cpu" and res["torch"] == torch.__version__
    assert len(res["pairs"]) == 5
    for p in res["pairs"]:
        # per pair, ratio = A's images/s over B's = B's seconds over A's
        assert p["ratio"] == pytest.approx(p["a_img_s"] / p["b_img_s"], rel=1e-9)
        assert p["ratio"] == pytest.approx(p["b_s"] / p["a_s"], rel=1e-9)
    assert res["ratio"] == round(statistics.median(p["ratio"] for p in res["pairs"]), 4)
    assert abs(res["a_img_s"] - 2 / statistics.median(p["a_s"] for p in res["pairs"])) < 1e-2 * res["a_img_s"]
    assert res["gmacs_ratio"] > 1  # ToMe does less work than the plain ViT


def test_trace_cost_keys():
    _, b = _models()
    res = bench.trace_cost(b, batch=1, pairs=5, warmup=1, clock="cpu")
    assert res["clock"] == "cpu"
    assert res["mode"] == "trace_cost" and res["batch"] == 1 and len(res["pairs"]) == 5
    for p in res["pairs"]:
        assert p["ratio"] == pytest.approx(p["trace_s"] / p["plain_s"], rel=1e-9)
    assert res["ratio"] == round(statistics.median(p["ratio"] for p in res["pairs"]), 4)


def test_cli_prints_json(capsys):
    opts = json.dumps({"img_size": 32})
    assert main(["bench", "--model", "deit_tiny_patch16_224", "--options", opts, "--vs", "deit_tiny_patch16_224",
                 "--vs-options", opts, "--batch", "2", "--pairs", "5", "--warmup", "1", "--device", "cpu",
                 "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["model"] == "deit_tiny_patch16_224" and res["vs"] == "deit_tiny_patch16_224"
    assert {"a_img_s", "b_img_s", "ratio", "pairs", "device", "torch", "threads", "batch"} <= set(res)
    assert main(["bench", "--model", "deit_tiny_patch16_224", "--options", opts, "--trace-cost", "--batch", "1",
                 "--pairs", "5", "--warmup", "1", "--device", "cpu", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["mode"] == "trace_cost" and res["ratio"] > 0
