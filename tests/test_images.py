"""Tests for vizcore.images: decoding corpus (good and bad files), gallery, model-view geometry."""

from __future__ import annotations

import io
import socket
import struct
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from vizcore import images as vi
from vizcore.images import ImageError, LoadedImage, load_image

RNG = np.random.default_rng(0)


def encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def noise(h: int, w: int) -> np.ndarray:
    return RNG.integers(0, 256, (h, w, 3), dtype=np.uint8)


def smooth(h: int, w: int) -> np.ndarray:
    """A non-trivial but smooth RGB image (H, W, 3) uint8."""
    y, x = np.mgrid[0:h, 0:w]
    r = 127.5 + 127.5 * np.sin(x / 7.0)
    g = 255.0 * y / max(h - 1, 1)
    b = 127.5 + 127.5 * np.cos((x + y) / 11.0)
    return np.stack([r, g, b], axis=2).round().astype(np.uint8)


def check_rgb(li: LoadedImage, hw: tuple[int, int] | None = None) -> None:
    assert isinstance(li, LoadedImage)
    a = li.array
    assert a.ndim == 3 and a.shape[2] == 3 and a.dtype == np.uint8
    assert li.size == (a.shape[1], a.shape[0])
    assert not a.flags.writeable
    if hw is not None:
        assert a.shape[:2] == hw


def check_error(data: bytes, *words: str) -> str:
    with pytest.raises(ImageError) as info:
        load_image(data, "bad")
    msg = str(info.value)
    assert msg and msg.strip() == msg and "\n" not in msg and "\r" not in msg
    assert "Traceback" not in msg
    for w in words:
        assert w.lower() in msg.lower(), msg
    return msg


def png_with_size(width: int, height: int) -> bytes:
    """A real 1x1 PNG whose IHDR claims width x height (CRC fixed): a decompression bomb header."""
    data = bytearray(encode(Image.new("L", (1, 1)), "PNG"))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF)
    return bytes(data)


# --------------------------------------------------------------------------- good files

@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "BMP", "TIFF", "GIF"])
def test_each_format_decodes_to_rgb(fmt):
    li = load_image(encode(Image.fromarray(smooth(21, 34)), fmt), f"x.{fmt.lower()}")
    check_rgb(li, (21, 34))
    assert li.format == fmt
    assert li.name == f"x.{fmt.lower()}"


def test_lossless_png_is_exact():
    a = noise(12, 17)
    li = load_image(encode(Image.fromarray(a), "PNG"))
    assert np.array_equal(li.array, a) and li.original_mode == "RGB" and li.notes == ()


def test_exif_orientation_rotates():
    img = Image.fromarray(smooth(20, 40))  # w=40, h=20
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW on display
    li = load_image(encode(img, "JPEG", exif=exif.tobytes()))
    check_rgb(li, (40, 20))
    assert "EXIF orientation applied" in li.notes
    plain = load_image(encode(img, "JPEG"))
    check_rgb(plain, (20, 40))
    assert "EXIF orientation applied" not in plain.notes


@pytest.mark.parametrize("mode,fmt", [("L", "PNG"), ("1", "BMP"), ("L", "JPEG")])
def test_grayscale(mode, fmt):
    img = Image.fromarray(smooth(16, 16)[:, :, 1]).convert(mode)
    li = load_image(encode(img, fmt))
    check_rgb(li, (16, 16))
    assert li.original_mode == mode
    assert np.array_equal(li.array[..., 0], li.array[..., 2])


@pytest.mark.parametrize("fmt", ["PNG", "GIF"])
def test_palette_with_transparency(fmt):
    p = Image.new("P", (20, 10), 0)
    p.putpalette([0, 0, 0, 255, 0, 0] + [0] * (3 * 254))
    p.paste(1, (0, 0, 10, 10))  # left half red, right half index 0 (transparent)
    li = load_image(encode(p, fmt, transparency=0))
    check_rgb(li, (10, 20))
    assert li.original_mode == "P"
    assert tuple(li.array[5, 2]) == (255, 0, 0)
    assert tuple(li.array[5, 15]) == (255, 255, 255)
    assert "alpha composited on white" in li.notes


