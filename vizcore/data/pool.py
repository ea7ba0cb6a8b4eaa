"""A scene pool: the first ``n`` training scenes of a set (from ``offset``), rendered once into memory-mapped
arrays and read back by every later epoch and every run that shares them.

Rendering a scene costs about 30 ms of one core, a training step of the bundled ViT about 10 ms per scene:
a stream of new scenes spends most of a 2-core machine on drawing. A pool draws each scene once; runs that
use the same pool (same scene set, offset, size and n) share its files. The pool is filled lazily (a scene is
drawn the first time a batch asks for it) or up front by ``fill`` with several processes; two writers of the
same scene write the same bytes, so concurrent runs need no lock.

Files under ``root/v{version}_o{offset}_n{n}_s{size}/``: ``images.npy`` (n, size, size, 3) uint8,
``classes.npy`` (n, size, size) uint8 (the class under each pixel, K = background), ``labels.npy`` (n,)
int64 and ``filled.npy`` (n,) bool.
"""
from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from numpy.lib.format import open_memmap

from vizcore.data import scene_set


class ScenePool:
    """Scenes ``offset .. offset + n - 1`` of the train split of scene set ``version`` at ``size`` px."""

    def __init__(self, root: Path, version: int, offset: int, n: int, size: int):
        self.version, self.offset, self.n, self.size = int(version), int(offset), int(n), int(size)
        self.dir = Path(root) / f"v{self.version}_o{self.offset}_n{self.n}_s{self.size}"
        self.dir.mkdir(parents=True, exist_ok=True)
        shapes = {"images": ((n, size, size, 3), np.uint8), "classes": ((n, size, size), np.uint8),
                  "labels": ((n,), np.int64), "filled": ((n,), np.bool_)}
        self._arrays = {}
        for key, (shape, dtype) in shapes.items():
            path = self.dir / f"{key}.npy"
            mode = "r+" if path.is_file() else "w+"
            self._arrays[key] = open_memmap(path, mode=mode, dtype=dtype, shape=shape)

    @property
    def filled(self) -> int:
        return int(np.asarray(self._arrays["filled"]).sum())

    def _draw(self, positions) -> None:
        """Render the scenes at these pool positions and store them (filled flag last)."""
        module = scene_set(self.version)
        a = self._arrays
        for i in positions:
            s = module.render(self.offset + int(i), "train", self.size)
            a["images"][i] = s.image
            a["classes"][i] = s.class_map
            a["labels"][i] = s.label
            a["filled"][i] = True

    def batch(self, positions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(images (B, H, W, 3) uint8, labels (B,) int64, class maps (B, H, W) int64) at these positions."""
        positions = np.asarray(positions, dtype=np.int64)
        missing = positions[~np.asarray(self._arrays["filled"][positions])]
        if len(missing):
            self._draw(np.unique(missing))
        a = self._arrays
        return (np.asarray(a["images"][positions]), np.asarray(a["labels"][positions]),
                np.asarray(a["classes"][positions]).astype(np.int64))

    def order(self, epoch: int, seed: int = 0) -> np.ndarray:
        """The pool's positions in the order of ``epoch`` (a fresh permutation per epoch, seeded)."""
        return np.random.default_rng([int(seed), int(epoch), self.n]).permutation(self.n)

    def flush(self) -> None:
        for arr in self._arrays.values():
            arr.flush()


def _fill_part(args) -> int:
    root, version, offset, n, size, positions = args
    pool = ScenePool(root, version, offset, n, size)
    pool._draw(positions)
    pool.flush()
    return len(positions)


def fill(pool: ScenePool, processes: int = 2, chunk: int = 500, progress=None) -> int:
    """Draw every scene the pool lacks with ``processes`` processes; returns how many were drawn."""
    todo = np.flatnonzero(~np.asarray(pool._arrays["filled"]))
    chunks = [todo[i:i + chunk] for i in range(0, len(todo), chunk)]
    args = [(pool.dir.parent, pool.version, pool.offset, pool.n, pool.size, c) for c in chunks]
    done = 0
    with ProcessPoolExecutor(max_workers=max(1, processes)) as ex:
        for k in ex.map(_fill_part, args):
            done += k
            if progress is not None:
                progress(done, len(todo))
    return done
