"""Image folders in ImageFolder layout (``root/<class>/<image>``) as evaluation data.

Classes map to a model's outputs in one of three ways (:func:`folder_classes`): sorted folder order; ImageNet
wnids (``n01440764``) to the ImageNet-1k index (timm's offline metadata); or a class-index file for any other
label space: JSON ``{"folder": index}``, or text with one class name per line (line k = output k, the format of
timm's label files) or ``name index`` pairs. A file that cannot be read as an image is skipped by
:class:`ImageFolderData` and named by :func:`collate_skipping`, never a crash mid-run.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
from PIL import Image

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}


def _class_dirs(root: Path) -> list[str]:
    if not root.is_dir():
        raise FileNotFoundError(f"no folder {root}")
    try:
        classes = sorted(d.name for d in root.iterdir() if d.is_dir())
    except PermissionError:
        raise PermissionError(f"{root} cannot be read (permission denied)") from None
    if not classes:
        raise ValueError(f"{root} has no class sub-folders (ImageFolder layout: root/<class>/<image>)")
    return classes


def read_class_file(path: Path) -> dict[str, int]:
    """A class-index file -> {class name: output index}: JSON ``{"name": index}``, or text lines of ``name`` (its
    line number is the index) or ``name index``. Raises ValueError / FileNotFoundError for the user."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"--classes {path}: no such file")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        try:
            table = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"--classes {path}: not JSON ({err.msg}, line {err.lineno})") from None
        if not isinstance(table, dict) or not all(isinstance(v, int) for v in table.values()):
            raise ValueError(f"--classes {path}: expected a JSON object of class name -> output index")
        return {str(k): int(v) for k, v in table.items()}
    table = {}
    for number, line in enumerate(ln.strip() for ln in text.splitlines()):
        if not line:
            continue
        name, _, index = line.rpartition(" ")
        if name and index.lstrip("-").isdigit():
            table[name.strip()] = int(index)
        else:
            table[line] = number
    if not table:
        raise ValueError(f"--classes {path}: the file is empty")
    return table


def folder_classes(root: Path, wnids: bool = False, num_outputs: int | None = None,
                   class_file: Path | None = None) -> dict[str, int]:
    """The class folders of an ImageFolder ``root`` -> the model output each one is (see the module doc).
    ``num_outputs`` (the model's, when known) is checked against the classes. Raises FileNotFoundError /
    PermissionError / ValueError with a message for the user."""
    root = Path(root)
    classes = _class_dirs(root)
    if class_file is not None:
        index = read_class_file(class_file)
        unknown = [c for c in classes if c not in index]
        if unknown:
            raise ValueError(f"{len(unknown)} class folder(s) of {root} are not in --classes {class_file}, "
                             f"e.g. {unknown[0]!r}")
        out = {c: index[c] for c in classes}
        bad = [c for c, i in out.items() if num_outputs is not None and not 0 <= i < num_outputs]
        if bad:
            raise ValueError(f"--classes {class_file} maps {bad[0]!r} to output {out[bad[0]]}, but the model has "
                             f"outputs 0 to {num_outputs - 1}")
        return out
    if not wnids:
        if num_outputs is not None and len(classes) > num_outputs:
            raise ValueError(f"{root} has {len(classes)} class folders but the model has {num_outputs} outputs "
                             "(map them with --classes FILE or --wnids)")
        return {c: i for i, c in enumerate(classes)}
    from timm.data import ImageNetInfo  # defers timm (about 2 s): only an ImageNet folder needs its class list
    index = {name: i for i, name in enumerate(ImageNetInfo().label_names())}
    unknown = [c for c in classes if c not in index]
    if unknown:
        raise ValueError(f"--wnids: {len(unknown)} folder(s) of {root} are no ImageNet-1k wnid, e.g. {unknown[0]!r} "
                         "(expected names like n01440764)")
    if num_outputs is not None and num_outputs != len(index):
        raise ValueError(f"--wnids maps folders to the {len(index)} ImageNet-1k classes, but the model has "
                         f"{num_outputs} outputs")
    return {c: index[c] for c in classes}


def folder_items(root: Path, labels: dict[str, int]) -> list[tuple[Path, int]]:
    """(image path, output index) of every image file in the class folders, in class then file-name order."""
    root = Path(root)
    items = []
    for c, label in labels.items():
        try:
            files = sorted((root / c).iterdir())
        except PermissionError:
            raise PermissionError(f"{root / c} cannot be read (permission denied)") from None
        items += [(p, label) for p in files if p.suffix.lower() in IMAGE_SUFFIXES]
    if not items:
        raise ValueError(f"{root} has no images in its class folders ({', '.join(sorted(IMAGE_SUFFIXES))})")
    return items


@dataclass(frozen=True)
class Sample:
    """One item of a data set: the model's input (None: the file could not be read), label, where it came from."""

    x: torch.Tensor | None   # (3, H, W)
    label: int
    name: str


class ImageFolderData(torch.utils.data.Dataset):
    """The items of :func:`folder_items` through ``transform`` (PIL image -> (3, H, W) tensor); a file PIL
    cannot decode gives a Sample with ``x`` None."""

    def __init__(self, items: list[tuple[Path, int]], transform: Callable, root: Path | None = None):
        self.items, self.transform, self.root = items, transform, root

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> Sample:
        path, label = self.items[i]
        name = str(path.relative_to(self.root)) if self.root is not None else str(path)
        try:
            with Image.open(path) as im:
                x = self.transform(im.convert("RGB"))
        except (OSError, ValueError, Image.DecompressionBombError):  # truncated, not an image, too large
            return Sample(None, label, name)
        return Sample(x, label, name)


@dataclass(frozen=True)
class Batch:
    """What a DataLoader over Samples yields: the readable images stacked, their labels, the unreadable files."""

    x: torch.Tensor | None    # (B, 3, H, W); None when every file of the batch was unreadable
    labels: torch.Tensor      # (B,)
    skipped: tuple[str, ...]
    extra: tuple = ()         # per-image extras of the readable ones (the scenes' masks)


def collate_skipping(samples: list[Sample]) -> Batch:
    """DataLoader ``collate_fn``: stacks the readable samples and names the others."""
    good = [s for s in samples if s.x is not None]
    return Batch(torch.stack([s.x for s in good]) if good else None, torch.tensor([s.label for s in good]),
                 tuple(s.name for s in samples if s.x is None))


__all__ = ["IMAGE_SUFFIXES", "Batch", "ImageFolderData", "Sample", "collate_skipping", "folder_classes",
           "folder_items", "read_class_file"]
