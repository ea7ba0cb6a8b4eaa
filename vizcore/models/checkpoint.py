"""Safe checkpoint loading: safetensors, or torch.load(weights_only=True); strict loads with a readable report."""
from __future__ import annotations

import io
import os
import pickle
from dataclasses import dataclass
from typing import Callable

import torch
from safetensors.torch import load as st_load, load_file

#: keys under which official repos nest the weights, most preferred first
NESTED_KEYS = ("model", "state_dict_ema", "state_dict", "model_ema", "module")


class CheckpointError(ValueError):
    """A checkpoint that cannot be loaded; the message is one readable paragraph for the user."""


def read_checkpoint(source: str | os.PathLike | bytes) -> dict:
    """Load a checkpoint file (path or raw bytes) without running any code from it.

    ``.safetensors`` files are read with safetensors; anything else with ``torch.load(weights_only=True)``,
    which refuses pickles that would construct arbitrary objects.
    """
    data = source if isinstance(source, bytes) else None
    name = "upload" if data is not None else os.fspath(source)
    if data is None and not os.path.isfile(name):
        raise CheckpointError(f"No checkpoint file at '{name}'.")
    head = data[:16] if data is not None else open(name, "rb").read(16)
    if not head:
        raise CheckpointError("The checkpoint file is empty.")
    if name.endswith(".safetensors") or _looks_like_safetensors(head):
        try:
            return st_load(data) if data is not None else load_file(name)
        except Exception as err:  # noqa: BLE001 - any parse failure is a bad file for the user
            raise CheckpointError(f"'{os.path.basename(name)}' is not a valid safetensors file ({err}).") from err
    try:
        return torch.load(io.BytesIO(data) if data is not None else name, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        raise CheckpointError(
            f"Refused '{os.path.basename(name)}': it is a pickle that would run code or build objects other "
            "than tensors when loaded. Only weights are accepted — convert it to safetensors, or load it "
            "yourself if you trust its origin.") from err
    except Exception as err:  # noqa: BLE001
        raise CheckpointError(f"'{os.path.basename(name)}' is not a PyTorch checkpoint ({type(err).__name__}: "
                              f"{str(err).splitlines()[0] if str(err) else 'unreadable'}).") from err


def _looks_like_safetensors(head: bytes) -> bool:
    # 8-byte little-endian header length followed by a JSON object
    return len(head) >= 9 and head[8:9] == b"{"


def extract_state_dict(obj) -> dict[str, torch.Tensor]:
    """The tensor dict inside an official checkpoint: unwraps ``model`` / ``state_dict_ema`` /
    ``state_dict`` and strips ``module.`` prefixes (DataParallel)."""
    while isinstance(obj, dict) and not _is_tensor_dict(obj):
        for key in NESTED_KEYS:
            if key in obj and isinstance(obj[key], dict):
                obj = obj[key]
                break
        else:
            raise CheckpointError("The checkpoint holds no weights under any of: " + ", ".join(NESTED_KEYS) + ".")
    if not isinstance(obj, dict):
        raise CheckpointError("The checkpoint holds no dictionary of weights.")
    state = {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    return state


def _is_tensor_dict(d: dict) -> bool:
    return bool(d) and any(isinstance(v, torch.Tensor) for v in d.values())


@dataclass
class LoadReport:
    missing: list[str]
    unexpected: list[str]
    mismatched: list[str]

    @property
    def ok(self) -> bool:
        return not (self.missing or self.unexpected or self.mismatched)

    def __str__(self) -> str:
        if self.ok:
            return "All keys matched."

        def part(title, keys):
            if not keys:
                return ""
            shown = ", ".join(keys[:6]) + (f" … (+{len(keys) - 6} more)" if len(keys) > 6 else "")
            return f"{len(keys)} {title}: {shown}. "

        return (part("missing", self.missing) + part("unexpected", self.unexpected)
                + part("with the wrong shape", self.mismatched)).strip()


def load_strict(model: torch.nn.Module, state: dict[str, torch.Tensor],
                key_map: Callable[[dict], dict] | None = None, assign: bool = False) -> LoadReport:
    """Load ``state`` into ``model`` strictly after an optional key mapping; raise CheckpointError
    with a readable report of missing / unexpected / mis-shaped keys on any mismatch.

    ``assign`` puts the checkpoint's tensors in place of the model's (for a model built on the meta
    device: no random init to throw away); they are cast to the model's dtypes first."""
    if key_map is not None:
        state = key_map(state)
    own = model.state_dict()
    missing = sorted(k for k in own if k not in state)
    unexpected = sorted(k for k in state if k not in own)
    mismatched = sorted(f"{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}"
                        for k in own if k in state and state[k].shape != own[k].shape)
    report = LoadReport(missing, unexpected, mismatched)
    if not report.ok:
        raise CheckpointError(f"The checkpoint does not fit {type(model).__name__}: {report}")
    state = {k: v.to(own[k].dtype) if v.dtype != own[k].dtype else v for k, v in state.items()}
    model.load_state_dict(state, strict=True, assign=assign)
    return report
