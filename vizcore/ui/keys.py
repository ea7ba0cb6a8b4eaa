"""Keys derived from values: ``fingerprint`` names a value by what it holds, ``derive_key`` names a call,
``tag`` marks what the cache computed so that it is recognised, without hashing, when it comes back.

A fingerprint is the SHA-256 of a pickle of the value in which plain data (str, int, float, bool, None,
bytes, tuples, lists, dicts, sets) is written by the C pickler as is (exact: 1, 1.0 and True differ, so
do -0.0 and 0.0, a tuple and a list), and everything else by a description ``_describe`` gives:
arrays and tensors by content (SHA-256 of their bytes: about 0.1 ms for a 224x224x3 picture), an array
that can no longer change (read-only down to memory numpy or ``bytes`` owns) found again by identity
(a weakref guards against a new array at a recycled address), a tensor the cache computed by its key
(guarded by the version counter in-place torch operations bump; a change written through a numpy view
of it is not seen: never modify what the cache handed out), models, traces and view objects by the
``cache_key`` they carry, dataclasses and plain objects by their fields, functions by their name, code
position, defaults and closure (not by the globals they read).
"""
from __future__ import annotations

import contextvars
import dataclasses
import enum
import functools
import hashlib
import io
import pickle
import types
import weakref
from contextlib import contextmanager
from pathlib import PurePath

import numpy as np
import torch

from vizcore.ui.lru import SharedLRU, owners_of

#: the attribute a value carries its key in (models, traces, views, tensors the cache produced)
CACHE_KEY = "cache_key"
#: id(array) -> (weakref to it, its description), for arrays that can no longer change
_BY_IDENTITY = SharedLRU(4096)
_PLAIN = (str, bytes, int, float, bool, complex, type(None))
#: the keys carried by what a fingerprint named, while :func:`noting_references` listens
_REFERENCED: contextvars.ContextVar = contextvars.ContextVar("referenced_keys", default=None)


def _note(described: tuple) -> tuple:
    """``described`` passed through; a carried key in it ("r" or "k") noted for :func:`noting_references`."""
    heard = _REFERENCED.get()
    if heard is not None and described and described[0] in ("r", "k"):
        heard.append(described[1])
    return described


@contextmanager
def noting_references():
    """A list that collects the keys carried by the values fingerprinted inside the block (the cached
    results an argument came from): what a new result derives from, for ownership."""
    heard: list = []
    token = _REFERENCED.set(heard)
    try:
        yield heard
    finally:
        _REFERENCED.reset(token)


def digest(data) -> bytes:
    """The SHA-256 of ``data`` (a buffer): hardware-accelerated, about 1.5 GB/s."""
    return hashlib.sha256(data).digest()


def immutable(array) -> bool:
    """Whether ``array``'s values can no longer change: read-only, every array it views read-only, and the
    memory at the bottom owned by numpy or by a ``bytes`` object (not a tensor, a bytearray, a buffer)."""
    node = array
    while isinstance(node, np.ndarray):
        if node.flags.writeable:
            return False
        node = node.base
    return isinstance(array, np.ndarray) and (node is None or isinstance(node, bytes))


def _array(a: np.ndarray) -> tuple:
    if type(a) is not np.ndarray:  # a subclass (masked, matrix, memmap) holds more than its data
        raise TypeError(f"fingerprint: cannot name a {type(a).__name__} by its data; pass np.asarray of it")
    trusted = immutable(a)
    if trusted:
        hit = _BY_IDENTITY.get(id(a))
        if hit is not None and hit[0]() is a:
            return _note(hit[1])
    if a.dtype.hasobject:
        described = ("nd", a.shape, "O", a.tolist())
    else:
        described = ("nd", a.shape, a.dtype.descr, digest(np.ascontiguousarray(a).data))
    if trusted:
        _BY_IDENTITY.put(id(a), (weakref.ref(a), described))
    return described


def _version(x: torch.Tensor):
    """What changes when ``x`` is modified in place: its version counter (an inference tensor has none,
    and outside inference mode it cannot be modified in place)."""
    return None if x.is_inference() else x._version


def _tensor(x: torch.Tensor) -> tuple:
    carried = x.__dict__.get(CACHE_KEY)
    if carried is not None and carried[1] == _version(x):
        return _note(carried[0])
    if x.layout != torch.strided:
        raise TypeError(f"fingerprint: a {x.layout} tensor is not supported")
    data = x.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy()
    return ("pt", tuple(x.shape), str(x.dtype), str(x.device), digest(data))


def _cell(cell):
    try:
        return cell.cell_contents
    except ValueError:  # a closure variable not assigned yet
        return _describe


def _code(code: types.CodeType) -> tuple:
    """What a function does: its bytecode, the names and constants it uses (nested functions' code too), so
    two lambdas on one line, or a body edited while the server runs, are told apart."""
    # constants are literals (numbers, strings, tuples and frozensets of them, None, Ellipsis): named by repr
    consts = tuple(_code(c) if isinstance(c, types.CodeType) else (type(c).__name__, repr(c)) for c in code.co_consts)
    return code.co_code, code.co_names, consts


def _name(value) -> tuple:
    kind = type(value)
    return kind.__module__, kind.__qualname__


