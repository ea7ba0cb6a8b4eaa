"""The one door for every image in Token Lab.

Uploads (``load_image``), the bundled gallery (``load_sample``) and arrays
(``image_from_array``) all come out as a :class:`LoadedImage` holding a read-only
(H, W, 3) uint8 RGB array.  The second half maps images to and from what a timm
model sees: ``preprocess`` (the model's tensor), ``view_geometry`` / ``model_view``
(the exact resize + crop of timm's eval transform, before normalisation) and
``token_boxes`` / ``upsample_token_map`` (patch grid <-> model-view pixels).

No Streamlit here; torch and timm are imported lazily by the functions that need them.
"""

from __future__ import annotations

import functools
import io
import math
import threading
import warnings
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Sequence

import numpy as np
from PIL import ExifTags, Image, ImageFile, ImageOps, UnidentifiedImageError

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = [
    "MAX_BYTES", "MAX_DECODED_BYTES", "MAX_PIXELS", "MAX_SIDE", "MIN_SIDE", "decoded_bytes", "SUPPORTED_FORMATS",
    "ImageError", "LoadedImage", "load_image", "image_from_array",
    "SAMPLES", "SAMPLE_CAPTIONS", "list_samples", "load_sample",
    "ViewGeometry", "data_config_for", "preprocess", "view_geometry", "model_view",
    "token_boxes", "upsample_token_map",
]

MAX_BYTES = 25 * 1024 * 1024
"""Largest accepted upload, in bytes."""
MAX_PIXELS = 40_000_000
"""Largest accepted image, in pixels (width * height of the first frame), checked before decoding."""
MAX_DECODED_BYTES = 128 * 2**20
"""Most bytes decoding one image may take (pixels x bytes per pixel of its mode), checked before decoding."""
MAX_SIDE = 2048
"""Longest side an image keeps: larger ones are reduced while decoding (JPEG draft mode) or right after."""
MIN_SIDE = 8
"""Smallest accepted side, in pixels."""
SUPPORTED_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "TIFF", "GIF")
"""Pillow decoders ``load_image`` will use (the JPEG one also yields "MPO", multi-picture JPEG from phones)."""

_FORMAT_HINT = "PNG, JPEG, WebP, BMP, TIFF or GIF"


