import pytest
import torch

from vizcore import device


def test_auto_picks_best_available(monkeypatch):
    monkeypatch.delenv(device.ENV_VAR, raising=False)
    assert device.pick_device().type == device.available_devices()[0]
    assert device.available_devices()[-1] == "cpu"


def test_env_override(monkeypatch):
    monkeypatch.setenv(device.ENV_VAR, "cpu")
    assert device.pick_device() == torch.device("cpu")
    monkeypatch.setenv(device.ENV_VAR, "auto")
    assert device.pick_device().type == device.available_devices()[0]


def test_cuda_preferred_when_present(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.delenv(device.ENV_VAR, raising=False)
    assert device.available_devices()[0] == "cuda"
    assert device.pick_device().type == "cuda"


@pytest.mark.parametrize("bad", ["tpu", "gpu7", "cuda:abc"])
def test_bad_device_names_are_clear(bad):
    with pytest.raises(ValueError, match="device|Device"):
        device.pick_device(bad)


def test_unavailable_device_is_refused(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="not available"):
        device.pick_device("cuda")


def test_device_info_names_torch():
    info = device.device_info("cpu")
    assert info.device == "cpu" and info.torch_version == torch.__version__ and info.threads >= 1