def test_palette_without_transparency():
    li = load_image(encode(Image.fromarray(smooth(12, 12)).convert("P"), "PNG"))
    check_rgb(li, (12, 12))
    assert li.original_mode == "P" and li.notes == ()


def test_rgba_composited_on_white():
    a = np.zeros((10, 12, 4), np.uint8)
    a[..., 0] = 200
    a[:, :6, 3] = 255  # left opaque red-ish, right fully transparent
    a[:, 6:, 3] = 0
    li = load_image(encode(Image.fromarray(a, "RGBA"), "PNG"))
    check_rgb(li, (10, 12))
    assert li.original_mode == "RGBA"
    assert tuple(li.array[0, 0]) == (200, 0, 0)
    assert tuple(li.array[0, 11]) == (255, 255, 255)
    assert "alpha composited on white" in li.notes


def test_opaque_rgba_has_no_alpha_note():
    a = np.dstack([noise(9, 9), np.full((9, 9), 255, np.uint8)])
    li = load_image(encode(Image.fromarray(a, "RGBA"), "PNG"))
    assert np.array_equal(li.array, a[..., :3]) and li.notes == ()


def test_la_half_transparent():
    img = Image.new("LA", (10, 10), (0, 128))
    li = load_image(encode(img, "PNG"))
    check_rgb(li, (10, 10))
    assert li.original_mode == "LA"
    assert np.all(np.abs(li.array.astype(int) - 127) <= 1)  # black at 50% on white


def test_pa_mode_converts():
    pa = Image.new("PA", (10, 10))
    pa.putpalette([9, 9, 9] * 256)
    notes: list[str] = []
    out = vi._pil_to_rgb_array(pa, notes)  # no file format writes PA; test the conversion
    assert out.shape == (10, 10, 3) and np.all(out == 255)
    assert "alpha composited on white" in notes


@pytest.mark.parametrize("fmt", ["JPEG", "TIFF"])
def test_cmyk(fmt):
    li = load_image(encode(Image.new("CMYK", (16, 16), (0, 255, 255, 0)), fmt))
    check_rgb(li, (16, 16))
    assert li.original_mode == "CMYK"
    r, g, b = li.array[8, 8].astype(int)
    assert r > 200 and g < 60 and b < 60  # red


def test_16bit_png_ramp_uses_full_range():
    ramp = np.linspace(1000, 5000, 24 * 32).reshape(24, 32).astype(np.uint16)
    li = load_image(encode(Image.fromarray(ramp), "PNG"))
    check_rgb(li, (24, 32))
    assert li.original_mode.startswith("I")
    g = li.array[..., 0].ravel()
    assert g.min() == 0 and g.max() == 255
    assert np.all(np.diff(g.astype(int)) >= 0)  # monotone, not clipped
    assert len(np.unique(g)) > 200
    assert any(n.startswith("16-bit scaled to 8-bit") for n in li.notes)


@pytest.mark.parametrize("mode", ["I;16B", "I", "F"])
def test_high_bit_depth_tiff(mode):
    ramp = np.linspace(0, 1, 16 * 16).reshape(16, 16)
    if mode == "I;16B":
        img = Image.frombytes(mode, (16, 16), (ramp * 60000).astype(">u2").tobytes())
    elif mode == "I":
        img = Image.fromarray((ramp * 1e6).astype(np.int32))
    else:
        img = Image.fromarray((ramp * 3.5 - 1).astype(np.float32))
    li = load_image(encode(img, "TIFF"))
    check_rgb(li, (16, 16))
    assert li.original_mode == mode
    assert li.array.min() == 0 and li.array.max() == 255


