"""Side-by-side CPU benchmark of slayer and its peers, in one process (see docs/benchmarks.md).

Workloads (float32, CPU, bias-free, the same loss for all):

* A: N-MNIST MLP 2312-512-10, T = 300, batch 16;
* B: N-MNIST CNN 2x34x34-12c5-2a-64c5-2a-10, T = 300, batch 8;
* the lower bound of A: the same two dense products at every time bin, no neuron at all.

The input spikes are real N-MNIST samples from ``$SLAYER_DATA/nmnist-small`` (default
``<repo>/../shared/data``), random spikes at 2 % where the data are absent. Every library runs
the same number of rounds, interleaved (round-robin), so that load from other processes falls
on all of them alike. Run ``bash benchmarks/cpu/run.sh``, which installs the peers first.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import traceback
from pathlib import Path

import numpy as np
import torch

import slayer

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import median, peak_memory_mib, step, timed
from nets import BUILDERS, Net

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
STEPS = 300
BATCH = {"A": 16, "B": 8}
#: B without slayer's reference backend (its per-bin conv3d backward takes ~15 s a step here)
DEFAULT_B = [lib for lib in BUILDERS if lib != "slayer-reference"]


# ------------------------------------------------------------------------------------------ input
def data_dir() -> Path:
    return Path(os.environ.get("SLAYER_DATA", ROOT.parent / "shared" / "data")) / "nmnist-small"


def input_spikes(batch: int) -> tuple[torch.Tensor, str]:
    """``(batch, 2, 34, 34, T)`` spikes: N-MNIST training samples 1..batch, or random at 2 %."""
    folder = data_dir()
    if (folder / "1.bs2").exists():
        sim = slayer.Simulation(1.0, STEPS)
        x = torch.stack(
            [slayer.io.read_bs2(folder / f"{i}.bs2").to_tensor(sim, (2, 34, 34)) for i in range(1, batch + 1)]
        )
        return x, f"N-MNIST samples 1-{batch} ({folder})"
    gen = torch.Generator().manual_seed(0)
    x = (torch.rand(batch, 2, 34, 34, STEPS, generator=gen) < 0.02).float()
    return x, "random spikes at 2 % (N-MNIST data not found)"


def matmul_lower_bound(x: torch.Tensor) -> Net:
    """A's two dense products at every time bin and nothing else (torch, autograd)."""
    n = x.shape[0]
    rows = x.reshape(n, -1, STEPS).transpose(1, 2).reshape(n * STEPS, -1).contiguous()
    module = torch.nn.Sequential(torch.nn.Linear(2312, 512, bias=False), torch.nn.Linear(512, 10, bias=False))

    def run() -> torch.Tensor:
        return module(rows).reshape(n, STEPS, 10).sum(1)

    return Net("torch matmul only (A's products, no neuron)", torch.__version__, module, run)


# ------------------------------------------------------------------------------------------ report
def machine() -> list[str]:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [ln.split(":", 1)[1].strip() for ln in cpuinfo.read_text().splitlines() if "model name" in ln]
        cpu = f"{names[0]} x {len(names)}" if names else cpu
    import numba

    return [
        f"- machine: {cpu}, {os.cpu_count()} logical CPUs, torch threads: {torch.get_num_threads()}",
        f"- {platform.platform()}, Python {platform.python_version()}, torch {torch.__version__}, "
        f"numba {numba.__version__}, numpy {np.__version__}",
    ]


def load() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[0] if Path("/proc/loadavg").exists() else "?"


