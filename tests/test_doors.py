"""Untrusted input (issue 17): crafted checkpoints, server paths, memory-heavy images, tracebacks.
Each of the five defects has a test here that fails on the code before the fix."""
import io
import json
import os
import pickle
import struct
import subprocess
import sys
import time
import tomllib
import zlib
from pathlib import Path

import pytest
import torch

from tests.conftest import ROOT, assert_clean
from vizcore.models import registry
from vizcore.models.checkpoint import (CheckpointError, extract_state_dict, load_state_dict, parse_checkpoint,
                                      what_it_is)
from vizcore.ui.access import SERVER_PATHS_ENV, checkpoint_path_key, server_paths_allowed


def _saved(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def _one_line(message: str) -> str:
    assert message and "\n" not in message and "Traceback" not in message and len(message) < 400, message
    return message


# --------------------------------------------------------------------------- defect 1: a checkpoint that loops

def _self_containing() -> bytes:
    loop = {"epoch": 1}
    loop["model"] = loop
    return _saved(loop)


def test_self_containing_checkpoint_is_a_one_line_error_naming_the_file():
    data = _self_containing()
    assert len(data) < 2000
    start = time.monotonic()
    with pytest.raises(CheckpointError) as err:
        registry.create_model("deit_tiny_patch16_224", "file", checkpoint=data, checkpoint_name="loop.pth")
    assert time.monotonic() - start < 200  # at most the worker's start (120 s) and parse (60 s) limits
    message = _one_line(str(err.value))
    assert "'loop.pth'" in message and "contains itself" in message and "['model']" in message


def test_extract_state_dict_stops_on_a_cycle():
    loop = {}
    loop["state_dict"] = {"model": loop}
    with pytest.raises(CheckpointError, match="contains itself"):
        extract_state_dict(loop, "x.pth")


def _stall(source, name):
    """A worker that never finishes: writes its pid next to the checkpoint, then sleeps."""
    Path(name).write_text(str(os.getpid()))
    time.sleep(600)


def test_worker_past_its_time_limit_is_killed_with_a_clear_message(tmp_path):
    pid_file = tmp_path / "worker.pid"
    start = time.monotonic()
    with pytest.raises(CheckpointError) as err:
        load_state_dict(b"PK\x03\x04", str(pid_file), timeout=5, parse="tests.test_doors:_stall")
    assert time.monotonic() - start < 130  # starting the worker (importing torch) is not counted
    assert "Gave up reading 'worker.pid' after 5 s" in _one_line(str(err.value))
    pid = int(pid_file.read_text())
    assert not Path(f"/proc/{pid}").exists(), "the worker is still there"


def test_deep_wide_and_expanding_structures_are_refused_quickly():
    deep: list = []
    for _ in range(200):
        deep = [deep]
    with pytest.raises(CheckpointError, match="levels deep"):
        parse_checkpoint(_saved({"model": deep}), "deep.pth")
    with pytest.raises(CheckpointError, match="more than"):
        parse_checkpoint(_saved({"model": {"x": list(range(300_000))}}), "wide.pth")
    expanding = _saved({"w": torch.zeros(1).expand(50_000, 50_000)})  # 1.5 KB that view 10 GB
    with pytest.raises(CheckpointError, match="exhaust memory"):
        parse_checkpoint(expanding, "expand.pth")


def test_a_good_upload_loads_through_the_worker():
    ref = registry.build("deit_tiny_patch16_224", seed=3)
    data = _saved({"model": {f"module.{k}": v for k, v in ref.state_dict().items()}})
    loaded = registry.create_model("deit_tiny_patch16_224", "file", checkpoint=data, checkpoint_name="good.pth")
    for k, v in ref.state_dict().items():
        assert torch.equal(loaded.state_dict()[k], v)


# --------------------------------------------------------------------------- defect 5: what the file is, its name

class _Evil:
    def __reduce__(self):
        return (print, ("this would run code",))


@pytest.mark.parametrize("name, data, says", [
    ("noise.pth", bytes(range(256)) * 20, "not a checkpoint: it is random bytes"),
    ("notes.pth", "weights, epoch 3\nlr = 0.1 — ok\n".encode() * 40, "not a checkpoint: it is a text file"),
    ("photo.pth", b"\x89PNG\r\n\x1a\n" + bytes(100), "not a checkpoint: it is a PNG image"),
    ("evil.pth", pickle.dumps({"model": _Evil()}), "a pickle that would run code"),
    ("evil2.pth", _saved({"model": {"w": torch.zeros(1)}, "cfg": _Evil()}), "a pickle that would run code"),
])
def test_messages_say_what_the_file_is_and_name_it(name, data, says):
    with pytest.raises(CheckpointError) as err:
        parse_checkpoint(data, name)  # what the worker runs; its message reaches the page unchanged
    message = _one_line(str(err.value))
    assert says in message and f"'{name}'" in message and "'upload'" not in message
    if "run code" not in says:
        assert "run code" not in message
    else:
        assert "print" in message


def test_the_worker_relays_the_message_with_the_uploaded_name():
    with pytest.raises(CheckpointError) as err:
        registry.create_model("deit_tiny_patch16_224", "file", checkpoint=bytes(range(256)) * 20,
                              checkpoint_name="my weights.pth")
    assert str(err.value) == ("'my weights.pth' is not a checkpoint: it is random bytes (no safetensors, "
                              "PyTorch or pickle header).")


def test_what_it_is_leaves_checkpoints_alone():
    assert what_it_is(_saved({"a": torch.ones(1)})[:64]) is None
    assert what_it_is(pickle.dumps({"a": 1}, protocol=2)[:64]) is None
    assert what_it_is("中文文本，不是权重。".encode()[:20]) == "a text file"  # cut inside a character


# --------------------------------------------------------------------------- defects 2 and 3: server paths

def test_bad_paths_are_one_line_messages(tmp_path):
    for text in ("~nosuchuser/x.pth", "a" * 300 + ".pth", str(tmp_path), str(tmp_path / "missing.pth"), "x\0y"):
        key, problem = checkpoint_path_key(text)
        assert key == "" and _one_line(problem)
    assert "home directory" in checkpoint_path_key("~nosuchuser/x.pth")[1]
    assert "too long" in checkpoint_path_key("a" * 300 + ".pth")[1]
    good = tmp_path / "w.pth"
    good.write_bytes(b"x")
    key, problem = checkpoint_path_key(str(good))
    assert problem == "" and key.startswith("path:")


def test_server_paths_only_for_the_owner():
    assert server_paths_allowed("localhost", None) and server_paths_allowed("127.0.0.1", "")
    assert server_paths_allowed("::1", None)
    assert not server_paths_allowed("", None)  # Streamlit's default: every interface
    assert not server_paths_allowed("0.0.0.0", None) and not server_paths_allowed("192.168.1.5", None)
    assert server_paths_allowed("0.0.0.0", "1") and not server_paths_allowed("localhost", "0")


def test_config_listens_on_localhost_and_hides_error_details():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "localhost"
    assert config["client"]["showErrorDetails"] == "none"


def _file_source(app):
    app.radio(key="source").set_value("file").run()
    assert_clean(app)
    return app


def test_path_box_gives_messages_not_tracebacks(app, monkeypatch):
    monkeypatch.setenv(SERVER_PATHS_ENV, "1")
    at = _file_source(app)
    for text, words in (("~nosuchuser/x.pth", "home directory"), ("b" * 300 + ".pth", "too long")):
        at.text_input(key="checkpoint_path").input(text).run()
        assert_clean(at)
        errors = [e.value for e in at.error]
        assert any(words in e for e in errors), errors
        assert not any("Errno" in e or "Error" in e or str(ROOT) in e or str(Path.home()) in e for e in errors), errors


def test_path_box_absent_unless_the_operator_allows_it(app, monkeypatch):
    monkeypatch.setenv(SERVER_PATHS_ENV, "0")
    at = _file_source(app)
    assert not [w for w in at.text_input if w.key == "checkpoint_path"]
    monkeypatch.setenv(SERVER_PATHS_ENV, "1")
    at.run()
    assert [w for w in at.text_input if w.key == "checkpoint_path"]


# --------------------------------------------------------------------------- no traceback reaches a visitor

def test_unexpected_error_in_a_page_run_is_one_line_with_an_id(app, monkeypatch, caplog):
    def boom(*args, **kwargs):
        raise RuntimeError("/secret/server/path exploded")

    monkeypatch.setattr(sys.modules["vizcore.ui.sidebar"], "device_info", boom)
    with caplog.at_level("ERROR", logger="tokenlab"):
        app.run()
    assert not app.exception
    [error] = [e.value for e in app.error]
    assert "went wrong" in error and "/secret" not in error and "RuntimeError" not in error
    error_id = error.split("error ")[1][:8]
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and "exploded" in str(logged[0].exc_info[1])


# --------------------------------------------------------------------------- defect 4: small files, large memory

def _png16(w: int, h: int) -> bytes:
    """A 16-bit greyscale PNG of zeros, written row by row (a few KB, w*h*2 bytes decoded)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    z = zlib.compressobj(9)
    row = b"\x00" + bytes(2 * w)
    pixels = b"".join(z.compress(row) for _ in range(h)) + z.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 0, 0, 0, 0))
            + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))


_PEAK = """
import json, resource, sys
from vizcore.images import ImageError, load_image
load_image(open(sys.argv[1], "rb").read()[:0] or __import__("tests.test_doors", fromlist=["_png16"])._png16(16, 16))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    out = list(load_image(open(sys.argv[1], "rb").read(), "big.png").size)
except ImageError as err:
    out = str(err)
print(json.dumps([out, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024]))
"""


def test_small_16bit_png_decodes_in_bounded_memory(tmp_path):
    path = tmp_path / "big.png"
    path.write_bytes(_png16(6300, 6300))
    assert path.stat().st_size < 100_000
    run = subprocess.run([sys.executable, "-c", _PEAK, str(path)], capture_output=True, text=True, timeout=300,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    size, peak_mb = json.loads(run.stdout.strip().splitlines()[-1])
    assert max(size) <= 2048  # reduced while decoding
    assert peak_mb < 400, f"decoding took {peak_mb:.0f} MB more (1140 MB before the fix)"


def test_decoded_bytes_are_checked_from_the_header():
    from PIL import Image
    from vizcore.images import ImageError, decoded_bytes, load_image
    assert decoded_bytes((100, 100), "F") == 4 * decoded_bytes((100, 100), "L")
    buf = io.BytesIO()
    Image.new("F", (6000, 6000)).save(buf, "TIFF", compression="tiff_adobe_deflate")
    start = time.monotonic()
    with pytest.raises(ImageError) as err:
        load_image(buf.getvalue(), "float.tif")
    assert time.monotonic() - start < 5
    message = _one_line(str(err.value))
    assert "'float.tif' is too large to decode" in message and "floating point" in message


def test_large_images_are_reduced_while_decoding():
    import numpy as np
    from PIL import Image
    from vizcore.images import MAX_SIDE, load_image
    y, x = np.mgrid[0:3000, 0:4500]
    picture = np.stack([x % 256, y % 256, (x // 20) % 256], axis=2).astype(np.uint8)
    for fmt, note in (("JPEG", "JPEG draft mode"), ("PNG", "reduced from 4500 x 3000")):
        buf = io.BytesIO()
        Image.fromarray(picture).save(buf, fmt)
        img = load_image(buf.getvalue(), f"big.{fmt.lower()}")
        assert max(img.size) <= MAX_SIDE and abs(img.size[0] / img.size[1] - 1.5) < 0.01
        assert any(note in n for n in img.notes), img.notes


def test_path_box_follows_the_server_address(monkeypatch):
    from streamlit import config
    from vizcore.ui.access import server_paths_enabled
    monkeypatch.delenv(SERVER_PATHS_ENV, raising=False)
    before = config.get_option("server.address")
    try:
        for address, allowed in (("0.0.0.0", False), ("", False), ("localhost", True), ("127.0.0.1", True)):
            config.set_option("server.address", address)
            assert server_paths_enabled() is allowed, address
    finally:
        config.set_option("server.address", before)
