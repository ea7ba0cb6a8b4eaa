"""Safe checkpoint loading: safetensors, or torch.load(weights_only=True); strict loads with a readable report.

Files from visitors are untrusted: ``load_state_dict`` parses them in a separate process with a time and a
memory limit, walks what the pickle built with a depth and node limit and cycle detection, and hands back
only a flat dict of tensors (as safetensors bytes: nothing the parent parses can run code or loop).
A thread that loops cannot be stopped; a process can be killed, so the worker is a process (Unix).
"""
from __future__ import annotations

import importlib
import io
import os
import pickle
import pickletools
import re
import resource
import select
import subprocess
import sys
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from typing import Callable

import torch
from torch import _weights_only_unpickler
from safetensors.torch import load as st_load, load_file, save as st_save

#: keys under which official repos nest the weights, most preferred first
NESTED_KEYS = ("model", "state_dict_ema", "state_dict", "model_ema", "module")
#: the deepest nesting and the most containers plus entries a checkpoint's structure may have
MAX_DEPTH = 32
MAX_NODES = 200_000
#: seconds a checkpoint may take to load in the worker (a 350 MB ViT-B file takes a few), and to start it
LOAD_TIMEOUT_S = 60.0
START_TIMEOUT_S = 120.0
#: memory the worker may take beyond what it starts with: this plus four times the file's size
WORKER_MEMORY_BYTES = 1 << 30


class CheckpointError(ValueError):
    """A checkpoint that cannot be loaded; the message is one readable line for the user."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


def _display_name(name: str | os.PathLike | None) -> str:
    """The file's name as a message shows it: its base name, at most 80 characters."""
    text = os.path.basename(os.fspath(name)) if name else "the checkpoint"
    return text if len(text) <= 80 else text[:60] + "…" + text[-12:]


_MAGIC = ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
          (b"II*\x00", "a TIFF image"), (b"MM\x00*", "a TIFF image"), (b"%PDF", "a PDF document"),
          (b"\x1f\x8b", "a gzip archive"), (b"7z\xbc\xaf", "a 7-Zip archive"), (b"\x7fELF", "a program (ELF)"),
          (b"\x93NUMPY", "a NumPy array file"), (b"\x89HDF", "an HDF5 file (Keras?)"))


