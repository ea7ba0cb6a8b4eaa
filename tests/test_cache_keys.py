"""The cache derives its keys from the values: fingerprint, draw and cached (no Streamlit run needed)."""
import hashlib
import pickle
from dataclasses import dataclass

import numpy as np
import pytest
import torch

from vizcore.models.dynamicvit import DynamicViTReducer
from vizcore.trace import Stage, Trace
from vizcore.ui import cached, draw, fingerprint
from vizcore.ui.keys import CACHE_KEY, immutable


def test_plain_values_are_told_apart_and_equal_ones_match():
    values = [1, 1.0, True, "1", b"1", None, 0.0, -0.0, (1,), [1], {1: 1}, {"1": 1}, {"a": 1, "b": 2},
              {"b": 2, "a": 1}, np.float64(1.0), np.int64(1), np.float32(1.0), {1, 2}, range(3), torch.float32]
    fps = [fingerprint(v) for v in values]
    assert len(set(fps)) == len(values)
    assert fingerprint({"a": [1, 2.5, (3, "x")]}) == fingerprint({"a": [1, 2.5, (3, "x")]})
    assert fingerprint(float("nan")) == fingerprint(float("nan"))


def test_nested_dicts_differ_deep_inside():
    a = {"dynamicvit": {"tokens": [145, 102, 71, 50], "gmacs": [0.1, 0.07]}, "plain": {"tokens": [145] * 4}}
    b = {"dynamicvit": {"tokens": [145, 145, 145, 145], "gmacs": [0.1, 0.07]}, "plain": {"tokens": [145] * 4}}
    assert fingerprint(a) != fingerprint(b)
    assert fingerprint(a) == fingerprint(pickle.loads(pickle.dumps(a)))


def test_dataclasses_by_their_fields():
    inference = DynamicViTReducer(keep_ratios=(0.7, 0.49, 0.343), semantics="inference")
    training = DynamicViTReducer(keep_ratios=(0.7, 0.49, 0.343), semantics="training")
    assert fingerprint(inference) != fingerprint(training)
    assert fingerprint(inference) == fingerprint(DynamicViTReducer(keep_ratios=(0.7, 0.49, 0.343)))

    @dataclass
    class Holder:
        values: np.ndarray

    x = np.arange(6.0)
    assert fingerprint(Holder(x)) == fingerprint(Holder(x.copy())) != fingerprint(Holder(x + 1))


def test_arrays_changed_in_place_are_not_trusted_by_identity():
    w = np.zeros((8, 8, 3), np.uint8)
    before = fingerprint(w)
    w[0, 0, 0] = 1  # writable: named by content every time
    assert fingerprint(w) != before
    base = np.zeros((8, 8), np.float32)
    view = base[:, :4]
    view.setflags(write=False)  # read-only, but what it views is not
    assert not immutable(view)
    first = fingerprint(view)
    base[0, 0] = 5.0
    assert fingerprint(view) != first
    tensor_backed = torch.zeros(4).numpy()
    tensor_backed.setflags(write=False)
    assert not immutable(tensor_backed)  # the tensor can still change it


def test_recycled_addresses_never_hand_out_another_arrays_fingerprint():
    rng = np.random.default_rng(0)
    addresses = set()
    for _ in range(60):  # fresh read-only arrays, many at an address an earlier one had
        a = rng.integers(0, 256, (6, 7), dtype=np.uint8)
        a.setflags(write=False)
        addresses.add(id(a))
        assert fingerprint(a) == fingerprint(a.copy())  # the copy is writable: named by content
        assert fingerprint(a) == fingerprint(a.copy())  # the identity hit agrees
        del a  # freed at once (no cycles): the next array may get its address
    assert len(addresses) < 60  # the test did exercise recycled addresses


def test_tensors_by_content_and_cached_ones_by_their_key_until_changed():
    x = torch.arange(6.0)
    assert fingerprint(x) == fingerprint(x.clone()) != fingerprint(x + 1)
    assert fingerprint(x) != fingerprint(x.double()) and fingerprint(x) != fingerprint(x.reshape(2, 3))
    y = cached(torch.arange, 5.0)
    assert getattr(y, CACHE_KEY) is not None  # carried: not hashed again
    tagged = fingerprint(y)
    y.add_(0)  # an in-place change bumps the version: the carried key is no longer trusted
    assert fingerprint(y) != tagged and fingerprint(y) == fingerprint(torch.arange(5.0))


