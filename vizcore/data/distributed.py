"""torch.distributed for evaluation under ``torchrun``: who this process is, every image counted exactly once,
and sums across processes.

``torchrun --nproc_per_node N -m vizcore evaluate ...`` starts N processes with ``RANK``, ``WORLD_SIZE`` and
``LOCAL_RANK`` set; :func:`setup` joins them into one process group (nccl on CUDA, gloo on CPU, chosen by the
device). Without torchrun it is a world of one and no process group is made: the code paths are the same.

Data are sharded by :class:`ShardSampler` (rank ``r`` of ``W`` takes indices ``r, r + W, r + 2W, ...``): unlike
``torch.utils.data.DistributedSampler`` it never pads a shard with repeated indices, so when ``W`` does not
divide the data the shards differ in length by one and every index is seen exactly once. Counts are summed
with :func:`sum_counts` (float64 on the wire: whole numbers stay exact up to 2**53).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch.utils.data import Sampler

from vizcore.device import pick_device


@dataclass(frozen=True)
class World:
    """This process's place among the evaluation's processes."""

    rank: int
    size: int
    device: torch.device

    @property
    def main(self) -> bool:
        """Rank 0: the process that prints and writes."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1 and dist.is_available() and dist.is_initialized()


def launched() -> bool:
    """Whether torchrun (or another launcher setting RANK and WORLD_SIZE) started this process."""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def backend_for(device: torch.device) -> str:
    """nccl for CUDA devices, gloo for everything else."""
    return "nccl" if device.type == "cuda" else "gloo"


def setup(device: str | None = None) -> World:
    """Join torchrun's process group (once per process) and pick this rank's device: ``cuda:LOCAL_RANK`` when
    the device is CUDA, else the device asked for (``device``, ``$VIZCORE_DEVICE`` or the best available).
    Without torchrun: a world of one on that device."""
    dev = pick_device(device)
    if not launched():
        return World(0, 1, dev)
    rank, size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    if dev.type == "cuda":
        dev = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
        torch.cuda.set_device(dev)
    if size > 1 and not dist.is_initialized():
        dist.init_process_group(backend_for(dev))
    return World(rank, size, dev)


def shard(n: int, rank: int, size: int) -> range:
    """The indices of ``range(n)`` rank ``rank`` of ``size`` takes: every ``size``-th from ``rank``; the shards
    partition ``range(n)`` (no index twice, none padded in)."""
    return range(rank, n, size)


class ShardSampler(Sampler[int]):
    """A DataLoader sampler over ``range(n)`` taking this rank's :func:`shard`, in order, without padding."""

    def __init__(self, n: int, rank: int = 0, size: int = 1):
        if not 0 <= rank < size:
            raise ValueError(f"rank {rank} outside a world of {size}")
        self.indices = shard(n, rank, size)

    def __iter__(self):
        return iter(self.indices)

    def __len__(self) -> int:
        return len(self.indices)


def sum_counts(counts: dict[str, float], world: World) -> dict[str, float]:
    """``counts`` summed over every rank (the same keys on every rank); whole numbers come back as int."""
    if not world.distributed:
        return dict(counts)
    keys = sorted(counts)
    device = world.device if backend_for(world.device) == "nccl" else torch.device("cpu")
    values = torch.tensor([float(counts[k]) for k in keys], dtype=torch.float64, device=device)
    dist.all_reduce(values)
    out = {}
    for k, v in zip(keys, values.tolist()):
        out[k] = int(v) if isinstance(counts[k], int) else v
    return out


def gather_lists(items: list, world: World) -> list:
    """Every rank's ``items`` concatenated in rank order (small lists: the names of skipped files)."""
    if not world.distributed:
        return list(items)
    parts: list = [None] * world.size
    dist.all_gather_object(parts, list(items))
    return [x for part in parts for x in part]


def barrier(world: World) -> None:
    if world.distributed:
        dist.barrier()


def teardown() -> None:
    """Leave the process group (at the end of a command run under torchrun)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def broadcast(obj, world: World):
    """Rank 0's ``obj`` on every rank (a small picklable value: which configurations are done)."""
    if not world.distributed:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


__all__ = ["ShardSampler", "World", "backend_for", "barrier", "broadcast", "gather_lists", "launched", "setup", "shard",
           "sum_counts", "teardown"]