def test_constant_16bit_image():
    li = load_image(encode(Image.fromarray(np.full((10, 10), 65535, np.uint16)), "PNG"))
    assert np.all(li.array == 255)


def test_animated_gif_first_frame():
    frames = [Image.new("RGB", (16, 16), c) for c in [(255, 0, 0), (0, 255, 0), (0, 0, 255)]]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    li = load_image(data)
    check_rgb(li, (16, 16))
    assert tuple(li.array[8, 8]) == (255, 0, 0)
    assert "first frame of 3 (animated GIF)" in li.notes


def test_multipage_tiff_first_page():
    pages = [Image.new("RGB", (12, 12), c) for c in [(0, 0, 255), (255, 0, 0)]]
    li = load_image(encode(pages[0], "TIFF", save_all=True, append_images=pages[1:]))
    assert tuple(li.array[0, 0]) == (0, 0, 255)
    assert any("first page of 2" in n for n in li.notes)


def test_bytearray_accepted_and_non_bytes_rejected():
    data = encode(Image.fromarray(noise(9, 9)), "PNG")
    check_rgb(load_image(bytearray(data)), (9, 9))
    with pytest.raises(TypeError):
        load_image("not bytes")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- bad files

def _truncated(fmt: str) -> bytes:
    data = encode(Image.fromarray(noise(128, 128)), fmt)
    return data[: len(data) // 2]


def _corrupt_png() -> bytes:
    data = bytearray(encode(Image.fromarray(noise(64, 64)), "PNG"))
    i = data.index(b"IDAT") + 40
    data[i:i + 200] = bytes(200)  # zlib stream and CRC broken
    return bytes(data)


BAD_FILES = {
    "empty": (lambda: b"", ["empty"]),
    "random": (lambda: RNG.integers(0, 256, 4096, dtype=np.uint8).tobytes(), ["not an image"]),
    "text": (lambda: b"name,value\nfoo,1\nbar,2\n" * 50, ["not an image"]),
    "ppm (unsupported format)": (lambda: encode(Image.new("RGB", (16, 16)), "PPM"), ["PNG, JPEG"]),
    "truncated png": (lambda: _truncated("PNG"), ["truncated"]),
    "truncated jpeg": (lambda: _truncated("JPEG"), ["truncated"]),
    "corrupt png": (_corrupt_png, []),
    "bomb 100000x100000": (lambda: png_with_size(100_000, 100_000), ["too large"]),
    "over MAX_PIXELS": (lambda: png_with_size(7000, 6000), ["too large", "7000 x 6000"]),
    "tiny": (lambda: encode(Image.new("RGB", (7, 64)), "PNG"), ["7 x 64", "at least 8"]),
    "too many bytes": (lambda: b"\x89PNG\r\n\x1a\n" + bytes(vi.MAX_BYTES), ["MB", "limit"]),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_give_one_line_image_error(case):
    make, words = BAD_FILES[case]
    check_error(make(), *words)


def test_empty_message_exact():
    assert check_error(b"") == "'bad' is empty."  # the message names the file
    with pytest.raises(ImageError, match="^The file is empty.$"):
        load_image(b"")


def test_own_pixel_limit_when_pillow_limit_disabled(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    check_error(png_with_size(100_000, 100_000), "too large", "100000 x 100000")


def test_decoding_leaves_global_state_alone(monkeypatch):
    filters_before = list(warnings.filters)
    for flag in (False, True):
        monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", flag)
        check_error(_truncated("PNG"), "truncated")  # strict even if the app set the flag
        check_error(png_with_size(100_000, 100_000))
        assert ImageFile.LOAD_TRUNCATED_IMAGES is flag
    assert list(warnings.filters) == filters_before


def test_image_error_is_value_error_and_single_line():
    err = ImageError("two\nlines   here")
    assert isinstance(err, ValueError) and str(err) == "two lines here"


# --------------------------------------------------------------------------- arrays and gallery

def test_image_from_array_variants():
    gray = vi.image_from_array(np.arange(100, dtype=np.uint8).reshape(10, 10))
    check_rgb(gray, (10, 10))
    assert gray.original_mode == "L"
    check_rgb(vi.image_from_array(np.eye(10, dtype=bool)), (10, 10))
    f = vi.image_from_array(np.linspace(0, 1, 100).reshape(10, 10))
    assert f.array.min() == 0 and f.array.max() == 255
    u16 = vi.image_from_array(np.linspace(10, 900, 300).reshape(10, 10, 3).astype(np.uint16))
    assert u16.array.min() == 0 and u16.array.max() == 255
    rgba = np.zeros((10, 10, 4), np.uint8)
    assert np.all(vi.image_from_array(rgba).array == 255)
    with pytest.raises(ValueError):
        vi.image_from_array(np.zeros((4, 4, 2), np.uint8))


def test_samples_load_offline(monkeypatch):
    def no_network(*args, **kwargs):
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    names = vi.list_samples()
    assert names == list(vi.SAMPLES) and len(names) >= 10
    assert set(vi.SAMPLE_CAPTIONS) == set(names)
    vi.load_sample.cache_clear()
    for name in names:
        li = vi.load_sample(name)
        check_rgb(li)
        assert li.name == name and min(li.array.shape[:2]) >= 100
    assert vi.load_sample("camera").original_mode == "L"
    assert vi.load_sample("astronaut") is vi.load_sample("astronaut")  # cached


def test_unknown_sample():
    with pytest.raises(ImageError, match="Unknown sample"):
        vi.load_sample("does-not-exist")


# --------------------------------------------------------------------------- model view

CONFIGS = [
    dict(input_size=(3, 224, 224), interpolation="bicubic", crop_pct=0.875, crop_mode="center",
         mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)),
    dict(input_size=(3, 112, 112), interpolation="bilinear", crop_pct=1.0, crop_mode="center",
         mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)),
    dict(input_size=(3, 96, 128), interpolation="bicubic", crop_pct=0.9, crop_mode="center",
         mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)),
    dict(input_size=(3, 112, 112), interpolation="bilinear", crop_pct=0.95, crop_mode="squash",
         mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)),
    dict(input_size=(3, 112, 112), interpolation="bicubic", crop_pct=1.0, crop_mode="border",
         mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)),
    dict(input_size=(3, 112, 112), interpolation="bilinear", crop_pct=1.2, crop_mode="center",
         mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)),  # resized smaller than the crop: zero padding
    dict(input_size=(3, 64, 64), interpolation="nearest", crop_pct=0.875, crop_border_pixels=5,
         mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)),
]


