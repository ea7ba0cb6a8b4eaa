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


@contextmanager
def threads_for(macs: float, device: torch.device | str = "cpu") -> Iterator[int]:
    """Run the block on one CPU thread when a pass costs fewer than :data:`SINGLE_THREAD_MACS`; otherwise
    (or off the CPU) leave torch's thread count alone. Yields the thread count in effect.

    torch's count is process-wide: a block that finds it already at one (another one running) changes
    nothing, so no block can leave it lowered."""
    before = torch.get_num_threads()
    if torch.device(device).type != "cpu" or macs >= SINGLE_THREAD_MACS or before == 1:
        yield before
        return
    torch.set_num_threads(1)
    try:
        yield 1
    finally:
        torch.set_num_threads(before)