def _describe(value) -> tuple:
    """A tuple standing for a value the pickler does not write as is; what it holds is pickled in turn."""
    if isinstance(value, np.ndarray):
        return _array(value)
    if isinstance(value, torch.Tensor):
        return _tensor(value)
    key = getattr(value, CACHE_KEY, None)
    if key is not None:
        return _note(("k", key))
    if value is Ellipsis or value is NotImplemented:
        return ("s", repr(value))
    if isinstance(value, np.generic):
        return ("np", value.dtype.str, value.item())
    if isinstance(value, enum.Enum):
        return ("e", *_name(value), value.name)
    if isinstance(value, _PLAIN):  # subclasses of plain types
        return ("n", *_name(value), repr(value))
    if isinstance(value, (tuple, list, set, frozenset)):  # named tuples and other subclasses
        return ("t", *_name(value), tuple(value))
    if isinstance(value, dict):  # a defaultdict's factory is part of what it computes
        return ("d", *_name(value), tuple(value.items()), getattr(value, "default_factory", None))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = [f.name for f in dataclasses.fields(value)]
        extra = {k: v for k, v in getattr(value, "__dict__", {}).items() if k not in names and k != CACHE_KEY}
        return ("dc", *_name(value), tuple(getattr(value, n) for n in names), extra)
    if isinstance(value, torch.nn.Module):
        raise TypeError(f"fingerprint: a {type(value).__name__} module without a {CACHE_KEY} "
                        "(pass a model from load_model, or what the module computed)")
    if isinstance(value, types.FunctionType):
        code = value.__code__
        return ("fn", value.__module__, value.__qualname__, code.co_filename, code.co_firstlineno, _code(code),
                value.__defaults__, value.__kwdefaults__, tuple(_cell(c) for c in value.__closure__ or ()))
    if isinstance(value, types.MethodType):
        return ("m", value.__self__, value.__func__)
    if isinstance(value, functools.partial):
        return ("p", value.func, value.args, value.keywords)
    if isinstance(value, (types.BuiltinFunctionType, types.MethodWrapperType)):  # a.sum is bound to a
        owner = getattr(value, "__self__", None)
        bound = None if owner is None or isinstance(owner, (types.ModuleType, type)) else owner
        return ("bf", getattr(value, "__module__", None), value.__qualname__, bound)
    if isinstance(value, (type, types.MethodDescriptorType, types.WrapperDescriptorType, np.ufunc)):
        return ("c", getattr(value, "__module__", None), getattr(value, "__qualname__", value.__name__))
    if isinstance(value, (torch.dtype, torch.device, np.dtype, PurePath, range, slice)):
        return ("s", *_name(value), str(value))
    state = getattr(value, "__dict__", None)
    if type(state) is dict and not hasattr(type(value), "__slots__") and type(value).__module__ != "builtins":
        return ("o", *_name(value), state)
    raise TypeError(f"fingerprint: cannot name a {'.'.join(_name(value))} by its value")


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        if obj is _describe:  # the marker of a description (pickled by reference)
            return NotImplemented
        return _describe, _describe(obj)


def fingerprint(value) -> bytes:
    """32 bytes that name ``value`` by what it holds: equal inputs give equal fingerprints, different inputs
    different ones. Raises TypeError for what it cannot name (a torch module not loaded by
    ``load_model``, an open file, a generator, a cycle)."""
    buffer = io.BytesIO()
    pickler = _Pickler(buffer, protocol=5)
    pickler.fast = True  # no memo: the same bytes whether or not equal parts are shared objects
    try:
        pickler.dump(value)
    except RecursionError:
        raise TypeError("fingerprint: nested too deep") from None
    except (pickle.PicklingError, ValueError) as err:  # ValueError: "fast mode: can't pickle cyclic objects"
        raise TypeError(f"fingerprint: {err}") from None
    return digest(buffer.getbuffer())


def derive_key(fn, args: tuple = (), kwargs: dict | None = None) -> bytes:
    """The key of ``fn(*args, **kwargs)``: the fingerprint of ``fn`` and all the arguments (keyword
    arguments in name order)."""
    return fingerprint((fn, args, tuple(sorted((kwargs or {}).items()))))


def keyed(make_key):
    """(``make_key()``, the sessions owning the cached results its fingerprints named): a result computed
    from an upload's results belongs to the upload's sessions too."""
    with noting_references() as heard:
        key = make_key()
    owners: set = set()
    for ref in heard:
        owners |= owners_of(ref)
    return key, frozenset(owners)


def tag(value, key: bytes, _depth: int = 0, skip: frozenset = frozenset()) -> None:
    """Mark what the cache computed under ``key`` so that it is recognised when it comes back as an
    argument: objects (models, traces, views) get a ``cache_key`` where they have none, tensors one guarded
    by their version counter where they have no valid one, immutable arrays an identity entry; containers
    are walked. ``skip``: ids of the call's own arguments, which keep whatever names them now (a function
    that returns an argument must not rename it)."""
    if _depth > 4 or isinstance(value, _PLAIN) or id(value) in skip:
        return
    if isinstance(value, np.ndarray):
        if immutable(value):
            known = _BY_IDENTITY.get(id(value))
            if known is None or known[0]() is not value:  # absent, or another array's recycled address
                _BY_IDENTITY.put(id(value), (weakref.ref(value), ("r", key)))
        return
    if isinstance(value, torch.Tensor):
        carried = value.__dict__.get(CACHE_KEY)
        if carried is None or carried[1] != _version(value):
            value.__dict__[CACHE_KEY] = (("r", key), _version(value))
        return
    if isinstance(value, (tuple, list, dict)):
        for i, v in enumerate(value.values() if isinstance(value, dict) else value):
            tag(v, key + b"/%d" % i, _depth + 1, skip)
        return
    if isinstance(getattr(value, "__dict__", None), dict) and not isinstance(value, (type, types.ModuleType)):
        if getattr(value, CACHE_KEY, None) is None:
            try:
                object.__setattr__(value, CACHE_KEY, key)  # frozen dataclasses too
            except (AttributeError, TypeError):
                pass
        if dataclasses.is_dataclass(value):
            for f in dataclasses.fields(value):
                tag(getattr(value, f.name), key + b"/" + f.name.encode(), _depth + 1, skip)