def test_functions_by_name_position_and_closure():
    def scaled(k):
        return lambda v: v * k

    assert fingerprint(scaled(2)) == fingerprint(scaled(2)) != fingerprint(scaled(3))
    assert fingerprint(np.mean) != fingerprint(np.median)
    assert fingerprint(np.zeros(2).sum) != fingerprint(np.ones(2).sum)  # bound to different arrays
    assert fingerprint(torch.arange) == fingerprint(torch.arange) != fingerprint(torch.zeros)


def test_models_need_a_key_and_are_named_by_it():
    net = torch.nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cache_key"):
        fingerprint(net)
    other = torch.nn.Linear(2, 2)
    net.cache_key = other.cache_key = ("bundled_vit", "bundled", "", "cpu", "{}")
    assert fingerprint(net) == fingerprint(other)  # by the key, not the weights
    with pytest.raises(TypeError):
        fingerprint(iter([1]))
    loop = []
    loop.append(loop)
    with pytest.raises(TypeError):
        fingerprint(loop)


# --- draw: a cached picture is never handed out for other inputs ---------------------------------------
def _canonical(value):
    """An independent description of a test input (not the cache's): what a picture of it shows."""
    if isinstance(value, np.ndarray):
        return ("array", value.shape, str(value.dtype), value.tolist())
    if isinstance(value, torch.Tensor):
        return ("tensor", tuple(value.shape), str(value.dtype), value.tolist())
    if isinstance(value, Trace):
        return ("trace", value.grid, [_canonical(s.kept) for s in value.stages], value.tokens_per_layer)
    if isinstance(value, dict):
        return ("dict", [(k, _canonical(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [_canonical(v) for v in value])
    return (type(value).__name__, repr(value))


def picture(*args, **kwargs) -> np.ndarray:
    """A deterministic 'picture' of its arguments: (32,) uint8."""
    return np.frombuffer(hashlib.sha256(repr(_canonical([args, kwargs])).encode()).digest(), np.uint8).copy()


def _trace(kept: list[int], tokens: list[int]) -> Trace:
    return Trace(grid=(3, 3), prefix=1, stages=[Stage(layer=1, kind="prune", kept=torch.tensor([kept]))],
                 tokens_per_layer=tokens, macs_per_layer=[1.0] * len(tokens))


def _inputs(rng):
    """Pairs of inputs drawn at random from families a hand-written key would confuse."""
    family = rng.integers(5)
    if family == 0:  # arrays: same shape, different content; sometimes read-only, sometimes equal
        a = rng.integers(0, 3, (4, 5)).astype(np.uint8)
        b = a.copy() if rng.random() < 0.3 else rng.integers(0, 3, (4, 5)).astype(np.uint8)
        for x in (a, b):
            x.setflags(write=bool(rng.random() < 0.5))
        return a, b
    if family == 1:  # traces from the cache (they carry their key) with different kept tokens
        kept = sorted(rng.choice(9, 4, replace=False).tolist())
        other = kept if rng.random() < 0.3 else sorted(rng.choice(9, 4, replace=False).tolist())
        return cached(_trace, kept, [10, 5]), cached(_trace, other, [10, 5])
    if family == 2:  # traces made fresh (no key: named by content)
        tokens = [10, int(rng.integers(3, 6))]
        return _trace([0, 1], tokens), _trace([0, 1], [10, int(rng.integers(3, 6))])
    if family == 3:  # the DynamicViT cost chart's dicts: the same keys, different token counts
        n = int(rng.integers(2, 4))
        a = {"dynamicvit": [145] + [int(v) for v in rng.integers(40, 146, n)], "plain": [145] * (n + 1)}
        b = {"dynamicvit": [145] * (n + 1), "plain": [145] * (n + 1)} if rng.random() < 0.7 else dict(a)
        return a, b
    x = torch.from_numpy(rng.standard_normal(5).astype(np.float32))
    return x, (x.clone() if rng.random() < 0.3 else x + float(rng.integers(1, 3)))


def test_a_cached_picture_is_never_handed_out_for_other_inputs():
    """Property: for random pairs of inputs that a hand-written key list (say ["rho", 0.7]) would confuse, each
    call's picture is the picture of its own inputs; equal inputs hit (the same object comes back)."""
    rng = np.random.default_rng(1)
    for trial in range(200):
        a, b = _inputs(rng)
        tile = int(rng.integers(2))
        got_a, got_b = draw(picture, a, tile=tile), draw(picture, b, tile=tile)
        assert np.array_equal(got_a, picture(a, tile=tile)), f"trial {trial}: a picture of other inputs"
        assert np.array_equal(got_b, picture(b, tile=tile)), f"trial {trial}: a picture of other inputs"
        if fingerprint(a) == fingerprint(b):
            assert got_a is got_b
        assert draw(picture, a, tile=tile) is got_a and not got_a.flags.writeable  # equal inputs hit, read-only


CALLS = []


def stats(values, power=1):
    CALLS.append(1)  # a global: a closure's values are part of the key
    return {"mean": np.asarray(values, float).mean() ** power, "values": np.asarray(values)}


def test_cached_results_carry_their_key():
    calls = CALLS
    first = cached(stats, [1, 2, 3], power=2)
    assert cached(stats, [1, 2, 3], power=2) is first and len(calls) == 1
    assert cached(stats, [1, 2, 4], power=2)["mean"] != first["mean"] and len(calls) == 2
    assert not first["values"].flags.writeable  # shared: read-only
    assert fingerprint(first["values"]) == fingerprint(first["values"])


def test_functions_by_what_they_do():
    """Two lambdas on one line, or a body edited while the server runs (same file and line), differ."""
    first, second = (lambda x: x + 1), (lambda x: x * 2)
    assert fingerprint(first) != fingerprint(second)
    source = "def picture(x):\n    return x + {}\n"
    edited = [compile(source.format(n), "same_file.py", "exec") for n in (1, 100)]
    functions = []
    for code in edited:
        namespace = {}
        exec(code, namespace)
        functions.append(namespace["picture"])
    assert fingerprint(functions[0]) != fingerprint(functions[1])
    assert draw(functions[0], np.ones(3)).tolist() == [2, 2, 2]
    assert draw(functions[1], np.ones(3)).tolist() == [101, 101, 101]


RETURNS = []  # a module global: not part of the key (a closure's list would be)


def _returns_its_argument(x):
    RETURNS.append(1)
    return {"x": x, "y": x * 2}


def test_a_returned_argument_keeps_its_name_and_the_call_hits():
    t = torch.arange(4.0)
    first = cached(_returns_its_argument, t)
    assert cached(_returns_its_argument, t) is first and cached(_returns_its_argument, t) is first
    assert len(RETURNS) == 1
    assert CACHE_KEY not in t.__dict__ and CACHE_KEY in first["y"].__dict__


def test_values_with_more_than_their_data_are_named_by_all_of_it():
    from collections import defaultdict

    @dataclass(frozen=True)
    class Setting:
        rho: float

        def __post_init__(self):
            object.__setattr__(self, "derived", self.rho * 2)

    a, b = Setting(0.5), Setting(0.5)
    object.__setattr__(b, "derived", 3.0)
    assert fingerprint(a) != fingerprint(b)
    assert fingerprint(defaultdict(list)) != fingerprint(defaultdict(int))
    masked = np.ma.masked_array([1, 2, 3], mask=[0, 1, 0])
    with pytest.raises(TypeError, match="MaskedArray"):
        fingerprint(masked)


def test_functions_with_every_kind_of_constant():
    """Code constants of every literal kind are named (a function indexing with ``...`` once failed)."""
    def literals(x):
        return x[..., None], 1.5, 2j, b"b", "s", (1, 2), frozenset({1}), None, True

    assert fingerprint(literals) == fingerprint(literals)
    assert fingerprint((..., NotImplemented)) != fingerprint((None, NotImplemented))
