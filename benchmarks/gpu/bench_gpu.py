"""GPU benchmark: the Triton backend against the plain-torch reference backend on the same GPU.

Workloads
---------
``onb-<n>``
    The Open Neuromorphic SNN-library benchmark: one dense layer of ``n -> n`` neurons
    (``n`` = 4096, 8192, 16384) and its SRM neuron, batch 16, 500 time steps of ``torch.randn``
    input (as that benchmark feeds its layers), loss = sum of the output spikes.
    Published forward+backward figures at 16k neurons on an RTX 4090: Lava-DL 171 ms,
    SpikingJelly CuPy 118 ms, Norse + torch.compile 109 ms, Spyx fp16 47 ms.
    Our target on an H100/H200-class GPU: under 40 ms with a peak below 5 GiB.
``nmnist-mlp``, ``nmnist-cnn``
    The paper's N-MNIST networks, 34x34x2-500-500-10 and 34x34x2-12c5-2a-64c5-2a-10o (every
    layer a synapse + SRM neuron, no padding, pools end-padded), batch 32, 300 steps of Ts = 1 ms,
    on random spikes at the mean event density of ``nmnist-small`` (4133 events per sample, 0.6 %).

For every workload, backend and precision it prints the median forward and backward time over
``--repeats`` runs (CUDA events, after warm-up), the time of the first call (which includes
Triton's JIT compilation unless its cache is warm), the peak memory of one forward+backward
(``torch.cuda.max_memory_allocated``: weights, input, activations and gradients), and the output
spike count, which the two backends share up to the few spikes that psp rounding flips at the
threshold.

Precision ``fp32`` runs the synapse matmuls/convolutions in IEEE float32; ``tf32`` lets them use
TF32 tensor cores (as torch.compile'd frameworks usually do). The neuron kernels are float32 in both.

Usage
-----
    python benchmarks/gpu/bench_gpu.py                         # everything (a few minutes)
    python benchmarks/gpu/bench_gpu.py --only onb-16384 --precision tf32 --backends triton
    python benchmarks/gpu/bench_gpu.py --markdown gpu-results.md
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

import slayer
from slayer import backends
from slayer import nn as snn

ONB_SIZES = (4096, 8192, 16384)


def require_gpu() -> None:
    """Exit with a clear message unless a CUDA GPU and Triton are there."""
    if not torch.cuda.is_available():
        build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
        sys.exit(
            "bench_gpu.py needs a CUDA GPU, and torch.cuda.is_available() is False here "
            f"(torch {torch.__version__}, {build}). "
            "Run it on a machine with an NVIDIA GPU and a CUDA build of PyTorch."
        )
    if not backends.available("triton", "cuda"):
        sys.exit("bench_gpu.py needs Triton: pip install 'slayer-snn[gpu]'")


def set_tf32(enabled: bool) -> None:
    """Allow (or forbid) TF32 tensor cores in float32 matmuls and cuDNN convolutions."""
    if hasattr(torch.backends.cudnn, "conv") and hasattr(torch.backends.cudnn.conv, "fp32_precision"):
        torch.backends.cudnn.conv.fp32_precision = "tf32" if enabled else "ieee"
        torch.backends.cuda.matmul.fp32_precision = "tf32" if enabled else "ieee"
    else:  # torch < 2.9
        torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = enabled


@dataclass(frozen=True)
class Workload:
    name: str
    build: Callable[[], nn.Module]
    make_input: Callable[[torch.Generator], torch.Tensor]


def workloads(nmnist_batch: int) -> list[Workload]:
    neuron = slayer.SRM(theta=10, tau_sr=10, tau_ref=1)
    sim500, sim300 = slayer.Simulation(1.0, 500), slayer.Simulation(1.0, 300)
    out: list[Workload] = []
    for n in ONB_SIZES:
        out.append(
            Workload(
                f"onb-{n}",
                lambda n=n: snn.Block(snn.Dense(n, n), neuron, sim500),
                lambda g, n=n: torch.randn(16, n, 500, generator=g, device="cuda"),
            )
        )

    def nmnist_spikes(g: torch.Generator) -> torch.Tensor:
        return (torch.rand(nmnist_batch, 2, 34, 34, 300, generator=g, device="cuda") < 0.006).float()

    out.append(
        Workload(
            "nmnist-mlp",
            lambda: nn.Sequential(
                snn.Block(snn.Dense((2, 34, 34), 500), neuron, sim300),
                snn.Block(snn.Dense(500, 500), neuron, sim300),
                snn.Block(snn.Dense(500, 10), neuron, sim300),
            ),
            nmnist_spikes,
        )
    )
    out.append(
        Workload(
            "nmnist-cnn",
            lambda: nn.Sequential(
                snn.Block(snn.Conv(2, 12, 5), neuron, sim300),  # 34 -> 30
                snn.Block(snn.Pool(2, neuron.theta), neuron, sim300),  # -> 15
                snn.Block(snn.Conv(12, 64, 5), neuron, sim300),  # -> 11
                snn.Block(snn.Pool(2, neuron.theta), neuron, sim300),  # -> 6 (end-padded)
                snn.Block(snn.Dense((64, 6, 6), 10), neuron, sim300),
            ),
            nmnist_spikes,
        )
    )
    return out


@dataclass(frozen=True)
class Result:
    workload: str
    backend: str
    precision: str
    forward_ms: float
    backward_ms: float
    first_s: float
    peak_gib: float
    spikes: int

    def row(self) -> str:
        total = self.forward_ms + self.backward_ms
        return (
            f"| {self.workload} | {self.backend} | {self.precision} | {self.forward_ms:.2f} | "
            f"{self.backward_ms:.2f} | {total:.2f} | {self.first_s:.2f} | {self.peak_gib:.2f} | "
            f"{self.spikes} |"
        )


HEADER = (
    "| workload | backend | precision | forward ms | backward ms | total ms | first call s | "
    "peak GiB | output spikes |\n|---|---|---|---|---|---|---|---|---|"
)


def measure(work: Workload, backend: str, precision: str, repeats: int, warmup: int) -> Result:
    """Median forward and backward times, first-call time, peak memory and spike count."""
    set_tf32(precision == "tf32")
    torch.manual_seed(0)
    model = work.build().cuda()
    x = work.make_input(torch.Generator("cuda").manual_seed(0))
    events = [torch.cuda.Event(enable_timing=True) for _ in range(3)]
    forward: list[float] = []
    backward: list[float] = []
    first, peak, spikes = 0.0, 0.0, 0
    with backends.use(backend):
        for i in range(warmup + repeats + 1):
            model.zero_grad(set_to_none=True)
            torch.cuda.synchronize()
            if i == warmup:  # the peak of one step, after warm-up
                torch.cuda.reset_peak_memory_stats()
            start = time.perf_counter()
            events[0].record()
            out = model(x)
            events[1].record()
            out.sum().backward()
            events[2].record()
            events[2].synchronize()
            if i == 0:
                first = time.perf_counter() - start
            if i > warmup:
                forward.append(events[0].elapsed_time(events[1]))
                backward.append(events[1].elapsed_time(events[2]))
            if i == warmup:
                peak = torch.cuda.max_memory_allocated() / 2**30
                spikes = int(out.detach().sum().item())  # Ts = 1 ms: a spike is 1
            del out
    del model, x
    torch.cuda.empty_cache()
    return Result(
        work.name,
        backend,
        precision,
        statistics.median(forward),
        statistics.median(backward),
        first,
        peak,
        spikes,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="*", help="workload names (default: all)")
    parser.add_argument("--backends", nargs="*", default=["triton", "reference"])
    parser.add_argument("--precision", nargs="*", default=["fp32", "tf32"], choices=["fp32", "tf32"])
    parser.add_argument("--repeats", type=int, default=10, help="timed runs per measurement (median)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--nmnist-batch", type=int, default=32)
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args(argv)
    require_gpu()

    import triton

    chosen = [w for w in workloads(args.nmnist_batch) if not args.only or w.name in args.only]
    if not chosen:
        sys.exit(f"no workload named {args.only}; choose from {[w.name for w in workloads(1)]}")
    props = torch.cuda.get_device_properties(0)
    lines = [
        f"GPU: {props.name} ({props.total_memory / 2**30:.0f} GiB), CUDA {torch.version.cuda}, "
        f"torch {torch.__version__}, triton {triton.__version__}, slayer {slayer.__version__}, "
        f"python {platform.python_version()}",
        f"command: python benchmarks/gpu/bench_gpu.py {' '.join(sys.argv[1:] if argv is None else argv)}",
        "",
        HEADER,
    ]
    print("\n".join(lines), flush=True)
    for work in chosen:
        for precision in args.precision:
            for backend in args.backends:
                result = measure(work, backend, precision, args.repeats, args.warmup)
                lines.append(result.row())
                print(lines[-1], flush=True)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