class ImageError(ValueError):
    """An image could not be used; ``str(err)`` is a one-line message fit to show the user."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


@dataclass(frozen=True, eq=False)
class LoadedImage:
    """A decoded image ready for the app.

    array: (H, W, 3) uint8 RGB, read-only, after EXIF orientation.
    name: file or sample name. format: Pillow format ("PNG", "JPEG", ...) or "skimage"/"array".
    original_mode: Pillow mode before conversion ("RGB", "CMYK", "I;16", "P", "LA", ...).
    size: (w, h) of ``array``. notes: short human-readable remarks about the conversion.
    """

    array: np.ndarray
    name: str
    format: str
    original_mode: str
    size: tuple[int, int]
    notes: tuple[str, ...] = ()

    @property
    def hw(self) -> tuple[int, int]:
        """(H, W) of ``array``."""
        return self.size[1], self.size[0]


# --------------------------------------------------------------------------- decoding

_DECODE_LOCK = threading.Lock()


@contextmanager
def _strict_decoding() -> Iterator[None]:
    """Decompression-bomb warnings become errors and truncated files fail, only inside the block.

    Both knobs are process-global (warning filters, ``ImageFile.LOAD_TRUNCATED_IMAGES``), so the
    block is serialised with a lock and everything is restored on exit.
    """
    with _DECODE_LOCK, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _file(name: str | None) -> str:
    """How a message names the file: its quoted name (at most 80 characters), or "The file"."""
    if not name:
        return "The file"
    text = str(name).replace("\n", " ")
    return "'" + (text if len(text) <= 80 else text[:60] + "…" + text[-12:]) + "'"


def _too_many_pixels(file: str, w: int, h: int) -> ImageError:
    return ImageError(
        f"{file} is too large: {w} x {h} pixels ({w * h / 1e6:.0f} megapixels, the limit is "
        f"{MAX_PIXELS / 1e6:.0f}). Please downscale it and try again."
    )


def _undecodable(file: str, fmt: str | None) -> ImageError:
    what = f"{file} ({fmt})" if fmt else file
    return ImageError(
        f"Could not decode {what}; it may be corrupted or use an unsupported variant. "
        "Please re-save it as PNG or JPEG and try again."
    )


#: Pillow mode -> (bytes per pixel while decoding and reducing, words for a message). Pillow keeps RGB and
#: two-band images in 4 bytes a pixel; palette and 1-bit images are expanded before they are reduced.
_DECODE_COST = {
    "1": (2, "1-bit"), "L": (1, "8-bit grey"), "P": (5, "palette colour"), "PA": (5, "palette colour"),
    "LA": (4, "grey with alpha"), "La": (4, "grey with alpha"), "RGB": (4, "8-bit colour"),
    "RGBA": (4, "8-bit colour with alpha"), "RGBa": (4, "8-bit colour with alpha"), "RGBX": (4, "8-bit colour"),
    "CMYK": (4, "CMYK"), "YCbCr": (4, "YCbCr"), "LAB": (4, "Lab colour"), "HSV": (4, "HSV colour"),
    "I;16": (2, "16-bit grey"), "I;16L": (2, "16-bit grey"), "I;16B": (2, "16-bit grey"),
    "I;16N": (2, "16-bit grey"), "I": (4, "32-bit integer"), "F": (4, "32-bit floating point"),
}
_UNKNOWN_MODE_COST = (8, "an unusual pixel format")


def decoded_bytes(size: tuple[int, int], mode: str) -> int:
    """Bytes that decoding (and reducing) a ``size`` (w, h) image of Pillow ``mode`` takes at most."""
    return int(size[0]) * int(size[1]) * _DECODE_COST.get(mode, _UNKNOWN_MODE_COST)[0]


def _reduction(size: tuple[int, int]) -> int:
    """The integer factor that brings the longest side of ``size`` to at most MAX_SIDE."""
    return max(1, math.ceil(max(size) / MAX_SIDE))


def _reduce(img: Image.Image, notes: list[str]) -> Image.Image:
    """``img`` (loaded) with its longest side at most MAX_SIDE, reduced in its own mode (box filter) before
    any conversion; palette and 1-bit images are expanded first (averaging palette indices is no colour)."""
    factor = _reduction(img.size)
    if factor == 1:
        return img
    if img.mode == "1":
        img = img.convert("L")
    elif img.mode in ("P", "PA"):
        img = img.convert("RGBA" if img.mode == "PA" or "transparency" in img.info else "RGB")
    before = img.size
    if img.mode.startswith("I;16"):  # Pillow's reduce has no 16-bit path; its box resize has
        out = img.resize((math.ceil(before[0] / factor), math.ceil(before[1] / factor)), Image.Resampling.BOX)
    else:
        out = img.reduce(factor)
    out.info = img.info
    notes.append(f"reduced from {before[0]} x {before[1]} to {out.size[0]} x {out.size[1]} while decoding")
    return out


def _count_frames(img: Image.Image, fmt: str | None, cap: int = 20) -> tuple[int, bool]:
    """(frames, more): GIF frames are counted by seeking, which decodes each, so at most ``cap`` of them."""
    if fmt != "GIF":
        return int(getattr(img, "n_frames", 1) or 1), False
    if not getattr(img, "is_animated", False):
        return 1, False
    count = 1
    try:
        while count <= cap:
            img.seek(count)
            count += 1
    except EOFError:
        return count, False
    finally:
        img.seek(0)
    return cap, True


def load_image(data: bytes, name: str | None = None) -> LoadedImage:
    """Decode upload bytes (PNG, JPEG, WebP, BMP, TIFF, first frame of GIF) to (H, W, 3) uint8 RGB.

    Bounded work: the pixel count and the bytes decoding takes (pixels x bytes per pixel of the file's own
    mode: 16-bit and float images cost more) are checked from the header before any pixel is decoded;
    a JPEG is decoded at 1/2, 1/4 or 1/8 scale (draft mode) and any image is reduced in its own mode
    right after decoding, so the longest side is at most MAX_SIDE before conversion.
    Applies EXIF orientation, composites alpha on white, converts grayscale/palette/CMYK and
    scales 16-bit/32-bit/float images by their actual value range. Raises :class:`ImageError`
    (one-line user-facing message naming ``name``) for empty, oversized, non-image, truncated, corrupt,
    too-large or tiny (< 8 px a side) inputs.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"load_image expects bytes, got {type(data).__name__}")
    data = bytes(data)
    file = _file(name)
    if len(data) == 0:
        raise ImageError(f"{file} is empty.")
    if len(data) > MAX_BYTES:
        raise ImageError(
            f"{file} is {len(data) / 2**20:.1f} MB, over the {MAX_BYTES / 2**20:.0f} MB limit. "
            "Please upload a smaller image."
        )

    notes: list[str] = []
    fmt: str | None = None
    with _strict_decoding():
        try:
            Image.init()  # register every plugin so `formats` can name them
            img = Image.open(io.BytesIO(data), formats=list(SUPPORTED_FORMATS))
            fmt = img.format
            w, h = img.size
            # Own limits, from the header, before any pixel is decoded.
            if w * h > MAX_PIXELS:
                raise _too_many_pixels(file, w, h)
            if min(w, h) < MIN_SIDE:
                raise ImageError(
                    f"{file} is only {w} x {h} pixels; it must be at least {MIN_SIDE} pixels "
                    "on each side. Please upload a larger image."
                )
            n_frames, more = _count_frames(img, fmt)
            if n_frames > 1:
                img.seek(0)
                count = f"more than {n_frames}" if more else str(n_frames)
                if fmt == "TIFF":
                    notes.append(f"first page of {count} (multi-page TIFF)")
                elif fmt == "MPO":
                    notes.append(f"first image of {count} (multi-picture JPEG)")
                else:
                    notes.append(f"first frame of {count} (animated {fmt})")
            if fmt in ("JPEG", "MPO") and _reduction(img.size) > 1:
                factor = _reduction(img.size)
                img.draft(None, (math.ceil(w / factor), math.ceil(h / factor)))  # decode at 1/2, 1/4, 1/8
                if img.size != (w, h):
                    notes.append(f"decoded at {img.size[0]} x {img.size[1]} of {w} x {h} (JPEG draft mode)")
            cost = decoded_bytes(img.size, img.mode)
            if cost > MAX_DECODED_BYTES:
                per, what = _DECODE_COST.get(img.mode, _UNKNOWN_MODE_COST)
                raise ImageError(
                    f"{file} is too large to decode: {img.size[0]} x {img.size[1]} pixels of {what} take "
                    f"{cost / 2**20:.0f} MB, over the {MAX_DECODED_BYTES / 2**20:.0f} MB limit. Please downscale "
                    "it, or save it as an 8-bit PNG or JPEG, and try again."
                )
            img.load()  # the full decode: truncation and corruption surface here
            original_mode = img.mode
            img = _reduce(img, notes)
            img = _apply_exif_orientation(img, notes)
            array = _pil_to_rgb_array(img, notes)
        except ImageError:
            raise
        except UnidentifiedImageError:
            raise ImageError(
                f"{file} is not an image we can read. Please upload a {_FORMAT_HINT} file."
            ) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(
                f"{file} is too large to decode safely (over {MAX_PIXELS / 1e6:.0f} megapixels). "
                "Please downscale it and try again."
            ) from None
        except MemoryError:
            raise ImageError(
                f"Not enough memory to decode {file}. Please upload a smaller image."
            ) from None
        except Exception as exc:  # anything Pillow/numpy raises while decoding
            if "truncated" in str(exc).lower() or isinstance(exc, EOFError):
                raise ImageError(
                    f"{file} is truncated or incomplete. Please re-export or re-download "
                    "it and try again."
                ) from None
            raise _undecodable(file, fmt) from None
    return _make_loaded(array, name or "upload", fmt or "unknown", original_mode, notes)


