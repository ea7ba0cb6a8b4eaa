"""``python -m vizcore``: a user error is one line ``error: ...`` on stderr and exit 1, a usage error argparse's
exit 2, Ctrl-C exit 130; a traceback only with ``--debug``. And ``evaluate --wnids`` on an ImageNet-style folder."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import save_file

from vizcore import cli, train
from vizcore.analysis.evaluation import evaluate_model, folder_classes
from vizcore.models import registry

ROOT = Path(__file__).resolve().parents[1]


def run_cli(capsys, *argv: str) -> tuple[int, list[str], str]:
    """(exit status, stderr lines, stdout) of ``python -m vizcore argv`` run in this process."""
    try:
        code = cli.main(list(argv))
    except SystemExit as exit_:
        code = exit_.code
    out = capsys.readouterr()
    return code, out.err.splitlines(), out.out


def assert_one_line_error(code, err, expected: str) -> None:
    assert code == cli.EXIT_USER_ERROR, err
    assert len(err) == 1 and err[0].startswith("error: "), err
    assert expected in err[0], err
    assert "Traceback" not in err[0]


@pytest.fixture
def wrong_checkpoint(tmp_path) -> Path:
    path = tmp_path / "other.safetensors"
    save_file({"head.weight": torch.zeros(3, 4)}, str(path))
    return path


@pytest.mark.parametrize("argv, expected", [
    (["evaluate", "--model", "no_such_model"], "Unknown model 'no_such_model'"),
    (["evaluate", "--model", "bundled_vit", "--data", "scenes[:x]"], "scenes[:N]"),
    (["evaluate", "--model", "bundled_vit", "--data", "{tmp}/missing"], "no such folder"),
    (["evaluate", "--model", "bundled_vit", "--source", "file", "--checkpoint", "{tmp}/missing.pth"],
     "No checkpoint file"),
    (["evaluate", "--model", "bundled_vit", "--source", "file", "--checkpoint", "{checkpoint}", "--data", "scenes[:2]"],
     "does not fit"),
    (["evaluate", "--model", "bundled_vit", "--source", "nowhere", "--data", "scenes[:2]"], "Unknown source"),
    (["evaluate", "--model", "bundled_vit", "--wnids"], "--wnids"),
    (["models", "--family", "no_such_family"], "no family"),
    (["bench", "--model", "no_such_model", "--trace-cost"], "Unknown model"),
])
def test_user_errors_are_one_line(capsys, tmp_path, wrong_checkpoint, argv, expected):
    argv = [a.format(tmp=tmp_path, checkpoint=wrong_checkpoint) for a in argv]
    code, err, _ = run_cli(capsys, *argv)
    assert_one_line_error(code, err, expected)


def test_offline_hub_is_one_line(capsys, monkeypatch):
    monkeypatch.setattr(registry, "hub_reachable", lambda timeout=4.0: False)
    code, err, _ = run_cli(capsys, "evaluate", "--model", "deit_tiny_patch16_224", "--source", "hub")
    assert_one_line_error(code, err, "cannot be reached")


def test_imagenet_labels_need_wnid_folders_and_1000_outputs(capsys, tmp_path):
    (tmp_path / "cats").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "cats" / "a.png")
    code, err, _ = run_cli(capsys, "evaluate", "--model", "bundled_vit", "--source", "random", "--data",
                           str(tmp_path), "--wnids")
    assert_one_line_error(code, err, "'cats'")
    (tmp_path / "cats").rename(tmp_path / "n01443537")
    code, err, _ = run_cli(capsys, "evaluate", "--model", "bundled_vit", "--source", "random", "--data",
                           str(tmp_path), "--wnids")
    assert_one_line_error(code, err, "10 outputs")


def test_export_without_a_checkpoint_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="train it first"):
        train.export("bundled_vit", cache_dir=tmp_path, out_dir=tmp_path)


@pytest.mark.parametrize("argv", [
    ["evaluate"],                                                                  # --model missing
    ["evaluate", "--model", "bundled_vit", "--options", "{r: 8}"],                 # not JSON
    ["evaluate", "--model", "bundled_vit", "--options", "[8]"],                    # not an object
    ["evaluate", "--model", "bundled_vit", "--reducer", "no_such_reducer"],
    ["bench", "--model", "bundled_vit", "--vs", "bundled_vit", "--pairs", "3"],
    ["bench", "--model", "bundled_vit"],                                           # --vs or --trace-cost
    ["train", "no_such_recipe"],
    ["no_such_command"],
])
def test_usage_errors_exit_2(capsys, argv):
    code, err, _ = run_cli(capsys, *argv)
    assert code == 2
    assert err and err[0].startswith("usage:") and ": error: " in err[-1]
    assert not any("Traceback" in line for line in err)


@pytest.mark.parametrize("argv", [["--debug", "evaluate", "--model", "no_such_model"],
                                  ["evaluate", "--model", "no_such_model", "--debug"]])
def test_debug_shows_the_traceback(capsys, argv):
    code, err, _ = run_cli(capsys, *argv)
    assert code == 1
    assert err[0] == "Traceback (most recent call last):" and "KeyError" in "\n".join(err)
    assert err[-1].startswith("error: Unknown model 'no_such_model'")


def test_interrupt_exits_130(capsys, monkeypatch):
    def interrupted(family=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "list_models", interrupted)
    code, err, _ = run_cli(capsys, "models")
    assert code == cli.EXIT_INTERRUPTED == 130 and err == ["error: interrupted"]


def test_a_bug_keeps_its_traceback(monkeypatch):
    def broken(family=None):
        raise RuntimeError("a bug, not the user's mistake")

    monkeypatch.setattr(cli, "list_models", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        cli.main(["models"])


def test_one_line():
    assert cli.one_line(KeyError("Unknown model 'x'.")) == "Unknown model 'x'."
    assert cli.one_line(ValueError("first\n  second\n")) == "first second"
    assert cli.one_line(ValueError()) == "ValueError"


def test_python_m_vizcore_prints_one_line():
    proc = subprocess.run([sys.executable, "-m", "vizcore", "evaluate", "--model", "no_such_model"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.splitlines() == [proc.stderr.strip()] and proc.stderr.startswith("error: Unknown model")


# ------------------------------------------------------------------------------------------ --wnids
class ColourModel(torch.nn.Module):
    """1000 ImageNet outputs: predicts class 1 (goldfish, n01443537) for a reddish image, 999 (toilet tissue,
    n15075141) for a bluish one."""

    num_classes = 1000

    def __init__(self):
        super().__init__()
        self.pretrained_cfg = {"input_size": (3, 16, 16), "interpolation": "bilinear", "crop_pct": 1.0,
                               "mean": (0.5, 0.5, 0.5), "std": (0.5, 0.5, 0.5)}

    def forward(self, x):  # (B, 3, H, W) -> (B, 1000)
        red = x[:, 0].mean((1, 2)) > x[:, 2].mean((1, 2))
        logits = torch.zeros(len(x), 1000)
        logits[red, 1] = 1.0
        logits[~red, 999] = 1.0
        return logits

    def analytic_macs(self):
        return [1], [0.0], 0.0


@pytest.fixture
def wnid_folder(tmp_path) -> Path:
    """An ImageFolder whose class folders are real ImageNet wnids: two red images of goldfish, two blue of
    toilet tissue."""
    for wnid, colour in (("n01443537", (220, 20, 20)), ("n15075141", (20, 20, 220))):
        (tmp_path / wnid).mkdir()
        for i in range(2):
            Image.fromarray(np.full((20, 20, 3), colour, np.uint8)).save(tmp_path / wnid / f"{i}.png")
    return tmp_path


def test_wnid_folders_map_to_imagenet_classes(wnid_folder):
    assert folder_classes(wnid_folder) == {"n01443537": 0, "n15075141": 1}
    assert folder_classes(wnid_folder, wnids=True, num_outputs=1000) == {"n01443537": 1, "n15075141": 999}
    model = ColourModel()
    assert evaluate_model(model, data=str(wnid_folder), wnids=True)["top1"] == 1.0
    assert evaluate_model(model, data=str(wnid_folder))["top1"] == 0.0  # sorted order: labels 0 and 1


def test_evaluate_wnids_on_the_command_line(capsys, monkeypatch, wnid_folder):
    spec = registry.ModelSpec(name="colour_test", family="test", builder=ColourModel)
    registry.list_models()  # the families first, so the test model goes in beside them
    monkeypatch.setitem(registry._REGISTRY, spec.name, spec)
    code, err, out = run_cli(capsys, "evaluate", "--model", "colour_test", "--source", "random", "--data",
                             str(wnid_folder), "--wnids", "--json")
    assert code == 0, err
    assert '"top1": 1.0' in out and '"n": 4' in out and '"classes": 2' in out
