"""Pick the compute device: cuda > mps > cpu, overridable with ``VIZCORE_DEVICE``."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch

ENV_VAR = "VIZCORE_DEVICE"


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def available_devices() -> list[str]:
    """Device kinds usable on this machine, best first."""
    found = []
    if torch.cuda.is_available():
        found.append("cuda")
    if _mps_available():
        found.append("mps")
    found.append("cpu")
    return found


def pick_device(preferred: str | None = None) -> torch.device:
    """``preferred`` (or $VIZCORE_DEVICE) if usable, else the best available device.

    Raises ValueError for a device string torch does not understand or that is not available here.
    """
    choice = preferred or os.environ.get(ENV_VAR, "").strip() or None
    if choice is None or choice == "auto":
        return torch.device(available_devices()[0])
    try:
        dev = torch.device(choice)
    except RuntimeError as err:
        raise ValueError(f"Unknown device '{choice}': use cpu, cuda, cuda:N, mps or auto.") from err
    if dev.type not in available_devices():
        raise ValueError(f"Device '{choice}' is not available here; available: {', '.join(available_devices())}.")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ValueError(f"Device '{choice}' does not exist; this machine has {torch.cuda.device_count()} GPU(s).")
    return dev


@dataclass(frozen=True)
class DeviceInfo:
    device: str
    name: str
    torch_version: str
    threads: int


def device_info(device: torch.device | str | None = None) -> DeviceInfo:
    """Human-readable facts for the sidebar."""
    dev = torch.device(device) if device is not None else pick_device()
    if dev.type == "cuda":
        name = torch.cuda.get_device_name(dev)
    elif dev.type == "mps":
        name = "Apple GPU (MPS)"
    else:
        name = "CPU"
    return DeviceInfo(str(dev), name, torch.__version__, torch.get_num_threads())


#: below this many multiply-accumulates per forward pass, a CPU pass runs on one thread. Its operations are
#: too small to split, and threads that wait on each other cost most when the machine is busy (the browser
#: drawing beside the server). Measured on a 2-core CPU: the bundled DynamicViT (0.05 GMACs) 5.9 ms on one
#: thread vs 8.7 ms on two, 5.3 vs 15.3 ms with the other core busy; DeiT-S (4.6 GMACs) keeps every thread.
SINGLE_THREAD_MACS = 0.5e9
#: torch's thread count when vizcore was imported: what every pass but a small CPU one runs with
DEFAULT_THREADS = torch.get_num_threads()


@contextmanager
def threads_for(macs: float, device: torch.device | str = "cpu") -> Iterator[int]:
    """Run the block on one CPU thread when a CPU pass costs fewer than :data:`SINGLE_THREAD_MACS`, else on
    :data:`DEFAULT_THREADS`. Yields the thread count in effect.

    With OpenMP the count belongs to each thread, and a new thread starts from the count last set anywhere:
    so a large pass sets the default back explicitly (a thread started while a small pass ran elsewhere
    would otherwise stay on one), and every block that changed the count leaves the default behind."""
    small = torch.device(device).type == "cpu" and macs < SINGLE_THREAD_MACS
    want = 1 if small else DEFAULT_THREADS
    if torch.get_num_threads() == want:
        yield want
        return
    torch.set_num_threads(want)
    try:
        yield want
    finally:
        torch.set_num_threads(DEFAULT_THREADS)
