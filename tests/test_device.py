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


def test_small_passes_run_on_one_thread_and_the_count_comes_back(monkeypatch):
    import threading

    import torch

    from vizcore import device as dev
    monkeypatch.setattr(dev, "DEFAULT_THREADS", 2)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with dev.threads_for(0.05e9, "cpu") as n:
            assert n == 1 and torch.get_num_threads() == 1
            with dev.threads_for(0.05e9, "cpu") as inner:  # nested: finds one, changes nothing
                assert inner == 1
            assert torch.get_num_threads() == 1
            # a thread started now inherits one thread; its large pass still runs on the default
            seen = []

            def large():
                with dev.threads_for(dev.SINGLE_THREAD_MACS * 2, "cpu") as m:
                    seen.append((m, torch.get_num_threads()))

            worker = threading.Thread(target=large)
            worker.start()
            worker.join()
            assert seen == [(2, 2)]
        assert torch.get_num_threads() == 2
        with dev.threads_for(dev.SINGLE_THREAD_MACS * 2, "cpu") as n:  # large passes keep every thread
            assert n == 2 and torch.get_num_threads() == 2
        with dev.threads_for(0.05e9, "meta") as n:  # not the CPU: the default
            assert n == 2 and torch.get_num_threads() == 2
        try:
            with dev.threads_for(0.05e9, "cpu"):
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        assert torch.get_num_threads() == 2
        torch.set_num_threads(1)  # left at one by someone: a large pass restores the default, and leaves it
        with dev.threads_for(dev.SINGLE_THREAD_MACS * 2, "cpu") as n:
            assert n == 2
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_bundled_models_count_as_small_and_deit_small_as_large():
    from vizcore.device import SINGLE_THREAD_MACS
    from vizcore.models.registry import build_meta
    from vizcore.ui import macs_per_image
    assert macs_per_image(build_meta("bundled_dynamicvit")) < SINGLE_THREAD_MACS
    assert macs_per_image(build_meta("deit_small_patch16_224")) > SINGLE_THREAD_MACS
