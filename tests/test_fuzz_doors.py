"""Fuzzing the two doors untrusted bytes come through (issue 17): mutated PNG / JPEG / TIFF / GIF bytes into
``load_image`` and mutated safetensors / torch checkpoints into the checkpoint loader. Every outcome is a
decoded image (or tensor dict) or a one-line error, within a time and a memory bound per input.

The checkpoint examples run ``parse_checkpoint`` (what the loader's worker process runs) in this process: its
own work must be bounded, whatever the worker's limits add; a fresh worker per example would spend most of
the minute importing torch. The worker itself (time limit, memory limit, relayed messages) is tested in
test_doors.py."""
import io
import resource
import time

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st
from PIL import Image
from safetensors.torch import save as st_save

from vizcore.images import MAX_SIDE, ImageError, LoadedImage, load_image
from safetensors.torch import load as st_load

from vizcore.models.checkpoint import CheckpointError, parse_checkpoint

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
IMAGE_SECONDS = 5.0        # per input
CHECKPOINT_SECONDS = 5.0   # per input
EXTRA_MB = 400             # the most the fuzzing may raise this process's peak memory


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _picture(h=24, w=32) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 8, y * 10, (x + y) * 4], axis=2).astype(np.uint8)


SEEDS = {
    "png": _encode(Image.fromarray(_picture()), "PNG"),
    "png16": _encode(Image.fromarray((np.arange(24 * 32).reshape(24, 32) * 80).astype(np.uint16)), "PNG"),
    "jpeg": _encode(Image.fromarray(_picture()), "JPEG", quality=80),
    "tiff": _encode(Image.fromarray(_picture()), "TIFF", compression="tiff_adobe_deflate"),
    "gif": _encode(Image.fromarray(_picture()).convert("P"), "GIF", save_all=True,
                   append_images=[Image.fromarray(_picture()[::-1].copy()).convert("P")]),
}


def _torch_bytes(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


_WEIGHTS = {"blocks.0.w": torch.arange(12, dtype=torch.float32).reshape(3, 4), "head.b": torch.ones(3)}
CHECKPOINTS = {
    "safetensors": st_save(_WEIGHTS),
    "torch": _torch_bytes({"model": _WEIGHTS, "epoch": 3, "args": {"lr": 0.1, "sizes": [1, 2]}}),
}


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """``seed`` with 1-6 edits: bytes overwritten, inserted, deleted, a field set to 0xFF.., or cut short."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["set", "insert", "delete", "max", "truncate"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "set" and data:
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 16))]
        elif op == "max":
            data[at:at + 4] = b"\xff\xff\xff\x7f"
        else:
            del data[at:]
    return bytes(data)


def _one_line(message: str) -> None:
    assert message and "\n" not in message and "Traceback" not in message and len(message) < 500, message


@pytest.fixture(scope="module")
def peak_before():
    load_image(SEEDS["png"], "warm.png")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    yield before
    extra = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert extra < EXTRA_MB, f"fuzzing raised the peak memory by {extra:.0f} MB"


@pytest.mark.parametrize("fmt", list(SEEDS))
def test_mutated_images_decode_or_fail_in_one_line(fmt, peak_before):
    @FUZZ
    @given(mutated(SEEDS[fmt]))
    def check(data):
        start = time.monotonic()
        try:
            img = load_image(data, f"fuzz.{fmt}")
        except ImageError as err:
            _one_line(str(err))
            assert "'fuzz." in str(err) or "The file" in str(err)
        else:
            assert isinstance(img, LoadedImage) and img.array.dtype == np.uint8 and img.array.shape[2] == 3
            assert max(img.size) <= MAX_SIDE
        assert time.monotonic() - start < IMAGE_SECONDS

    check()


@pytest.mark.parametrize("kind", list(CHECKPOINTS))
def test_mutated_checkpoints_load_or_fail_in_one_line(kind, peak_before):
    @settings(FUZZ, max_examples=200)
    @given(mutated(CHECKPOINTS[kind]))
    def check(data):
        start = time.monotonic()
        try:
            state = st_load(parse_checkpoint(data, f"fuzz.{kind}"))
        except CheckpointError as err:
            _one_line(str(err))
            assert f"fuzz.{kind}" in str(err)
        else:
            assert all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items())
        assert time.monotonic() - start < CHECKPOINT_SECONDS

    check()


_LEAF = st.one_of(st.integers(-5, 5), st.text(max_size=4), st.just(torch.ones(2)), st.none())
_TREE = st.recursive(_LEAF, lambda kids: st.one_of(
    st.lists(kids, max_size=4), st.dictionaries(st.sampled_from(["model", "state_dict", "w", "module.w", "epoch"]),
                                                kids, max_size=4)), max_leaves=30)


@settings(FUZZ, max_examples=80)
@given(_TREE, st.integers(0, 50), st.booleans())
def test_generated_structures_load_or_fail_in_one_line(tree, where, loop):
    """Nested dicts and lists, some made to contain themselves: saved with torch.save, then loaded."""
    if loop:
        containers, stack = [], [tree]
        while stack:
            node = stack.pop()
            if isinstance(node, (dict, list)):
                containers.append(node)
                stack.extend(node.values() if isinstance(node, dict) else node)
        if containers:
            target = containers[where % len(containers)]
            if isinstance(target, dict):
                target["model"] = containers[0]
            else:
                target.append(containers[0])
    buf = io.BytesIO()
    torch.save(tree, buf)
    start = time.monotonic()
    try:
        st_load(parse_checkpoint(buf.getvalue(), "tree.pth"))
    except CheckpointError as err:
        _one_line(str(err))
    assert time.monotonic() - start < CHECKPOINT_SECONDS