def what_it_is(head: bytes) -> str | None:
    """None when ``head`` (the file's first bytes) starts like a checkpoint (safetensors, PyTorch zip,
    pickle), else a few words saying what the file is: "a text file", "a PNG image", "random bytes"."""
    if _looks_like_safetensors(head) or head.startswith(b"PK\x03\x04") or (
            head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05")):
        return None
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "a WebP image"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(b"PK"):
        return "a zip archive"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as err:  # a multi-byte character cut at the end of the head is still text
        text = head[:err.start].decode("utf-8") if err.start >= len(head) - 3 else ""
    if text and sum(ch.isprintable() or ch in "\r\n\t" for ch in text) >= 0.95 * len(text):
        return "a text file"
    return "random bytes (no safetensors, PyTorch or pickle header)"


def read_checkpoint(source: str | os.PathLike | bytes, name: str | None = None) -> dict:
    """Load a checkpoint file (path or raw bytes) without running any code from it.

    ``.safetensors`` files are read with safetensors; anything else with ``torch.load(weights_only=True)``,
    which refuses pickles that would construct arbitrary objects. ``name`` is the file's name for messages
    (default: the path's base name). Runs in the calling process: for untrusted files use ``load_state_dict``.
    """
    data = bytes(source) if isinstance(source, (bytes, bytearray, memoryview)) else None
    path = None if data is not None else os.fspath(source)
    shown = _display_name(name or path)
    if data is None:
        try:
            with open(path, "rb") as f:
                head = f.read(4096)
        except FileNotFoundError:
            raise CheckpointError(f"No checkpoint file at '{shown}'.") from None
        except IsADirectoryError:
            raise CheckpointError(f"'{shown}' is a folder, not a checkpoint file.") from None
        except (OSError, ValueError) as err:
            raise CheckpointError(f"Cannot read '{shown}': {getattr(err, 'strerror', None) or err}.") from None
    else:
        head = data[:4096]
    if not head:
        raise CheckpointError(f"'{shown}' is empty.")
    kind = what_it_is(head)
    if kind is not None:
        raise CheckpointError(f"'{shown}' is not a checkpoint: it is {kind}.")
    if (path or shown).endswith(".safetensors") or _looks_like_safetensors(head):
        try:
            return st_load(data) if data is not None else load_file(path)
        except Exception as err:  # noqa: BLE001 - any parse failure is a bad file for the user
            raise CheckpointError(f"'{shown}' is not a valid safetensors file ({_first_line(err)}).") from None
    try:
        return torch.load(io.BytesIO(data) if data is not None else path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        calls = _foreign_globals(data if data is not None else path)
        if calls:
            raise CheckpointError(
                f"Refused '{shown}': it is a pickle that would run code or build objects other than tensors "
                f"when loaded (it would call {', '.join(calls[:3])}). Only weights are accepted: convert it to "
                "safetensors, or load it yourself if you trust its origin.") from None
        raise CheckpointError(f"'{shown}' is not a checkpoint: its pickle is damaged or of an unsupported kind "
                              f"({_first_line(err)}).") from None
    except MemoryError:
        raise CheckpointError(f"'{shown}' needs more memory to load than Token Lab allows.") from None
    except Exception as err:  # noqa: BLE001
        if "zip archive" in str(err) or "PytorchStreamReader" in str(err):
            raise CheckpointError(f"'{shown}' is not a checkpoint: it is a damaged or truncated PyTorch file "
                                  "(its zip archive cannot be read).") from None
        raise CheckpointError(f"'{shown}' is not a PyTorch checkpoint ({type(err).__name__}: "
                              f"{_first_line(err)}).") from None


def _foreign_globals(source: bytes | str, limit: int = 64 * 2**20) -> list[str]:
    """The functions and classes a pickle (raw, or the data.pkl inside a PyTorch zip) names that
    ``torch.load(weights_only=True)`` would not allow: found by reading its opcodes, never by running it."""
    try:
        raw = source if isinstance(source, bytes) else open(source, "rb").read(limit)
        if raw.startswith(b"PK"):
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                member = next(n for n in archive.namelist() if n.endswith("data.pkl"))
                if archive.getinfo(member).file_size > limit:
                    return []
                raw = archive.read(member)
        allowed = set(_allowed_globals())
        found, strings = [], []
        for op, arg, _ in pickletools.genops(raw):
            if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8"):
                strings = (strings + [arg])[-2:]
            elif op.name in ("GLOBAL", "INST"):
                found.append(str(arg).replace(" ", "."))
            elif op.name == "STACK_GLOBAL" and len(strings) == 2:
                found.append(".".join(strings))
        foreign = [g for g in dict.fromkeys(found) if g not in allowed and not g.startswith("torch.")]
        return [g.removeprefix("builtins.").removeprefix("__builtin__.") for g in foreign]
    except Exception:  # noqa: BLE001 - a pickle too broken to read names nothing
        return []


def _allowed_globals() -> list[str]:
    try:  # torch's private allowlist: may move between releases
        return list(_weights_only_unpickler._get_allowed_globals())
    except Exception:  # noqa: BLE001
        return ["collections.OrderedDict", "_codecs.encode"]


def _first_line(err: BaseException) -> str:
    lines = [ln for ln in str(err).splitlines() if ln.strip()]
    text = re.sub(r"\x1b\[[0-9;]*m", "", lines[-1] if lines and "WeightsUnpickler" in lines[-1] else
                  (lines[0] if lines else "unreadable"))
    return text if len(text) <= 160 else text[:157] + "…"


def _looks_like_safetensors(head: bytes) -> bool:
    # 8-byte little-endian header length followed by a JSON object
    return len(head) >= 9 and head[8:9] == b"{"


def check_structure(obj, name: str | None = None, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES):
    """``obj`` unchanged if its containers (dicts, lists, tuples, sets) nest at most ``max_depth`` deep,
    hold at most ``max_nodes`` containers and entries in all, and never contain themselves; else a
    CheckpointError naming ``name`` and where the structure goes wrong. Shared parts are walked once."""
    shown = _display_name(name)
    containers = (dict, list, tuple, set, frozenset)
    on_path: set[int] = set()
    done: set[int] = set()
    nodes = 1
    stack: list[tuple[bool, object, int, str]] = [(True, obj, 0, "")]
    while stack:
        entering, node, depth, where = stack.pop()
        if not entering:
            on_path.discard(id(node))
            done.add(id(node))
            continue
        if not isinstance(node, containers) or id(node) in done:
            continue
        if id(node) in on_path:
            raise CheckpointError(f"'{shown}' is not a usable checkpoint: its structure contains itself "
                                  f"(at {where or 'the top'}), so reading it would never end.")
        if depth >= max_depth:
            raise CheckpointError(f"'{shown}' is not a usable checkpoint: its structure nests more than "
                                  f"{max_depth} levels deep (at …{where[-40:]}).")
        nodes += len(node)
        if nodes > max_nodes:
            raise CheckpointError(f"'{shown}' is not a usable checkpoint: its structure has more than "
                                  f"{max_nodes:,} parts.")
        on_path.add(id(node))
        stack.append((False, node, depth, where))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if isinstance(value, containers):
                label = repr(key) if isinstance(key, (str, int)) else type(key).__name__
                stack.append((True, value, depth + 1, f"{where}[{label[:40]}]"))
    return obj


def extract_state_dict(obj, name: str | None = None) -> dict[str, torch.Tensor]:
    """The tensor dict inside an official checkpoint: unwraps ``model`` / ``state_dict_ema`` /
    ``state_dict`` and strips ``module.`` prefixes (DataParallel). A nesting that leads back to itself
    is a CheckpointError, not an endless loop."""
    shown = _display_name(name)
    seen: set[int] = set()
    path = ""
    while isinstance(obj, dict) and not _is_tensor_dict(obj):
        seen.add(id(obj))
        for key in NESTED_KEYS:
            if key in obj and isinstance(obj[key], dict):
                obj, path = obj[key], f"{path}[{key!r}]"
                break
        else:
            raise CheckpointError(f"'{shown}' holds no weights under any of: " + ", ".join(NESTED_KEYS) + ".")
        if id(obj) in seen:
            raise CheckpointError(f"'{shown}' is not a usable checkpoint: its structure contains itself "
                                  f"(at {path}), so reading it would never end.")
    if not isinstance(obj, dict):
        raise CheckpointError(f"'{shown}' holds no dictionary of weights.")
    state = {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}
    if state and all(isinstance(k, str) and k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    if not all(isinstance(k, str) for k in state):
        raise CheckpointError(f"'{shown}' names some weights by something other than text.")
    return state


# --------------------------------------------------------------------------- the worker


def _state_to_bytes(state: dict[str, torch.Tensor], shown: str, budget: int) -> bytes:
    """A flat dict of tensors as safetensors bytes (shared or strided tensors copied first). Tensors may
    together hold at most ``budget`` bytes: a view that expands one number to gigabytes is refused."""
    total = sum(v.numel() * v.element_size() for v in state.values())
    if total > budget:
        raise CheckpointError(f"'{shown}' unpacks to {total / 2**20:,.0f} MB of weights, far more than the file "
                              "holds: it is built to exhaust memory.")
    owners: set[int] = set()
    flat = {}
    for key, value in state.items():
        value = value.detach()
        if value.layout != torch.strided or value.is_quantized or value.device.type != "cpu":
            raise CheckpointError(f"'{shown}' holds a tensor of a kind Token Lab cannot use ({key[:60]}: "
                                  f"{value.layout}, {value.dtype}).")
        storage = value.untyped_storage()
        whole = (value.is_contiguous() and value.storage_offset() == 0
                 and storage.nbytes() == value.numel() * value.element_size())
        if not whole or (storage.nbytes() and storage.data_ptr() in owners):
            value = value.clone(memory_format=torch.contiguous_format)
        owners.add(value.untyped_storage().data_ptr())
        flat[key] = value
    try:
        return st_save(flat)
    except Exception as err:  # noqa: BLE001 - a dtype safetensors cannot hold, say
        raise CheckpointError(f"'{shown}' holds tensors Token Lab cannot use ({_first_line(err)}).") from None


def parse_checkpoint(source: str | os.PathLike | bytes, name: str | None = None) -> bytes:
    """The weights in ``source`` as safetensors bytes: read, structure checked (depth, parts, cycles),
    unwrapped, at most twice the file's size plus 256 MB of tensors. What the worker runs; bounded work in
    any process; raises CheckpointError."""
    shown = _display_name(name or (None if isinstance(source, bytes) else source))
    try:
        size = len(source) if isinstance(source, bytes) else os.path.getsize(source)
    except (OSError, ValueError):
        size = 0  # read_checkpoint says what is wrong with the path
    obj = read_checkpoint(source, name)
    state = extract_state_dict(check_structure(obj, shown), shown)
    return _state_to_bytes(state, shown, budget=2 * size + (256 << 20))


def _limit_memory(extra: int) -> None:
    """Cap this process's address space at what it has now plus ``extra`` bytes (Linux; elsewhere no-op)."""
    try:
        with open("/proc/self/statm") as f:
            now = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (now + extra, now + extra))
    except (OSError, ValueError):
        pass


def _worker_main(argv: list[str] | None = None) -> None:
    """The worker process: ``path name output memory parse`` on its command line. Prints ``ready`` once
    imported, then ``ok`` (the weights written to ``output`` as safetensors) or ``error: <one line>``."""
    source, name, output, memory, parse_ref = argv or sys.argv[1:]
    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    module, function = parse_ref.split(":")
    parse = getattr(importlib.import_module(module), function)
    _limit_memory(int(memory))
    print("ready", flush=True)
    shown = _display_name(name)
    try:
        data = parse(source, name)
        with open(output, "wb") as f:
            f.write(data)
        print("ok", flush=True)
    except CheckpointError as err:
        print("error: " + str(err), flush=True)
    except MemoryError:
        print(f"error: '{shown}' needs more memory to load than Token Lab allows.", flush=True)
    except BaseException as err:  # noqa: BLE001 - whatever the file did, the parent gets one line
        print(f"error: '{shown}' could not be read ({type(err).__name__}: {_first_line(err)}).", flush=True)


def load_state_dict(source: str | os.PathLike | bytes, name: str | None = None, *, timeout: float = LOAD_TIMEOUT_S,
                    start_timeout: float = START_TIMEOUT_S,
                    parse: str = "vizcore.models.checkpoint:parse_checkpoint") -> dict[str, torch.Tensor]:
    """The flat tensor dict of an untrusted checkpoint (path or bytes), parsed in a fresh worker process that
    is killed after ``timeout`` seconds of parsing (``start_timeout`` more for it to import torch) and may use
    ``WORKER_MEMORY_BYTES`` plus four times the file's size. A process, not a thread: a thread that loops
    cannot be stopped; and a fresh one, not a pool or a fork server, so no interpreter with torch (about
    280 MB) waits between the rare loads. ``name`` names the file in messages (an upload's file name).
    ``parse`` ("module:function", (source, name) -> safetensors bytes) is what the worker runs.
    Raises CheckpointError."""
    shown = _display_name(name or (None if isinstance(source, (bytes, bytearray, memoryview)) else source))
    with tempfile.TemporaryDirectory(prefix="tokenlab-checkpoint-") as folder:
        if isinstance(source, (bytes, bytearray, memoryview)):
            path, label = os.path.join(folder, "input"), name or "upload"
            with open(path, "wb") as f:
                f.write(source)
            size = len(source)
        else:
            path = os.fspath(source)
            label = name or os.path.basename(path)
            try:
                size = os.path.getsize(path)
            except (OSError, ValueError):
                size = 0  # the worker says what is wrong with the path
        output = os.path.join(folder, "weights.safetensors")
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
        worker = subprocess.Popen(
            [sys.executable, "-c", "from vizcore.models.checkpoint import _worker_main; _worker_main()",
             path, label, output, str(WORKER_MEMORY_BYTES + 4 * size), parse],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=env, text=True)
        try:
            if _line(worker, start_timeout) != "ready":
                raise CheckpointError(f"The checkpoint loader did not start (reading '{shown}').")
            answer = _line(worker, timeout)
            if answer is None:
                raise CheckpointError(f"Gave up reading '{shown}' after {timeout:g} s: a checkpoint loads in "
                                      "seconds, so this file is damaged or built to stall the loader.")
        finally:
            if worker.poll() is None:
                worker.kill()
            worker.wait()
            worker.stdout.close()
        if answer.startswith("error: "):
            raise CheckpointError(answer[len("error: "):])
        if answer != "ok":
            raise CheckpointError(f"Reading '{shown}' crashed the loader (out of memory, or a malformed file).")
        with open(output, "rb") as f:
            return st_load(f.read())


def _line(worker: subprocess.Popen, timeout: float) -> str | None:
    """The worker's next line of output ("" once it has ended), or None after ``timeout`` seconds."""
    ready, _, _ = select.select([worker.stdout], [], [], max(0.0, timeout))
    return worker.stdout.readline().strip() if ready else None


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