def _apply_exif_orientation(img: Image.Image, notes: list[str]) -> Image.Image:
    """Rotate/flip per the EXIF orientation tag; a broken EXIF block is ignored (with a note)."""
    try:
        orientation = img.getexif().get(ExifTags.Base.Orientation, 1)
        if orientation not in (2, 3, 4, 5, 6, 7, 8):
            return img
        out = ImageOps.exif_transpose(img)
    except Exception:
        notes.append("unreadable EXIF orientation ignored")
        return img
    notes.append("EXIF orientation applied")
    return out if out is not None else img


def _composite_on_white(rgba: Image.Image, notes: list[str]) -> Image.Image:
    lo, _ = rgba.getchannel("A").getextrema()
    if lo < 255:
        notes.append("alpha composited on white")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        rgba = Image.alpha_composite(white, rgba)
    return rgba.convert("RGB")


def _pil_to_rgb_array(img: Image.Image, notes: list[str]) -> np.ndarray:
    """Any Pillow mode -> (H, W, 3) uint8 RGB array."""
    mode = img.mode
    if mode == "RGB":
        rgb = img
    elif mode in ("1", "L"):
        rgb = img.convert("RGB")
        notes.append("grayscale expanded to RGB")
    elif mode == "P":
        if "transparency" in img.info:
            rgb = _composite_on_white(img.convert("RGBA"), notes)
        else:
            rgb = img.convert("RGB")
    elif mode in ("RGBA", "RGBa", "LA", "La", "PA"):
        rgb = _composite_on_white(img.convert("RGBA"), notes)
    elif mode == "CMYK":
        rgb = img.convert("RGB")
        notes.append("CMYK converted to RGB")
    elif mode.startswith("I") or mode == "F":
        gray, note = _scale_to_uint8(np.asarray(img), mode)
        notes.append(note)
        return np.repeat(gray[:, :, None], 3, axis=2)
    else:  # YCbCr, RGBX, HSV, ...
        try:
            rgb = img.convert("RGB")
        except ValueError:
            raise ImageError(
                f"The image uses the {mode} colour mode, which is not supported. "
                "Please re-save it as an RGB PNG or JPEG."
            ) from None
        notes.append(f"{mode} converted to RGB")
    return np.asarray(rgb, dtype=np.uint8)