def _denormalised(x, cfg) -> np.ndarray:
    mean = np.asarray(cfg["mean"]).reshape(3, 1, 1)
    std = np.asarray(cfg["std"]).reshape(3, 1, 1)
    return (x[0].numpy().astype(np.float64) * std + mean).transpose(1, 2, 0)


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: f"{c['input_size'][1:]}-{c['crop_pct']}-"
                         f"{c.get('crop_mode', 'center')}")
@pytest.mark.parametrize("hw", [(150, 97), (90, 301)])
def test_model_view_matches_timm_transform(cfg, hw):
    img = smooth(*hw)
    img[::7, ::5] = 255 - img[::7, ::5]  # some detail so interpolation differences would show
    x = vi.preprocess(img, cfg)
    h, w = cfg["input_size"][1:]
    assert tuple(x.shape) == (1, 3, h, w) and str(x.dtype) == "torch.float32"
    view = vi.model_view(img, cfg)
    assert view.shape == (h, w, 3) and view.dtype == np.uint8
    diff = np.abs(_denormalised(x, cfg) - view / 255.0).max()
    assert diff <= 1 / 255 + 1e-5, diff
    g = vi.view_geometry(hw, cfg)
    assert g.view_hw == (h, w)
    assert g.padded == (cfg["crop_pct"] > 1 or cfg.get("crop_mode") == "border")


