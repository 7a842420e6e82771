"""Data-parallel training with :mod:`torch.distributed` (launched by ``torchrun``).

One process per device; every process builds the same model, takes its share of each global batch,
and DDP averages the gradients. Batches are cut from one seeded permutation per epoch, the same in
every process, so ``P`` processes see exactly the samples that one process would.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist

__all__ = ["Distributed", "epoch_batches", "mix_seed"]


@dataclass(frozen=True)
class Distributed:
    """This process's place: ``rank`` of ``world_size`` processes (``local_rank`` on its machine)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Rank 0, the only process that writes checkpoints, logs and plots."""
        return self.rank == 0

    @classmethod
    def from_env(cls) -> Distributed:
        """Read ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` as set by ``torchrun`` (defaults: one process)."""
        env = os.environ
        return cls(int(env.get("RANK", 0)), int(env.get("WORLD_SIZE", 1)), int(env.get("LOCAL_RANK", 0)))

    def device(self, wanted: str) -> torch.device:
        """The device of this process: ``auto`` is ``cuda:LOCAL_RANK`` when CUDA is available, else CPU."""
        if wanted == "auto":
            wanted = "cuda" if torch.cuda.is_available() else "cpu"
        if wanted == "cuda":
            return torch.device("cuda", self.local_rank)
        return torch.device(wanted)

    def start(self, device: torch.device) -> None:
        """Join the process group (NCCL on CUDA, gloo on CPU); a no-op for one process."""
        if self.enabled and not dist.is_initialized():
            if device.type == "cuda":
                torch.cuda.set_device(device)
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")

    def stop(self) -> None:
        if self.enabled and dist.is_initialized():
            dist.destroy_process_group()

    def sum(self, values: torch.Tensor) -> torch.Tensor:
        """``values`` summed over all processes (in place; returned)."""
        if self.enabled:
            dist.all_reduce(values, op=dist.ReduceOp.SUM)
        return values

    def barrier(self) -> None:
        if self.enabled:
            dist.barrier()


def mix_seed(*values: int) -> int:
    """A well-mixed 63-bit seed from integers (e.g. ``(seed, epoch, rank)``)."""
    return int(
        np.random.SeedSequence([int(v) for v in values]).generate_state(2, np.uint64)[0] >> np.uint64(1)
    )


def epoch_batches(
    size: int, batch_size: int, shuffle_seed: int | None, rank: int = 0, world_size: int = 1
) -> tuple[list[list[int]], list[int]]:
    """This process's share of every global batch of one epoch.

    Parameters
    ----------
    size : int
        Number of samples.
    batch_size : int
        Global batch size (all processes together).
    shuffle_seed : int or None
        Seed of the epoch's permutation; None keeps the data set's order (evaluation).
    rank, world_size : int
        Process ``rank`` takes samples ``rank, rank + P, ...`` of each global batch. A last global batch
        with fewer than ``P`` samples is dropped when ``P > 1`` (every process must take part in every step).

    Returns
    -------
    (local_batches, global_sizes)
        Index lists for this process and the size of each global batch.
    """
    if shuffle_seed is None:
        order = torch.arange(size)
    else:
        order = torch.randperm(size, generator=torch.Generator().manual_seed(shuffle_seed))
    batches = [order[i : i + batch_size] for i in range(0, size, batch_size)]
    batches = [b for b in batches if len(b) >= world_size]
    return [b[rank::world_size].tolist() for b in batches], [len(b) for b in batches]