def _scale_to_uint8(values: np.ndarray, mode: str) -> tuple[np.ndarray, str]:
    """High-bit-depth array (any shape) -> uint8 of the same shape, mapping [min, max] to [0, 255]."""
    a = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(a)
    kind = ("16-bit" if mode.startswith("I;16") else "32-bit" if mode.startswith("I")
            else "floating-point")
    if not finite.any():
        return np.zeros(a.shape, np.uint8), f"{kind} image has no finite values; shown black"
    lo, hi = float(a[finite].min()), float(a[finite].max())
    a = np.where(finite, a, lo)
    if hi > lo:
        out = np.rint((a - lo) * (255.0 / (hi - lo)))
        note = f"{kind} scaled to 8-bit (values {lo:g}..{hi:g} -> 0..255)"
    else:  # constant image: use the nominal range of the type
        if mode.startswith("I;16"):
            nominal = 65535.0
        elif mode == "F" and 0.0 <= lo <= 1.0:
            nominal = 1.0
        else:
            nominal = 255.0
        out = np.full(a.shape, np.clip(np.rint(lo / nominal * 255.0), 0, 255))
        note = f"{kind} scaled to 8-bit (constant value {lo:g})"
    return np.clip(out, 0, 255).astype(np.uint8), note


def _make_loaded(array: np.ndarray, name: str, fmt: str, mode: str,
                 notes: Sequence[str]) -> LoadedImage:
    array = np.ascontiguousarray(array, dtype=np.uint8)
    if array.ndim != 3 or array.shape[2] != 3:  # internal invariant
        raise ImageError("The image could not be converted to RGB. Please re-save it as PNG or JPEG.")
    array.setflags(write=False)
    return LoadedImage(
        array=array, name=str(name), format=fmt, original_mode=mode,
        size=(int(array.shape[1]), int(array.shape[0])), notes=tuple(notes),
    )