def test_view_geometry_center_crop_numbers():
    cfg = dict(input_size=(3, 224, 224), crop_pct=0.875, interpolation="bicubic")
    g = vi.view_geometry((300, 600), cfg)  # H=300, W=600: short side -> floor(224/0.875)=256
    assert g.resized_hw == (256, 512)
    assert g.crop_box == (144, 16, 368, 240)
    x0, y0, x1, y1 = g.visible_box
    assert np.allclose([x0, y0, x1, y1], [144 * 600 / 512, 16 * 300 / 256, 368 * 600 / 512, 240 * 300 / 256])
    pts = np.array([[0.0, 0.0], [10.5, 200.25], [224.0, 224.0]])
    assert np.allclose(g.image_to_view(g.view_to_image(pts)), pts)
    boxes = vi.token_boxes((14, 14), g.view_hw)
    img_boxes = g.boxes_to_image(boxes)
    assert img_boxes.shape == (196, 4)
    assert np.allclose(img_boxes[0, :2], [x0, y0]) and np.allclose(img_boxes[-1, 2:], [x1, y1])


def test_data_config_for_and_preprocess_with_a_model():
    timm = pytest.importorskip("timm")
    model = timm.create_model("test_vit", pretrained=False)
    cfg = vi.data_config_for(model)
    assert {"input_size", "interpolation", "mean", "std", "crop_pct"} <= set(cfg)
    loaded = load_image(encode(Image.fromarray(smooth(70, 90)), "PNG"))
    x = vi.preprocess(loaded.array, cfg)
    assert tuple(x.shape) == (1,) + tuple(cfg["input_size"])
    assert vi.model_view(loaded, cfg).shape == tuple(cfg["input_size"][1:]) + (3,)


def test_model_view_rejects_bad_arrays():
    with pytest.raises(ValueError):
        vi.model_view(np.zeros((10, 10, 3), np.float32), CONFIGS[0])


# --------------------------------------------------------------------------- tokens

@pytest.mark.parametrize("grid,view", [((14, 14), (224, 224)), ((7, 5), (100, 52)), ((6, 8), (96, 128))])
def test_token_boxes_tile_the_view(grid, view):
    boxes = vi.token_boxes(grid, view)
    assert boxes.shape == (grid[0] * grid[1], 4)
    cover = np.zeros(view, np.int32)
    for x0, y0, x1, y1 in boxes:
        assert x1 > x0 and y1 > y0
        cover[y0:y1, x0:x1] += 1
    assert np.all(cover == 1)
    # row-major token order: second token is to the right of the first
    assert boxes[1, 0] == boxes[0, 2] and boxes[1, 1] == boxes[0, 1]


def test_upsample_token_map():
    grid, view = (7, 5), (100, 52)
    vals = np.arange(35, dtype=float).reshape(grid)
    up = vi.upsample_token_map(vals, view)
    assert up.shape == view and up.dtype == np.float64
    for k, (x0, y0, x1, y1) in enumerate(vi.token_boxes(grid, view)):
        assert np.all(up[y0:y1, x0:x1] == k)
    smooth_up = vi.upsample_token_map(vals, view, mode="bilinear")
    assert smooth_up.shape == view
    assert smooth_up.min() >= 0 and smooth_up.max() <= 34
    assert np.allclose(vi.upsample_token_map(np.full(grid, 3.0), view, mode="bilinear"), 3.0)
    mask = vi.upsample_token_map(np.eye(4, dtype=bool), (64, 64))
    assert mask.sum() == 4 * 16 * 16
    with pytest.raises(ValueError):
        vi.upsample_token_map(vals, view, mode="cubic")
    with pytest.raises(ValueError):
        vi.upsample_token_map(vals.ravel(), view)
