import io
import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from vizcore.models import registry
from vizcore.models.checkpoint import (
    CheckpointError,
    extract_state_dict,
    read_checkpoint,
)


def test_cli_models_json():
    out = subprocess.run([sys.executable, "-m", "vizcore", "models", "--json"], capture_output=True, text=True,
                         check=True, timeout=300)
    rows = json.loads(out.stdout)
    names = {r["name"] for r in rows}
    assert {"deit_tiny_patch16_224", "deit_small_patch16_224", "deit_base_patch16_224"} <= names
    for r in rows:
        assert isinstance(r["params"], int) and r["params"] > 0
        assert isinstance(r["gmacs"], float) and r["gmacs"] > 0
        assert r["tokens_per_layer"] and all(isinstance(t, int) for t in r["tokens_per_layer"])
        assert "random" in r["sources"] and "file" in r["sources"]
    deit_s = next(r for r in rows if r["name"] == "deit_small_patch16_224")
    assert abs(deit_s["gmacs"] - 4.6) <= 0.05  # published DeiT-S figure
    assert deit_s["tokens_per_layer"] == [197] * 12
    assert "hub" in deit_s["sources"]


def test_unknown_model_and_source():
    with pytest.raises(KeyError, match="Unknown model"):
        registry.get_spec("no_such_model")
    with pytest.raises(ValueError, match="Unknown source"):
        registry.create_model("deit_tiny_patch16_224", "cloud")
    with pytest.raises(ValueError, match="cannot load from 'bundled'"):
        registry.create_model("deit_tiny_patch16_224", "bundled")


@pytest.mark.parametrize("url", ["https://127.0.0.1:9/", "https://10.255.255.1/", "https://hub.invalid/"])
def test_offline_hub_fails_fast_and_clearly(monkeypatch, url):
    monkeypatch.setattr(registry, "HUB_URL", url)
    start = time.monotonic()
    with pytest.raises(registry.HubUnavailable, match="cannot be reached"):
        registry.create_model("deit_tiny_patch16_224", "hub")
    assert time.monotonic() - start < 10


def test_random_source_is_seeded_and_in_eval_mode():
    a = registry.create_model("deit_tiny_patch16_224", "random", seed=1)
    b = registry.create_model("deit_tiny_patch16_224", "random", seed=1)
    assert not a.training
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    assert a.pretrained_cfg["input_size"] == (3, 224, 224)


def _save(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def test_file_source_with_nesting_and_module_prefix():
    ref = registry.build("deit_tiny_patch16_224", seed=5)
    state = {f"module.{k}": v for k, v in ref.state_dict().items()}
    data = _save({"state_dict_ema": state, "optimizer": {"lr": torch.tensor(0.1)}, "epoch": 3})
    loaded = registry.create_model("deit_tiny_patch16_224", "file", checkpoint=data)
    for k, v in ref.state_dict().items():
        assert torch.equal(loaded.state_dict()[k], v)


def test_wrong_checkpoint_reports_keys():
    small = registry.build("deit_small_patch16_224").state_dict()
    with pytest.raises(CheckpointError) as err:
        registry.create_model("deit_tiny_patch16_224", "file", checkpoint=_save({"model": small}))
    assert "wrong shape" in str(err.value) and "blocks.0.attn.qkv.weight" in str(err.value)
    partial = dict(registry.build("deit_tiny_patch16_224").state_dict())
    partial.pop("head.weight")
    partial["extra.weight"] = torch.zeros(1)
    with pytest.raises(CheckpointError, match=r"1 missing: head.weight.*1 unexpected: extra.weight"):
        registry.create_model("deit_tiny_patch16_224", "file", checkpoint=_save(partial))


class Evil:
    def __reduce__(self):
        return (print, ("this would run code",))


def test_malicious_pickle_is_refused(tmp_path):
    path = tmp_path / "evil.pth"
    with open(path, "wb") as f:
        pickle.dump({"model": Evil()}, f)
    with pytest.raises(CheckpointError, match="Refused"):
        read_checkpoint(str(path))
    with pytest.raises(CheckpointError, match="Refused"):
        read_checkpoint(_save({"model": {"w": torch.zeros(1)}, "cfg": Evil()}))


def test_safetensors_and_garbage(tmp_path):
    from safetensors.torch import save_file
    path = tmp_path / "w.safetensors"
    save_file({"a": torch.ones(2)}, str(path))
    assert torch.equal(read_checkpoint(str(path))["a"], torch.ones(2))
    with pytest.raises(CheckpointError):
        read_checkpoint(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match="empty"):
        read_checkpoint(b"")
    with pytest.raises(CheckpointError, match="No checkpoint"):
        read_checkpoint(str(tmp_path / "missing.pth"))
    with pytest.raises(CheckpointError, match="no weights"):
        extract_state_dict({"epoch": 3})


def test_registry_loads_completely_when_two_threads_ask_at_once():
    """The app warms up in a background thread while the first page lists models: neither may see a
    half-filled registry."""
    code = ("import threading\nfrom vizcore.models import registry\nseen = []\nbarrier = threading.Barrier(2)\n"
            "def ask():\n    barrier.wait()\n    seen.append(len(registry.list_models()))\n"
            "threads = [threading.Thread(target=ask) for _ in range(2)]\n[t.start() for t in threads]\n"
            "[t.join() for t in threads]\nprint(seen)\n")
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], check=False, cwd=root, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(root)})
    seen = eval(out.stdout.strip().splitlines()[-1])
    assert len(seen) == 2 and seen[0] == seen[1] > 10, (out.stdout, out.stderr[-2000:])