def image_from_array(array: np.ndarray, name: str = "array", format: str = "array") -> LoadedImage:
    """Wrap an in-memory image as a LoadedImage.

    Accepts (H, W) gray, (H, W, 1), (H, W, 3) RGB or (H, W, 4) RGBA; bool, uint8, other integer
    or float dtypes (floats in [0, 1] are scaled by 255, other non-uint8 ranges by min..max).
    Raises ValueError for other shapes.
    """
    a = np.asarray(array)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (3, 4)):
        raise ValueError(f"expected (H, W), (H, W, 3) or (H, W, 4) image array, got shape {a.shape}")
    notes: list[str] = []
    gray = a.ndim == 2
    if a.dtype == bool:
        mode, a = "1", a.astype(np.uint8) * 255
    elif a.dtype == np.uint8:
        mode = "L" if gray else ("RGB" if a.shape[2] == 3 else "RGBA")
    elif np.issubdtype(a.dtype, np.floating) and np.nanmin(a) >= 0 and np.nanmax(a) <= 1:
        mode = "F"
        a = np.clip(np.rint(np.nan_to_num(a) * 255.0), 0, 255).astype(np.uint8)
    else:
        mode = "I;16" if a.dtype == np.uint16 else ("F" if np.issubdtype(a.dtype, np.floating) else "I")
        a, note = _scale_to_uint8(a, mode)  # one range for all channels keeps colour balance
        notes.append(note)
    if a.ndim == 2:
        if mode in ("1", "L"):
            notes.append("grayscale expanded to RGB")
        a = np.repeat(a[:, :, None], 3, axis=2)
    elif a.shape[2] == 4:
        rgb = _composite_on_white(Image.fromarray(np.ascontiguousarray(a), "RGBA"), notes)
        mode, a = "RGBA", np.asarray(rgb)
    return _make_loaded(a, name, format, mode, notes)


# --------------------------------------------------------------------------- gallery

def _skimage_loader(fn_name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        import skimage.data  # deferred: this module loads with the app; the samples only when one is opened

        return getattr(skimage.data, fn_name)()

    load.__name__ = f"load_{fn_name}"
    return load


# Only images shipped inside the scikit-image wheel (no pooch download needed).
SAMPLES: "OrderedDict[str, Callable[[], np.ndarray]]" = OrderedDict(
    (name, _skimage_loader(name))
    for name in (
        "astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field",
        "immunohistochemistry", "coins", "camera", "grass", "gravel", "brick",
    )
)
"""Gallery: sample name -> zero-argument loader returning a numpy image (gray or RGB)."""

SAMPLE_CAPTIONS: dict[str, str] = {
    "astronaut": "Astronaut Eileen Collins (NASA)",
    "chelsea": "Chelsea the cat",
    "coffee": "A cup of coffee",
    "rocket": "Falcon 9 on the launch pad (SpaceX)",
    "hubble_deep_field": "Hubble eXtreme Deep Field (NASA)",
    "immunohistochemistry": "Immunohistochemistry stain (tissue)",
    "coins": "Greek coins (grayscale)",
    "camera": "Cameraman (grayscale)",
    "grass": "Texture: grass (grayscale)",
    "gravel": "Texture: gravel (grayscale)",
    "brick": "Texture: brick wall (grayscale)",
}
"""Short human captions for the gallery, keyed like SAMPLES."""


def list_samples() -> list[str]:
    """Names of the gallery samples, in display order."""
    return list(SAMPLES)


@functools.lru_cache(maxsize=None)
def load_sample(name: str) -> LoadedImage:
    """Load a gallery sample as a LoadedImage ((H, W, 3) uint8, cached). Unknown name -> ImageError."""
    loader = SAMPLES.get(name)
    if loader is None:
        raise ImageError(f"Unknown sample {str(name)[:60]!r}. Choose one of: {', '.join(SAMPLES)}.")
    return image_from_array(loader(), name=name, format="skimage")


# --------------------------------------------------------------------------- model view

_PIL_INTERP = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "box": Image.Resampling.BOX,
    "hamming": Image.Resampling.HAMMING,
    "lanczos": Image.Resampling.LANCZOS,
}
_DEFAULT_CROP_PCT = 0.875  # timm.data.constants.DEFAULT_CROP_PCT
_TRANSFORM_KEYS = ("input_size", "interpolation", "mean", "std", "crop_pct", "crop_mode",
                   "crop_border_pixels")