def table(nets: list[Net], fwd: dict[str, list[float]], both: dict[str, list[float]], mem: dict) -> list[str]:
    peers = [n.library for n in nets if not n.ours and not n.library.startswith("torch matmul")]
    fastest = min(peers, key=lambda k: median(both[k])) if peers else None
    bound = next((n.library for n in nets if n.library.startswith("torch matmul")), None)
    head = "| library | version | forward ms | forward+backward ms | peak MiB | vs fastest peer |"
    lines = [head + (" vs matmul bound |" if bound else ""), "|---" * (7 if bound else 6) + "|"]
    for net in sorted(nets, key=lambda n: median(both[n.library])):
        key = net.library
        ratio = f"{median(both[key]) / median(both[fastest]):.2f}x" if fastest else "-"
        peak = f"{mem[key]:.0f}" if mem.get(key) is not None else "-"
        times = f"{median(fwd[key]) * 1e3:.0f} | {median(both[key]) * 1e3:.0f}"
        row = f"| {key} | {net.version} | {times} | {peak} | {ratio} |"
        if bound:
            row += f" {median(both[key]) / median(both[bound]):.2f}x |"
        lines.append(row)
    if fastest:
        lines.append(f"\nFastest peer (forward+backward): {fastest}.")
    return lines


def run_workload(name: str, libs: list[str], repeats: int, out: list[str]) -> None:
    """Build every library's network for workload ``name``, time them round-robin, append the table."""
    x, source = input_spikes(BATCH[name])
    density = (x != 0).float().mean().item()
    out += [f"\n### Workload {name}\n", f"- input: {source}, {density:.2%} of bins hold a spike\n"]
    nets, failed = [], []
    for lib in libs:
        if lib == "matmul":
            if name == "A":
                nets.append(matmul_lower_bound(x))
            continue
        try:
            torch.manual_seed(0)
            nets.append(BUILDERS[lib](name, x))
        except Exception as exc:  # a peer that does not install or run is reported, not fatal
            failed.append(f"- {lib}: could not run ({type(exc).__name__}: {str(exc).splitlines()[0][:160]})")
            traceback.print_exc()
    first: dict[str, float] = {}
    for net in nets:  # warm-up: numba compiles (or loads its cache) here, peers build their state
        first[net.library] = timed(lambda net=net: step(net.run, net.module, True))
        if net.ours:
            step(net.run, net.module, True)
        print(f"[{name}] {net.library}: first step {first[net.library]:.2f} s", flush=True)
    fwd: dict[str, list[float]] = {n.library: [] for n in nets}
    both: dict[str, list[float]] = {n.library: [] for n in nets}
    load_before = load()
    for r in range(repeats):
        for net in nets:
            fwd[net.library].append(timed(lambda net=net: step(net.run, net.module, False)))
            both[net.library].append(timed(lambda net=net: step(net.run, net.module, True)))
        print(f"[{name}] round {r + 1}/{repeats} done", flush=True)
    mem = {n.library: peak_memory_mib(lambda n=n: step(n.run, n.module, True)) for n in nets}
    out += table(nets, fwd, both, mem)
    out.append(f"\nLoad average (1 min) before/after the timed rounds: {load_before} / {load()}.")
    out += failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", nargs="+", default=["A", "B"], choices=["A", "B"])
    parser.add_argument(
        "--libs", nargs="+", choices=[*BUILDERS, "matmul"], help="default: all (B: without slayer-reference)"
    )
    parser.add_argument(
        "--repeats", type=int, default=5, help="timed rounds per library on A (median reported)"
    )
    parser.add_argument(
        "--repeats-b", type=int, default=3, help="timed rounds on B (peers take 10-100 s a step)"
    )
    parser.add_argument("--threads", type=int, default=2, help="torch (and numba) threads")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.md")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    stamp = datetime.datetime.now().isoformat(timespec="seconds")
    out = [f"## CPU benchmark, {stamp}\n", *machine(), f"- command: `{' '.join(sys.argv)}`"]
    status = HERE / "results" / "install-status.txt"
    if status.exists():
        out += ["- peer installation:", *(f"  - {ln}" for ln in status.read_text().splitlines() if ln)]
    for workload in args.workloads:
        libs = args.libs or ([*BUILDERS, "matmul"] if workload == "A" else DEFAULT_B)
        only = {"matmul": "A", "slayer-example-scales": "B"}  # rows that belong to one workload
        libs = [lib for lib in libs if only.get(lib, workload) == workload]
        run_workload(workload, libs, args.repeats if workload == "A" else args.repeats_b, out)
    text = "\n".join(out) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