@dataclass(frozen=True)
class ViewGeometry:
    """How timm's eval transform maps an (H, W) image to the model's (h, w) view.

    Steps: keep ``trim_box`` of the image (x0, y0, x1, y1; the whole image unless the config
    has crop_border_pixels), resize it to ``resized_hw``, then take ``crop_box`` (x0, y0, x1, y1
    in resized pixels; parts outside the resized image are padded with ``pad_fill``).
    Coordinates are continuous pixel-edge coordinates: (0, 0) is the top-left corner.
    """

    image_hw: tuple[int, int]
    trim_box: tuple[int, int, int, int]
    resized_hw: tuple[int, int]
    crop_box: tuple[int, int, int, int]
    view_hw: tuple[int, int]
    interpolation: str
    crop_mode: str
    crop_pct: float
    pad_fill: tuple[int, int, int] = (0, 0, 0)

    @property
    def scale_xy(self) -> tuple[float, float]:
        """(sx, sy): resized pixels per image pixel."""
        tx0, ty0, tx1, ty1 = self.trim_box
        return self.resized_hw[1] / (tx1 - tx0), self.resized_hw[0] / (ty1 - ty0)

    @property
    def padded(self) -> bool:
        """True if part of the view is padding (outside the image)."""
        x0, y0, x1, y1 = self.crop_box
        return x0 < 0 or y0 < 0 or x1 > self.resized_hw[1] or y1 > self.resized_hw[0]

    def view_to_image(self, xy: np.ndarray) -> np.ndarray:
        """(..., 2) x, y in model-view pixels -> (..., 2) x, y in original-image pixels (float)."""
        xy = np.asarray(xy, dtype=np.float64)
        sx, sy = self.scale_xy
        x = (xy[..., 0] + self.crop_box[0]) / sx + self.trim_box[0]
        y = (xy[..., 1] + self.crop_box[1]) / sy + self.trim_box[1]
        return np.stack([x, y], axis=-1)

    def image_to_view(self, xy: np.ndarray) -> np.ndarray:
        """(..., 2) x, y in original-image pixels -> (..., 2) x, y in model-view pixels (float)."""
        xy = np.asarray(xy, dtype=np.float64)
        sx, sy = self.scale_xy
        x = (xy[..., 0] - self.trim_box[0]) * sx - self.crop_box[0]
        y = (xy[..., 1] - self.trim_box[1]) * sy - self.crop_box[1]
        return np.stack([x, y], axis=-1)

    def boxes_to_image(self, boxes: np.ndarray) -> np.ndarray:
        """(N, 4) x0, y0, x1, y1 boxes in model-view pixels -> (N, 4) float boxes in image pixels."""
        b = np.asarray(boxes, dtype=np.float64).reshape(-1, 2, 2)
        return self.view_to_image(b).reshape(-1, 4)

    @property
    def visible_box(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the original image that the model sees (padding excluded)."""
        (x0, y0), (x1, y1) = self.view_to_image(
            np.array([[0.0, 0.0], [self.view_hw[1], self.view_hw[0]]]))
        tx0, ty0, tx1, ty1 = self.trim_box
        return (max(x0, tx0), max(y0, ty0), min(x1, tx1), min(y1, ty1))


def _config_value(cfg: Mapping[str, Any], key: str, default: Any) -> Any:
    value = cfg.get(key)
    return default if value is None else value


def _target_hw(input_size: Any) -> tuple[int, int]:
    if isinstance(input_size, (tuple, list)):
        h, w = input_size[-2:]
        return int(h), int(w)
    return int(input_size), int(input_size)


def view_geometry(image_hw: tuple[int, int], data_config: Mapping[str, Any]) -> ViewGeometry:
    """Exact resize + crop that ``timm.data.create_transform(**data_config, is_training=False)``
    applies to an image of size ``image_hw`` (H, W). Mirrors timm's ``transforms_imagenet_eval``:
    crop_mode 'center' (default), 'squash' or 'border', crop_pct (default 0.875), crop_border_pixels.
    """
    H, W = int(image_hw[0]), int(image_hw[1])
    if H <= 0 or W <= 0:
        raise ValueError(f"image_hw must be positive, got {image_hw}")
    th, tw = _target_hw(_config_value(data_config, "input_size", 224))
    crop_pct = float(_config_value(data_config, "crop_pct", _DEFAULT_CROP_PCT)) or _DEFAULT_CROP_PCT
    crop_mode = _config_value(data_config, "crop_mode", "center")
    interpolation = _config_value(data_config, "interpolation", "bilinear")
    if interpolation not in _PIL_INTERP:
        raise ValueError(f"unsupported interpolation {interpolation!r}")
    mean = _config_value(data_config, "mean", (0.485, 0.456, 0.406))

    # TrimBorder (timm clamps `left` with the height; mirrored on purpose).
    border = int(_config_value(data_config, "crop_border_pixels", 0) or 0)
    if border:
        top, left = min(border, H), min(border, H)
        h0, w0 = max(0, H - 2 * border), max(0, W - 2 * border)
        if h0 == 0 or w0 == 0:
            raise ValueError(f"crop_border_pixels={border} removes the whole {W}x{H} image")
        trim_box = (left, top, left + w0, top + h0)
    else:
        h0, w0 = H, W
        trim_box = (0, 0, W, H)

    scale_h, scale_w = math.floor(th / crop_pct), math.floor(tw / crop_pct)
    pad_fill = (0, 0, 0)
    if crop_mode == "squash":
        rh, rw = scale_h, scale_w
    elif crop_mode == "border":
        rh, rw = _resize_keep_ratio((h0, w0), (scale_h, scale_w), longest=1.0)
        pad_fill = tuple(int(round(255 * v)) for v in mean)
    else:  # 'center' and anything else, like timm
        crop_mode = "center"
        if scale_h == scale_w:  # torchvision Resize(int): shorter side -> size
            short, long = (w0, h0) if w0 <= h0 else (h0, w0)
            new_short, new_long = scale_h, int(scale_h * long / short)
            rw, rh = (new_short, new_long) if w0 <= h0 else (new_long, new_short)
        else:
            rh, rw = _resize_keep_ratio((h0, w0), (scale_h, scale_w), longest=0.0)

    def crop_start(n: int, c: int) -> int:  # torchvision center_crop incl. its zero-padding
        return -((c - n) // 2) if c > n else int(round((n - c) / 2.0))

    x0, y0 = crop_start(rw, tw), crop_start(rh, th)
    return ViewGeometry(
        image_hw=(H, W), trim_box=trim_box, resized_hw=(int(rh), int(rw)),
        crop_box=(x0, y0, x0 + tw, y0 + th), view_hw=(th, tw), interpolation=interpolation,
        crop_mode=crop_mode, crop_pct=crop_pct, pad_fill=pad_fill,
    )


def _resize_keep_ratio(hw: tuple[int, int], target_hw: tuple[int, int], longest: float) -> tuple[int, int]:
    """timm.data.transforms.ResizeKeepRatio.get_params without randomness -> (h, w)."""
    ratio_h, ratio_w = hw[0] / target_hw[0], hw[1] / target_hw[1]
    ratio = max(ratio_h, ratio_w) * longest + min(ratio_h, ratio_w) * (1.0 - longest)
    h, w = (round(x * 1.0 / ratio) for x in hw)
    return int(h), int(w)


def _as_rgb_uint8(array: Any) -> np.ndarray:
    if isinstance(array, LoadedImage):
        return array.array
    a = np.asarray(array)
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    if a.ndim != 3 or a.shape[2] != 3 or a.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB array, got {a.shape} {a.dtype}")
    return a


def model_view(array: np.ndarray, data_config: Mapping[str, Any]) -> np.ndarray:
    """(H, W, 3) uint8 image (or LoadedImage) -> (h, w, 3) uint8 image exactly as the model sees it
    (timm eval resize + crop/pad, before normalisation); (h, w) = data_config input size."""
    rgb = _as_rgb_uint8(array)
    g = view_geometry(rgb.shape[:2], data_config)
    img = Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    if g.trim_box != (0, 0, g.image_hw[1], g.image_hw[0]):
        img = img.crop(g.trim_box)
    img = img.resize((g.resized_hw[1], g.resized_hw[0]), _PIL_INTERP[g.interpolation])
    canvas = Image.new("RGB", (g.view_hw[1], g.view_hw[0]), g.pad_fill)
    canvas.paste(img, (-g.crop_box[0], -g.crop_box[1]))
    return np.asarray(canvas, dtype=np.uint8)


def data_config_for(model: Any) -> dict:
    """timm data config of a model: input_size (C, H, W), interpolation, mean, std, crop_pct, crop_mode."""
    from timm.data import resolve_data_config  # deferred: timm takes about 2 s to import, image loading needs none

    return dict(resolve_data_config({}, model=model))


def preprocess(array: np.ndarray, data_config: Mapping[str, Any]) -> "torch.Tensor":
    """(H, W, 3) uint8 RGB (or LoadedImage) -> (1, 3, h, w) float32 tensor via timm's eval transform
    (``create_transform(**data_config, is_training=False)``, geometry keys and mean/std only)."""
    import torch  # deferred (about 1.5 s): loading and checking images needs no torch
    from timm.data import create_transform  # deferred (about 2 s): as data_config_for's

    rgb = _as_rgb_uint8(array)
    kwargs = {k: data_config[k] for k in _TRANSFORM_KEYS if data_config.get(k) is not None}
    transform = create_transform(**kwargs, is_training=False)
    x = transform(Image.fromarray(np.ascontiguousarray(rgb), "RGB"))
    return x.unsqueeze(0).to(torch.float32).contiguous()


# --------------------------------------------------------------------------- tokens

def _edges(n_cells: int, n_pixels: int) -> np.ndarray:
    """(n_cells + 1,) integer cell edges splitting n_pixels as evenly as possible."""
    return (np.arange(n_cells + 1, dtype=np.int64) * n_pixels) // n_cells


def token_boxes(grid_hw: tuple[int, int], view_hw: tuple[int, int]) -> np.ndarray:
    """(N, 4) int64 boxes (x0, y0, x1, y1; x1/y1 exclusive) in model-view pixels for an
    (gh, gw) patch grid, N = gh * gw in row-major token order. The boxes tile the view exactly."""
    gh, gw = int(grid_hw[0]), int(grid_hw[1])
    H, W = int(view_hw[0]), int(view_hw[1])
    if gh <= 0 or gw <= 0 or H < gh or W < gw:
        raise ValueError(f"cannot split a {H}x{W} view into a {gh}x{gw} grid")
    ey, ex = _edges(gh, H), _edges(gw, W)
    y0, x0 = np.meshgrid(ey[:-1], ex[:-1], indexing="ij")
    y1, x1 = np.meshgrid(ey[1:], ex[1:], indexing="ij")
    return np.stack([x0.ravel(), y0.ravel(), x1.ravel(), y1.ravel()], axis=1)


def upsample_token_map(values: np.ndarray, view_hw: tuple[int, int], mode: str = "nearest") -> np.ndarray:
    """(gh, gw) per-token values -> (H, W) float64 map over the model view.

    mode "nearest": each token fills exactly its ``token_boxes`` cell (NaN stays in its cell).
    mode "bilinear": smooth, cell-centred interpolation (like torch interpolate, align_corners=False).
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 2:
        raise ValueError(f"values must be a (h, w) array, got shape {v.shape}")
    gh, gw = v.shape
    H, W = int(view_hw[0]), int(view_hw[1])
    if mode == "nearest":
        iy = np.searchsorted(_edges(gh, H), np.arange(H), side="right") - 1
        ix = np.searchsorted(_edges(gw, W), np.arange(W), side="right") - 1
        return v[iy][:, ix]
    if mode == "bilinear":
        def axis(n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            src = np.clip((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0, n_in - 1)
            i0 = np.floor(src).astype(np.int64)
            i1 = np.minimum(i0 + 1, n_in - 1)
            return i0, i1, src - i0

        y0, y1, fy = axis(H, gh)
        x0, x1, fx = axis(W, gw)
        rows = v[y0] * (1 - fy)[:, None] + v[y1] * fy[:, None]
        return rows[:, x0] * (1 - fx)[None, :] + rows[:, x1] * fx[None, :]
    raise ValueError(f"mode must be 'nearest' or 'bilinear', got {mode!r}")
